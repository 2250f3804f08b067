//! `#[protocol]` on a trait: the same pipeline as `#[container]`. `model`
//! reads the trait into a typed model, recording every problem with its
//! span in a `Ctxt`; `expand` generates the trait, the client, the server
//! and the record, and cannot fail.

mod expand;
mod model;

use proc_macro2::TokenStream;

/// The expansion of `#[protocol]` with `args` on `input`.
pub fn protocol(args: TokenStream, input: TokenStream) -> syn::Result<TokenStream> {
    let cx = crate::ctxt::Ctxt::new();
    if !args.is_empty() {
        cx.error_spanned_by(&args, "`#[protocol]` takes no arguments: the trait's name is the protocol's");
    }
    let item: syn::ItemTrait = match syn::parse2(input) {
        Ok(item) => item,
        Err(e) => {
            cx.syn_error(syn::Error::new(e.span(), "`#[protocol]` goes on a trait"));
            cx.check()?;
            unreachable!("an error was recorded");
        }
    };
    let model = model::Protocol::read(&cx, item);
    cx.check()?;
    Ok(expand::expand(&model))
}
