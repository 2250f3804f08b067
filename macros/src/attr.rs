//! Parsing of `#[container(...)]` arguments into typed, spanned slots.
//!
//! Every problem is recorded in the [`Ctxt`] and parsing goes on, so one
//! compile shows all mistakes of an attribute.

use std::collections::{HashMap, HashSet};

use cfcontainer_meta::{
    is_js_identifier, parse_duration, Constraints, EnvValue, InstanceType, Rollout, RolloutKind, SchedulingPolicy,
    CREDENTIAL_VARS, NAMED_INSTANCE_TYPES, STEP_PERCENTAGES,
};
use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{Expr, ExprLit, Lit, Meta, Token};

use crate::ctxt::Ctxt;
use crate::suggest;
use crate::symbol::*;

pub use crate::spanned::Spanned;

/// The attribute's arguments as written; `None` where a key is absent.
#[derive(Default)]
pub struct Attrs {
    pub class: Option<Spanned<String>>,
    pub binding: Option<Spanned<String>>,
    pub renamed_from: Option<Spanned<String>>,
    pub port: Option<Spanned<u16>>,
    pub ports: Option<Spanned<Vec<u16>>>,
    pub sleep_after: Option<u64>,
    pub env: Vec<(Spanned<String>, EnvValue)>,
    pub entrypoint: Option<Vec<String>>,
    pub enable_internet: Option<bool>,
    pub readiness_path: Option<String>,
    pub readiness: Option<cfcontainer_meta::ReadinessTiming>,
    pub dockerfile: Option<Spanned<String>>,
    pub context: Option<Spanned<String>>,
    pub build_args: Option<Spanned<Vec<(String, String)>>>,
    pub target: Option<Spanned<String>>,
    pub image: Option<String>,
    pub binary: Option<Spanned<String>>,
    pub package: Option<Spanned<String>>,
    pub assets: Option<Spanned<String>>,
    pub name: Option<String>,
    pub tag: Option<String>,
    pub instance_type: Option<InstanceType>,
    pub max_instances: Option<u32>,
    pub rollout_steps: Option<Vec<u8>>,
    /// The steps' list as written (`step_percentage = [..]`), for the
    /// rule that compares its length with `max_instances`.
    pub rollout_list: Option<Spanned<usize>>,
    pub rollout_kind: Option<RolloutKind>,
    pub observability_logs: Option<bool>,
    pub dev_remote: Option<bool>,
    pub hooks: bool,
    pub scheduling_policy: Option<SchedulingPolicy>,
    pub constraints: Option<Constraints>,
    pub rollout_active_grace_period: Option<u64>,
    /// Egress control (`allowed_hosts`, `denied_hosts`, `intercept_https`,
    /// `outbound`, `outbound_by_host`).
    pub egress: crate::egress::EgressAttrs,
    /// Every top-level key written, known or not, valid or not, so that
    /// later rules do not pile a second error on a key already reported.
    /// Each with the span of its first use.
    pub written: HashMap<String, Span>,
}

impl Attrs {
    /// True if `key` was written, or an unknown key that looks like it.
    pub fn mentions(&self, key: &str) -> bool {
        self.written.keys().any(|w| w == key || suggest::closest(w, TOP_LEVEL) == Some(key))
    }

    /// Where `key` was written, if it was.
    pub fn span_of(&self, key: &str) -> Option<Span> {
        self.written.get(key).copied()
    }
}

/// Parses the attribute's token stream.
pub fn parse(cx: &Ctxt, args: TokenStream) -> Attrs {
    let mut attrs = Attrs::default();
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
        Ok(metas) => metas,
        Err(err) => {
            cx.syn_error(err);
            return attrs;
        }
    };
    let mut seen = Keys::new("key", TOP_LEVEL);
    for meta in &metas {
        if let Some(ident) = meta.path().get_ident() {
            attrs.written.entry(ident.to_string()).or_insert(ident.span());
        }
        let Some(key) = seen.accept(cx, meta) else { continue };
        parse_key(cx, &mut attrs, &key, meta);
    }
    attrs
}

