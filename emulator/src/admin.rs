//! The admin API under `/__admin/` (see README.md for every route).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State as AxState};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::json_response;
use crate::state::{ApiError, FaultKind, FaultRule, Routed, State as Emu};
use crate::Shared;

type Sh = AxState<Arc<Shared>>;

fn bad(msg: impl Into<String>) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({"error": msg.into()}))
}

fn api_bad(err: ApiError) -> Response {
    let mut body = err.body();
    if let Some(map) = body.as_object_mut() {
        map.insert("error".into(), json!("rejected"));
    }
    json_response(StatusCode::BAD_REQUEST, &body)
}

fn ok_json(v: Value) -> Response {
    json_response(StatusCode::OK, &v)
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, Box<Response>> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { body };
    serde_json::from_slice(body).map_err(|e| Box::new(bad(format!("bad admin JSON: {e}"))))
}

macro_rules! try_parse {
    ($body:expr) => {
        match parse(&$body) {
            Ok(v) => v,
            Err(resp) => return *resp,
        }
    };
}

async fn guard(AxState(sh): Sh, req: Request, next: Next) -> Response {
    if let Some(expected) = &sh.config.admin_token {
        let got = req.headers().get("x-admin-token").and_then(|v| v.to_str().ok());
        if got != Some(expected.as_str()) {
            return json_response(StatusCode::UNAUTHORIZED, &json!({"error": "missing or wrong x-admin-token"}));
        }
    }
    next.run(req).await
}

#[derive(Deserialize)]
struct UserMessage {
    openid: String,
    #[serde(default = "default_content")]
    content: String,
    #[serde(default = "default_msgtype")]
    msgtype: String,
}
fn default_content() -> String {
    "hello".into()
}
fn default_msgtype() -> String {
    "text".into()
}

async fn user_message(AxState(sh): Sh, body: Bytes) -> Response {
    let m: UserMessage = try_parse!(body);
    if m.openid.is_empty() {
        return bad("openid is required");
    }
    let routed = sh.lock().user_message(&m.openid, &m.msgtype, &m.content);
    match routed {
        Routed::Kf { kf, record } => {
            ok_json(json!({"routed": "kf", "kf_account": kf, "record_id": record, "push": null}))
        }
        Routed::Developer { job, record } => {
            let push = crate::push::deliver_and_apply(&sh, &job).await;
            // Without the legacy 2001, the message is recorded (2003) only once transferred.
            let record = record.map(Value::from).unwrap_or_else(|| push["applied"]["record_id"].clone());
            ok_json(json!({"routed": "developer", "record_id": record, "push": push}))
        }
    }
}

#[derive(Deserialize)]
struct UserEvent {
    openid: String,
    #[serde(default = "default_event")]
    event: String,
    event_key: Option<String>,
}
fn default_event() -> String {
    "subscribe".into()
}

async fn user_event(AxState(sh): Sh, body: Bytes) -> Response {
    let m: UserEvent = try_parse!(body);
    if m.openid.is_empty() {
        return bad("openid is required");
    }
    let job = sh.lock().user_event(&m.openid, &m.event, m.event_key.as_deref());
    let push = crate::push::deliver_and_apply(&sh, &job).await;
    ok_json(json!({"push": push}))
}

#[derive(Deserialize)]
struct Payment {
    openid: String,
}

async fn user_payment(AxState(sh): Sh, body: Bytes) -> Response {
    let m: Payment = try_parse!(body);
    if m.openid.is_empty() {
        return bad("openid is required");
    }
    sh.lock().user_payment(&m.openid);
    ok_json(json!({"ok": true}))
}

#[derive(Deserialize)]
struct Online {
    kf_account: String,
    #[serde(default = "yes")]
    online: bool,
}
fn yes() -> bool {
    true
}

async fn kf_online(AxState(sh): Sh, body: Bytes) -> Response {
    let m: Online = try_parse!(body);
    match sh.lock().set_online(&m.kf_account, m.online) {
        Ok(()) => ok_json(json!({"ok": true})),
        Err(e) => api_bad(e),
    }
}

#[derive(Deserialize)]
struct Bind {
    kf_account: String,
    wechat_id: Option<String>,
}

async fn kf_bind(AxState(sh): Sh, body: Bytes) -> Response {
    let m: Bind = try_parse!(body);
    match sh.lock().bind_kf(&m.kf_account, m.wechat_id.as_deref()) {
        Ok(wx) => ok_json(json!({"ok": true, "kf_wx": wx})),
        Err(e) => api_bad(e),
    }
}

#[derive(Deserialize)]
struct Invitation {
    kf_account: String,
    accept: bool,
}

