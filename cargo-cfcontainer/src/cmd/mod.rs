//! One module per verb.

pub mod build;
pub mod deploy;
pub mod destroy;
pub mod dev;
pub mod inspect;
pub mod plan;
pub mod push;
pub mod wrangler;