fn parse_key(cx: &Ctxt, a: &mut Attrs, key: &str, meta: &Meta) {
    match key {
        CLASS => a.class = value(cx, meta).and_then(|e| string(cx, key, e)),
        BINDING => a.binding = value(cx, meta).and_then(|e| string(cx, key, e)),
        RENAMED_FROM => a.renamed_from = value(cx, meta).and_then(|e| string(cx, key, e)),
        PORT => a.port = value(cx, meta).and_then(|e| port(cx, key, e)),
        PORTS => {
            a.ports = value(cx, meta).and_then(|e| {
                let items = array(cx, key, e)?;
                let ports: Vec<u16> = items.iter().filter_map(|e| port(cx, key, e)).map(|p| p.value).collect();
                if items.is_empty() {
                    cx.error_spanned_by(e, "`ports` needs at least one port");
                }
                Some(Spanned { span: e.span(), value: ports })
            })
        }
        SLEEP_AFTER => a.sleep_after = value(cx, meta).and_then(|e| duration(cx, key, e)),
        ENV => {
            if let Some(list) = nested(cx, meta) {
                a.env = env_vars(cx, &list);
            }
        }
        ENTRYPOINT => {
            a.entrypoint = value(cx, meta).and_then(|e| {
                let items = array(cx, key, e)?;
                if items.is_empty() {
                    cx.error_spanned_by(e, "`entrypoint` needs at least the program to run");
                }
                Some(items.iter().filter_map(|e| string(cx, key, e)).map(|s| s.value).collect())
            })
        }
        ENABLE_INTERNET => a.enable_internet = flag_value(cx, key, meta),
        READINESS_PATH => {
            a.readiness_path = checked_string(cx, key, meta, is_url_path, "`readiness_path` must be a URL path starting with `/`, e.g. \"/healthz\"")
        }
        READINESS => a.readiness = readiness(cx, meta),
        DOCKERFILE => a.dockerfile = value(cx, meta).and_then(|e| non_empty(cx, key, e)),
        CONTEXT => a.context = value(cx, meta).and_then(|e| non_empty(cx, key, e)),
        BUILD_ARGS => {
            if let Some(list) = nested(cx, meta) {
                let mut keys = Keys::free("build arg");
                let args = list
                    .iter()
                    .filter_map(|m| {
                        let name = keys.accept(cx, m)?;
                        let v = string(cx, &name, value(cx, m)?)?;
                        Some((name, v.value))
                    })
                    .collect();
                a.build_args = Some(Spanned { span: meta.span(), value: args });
            }
        }
        TARGET => a.target = value(cx, meta).and_then(|e| non_empty(cx, key, e)),
        IMAGE => {
            a.image = checked_string(cx, key, meta, is_image_reference, "`image` must be an image reference such as \"registry.cloudflare.com/<account>/app:1.0\" (no spaces, lowercase repository)")
        }
        BINARY => {
            a.binary = cargo_name(cx, key, meta, "`binary` names a binary target of the workspace, as cargo's `--bin` does: letters, digits, `-` and `_`, e.g. \"api-server\"")
        }
        PACKAGE => {
            a.package = cargo_name(cx, key, meta, "`package` names the workspace package that has `binary`, as cargo's `-p` does: letters, digits, `-` and `_`")
        }
        ASSETS => a.assets = value(cx, meta).and_then(|e| non_empty(cx, key, e)),
        NAME => {
            a.name = checked_string(cx, key, meta, is_repository_name, "`name` must be an image repository name: lowercase letters, digits and single `.`, `_`, `-` or `/` between them")
        }
        TAG => {
            a.tag = checked_string(cx, key, meta, is_tag, "`tag` must be 1 to 128 of letters, digits, `_`, `.` and `-`, not starting with `.` or `-`")
        }
        INSTANCE_TYPE => a.instance_type = instance_type(cx, meta),
        MAX_INSTANCES => {
            a.max_instances = value(cx, meta).and_then(|e| integer(cx, key, e)).and_then(|n| {
                if n.value == 0 {
                    cx.error_at(n.span, "`max_instances` must be at least 1");
                    return None;
                }
                positive_u32(cx, key, n)
            })
        }
        ROLLOUT => {
            if let Some(list) = nested(cx, meta) {
                rollout(cx, a, &list);
            }
        }
        OBSERVABILITY => a.observability_logs = nested_flag(cx, meta, "observability key", OBSERVABILITY_KEYS),
        DEV => a.dev_remote = nested_flag(cx, meta, "dev key", DEV_KEYS),
        HOOKS => a.hooks = flag_value(cx, key, meta).unwrap_or(false),
        SCHEDULING_POLICY => {
            a.scheduling_policy = value(cx, meta).and_then(|e| string(cx, key, e)).and_then(|s| {
                let policy = SchedulingPolicy::from_name(&s.value);
                if policy.is_none() {
                    cx.error_at(s.span, "`scheduling_policy` must be \"default\" or \"regional\"");
                }
                policy
            })
        }
        ROLLOUT_ACTIVE_GRACE_PERIOD => a.rollout_active_grace_period = value(cx, meta).and_then(|e| duration(cx, key, e)),
        CONSTRAINTS => {
            if let Some(list) = nested(cx, meta) {
                a.constraints = Some(constraints(cx, &list));
            }
        }
        ALLOWED_HOSTS => a.egress.allowed_hosts = value(cx, meta).and_then(|e| host_list(cx, key, e)),
        DENIED_HOSTS => a.egress.denied_hosts = value(cx, meta).and_then(|e| host_list(cx, key, e)),
        INTERCEPT_HTTPS => a.egress.intercept_https = flag_value(cx, key, meta).map(|on| Spanned { span: meta.span(), value: on }),
        OUTBOUND => a.egress.outbound = value(cx, meta).and_then(|e| crate::egress::handler_path(cx, e)),
        OUTBOUND_BY_HOST => {
            if let Meta::List(list) = meta {
                a.egress.by_host = crate::egress::by_host(cx, list);
            } else {
                cx.error_spanned_by(meta, "expected `outbound_by_host(\"host\" = handler, ...)`");
            }
        }
        _ => unreachable!("Keys::accept only passes known keys"),
    }
}

