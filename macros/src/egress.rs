//! Egress control in the attribute: `allowed_hosts`, `denied_hosts`,
//! `intercept_https`, `outbound = handler` and `outbound_by_host("host" =
//! handler, ...)`. Host patterns are checked here (a bad one is an error
//! at its string); the expansion gives the class its `Egress` settings,
//! the dispatch to its handlers, and the entrypoint class the runtime
//! sends intercepted requests to.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{Expr, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::spanned::Spanned;

/// The egress keys as written.
#[derive(Default)]
pub struct EgressAttrs {
    pub allowed_hosts: Option<Vec<Spanned<String>>>,
    pub denied_hosts: Option<Vec<Spanned<String>>>,
    pub intercept_https: Option<Spanned<bool>>,
    pub outbound: Option<syn::Path>,
    pub by_host: Vec<(Spanned<String>, syn::Path)>,
}

impl EgressAttrs {
    /// Whether any request is intercepted.
    pub fn is_set(&self) -> bool {
        self.allowed_hosts.is_some()
            || self.denied_hosts.is_some()
            || self.outbound.is_some()
            || !self.by_host.is_empty()
    }

    /// The rules across the keys: `intercept_https` alone intercepts
    /// nothing.
    pub fn check(&self, cx: &Ctxt) {
        if let Some(https) = self.intercept_https.as_ref().filter(|h| h.value && !self.is_set()) {
            cx.error_at(
                https.span,
                "`intercept_https` intercepts nothing on its own: add `outbound`, `outbound_by_host`, `allowed_hosts` or `denied_hosts`",
            );
        }
    }
}

/// `hosts` without the bad or repeated ones, each reported at its string.
pub fn checked_hosts(cx: &Ctxt, hosts: Vec<Spanned<String>>) -> Vec<Spanned<String>> {
    let mut seen = HashSet::new();
    hosts
        .into_iter()
        .filter(|h| match cfcontainer_meta::host_pattern_problem(&h.value) {
            Some(why) => {
                cx.error_at(h.span, why);
                false
            }
            None if !seen.insert(h.value.clone()) => {
                cx.error_at(h.span, format!("host `{}` is listed twice", h.value));
                false
            }
            None => true,
        })
        .collect()
}

/// A handler named by its path (`outbound = add_credentials`).
pub fn handler_path(cx: &Ctxt, expr: &Expr) -> Option<syn::Path> {
    match expr {
        Expr::Path(p) if p.qself.is_none() => Some(p.path.clone()),
        other => {
            cx.error_spanned_by(other, "expected the path of an async fn, e.g. `outbound = add_credentials`");
            None
        }
    }
}

/// One `"host" = handler` of `outbound_by_host`.
struct ByHost {
    host: LitStr,
    handler: syn::Path,
}

impl Parse for ByHost {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let host: LitStr = input.parse()?;
        input.parse::<Token![=]>()?;
        Ok(ByHost { host, handler: input.parse()? })
    }
}

/// `outbound_by_host("host" = handler, ...)`: each host checked.
pub fn by_host(cx: &Ctxt, list: &syn::MetaList) -> Vec<(Spanned<String>, syn::Path)> {
    let items = match list.parse_args_with(Punctuated::<ByHost, Token![,]>::parse_terminated) {
        Ok(items) => items,
        Err(e) => {
            cx.syn_error(syn::Error::new(
                e.span(),
                format!("{e}: expected `outbound_by_host(\"host\" = handler, ...)`"),
            ));
            return Vec::new();
        }
    };
    let hosts: Vec<Spanned<String>> =
        items.iter().map(|i| Spanned { span: i.host.span(), value: i.host.value() }).collect();
    let kept: HashSet<String> = checked_hosts(cx, hosts).into_iter().map(|h| h.value).collect();
    let mut taken = HashSet::new();
    items
        .into_iter()
        .filter(|i| kept.contains(&i.host.value()) && taken.insert(i.host.value()))
        .map(|i| (Spanned { span: i.host.span(), value: i.host.value() }, i.handler))
        .collect()
}

