//! The trait of `#[protocol]` as a typed model: its methods with their
//! arguments and what each returns. Every rule a protocol method follows
//! is checked here, each broken one an error at its span.

use syn::{FnArg, GenericArgument, Pat, PathArguments, ReturnType, TraitItem, Type};

use crate::ctxt::Ctxt;

/// The most arguments a method may take (cfcontainer-protocol's
/// `MAX_ARGUMENTS`: its tuples go that far).
const MAX_ARGUMENTS: usize = 8;

pub struct Protocol {
    /// The trait as written, its methods kept for their attributes.
    pub item: syn::ItemTrait,
    pub methods: Vec<Method>,
}

pub struct Method {
    pub attrs: Vec<syn::Attribute>,
    pub ident: syn::Ident,
    pub args: Vec<(syn::Ident, Type)>,
    /// The return type as written (`()` when there is none).
    pub output: Type,
    pub returns: Returns,
}

/// What a method returns.
pub enum Returns {
    /// `-> T`.
    Value(Type),
    /// `-> Result<T, E>` (boxed: a `Type` is large).
    Result { value: Type, error: Box<Type> },
    /// `-> Streaming<T>`.
    Stream(Type),
}

impl Protocol {
    pub fn read(cx: &Ctxt, item: syn::ItemTrait) -> Protocol {
        if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
            cx.error_spanned_by(&item.generics, "a protocol trait has no generics: both sides must agree on its types");
        }
        if let Some(unsafety) = &item.unsafety {
            cx.error_spanned_by(unsafety, "a protocol trait is not `unsafe`");
        }
        if let Some(auto) = &item.auto_token {
            cx.error_spanned_by(auto, "a protocol trait is not an auto trait");
        }
        if !item.supertraits.is_empty() {
            cx.error_spanned_by(
                &item.supertraits,
                "a protocol trait has no supertraits (`#[protocol]` makes it `Send + Sync + 'static`)",
            );
        }
        let mut methods = Vec::new();
        for trait_item in &item.items {
            match trait_item {
                TraitItem::Fn(f) => methods.extend(Method::read(cx, f)),
                other => cx.error_spanned_by(other, "a protocol trait holds only `async fn` methods"),
            }
        }
        if methods.is_empty() && item.items.is_empty() {
            cx.error_spanned_by(&item.ident, "a protocol trait has at least one method");
        }
        Protocol { item, methods }
    }
}

impl Method {
    fn read(cx: &Ctxt, f: &syn::TraitItemFn) -> Option<Method> {
        let sig = &f.sig;
        let errors_before = cx.count();
        if sig.asyncness.is_none() {
            cx.error_spanned_by(sig.fn_token, "a protocol method is an `async fn`");
        }
        for (present, what) in [
            (sig.constness.is_some(), "`const`"),
            (sig.unsafety.is_some(), "`unsafe`"),
            (sig.abi.is_some(), "`extern`"),
            (sig.variadic.is_some(), "variadic"),
        ] {
            if present {
                cx.error_spanned_by(sig, format_args!("a protocol method is not {what}"));
            }
        }
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            cx.error_spanned_by(&sig.generics, "a protocol method has no generics: its types are sent as they are");
        }
        if let Some(body) = &f.default {
            cx.error_spanned_by(body, "a protocol method has no default body: the server implements it");
        }
        let mut inputs = sig.inputs.iter();
        match inputs.next() {
            Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none() && r.colon_token.is_none() => {}
            Some(FnArg::Receiver(r)) => cx.error_spanned_by(r, "a protocol method takes `&self`"),
            _ => cx.error_spanned_by(&sig.ident, "a protocol method takes `&self` first"),
        }
        let mut args = Vec::new();
        for input in inputs {
            let FnArg::Typed(typed) = input else { continue };
            match &*typed.pat {
                Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                    args.push((p.ident.clone(), (*typed.ty).clone()));
                }
                other => cx.error_spanned_by(other, "a protocol method's argument is a plain name"),
            }
            if let Type::Reference(_) | Type::ImplTrait(_) = &*typed.ty {
                cx.error_spanned_by(&typed.ty, "a protocol method's argument is an owned type (it is sent as a value)");
            }
        }
        if args.len() > MAX_ARGUMENTS {
            cx.error_spanned_by(
                &sig.inputs,
                format_args!("a protocol method takes at most {MAX_ARGUMENTS} arguments: put them in a struct"),
            );
        }
        let output = match &sig.output {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => (**ty).clone(),
        };
        let returns = Returns::of(&output);
        (cx.count() == errors_before).then(|| Method {
            attrs: f.attrs.clone(),
            ident: sig.ident.clone(),
            args,
            output,
            returns,
        })
    }
}

impl Returns {
    /// Reads `Result<T, E>` and `Streaming<T>` by their last path segment
    /// (so `std::result::Result` and `cfcontainer_protocol::Streaming` are
    /// read too); anything else is a value.
    fn of(output: &Type) -> Returns {
        let generic = |name: &str| -> Option<Vec<Type>> {
            let Type::Path(path) = output else { return None };
            let last = path.path.segments.last()?;
            let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
            (last.ident == name).then(|| {
                args.args
                    .iter()
                    .filter_map(|a| match a {
                        GenericArgument::Type(t) => Some(t.clone()),
                        _ => None,
                    })
                    .collect()
            })
        };
        match (generic("Result"), generic("Streaming")) {
            (Some(types), _) if types.len() == 2 => {
                Returns::Result { value: types[0].clone(), error: Box::new(types[1].clone()) }
            }
            (_, Some(types)) if types.len() == 1 => Returns::Stream(types[0].clone()),
            _ => Returns::Value(output.clone()),
        }
    }
}
