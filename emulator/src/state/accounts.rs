//! kf accounts: add, update, delete, invitations, avatars and the two lists.

use serde_json::{json, Value};

use super::errors::{e, ed, ok, ApiError, ApiResult};
use super::request::{body_obj, req_str, Req};
use super::State;

/// Largest avatar accepted: "at most 5 MB", read as 5 MiB (the same bound core applies).
pub const MAX_AVATAR_BYTES: usize = 5 * 1024 * 1024;

pub(super) struct Invite {
    pub(super) wx: String,
    pub(super) expire_ms: i64,
    pub(super) rejected: bool,
}

pub(super) struct Kf {
    pub(super) account: String,
    pub(super) nick: String,
    pub(super) id: u64,
    pub(super) headimg: String,
    pub(super) wx: Option<String>,
    pub(super) invite: Option<Invite>,
    pub(super) online: bool,
}

impl Kf {
    /// "waiting" | "rejected" | "expired" for a not-yet-accepted invitation.
    pub(super) fn invite_status(&self, now_ms: i64) -> Option<&'static str> {
        let inv = self.invite.as_ref()?;
        Some(if inv.rejected {
            "rejected"
        } else if now_ms >= inv.expire_ms {
            "expired"
        } else {
            "waiting"
        })
    }
}

/// `prefix@wechat_id`: a prefix of 1–10 English letters, digits or underscores, an id of 1–30
/// characters.
fn check_account_form(a: &str) -> Result<(), ApiError> {
    let Some((prefix, wxid)) = a.split_once('@') else {
        return Err(ed(65401, "kf_account must be prefix@wechat_id"));
    };
    if wxid.is_empty() || wxid.contains('@') {
        return Err(ed(65401, "kf_account must be prefix@wechat_id"));
    }
    if wxid.chars().count() > 30 {
        return Err(ed(65401, "the part after @ is at most 30 characters"));
    }
    if prefix.is_empty() || prefix.len() > 10 || !prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(ed(65404, "prefix must be 1-10 English letters, digits or underscores"));
    }
    Ok(())
}

fn check_nickname(n: &str) -> Result<(), ApiError> {
    let c = n.chars().count();
    if c == 0 || c > 16 {
        return Err(ed(65403, "nickname must be 1-16 characters"));
    }
    Ok(())
}

