//! `#[derive(Message)]`: a type's shape for the protocol's fingerprint,
//! the hash of its definition as written (doc comments left out, serde's
//! attributes in) mixed with the shapes of its fields' types, so a change
//! to a type it contains changes it too.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{Data, DeriveInput, Fields, Type};

pub fn message(input: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(input)?;
    if let Data::Union(u) = &input.data {
        return Err(syn::Error::new_spanned(u.union_token, "a protocol message is a struct or an enum, not a union"));
    }
    let field_types = field_types(&input.data, &input.ident);
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut where_clause = where_clause.cloned().unwrap_or_else(|| syn::parse_quote!(where));
    for param in input.generics.type_params() {
        let ident = &param.ident;
        where_clause.predicates.push(syn::parse_quote!(#ident: ::cfcontainer_protocol::Message));
    }
    let ident = &input.ident;
    let impl_head = quote!(impl #impl_generics ::cfcontainer_protocol::Message for #ident #ty_generics #where_clause);
    let mut definition = input.clone();
    strip_docs(&mut definition);
    let definition = definition.to_token_stream().to_string();
    Ok(quote! {
        #impl_head {
            const SHAPE: u64 = {
                let shape = ::cfcontainer_protocol::__private::hash_bytes(
                    ::cfcontainer_protocol::__private::SEED,
                    #definition.as_bytes(),
                );
                #(let shape = ::cfcontainer_protocol::__private::mix(
                    shape,
                    <#field_types as ::cfcontainer_protocol::Message>::SHAPE,
                );)*
                shape
            };
        }
    })
}

/// The types of every field, in order; a field that names the type itself
/// (a recursive type) is left out, as its shape would be its own: the
/// definition's text covers it.
fn field_types<'a>(data: &'a Data, ident: &syn::Ident) -> Vec<&'a Type> {
    let fields: Vec<&Fields> = match data {
        Data::Struct(s) => vec![&s.fields],
        Data::Enum(e) => e.variants.iter().map(|v| &v.fields).collect(),
        Data::Union(_) => Vec::new(),
    };
    let own = ident.to_string();
    fields
        .into_iter()
        .flat_map(|f| f.iter().map(|field| &field.ty))
        .filter(|ty| {
            !ty.to_token_stream()
                .into_iter()
                .any(|t| matches!(&t, proc_macro2::TokenTree::Ident(i) if *i == own || *i == "Self"))
        })
        .collect()
}

/// Leaves doc comments out of the hashed text: editing them is no change
/// to the protocol.
fn strip_docs(input: &mut DeriveInput) {
    let keep = |attrs: &mut Vec<syn::Attribute>| attrs.retain(|a| !a.path().is_ident("doc"));
    keep(&mut input.attrs);
    match &mut input.data {
        Data::Struct(s) => s.fields.iter_mut().for_each(|f| keep(&mut f.attrs)),
        Data::Enum(e) => e.variants.iter_mut().for_each(|v| {
            keep(&mut v.attrs);
            v.fields.iter_mut().for_each(|f| keep(&mut f.attrs));
        }),
        Data::Union(_) => {}
    }
}
