//! A value that must never be printed: API tokens and registry passwords.

use serde::Deserialize;

/// A secret string. `Debug` and `Display` show `***`; only
/// [`Secret::expose`] reveals it, at the point of use.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The secret itself, for a header or a registry login.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_prints_as_stars_and_only_expose_reveals_it() {
        let token = Secret::new("abc".into());
        assert_eq!(format!("{token:?} {token}"), "*** ***");
        assert_eq!(token.expose(), "abc");
    }
}