/// Tracks which keys of one list were seen: unknown keys get a suggestion,
/// repeated keys an error at the repetition.
struct Keys {
    what: &'static str,
    known: Option<&'static [&'static str]>,
    seen: HashSet<String>,
}

impl Keys {
    fn new(what: &'static str, known: &'static [&'static str]) -> Self {
        Keys { what, known: Some(known), seen: HashSet::new() }
    }

    /// Any identifier is a valid key (env var names, build args).
    fn free(what: &'static str) -> Self {
        Keys { what, known: None, seen: HashSet::new() }
    }

    fn accept(&mut self, cx: &Ctxt, meta: &Meta) -> Option<String> {
        let Some(ident) = meta.path().get_ident() else {
            cx.error_spanned_by(meta.path(), format!("expected a {} name, not a path", self.what));
            return None;
        };
        let name = ident.to_string();
        if let Some(known) = self.known {
            if !known.contains(&name.as_str()) {
                cx.error_spanned_by(ident, suggest::unknown_key(self.what, &name, known));
                return None;
            }
        }
        if !self.seen.insert(name.clone()) {
            cx.error_spanned_by(ident, format!("duplicate {} `{name}`", self.what));
            return None;
        }
        Some(name)
    }
}

fn value<'m>(cx: &Ctxt, meta: &'m Meta) -> Option<&'m Expr> {
    match meta {
        Meta::NameValue(nv) => Some(&nv.value),
        other => {
            let key = other.path().get_ident().map(ToString::to_string).unwrap_or_default();
            cx.error_spanned_by(other, format!("expected `{key} = <value>`"));
            None
        }
    }
}

fn nested(cx: &Ctxt, meta: &Meta) -> Option<Punctuated<Meta, Token![,]>> {
    match meta {
        Meta::List(list) => match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
            Ok(items) => Some(items),
            Err(err) => {
                cx.syn_error(err);
                None
            }
        },
        other => {
            let key = other.path().get_ident().map(ToString::to_string).unwrap_or_default();
            cx.error_spanned_by(other, format!("expected `{key}(...)`"));
            None
        }
    }
}

fn lit(expr: &Expr) -> Option<&Lit> {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => Some(lit),
        Expr::Group(g) => lit(&g.expr),
        _ => None,
    }
}

