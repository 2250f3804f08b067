//! One module per verb.

pub mod build;
pub mod inspect;
