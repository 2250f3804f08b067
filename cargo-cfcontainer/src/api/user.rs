//! User endpoints: the token itself.

use serde::Deserialize;

/// `GET /user/tokens/verify`.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenStatus {
    /// `active`, `disabled` or `expired`.
    pub status: String,
}
