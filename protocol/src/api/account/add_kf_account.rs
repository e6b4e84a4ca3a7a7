//! POST `/customservice/kfaccount/add`: create a kf account.

use serde::{Deserialize, Serialize};

use crate::api::account::AccountWire;
use crate::endpoint::{json_body, parse_ack, Body, BuildContext, Endpoint, OpClass};
use crate::http::{HttpResponse, Method};
use crate::{validate, KfError};

/// Request to add a kf account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddKfAccount {
    /// `prefix@wechat_id`.
    pub kf_account: String,
    /// Display name, 1–16 characters.
    pub nickname: String,
}

impl AddKfAccount {
    /// Validated request.
    pub fn new(kf_account: impl Into<String>, nickname: impl Into<String>) -> Result<Self, KfError> {
        let req = AddKfAccount { kf_account: kf_account.into(), nickname: nickname.into() };
        req.validate()?;
        Ok(req)
    }
}

impl Endpoint for AddKfAccount {
    type Output = ();
    const NAME: &'static str = "add_kf_account";
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/customservice/kfaccount/add";
    const CLASS: OpClass = OpClass::Write;

    fn validate(&self) -> Result<(), KfError> {
        validate::kf_account("kf_account", &self.kf_account)?;
        validate::nickname("nickname", &self.nickname)
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        json_body(&AccountWire { kf_account: &self.kf_account, nickname: &self.nickname })
    }

    fn parse(response: &HttpResponse) -> Result<(), KfError> {
        parse_ack(response)
    }
}
