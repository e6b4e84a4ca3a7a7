//! GET `/customservice/kfsession/getwaitcase`: users waiting for a kf (at most 100 listed).

use serde::{Deserialize, Serialize};

use crate::endpoint::{parse_json, Body, BuildContext, Endpoint, OpClass};
use crate::http::{HttpResponse, Method};
use crate::KfError;

/// Request for the waiting (unassigned) users.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetWaitCaseList;

/// One waiting user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WaitCase {
    /// The user's openid.
    pub openid: String,
    /// When the user last wrote (unix seconds).
    #[serde(default, deserialize_with = "crate::api::lenient::int_lenient")]
    pub latest_time: i64,
}

/// The waiting queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WaitCaseList {
    /// How many users wait in total (may exceed the listed 100).
    #[serde(default, deserialize_with = "crate::api::lenient::int_lenient")]
    pub count: i64,
    /// The first users of the queue (at most 100).
    #[serde(default)]
    pub waitcaselist: Vec<WaitCase>,
}

impl Endpoint for GetWaitCaseList {
    type Output = WaitCaseList;
    const NAME: &'static str = "get_wait_case_list";
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/customservice/kfsession/getwaitcase";
    const CLASS: OpClass = OpClass::Read;

    fn validate(&self) -> Result<(), KfError> {
        Ok(())
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        Ok(Body::Empty)
    }

    fn parse(response: &HttpResponse) -> Result<WaitCaseList, KfError> {
        parse_json(response)
    }
}
