//! The code `#[protocol]` generates for a checked model. Every path is
//! absolute (`::cfcontainer_protocol::...`, `::core::...`): the shared
//! crate depends on cfcontainer-protocol, on both sides.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::model::{Method, Protocol, Returns};

pub fn expand(protocol: &Protocol) -> TokenStream {
    let item = &protocol.item;
    let (vis, name) = (&item.vis, &item.ident);
    let client = format_ident!("{name}Client");
    let server = format_ident!("{name}Server");
    let markers: Vec<syn::Ident> =
        protocol.methods.iter().map(|m| format_ident!("__{}_{}", name, m.ident, span = Span::call_site())).collect();

    let the_trait = trait_item(protocol);
    let marker_impls = protocol.methods.iter().zip(&markers).map(|(m, marker)| marker_impl(m, marker));
    let client_methods = protocol.methods.iter().zip(&markers).map(|(m, marker)| client_method(m, marker));
    let arms = protocol.methods.iter().zip(&markers).map(|(m, marker)| server_arm(m, marker));
    let name_text = name.to_string();
    let method_names = protocol.methods.iter().map(|m| m.ident.to_string());
    let record = format_ident!("__CFCONTAINER_PROTOCOL_RECORD_{}", name);
    let client_doc = format!(
        "The Worker's end of protocol [`{name}`]: its methods over a \
         [`Transport`](::cfcontainer_protocol::Transport), each returning its value or a \
         [`CallError`](::cfcontainer_protocol::CallError)."
    );
    let server_doc = format!(
        "The container's end of protocol [`{name}`]: serves it from any `S: {name}` \
         (route it with `cfcontainer_protocol::axum::router`)."
    );

    quote! {
        #the_trait

        #(#marker_impls)*

        #[doc = #client_doc]
        #vis struct #client<T> {
            transport: T,
        }

        impl<T> #client<T> {
            /// The protocol as this side was compiled: its name, fingerprint and methods.
            pub const PROTOCOL: ::cfcontainer_protocol::Descriptor = ::cfcontainer_protocol::Descriptor {
                name: #name_text,
                fingerprint: ::cfcontainer_protocol::Fingerprint({
                    let fingerprint = ::cfcontainer_protocol::__private::hash_bytes(
                        ::cfcontainer_protocol::__private::SEED,
                        #name_text.as_bytes(),
                    );
                    #(let fingerprint = ::cfcontainer_protocol::__private::mix(
                        fingerprint,
                        ::cfcontainer_protocol::__private::shape::<#markers>(),
                    );)*
                    fingerprint
                }),
                methods: &[#(#method_names),*],
            };
        }

        impl<T: ::cfcontainer_protocol::Transport> #client<T> {
            /// A client whose calls go through `transport`.
            pub fn new(transport: T) -> Self {
                // The record is read from the Worker's wasm by `cargo
                // cfcontainer plan`: using it here keeps it linked in.
                #[cfg(target_family = "wasm")]
                ::core::hint::black_box(&#record);
                #client { transport }
            }

            #(#client_methods)*
        }

        #[cfg(target_family = "wasm")]
        #[used]
        #[unsafe(link_section = "cfcontainer.protocol")]
        #[allow(non_upper_case_globals)]
        static #record: [u8; ::cfcontainer_protocol::record::len(#name_text)] =
            ::cfcontainer_protocol::__private::encode(#name_text, #client::<()>::PROTOCOL.fingerprint.0);

        #[doc = #server_doc]
        #vis struct #server<S>(pub S);

        impl<S: #name> ::cfcontainer_protocol::Serve for #server<S> {
            const PROTOCOL: ::cfcontainer_protocol::Descriptor = #client::<()>::PROTOCOL;

            fn dispatch<'a>(
                &'a self,
                method: &'a str,
                args: &'a [u8],
            ) -> ::cfcontainer_protocol::__private::BoxFuture<'a, ::cfcontainer_protocol::Answer> {
                ::cfcontainer_protocol::__private::Box::pin(async move {
                    match method {
                        #(#arms)*
                        _ => ::cfcontainer_protocol::Answer::unknown_method(&Self::PROTOCOL, method),
                    }
                })
            }
        }
    }
}

