//! Message-record helpers: China-time day windows, time parsing, and the pure pager that
//! walks any `[from, to)` range window by window and page by page.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};

use crate::api::record::get_msg_list::{GetMsgList, MsgListPage};
use crate::{validate, KfError};

/// China Standard Time offset (UTC+8), in seconds.
pub const CHINA_OFFSET_SECS: i64 = 8 * 3600;
/// A window spans at most this many seconds.
pub const MAX_WINDOW_SECS: i64 = 24 * 3600;
/// Largest `number` a page may ask for.
pub const MAX_PAGE_SIZE: i64 = 10_000;

/// The China-time calendar day number of a unix time (days since 1970-01-01 in UTC+8).
pub fn china_day(unix: i64) -> i64 {
    unix.saturating_add(CHINA_OFFSET_SECS).div_euclid(86_400)
}

/// The unix time of the next China-time midnight strictly after `unix`.
pub fn next_china_midnight(unix: i64) -> i64 {
    china_day(unix).saturating_add(1).saturating_mul(86_400).saturating_sub(CHINA_OFFSET_SECS)
}

/// Splits `[from, to)` into windows that each lie within one China-time day.
pub fn day_windows(from: i64, to: i64) -> impl Iterator<Item = (i64, i64)> {
    let mut start = from;
    std::iter::from_fn(move || {
        if start >= to {
            return None;
        }
        // `max(start + 1)` keeps the walk moving even where saturation flattens midnights.
        let end = next_china_midnight(start).min(to).max(start.saturating_add(1));
        let window = (start, end);
        start = end;
        Some(window)
    })
}

/// Parses `YYYY-MM-DD HH:MM:SS` as China time, or an RFC 3339 time with its own offset.
pub fn parse_time(text: &str) -> Result<i64, KfError> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp());
    }
    for format in ["%Y-%m-%d %H:%M:%S%:z", "%Y-%m-%d %H:%M:%S%z"] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Ok(t.timestamp());
        }
    }
    let china = FixedOffset::east_opt(CHINA_OFFSET_SECS as i32)
        .ok_or_else(|| KfError::validation("time", "internal offset error"))?;
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return china
                .from_local_datetime(&naive)
                .single()
                .map(|t| t.timestamp())
                .ok_or_else(|| KfError::validation("time", format!("{} is not a valid time", validate::quote(text))));
        }
    }
    Err(KfError::validation(
        "time",
        format!("{} is not `YYYY-MM-DD HH:MM:SS` (China time) or RFC 3339 with an offset", validate::quote(text)),
    ))
}

/// Formats a unix time as `YYYY-MM-DD HH:MM:SS` in China time.
pub fn format_china_time(unix: i64) -> String {
    FixedOffset::east_opt(CHINA_OFFSET_SECS as i32)
        .and_then(|tz| tz.timestamp_opt(unix, 0).single())
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| unix.to_string())
}

/// Where a record walk stands: the next request to make. Serializable so exports can resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecordCursor {
    /// Start of the current window.
    pub window_start: i64,
    /// End of the whole range.
    pub to: i64,
    /// The `msgid` of the next page in the current window.
    pub msgid: i64,
    /// Records of that page already taken (a record-level stream resumes mid-page).
    #[serde(default)]
    pub skip: i64,
}

/// The pure pager: yields the next `GetMsgList` and advances on each page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPager {
    to: i64,
    number: i64,
    next: Option<GetMsgList>,
}

impl RecordPager {
    /// A walk over `[from, to)` with pages of `number` records.
    pub fn new(from: i64, to: i64, number: i64) -> Result<Self, KfError> {
        if to <= from {
            return Err(KfError::validation("to", "must be after from"));
        }
        Self::resume(RecordCursor { window_start: from, to, msgid: 1, skip: 0 }, number)
    }

    /// Continues a walk from a cursor.
    pub fn resume(cursor: RecordCursor, number: i64) -> Result<Self, KfError> {
        validate::unix_time("from", cursor.window_start)?;
        validate::unix_time("to", cursor.to)?;
        if !(1..=MAX_PAGE_SIZE).contains(&number) {
            return Err(KfError::validation("number", format!("must be 1-{MAX_PAGE_SIZE}")));
        }
        if cursor.msgid < 1 {
            return Err(KfError::validation("msgid", "must be at least 1"));
        }
        let next = day_windows(cursor.window_start, cursor.to).next().map(|(starttime, endtime)| GetMsgList {
            starttime,
            endtime,
            msgid: cursor.msgid,
            number,
        });
        Ok(RecordPager { to: cursor.to, number, next })
    }

