//! GET `/cgi-bin/token`: the classic access token (each fetch replaces the previous token).

use crate::api::token::{parse_token, AccessTokenResponse};
use crate::endpoint::{Body, BuildContext, Endpoint, OpClass};
use crate::http::{HttpResponse, Method};
use crate::secret::Secret;
use crate::{validate, KfError};

/// Request for a classic access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAccessToken {
    /// The Official Account's AppID.
    pub appid: String,
    /// The AppSecret (sent in the query string: never log the URL unredacted).
    pub secret: Secret,
}

impl GetAccessToken {
    /// Validated request.
    pub fn new(appid: impl Into<String>, secret: impl Into<Secret>) -> Result<Self, KfError> {
        let req = GetAccessToken { appid: appid.into(), secret: secret.into() };
        req.validate()?;
        Ok(req)
    }
}

impl Endpoint for GetAccessToken {
    type Output = AccessTokenResponse;
    const NAME: &'static str = "get_access_token";
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/token";
    const CLASS: OpClass = OpClass::Token;
    const NEEDS_TOKEN: bool = false;

    fn validate(&self) -> Result<(), KfError> {
        validate::required("appid", &self.appid)?;
        validate::required("secret", self.secret.expose())
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        vec![
            ("grant_type", "client_credential".into()),
            ("appid", self.appid.clone()),
            ("secret", self.secret.expose().to_string()),
        ]
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        Ok(Body::Empty)
    }

    fn parse(response: &HttpResponse) -> Result<AccessTokenResponse, KfError> {
        parse_token(response)
    }
}
