//! One module per verb.

pub mod build;
pub mod dev;
pub mod inspect;
pub mod push;