fn string(cx: &Ctxt, key: &str, expr: &Expr) -> Option<Spanned<String>> {
    match lit(expr) {
        Some(Lit::Str(s)) => Some(Spanned { span: s.span(), value: s.value() }),
        _ => {
            cx.error_spanned_by(expr, format!("expected a string literal for `{key}`"));
            None
        }
    }
}

fn non_empty(cx: &Ctxt, key: &str, expr: &Expr) -> Option<Spanned<String>> {
    string(cx, key, expr).filter(|s| {
        if s.value.trim().is_empty() {
            cx.error_at(s.span, format!("`{key}` must not be empty"));
        }
        !s.value.trim().is_empty()
    })
}

fn integer(cx: &Ctxt, key: &str, expr: &Expr) -> Option<Spanned<u64>> {
    match lit(expr) {
        Some(Lit::Int(i)) => match i.base10_parse::<u64>() {
            Ok(v) => Some(Spanned { span: i.span(), value: v }),
            Err(e) => {
                cx.error_spanned_by(i, format!("`{key}`: {e}"));
                None
            }
        },
        _ => {
            cx.error_spanned_by(expr, format!("expected a non-negative integer for `{key}`"));
            None
        }
    }
}

fn port(cx: &Ctxt, key: &str, expr: &Expr) -> Option<Spanned<u16>> {
    let n = integer(cx, key, expr)?;
    if n.value == 0 || n.value > 65535 {
        cx.error_at(n.span, format!("port {} is out of range; a port is 1 to 65535", n.value));
        return None;
    }
    Some(Spanned { span: n.span, value: n.value as u16 })
}

fn array<'e>(cx: &Ctxt, key: &str, expr: &'e Expr) -> Option<Vec<&'e Expr>> {
    match expr {
        Expr::Array(arr) => Some(arr.elems.iter().collect()),
        _ => {
            cx.error_spanned_by(expr, format!("expected an array for `{key}`, e.g. `{key} = [..]`"));
            None
        }
    }
}

/// A list of host patterns (`allowed_hosts`, `denied_hosts`), each checked.
fn host_list(cx: &Ctxt, key: &str, expr: &Expr) -> Option<Vec<Spanned<String>>> {
    let hosts: Vec<Spanned<String>> = array(cx, key, expr)?.into_iter().filter_map(|e| string(cx, key, e)).collect();
    Some(crate::egress::checked_hosts(cx, hosts))
}

/// A string key whose value must pass `valid`; `message` explains the rule.
fn checked_string(cx: &Ctxt, key: &str, meta: &Meta, valid: fn(&str) -> bool, message: &str) -> Option<String> {
    let s = string(cx, key, value(cx, meta)?)?;
    if !valid(&s.value) {
        cx.error_at(s.span, message);
        return None;
    }
    Some(s.value)
}

/// A string naming a cargo package or target: `message` when it is not one.
fn cargo_name(cx: &Ctxt, key: &str, meta: &Meta, message: &str) -> Option<Spanned<String>> {
    let s = string(cx, key, value(cx, meta)?)?;
    let valid = !s.value.is_empty() && s.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        cx.error_at(s.span, message);
        return None;
    }
    Some(s)
}

