//! GET `/customservice/kfsession/getsessionlist?kf_account=…`: the users a kf is serving.

use serde::{Deserialize, Serialize};

use crate::endpoint::{parse_json, Body, BuildContext, Endpoint, OpClass};
use crate::http::{HttpResponse, Method};
use crate::{validate, KfError};

/// Request for a kf's sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetKfSessionList {
    /// `prefix@wechat_id`.
    pub kf_account: String,
}

impl GetKfSessionList {
    /// Validated request.
    pub fn new(kf_account: impl Into<String>) -> Result<Self, KfError> {
        let req = GetKfSessionList { kf_account: kf_account.into() };
        req.validate()?;
        Ok(req)
    }
}

/// One session of a kf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SessionItem {
    /// The user's openid.
    pub openid: String,
    /// When the session started (unix seconds).
    #[serde(default, deserialize_with = "crate::api::lenient::int_lenient")]
    pub createtime: i64,
}

#[derive(Deserialize)]
struct Wire {
    #[serde(default)]
    sessionlist: Vec<SessionItem>,
}

impl Endpoint for GetKfSessionList {
    type Output = Vec<SessionItem>;
    const NAME: &'static str = "get_kf_session_list";
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/customservice/kfsession/getsessionlist";
    const CLASS: OpClass = OpClass::Read;

    fn validate(&self) -> Result<(), KfError> {
        validate::kf_account("kf_account", &self.kf_account)
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        vec![("kf_account", self.kf_account.clone())]
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        Ok(Body::Empty)
    }

    fn parse(response: &HttpResponse) -> Result<Vec<SessionItem>, KfError> {
        parse_json::<Wire>(response).map(|w| w.sessionlist)
    }
}