/// The class's `Egress` settings, for its `ContainerConfig`.
pub fn config(egress: &EgressAttrs) -> TokenStream {
    let list = |l: &Option<Vec<Spanned<String>>>| match l {
        Some(hosts) => {
            let hosts = hosts.iter().map(|h| &h.value);
            quote! { ::core::option::Option::Some(&[#(#hosts),*]) }
        }
        None => quote! { ::core::option::Option::None },
    };
    let (allowed, denied) = (list(&egress.allowed_hosts), list(&egress.denied_hosts));
    let https = egress.intercept_https.as_ref().is_some_and(|h| h.value);
    let catch_all = egress.outbound.is_some();
    let by_host = egress.by_host.iter().map(|(h, _)| &h.value);
    quote! {
        ::cfcontainer::Egress {
            allowed_hosts: #allowed,
            denied_hosts: #denied,
            intercept_https: #https,
            catch_all: #catch_all,
            by_host: &[#(#by_host),*],
        }
    }
}

/// The class's `ContainerClass::outbound`, dispatching to its handlers
/// (none without handlers: the default refuses).
pub fn dispatch(egress: &EgressAttrs) -> Option<TokenStream> {
    if egress.outbound.is_none() && egress.by_host.is_empty() {
        return None;
    }
    let p = quote! { ::cfcontainer::__private };
    // Each handler is called where it is named, so a wrong signature is
    // an error at that path.
    let call = |handler: &syn::Path| {
        quote_spanned! {handler.span()=>
            ::std::boxed::Box::pin(#handler(req, env, outbound))
        }
    };
    let arms = egress.by_host.iter().enumerate().map(|(i, (_, handler))| {
        let call = call(handler);
        quote! { ::core::option::Option::Some(#i) => #call, }
    });
    let catch_all = match &egress.outbound {
        Some(handler) => call(handler),
        None => quote! { ::std::boxed::Box::pin(async { #p::worker::Response::error("Origin is disallowed", 520) }) },
    };
    Some(quote! {
        fn outbound(
            route: ::core::option::Option<usize>,
            req: #p::worker::Request,
            env: #p::worker::Env,
            outbound: ::cfcontainer::Outbound,
        ) -> #p::LocalBoxFuture<'static, #p::worker::Result<#p::worker::Response>> {
            match route {
                #(#arms)*
                _ => #catch_all,
            }
        }
    })
}

/// The class the runtime sends intercepted requests to, exported to JS as
/// `CfcontainerOutboundImpl_<Class>` (the build wraps it in a
/// `WorkerEntrypoint` named `CfcontainerOutbound_<Class>`).
pub fn entry_class(egress: &EgressAttrs, ident: &syn::Ident, class: &str) -> Option<TokenStream> {
    if !egress.is_set() {
        return None;
    }
    let p = quote! { ::cfcontainer::__private };
    let js_name = format!("CfcontainerOutboundImpl_{class}");
    let rust_name = format_ident!("__CfcontainerOutbound");
    Some(quote! {
        #[doc(hidden)]
        #[wasm_bindgen(wasm_bindgen = #p::wasm_bindgen, js_name = #js_name)]
        pub struct #rust_name {
            ctx: #p::wasm_bindgen::JsValue,
            env: #p::worker::Env,
        }

        #[wasm_bindgen(js_class = #js_name, wasm_bindgen = #p::wasm_bindgen, js_sys = #p::js_sys)]
        impl #rust_name {
            #[wasm_bindgen(constructor, wasm_bindgen = #p::wasm_bindgen)]
            pub fn new(ctx: #p::wasm_bindgen::JsValue, env: #p::worker::Env) -> Self {
                Self { ctx, env }
            }

            #[wasm_bindgen(js_name = fetch, wasm_bindgen = #p::wasm_bindgen)]
            pub fn fetch(&self, req: #p::web_sys::Request) -> #p::js_sys::Promise {
                #p::serve_outbound::<#ident>(self.ctx.clone(), self.env.clone(), req)
            }
        }
    })
}
