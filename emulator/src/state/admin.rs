//! State changes and views the admin API needs (kf presence, invitations, logs, snapshot).

use serde_json::{json, Value};

use super::accounts::valid_wechat_id;
use super::errors::{e, ed, ApiError};
use super::State;

impl State {
    /// Sets a kf online or offline.
    pub fn set_online(&mut self, kf: &str, online: bool) -> Result<(), ApiError> {
        let k = self.kf_mut(kf).ok_or_else(|| e(65401))?;
        if online && k.wx.is_none() {
            return Err(ed(65402, "the kf must accept an invitation (or be bound) before it can go online"));
        }
        k.online = online;
        Ok(())
    }

    /// Binds the kf to a WeChat user at once, as if it had been invited and had accepted.
    /// `wechat_id` defaults to `wxemu_<prefix>`. Returns the bound id.
    pub fn bind_kf(&mut self, kf: &str, wechat_id: Option<&str>) -> Result<String, ApiError> {
        let k = self.existing_kf(kf)?;
        if k.wx.is_some() {
            return Err(e(65412));
        }
        let wx = match wechat_id {
            Some(w) => w.to_string(),
            None => format!("wxemu_{}", kf.split('@').next().unwrap_or_default()),
        };
        if !valid_wechat_id(&wx) {
            return Err(ed(65409, "wechat_id must be a WeChat id"));
        }
        if self.kfs.iter().any(|k| k.wx.as_deref() == Some(wx.as_str())) {
            return Err(e(65407));
        }
        if let Some(k) = self.kf_mut(kf) {
            k.wx = Some(wx.clone());
            k.invite = None;
        }
        Ok(wx)
    }

    /// Accepts or rejects the kf's pending invitation.
    pub fn answer_invitation(&mut self, kf: &str, accept: bool) -> Result<(), ApiError> {
        let now = self.now_ms();
        let k = self.kf_mut(kf).ok_or_else(|| e(65401))?;
        if k.invite_status(now) != Some("waiting") {
            return Err(ed(65401, "no waiting invitation"));
        }
        if accept {
            k.wx = k.invite.take().map(|i| i.wx);
        } else if let Some(i) = k.invite.as_mut() {
            i.rejected = true;
        }
        Ok(())
    }

    /// Marks a WeChat id as bound to 5 accounts (or clears the mark).
    pub fn set_bound_too_many(&mut self, wx: &str, on: bool) {
        if on {
            self.bound_too_many.insert(wx.to_string());
        } else {
            self.bound_too_many.remove(wx);
        }
    }

    /// Registers media ids.
    pub fn add_media(&mut self, ids: &[String]) {
        self.media.extend(ids.iter().cloned());
    }

    /// The delivery log.
    pub fn deliveries(&self) -> Value {
        json!(self.deliveries)
    }

    /// The token-fetch log.
    pub fn token_log(&self) -> Value {
        json!(self.token_log)
    }

    /// Sessions, wait queue, users, kfs, clock.
    pub fn snapshot(&self) -> Value {
        let now_ms = self.now_ms();
        let mut sessions: Vec<Value> = self
            .sessions
            .iter()
            .map(|(o, s)| json!({"openid": o, "kf_account": s.kf, "createtime": s.created, "last_activity": s.last_activity_ms / 1000}))
            .collect();
        sessions.sort_by_key(|v| v.get("openid").and_then(Value::as_str).unwrap_or("").to_string());
        let mut users: Vec<Value> = self
            .users
            .iter()
            .map(|(o, u)| {
                let windows: Vec<Value> = u
                    .windows
                    .open_at(now_ms)
                    .into_iter()
                    .map(|w| json!({"action": w.action, "opened": w.opened_ms / 1000, "until": w.until_ms / 1000, "left": w.left}))
                    .collect();
                json!({"openid": o, "subscribed": u.subscribed, "windows": windows,
                    "typing": now_ms < u.typing_until_ms})
            })
            .collect();
        users.sort_by_key(|v| v.get("openid").and_then(Value::as_str).unwrap_or("").to_string());
        let kfs: Vec<Value> = self
            .kfs
            .iter()
            .map(|k| json!({"kf_account": k.account, "kf_nick": k.nick, "kf_id": k.id, "online": k.online, "kf_wx": k.wx, "invite_status": k.invite_status(now_ms)}))
            .collect();
        json!({
            "now": now_ms / 1000,
            "clock_offset_ms": self.clock_offset_ms,
            "sessions": sessions,
            "wait_queue": self.wait,
            "users": users,
            "kf_accounts": kfs,
            "record_count": self.records.len(),
            "settings": self.settings,
        })
    }
}
