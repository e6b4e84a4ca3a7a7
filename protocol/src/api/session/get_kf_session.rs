//! GET `/customservice/kfsession/getsession?openid=…`: which kf serves a user.

use serde::{Deserialize, Serialize};

use crate::endpoint::{parse_json, Body, BuildContext, Endpoint, OpClass};
use crate::http::{HttpResponse, Method};
use crate::{validate, KfError};

/// Request for a user's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetKfSession {
    /// The user's openid.
    pub openid: String,
}

impl GetKfSession {
    /// Validated request.
    pub fn new(openid: impl Into<String>) -> Result<Self, KfError> {
        let req = GetKfSession { openid: openid.into() };
        req.validate()?;
        Ok(req)
    }
}

/// A user's session state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KfSession {
    /// The kf serving the user; `None` when the user is in no session.
    pub kf_account: Option<String>,
    /// When the session started (unix seconds; 0 when none).
    pub createtime: i64,
}

#[derive(Deserialize)]
struct Wire {
    #[serde(default, deserialize_with = "crate::api::lenient::string_or_null")]
    kf_account: String,
    #[serde(default, deserialize_with = "crate::api::lenient::int_lenient")]
    createtime: i64,
}

impl Endpoint for GetKfSession {
    type Output = KfSession;
    const NAME: &'static str = "get_kf_session";
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/customservice/kfsession/getsession";
    const CLASS: OpClass = OpClass::Read;

    fn validate(&self) -> Result<(), KfError> {
        validate::required("openid", &self.openid)
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        vec![("openid", self.openid.clone())]
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        Ok(Body::Empty)
    }

    fn parse(response: &HttpResponse) -> Result<KfSession, KfError> {
        let w: Wire = parse_json(response)?;
        Ok(KfSession { kf_account: Some(w.kf_account).filter(|k| !k.is_empty()), createtime: w.createtime })
    }
}
