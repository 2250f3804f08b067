//! User endpoints: the token itself.

use serde::Deserialize;

/// `GET /user/tokens/verify`.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenStatus {
    /// The token's id.
    pub id: String,
    /// `active`, `disabled` or `expired`.
    pub status: String,
}
