//! Pushes (callbacks) to the configured webhook, in plain or safe (AES) mode, and the parsing of
//! the webhook's passive reply.

use std::sync::Arc;

use rand::Rng;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::crypto::{cdata, signature, xml_field};
use crate::state::{Answers, PushJob};
use crate::Shared;

/// What the webhook answered.
pub struct PushOutcome {
    /// JSON report for the admin caller and the push log.
    pub report: Value,
    /// The reply's MsgType and (decrypted) XML, when it was a usable XML reply.
    pub reply: Option<(String, String)>,
}

fn fail(job: &PushJob, status: Option<u16>, reason: String) -> PushOutcome {
    PushOutcome {
        report: json!({"delivered": status.is_some(), "kind": job.kind, "openid": job.openid,
            "status": status, "reply_kind": "invalid", "error": reason}),
        reply: None,
    }
}

/// Sends one push like WeChat: when the webhook does not answer within `push_timeout_ms` (or
/// fails), the push is sent again, up to `push_retries` more times, each attempt a freshly
/// signed request carrying the same message (so a webhook's replay guard passes it and only
/// deduplication by `MsgId` can tell). Never panics; failures are reported.
pub async fn deliver(sh: &Shared, job: &PushJob) -> PushOutcome {
    let (retries, timeout_ms) = {
        let st = sh.lock();
        (st.settings.push_retries, st.settings.push_timeout_ms)
    };
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let mut out = deliver_once(sh, job, timeout_ms).await;
        // Retried: no answer in time (or no connection), or a server error. An answer that is
        // merely unusable (bad XML, wrong signature) is not: WeChat shows the user an error.
        let status = out.report.get("status").and_then(Value::as_u64);
        let unanswered =
            out.report.get("reply_kind").and_then(Value::as_str) == Some("invalid") && status.is_none_or(|s| s >= 500);
        if let Some(map) = out.report.as_object_mut() {
            map.insert("attempts".into(), json!(attempt));
        }
        if !unanswered || attempt > retries {
            return out;
        }
    }
}

async fn deliver_once(sh: &Shared, job: &PushJob, timeout_ms: u64) -> PushOutcome {
    let (url, now) = {
        let st = sh.lock();
        (st.settings.webhook_url.clone(), st.now())
    };
    let Some(url) = url else {
        return PushOutcome {
            report: json!({"delivered": false, "kind": job.kind, "openid": job.openid, "reply_kind": "none", "error": "no webhook configured"}),
            reply: None,
        };
    };
    let token = sh.config.callback_token.as_str();
    let timestamp = now.to_string();
    let (nonce, random): (String, [u8; 16]) = {
        let mut rng = rand::thread_rng();
        (rng.gen_range(100_000_000u64..999_999_999).to_string(), rng.gen())
    };
    let sig = signature(&[token, &timestamp, &nonce]);
    let mut query = format!("signature={sig}&timestamp={timestamp}&nonce={nonce}&openid={}", job.openid);
    let body = match &sh.aes {
        Some(key) => {
            let enc = key.encrypt(random, &job.xml, &sh.config.appid);
            let msg_sig = signature(&[token, &timestamp, &nonce, &enc]);
            query.push_str(&format!("&encrypt_type=aes&msg_signature={msg_sig}"));
            format!(
                "<xml><ToUserName>{}</ToUserName><Encrypt>{}</Encrypt></xml>",
                cdata(&sh.config.account_id),
                cdata(&enc)
            )
        }
        None => job.xml.clone(),
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    let full = format!("{url}{sep}{query}");
    let timeout = std::time::Duration::from_millis(timeout_ms);
    let request = sh.http.post(&full).timeout(timeout).header("content-type", "text/xml; charset=utf-8").body(body);
    let resp = request.send().await;
    let resp = match resp {
        Ok(r) => r,
        Err(e) => return fail(job, None, format!("webhook unreachable: {e}")),
    };
    let status = resp.status().as_u16();
    let text = match resp.text().await {
        Ok(t) => t,
        Err(e) => return fail(job, Some(status), format!("reading the reply failed: {e}")),
    };
    if !(200..300).contains(&status) {
        return fail(job, Some(status), format!("webhook answered HTTP {status}"));
    }
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed == "success" {
        return PushOutcome {
            report: json!({"delivered": true, "kind": job.kind, "openid": job.openid, "status": status, "reply_kind": "none"}),
            reply: None,
        };
    }
    let xml = match &sh.aes {
        Some(key) => {
            let Some(enc) = xml_field(trimmed, "Encrypt") else {
                return fail(job, Some(status), "safe mode: the reply is not encrypted".into());
            };
            let ts = xml_field(trimmed, "TimeStamp").unwrap_or_default();
            let nonce = xml_field(trimmed, "Nonce").unwrap_or_default();
            let got = xml_field(trimmed, "MsgSignature").unwrap_or_default();
            if signature(&[token, &ts, &nonce, &enc]) != got {
                return fail(job, Some(status), "safe mode: reply MsgSignature does not verify".into());
            }
            match key.decrypt(&enc) {
                Ok((xml, appid)) if appid == sh.config.appid => xml,
                Ok((_, appid)) => return fail(job, Some(status), format!("reply encrypted for appid {appid}")),
                Err(e) => return fail(job, Some(status), format!("reply does not decrypt: {e}")),
            }
        }
        None => trimmed.to_string(),
    };
    let Some(msgtype) = xml_field(&xml, "MsgType") else {
        return fail(job, Some(status), "reply has no MsgType".into());
    };
    PushOutcome {
        report: json!({"delivered": true, "kind": job.kind, "openid": job.openid, "status": status,
            "reply_kind": msgtype, "reply_xml": xml}),
        reply: Some((msgtype, xml)),
    }
}

/// Delivers a push, logs it, applies the reply (as far as `job.answers` allows). Returns the
/// report.
pub async fn deliver_and_apply(sh: &Shared, job: &PushJob) -> Value {
    let out = deliver(sh, job).await;
    let mut report = out.report;
    let jobs = {
        let mut st = sh.lock();
        if let (false, Some((msgtype, xml))) = (matches!(job.answers, Answers::Nothing), &out.reply) {
            let applied = st.apply_reply(&job.openid, &job.answers, msgtype, xml);
            if let Some(map) = report.as_object_mut() {
                map.insert("applied".into(), applied);
            }
        }
        let mut logged = report.clone();
        if let Some(map) = logged.as_object_mut() {
            map.insert("time".into(), json!(st.now()));
            map.remove("reply_xml");
        }
        if st.push_log.len() >= 100_000 {
            st.push_log.pop_front();
        }
        st.push_log.push_back(logged);
        std::mem::take(&mut st.outbox)
    };
    for j in jobs {
        let _ = sh.push_tx.send(j);
    }
    tracing::debug!(kind = %job.kind, "push delivered");
    report
}

/// Sends the pushes caused by API calls (session events), in order.
pub async fn background(sh: Arc<Shared>, mut rx: mpsc::UnboundedReceiver<PushJob>) {
    while let Some(job) = rx.recv().await {
        let has_webhook = sh.lock().settings.webhook_url.is_some();
        if has_webhook {
            deliver_and_apply(&sh, &job).await;
        }
    }
}
