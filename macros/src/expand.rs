//! Code generation for `#[container]`.

use std::path::PathBuf;

use cfcontainer_meta::{encode_record, ContainerMeta, EnvValue};
use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;
use crate::egress::{self, EgressAttrs};
use crate::{attr, model, valid};

/// Parses, validates and expands one attribute use.
pub fn container(args: TokenStream, input: TokenStream) -> syn::Result<TokenStream> {
    let item: syn::Item = syn::parse2(input)?;
    let syn::Item::Struct(item) = item else {
        return Err(syn::Error::new(
            item_keyword_span(&item),
            "#[container] goes on a struct, e.g. `pub struct MyContainer;`",
        ));
    };
    let cx = Ctxt::new();
    let mut attrs = attr::parse(&cx, args);
    let binding_span = attrs.binding.as_ref().map_or(Span::call_site(), |b| b.span);
    let class_span = attrs.class.as_ref().map_or(item.ident.span(), |c| c.span);
    let custom_hooks = attrs.hooks;
    let crate_dir = crate_dir();
    valid::check(&cx, &attrs, &item, &crate_dir);
    attrs.egress.check(&cx);
    cx.check()?;
    let egress = std::mem::take(&mut attrs.egress);
    let meta = model::build(attrs, &item);
    Ok(expand(&item, &meta, &egress, custom_hooks, binding_span, class_span))
}

fn crate_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default()
}

fn item_keyword_span(item: &syn::Item) -> Span {
    match item {
        syn::Item::Enum(i) => i.enum_token.span,
        syn::Item::Fn(i) => i.sig.fn_token.span,
        syn::Item::Union(i) => i.union_token.span,
        syn::Item::Trait(i) => i.trait_token.span,
        syn::Item::Impl(i) => i.impl_token.span,
        syn::Item::Mod(i) => i.mod_token.span,
        syn::Item::Type(i) => i.type_token.span,
        syn::Item::Const(i) => i.const_token.span,
        syn::Item::Static(i) => i.static_token.span,
        other => other.span(),
    }
}

