//! The emulated account: every rule of the API, applied to in-memory state under one lock.
//!
//! Methods take a parsed [`Req`] and return the success JSON or an [`ApiError`]; they never
//! panic on input. Pushes they cause are queued in `outbox` for the HTTP layer to send after
//! the lock is released.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::IpAddr;

use rand::distributions::Alphanumeric;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Map, Value};
use wxkf::error::ErrorCode;

use crate::crypto::cdata;
use crate::records::{china_day, RecordStore, DAY};
use crate::Config;

const HOUR_MS: i64 = 3_600_000;
const WINDOW_MS: i64 = 48 * HOUR_MS;
const TYPING_NEEDS_EXCHANGE_MS: i64 = 30_000;
const TYPING_LASTS_MS: i64 = 15_000;
const MAX_LOG: usize = 100_000;
/// Longest text message content, in characters.
pub const MAX_TEXT_CHARS: usize = 2048;

/// An API error: errcode plus an optional hint appended to the catalogue's meaning.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// WeChat errcode.
    pub code: i64,
    /// Extra detail for humans.
    pub detail: Option<String>,
}

/// Shorthand for an error without detail.
pub fn e(code: i64) -> ApiError {
    ApiError { code, detail: None }
}

/// Shorthand for an error with a hint.
pub fn ed(code: i64, detail: impl Into<String>) -> ApiError {
    ApiError { code, detail: Some(detail.into()) }
}

impl ApiError {
    /// The `{"errcode","errmsg"}` body.
    pub fn body(&self) -> Value {
        let meaning = if self.code == -1 { "system error" } else { ErrorCode::from_errcode(self.code).meaning() };
        let errmsg = match &self.detail {
            Some(d) => format!("{meaning} hint: [{d}] rid: emulator"),
            None => format!("{meaning} rid: emulator"),
        };
        json!({ "errcode": self.code, "errmsg": errmsg })
    }
}

/// Result of an API operation.
pub type ApiResult = Result<Value, ApiError>;

/// `{"errcode":0,"errmsg":"ok"}`.
pub fn ok() -> Value {
    json!({"errcode": 0, "errmsg": "ok"})
}

/// One parsed request as the state sees it.
pub struct Req<'a> {
    /// Decoded query pairs.
    pub query: &'a [(String, String)],
    /// The raw query string (to spot `%40`).
    pub raw_query: &'a str,
    /// The raw body.
    pub body: &'a [u8],
    /// The caller's IP.
    pub ip: IpAddr,
}

impl Req<'_> {
    fn q(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Runtime-changeable settings.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub response_limit: u32,
    pub token_grace_secs: i64,
    pub token_expires_in: i64,
    pub classic_daily_quota: u32,
    pub stable_force_daily_quota: u32,
    pub stable_force_min_interval_secs: i64,
    pub ip_allowlist: Option<Vec<String>>,
    pub media_check: bool,
    pub media_prefix: String,
    pub kf_limit: usize,
    pub webhook_url: Option<String>,
    pub queue_on_message: bool,
    pub invite_expire_secs: i64,
}

