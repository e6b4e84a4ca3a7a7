//! `WasmWebhook`: core's `Webhook` (URL check, opening pushes, replies), arguments and
//! results as JSON text, the reply's randomness from the runtime's `crypto.getRandomValues`.

use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wxkf::callback::{Webhook, WebhookOptions};
use wxkf::ops::from_json;
use wxkf::{build_reply_to, KfError, PushQuery, Reply, ReplyTo, UrlQuery};

use crate::call::{json, view};

/// One Official Account's push endpoint (wrapped by the JS `Webhook` class).
#[wasm_bindgen]
pub struct WasmWebhook {
    inner: Webhook,
}

/// `checkUrl`'s arguments.
#[derive(Deserialize)]
struct UrlCheck {
    query: UrlQuery,
    now: i64,
}

/// `open`'s arguments besides the body.
#[derive(Deserialize)]
struct Push {
    query: PushQuery,
    now: i64,
}

/// `reply`'s arguments: who the push came from, the reply, and the fixed random parts that
/// reproducible tests give (`nonce`, `random` as 32 hex digits).
#[derive(Deserialize)]
struct ReplyArgs {
    push: Opened,
    reply: Reply,
    now: i64,
    nonce: Option<String>,
    random: Option<String>,
}

/// The addressing of an opened push (the rest of it is not read back).
#[derive(Deserialize)]
struct Opened {
    message: Addressing,
    encrypted: bool,
}

#[derive(Deserialize)]
struct Addressing {
    to_user_name: String,
    from_user_name: String,
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
        let check = |a: UrlCheck| self.inner.check_url(&a.query, a.now);
        from_json(args).and_then(check).map_err(view)
    }

    /// Verifies, decrypts and parses a push (`{query, now}` and the body); the opened push as JSON.
    pub fn open(&self, args: &str, body: &[u8]) -> Result<String, JsValue> {
        let open = |a: Push| self.inner.open(&a.query, body, a.now);
        from_json(args).and_then(open).and_then(|opened| json(&opened)).map_err(view)
    }

    /// The HTTP body answering a push (encrypted when the push was); `entropy` is 24 random bytes.
    pub fn reply(&self, args: &str, entropy: &[u8]) -> Result<String, JsValue> {
        self.build_reply(args, entropy).map_err(view)
    }

    fn build_reply(&self, args: &str, entropy: &[u8]) -> Result<String, KfError> {
        let a: ReplyArgs = from_json(args)?;
        let push = &a.push;
        let to = ReplyTo {
            to_user_name: &push.message.to_user_name,
            from_user_name: &push.message.from_user_name,
            encrypted: push.encrypted,
        };
        if a.nonce.is_none() && a.random.is_none() {
            return self.inner.reply(to, &a.reply, a.now, entropy);
        }
        let random = match &a.random {
            Some(hex) => hex::decode(hex).ok().and_then(|v| <[u8; 16]>::try_from(v).ok()),
            None => entropy.get(8..24).and_then(|r| <[u8; 16]>::try_from(r).ok()),
        };
        let random = random.ok_or_else(|| KfError::validation("random", "must be 32 hex digits"))?;
        build_reply_to(self.inner.config(), to, &a.reply, a.now, a.nonce.as_deref().unwrap_or_default(), &random)
    }
}
