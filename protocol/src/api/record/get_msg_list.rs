//! POST `/customservice/msgrecord/getmsglist`: one page of message records of one window.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

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

/// One page of records kept as the response's JSON text, each record parsed when it is taken:
/// a page of 10,000 never lives parsed all at once (what a long export costs a memory-bounded
/// host, such as the npm package's wasm). Every record is checked when the page is read, so a
/// page that does not parse fails whole and with the error [`MsgListPage`] gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MsgListText {
    body: Vec<u8>,
    /// Where each record lies in `body`, in order.
    spans: Vec<(u32, u32)>,
    /// The first record not taken yet.
    next: usize,
    /// How many records the page held (`number`).
    pub number: i64,
    /// The cursor for the next page.
    pub msgid: i64,
}

/// What reading a page as text needs of it: its envelope, where its records are, its cursor.
#[derive(Deserialize)]
struct PageIndex<'a> {
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default, borrow)]
    recordlist: Vec<&'a RawValue>,
    #[serde(default, deserialize_with = "crate::api::lenient::int_lenient")]
    number: i64,
    #[serde(default, deserialize_with = "crate::api::lenient::int_lenient")]
    msgid: i64,
}

impl MsgListText {
    /// Reads a `getmsglist` answer, keeping its body. Anything that would not parse as a
    /// [`MsgListPage`] (status, errcode, shape, a record) fails with that parse's own error.
    pub fn parse(response: HttpResponse) -> Result<Self, KfError> {
        match Self::index(&response) {
            Some(page) => Ok(MsgListText { body: response.body, ..page }),
            None => Err(parse_json::<MsgListPage>(&response)
                .err()
                .unwrap_or_else(|| KfError::decode("unexpected response shape", &response.body))),
        }
    }

    /// A good page's records' spans, `number` and `msgid` (its body left out); `None` for
    /// anything else.
    fn index(response: &HttpResponse) -> Option<MsgListText> {
        if response.status != 200 {
            return None;
        }
        let body = response.body.as_slice();
        let page: PageIndex<'_> = serde_json::from_slice(body).ok()?;
        if page.errcode.is_some_and(|c| c != 0) {
            return None;
        }
        let mut spans = Vec::with_capacity(page.recordlist.len());
        for raw in page.recordlist {
            let text = raw.get().as_bytes();
            serde_json::from_slice::<MsgRecord>(text).ok()?;
            // `raw` borrows from `body`: its offset is where it starts.
            let start = (text.as_ptr() as usize).checked_sub(body.as_ptr() as usize)?;
            spans.push((u32::try_from(start).ok()?, u32::try_from(start + text.len()).ok()?));
        }
        Some(MsgListText { body: Vec::new(), spans, next: 0, number: page.number, msgid: page.msgid })
    }

    /// How many records the page held.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the page held no record.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// How many records are not taken yet.
    pub fn remaining(&self) -> usize {
        self.spans.len().saturating_sub(self.next)
    }

    /// Passes over the next `n` records (a walk resumed mid-page).
    pub fn skip(&mut self, n: usize) {
        self.next = self.next.saturating_add(n).min(self.spans.len());
    }

    /// The next `max` records, parsed now (checked when the page was read); the page lets go of
    /// its text once every record is taken.
    pub fn take(&mut self, max: usize) -> Result<Vec<MsgRecord>, KfError> {
        let end = self.next.saturating_add(max).min(self.spans.len());
        let records = self
            .spans
            .get(self.next..end)
            .unwrap_or_default()
            .iter()
            .map(|&(from, to)| {
                let text = self.body.get(from as usize..to as usize).unwrap_or_default();
                serde_json::from_slice(text).map_err(|e| KfError::decode(format!("unexpected record shape: {e}"), text))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.next = end;
        if self.next == self.spans.len() {
            self.body = Vec::new();
        }
        Ok(records)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"{"errcode":0,"recordlist":[
        {"openid":"o1","opercode":2002,"text":"a \"quoted\" \u4f60好","time":1767196800,"worker":"kf1@gh"},
        {"openid":null,"opercode":"1000","text":"","time":"1767196801","worker":"kf2@gh","extra":[1,{"x":2}]},
        {"openid":"o3","opercode":2003,"text":"}],{","time":1767196802,"worker":"kf3@gh"}
    ],"number":3,"msgid":42}"#;

    fn whole(response: &HttpResponse) -> Result<MsgListPage, KfError> {
        GetMsgList::parse(response)
    }

    #[test]
    fn a_text_page_hands_out_what_the_whole_page_holds() {
        let response = HttpResponse::json(PAGE);
        let want = whole(&response).unwrap();
        let mut page = MsgListText::parse(response).unwrap();
        assert_eq!((page.len(), page.remaining(), page.number, page.msgid), (3, 3, 3, 42));
        let mut got = page.take(2).unwrap();
        assert_eq!(page.remaining(), 1);
        got.extend(page.take(10).unwrap());
        assert_eq!(got, want.recordlist);
        assert_eq!((page.remaining(), page.len()), (0, 3), "the count stays for the walk's cursor");
        assert!(page.body.is_empty(), "the text is let go once every record is taken");
        assert_eq!(page.take(5).unwrap(), vec![]);
    }

    #[test]
    fn skipping_passes_over_records() {
        let mut page = MsgListText::parse(HttpResponse::json(PAGE)).unwrap();
        page.skip(2);
        assert_eq!(page.take(5).unwrap().iter().map(|r| r.openid.as_str()).collect::<Vec<_>>(), ["o3"]);
        let mut page = MsgListText::parse(HttpResponse::json(PAGE)).unwrap();
        page.skip(usize::MAX);
        assert_eq!(page.remaining(), 0);
        let empty = MsgListText::parse(HttpResponse::json(r#"{"number":0,"msgid":0}"#)).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn a_page_that_does_not_parse_fails_whole_with_the_whole_pages_error() {
        let bad = [
            HttpResponse::json(r#"{"errcode":45009,"errmsg":"reach max api daily quota limit"}"#),
            HttpResponse::json(r#"{"recordlist":[{"openid":"o","opercode":{}}],"number":1,"msgid":2}"#),
            HttpResponse::json(r#"{"recordlist":[{"openid":"o"}, 5],"number":2,"msgid":2}"#),
            HttpResponse::json(r#"{"recordlist":{},"number":1}"#),
            HttpResponse::json(r#"{"recordlist":[],"number":1} trailing"#),
            HttpResponse::json("not json"),
            HttpResponse { status: 502, headers: vec![], body: b"bad gateway".to_vec() },
        ];
        for response in bad {
            let want = whole(&response).unwrap_err();
            assert_eq!(MsgListText::parse(response).unwrap_err(), want);
        }
    }
}
