//! The log of requests to the registry front.

/// Which of the front's ports a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// The plain HTTP port.
    Http,
    /// The TLS port.
    Https,
}

/// The `Authorization` a request carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization {
    /// None.
    Missing,
    /// Basic, as this user (the password is never kept).
    Basic {
        /// The user name sent.
        user: String,
    },
    /// Another scheme, or Basic that does not decode.
    Other,
}

/// One request to the front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryCall {
    /// The port it came to.
    pub scheme: Scheme,
    /// HTTP method.
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    /// Its `Accept` header.
    pub accept: Option<String>,
    /// Its `Content-Type` header.
    pub content_type: Option<String>,
    /// Its `Authorization`.
    pub authorization: Authorization,
    /// The status answered.
    pub status: u16,
}
