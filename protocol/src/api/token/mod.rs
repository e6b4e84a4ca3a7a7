//! Access-token calls: the classic `/cgi-bin/token` and the stable `/cgi-bin/stable_token`.

pub mod get_access_token;
pub mod get_stable_access_token;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// A fresh access token and its lifetime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AccessTokenResponse {
    /// The token (never printed by `Debug`).
    pub access_token: Secret,
    /// Seconds until it expires (7200 normally).
    #[serde(deserialize_with = "crate::api::lenient::int_lenient")]
    pub expires_in: i64,
}

pub(crate) fn parse_token(response: &crate::http::HttpResponse) -> Result<AccessTokenResponse, crate::KfError> {
    let token: AccessTokenResponse = crate::endpoint::parse_json(response)?;
    if token.access_token.is_empty() || token.expires_in <= 0 {
        return Err(crate::KfError::decode("token response without access_token or expires_in", b""));
    }
    Ok(token)
}
