//! User endpoints: the token itself.

use serde::Deserialize;

use super::Client;
use crate::output::Output;
use crate::Error;

/// `GET /user/tokens/verify`.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenStatus {
    /// `active`, `disabled` or `expired`.
    pub status: String,
}

impl Client {
    /// `GET /user/tokens/verify`: whether the token is valid.
    pub async fn verify_token(&self, out: &Output) -> Result<TokenStatus, Error> {
        self.get_outside("/user/tokens/verify", "GET /user/tokens/verify", out).await
    }
}
