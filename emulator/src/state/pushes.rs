//! Pushes to the developer's URL: the XML of each push and the webhook's passive reply.

use serde_json::{json, Value};

use super::{push_capped, Delivery, State};
use crate::crypto::cdata;

/// A push to send to the webhook.
#[derive(Debug, Clone)]
pub struct PushJob {
    pub openid: String,
    /// "text", "event:subscribe", "event:kf_create_session", ...
    pub kind: String,
    pub xml: String,
    /// What the passive reply to this push may do.
    pub answers: Answers,
}

/// What the webhook's passive reply may do for a push.
#[derive(Debug, Clone)]
pub enum Answers {
    /// A user's message (its content): a reply may transfer it to customer service.
    Message(String),
    /// A user's event (menu click, subscribe …): a text reply is delivered, a transfer refused.
    Event,
    /// A session event the emulator sends after an API call: the reply is not applied.
    Nothing,
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
        self.outbox.push(PushJob {
            openid: openid.to_string(),
            kind: format!("event:{event}"),
            xml,
            answers: Answers::Nothing,
        });
    }

    /// Applies the webhook's passive reply to a push. Returns what was done.
    pub fn apply_reply(&mut self, openid: &str, answers: &Answers, msgtype: &str, reply_xml: &str) -> Value {
        match (msgtype, answers) {
            (_, Answers::Nothing) => json!({"action": "ignored"}),
            ("transfer_customer_service", Answers::Event) => json!({
                "action": "refused",
                "reason": "only a user's message can be transferred to customer service, not an event"
            }),
            ("transfer_customer_service", Answers::Message(content)) => {
                let target = crate::crypto::xml_field(reply_xml, "KfAccount").filter(|s| !s.is_empty());
                self.transfer(openid, content, target)
            }
            ("text", _) => self.passive_text(openid, reply_xml),
            _ => json!({"action": "ignored"}),
        }
    }

    /// A user's message handed to customer service: straight into a session with the named kf
    /// when it can serve, else onto the wait queue. The kf system receives the message (2003).
    fn transfer(&mut self, openid: &str, content: &str, target: Option<String>) -> Value {
        let now_ms = self.now_ms();
        let now = now_ms / 1000;
        if let Some(s) = self.sessions.get(openid) {
            return json!({"action": "already_in_session", "kf_account": s.kf});
        }
        let legacy = self.settings.legacy_opercodes;
        if let Some(kf) = target.filter(|kf| self.check_can_serve(kf).is_ok() && self.users.contains_key(openid)) {
            self.wait.retain(|w| w.openid != openid);
            self.open_session(openid, &kf, now_ms);
            self.legacy_record(now, openid, 1003, &kf);
            let record = (!legacy).then(|| self.records.add(now, openid, 2003, content, &kf));
            self.event_push(openid, "kf_create_session", &format!("<KfAccount>{}</KfAccount>", cdata(&kf)));
            return json!({"action": "session_created", "kf_account": kf, "record_id": record});
        }
        self.enqueue_wait(openid, now);
        let record = (!legacy).then(|| self.records.add(now, openid, 2003, content, ""));
        json!({"action": "queued", "record_id": record})
    }

    /// A passive text reply: delivered to the user, recorded as sent (2002, no worker).
    fn passive_text(&mut self, openid: &str, reply_xml: &str) -> Value {
        let now = self.now();
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
}
