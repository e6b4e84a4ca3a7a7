//! POST `/customservice/msgrecord/getmsglist`: one page of message records of one window.

use serde::{Deserialize, Serialize};

use crate::endpoint::{json_body, parse_json, Body, BuildContext, Endpoint, OpClass};
use crate::http::{HttpResponse, Method};
use crate::records::{china_day, MAX_PAGE_SIZE, MAX_WINDOW_SECS};
use crate::{validate, KfError};

/// Request for one page of records in `[starttime, endtime)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetMsgList {
    /// Window start (unix seconds).
    pub starttime: i64,
    /// Window end (unix seconds), after the start, at most 24 h later, same China-time day.
    pub endtime: i64,
    /// Paging cursor: 1 for the first page, then the `msgid` the previous page returned.
    pub msgid: i64,
    /// Page size, 1–10000.
    pub number: i64,
}

impl GetMsgList {
    /// Validated first-page request.
    pub fn new(starttime: i64, endtime: i64, number: i64) -> Result<Self, KfError> {
        let req = GetMsgList { starttime, endtime, msgid: 1, number };
        req.validate()?;
        Ok(req)
    }
}

/// One record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MsgRecord {
    /// The user's openid.
    #[serde(default, deserialize_with = "crate::api::lenient::string_or_null")]
    pub openid: String,
    /// What happened (see [`OperCode`]).
    #[serde(default, deserialize_with = "crate::api::lenient::int_lenient")]
    pub opercode: i64,
    /// The message text.
    #[serde(default, deserialize_with = "crate::api::lenient::string_or_null")]
    pub text: String,
    /// When (unix seconds).
    #[serde(default, deserialize_with = "crate::api::lenient::int_lenient")]
    pub time: i64,
    /// The kf account involved.
    #[serde(default, deserialize_with = "crate::api::lenient::string_or_null")]
    pub worker: String,
}

impl MsgRecord {
    /// The typed opercode.
    pub fn oper(&self) -> OperCode {
        OperCode::from_code(self.opercode)
    }
}

/// Record operation codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperCode {
    /// 1000: waiting session created.
    WaitingCreated,
    /// 1001: session accepted.
    Accepted,
    /// 1002: session started by the kf.
    StartedByKf,
    /// 1003: session transferred.
    Transferred,
    /// 1004: session closed.
    Closed,
    /// 1005: session grabbed.
    Grabbed,
    /// 2001: the account received a message.
    AccountReceived,
    /// 2002: the kf sent a message.
    KfSent,
    /// 2003: the kf received a message.
    KfReceived,
    /// Any other code.
    Other(i64),
}

impl OperCode {
    /// Maps a raw opercode.
    pub fn from_code(code: i64) -> Self {
        match code {
            1000 => OperCode::WaitingCreated,
            1001 => OperCode::Accepted,
            1002 => OperCode::StartedByKf,
            1003 => OperCode::Transferred,
            1004 => OperCode::Closed,
            1005 => OperCode::Grabbed,
            2001 => OperCode::AccountReceived,
            2002 => OperCode::KfSent,
            2003 => OperCode::KfReceived,
            other => OperCode::Other(other),
        }
    }
}

/// One page of records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MsgListPage {
    /// The records.
    #[serde(default)]
    pub recordlist: Vec<MsgRecord>,
    /// How many records this page holds.
    #[serde(default, deserialize_with = "crate::api::lenient::int_lenient")]
    pub number: i64,
    /// The cursor for the next page.
    #[serde(default, deserialize_with = "crate::api::lenient::int_lenient")]
    pub msgid: i64,
}

impl Endpoint for GetMsgList {
    type Output = MsgListPage;
    const NAME: &'static str = "get_msg_list";
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/customservice/msgrecord/getmsglist";
    const CLASS: OpClass = OpClass::Read;

    fn validate(&self) -> Result<(), KfError> {
        validate::unix_time("starttime", self.starttime)?;
        validate::unix_time("endtime", self.endtime)?;
        if self.endtime <= self.starttime {
            return Err(KfError::validation("endtime", "must be after starttime"));
        }
        // Checked: extreme inputs must give an error, not an overflow.
        if self.endtime.checked_sub(self.starttime).is_none_or(|span| span > MAX_WINDOW_SECS) {
            return Err(KfError::validation("endtime", "must be at most 24 hours after starttime"));
        }
        // The window is [start, end): it may end exactly at the next midnight.
        if china_day(self.starttime) != china_day(self.endtime.saturating_sub(1)) {
            return Err(KfError::validation(
                "endtime",
                "the window must not cross midnight China time (UTC+8); split it by day",
            ));
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.number) {
            return Err(KfError::validation("number", format!("must be 1-{MAX_PAGE_SIZE}")));
        }
        if self.msgid < 1 {
            return Err(KfError::validation("msgid", "must be at least 1 (1 for the first page)"));
        }
        Ok(())
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        json_body(self)
    }

    fn parse(response: &HttpResponse) -> Result<MsgListPage, KfError> {
        parse_json(response)
    }
}
