//! GET `/cgi-bin/customservice/getkflist`: every kf account with its binding state.

use serde::{Deserialize, Serialize};

use crate::endpoint::{parse_json, Body, BuildContext, Endpoint, OpClass};
use crate::http::{HttpResponse, Method};
use crate::KfError;

/// Request for the list of kf accounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetKfList;

/// State of an invitation to bind a kf account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum InviteStatus {
    /// Sent, not answered yet.
    Waiting,
    /// The invitee declined.
    Rejected,
    /// Not answered in time.
    Expired,
    /// A state this version does not know.
    #[serde(other)]
    Unknown,
}

/// One kf account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KfInfo {
    /// `prefix@wechat_id`.
    pub kf_account: String,
    /// Nickname.
    #[serde(default, deserialize_with = "crate::api::lenient::string_or_null")]
    pub kf_nick: String,
    /// Numeric id (WeChat sends a string or a number; kept as a string).
    #[serde(default, deserialize_with = "crate::api::lenient::string_or_number")]
    pub kf_id: String,
    /// Avatar URL.
    #[serde(default, deserialize_with = "crate::api::lenient::string_or_null")]
    pub kf_headimgurl: String,
    /// The bound WeChat id, once an invitation was accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kf_wx: Option<String>,
    /// The invited WeChat id while an invitation is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_wx: Option<String>,
    /// When the invitation expires (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_expire_time: Option<i64>,
    /// State of the invitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_status: Option<InviteStatus>,
}

#[derive(Deserialize)]
struct Wire {
    #[serde(default)]
    kf_list: Vec<KfInfo>,
}

impl Endpoint for GetKfList {
    type Output = Vec<KfInfo>;
    const NAME: &'static str = "get_kf_list";
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/customservice/getkflist";
    const CLASS: OpClass = OpClass::Read;

    fn validate(&self) -> Result<(), KfError> {
        Ok(())
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        Ok(Body::Empty)
    }

    fn parse(response: &HttpResponse) -> Result<Vec<KfInfo>, KfError> {
        parse_json::<Wire>(response).map(|w| w.kf_list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kf_id_as_string_or_number_and_unknown_fields() {
        let body = r#"{"kf_list":[
            {"kf_account":"a@gh","kf_nick":"A","kf_id":"1001","kf_headimgurl":"http://x","extra":1},
            {"kf_account":"b@gh","kf_nick":"B","kf_id":1002,"invite_wx":"w","invite_expire_time":123,"invite_status":"waiting"},
            {"kf_account":"c@gh","invite_status":"someday"}]}"#;
        let list = GetKfList::parse(&HttpResponse::json(body)).unwrap_or_default();
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].kf_id, "1001");
        assert_eq!(list[1].kf_id, "1002");
        assert_eq!(list[1].invite_status, Some(InviteStatus::Waiting));
        assert_eq!(list[2].invite_status, Some(InviteStatus::Unknown));
    }
}
