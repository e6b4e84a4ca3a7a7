//! The WeChat-facing routes, the fault-injection middleware and request logging.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Multipart, Request, State as AxState};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::net::ConnMeta;
use crate::state::{e, ed, ApiResult, FaultKind, Req, State as Emu, MAX_AVATAR_BYTES};
use crate::Shared;

/// JSON response (UTF-8, not `\u` escaped), HTTP 200.
pub fn json_response(status: StatusCode, v: &Value) -> Response {
    let body = serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    resp
}

fn respond(res: ApiResult) -> Response {
    match res {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(err) => json_response(StatusCode::OK, &err.body()),
    }
}

/// Decodes `a=b&c=d` (percent-decoding; `+` is kept literally).
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode_str(k).decode_utf8_lossy().into_owned(),
                percent_decode_str(v).decode_utf8_lossy().into_owned(),
            )
        })
        .collect()
}

/// The query with credential values replaced, for logs.
pub fn redact_query(raw: &str) -> String {
    raw.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if matches!(k, "access_token" | "secret" | "appsecret") => format!("{k}=REDACTED"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

type Op = fn(&mut Emu, &Req) -> ApiResult;

async fn call(sh: Arc<Shared>, meta: ConnMeta, method: Method, uri: Uri, body: Bytes, op: Op) -> Response {
    let raw = uri.query().unwrap_or("");
    let query = parse_query(raw);
    let (res, jobs) = {
        let mut st = sh.lock();
        let req =
            Req { query: &query, raw_query: raw, body: &body, post: method == Method::POST, ip: meta.remote.ip() };
        let res = op(&mut st, &req);
        (res, std::mem::take(&mut st.outbox))
    };
    for job in jobs {
        let _ = sh.push_tx.send(job);
    }
    if let Err(err) = &res {
        tracing::debug!(path = uri.path(), errcode = err.code, "api error");
    }
    respond(res)
}

macro_rules! op {
    ($f:path) => {
        |AxState(sh): AxState<Arc<Shared>>,
         ConnectInfo(meta): ConnectInfo<ConnMeta>,
         method: Method,
         uri: Uri,
         body: Bytes| async move { call(sh, meta, method, uri, body, $f).await }
    };
}

async fn upload(
    AxState(sh): AxState<Arc<Shared>>,
    ConnectInfo(meta): ConnectInfo<ConnMeta>,
    uri: Uri,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let raw = uri.query().unwrap_or("");
    let query = parse_query(raw);
    let checked = {
        let st = sh.lock();
        st.kf_upload_check(&Req { query: &query, raw_query: raw, body: &[], post: true, ip: meta.remote.ip() })
    };
    let account = match checked {
        Ok(a) => a,
        Err(err) => return respond(Err(err)),
    };
    let mut data: Option<Bytes> = None;
    if let Ok(mut mp) = mp {
        loop {
            match mp.next_field().await {
                Ok(Some(field)) if field.name() == Some("media") => {
                    match field.bytes().await {
                        Ok(b) => data = Some(b),
                        // Over the body limit: too big an image, not a missing one.
                        Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                            return respond(Err(ed(40006, "the image is over 5 MB")));
                        }
                        Err(_) => {}
                    }
                    break;
                }
                Ok(Some(_)) => {}
                Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return respond(Err(ed(40006, "the image is over 5 MB")));
                }
                Ok(None) | Err(_) => break,
            }
        }
    }
    let res = sh.lock().kf_upload_apply(&account, data.as_deref());
    respond(res)
}

async fn faults(
    AxState(sh): AxState<Arc<Shared>>,
    ConnectInfo(meta): ConnectInfo<ConnMeta>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    tracing::debug!(
        method = %req.method(),
        path = %path,
        query = %redact_query(req.uri().query().unwrap_or("")),
        peer = %meta.remote,
        "request"
    );
    let fired = sh.lock().take_faults(&path);
    if fired.is_empty() {
        return next.run(req).await;
    }
    tracing::info!(path = %path, faults = ?fired, "injecting faults");
    // Like a real server, a call runs to the end even when the client gives up waiting (a
    // timeout during injected latency still applies the write), so it runs detached.
    let task = tokio::spawn(apply_faults(fired, meta, req, next));
    task.await.unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn apply_faults(fired: Vec<FaultKind>, meta: ConnMeta, req: Request, next: Next) -> Response {
    let latency: u64 = fired
        .iter()
        .map(|f| match f {
            FaultKind::LatencyMs { ms } => *ms,
            _ => 0,
        })
        .sum();
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if fired.contains(&FaultKind::ResetBefore) {
        meta.kill();
        return StatusCode::OK.into_response();
    }
    for f in &fired {
        match f {
            FaultKind::Busy => return respond(Err(e(-1))),
            FaultKind::Quota => return respond(Err(e(45009))),
            FaultKind::Body { status, body } => {
                let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::OK);
                let mut resp = Response::new(Body::from(body.clone()));
                *resp.status_mut() = status;
                resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                return resp;
            }
            FaultKind::HttpStatus { status } => {
                let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY);
                let mut resp =
                    Response::new(Body::from(format!("<html><body>emulated HTTP {}</body></html>", status.as_u16())));
                *resp.status_mut() = status;
                resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
                return resp;
            }
            _ => {}
        }
    }
    let resp = next.run(req).await;
    if fired.contains(&FaultKind::ResetAfter) {
        meta.kill();
    }
    resp
}

/// The whole router: WeChat routes (with faults) and the admin API.
pub fn router(sh: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/cgi-bin/token", get(op!(Emu::token_classic)))
        .route("/cgi-bin/stable_token", post(op!(Emu::token_stable)))
        .route("/customservice/kfaccount/add", post(op!(Emu::kf_add)))
        .route("/customservice/kfaccount/update", post(op!(Emu::kf_update)))
        .route("/customservice/kfaccount/del", get(op!(Emu::kf_del)).post(op!(Emu::kf_del)))
        .route("/customservice/kfaccount/inviteworker", post(op!(Emu::kf_invite)))
        // Room for an image just over the 5 MB limit, so it is answered 40006 like WeChat
        // does rather than cut off by the default 2 MB body limit.
        .route(
            "/customservice/kfaccount/uploadheadimg",
            post(upload).layer(DefaultBodyLimit::max(MAX_AVATAR_BYTES * 2 + 64 * 1024)),
        )
        .route("/cgi-bin/customservice/getkflist", get(op!(Emu::kf_list)))
        .route("/cgi-bin/customservice/getonlinekflist", get(op!(Emu::kf_online_list)))
        .route("/cgi-bin/message/custom/send", post(op!(Emu::send)))
        .route("/cgi-bin/message/custom/typing", post(op!(Emu::typing)))
        .route("/customservice/kfsession/create", post(op!(Emu::session_create)))
        .route("/customservice/kfsession/close", post(op!(Emu::session_close)))
        .route("/customservice/kfsession/getsession", get(op!(Emu::session_get)))
        .route("/customservice/kfsession/getsessionlist", get(op!(Emu::session_list)))
        .route("/customservice/kfsession/getwaitcase", get(op!(Emu::wait_cases)))
        .route("/customservice/msgrecord/getmsglist", post(op!(Emu::msg_list)))
        .layer(middleware::from_fn_with_state(sh.clone(), faults));
    api.merge(crate::admin::router(sh.clone())).with_state(sh)
}