async fn kf_invitation(AxState(sh): Sh, body: Bytes) -> Response {
    let m: Invitation = try_parse!(body);
    match sh.lock().answer_invitation(&m.kf_account, m.accept) {
        Ok(()) => ok_json(json!({"ok": true})),
        Err(e) => api_bad(e),
    }
}

#[derive(Deserialize)]
struct BoundLimit {
    wechat_id: String,
    #[serde(default = "yes")]
    bound: bool,
}

async fn bound_limit(AxState(sh): Sh, body: Bytes) -> Response {
    let m: BoundLimit = try_parse!(body);
    sh.lock().set_bound_too_many(&m.wechat_id, m.bound);
    ok_json(json!({"ok": true}))
}

#[derive(Deserialize)]
struct Media {
    media_ids: Vec<String>,
}

async fn media(AxState(sh): Sh, body: Bytes) -> Response {
    let m: Media = try_parse!(body);
    sh.lock().add_media(&m.media_ids);
    ok_json(json!({"ok": true, "registered": m.media_ids.len()}))
}

#[derive(Deserialize)]
struct Advance {
    secs: f64,
}

async fn clock_advance(AxState(sh): Sh, body: Bytes) -> Response {
    let m: Advance = try_parse!(body);
    if !m.secs.is_finite() || m.secs < 0.0 {
        return bad("secs must be a non-negative number");
    }
    let mut st = sh.lock();
    st.advance(m.secs);
    ok_json(json!({"now": st.now(), "offset_ms": st.clock_offset_ms()}))
}

async fn clock(AxState(sh): Sh) -> Response {
    let st = sh.lock();
    ok_json(json!({"now": st.now(), "now_ms": st.now_ms(), "offset_ms": st.clock_offset_ms()}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigPatch {
    quotas: Option<Vec<crate::quota::Quota>>,
    token_grace_secs: Option<i64>,
    token_expires_in: Option<i64>,
    classic_daily_quota: Option<u32>,
    stable_force_daily_quota: Option<u32>,
    stable_force_min_interval_secs: Option<i64>,
    /// `null` clears the list (all IPs allowed); absent leaves it.
    #[serde(default, deserialize_with = "double_option")]
    ip_allowlist: Option<Option<Vec<String>>>,
    media_check: Option<bool>,
    media_prefix: Option<String>,
    kf_limit: Option<usize>,
    #[serde(default, deserialize_with = "double_option")]
    webhook_url: Option<Option<String>>,
    invite_expire_secs: Option<i64>,
    /// `null` removes the cap; absent leaves it.
    #[serde(default, deserialize_with = "double_option")]
    max_text_chars: Option<Option<usize>>,
    legacy_opercodes: Option<bool>,
    push_timeout_ms: Option<u64>,
    push_retries: Option<u32>,
}

fn double_option<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

async fn config_get(AxState(sh): Sh) -> Response {
    ok_json(json!(sh.lock().settings))
}

async fn config_set(AxState(sh): Sh, body: Bytes) -> Response {
    let p: ConfigPatch = try_parse!(body);
    let mut st = sh.lock();
    let s = &mut st.settings;
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = p.$f { s.$f = v; } )* };
    }
    set!(
        quotas,
        token_grace_secs,
        token_expires_in,
        classic_daily_quota,
        stable_force_daily_quota,
        stable_force_min_interval_secs,
        ip_allowlist,
        media_check,
        media_prefix,
        kf_limit,
        webhook_url,
        invite_expire_secs,
        max_text_chars,
        legacy_opercodes,
        push_timeout_ms,
        push_retries
    );
    ok_json(json!(s))
}

#[derive(Deserialize)]
struct FaultReq {
    path: String,
    kind: String,
    count: Option<u64>,
    status: Option<u16>,
    ms: Option<u64>,
    after: Option<u64>,
    body: Option<String>,
}

async fn faults_add(AxState(sh): Sh, body: Bytes) -> Response {
    let f: FaultReq = try_parse!(body);
    let kind = match f.kind.as_str() {
        "busy" => FaultKind::Busy,
        "http_status" => FaultKind::HttpStatus { status: f.status.unwrap_or(502) },
        "latency_ms" | "latency" => FaultKind::LatencyMs { ms: f.ms.unwrap_or(100) },
        "reset_before" => FaultKind::ResetBefore,
        "reset_after" => FaultKind::ResetAfter,
        "invalidate_token" => FaultKind::InvalidateToken,
        "quota" => FaultKind::Quota,
        "body" => FaultKind::Body { status: f.status.unwrap_or(200), body: f.body.clone().unwrap_or_default() },
        other => return bad(format!("unknown fault kind {other}")),
    };
    if !(f.path == "*" || f.path.starts_with('/')) {
        return bad("path must be an exact path starting with / or *");
    }
    let remaining = match (&kind, f.count) {
        (_, Some(0)) | (FaultKind::LatencyMs { .. }, None) => None,
        (_, Some(n)) => Some(n),
        (_, None) => Some(1),
    };
    let rule = FaultRule { path: f.path, kind, remaining, after: f.after.unwrap_or(0) };
    let mut st = sh.lock();
    st.faults.push(rule);
    ok_json(json!({"faults": st.faults}))
}

