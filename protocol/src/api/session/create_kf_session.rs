//! POST `/customservice/kfsession/create`: a kf starts serving a user (kf must be online).

use serde::{Deserialize, Serialize};

use crate::api::session::SessionWire;
use crate::endpoint::{json_body, parse_ack, Body, BuildContext, Endpoint, OpClass};
use crate::http::{HttpResponse, Method};
use crate::{validate, KfError};

/// Request to create a session between a kf and a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateKfSession {
    /// `prefix@wechat_id`.
    pub kf_account: String,
    /// The user's openid.
    pub openid: String,
}

impl CreateKfSession {
    /// Validated request.
    pub fn new(kf_account: impl Into<String>, openid: impl Into<String>) -> Result<Self, KfError> {
        let req = CreateKfSession { kf_account: kf_account.into(), openid: openid.into() };
        req.validate()?;
        Ok(req)
    }
}

impl Endpoint for CreateKfSession {
    type Output = ();
    const NAME: &'static str = "create_kf_session";
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/customservice/kfsession/create";
    const CLASS: OpClass = OpClass::Write;

    fn validate(&self) -> Result<(), KfError> {
        validate::kf_account("kf_account", &self.kf_account)?;
        validate::required("openid", &self.openid)
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        json_body(&SessionWire { kf_account: &self.kf_account, openid: &self.openid })
    }

    fn parse(response: &HttpResponse) -> Result<(), KfError> {
        parse_ack(response)
    }
}
