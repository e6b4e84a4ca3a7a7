//! Pushes to the developer's URL: the XML of each push and the webhook's passive reply.

use serde_json::{json, Value};

use super::sessions::Session;
use super::{push_capped, Delivery, State};
use crate::crypto::cdata;

/// A push to send to the webhook.
#[derive(Debug, Clone)]
pub struct PushJob {
    pub openid: String,
    /// "text", "event:subscribe", "event:kf_create_session", ...
    pub kind: String,
    pub xml: String,
}

impl State {
    pub(super) fn base_xml(&self, openid: &str, now: i64, msgtype: &str) -> String {
        format!(
            "<ToUserName>{}</ToUserName><FromUserName>{}</FromUserName><CreateTime>{}</CreateTime><MsgType>{}</MsgType>",
            cdata(&self.account_id),
            cdata(openid),
            now,
            cdata(msgtype)
        )
    }

    pub(super) fn event_push(&mut self, openid: &str, event: &str, extra: &str) {
        let now = self.now();
        let xml = format!("<xml>{}<Event>{}</Event>{}</xml>", self.base_xml(openid, now, "event"), cdata(event), extra);
        self.outbox.push(PushJob { openid: openid.to_string(), kind: format!("event:{event}"), xml });
    }

    /// Applies the webhook's passive reply to a user message. Returns what was done.
    pub fn apply_reply(&mut self, openid: &str, msgtype: &str, reply_xml: &str) -> Value {
        let now = self.now();
        match msgtype {
            "transfer_customer_service" => {
                let target = crate::crypto::xml_field(reply_xml, "KfAccount").filter(|s| !s.is_empty());
                if let Some(kf) = target {
                    if self.check_can_serve(&kf).is_ok() && self.users.contains_key(openid) {
                        if let Some(s) = self.sessions.get(openid) {
                            return json!({"action": "already_in_session", "kf_account": s.kf});
                        }
                        self.wait.retain(|w| w.openid != openid);
                        self.sessions.insert(openid.to_string(), Session { kf: kf.clone(), created: now });
                        self.legacy_record(now, openid, 1003, &kf);
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
}