impl Settings {
    pub fn from_config(c: &Config) -> Self {
        Self {
            response_limit: c.response_limit,
            token_grace_secs: c.token_grace_secs,
            token_expires_in: c.token_expires_in,
            classic_daily_quota: c.classic_daily_quota,
            stable_force_daily_quota: c.stable_force_daily_quota,
            stable_force_min_interval_secs: c.stable_force_min_interval_secs,
            ip_allowlist: c.ip_allowlist.clone(),
            media_check: c.media_check,
            media_prefix: c.media_prefix.clone(),
            kf_limit: c.kf_limit,
            webhook_url: c.webhook_url.clone(),
            queue_on_message: c.queue_on_message,
            invite_expire_secs: c.invite_expire_secs,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum TokenKind {
    Classic,
    Stable,
}

struct TokenInfo {
    expires_at_ms: i64,
    superseded_at_ms: Option<i64>,
    invalidated: bool,
}

struct Invite {
    wx: String,
    expire_ms: i64,
    rejected: bool,
}

struct Kf {
    account: String,
    nick: String,
    id: u64,
    headimg: String,
    wx: Option<String>,
    invite: Option<Invite>,
    online: bool,
}

impl Kf {
    /// "waiting" | "rejected" | "expired" for a not-yet-accepted invitation.
    fn invite_status(&self, now_ms: i64) -> Option<&'static str> {
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

#[derive(Default)]
struct User {
    subscribed: bool,
    last_interaction_ms: i64,
    last_exchange_ms: i64,
    kf_since_reply: u32,
    typing_until_ms: i64,
}

struct Session {
    kf: String,
    created: i64,
}

#[derive(Serialize, Clone)]
struct Waiting {
    openid: String,
    latest_time: i64,
}

/// One message a kf sent (the delivery log).
#[derive(Serialize, Clone)]
pub struct Delivery {
    pub touser: String,
    pub msgtype: String,
    pub body: Value,
    pub time: i64,
    pub kf_account: String,
}

#[derive(Serialize, Clone)]
struct TokenFetch {
    kind: TokenKind,
    force_refresh: bool,
    time: i64,
    errcode: i64,
}

/// A push to send to the webhook.
#[derive(Debug, Clone)]
pub struct PushJob {
    pub openid: String,
    /// "text", "event:subscribe", "event:kf_create_session", ...
    pub kind: String,
    pub xml: String,
}

/// A fault kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FaultKind {
    Busy,
    /// Answer with this status and raw body, without applying (a malformed response).
    Body {
        status: u16,
        body: String,
    },
    HttpStatus {
        status: u16,
    },
    LatencyMs {
        ms: u64,
    },
    ResetBefore,
    ResetAfter,
    InvalidateToken,
    Quota,
}

/// An injected fault.
#[derive(Debug, Clone, Serialize)]
pub struct FaultRule {
    pub path: String,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Calls left; `None` = until cleared.
    pub remaining: Option<u64>,
    /// Matching calls to let through before the fault starts firing (a mid-stream failure).
    pub after: u64,
}

/// All mutable state.
pub struct State {
    pub settings: Settings,
    appid: String,
    secret: String,
    account_id: String,
    clock_offset_ms: i64,
    rng: StdRng,
    tokens: HashMap<String, TokenInfo>,
    last_classic: Option<String>,
    stable: Option<String>,
    classic_quota: (i64, u32),
    force_quota: (i64, u32),
    last_force_ms: Option<i64>,
    kfs: Vec<Kf>,
    next_kf_id: u64,
    bound_too_many: HashSet<String>,
    media: HashSet<String>,
    users: HashMap<String, User>,
    sessions: HashMap<String, Session>,
    wait: Vec<Waiting>,
    next_msgid: u64,
    pub records: RecordStore,
    deliveries: VecDeque<Delivery>,
    token_log: VecDeque<TokenFetch>,
    pub push_log: VecDeque<Value>,
    pub faults: Vec<FaultRule>,
    /// Pushes caused by the last operation.
    pub outbox: Vec<PushJob>,
}

fn body_obj(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(e(44002));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ed(47001, "body is not a JSON object")),
        Err(_) => Err(ed(47001, "body is not valid JSON")),
    }
}

fn opt_str<'a>(m: &'a Map<String, Value>, k: &str) -> Result<Option<&'a str>, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ed(47001, format!("{k} must be a string"))),
    }
}

fn req_str<'a>(m: &'a Map<String, Value>, k: &str, missing: i64) -> Result<&'a str, ApiError> {
    opt_str(m, k)?.ok_or_else(|| ed(missing, format!("missing {k}")))
}

fn opt_i64(m: &Map<String, Value>, k: &str) -> Result<Option<i64>, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| ed(47001, format!("{k} must be an integer"))),
    }
}