/// `key(flag = bool)` with a single known flag.
fn nested_flag(cx: &Ctxt, meta: &Meta, what: &'static str, known: &'static [&'static str]) -> Option<bool> {
    let list = nested(cx, meta)?;
    let mut keys = Keys::new(what, known);
    let mut value = None;
    for m in &list {
        if let Some(k) = keys.accept(cx, m) {
            value = flag_value(cx, &k, m);
        }
    }
    value
}

/// A boolean key: `key = true|false`, or the bare `key` meaning true.
fn flag_value(cx: &Ctxt, key: &str, meta: &Meta) -> Option<bool> {
    match meta {
        Meta::Path(_) => Some(true),
        Meta::NameValue(nv) => match lit(&nv.value) {
            Some(Lit::Bool(b)) => Some(b.value),
            _ => {
                cx.error_spanned_by(&nv.value, format!("expected `true` or `false` for `{key}`"));
                None
            }
        },
        Meta::List(l) => {
            cx.error_spanned_by(l, format!("expected `{key} = true` or `{key} = false`"));
            None
        }
    }
}

fn duration(cx: &Ctxt, key: &str, expr: &Expr) -> Option<u64> {
    match lit(expr) {
        Some(Lit::Int(_)) => {
            let n = integer(cx, key, expr)?;
            if n.value == 0 {
                cx.error_at(n.span, format!("`{key}` must be at least one second"));
                return None;
            }
            Some(n.value)
        }
        Some(Lit::Str(s)) => parse_duration(&s.value()).map_err(|e| cx.error_spanned_by(s, e)).ok(),
        _ => {
            cx.error_spanned_by(expr, format!("expected seconds or a duration string such as \"3m\" for `{key}`"));
            None
        }
    }
}

fn env_vars(cx: &Ctxt, list: &Punctuated<Meta, Token![,]>) -> Vec<(Spanned<String>, EnvValue)> {
    let mut keys = Keys::free("env var");
    let mut vars = Vec::new();
    for m in list {
        let Some(name) = keys.accept(cx, m) else { continue };
        let Some(expr) = value(cx, m) else { continue };
        let name = Spanned { span: m.path().span(), value: name };
        let value = match expr {
            Expr::Call(call) => env_source(cx, call),
            other => string(cx, &name.value, other).map(|s| EnvValue::Static(s.value)),
        };
        if let Some(value) = value {
            vars.push((name, value));
        }
    }
    vars
}

/// The sources an env var's value can be read from, as written in `env(..)`.
const ENV_SOURCES: &[&str] = &[SECRET, VAR, SECRETS_STORE];

fn env_source(cx: &Ctxt, call: &syn::ExprCall) -> Option<EnvValue> {
    let func = match &*call.func {
        Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
        _ => None,
    }
    .unwrap_or_default();
    if !ENV_SOURCES.contains(&func.as_str()) {
        let message = match suggest::closest(&func, ENV_SOURCES) {
            Some(known) => format!("unknown env source `{func}`; did you mean `{known}(\"...\")`?"),
            None => {
                "expected `secret(\"NAME\")`, `var(\"NAME\")` or `secrets_store(\"BINDING\")` (or a string literal)"
                    .to_string()
            }
        };
        cx.error_spanned_by(&call.func, message);
        return None;
    }
    let arg = match (call.args.len(), call.args.first()) {
        (1, Some(arg)) => string(cx, &func, arg)?,
        _ => {
            let what = match func.as_str() {
                SECRETS_STORE => "the binding of the Secrets Store secret (its `secrets_store_secrets` entry)",
                _ => "the name of the Worker secret or var",
            };
            cx.error_spanned_by(call, format!("expected one string: {what}"));
            return None;
        }
    };
    match func.as_str() {
        SECRET if CREDENTIAL_VARS.contains(&arg.value.as_str()) => {
            let message = format!(
                "a Worker secret cannot be named `{}`: deploys read the Cloudflare API credentials from that variable, so its value would be uploaded as the secret; name the secret differently",
                arg.value
            );
            cx.error_at(arg.span, message);
            None
        }
        SECRET => Some(EnvValue::Secret(arg.value)),
        VAR => Some(EnvValue::Var(arg.value)),
        _ if !is_js_identifier(&arg.value) => {
            let message = format!(
                "`{}` is not a valid binding name: use the `binding` of a `secrets_store_secrets` entry (letters, digits, `_` or `$`, not starting with a digit), e.g. \"API_KEY\"",
                arg.value
            );
            cx.error_at(arg.span, message);
            None
        }
        _ => Some(EnvValue::SecretsStore(arg.value)),
    }
}

fn instance_type(cx: &Ctxt, meta: &Meta) -> Option<InstanceType> {
    if let Meta::NameValue(nv) = meta {
        let s = string(cx, INSTANCE_TYPE, &nv.value)?;
        return InstanceType::named(&s.value).or_else(|| {
            let names: Vec<&str> = NAMED_INSTANCE_TYPES.iter().map(|t| t.0).collect();
            let hint = match suggest::closest(&s.value, &names) {
                Some(k) => format!("did you mean `{k}`?"),
                None => format!(
                    "expected one of {}, or instance_type(vcpu = .., memory_mib = .., disk_mb = ..)",
                    names.join(", ")
                ),
            };
            cx.error_at(s.span, format!("unknown instance type `{}`; {hint}", s.value));
            None
        });
    }
    let list = nested(cx, meta)?;
    let mut keys = Keys::new("instance_type key", INSTANCE_TYPE_KEYS);
    let (mut vcpu, mut memory, mut disk) = (None, None, None);
    for m in &list {
        let Some(k) = keys.accept(cx, m) else { continue };
        let Some(e) = value(cx, m) else { continue };
        match k.as_str() {
            VCPU => vcpu = positive_float(cx, &k, e),
            MEMORY_MIB => memory = integer(cx, &k, e).and_then(|n| positive_u32(cx, &k, n)),
            _ => disk = integer(cx, &k, e).and_then(|n| positive_u32(cx, &k, n)),
        }
    }
    match (vcpu, memory, disk) {
        (Some(vcpu), Some(memory_mib), Some(disk_mb)) => Some(InstanceType::Custom { vcpu, memory_mib, disk_mb }),
        _ if keys.seen.len() < 3 => {
            cx.error_spanned_by(meta, "a custom instance_type needs all of vcpu, memory_mib and disk_mb");
            None
        }
        _ => None,
    }
}

fn positive_u32(cx: &Ctxt, key: &str, n: Spanned<u64>) -> Option<u32> {
    if n.value == 0 || n.value > u32::MAX as u64 {
        cx.error_at(n.span, format!("`{key}` must be a whole number from 1 to {}", u32::MAX));
        return None;
    }
    Some(n.value as u32)
}

fn positive_float(cx: &Ctxt, key: &str, expr: &Expr) -> Option<f64> {
    let parsed = match lit(expr) {
        Some(Lit::Float(f)) => f.base10_parse::<f64>().ok(),
        Some(Lit::Int(i)) => i.base10_parse::<f64>().ok(),
        _ => None,
    };
    match parsed {
        Some(v) if v > 0.0 && v.is_finite() => Some(v),
        _ => {
            cx.error_spanned_by(expr, format!("`{key}` must be a positive number, e.g. 0.5"));
            None
        }
    }
}

fn readiness(cx: &Ctxt, meta: &Meta) -> Option<cfcontainer_meta::ReadinessTiming> {
    let list = nested(cx, meta)?;
    let mut keys = Keys::new("readiness key", READINESS_KEYS);
    let mut timing = cfcontainer_meta::ReadinessTiming::default();
    for m in &list {
        let Some(k) = keys.accept(cx, m) else { continue };
        let Some(e) = value(cx, m) else { continue };
        let positive = |n: Spanned<u64>| {
            if n.value == 0 {
                cx.error_at(n.span, format!("`{k}` must be above zero"));
                return None;
            }
            Some(n.value)
        };
        match k.as_str() {
            TIMEOUT => timing.timeout_ms = duration(cx, &k, e).map_or(timing.timeout_ms, |s| s * 1000),
            ATTEMPT_TIMEOUT => {
                timing.attempt_timeout_ms = duration(cx, &k, e).map_or(timing.attempt_timeout_ms, |s| s * 1000)
            }
            FIRST_RETRY_MS => {
                timing.first_retry_ms = integer(cx, &k, e).and_then(positive).unwrap_or(timing.first_retry_ms)
            }
            _ => timing.max_retry_ms = integer(cx, &k, e).and_then(positive).unwrap_or(timing.max_retry_ms),
        }
    }
    if timing.first_retry_ms > timing.max_retry_ms {
        cx.error_spanned_by(meta, "`first_retry_ms` cannot exceed `max_retry_ms`");
    }
    Some(timing)
}

/// `constraints(regions = ["ENAM"], tiers = [1, 2], jurisdiction = "eu")`,
/// normalized as the official CLI sends them.
fn constraints(cx: &Ctxt, list: &Punctuated<Meta, Token![,]>) -> Constraints {
    let mut constraints = Constraints::default();
    let mut keys = Keys::new("constraints key", CONSTRAINTS_KEYS);
    for m in list {
        let Some(k) = keys.accept(cx, m) else { continue };
        let Some(e) = value(cx, m) else { continue };
        match k.as_str() {
            REGIONS => {
                let items = array(cx, &k, e).unwrap_or_default();
                for region in items.iter().filter_map(|i| string(cx, &k, i)) {
                    if region.value.is_empty() || !region.value.chars().all(|c| c.is_ascii_alphabetic()) {
                        cx.error_at(region.span, "a region is a code of letters, e.g. \"ENAM\" or \"WEUR\"");
                    }
                    constraints.regions.push(region.value.to_uppercase());
                }
            }
            TIERS => {
                let items = array(cx, &k, e).unwrap_or_default();
                let tiers: Vec<Spanned<u64>> = items.iter().filter_map(|i| integer(cx, &k, i)).collect();
                if let Some(bad) = tiers.iter().find(|t| !(1..=9).contains(&t.value)) {
                    cx.error_at(bad.span, "a tier is a number from 1 to 9");
                }
                if items.is_empty() {
                    cx.error_spanned_by(e, "`tiers` needs at least one tier, e.g. [1, 2]");
                }
                constraints.tiers = tiers.iter().map(|t| t.value as u8).collect();
            }
            _ => constraints.jurisdiction = string(cx, &k, e).map(|s| s.value.to_lowercase()),
        }
    }
    constraints
}

fn rollout(cx: &Ctxt, a: &mut Attrs, list: &Punctuated<Meta, Token![,]>) {
    let mut keys = Keys::new("rollout key", ROLLOUT_KEYS);
    for m in list {
        let Some(k) = keys.accept(cx, m) else { continue };
        let Some(e) = value(cx, m) else { continue };
        if k == KIND {
            a.rollout_kind = string(cx, &k, e).and_then(|s| match RolloutKind::from_name(&s.value) {
                Some(kind) => Some(kind),
                None => {
                    cx.error_at(s.span, "rollout `kind` must be \"full_auto\" or \"full_manual\"");
                    None
                }
            });
        } else if let Expr::Array(_) = e {
            a.rollout_steps = step_list(cx, e);
            a.rollout_list = a.rollout_steps.as_ref().map(|s| Spanned { span: e.span(), value: s.len() });
        } else if let Some(n) = integer(cx, &k, e) {
            if STEP_PERCENTAGES.iter().any(|p| u64::from(*p) == n.value) {
                let step = n.value as u8;
                a.rollout_steps = Some((1..=100 / step).map(|i| i * step).collect());
            } else {
                cx.error_at(
                    n.span,
                    "`step_percentage` must be one of 5, 10, 20, 25, 50, 100, or a list such as [10, 50, 100]",
                );
            }
        }
    }
}

fn step_list(cx: &Ctxt, e: &Expr) -> Option<Vec<u8>> {
    let items = array(cx, STEP_PERCENTAGE, e)?;
    let steps: Vec<Spanned<u64>> = items.iter().filter_map(|i| integer(cx, STEP_PERCENTAGE, i)).collect();
    if steps.len() != items.len() {
        return None;
    }
    let values: Vec<u64> = steps.iter().map(|s| s.value).collect();
    if !Rollout::is_step_list(&values) {
        cx.error_spanned_by(
            e,
            "`step_percentage` steps must each be 10 to 100, rise strictly and end at 100, e.g. [10, 50, 100]",
        );
        return None;
    }
    Some(steps.iter().map(|s| s.value as u8).collect())
}

fn is_url_path(path: &str) -> bool {
    path.starts_with('/') && !path.chars().any(char::is_whitespace)
}

fn is_repository_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('/').all(|part| {
            !part.is_empty()
                && part
                    .split(['.', '_', '-'])
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        })
}

/// `[host[:port]/]path[:tag][@digest]` with a lowercase repository path.
fn is_image_reference(reference: &str) -> bool {
    let name = reference.split('@').next().unwrap_or_default();
    let (name, tag) = match name.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, Some(t)),
        _ => (name, None),
    };
    let path = match name.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => rest,
        _ => name,
    };
    is_repository_name(path) && tag.is_none_or(is_tag)
}

fn is_tag(tag: &str) -> bool {
    let mut bytes = tag.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphanumeric() || b == b'_')
        && tag.len() <= 128
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}
