//! The `#[container]` attribute and `bindings!`. Use them through the `cfcontainer` crate,
//! which documents every key; this crate holds only the expansion.
//!
//! Pipeline, in the manner of `serde_derive`: `attr` parses the attribute
//! into typed slots, recording every error in a `ctxt::Ctxt` instead of
//! stopping at the first, and checks the rules inside one nested group
//! (a custom `instance_type`, `readiness`'s bounds); `valid` runs the rules
//! that span several top-level keys or look outside the attribute (files);
//! `model` applies defaults and builds the shared metadata model; and
//! `expand` generates code, which cannot fail.

mod attr;
mod bindings;
mod ctxt;
mod egress;
mod expand;
mod message;
mod model;
mod protocol;
mod spanned;
mod suggest;
mod symbol;
mod valid;

use proc_macro::TokenStream;

/// Declares a container-owning Durable Object. See the `cfcontainer` crate.
#[proc_macro_attribute]
pub fn container(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::container(args.into(), input.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Typed accessors for every binding of the crate's wrangler config. See
/// the `cfcontainer` crate.
#[proc_macro]
pub fn bindings(input: TokenStream) -> TokenStream {
    bindings::bindings(input.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Makes a trait the protocol between a Worker and its container. See the
/// `cfcontainer-protocol` crate.
#[proc_macro_attribute]
pub fn protocol(args: TokenStream, input: TokenStream) -> TokenStream {
    protocol::protocol(args.into(), input.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Derives `cfcontainer_protocol::Message`. See the `cfcontainer-protocol`
/// crate.
#[proc_macro_derive(Message)]
pub fn message(input: TokenStream) -> TokenStream {
    message::message(input.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}