/// WeChat id: 6–20 characters, a letter first, then letters, digits, `_` or `-`.
pub(super) fn valid_wechat_id(wx: &str) -> bool {
    let len = wx.chars().count();
    (6..=20).contains(&len)
        && wx.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && wx.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl State {
    pub(super) fn kf(&self, account: &str) -> Option<&Kf> {
        self.kfs.iter().find(|k| k.account == account)
    }

    pub(super) fn kf_mut(&mut self, account: &str) -> Option<&mut Kf> {
        self.kfs.iter_mut().find(|k| k.account == account)
    }

    /// The kf_account of the query, rejecting an encoded `@`.
    pub(super) fn query_account(&self, r: &Req) -> Result<String, ApiError> {
        if r.raw_query.to_ascii_lowercase().contains("%40") {
            return Err(ed(65401, "kf_account must carry a raw '@', not %40"));
        }
        let a = r.q("kf_account").filter(|s| !s.is_empty()).ok_or_else(|| ed(41011, "missing kf_account"))?;
        Ok(a.to_string())
    }

    pub(super) fn existing_kf(&self, account: &str) -> Result<&Kf, ApiError> {
        self.kf(account).ok_or_else(|| ed(65401, format!("unknown kf account {account}")))
    }

    /// POST /customservice/kfaccount/add
    pub fn kf_add(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let m = body_obj(r.body)?;
        let account = req_str(&m, "kf_account", 41011)?;
        let nick = req_str(&m, "nickname", 41011)?;
        check_account_form(account)?;
        check_nickname(nick)?;
        if self.kf(account).is_some() {
            return Err(e(65406));
        }
        if self.kfs.len() >= self.settings.kf_limit {
            return Err(e(65405));
        }
        let id = self.next_kf_id;
        self.next_kf_id += 1;
        self.kfs.push(Kf {
            account: account.to_string(),
            nick: nick.to_string(),
            id,
            headimg: String::new(),
            wx: None,
            invite: None,
            online: false,
        });
        Ok(ok())
    }

    /// POST /customservice/kfaccount/update
    pub fn kf_update(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let m = body_obj(r.body)?;
        let account = req_str(&m, "kf_account", 41011)?;
        let nick = req_str(&m, "nickname", 41011)?;
        self.existing_kf(account)?;
        check_nickname(nick)?;
        if let Some(k) = self.kf_mut(account) {
            k.nick = nick.to_string();
        }
        Ok(ok())
    }

    /// POST /customservice/kfaccount/del with `{"kf_account"}` (the current doc), or GET with
    /// query `kf_account` (older docs and most SDKs).
    pub fn kf_del(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let account = if r.post {
            let m = body_obj(r.body)?;
            let account = req_str(&m, "kf_account", 41011)?.to_string();
            check_account_form(&account)?;
            account
        } else {
            self.query_account(r)?
        };
        self.existing_kf(&account)?;
        let served: Vec<String> =
            self.sessions.iter().filter(|(_, s)| s.kf == account).map(|(o, _)| o.clone()).collect();
        let now = self.now();
        for openid in served {
            self.sessions.remove(&openid);
            self.legacy_record(now, &openid, 1004, &account);
        }
        self.kfs.retain(|k| k.account != account);
        Ok(ok())
    }

    /// POST /customservice/kfaccount/inviteworker
    pub fn kf_invite(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let m = body_obj(r.body)?;
        let account = req_str(&m, "kf_account", 41011)?;
        let wx = req_str(&m, "invite_wx", 41011)?;
        let now = self.now_ms();
        let kf = self.existing_kf(account)?;
        if !valid_wechat_id(wx) {
            return Err(ed(65409, "invite_wx must be a WeChat id"));
        }
        if kf.wx.is_some() {
            return Err(e(65412));
        }
        if kf.invite_status(now) == Some("waiting") {
            return Err(e(65411));
        }
        if self.kfs.iter().any(|k| k.wx.as_deref() == Some(wx)) {
            return Err(e(65407));
        }
        if self
            .kfs
            .iter()
            .any(|k| k.invite_status(now) == Some("waiting") && k.invite.as_ref().is_some_and(|i| i.wx == wx))
        {
            return Err(e(65408));
        }
        if self.bound_too_many.contains(wx) {
            return Err(e(65410));
        }
        let expire_ms = now.saturating_add(self.settings.invite_expire_secs.saturating_mul(1000));
        if let Some(k) = self.kf_mut(account) {
            k.invite = Some(Invite { wx: wx.to_string(), expire_ms, rejected: false });
        }
        Ok(ok())
    }

    /// Checks token and account before an avatar upload reads its body.
    pub fn kf_upload_check(&self, r: &Req) -> Result<String, ApiError> {
        self.auth(r)?;
        let account = self.query_account(r)?;
        self.existing_kf(&account)?;
        Ok(account)
    }

    /// Stores an uploaded avatar: a JPEG of at most [`MAX_AVATAR_BYTES`].
    pub fn kf_upload_apply(&mut self, account: &str, data: Option<&[u8]>) -> ApiResult {
        let data = data.ok_or_else(|| ed(41005, "multipart field `media` missing"))?;
        if data.len() > MAX_AVATAR_BYTES {
            return Err(ed(40006, format!("the image is {} bytes, over 5 MB", data.len())));
        }
        if !data.starts_with(&[0xFF, 0xD8]) {
            return Err(ed(40005, "the avatar must be a JPEG image"));
        }
        let now = self.now();
        let k = self.kf_mut(account).ok_or_else(|| e(65401))?;
        k.headimg = format!("http://mmbiz.emulator.invalid/headimg/{}/{}.jpg", k.id, now);
        Ok(ok())
    }

    /// GET /cgi-bin/customservice/getkflist
    pub fn kf_list(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let now = self.now_ms();
        let list: Vec<Value> = self
            .kfs
            .iter()
            .map(|k| {
                let mut o = json!({
                    "kf_account": k.account,
                    "kf_nick": k.nick,
                    "kf_id": k.id.to_string(),
                    "kf_headimgurl": k.headimg,
                });
                if let (Some(w), Some(map)) = (&k.wx, o.as_object_mut()) {
                    map.insert("kf_wx".into(), json!(w));
                }
                if let (Some(inv), Some(status), Some(map)) = (&k.invite, k.invite_status(now), o.as_object_mut()) {
                    map.insert("invite_wx".into(), json!(inv.wx));
                    map.insert("invite_expire_time".into(), json!(inv.expire_ms / 1000));
                    map.insert("invite_status".into(), json!(status));
                }
                o
            })
            .collect();
        Ok(json!({ "kf_list": list }))
    }

    /// GET /cgi-bin/customservice/getonlinekflist
    pub fn kf_online_list(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let list: Vec<Value> = self
            .kfs
            .iter()
            .filter(|k| k.online)
            .map(|k| {
                let accepted = self.sessions.values().filter(|s| s.kf == k.account).count();
                json!({"kf_account": k.account, "status": 1, "kf_id": k.id, "accepted_case": accepted})
            })
            .collect();
        Ok(json!({ "kf_online_list": list }))
    }
}