async fn faults_list(AxState(sh): Sh) -> Response {
    ok_json(json!({"faults": sh.lock().faults}))
}

async fn faults_clear(AxState(sh): Sh, uri: axum::http::Uri) -> Response {
    let query = crate::http::parse_query(uri.query().unwrap_or(""));
    let path = query.iter().find(|(k, _)| k == "path").map(|(_, v)| v.clone());
    let mut st = sh.lock();
    match path {
        Some(p) => st.faults.retain(|f| f.path != p),
        None => st.faults.clear(),
    }
    ok_json(json!({"faults": st.faults}))
}

async fn deliveries(AxState(sh): Sh) -> Response {
    ok_json(json!({"deliveries": sh.lock().deliveries()}))
}

async fn token_fetches(AxState(sh): Sh) -> Response {
    ok_json(json!({"token_fetches": sh.lock().token_log()}))
}

async fn pushes(AxState(sh): Sh) -> Response {
    ok_json(json!({"pushes": sh.lock().push_log}))
}

#[derive(Deserialize)]
struct Bulk {
    start: i64,
    end: i64,
    count: u64,
    openids: Option<Vec<String>>,
    workers: Option<Vec<String>>,
}

async fn records_bulk(AxState(sh): Sh, body: Bytes) -> Response {
    let b: Bulk = try_parse!(body);
    if b.start < 0 || b.end > 100_000_000_000 || b.end <= b.start || b.count == 0 || b.count > 10_000_000 {
        return bad("need 0 <= start < end <= 1e11 and 1 <= count <= 10000000");
    }
    let openids =
        b.openids.filter(|v| !v.is_empty()).unwrap_or_else(|| (0..10).map(|i| format!("o_synthetic_{i}")).collect());
    let workers = b.workers.filter(|v| !v.is_empty()).unwrap_or_else(|| vec!["synth@emulator".to_string()]);
    let mut st = sh.lock();
    let opercodes: &[u16] = if st.settings.legacy_opercodes { &[2001, 2002, 2003] } else { &[2002, 2003] };
    let (first, last) = st.records.bulk(b.start, b.end, b.count, &openids, &workers, opercodes);
    ok_json(json!({"first_id": first, "last_id": last}))
}

#[derive(Deserialize)]
struct Switch {
    openid: String,
    kf_account: String,
}

async fn session_switch(AxState(sh): Sh, body: Bytes) -> Response {
    let m: Switch = try_parse!(body);
    let (res, jobs) = {
        let mut st = sh.lock();
        let res = st.session_switch(&m.openid, &m.kf_account);
        (res, std::mem::take(&mut st.outbox))
    };
    for j in jobs {
        let _ = sh.push_tx.send(j);
    }
    match res {
        Ok(()) => ok_json(json!({"ok": true})),
        Err(e) => api_bad(e),
    }
}

async fn state(AxState(sh): Sh) -> Response {
    ok_json(sh.lock().snapshot())
}

async fn reset(AxState(sh): Sh) -> Response {
    let mut st = sh.lock();
    *st = Emu::new(&sh.config);
    ok_json(json!({"ok": true}))
}

/// The `/__admin` routes.
pub fn router(sh: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/__admin/user/message", post(user_message))
        .route("/__admin/user/event", post(user_event))
        .route("/__admin/user/payment", post(user_payment))
        .route("/__admin/kf/online", post(kf_online))
        .route("/__admin/kf/invitation", post(kf_invitation))
        .route("/__admin/kf/bind", post(kf_bind))
        .route("/__admin/wechat-id/bound-limit", post(bound_limit))
        .route("/__admin/media", post(media))
        .route("/__admin/clock", get(clock))
        .route("/__admin/clock/advance", post(clock_advance))
        .route("/__admin/config", get(config_get).post(config_set))
        .route("/__admin/faults", get(faults_list).post(faults_add).delete(faults_clear))
        .route("/__admin/deliveries", get(deliveries))
        .route("/__admin/token-fetches", get(token_fetches))
        .route("/__admin/pushes", get(pushes))
        .route("/__admin/records/bulk", post(records_bulk))
        .route("/__admin/session/switch", post(session_switch))
        .route("/__admin/state", get(state))
        .route("/__admin/reset", post(reset))
        .layer(middleware::from_fn_with_state(sh, guard))
}
