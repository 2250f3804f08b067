//! [`Spanned`]: a value parsed from an attribute and where it was written.

use proc_macro2::Span;

/// A parsed value and the span of the tokens it came from.
#[derive(Clone)]
pub struct Spanned<T> {
    pub span: Span,
    pub value: T,
}
