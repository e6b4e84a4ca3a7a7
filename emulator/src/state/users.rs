//! What users do (admin-driven): messages and events, and the pushes they cause.

use super::pushes::{Answers, PushJob};
use super::State;
use crate::crypto::cdata;
use crate::quota::{action_of_event, UserAction, Windows};

#[derive(Default)]
pub(super) struct User {
    pub(super) subscribed: bool,
    /// The windows for kf messages the user's actions opened.
    pub(super) windows: Windows,
    /// Last message either way (typing needs one within 30 s).
    pub(super) last_exchange_ms: i64,
    pub(super) typing_until_ms: i64,
}

/// Where a user's message went.
pub enum Routed {
    /// The user is in a session: the kf system got the message (record 2003), the developer
    /// did not.
    Kf { kf: String, record: u64 },
    /// Pushed to the developer's URL (`record`: the legacy 2001 record, when written).
    Developer { job: PushJob, record: Option<u64> },
}

impl State {
    /// A user writes in (admin). In a session, the message goes to the kf system; otherwise it
    /// is pushed to the developer, whose `transfer_customer_service` reply alone hands it over.
    pub fn user_message(&mut self, openid: &str, msgtype: &str, content: &str) -> Routed {
        let now_ms = self.now_ms();
        let now = now_ms / 1000;
        let u = self.users.entry(openid.to_string()).or_default();
        u.subscribed = true;
        u.windows.open(&self.settings.quotas, UserAction::Message, now_ms);
        u.last_exchange_ms = now_ms;
        if let Some(s) = self.sessions.get_mut(openid) {
            s.last_activity_ms = now_ms;
            let kf = s.kf.clone();
            let record = self.records.add(now, openid, 2003, content, &kf);
            return Routed::Kf { kf, record };
        }
        let record = self.settings.legacy_opercodes.then(|| self.records.add(now, openid, 2001, content, ""));
        let msgid = self.next_msgid;
        self.next_msgid += 1;
        let body = if msgtype == "text" {
            format!("<Content>{}</Content>", cdata(content))
        } else {
            format!("<MediaId>{}</MediaId>", cdata(content))
        };
        let xml = format!("<xml>{}{}<MsgId>{}</MsgId></xml>", self.base_xml(openid, now, msgtype), body, msgid);
        let answers = Answers::Message(content.to_string());
        Routed::Developer {
            job: PushJob { openid: openid.to_string(), kind: msgtype.to_string(), xml, answers },
            record,
        }
    }

    /// A user completes a payment (admin): opens the payment window. WeChat Pay notifies its own
    /// URL, so nothing is pushed; an unknown user becomes a known follower.
    pub fn user_payment(&mut self, openid: &str) {
        let now_ms = self.now_ms();
        let u = self.users.entry(openid.to_string()).or_insert_with(|| User { subscribed: true, ..User::default() });
        u.windows.open(&self.settings.quotas, UserAction::Payment, now_ms);
    }

    /// A user event (admin): subscribe, unsubscribe, CLICK, SCAN, ... A menu event, a follow or
    /// a scan opens its window (see `crate::quota`).
    pub fn user_event(&mut self, openid: &str, event: &str, event_key: Option<&str>) -> PushJob {
        let now_ms = self.now_ms();
        let u = self.users.entry(openid.to_string()).or_default();
        if event == "unsubscribe" {
            u.subscribed = false;
        } else {
            u.subscribed = true;
            if let Some(action) = action_of_event(event) {
                u.windows.open(&self.settings.quotas, action, now_ms);
            }
        }
        let extra = event_key.map(|k| format!("<EventKey>{}</EventKey>", cdata(k))).unwrap_or_default();
        let now = now_ms / 1000;
        let xml = format!("<xml>{}<Event>{}</Event>{}</xml>", self.base_xml(openid, now, "event"), cdata(event), extra);
        PushJob { openid: openid.to_string(), kind: format!("event:{event}"), xml, answers: Answers::Event }
    }
}
