//! The push (callback) side: URL check, opening pushes, building replies.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wxkf::callback::MemoryReplayGuard;
use wxkf::{
    build_reply_to, check_url, is_user_message_type, open_push, open_push_guarded, CallbackConfig, KfError, PushQuery,
    Reply, ReplyTo, UrlQuery,
};

use crate::convert::{absent, bytes, error_to_js, from_js, get, int, now_or, opt_text, text, to_js};
use crate::platform::random16;

/// Default capacity of the in-memory replay guard.
const DEFAULT_REPLAY_CAPACITY: usize = 10_000;

/// One Official Account's callback settings and its replay guard (wrapped by the JS
/// `Webhook` class).
#[wasm_bindgen]
pub struct WasmWebhook {
    config: CallbackConfig,
    guard: Option<RefCell<MemoryReplayGuard>>,
}

fn js_err(e: KfError) -> JsValue {
    error_to_js(&e)
}

#[wasm_bindgen]
impl WasmWebhook {
    /// Settings from `{ token, encodingAesKey?, appId, windowSecs?, replayCapacity? }`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<WasmWebhook, JsValue> {
        Self::build(&options).map_err(js_err)
    }

    fn build(options: &JsValue) -> Result<WasmWebhook, KfError> {
        if !options.is_object() {
            return Err(KfError::validation("options", "must be an object"));
        }
        let token = text(&get(options, "token"), "token")?;
        let key = opt_text(&get(options, "encodingAesKey"), "encodingAesKey")?;
        let appid = opt_text(&get(options, "appId"), "appId")?.unwrap_or_default();
        let mut config = CallbackConfig::new(token, key, appid);
        let window = get(options, "windowSecs");
        if !absent(&window) {
            config.window_secs = u64::try_from(int(&window, "windowSecs")?)
                .map_err(|_| KfError::validation("windowSecs", "must not be negative"))?;
        }
        config.validate()?;
        let capacity = get(options, "replayCapacity");
        let capacity = if absent(&capacity) {
            DEFAULT_REPLAY_CAPACITY
        } else {
            usize::try_from(int(&capacity, "replayCapacity")?)
                .map_err(|_| KfError::validation("replayCapacity", "must not be negative"))?
        };
        let guard = (capacity > 0).then(|| RefCell::new(MemoryReplayGuard::new(capacity, config.window_secs)));
        Ok(WasmWebhook { config, guard })
    }

    /// Verifies a URL check (GET) and returns the `echostr` to answer with.
    #[wasm_bindgen(js_name = checkUrl)]
    pub fn check_url(&self, query: JsValue, now: JsValue) -> Result<String, JsValue> {
        let query: UrlQuery = from_js(query, "query").map_err(js_err)?;
        let now = now_or(&now, "now").map_err(js_err)?;
        check_url(&self.config, &query, now).map_err(js_err)
    }

    /// Verifies, decrypts (safe mode) and parses a push (POST): `{ message, encrypted, raw_xml }`.
    pub fn open(&self, query: JsValue, body: JsValue, now: JsValue) -> Result<JsValue, JsValue> {
        let query: PushQuery = from_js(query, "query").map_err(js_err)?;
        let body = match body.as_string() {
            Some(s) => s.into_bytes(),
            None => bytes(&body, "body").map_err(js_err)?,
        };
        let now = now_or(&now, "now").map_err(js_err)?;
        let opened = match &self.guard {
            Some(guard) => open_push_guarded(&self.config, &query, &body, now, &mut *guard.borrow_mut()),
            None => open_push(&self.config, &query, &body, now),
        };
        opened.and_then(|o| to_js(&o)).map_err(js_err)
    }

    /// The HTTP body answering an opened push (encrypted when the push was). `nonce` and
    /// `random_hex` fix the otherwise random parts (for reproducible tests).
    pub fn reply(
        &self,
        opened: JsValue,
        reply: JsValue,
        now: JsValue,
        nonce: JsValue,
        random_hex: JsValue,
    ) -> Result<String, JsValue> {
        // Only the addressing is read back: deserializing the whole opened push would compile
        // every push kind's deserializer into the wasm for two strings and a flag.
        let message = get(&opened, "message");
        let account = text(&get(&message, "to_user_name"), "push.message.to_user_name").map_err(js_err)?;
        let user = text(&get(&message, "from_user_name"), "push.message.from_user_name").map_err(js_err)?;
        let encrypted = get(&opened, "encrypted")
            .as_bool()
            .ok_or_else(|| js_err(KfError::validation("push.encrypted", "must be a boolean")))?;
        let type_tag = get(&message, "type").as_string().unwrap_or_default();
        let msg_type = get(&message, "msg_type").as_string();
        let user_message = is_user_message_type(&type_tag, msg_type.as_deref());
        let to = ReplyTo { to_user_name: &account, from_user_name: &user, encrypted, user_message };
        let reply: Reply = from_js(reply, "reply").map_err(js_err)?;
        let now = now_or(&now, "now").map_err(js_err)?;
        let nonce = match opt_text(&nonce, "nonce").map_err(js_err)? {
            Some(n) => n,
            None => {
                let r = random16();
                let n = u64::from_le_bytes([r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]]);
                (n % 9_000_000_000 + 1_000_000_000).to_string()
            }
        };
        let random = match opt_text(&random_hex, "random").map_err(js_err)? {
            Some(h) => parse_hex16(&h).ok_or_else(|| js_err(KfError::validation("random", "must be 32 hex digits")))?,
            None => random16(),
        };
        build_reply_to(&self.config, to, &reply, now, &nonce, &random).map_err(js_err)
    }
}

fn parse_hex16(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}
