//! GET `/cgi-bin/customservice/getonlinekflist`: the kf accounts online now.

use serde::{Deserialize, Serialize};

use crate::endpoint::{parse_json, Body, BuildContext, Endpoint, OpClass};
use crate::http::{HttpResponse, Method};
use crate::KfError;

/// Request for the online kf accounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetKfOnlineList;

/// One online kf account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KfOnlineInfo {
    /// `prefix@wechat_id`.
    pub kf_account: String,
    /// 1 = online on the web client.
    #[serde(default, deserialize_with = "crate::api::lenient::int_lenient")]
    pub status: i64,
    /// Numeric id, kept as a string.
    #[serde(default, deserialize_with = "crate::api::lenient::string_or_number")]
    pub kf_id: String,
    /// Sessions being served now.
    #[serde(default, deserialize_with = "crate::api::lenient::int_lenient")]
    pub accepted_case: i64,
}

#[derive(Deserialize)]
struct Wire {
    #[serde(default)]
    kf_online_list: Vec<KfOnlineInfo>,
}

impl Endpoint for GetKfOnlineList {
    type Output = Vec<KfOnlineInfo>;
    const NAME: &'static str = "get_kf_online_list";
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/customservice/getonlinekflist";
    const CLASS: OpClass = OpClass::Read;

    fn validate(&self) -> Result<(), KfError> {
        Ok(())
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        Ok(Body::Empty)
    }

    fn parse(response: &HttpResponse) -> Result<Vec<KfOnlineInfo>, KfError> {
        parse_json::<Wire>(response).map(|w| w.kf_online_list)
    }
}