    /// The request to send next, or `None` when the walk is done.
    pub fn next_request(&self) -> Option<GetMsgList> {
        self.next
    }

    /// Where the walk stands, to resume it later (`None` when done).
    pub fn cursor(&self) -> Option<RecordCursor> {
        self.next.map(|r| RecordCursor { window_start: r.starttime, to: self.to, msgid: r.msgid, skip: 0 })
    }

    /// Moves past `page`, the answer to `next_request()`: next page, next window, or done.
    pub fn advance(&mut self, page: &MsgListPage) -> Result<(), KfError> {
        self.advance_past(page.recordlist.len(), page.msgid)
    }

    /// Moves past the answer to `next_request()` that held `records` records and gave `msgid`.
    pub fn advance_past(&mut self, records: usize, msgid: i64) -> Result<(), KfError> {
        let Some(current) = self.next else {
            return Ok(());
        };
        let full = records as i64 >= current.number;
        self.next = if full {
            if msgid <= current.msgid {
                return Err(KfError::decode(
                    format!("paging cursor did not advance (msgid {} after {})", msgid, current.msgid),
                    b"",
                ));
            }
            Some(GetMsgList { msgid, ..current })
        } else {
            // A short page ends the window.
            day_windows(current.endtime, self.to).next().map(|(starttime, endtime)| GetMsgList {
                starttime,
                endtime,
                msgid: 1,
                number: self.number,
            })
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::record::get_msg_list::MsgRecord;
    use crate::endpoint::Endpoint;

    // 2026-11-24 00:00:00 +08:00
    const DAY: i64 = 1_795_449_600;

    #[test]
    fn china_midnight_is_16_utc() {
        assert_eq!(parse_time("2026-11-24 00:00:00").ok(), Some(DAY));
        assert_eq!(parse_time("2026-11-23T16:00:00Z").ok(), Some(DAY));
        assert_eq!(parse_time("2026-11-24 00:00:00+08:00").ok(), Some(DAY));
        assert_eq!(format_china_time(DAY), "2026-11-24 00:00:00");
        assert_eq!(next_china_midnight(DAY), DAY + 86_400);
        assert_eq!(next_china_midnight(DAY - 1), DAY);
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2026-02-30 00:00:00").is_err());
    }

    #[test]
    fn windows_split_at_china_midnight_and_stay_valid() {
        let from = DAY - 3600; // 23:00 the day before
        let to = DAY + 2 * 86_400 + 600;
        let w: Vec<_> = day_windows(from, to).collect();
        assert_eq!(w, vec![(from, DAY), (DAY, DAY + 86_400), (DAY + 86_400, DAY + 2 * 86_400), (DAY + 2 * 86_400, to)]);
        for (s, e) in w {
            assert!(GetMsgList { starttime: s, endtime: e, msgid: 1, number: 10 }.validate().is_ok());
        }
    }

    fn page(n: usize, msgid: i64) -> MsgListPage {
        let rec = MsgRecord { openid: "o".into(), opercode: 2001, text: "t".into(), time: DAY, worker: "w".into() };
        MsgListPage { recordlist: vec![rec; n], number: n as i64, msgid }
    }

    #[test]
    fn pager_passes_msgid_and_short_page_ends_window() {
        let mut p = RecordPager::new(DAY - 10, DAY + 10, 2).unwrap_or_else(|e| panic!("{e}"));
        let r = p.next_request();
        assert_eq!(r, Some(GetMsgList { starttime: DAY - 10, endtime: DAY, msgid: 1, number: 2 }));
        assert!(p.advance(&page(2, 7)).is_ok());
        assert_eq!(p.next_request().map(|r| r.msgid), Some(7));
        let cursor = p.cursor();
        assert!(p.advance(&page(1, 8)).is_ok());
        assert_eq!(p.next_request(), Some(GetMsgList { starttime: DAY, endtime: DAY + 10, msgid: 1, number: 2 }));
        assert!(p.advance(&page(0, 0)).is_ok());
        assert_eq!(p.next_request(), None);
        // Resuming from the saved cursor gives the same next request.
        let resumed = cursor.map(|c| RecordPager::resume(c, 2));
        assert_eq!(resumed.and_then(|r| r.ok()).and_then(|r| r.next_request()).map(|r| r.msgid), Some(7));
    }

    #[test]
    fn pager_rejects_a_stuck_cursor() {
        let mut p = RecordPager::new(DAY, DAY + 10, 2).unwrap_or_else(|e| panic!("{e}"));
        assert!(p.advance(&page(2, 1)).is_err());
    }
}
