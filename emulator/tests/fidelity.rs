//! Issue 17: the emulator behaves like WeChat where the spec says how — quotas by what the user
//! did, forwarding, binding, typing, record opercodes, delete forms, avatar and text limits, and
//! its own `errmsg` texts. Hand-written requests only (no SDK code).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{code, H};
use serde_json::json;

/// `errmsg` comes from the emulator's own table (WeChat's wording), not from core's catalogue.
#[tokio::test]
async fn errmsg_texts_are_the_emulators_own() {
    let h = H::start().await;
    let v = h.send_text("nobody", "hi").await;
    assert_eq!(code(&v), 40003);
    assert_eq!(v["errmsg"], "invalid openid rid: emulator");
    let v = h.post("/customservice/kfaccount/add", json!({"kf_account": "a@x"})).await;
    assert_eq!(v["errmsg"], "missing required fields hint: [missing nickname] rid: emulator");
    let v = h.get_raw("/cgi-bin/customservice/getkflist").await;
    assert_eq!(v["errmsg"], "access_token missing rid: emulator");
}
