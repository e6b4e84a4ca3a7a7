//! POST `/customservice/kfaccount/inviteworker`: invite a WeChat user to bind a kf account.

use serde::{Deserialize, Serialize};

use crate::endpoint::{json_body, parse_ack, Body, BuildContext, Endpoint, OpClass};
use crate::http::{HttpResponse, Method};
use crate::{validate, KfError};

/// Request to invite a WeChat user to bind a kf account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteWorker {
    /// `prefix@wechat_id`.
    pub kf_account: String,
    /// The invitee's WeChat id.
    pub invite_wx: String,
}

impl InviteWorker {
    /// Validated request.
    pub fn new(kf_account: impl Into<String>, invite_wx: impl Into<String>) -> Result<Self, KfError> {
        let req = InviteWorker { kf_account: kf_account.into(), invite_wx: invite_wx.into() };
        req.validate()?;
        Ok(req)
    }
}

impl Endpoint for InviteWorker {
    type Output = ();
    const NAME: &'static str = "invite_worker";
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/customservice/kfaccount/inviteworker";
    const CLASS: OpClass = OpClass::Write;

    fn validate(&self) -> Result<(), KfError> {
        validate::kf_account("kf_account", &self.kf_account)?;
        validate::required("invite_wx", &self.invite_wx)
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        json_body(self)
    }

    fn parse(response: &HttpResponse) -> Result<(), KfError> {
        parse_ack(response)
    }
}
