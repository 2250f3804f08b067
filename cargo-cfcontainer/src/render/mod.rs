//! What the verbs print for people, from the models the library returns
//! (with `--message-format json` the models themselves are printed): the
//! library's types carry data, these functions the words.

pub mod cost;
pub mod plan;
pub mod rollback;
pub mod status;
