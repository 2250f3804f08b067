//! `bindings!()`: one typed accessor per binding of the crate's wrangler
//! config, read at compile time: the Rust counterpart of `wrangler types`.
//!
//! Like the attribute: read into a typed model ([`Accessor`]s), check
//! (collisions, names), then expand infallibly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cfcontainer_meta::wrangler::{self, BindingKind};
use heck::ToSnakeCase;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::LitStr;

/// Selects `[env.NAME]`; tracked, so changing it rebuilds.
use cfcontainer_meta::wrangler::ENV_VAR;

/// What an accessor returns.
#[derive(Clone, Copy)]
enum Kind {
    Binding(BindingKind),
    /// A Worker secret named in `[package.metadata.cfcontainer] secrets`.
    Secret,
}

/// One accessor to generate.
struct Accessor {
    /// The binding's name in `env`.
    binding: String,
    /// The method name.
    method: syn::Ident,
    kind: Kind,
}

/// Expands `bindings!()` or `bindings!("path/to/wrangler.toml")`.
pub fn bindings(input: TokenStream) -> syn::Result<TokenStream> {
    let span = Span::call_site();
    let explicit: Option<LitStr> = if input.is_empty() { None } else { Some(syn::parse2(input)?) };
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default();
    let path = match &explicit {
        Some(lit) => normalized(&crate_dir.join(lit.value())),
        None => wrangler::find(&crate_dir).ok_or_else(|| {
            syn::Error::new(
                span,
                format!(
                    "no wrangler.json, wrangler.jsonc or wrangler.toml in {}; create one, or name it: `bindings!(\"path/to/wrangler.toml\")`",
                    crate_dir.display()
                ),
            )
        })?,
    };
    let file = wrangler::read(&path).map_err(|e| syn::Error::new(span, e.to_string()))?;
    let env = std::env::var(ENV_VAR).ok().filter(|e| !e.is_empty());
    let section = file
        .section(env.as_deref())
        .map_err(|e| syn::Error::new(span, format!("{}: {e} ({ENV_VAR})", path.display())))?;
    let mut named: Vec<(String, Kind)> =
        section.bindings.named().into_iter().map(|b| (b.name, Kind::Binding(b.kind))).collect();
    named.extend(file.assets_binding(env.as_deref()).map(|name| (name, Kind::Binding(BindingKind::StaticAssets))));
    named.extend(
        declared_secrets(&crate_dir).map_err(|e| syn::Error::new(span, e))?.into_iter().map(|s| (s, Kind::Secret)),
    );
    let accessors = check(named, &path).map_err(|e| syn::Error::new(span, e))?;
    Ok(expand(&accessors, &path))
}

/// `path` with `.` and `..` resolved as written (for messages and the
/// tracked input; the file need not exist).
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `[package.metadata.cfcontainer] secrets` of the crate's Cargo.toml.
fn declared_secrets(crate_dir: &Path) -> Result<Vec<String>, String> {
    #[derive(serde::Deserialize, Default)]
    struct Manifest {
        #[serde(default)]
        package: Package,
    }
    #[derive(serde::Deserialize, Default)]
    struct Package {
        #[serde(default)]
        metadata: Metadata,
    }
    #[derive(serde::Deserialize, Default)]
    struct Metadata {
        #[serde(default)]
        cfcontainer: Settings,
    }
    #[derive(serde::Deserialize, Default)]
    struct Settings {
        #[serde(default)]
        secrets: Vec<String>,
    }
    let path = crate_dir.join("Cargo.toml");
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(Vec::new()) };
    let manifest: Manifest = toml::from_str(&text).map_err(|e| {
        format!("{}: `[package.metadata.cfcontainer] secrets` must be a list of names: {}", path.display(), e.message())
    })?;
    Ok(manifest.package.metadata.cfcontainer.secrets)
}

/// Names each accessor; two bindings on one method name are an error
/// naming both.
fn check(named: Vec<(String, Kind)>, path: &Path) -> Result<Vec<Accessor>, String> {
    let mut by_method: BTreeMap<String, (String, Kind)> = BTreeMap::new();
    let mut accessors = Vec::new();
    for (binding, kind) in named {
        let snake = binding.to_snake_case();
        if let Some((first, first_kind)) = by_method.get(&snake) {
            return Err(format!(
                "{}: `{first}` ({}) and `{binding}` ({}) both become the accessor `{snake}()`; rename one of them",
                path.display(),
                origin(*first_kind),
                origin(kind)
            ));
        }
        let method = method_ident(&snake).ok_or_else(|| {
            format!(
                "{}: the binding `{binding}` gives the accessor `{snake}`, which Rust reserves; rename it",
                path.display()
            )
        })?;
        by_method.insert(snake, (binding.clone(), kind));
        accessors.push(Accessor { binding, method, kind });
    }
    Ok(accessors)
}

fn origin(kind: Kind) -> &'static str {
    match kind {
        Kind::Binding(kind) => kind.config_key(),
        Kind::Secret => "secrets",
    }
}

/// `name` as a method name: raw for keywords (`r#type`); `None` for the
/// few that cannot be raw, and for names that are no identifier.
fn method_ident(name: &str) -> Option<syn::Ident> {
    if matches!(name, "self" | "super" | "crate" | "_" | "") || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    match syn::parse_str::<syn::Ident>(name) {
        Ok(ident) => Some(ident),
        Err(_) if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            Some(syn::Ident::new_raw(name, Span::call_site()))
        }
        Err(_) => None,
    }
}

