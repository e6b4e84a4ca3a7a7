//! Sessions between a kf and a user, and the wait queue.

use serde::Serialize;
use serde_json::{json, Value};

use super::errors::{e, ed, ok, ApiError, ApiResult};
use super::request::{body_obj, req_str, Req};
use super::State;
use crate::crypto::cdata;

/// How long a session may sit without a message either way before WeChat stops forwarding
/// the user's messages to the kf system (the session ends here).
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;

pub(super) struct Session {
    pub(super) kf: String,
    pub(super) created: i64,
    /// Last message either way in this session (ms).
    pub(super) last_activity_ms: i64,
}

#[derive(Serialize, Clone)]
pub(super) struct Waiting {
    pub(super) openid: String,
    pub(super) latest_time: i64,
}

impl State {
    /// POST /customservice/kfsession/create
    pub fn session_create(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let m = body_obj(r.body)?;
        let kf = req_str(&m, "kf_account", 41011)?.to_string();
        let openid = req_str(&m, "openid", 41009)?.to_string();
        self.check_can_serve(&kf)?;
        if !self.users.contains_key(&openid) {
            return Err(e(40003));
        }
        if let Some(s) = self.sessions.get(&openid) {
            if s.kf == kf {
                return Ok(ok());
            }
            return Err(e(65414));
        }
        let now_ms = self.now_ms();
        let now = now_ms / 1000;
        let was_waiting = self.wait.iter().any(|w| w.openid == openid);
        self.wait.retain(|w| w.openid != openid);
        self.open_session(&openid, &kf, now_ms);
        self.legacy_record(now, &openid, if was_waiting { 1001 } else { 1002 }, &kf);
        self.event_push(&openid, "kf_create_session", &format!("<KfAccount>{}</KfAccount>", cdata(&kf)));
        Ok(ok())
    }

    /// POST /customservice/kfsession/close
    pub fn session_close(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let m = body_obj(r.body)?;
        let kf = req_str(&m, "kf_account", 41011)?.to_string();
        let openid = req_str(&m, "openid", 41009)?.to_string();
        self.existing_kf(&kf)?;
        match self.sessions.get(&openid) {
            Some(s) if s.kf == kf => {}
            _ => return Err(e(65413)),
        }
        self.sessions.remove(&openid);
        let now = self.now();
        self.legacy_record(now, &openid, 1004, &kf);
        self.event_push(&openid, "kf_close_session", &format!("<KfAccount>{}</KfAccount>", cdata(&kf)));
        Ok(ok())
    }

    /// Moves a session to another kf (admin); pushes kf_switch_session.
    pub fn session_switch(&mut self, openid: &str, to: &str) -> Result<(), ApiError> {
        let from = self.sessions.get(openid).map(|s| s.kf.clone()).ok_or_else(|| e(65413))?;
        self.check_can_serve(to)?;
        let now_ms = self.now_ms();
        let now = now_ms / 1000;
        self.open_session(openid, to, now_ms);
        self.legacy_record(now, openid, 1003, to);
        self.event_push(
            openid,
            "kf_switch_session",
            &format!("<FromKfAccount>{}</FromKfAccount><ToKfAccount>{}</ToKfAccount>", cdata(&from), cdata(to)),
        );
        Ok(())
    }

    /// GET /customservice/kfsession/getsession
    pub fn session_get(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let openid = r.q("openid").filter(|s| !s.is_empty()).ok_or_else(|| e(41009))?;
        if !self.users.contains_key(openid) {
            return Err(e(40003));
        }
        Ok(match self.sessions.get(openid) {
            Some(s) => json!({"kf_account": s.kf, "createtime": s.created}),
            None => json!({"kf_account": "", "createtime": 0}),
        })
    }

    /// GET /customservice/kfsession/getsessionlist
    pub fn session_list(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let kf = self.query_account(r)?;
        self.existing_kf(&kf)?;
        let mut list: Vec<(&String, i64)> =
            self.sessions.iter().filter(|(_, s)| s.kf == kf).map(|(o, s)| (o, s.created)).collect();
        list.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
        let list: Vec<Value> = list.into_iter().map(|(o, t)| json!({"openid": o, "createtime": t})).collect();
        Ok(json!({ "sessionlist": list }))
    }

    /// GET /customservice/kfsession/getwaitcase
    pub fn wait_cases(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let list: Vec<&Waiting> = self.wait.iter().take(100).collect();
        Ok(json!({"count": self.wait.len(), "waitcaselist": list}))
    }

    /// Starts (or moves) the user's session with `kf`.
    pub(super) fn open_session(&mut self, openid: &str, kf: &str, now_ms: i64) {
        let session = Session { kf: kf.to_string(), created: now_ms / 1000, last_activity_ms: now_ms };
        self.sessions.insert(openid.to_string(), session);
        self.next_idle_check_ms = self.next_idle_check_ms.min(now_ms.saturating_add(SESSION_IDLE_MS));
    }

    /// Ends the sessions idle for [`SESSION_IDLE_MS`] (emulator clock): from then on the user's
    /// messages go to the developer's URL again. Cheap when nothing can have expired.
    pub fn end_idle_sessions(&mut self) {
        let now_ms = self.now_ms();
        if now_ms < self.next_idle_check_ms {
            return;
        }
        let idle: Vec<(String, String)> = self
            .sessions
            .iter()
            .filter(|(_, s)| now_ms.saturating_sub(s.last_activity_ms) > SESSION_IDLE_MS)
            .map(|(o, s)| (o.clone(), s.kf.clone()))
            .collect();
        for (openid, kf) in idle {
            self.sessions.remove(&openid);
            self.legacy_record(now_ms / 1000, &openid, 1004, &kf);
        }
        self.next_idle_check_ms = self
            .sessions
            .values()
            .map(|s| s.last_activity_ms.saturating_add(SESSION_IDLE_MS))
            .min()
            .unwrap_or(i64::MAX);
    }

    /// A kf takes sessions only when it exists (65401), is bound to a WeChat user (65402)
    /// and is online (65415).
    pub(super) fn check_can_serve(&self, kf: &str) -> Result<(), ApiError> {
        let k = self.existing_kf(kf)?;
        if k.wx.is_none() {
            return Err(ed(65402, "the kf has not accepted an invitation"));
        }
        if !k.online {
            return Err(e(65415));
        }
        Ok(())
    }

    pub(super) fn enqueue_wait(&mut self, openid: &str, now: i64) -> bool {
        if let Some(w) = self.wait.iter_mut().find(|w| w.openid == openid) {
            w.latest_time = now;
            return false;
        }
        self.wait.push(Waiting { openid: openid.to_string(), latest_time: now });
        self.legacy_record(now, openid, 1000, "");
        true
    }
}
