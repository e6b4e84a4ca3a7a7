//! POST `/cgi-bin/stable_token`: the stable access token (same token until it expires).

use serde::Serialize;

use crate::api::token::{parse_token, AccessTokenResponse};
use crate::endpoint::{json_body, Body, BuildContext, Endpoint, Guarded, OpClass};
use crate::http::{HttpResponse, Method};
use crate::secret::Secret;
use crate::{validate, KfError};

/// Request for a stable access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetStableAccessToken {
    /// The Official Account's AppID.
    pub appid: String,
    /// The AppSecret.
    pub secret: Secret,
    /// Invalidate the current token and issue a new one (rate limited: ~20 a day, 30 s apart).
    pub force_refresh: bool,
}

impl GetStableAccessToken {
    /// Validated request.
    pub fn new(appid: impl Into<String>, secret: impl Into<Secret>, force_refresh: bool) -> Result<Self, KfError> {
        let req = GetStableAccessToken { appid: appid.into(), secret: secret.into(), force_refresh };
        req.validate()?;
        Ok(req)
    }
}

#[derive(Serialize)]
struct Wire<'a> {
    grant_type: &'static str,
    appid: &'a str,
    secret: &'a str,
    force_refresh: bool,
}

impl Endpoint for GetStableAccessToken {
    type Output = AccessTokenResponse;
    const NAME: &'static str = "get_stable_access_token";
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/stable_token";
    const CLASS: OpClass = OpClass::Token;
    const NEEDS_TOKEN: bool = false;

    fn validate(&self) -> Result<(), KfError> {
        validate::required("appid", &self.appid)?;
        validate::required("secret", self.secret.expose())
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        json_body(&Wire {
            grant_type: "client_credential",
            appid: &self.appid,
            secret: self.secret.expose(),
            force_refresh: self.force_refresh,
        })
    }

    fn parse(response: &HttpResponse) -> Result<AccessTokenResponse, KfError> {
        parse_token(response)
    }

    fn guarded(&self) -> Guarded<'_> {
        if self.force_refresh {
            Guarded::ForceRefresh
        } else {
            Guarded::None
        }
    }
}
