//! The token endpoints called with the client's own credentials (the table's rows without a
//! request: `get_access_token`, `get_stable_access_token`).

use crate::api::token::get_access_token::GetAccessToken;
use crate::api::token::get_stable_access_token::GetStableAccessToken;
use crate::api::token::AccessTokenResponse;
use crate::client::{Client, Clock, TokenSource, TokenStore, Transport};
use crate::KfError;

impl<T: Transport, S: TokenStore, C: Clock> Client<T, S, C> {
    /// Calls `/cgi-bin/token` with this client's AppID and AppSecret, bypassing the cache.
    pub async fn get_access_token(&self) -> Result<AccessTokenResponse, KfError> {
        self.execute(&requests::get_access_token(self)?).await
    }

    /// Calls `/cgi-bin/stable_token` with this client's AppID and AppSecret, bypassing the
    /// cache; `force_refresh` invalidates the current token (WeChat allows about 20 a day).
    pub async fn get_stable_access_token(&self, force_refresh: bool) -> Result<AccessTokenResponse, KfError> {
        self.execute(&requests::get_stable_access_token(self, force_refresh)?).await
    }

    fn credentials(&self, operation: &str) -> Result<(String, crate::Secret), KfError> {
        match self.token_source() {
            TokenSource::Stable { appid, secret } | TokenSource::Classic { appid, secret } => {
                Ok((appid.clone(), secret.clone()))
            }
            _ => Err(KfError::validation(
                "token_source",
                format!("{operation} needs a client built with an AppID and AppSecret (stable or classic)"),
            )),
        }
    }
}

/// The requests of the rows without one in the table, named like them (what `call_json`
/// runs): built from the client's own AppID and AppSecret.
pub(crate) mod requests {
    use super::*;

    /// `get_access_token`'s request.
    pub(crate) fn get_access_token<T: Transport, S: TokenStore, C: Clock>(
        client: &Client<T, S, C>,
    ) -> Result<GetAccessToken, KfError> {
        let (appid, secret) = client.credentials("get_access_token")?;
        Ok(GetAccessToken { appid, secret })
    }

    /// `get_stable_access_token`'s request.
    pub(crate) fn get_stable_access_token<T: Transport, S: TokenStore, C: Clock>(
        client: &Client<T, S, C>,
        force_refresh: bool,
    ) -> Result<GetStableAccessToken, KfError> {
        let (appid, secret) = client.credentials("get_stable_access_token")?;
        Ok(GetStableAccessToken { appid, secret, force_refresh })
    }
}
