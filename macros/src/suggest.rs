//! "Did you mean" messages for misspelled attribute keys (the distance is
//! cfcontainer-meta's, shared with `cargo cfcontainer`'s wrangler-file
//! keys).

pub use cfcontainer_meta::suggest::closest;

/// The message for an unknown key, with a suggestion when one is close.
pub fn unknown_key(what: &str, unknown: &str, known: &[&str]) -> String {
    match closest(unknown, known) {
        Some(k) => format!("unknown {what} `{unknown}`; did you mean `{k}`?"),
        None => format!("unknown {what} `{unknown}`; expected one of: {}", known.join(", ")),
    }
}