fn expand(accessors: &[Accessor], path: &Path) -> TokenStream {
    let w = quote! { ::cfcontainer::__private::worker };
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let methods = accessors.iter().map(|a| {
        let (method, name) = (&a.method, &a.binding);
        let doc = format!("`{name}`: {} (`{}` in {file}).", describe(a.kind), origin(a.kind));
        let (ret, body) = returns(a.kind, name);
        let generics = matches!(a.kind, Kind::Binding(BindingKind::JsonVar))
            .then(|| quote! { <T: ::cfcontainer::__private::serde::de::DeserializeOwned> });
        quote! {
            #[doc = #doc]
            pub fn #method #generics (&self) -> #w::Result<#ret> {
                let env = self.env;
                #body
            }
        }
    });
    let tracked = path.to_string_lossy().into_owned();
    let doc = format!(
        "The bindings of `{file}`, typed: `Bindings::of(&env).my_cache()?`. Generated by `cfcontainer::bindings!`: a binding renamed or removed there makes its uses fail to compile."
    );
    quote! {
        #[doc = #doc]
        // A struct, not methods on `Env`: `Env`'s own methods (`ai`, `kv`,
        // `d1`, ...) would win over a trait's of the same name.
        #[derive(Clone, Copy)]
        pub struct Bindings<'a> {
            env: &'a #w::Env,
        }

        impl<'a> Bindings<'a> {
            /// The bindings of `env`.
            pub fn of(env: &'a #w::Env) -> Self {
                Bindings { env }
            }

            #(#methods)*
        }

        // The config is an input of this crate: an edit rebuilds it, as
        // does a change of the selected environment.
        const _: &[u8] = include_bytes!(#tracked);
        const _: ::core::option::Option<&str> = ::core::option_env!(#ENV_VAR);
    }
}

/// The return type and the body of an accessor.
fn returns(kind: Kind, name: &str) -> (TokenStream, TokenStream) {
    let w = quote! { ::cfcontainer::__private::worker };
    let (ty, method) = match kind {
        Kind::Secret => (quote! { #w::Secret }, quote! { secret }),
        Kind::Binding(kind) => match kind {
            BindingKind::TextVar => (quote! { #w::Var }, quote! { var }),
            BindingKind::JsonVar => {
                return (quote! { T }, quote! { ::cfcontainer::__private::json_var(env, #name) });
            }
            BindingKind::KvNamespace => (quote! { #w::KvStore }, quote! { kv }),
            BindingKind::R2Bucket => (quote! { #w::Bucket }, quote! { bucket }),
            BindingKind::D1Database => (quote! { #w::D1Database }, quote! { d1 }),
            BindingKind::Service | BindingKind::Browser | BindingKind::MtlsCertificate => {
                (quote! { #w::Fetcher }, quote! { service })
            }
            BindingKind::QueueProducer => (quote! { #w::Queue }, quote! { queue }),
            BindingKind::DurableObject => (quote! { #w::ObjectNamespace }, quote! { durable_object }),
            BindingKind::AnalyticsEngineDataset => (quote! { #w::AnalyticsEngineDataset }, quote! { analytics_engine }),
            BindingKind::Ai => (quote! { #w::Ai }, quote! { ai }),
            BindingKind::Hyperdrive => (quote! { #w::Hyperdrive }, quote! { hyperdrive }),
            BindingKind::SendEmail => (quote! { #w::SendEmail }, quote! { send_email }),
            BindingKind::DispatchNamespace => (quote! { #w::DynamicDispatcher }, quote! { dynamic_dispatcher }),
            BindingKind::SecretsStoreSecret => (quote! { #w::SecretStore }, quote! { secret_store }),
            BindingKind::StaticAssets => (quote! { #w::Fetcher }, quote! { assets }),
            // No workers-rs type yet: the JS object, for `JsCast`.
            BindingKind::Vectorize | BindingKind::VersionMetadata | BindingKind::Workflow => {
                let js = quote! { ::cfcontainer::__private::wasm_bindgen::JsValue };
                return (js.clone(), quote! { ::cfcontainer::__private::raw_binding(env, #name) });
            }
        },
    };
    (ty, quote! { env.#method(#name) })
}

fn describe(kind: Kind) -> &'static str {
    match kind {
        Kind::Secret => "Worker secret",
        Kind::Binding(kind) => match kind {
            BindingKind::TextVar => "text var",
            BindingKind::JsonVar => "JSON var, deserialized into `T`",
            BindingKind::KvNamespace => "KV namespace",
            BindingKind::R2Bucket => "R2 bucket",
            BindingKind::D1Database => "D1 database",
            BindingKind::Service => "service binding",
            BindingKind::QueueProducer => "queue producer",
            BindingKind::DurableObject => "Durable Object namespace",
            BindingKind::AnalyticsEngineDataset => "Analytics Engine dataset",
            BindingKind::Ai => "Workers AI",
            BindingKind::Vectorize => "Vectorize index (the JS object)",
            BindingKind::Hyperdrive => "Hyperdrive config",
            BindingKind::VersionMetadata => "version metadata (the JS object)",
            BindingKind::Browser => "Browser Rendering",
            BindingKind::SendEmail => "email sender",
            BindingKind::MtlsCertificate => "mTLS certificate fetcher",
            BindingKind::DispatchNamespace => "dispatch namespace",
            BindingKind::Workflow => "Workflow (the JS object)",
            BindingKind::SecretsStoreSecret => "Secrets Store secret",
            BindingKind::StaticAssets => "static assets",
        },
    }
}