fn expand(
    item: &syn::ItemStruct,
    meta: &ContainerMeta,
    egress: &EgressAttrs,
    custom_hooks: bool,
    binding_span: Span,
    class_span: Span,
) -> TokenStream {
    let ident = &item.ident;
    let class_impl = class_impl(item, meta, egress);
    let hooks_impl = (!custom_hooks).then(|| quote! { impl ::cfcontainer::Hooks for #ident {} });
    // A job (no port) takes no requests: `fetch` on it does not compile.
    let listens_impl = meta.port.is_some().then(|| quote! { impl ::cfcontainer::Listens for #ident {} });
    let accessors = accessors(ident, meta);
    let object = durable_object(ident, &meta.class);
    let outbound_entry = egress::entry_class(egress, ident, &meta.class);
    let section = metadata_section(meta);
    let uniqueness = uniqueness_markers(meta, binding_span, class_span);
    quote! {
        #item
        #class_impl
        #hooks_impl
        #listens_impl
        #accessors
        const _: () = {
            #object
            #outbound_entry
            #section
        };
        #uniqueness
    }
}

fn class_impl(item: &syn::ItemStruct, meta: &ContainerMeta, egress: &EgressAttrs) -> TokenStream {
    let ident = &item.ident;
    let (class, binding, secs) = (&meta.class, &meta.binding, meta.sleep_after_secs);
    let port = match meta.port {
        Some(port) => quote! { ::core::option::Option::Some(#port) },
        None => quote! { ::core::option::Option::None },
    };
    let ports = &meta.ports;
    let env = meta.env.iter().map(|var| {
        let name = &var.name;
        let source = match &var.value {
            EnvValue::Static(v) => quote! { ::cfcontainer::EnvSource::Static(#v) },
            EnvValue::Secret(v) => quote! { ::cfcontainer::EnvSource::Secret(#v) },
            EnvValue::Var(v) => quote! { ::cfcontainer::EnvSource::Var(#v) },
            EnvValue::SecretsStore(v) => quote! { ::cfcontainer::EnvSource::SecretsStore(#v) },
        };
        quote! { (#name, #source) }
    });
    let entrypoint = match &meta.entrypoint {
        Some(args) => quote! { ::core::option::Option::Some(&[#(#args),*]) },
        None => quote! { ::core::option::Option::None },
    };
    let internet = meta.enable_internet;
    let readiness_path = &meta.readiness_path;
    let r = &meta.readiness;
    let (timeout, attempt, first, max) = (r.timeout_ms, r.attempt_timeout_ms, r.first_retry_ms, r.max_retry_ms);
    let egress_config = egress::config(egress);
    let outbound = egress::dispatch(egress);
    let create = match item.fields {
        syn::Fields::Unit => quote! { #ident },
        _ => quote! { <#ident as ::core::default::Default>::default() },
    };
    quote! {
        impl ::cfcontainer::ContainerClass for #ident {
            const CLASS: &'static str = #class;
            const BINDING: &'static str = #binding;
            const CONFIG: ::cfcontainer::ContainerConfig = ::cfcontainer::ContainerConfig {
                port: #port,
                ports: &[#(#ports),*],
                sleep_after_secs: #secs,
                env: &[#(#env),*],
                entrypoint: #entrypoint,
                enable_internet: #internet,
                readiness_path: #readiness_path,
                readiness: ::cfcontainer::ReadinessTiming {
                    timeout_ms: #timeout,
                    attempt_timeout_ms: #attempt,
                    first_retry_ms: #first,
                    max_retry_ms: #max,
                },
                egress: #egress_config,
            };
            fn create() -> Self {
                #create
            }
            #outbound
        }
    }
}

fn accessors(ident: &syn::Ident, meta: &ContainerMeta) -> TokenStream {
    let binding = &meta.binding;
    let env_ty = quote! { ::cfcontainer::__private::worker::Env };
    let result = quote! { ::cfcontainer::__private::worker::Result };
    let doc_ns = format!("The `{binding}` Durable Object namespace of this container class.");
    quote! {
        impl #ident {
            #[doc = #doc_ns]
            pub fn namespace(env: &#env_ty) -> #result<::cfcontainer::Namespace<Self>> {
                ::cfcontainer::Namespace::from_env(env)
            }

            /// The instance with this name (the JS library's `getContainer(binding, name)`).
            pub fn named(env: &#env_ty, name: &str) -> #result<::cfcontainer::Instance<Self>> {
                Self::namespace(env)?.named(name)
            }

            /// A random instance out of a pool of `pool` (the JS library's `getRandom`).
            pub fn random(env: &#env_ty, pool: u32) -> #result<::cfcontainer::Instance<Self>> {
                Self::namespace(env)?.random(pool)
            }

            /// The pool instance for `key`: the same key always reaches the same instance.
            pub fn by_key(env: &#env_ty, key: &str, pool: u32) -> #result<::cfcontainer::Instance<Self>> {
                Self::namespace(env)?.by_key(key, pool)
            }
        }
    }
}

fn durable_object(ident: &syn::Ident, class: &str) -> TokenStream {
    let p = quote! { ::cfcontainer::__private };
    quote! {
        // wasm-bindgen's struct derive names its crate by the relative path
        // `wasm_bindgen`; this brings that name into scope.
        use #p::wasm_bindgen;
        use #p::wasm_bindgen::prelude::*;

        #[doc(hidden)]
        #[wasm_bindgen(wasm_bindgen = #p::wasm_bindgen, js_name = #class)]
        pub struct __CfcontainerObject(::cfcontainer::ContainerObject<#ident>);

        #[wasm_bindgen(
            js_class = #class,
            wasm_bindgen = #p::wasm_bindgen,
            wasm_bindgen_futures = #p::wasm_bindgen_futures,
            js_sys = #p::js_sys
        )]
        impl __CfcontainerObject {
            #[wasm_bindgen(constructor, wasm_bindgen = #p::wasm_bindgen)]
            pub fn new(state: #p::DurableObjectState, env: #p::worker::Env) -> Self {
                Self(::cfcontainer::ContainerObject::new(state.into(), env))
            }

            // Not `async`: the runtime answers at once when it can, without
            // the turn through the task queue an async export always takes.
            #[wasm_bindgen(js_name = fetch, wasm_bindgen = #p::wasm_bindgen)]
            pub fn fetch(&self, req: #p::web_sys::Request) -> #p::js_sys::Promise {
                self.0.js_fetch(req)
            }

            #[wasm_bindgen(js_name = alarm, wasm_bindgen = #p::wasm_bindgen)]
            pub async fn alarm(&self) -> #p::JsResult {
                #p::guard(self.0.js_alarm()).await
            }
        }
    }
}

fn metadata_section(meta: &ContainerMeta) -> TokenStream {
    let bytes = encode_record(meta);
    let len = bytes.len();
    // An array expression, not `*b"..."`: a byte-string literal would also
    // be placed in the module's data, so deploy-only settings changed code.
    let items = bytes.iter().map(|b| Literal::u8_unsuffixed(*b));
    let section = cfcontainer_meta::SECTION;
    quote! {
        #[cfg_attr(not(target_family = "wasm"), used)]
        #[cfg_attr(target_vendor = "apple", unsafe(link_section = "__DATA,__cfcontainer"))]
        #[cfg_attr(not(target_vendor = "apple"), unsafe(link_section = #section))]
        static __CFCONTAINER_META: [u8; #len] = [#(#items),*];
    }
}

/// Two containers with the same binding or class in one crate define the
/// same crate-root macro name, which rustc rejects at the second one.
fn uniqueness_markers(meta: &ContainerMeta, binding_span: Span, class_span: Span) -> TokenStream {
    let binding = format_ident!("__cfcontainer_binding_{}", meta.binding.replace('$', "_S_"), span = binding_span);
    let class = format_ident!("__cfcontainer_class_{}", meta.class.replace('$', "_S_"), span = class_span);
    let marker = |name: &syn::Ident, span: Span| {
        quote_spanned! {span=>
            #[doc(hidden)]
            #[macro_export]
            macro_rules! #name { () => {}; }
        }
    };
    let (b, c) = (marker(&binding, binding_span), marker(&class, class_span));
    quote! { #b #c }
}
