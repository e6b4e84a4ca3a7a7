//! `getmsglist`: the record query and its limits (the store itself is `crate::records`).

use serde_json::json;

use super::errors::{ed, ApiResult};
use super::request::{body_obj, opt_i64, Req};
use super::State;
use crate::records::{china_day, DAY};

impl State {
    /// Writes a session opercode of the legacy `getrecord` doc (1000–1005, 2001) — only with
    /// `legacy_opercodes`: the current getmsglist doc names 2002 and 2003 alone.
    pub(super) fn legacy_record(&mut self, time: i64, openid: &str, opercode: u16, worker: &str) {
        if self.settings.legacy_opercodes {
            self.records.add(time, openid, opercode, "", worker);
        }
    }

    /// POST /customservice/msgrecord/getmsglist
    pub fn msg_list(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let m = body_obj(r.body)?;
        let start = opt_i64(&m, "starttime")?.ok_or_else(|| ed(41011, "missing starttime"))?;
        let end = opt_i64(&m, "endtime")?.ok_or_else(|| ed(41011, "missing endtime"))?;
        let msgid = opt_i64(&m, "msgid")?.unwrap_or(0);
        let number = opt_i64(&m, "number")?.unwrap_or(0);
        if start < 0 || end <= start {
            return Err(ed(65416, "endtime must be after starttime"));
        }
        if !(1..=10_000).contains(&number) {
            return Err(ed(65416, "number must be 1..=10000"));
        }
        if msgid < 1 {
            return Err(ed(65416, "msgid must be >= 1"));
        }
        if end - start > DAY {
            return Err(ed(65417, "period over 24 hours"));
        }
        if china_day(start) != china_day(end - 1) {
            return Err(ed(65417, "period crosses midnight (China time)"));
        }
        let (list, last) = self.records.page(start, end, msgid as u64, number as usize);
        let next = last.map_or(msgid as u64, |l| l + 1);
        Ok(json!({"recordlist": list, "number": list.len(), "msgid": next}))
    }
}
