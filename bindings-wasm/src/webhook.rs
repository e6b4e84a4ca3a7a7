//! `WasmWebhook`: core's `Webhook` (URL check, pushes, replies), JSON text in and out.

use wasm_bindgen::prelude::*;
use wxkf::callback::{OpenedPush, Webhook, WebhookOptions};
use wxkf::ops::{from_json, JsonFields};
use wxkf::{build_reply_to, is_user_message_type, KfError, Reply, ReplyTo};

use crate::call::{json, view};

/// One Official Account's push endpoint (wrapped by the JS `Webhook` class).
#[wasm_bindgen]
pub struct WasmWebhook {
    inner: Webhook,
}

#[wasm_bindgen]
impl WasmWebhook {
    /// A webhook from core's `WebhookOptions` as JSON.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> Result<WasmWebhook, JsValue> {
        let inner = from_json::<WebhookOptions>(options).and_then(Webhook::from_options).map_err(view)?;
        Ok(WasmWebhook { inner })
    }

    /// Verifies a URL check (`{query, now}`) and returns the `echostr` to answer with.
    #[wasm_bindgen(js_name = checkUrl)]
    pub fn check_url(&self, args: &str) -> Result<String, JsValue> {
        let check = |a: JsonFields| self.inner.check_url(&a.required("query")?, a.required("now")?);
        JsonFields::parse(args, &["query", "now"]).and_then(check).map_err(view)
    }

    /// Verifies, decrypts and parses a push (`{query, now}` and the body); the opened push as JSON.
    pub fn open(&self, args: &str, body: &[u8]) -> Result<String, JsValue> {
        self.open_push(args, body).and_then(|opened| json(&opened)).map_err(view)
    }

    /// Opens a push from `{query, now}` and the body (shared with `WasmClient::accept_push`).
    pub(crate) fn open_push(&self, args: &str, body: &[u8]) -> Result<OpenedPush, KfError> {
        let a = JsonFields::parse(args, &["query", "now"])?;
        self.inner.open(&a.required("query")?, body, a.required("now")?)
    }

    /// The HTTP body answering a push (encrypted when the push was): the push's fields a reply
    /// reads (by their path in it: `push.message.to_user_name` …), `reply`, `now`, and the fixed
    /// random parts reproducible tests give (`nonce`, `random` as 32 hex digits); `entropy` is 24
    /// random bytes.
    pub fn reply(&self, args: &str, entropy: &[u8]) -> Result<String, JsValue> {
        self.build_reply(args, entropy).map_err(view)
    }

    fn build_reply(&self, args: &str, entropy: &[u8]) -> Result<String, KfError> {
        let a = JsonFields::parse(args, &[TO, FROM, ENCRYPTED, TYPE, MSG_TYPE, "reply", "now", "nonce", "random"])?;
        let (to_user_name, from_user_name): (String, String) = (a.required(TO)?, a.required(FROM)?);
        // No type (a hand-made push): not a user's message, so no transfer.
        let (type_tag, msg_type): (Option<String>, Option<String>) = (a.optional(TYPE)?, a.optional(MSG_TYPE)?);
        let to = ReplyTo {
            to_user_name: &to_user_name,
            from_user_name: &from_user_name,
            encrypted: a.required(ENCRYPTED)?,
            user_message: is_user_message_type(type_tag.as_deref().unwrap_or_default(), msg_type.as_deref()),
        };
        let (reply, now): (Reply, i64) = (a.required("reply")?, a.required("now")?);
        let (nonce, random) = (a.optional::<String>("nonce")?, a.optional::<String>("random")?);
        if nonce.is_none() && random.is_none() {
            return self.inner.reply(to, &reply, now, entropy);
        }
        let random = match &random {
            Some(hex) => hex::decode(hex).ok().and_then(|v| <[u8; 16]>::try_from(v).ok()),
            None => entropy.get(8..24).and_then(|r| <[u8; 16]>::try_from(r).ok()),
        };
        let random = random.ok_or_else(|| KfError::validation("random", "must be 32 hex digits"))?;
        build_reply_to(self.inner.config(), to, &reply, now, nonce.as_deref().unwrap_or_default(), &random)
    }
}

/// Whether a push (its `type` tag and, for `other`, its `msg_type`) is a user's message:
/// who sees "typing…" while a handler works.
#[wasm_bindgen(js_name = isUserMessage)]
pub fn is_user_message(type_tag: &str, msg_type: Option<String>) -> bool {
    is_user_message_type(type_tag, msg_type.as_deref())
}

/// The fields of a push a reply reads, named as in the opened push.
const TO: &str = "push.message.to_user_name";
const FROM: &str = "push.message.from_user_name";
const TYPE: &str = "push.message.type";
const MSG_TYPE: &str = "push.message.msg_type";
const ENCRYPTED: &str = "push.encrypted";
