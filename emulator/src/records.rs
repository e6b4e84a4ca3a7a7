//! The message-record store: compact records indexed by China-time day.
//!
//! A record is 32 bytes (time, interned openid/worker, text index, opercode); its id is its
//! position + 1. Each China-time day keeps the ids of its records in id order; while their
//! times are also non-decreasing (the usual case), a page is found by two binary searches and
//! costs O(log n + page).

use std::collections::HashMap;

use serde_json::{json, Value};

/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// China time is UTC+8.
pub const CHINA_OFFSET: i64 = 8 * 3600;
const SYNTHETIC: u32 = u32::MAX;

/// The China-time day number of a unix time.
pub fn china_day(t: i64) -> i64 {
    t.saturating_add(CHINA_OFFSET).div_euclid(DAY)
}

#[derive(Clone, Copy)]
struct Rec {
    time: i64,
    openid: u32,
    worker: u32,
    text: u32,
    opercode: u16,
}

#[derive(Default)]
struct DayIndex {
    ids: Vec<u32>,
    monotone: bool,
}

/// All records.
#[derive(Default)]
pub struct RecordStore {
    recs: Vec<Rec>,
    days: HashMap<i64, DayIndex>,
    names: Vec<String>,
    name_ix: HashMap<String, u32>,
    texts: Vec<String>,
}

impl RecordStore {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.name_ix.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.name_ix.insert(s.to_string(), i);
        i
    }

    fn push_rec(&mut self, rec: Rec) -> u64 {
        let pos = self.recs.len() as u32;
        let day = self.days.entry(china_day(rec.time)).or_insert_with(|| DayIndex { ids: Vec::new(), monotone: true });
        if let Some(&last) = day.ids.last() {
            if let Some(prev) = self.recs.get(last as usize) {
                if prev.time > rec.time {
                    day.monotone = false;
                }
            }
        }
        day.ids.push(pos);
        self.recs.push(rec);
        u64::from(pos) + 1
    }

    /// Appends one record; returns its id.
    pub fn add(&mut self, time: i64, openid: &str, opercode: u16, text: &str, worker: &str) -> u64 {
        let openid = self.intern(openid);
        let worker = self.intern(worker);
        let t = self.texts.len() as u32;
        self.texts.push(text.to_string());
        self.push_rec(Rec { time, openid, worker, text: t, opercode })
    }

    /// Appends `count` synthetic records spread evenly over [start, end), their opercodes cycling
    /// through `opercodes` (2001 gets no worker); returns (first, last) id.
    pub fn bulk(
        &mut self,
        start: i64,
        end: i64,
        count: u64,
        openids: &[String],
        workers: &[String],
        opercodes: &[u16],
    ) -> (u64, u64) {
        let openids: Vec<u32> = openids.iter().map(|o| self.intern(o)).collect();
        let workers: Vec<u32> = workers.iter().map(|w| self.intern(w)).collect();
        let none = self.intern("");
        let span = i128::from(end - start);
        let first = self.recs.len() as u64 + 1;
        self.recs.reserve(count as usize);
        for i in 0..count {
            let time = start + (span * i128::from(i) / i128::from(count.max(1))) as i64;
            let opercode = opercodes.get((i % opercodes.len().max(1) as u64) as usize).copied().unwrap_or(2002);
            let openid = openids.get((i % openids.len().max(1) as u64) as usize).copied().unwrap_or(none);
            let worker = if opercode == 2001 {
                none
            } else {
                workers.get((i % workers.len().max(1) as u64) as usize).copied().unwrap_or(none)
            };
            self.push_rec(Rec { time, openid, worker, text: SYNTHETIC, opercode });
        }
        (first, self.recs.len() as u64)
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    fn to_json(&self, pos: u32, rec: &Rec) -> Value {
        let name = |i: u32| self.names.get(i as usize).map(String::as_str).unwrap_or("");
        let text = if rec.text == SYNTHETIC {
            format!("synthetic record {}", u64::from(pos) + 1)
        } else {
            self.texts.get(rec.text as usize).cloned().unwrap_or_default()
        };
        json!({
            "openid": name(rec.openid),
            "opercode": rec.opercode,
            "text": text,
            "time": rec.time,
            "worker": name(rec.worker),
        })
    }

    /// Records with `start <= time < end` and id >= `msgid`, by id, at most `number`.
    /// The caller guarantees the window lies within one China-time day.
    /// Returns the JSON records and the last returned id.
    pub fn page(&self, start: i64, end: i64, msgid: u64, number: usize) -> (Vec<Value>, Option<u64>) {
        let mut out = Vec::new();
        let mut last = None;
        let Some(day) = self.days.get(&china_day(start)) else {
            return (out, last);
        };
        let time_of = |p: u32| self.recs.get(p as usize).map_or(i64::MAX, |r| r.time);
        let mut from = day.ids.partition_point(|&p| u64::from(p) + 1 < msgid);
        if day.monotone {
            from = from.max(day.ids.partition_point(|&p| time_of(p) < start));
        }
        for &p in day.ids.get(from..).unwrap_or(&[]) {
            let Some(rec) = self.recs.get(p as usize) else { break };
            if rec.time >= end {
                if day.monotone {
                    break;
                }
                continue;
            }
            if rec.time < start {
                continue;
            }
            out.push(self.to_json(p, rec));
            last = Some(u64::from(p) + 1);
            if out.len() >= number {
                break;
            }
        }
        (out, last)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pages_by_day_and_id() {
        let mut s = RecordStore::default();
        let day0 = 1_700_000_000 - (1_700_000_000 + CHINA_OFFSET).rem_euclid(DAY);
        s.bulk(day0, day0 + DAY, 1000, &["o1".into()], &["k@x".into()], &[2002, 2003]);
        let (p, last) = s.page(day0, day0 + DAY, 1, 400);
        assert_eq!(p.len(), 400);
        assert_eq!(last, Some(400));
        let (p, _) = s.page(day0, day0 + DAY, 401, 10_000);
        assert_eq!(p.len(), 600);
        s.add(day0 + 10, "o2", 2001, "late", "");
        let (p, _) = s.page(day0, day0 + 11, 1, 10_000);
        assert_eq!(p.len(), 2);
    }
}