fn check_account_form(a: &str) -> Result<(), ApiError> {
    let Some((prefix, wxid)) = a.split_once('@') else {
        return Err(ed(65401, "kf_account must be prefix@wechat_id"));
    };
    if wxid.is_empty() || wxid.contains('@') {
        return Err(ed(65401, "kf_account must be prefix@wechat_id"));
    }
    if prefix.is_empty() || prefix.len() > 10 || !prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ed(65404, "prefix must be 1-10 ASCII letters or digits"));
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
fn valid_wechat_id(wx: &str) -> bool {
    let len = wx.chars().count();
    (6..=20).contains(&len)
        && wx.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && wx.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

const MSGTYPES: [&str; 11] = [
    "text",
    "image",
    "voice",
    "video",
    "music",
    "news",
    "mpnews",
    "mpnewsarticle",
    "msgmenu",
    "wxcard",
    "miniprogrampage",
];

impl State {
    /// Fresh state from the start-up config.
    pub fn new(c: &Config) -> Self {
        let rng = match c.seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_entropy(),
        };
        Self {
            settings: Settings::from_config(c),
            appid: c.appid.clone(),
            secret: c.secret.clone(),
            account_id: c.account_id.clone(),
            clock_offset_ms: 0,
            rng,
            tokens: HashMap::new(),
            last_classic: None,
            stable: None,
            classic_quota: (0, 0),
            force_quota: (0, 0),
            last_force_ms: None,
            kfs: Vec::new(),
            next_kf_id: 1001,
            bound_too_many: HashSet::new(),
            media: HashSet::new(),
            users: HashMap::new(),
            sessions: HashMap::new(),
            wait: Vec::new(),
            next_msgid: 1,
            records: RecordStore::default(),
            deliveries: VecDeque::new(),
            token_log: VecDeque::new(),
            push_log: VecDeque::new(),
            faults: Vec::new(),
            outbox: Vec::new(),
        }
    }

    // ---------------------------------------------------------------- clock

    /// Emulator time in milliseconds.
    pub fn now_ms(&self) -> i64 {
        let real =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        real.saturating_add(self.clock_offset_ms)
    }

    /// Emulator time in seconds.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves the clock forward.
    pub fn advance(&mut self, secs: f64) {
        self.clock_offset_ms = self.clock_offset_ms.saturating_add((secs * 1000.0) as i64);
    }

    /// Current clock offset in milliseconds.
    pub fn clock_offset_ms(&self) -> i64 {
        self.clock_offset_ms
    }

    // ---------------------------------------------------------------- tokens

    fn new_token(&mut self) -> String {
        (&mut self.rng).sample_iter(&Alphanumeric).take(96).map(char::from).collect()
    }

    fn log_token(&mut self, kind: TokenKind, force_refresh: bool, errcode: i64) {
        let time = self.now();
        push_capped(&mut self.token_log, TokenFetch { kind, force_refresh, time, errcode });
    }

    fn check_credentials(
        &self,
        grant: Option<&str>,
        appid: Option<&str>,
        secret: Option<&str>,
        ip: IpAddr,
    ) -> Result<(), ApiError> {
        match grant {
            Some("client_credential") => {}
            _ => return Err(ed(40002, "grant_type must be client_credential")),
        }
        let appid = appid.ok_or_else(|| e(41002))?;
        let secret = secret.ok_or_else(|| e(41004))?;
        if appid != self.appid {
            return Err(e(40013));
        }
        if secret != self.secret {
            return Err(e(40125));
        }
        if let Some(list) = &self.settings.ip_allowlist {
            let ip = ip.to_string();
            if !list.contains(&ip) {
                return Err(ed(40164, format!("invalid ip {ip}, not in whitelist")));
            }
        }
        Ok(())
    }

    /// GET /cgi-bin/token
    pub fn token_classic(&mut self, r: &Req) -> ApiResult {
        let res = self.token_classic_inner(r);
        let code = res.as_ref().err().map_or(0, |e| e.code);
        self.log_token(TokenKind::Classic, false, code);
        res
    }

    fn token_classic_inner(&mut self, r: &Req) -> ApiResult {
        let nz = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_string);
        let (g, a, s) = (nz(r.q("grant_type")), nz(r.q("appid")), nz(r.q("secret")));
        self.check_credentials(g.as_deref(), a.as_deref(), s.as_deref(), r.ip)?;
        let now = self.now_ms();
        let today = china_day(now / 1000);
        if self.classic_quota.0 != today {
            self.classic_quota = (today, 0);
        }
        if self.classic_quota.1 >= self.settings.classic_daily_quota {
            return Err(ed(45009, "reach max api daily quota limit"));
        }
        self.classic_quota.1 += 1;
        let token = self.new_token();
        if let Some(prev) = self.last_classic.take() {
            if let Some(info) = self.tokens.get_mut(&prev) {
                info.superseded_at_ms.get_or_insert(now);
            }
        }
        let expires_in = self.settings.token_expires_in;
        self.tokens.insert(
            token.clone(),
            TokenInfo {
                expires_at_ms: now.saturating_add(expires_in.saturating_mul(1000)),
                superseded_at_ms: None,
                invalidated: false,
            },
        );
        self.last_classic = Some(token.clone());
        Ok(json!({"access_token": token, "expires_in": expires_in}))
    }

    /// POST /cgi-bin/stable_token
    pub fn token_stable(&mut self, r: &Req) -> ApiResult {
        let force = serde_json::from_slice::<Value>(r.body)
            .ok()
            .and_then(|v| v.get("force_refresh").and_then(Value::as_bool))
            .unwrap_or(false);
        let res = self.token_stable_inner(r);
        let code = res.as_ref().err().map_or(0, |e| e.code);
        self.log_token(TokenKind::Stable, force, code);
        res
    }

    fn token_stable_inner(&mut self, r: &Req) -> ApiResult {
        let m = body_obj(r.body)?;
        let grant = opt_str(&m, "grant_type")?;
        let appid = opt_str(&m, "appid")?;
        let secret = opt_str(&m, "secret")?;
        let force = match m.get("force_refresh") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(ed(47001, "force_refresh must be a boolean")),
        };
        self.check_credentials(grant, appid, secret, r.ip)?;
        let now = self.now_ms();
        let current = self.stable.clone().filter(|t| {
            self.tokens.get(t).is_some_and(|i| !i.invalidated && i.superseded_at_ms.is_none() && now < i.expires_at_ms)
        });
        if force {
            let today = china_day(now / 1000);
            if self.force_quota.0 != today {
                self.force_quota = (today, 0);
            }
            if self.force_quota.1 >= self.settings.stable_force_daily_quota {
                return Err(ed(45009, "force_refresh daily quota reached"));
            }
            if let Some(last) = self.last_force_ms {
                if now.saturating_sub(last) < self.settings.stable_force_min_interval_secs.saturating_mul(1000) {
                    return Err(ed(45011, "force_refresh too frequent"));
                }
            }
            self.force_quota.1 += 1;
            self.last_force_ms = Some(now);
            if let Some(old) = &current {
                if let Some(info) = self.tokens.get_mut(old) {
                    info.invalidated = true;
                }
            }
        } else if let Some(tok) = current {
            let left = self.tokens.get(&tok).map_or(0, |i| (i.expires_at_ms - now).div_euclid(1000).max(0));
            return Ok(json!({"access_token": tok, "expires_in": left}));
        }
        let token = self.new_token();
        let expires_in = self.settings.token_expires_in;
        self.tokens.insert(
            token.clone(),
            TokenInfo {
                expires_at_ms: now.saturating_add(expires_in.saturating_mul(1000)),
                superseded_at_ms: None,
                invalidated: false,
            },
        );
        self.stable = Some(token.clone());
        Ok(json!({"access_token": token, "expires_in": expires_in}))
    }

    /// Checks the `access_token` query parameter.
    pub fn auth(&self, r: &Req) -> Result<(), ApiError> {
        let tok = r.q("access_token").filter(|s| !s.is_empty()).ok_or_else(|| e(41001))?;
        let info = self.tokens.get(tok).ok_or_else(|| e(40014))?;
        let now = self.now_ms();
        if info.invalidated {
            return Err(ed(40001, "access_token is invalid or not latest"));
        }
        if let Some(s) = info.superseded_at_ms {
            if now >= s.saturating_add(self.settings.token_grace_secs.saturating_mul(1000)) {
                return Err(ed(40001, "access_token is invalid or not latest"));
            }
        }
        if now >= info.expires_at_ms {
            return Err(e(42001));
        }
        Ok(())
    }

    /// Invalidates every access token (fault `invalidate_token`).
    pub fn invalidate_all_tokens(&mut self) {
        for info in self.tokens.values_mut() {
            info.invalidated = true;
        }
    }

    // ---------------------------------------------------------------- kf accounts

    fn kf(&self, account: &str) -> Option<&Kf> {
        self.kfs.iter().find(|k| k.account == account)
    }

    fn kf_mut(&mut self, account: &str) -> Option<&mut Kf> {
        self.kfs.iter_mut().find(|k| k.account == account)
    }

    /// The kf_account of the query, rejecting an encoded `@`.
    fn query_account(&self, r: &Req) -> Result<String, ApiError> {
        if r.raw_query.to_ascii_lowercase().contains("%40") {
            return Err(ed(65401, "kf_account must carry a raw '@', not %40"));
        }
        let a = r.q("kf_account").filter(|s| !s.is_empty()).ok_or_else(|| ed(41011, "missing kf_account"))?;
        Ok(a.to_string())
    }

    fn existing_kf(&self, account: &str) -> Result<&Kf, ApiError> {
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

    /// GET /customservice/kfaccount/del
    pub fn kf_del(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let account = self.query_account(r)?;
        self.existing_kf(&account)?;
        let served: Vec<String> =
            self.sessions.iter().filter(|(_, s)| s.kf == account).map(|(o, _)| o.clone()).collect();
        let now = self.now();
        for openid in served {
            self.sessions.remove(&openid);
            self.records.add(now, &openid, 1004, "", &account);
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

    /// Stores an uploaded avatar.
    pub fn kf_upload_apply(&mut self, account: &str, data: Option<&[u8]>) -> ApiResult {
        let data = data.ok_or_else(|| ed(41005, "multipart field `media` missing"))?;
        let jpeg = data.starts_with(&[0xFF, 0xD8]);
        let png = data.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        if !jpeg && !png {
            return Err(ed(40005, "media must be a JPEG or PNG image"));
        }
        let now = self.now();
        let k = self.kf_mut(account).ok_or_else(|| e(65401))?;
        k.headimg =
            format!("http://mmbiz.emulator.invalid/headimg/{}/{}.{}", k.id, now, if jpeg { "jpg" } else { "png" });
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

    // ---------------------------------------------------------------- messages

    fn check_media(&self, id: &str) -> Result<(), ApiError> {
        if !self.settings.media_check
            || (!self.settings.media_prefix.is_empty() && id.starts_with(&self.settings.media_prefix))
            || self.media.contains(id)
        {
            Ok(())
        } else {
            Err(ed(40007, format!("invalid media_id {id}")))
        }
    }

    fn validate_payload(&self, msgtype: &str, p: &Map<String, Value>) -> Result<(), ApiError> {
        let media = |k: &str| -> Result<(), ApiError> { self.check_media(req_str(p, k, 41006)?) };
        let field = |k: &str| -> Result<(), ApiError> { req_str(p, k, 41011).map(|_| ()) };
        let optional = |ks: &[&str]| -> Result<(), ApiError> {
            for k in ks {
                opt_str(p, k)?;
            }
            Ok(())
        };
        match msgtype {
            "text" => {
                let c = req_str(p, "content", 41011)?;
                if c.chars().count() > MAX_TEXT_CHARS {
                    return Err(ed(45002, format!("content over {MAX_TEXT_CHARS} characters")));
                }
                Ok(())
            }
            "image" | "voice" | "mpnews" => media("media_id"),
            "video" => {
                optional(&["title", "description"])?;
                req_str(p, "media_id", 41006)?;
                req_str(p, "thumb_media_id", 41006)?;
                media("media_id")?;
                media("thumb_media_id")
            }
            "music" => {
                optional(&["title", "description"])?;
                field("musicurl")?;
                field("hqmusicurl")?;
                media("thumb_media_id")
            }
            "news" => {
                let arts = match p.get("articles") {
                    None | Some(Value::Null) => return Err(ed(41011, "missing articles")),
                    Some(Value::Array(a)) => a,
                    Some(_) => return Err(ed(47001, "articles must be an array")),
                };
                if arts.is_empty() {
                    return Err(ed(41011, "articles is empty"));
                }
                if arts.len() > 1 {
                    return Err(ed(45008, "a news message holds exactly one article"));
                }
                for a in arts {
                    let a = a.as_object().ok_or_else(|| ed(47001, "article must be an object"))?;
                    req_str(a, "title", 41011)?;
                    req_str(a, "url", 41011)?;
                    opt_str(a, "description")?;
                    opt_str(a, "picurl")?;
                }
                Ok(())
            }
            "mpnewsarticle" => field("article_id"),
            "msgmenu" => {
                optional(&["head_content", "tail_content"])?;
                let list = match p.get("list") {
                    None | Some(Value::Null) => return Err(ed(41011, "missing list")),
                    Some(Value::Array(a)) => a,
                    Some(_) => return Err(ed(47001, "list must be an array")),
                };
                if list.is_empty() {
                    return Err(ed(41011, "list is empty"));
                }
                for item in list {
                    let item = item.as_object().ok_or_else(|| ed(47001, "list item must be an object"))?;
                    req_str(item, "id", 41011)?;
                    req_str(item, "content", 41011)?;
                }
                Ok(())
            }
            "wxcard" => field("card_id"),
            "miniprogrampage" => {
                field("title")?;
                field("appid")?;
                field("pagepath")?;
                media("thumb_media_id")
            }
            _ => Err(ed(47001, format!("unknown msgtype {msgtype}"))),
        }
    }

    /// POST /cgi-bin/message/custom/send
    pub fn send(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let m = body_obj(r.body)?;
        let touser = req_str(&m, "touser", 41009)?.to_string();
        let msgtype = req_str(&m, "msgtype", 41011)?.to_string();
        if !MSGTYPES.contains(&msgtype.as_str()) {
            return Err(ed(47001, format!("unknown msgtype {msgtype}")));
        }
        let payload = match m.get(&msgtype) {
            None | Some(Value::Null) => return Err(ed(41011, format!("missing {msgtype} object"))),
            Some(Value::Object(p)) => p,
            Some(_) => return Err(ed(47001, format!("{msgtype} must be an object"))),
        };
        self.validate_payload(&msgtype, payload)?;
        let named_kf = match m.get("customservice") {
            None | Some(Value::Null) => None,
            Some(Value::Object(cs)) => opt_str(cs, "kf_account")?.map(str::to_string),
            Some(_) => return Err(ed(47001, "customservice must be an object")),
        };
        if let Some(kf) = &named_kf {
            self.existing_kf(kf)?;
        }
        let now = self.now_ms();
        let limit = self.settings.response_limit;
        let user = self.users.get_mut(&touser).ok_or_else(|| e(40003))?;
        if !user.subscribed {
            return Err(e(43004));
        }
        if now.saturating_sub(user.last_interaction_ms) > WINDOW_MS {
            return Err(e(45015));
        }
        if limit > 0 && user.kf_since_reply >= limit {
            return Err(e(45047));
        }
        user.kf_since_reply = user.kf_since_reply.saturating_add(1);
        user.last_exchange_ms = now;
        user.typing_until_ms = 0;
        let worker = named_kf.or_else(|| self.sessions.get(&touser).map(|s| s.kf.clone())).unwrap_or_default();
        let text = match msgtype.as_str() {
            "text" => payload.get("content").and_then(Value::as_str).unwrap_or("").to_string(),
            other => format!("[{other}]"),
        };
        let t = now / 1000;
        self.records.add(t, &touser, 2002, &text, &worker);
        push_capped(
            &mut self.deliveries,
            Delivery { touser, msgtype, body: Value::Object(m), time: t, kf_account: worker },
        );
        Ok(ok())
    }

    /// POST /cgi-bin/message/custom/typing
    pub fn typing(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let m = body_obj(r.body)?;
        let touser = req_str(&m, "touser", 41009)?;
        let command = req_str(&m, "command", 41011)?;
        if command != "Typing" && command != "CancelTyping" {
            return Err(ed(47001, "command must be Typing or CancelTyping"));
        }
        let now = self.now_ms();
        let user = self.users.get_mut(touser).ok_or_else(|| e(40003))?;
        if command == "CancelTyping" {
            user.typing_until_ms = 0;
            return Ok(ok());
        }
        if now.saturating_sub(user.last_exchange_ms) > TYPING_NEEDS_EXCHANGE_MS {
            return Err(ed(45015, "no message exchanged with the user in the last 30 s"));
        }
        if now < user.typing_until_ms {
            return Err(ed(45011, "typing state already active"));
        }
        user.typing_until_ms = now + TYPING_LASTS_MS;
        Ok(ok())
    }

    // ---------------------------------------------------------------- users, pushes

    fn base_xml(&self, openid: &str, now: i64, msgtype: &str) -> String {
        format!(
            "<ToUserName>{}</ToUserName><FromUserName>{}</FromUserName><CreateTime>{}</CreateTime><MsgType>{}</MsgType>",
            cdata(&self.account_id),
            cdata(openid),
            now,
            cdata(msgtype)
        )
    }

    fn event_push(&mut self, openid: &str, event: &str, extra: &str) {
        let now = self.now();
        let xml = format!("<xml>{}<Event>{}</Event>{}</xml>", self.base_xml(openid, now, "event"), cdata(event), extra);
        self.outbox.push(PushJob { openid: openid.to_string(), kind: format!("event:{event}"), xml });
    }

    fn enqueue_wait(&mut self, openid: &str, now: i64) -> bool {
        if let Some(w) = self.wait.iter_mut().find(|w| w.openid == openid) {
            w.latest_time = now;
            return false;
        }
        self.wait.push(Waiting { openid: openid.to_string(), latest_time: now });
        self.records.add(now, openid, 1000, "", "");
        true
    }

    /// A user writes in (admin). Returns the record id and the push to send.
    pub fn user_message(&mut self, openid: &str, msgtype: &str, content: &str) -> (u64, PushJob) {
        let now_ms = self.now_ms();
        let now = now_ms / 1000;
        let u = self.users.entry(openid.to_string()).or_default();
        u.subscribed = true;
        u.last_interaction_ms = now_ms;
        u.last_exchange_ms = now_ms;
        u.kf_since_reply = 0;
        let record = if let Some(s) = self.sessions.get(openid) {
            let kf = s.kf.clone();
            self.records.add(now, openid, 2003, content, &kf)
        } else {
            let id = self.records.add(now, openid, 2001, content, "");
            if self.settings.queue_on_message {
                self.enqueue_wait(openid, now);
            }
            id
        };
        let msgid = self.next_msgid;
        self.next_msgid += 1;
        let body = if msgtype == "text" {
            format!("<Content>{}</Content>", cdata(content))
        } else {
            format!("<MediaId>{}</MediaId>", cdata(content))
        };
        let xml = format!("<xml>{}{}<MsgId>{}</MsgId></xml>", self.base_xml(openid, now, msgtype), body, msgid);
        (record, PushJob { openid: openid.to_string(), kind: msgtype.to_string(), xml })
    }

    /// A user event (admin): subscribe, unsubscribe, CLICK, SCAN, ...
    pub fn user_event(&mut self, openid: &str, event: &str, event_key: Option<&str>) -> PushJob {
        let now_ms = self.now_ms();
        let u = self.users.entry(openid.to_string()).or_default();
        if event == "unsubscribe" {
            u.subscribed = false;
        } else {
            u.subscribed = true;
            u.last_interaction_ms = now_ms;
        }
        let extra = event_key.map(|k| format!("<EventKey>{}</EventKey>", cdata(k))).unwrap_or_default();
        let now = now_ms / 1000;
        let xml = format!("<xml>{}<Event>{}</Event>{}</xml>", self.base_xml(openid, now, "event"), cdata(event), extra);
        PushJob { openid: openid.to_string(), kind: format!("event:{event}"), xml }
    }

    /// Applies the webhook's passive reply to a user message. Returns what was done.
    pub fn apply_reply(&mut self, openid: &str, msgtype: &str, reply_xml: &str) -> Value {
        let now = self.now();
        match msgtype {
            "transfer_customer_service" => {
                let target = crate::crypto::xml_field(reply_xml, "KfAccount").filter(|s| !s.is_empty());
                if let Some(kf) = target {
                    let online = self.kf(&kf).is_some_and(|k| k.online);
                    if online && self.users.contains_key(openid) {
                        if let Some(s) = self.sessions.get(openid) {
                            return json!({"action": "already_in_session", "kf_account": s.kf});
                        }
                        self.wait.retain(|w| w.openid != openid);
                        self.sessions.insert(openid.to_string(), Session { kf: kf.clone(), created: now });
                        self.records.add(now, openid, 1003, "", &kf);
                        self.event_push(openid, "kf_create_session", &format!("<KfAccount>{}</KfAccount>", cdata(&kf)));
                        return json!({"action": "session_created", "kf_account": kf});
                    }
                }
                if self.sessions.contains_key(openid) {
                    return json!({"action": "already_in_session"});
                }
                self.enqueue_wait(openid, now);
                json!({"action": "queued"})
            }
            "text" => {
                let content = crate::crypto::xml_field(reply_xml, "Content").unwrap_or_default();
                self.records.add(now, openid, 2002, &content, "");
                push_capped(
                    &mut self.deliveries,
                    Delivery {
                        touser: openid.to_string(),
                        msgtype: "text".into(),
                        body: json!({"passive_reply": true, "touser": openid, "msgtype": "text", "text": {"content": content}}),
                        time: now,
                        kf_account: String::new(),
                    },
                );
                json!({"action": "recorded_text"})
            }
            _ => json!({"action": "ignored"}),
        }
    }

    // ---------------------------------------------------------------- sessions

    /// POST /customservice/kfsession/create
    pub fn session_create(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let m = body_obj(r.body)?;
        let kf = req_str(&m, "kf_account", 41011)?.to_string();
        let openid = req_str(&m, "openid", 41009)?.to_string();
        if !self.existing_kf(&kf)?.online {
            return Err(e(65415));
        }
        if !self.users.contains_key(&openid) {
            return Err(e(40003));
        }
        if let Some(s) = self.sessions.get(&openid) {
            if s.kf == kf {
                return Ok(ok());
            }
            return Err(e(65414));
        }
        let now = self.now();
        let was_waiting = self.wait.iter().any(|w| w.openid == openid);
        self.wait.retain(|w| w.openid != openid);
        self.sessions.insert(openid.clone(), Session { kf: kf.clone(), created: now });
        self.records.add(now, &openid, if was_waiting { 1001 } else { 1002 }, "", &kf);
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
        self.records.add(now, &openid, 1004, "", &kf);
        self.event_push(&openid, "kf_close_session", &format!("<KfAccount>{}</KfAccount>", cdata(&kf)));
        Ok(ok())
    }

    /// Moves a session to another kf (admin); pushes kf_switch_session.
    pub fn session_switch(&mut self, openid: &str, to: &str) -> Result<(), ApiError> {
        let from = self.sessions.get(openid).map(|s| s.kf.clone()).ok_or_else(|| e(65413))?;
        if !self.existing_kf(to)?.online {
            return Err(e(65415));
        }
        let now = self.now();
        self.sessions.insert(openid.to_string(), Session { kf: to.to_string(), created: now });
        self.records.add(now, openid, 1003, "", to);
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

    // ---------------------------------------------------------------- records

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

    // ---------------------------------------------------------------- admin helpers

    /// Sets a kf online or offline.
    pub fn set_online(&mut self, kf: &str, online: bool) -> Result<(), ApiError> {
        let k = self.kf_mut(kf).ok_or_else(|| e(65401))?;
        k.online = online;
        Ok(())
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
            .map(|(o, s)| json!({"openid": o, "kf_account": s.kf, "createtime": s.created}))
            .collect();
        sessions.sort_by_key(|v| v.get("openid").and_then(Value::as_str).unwrap_or("").to_string());
        let mut users: Vec<Value> = self
            .users
            .iter()
            .map(|(o, u)| {
                json!({"openid": o, "subscribed": u.subscribed,
                    "last_interaction": u.last_interaction_ms / 1000,
                    "kf_messages_since_reply": u.kf_since_reply,
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

    /// Takes the faults that fire for `path`, counting them down.
    pub fn take_faults(&mut self, path: &str) -> Vec<FaultKind> {
        let mut fired = Vec::new();
        for f in self.faults.iter_mut() {
            if f.path == path || f.path == "*" {
                if f.after > 0 {
                    f.after -= 1;
                    continue;
                }
                fired.push(f.kind.clone());
                if let Some(n) = f.remaining.as_mut() {
                    *n = n.saturating_sub(1);
                }
            }
        }
        self.faults.retain(|f| f.remaining != Some(0));
        if fired.contains(&FaultKind::InvalidateToken) {
            self.invalidate_all_tokens();
        }
        fired
    }
}

fn push_capped<T>(q: &mut VecDeque<T>, item: T) {
    if q.len() >= MAX_LOG {
        q.pop_front();
    }
    q.push_back(item);
}