/// The trait with each method's future declared `Send` (an axum handler
/// needs one); an impl still writes `async fn`.
fn trait_item(protocol: &Protocol) -> TokenStream {
    let item = &protocol.item;
    let (attrs, vis, name) = (&item.attrs, &item.vis, &item.ident);
    let methods = protocol.methods.iter().map(|m| {
        let (attrs, ident, output) = (&m.attrs, &m.ident, &m.output);
        let args = m.args.iter().map(|(arg, ty)| quote!(#arg: #ty));
        quote! {
            #(#attrs)*
            fn #ident(&self #(, #args)*)
                -> impl ::core::future::Future<Output = #output> + ::core::marker::Send;
        }
    });
    quote! {
        #(#attrs)*
        #vis trait #name: ::core::marker::Send + ::core::marker::Sync + 'static {
            #(#methods)*
        }
    }
}

/// The method's marker and its types: the one place the types are
/// checked to be messages, each at its span in the signature.
fn marker_impl(m: &Method, marker: &syn::Ident) -> TokenStream {
    let name = m.ident.to_string();
    let arg_types: Vec<&syn::Type> = m.args.iter().map(|(_, ty)| ty).collect();
    let args_span = arg_types.first().map_or_else(|| m.ident.span(), |t| t.span());
    let args = quote_spanned!(args_span=> (#(#arg_types,)*));
    let unit = quote_spanned!(m.output.span()=> ());
    let (kind, value, error) = match &m.returns {
        Returns::Value(v) => (quote!(Value), quote!(#v), unit),
        Returns::Result { value, error } => (quote!(Result), quote!(#value), quote!(#error)),
        Returns::Stream(item) => (quote!(Stream), quote!(#item), unit),
    };
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        struct #marker;

        impl ::cfcontainer_protocol::Method for #marker {
            const NAME: &'static str = #name;
            const KIND: ::cfcontainer_protocol::Kind = ::cfcontainer_protocol::Kind::#kind;
            type Args = #args;
            type Value = #value;
            type Error = #error;
        }
    }
}

fn client_method(m: &Method, marker: &syn::Ident) -> TokenStream {
    let (attrs, ident) = (&m.attrs, &m.ident);
    let names: Vec<&syn::Ident> = m.args.iter().map(|(name, _)| name).collect();
    let params = m.args.iter().map(|(name, ty)| quote!(#name: #ty));
    let (output, body) = match &m.returns {
        Returns::Value(v) => (
            quote!(::core::result::Result<#v, ::cfcontainer_protocol::CallError>),
            quote!(::cfcontainer_protocol::call_infallible::<#marker>),
        ),
        Returns::Result { value, error } => (
            quote!(::core::result::Result<#value, ::cfcontainer_protocol::CallError<#error>>),
            quote!(::cfcontainer_protocol::call::<#marker>),
        ),
        Returns::Stream(item) => (
            quote!(::core::result::Result<::cfcontainer_protocol::Items<#item>, ::cfcontainer_protocol::CallError>),
            quote!(::cfcontainer_protocol::call_stream::<#marker>),
        ),
    };
    quote! {
        #(#attrs)*
        pub async fn #ident(&self #(, #params)*) -> #output {
            #body(&self.transport, &Self::PROTOCOL, (#(#names,)*)).await
        }
    }
}

fn server_arm(m: &Method, marker: &syn::Ident) -> TokenStream {
    let (ident, name) = (&m.ident, m.ident.to_string());
    let names: Vec<&syn::Ident> = m.args.iter().map(|(name, _)| name).collect();
    let answer = match &m.returns {
        Returns::Value(_) => {
            quote!(::cfcontainer_protocol::Answer::value::<#marker>(&self.0.#ident(#(#names),*).await))
        }
        Returns::Result { .. } => {
            quote!(::cfcontainer_protocol::Answer::result::<#marker>(&self.0.#ident(#(#names),*).await))
        }
        Returns::Stream(_) => {
            quote!(::cfcontainer_protocol::Answer::stream::<#marker>(self.0.#ident(#(#names),*).await))
        }
    };
    quote! {
        #name => {
            let (#(#names,)*) = match ::cfcontainer_protocol::Answer::arguments::<#marker>(args) {
                ::core::result::Result::Ok(args) => args,
                ::core::result::Result::Err(answer) => return answer,
            };
            #answer
        }
    }
}
