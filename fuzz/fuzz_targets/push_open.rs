//! Any body (and query) through URL checks and push opening, plain and safe mode, with valid
//! signatures so the input reaches the XML parser and the decryption.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxkf::callback::{msg_signature, parse_push, signature, MemoryReplayGuard};
use wxkf::{open_push, open_push_guarded, CallbackConfig, PushQuery, UrlQuery};

const TOKEN: &str = "fuzztoken";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wxfuzz0000000001";
const NOW: i64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = parse_push(&text);

    let config = CallbackConfig::new(TOKEN, Some(KEY.to_string()), APPID);
    let ts = NOW.to_string();
    // Plain mode, correctly signed: the body reaches the XML parser.
    let plain = PushQuery {
        signature: signature(TOKEN, &ts, "n"),
        timestamp: ts.clone(),
        nonce: "n".into(),
        encrypt_type: None,
        msg_signature: None,
    };
    let _ = open_push(&config, &plain, data, NOW);
    // Safe mode with the body as the <Encrypt> payload, correctly signed: reaches decryption.
    let encrypt = text.trim();
    let body = format!("<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
    let safe = PushQuery {
        signature: String::new(),
        timestamp: ts.clone(),
        nonce: "n".into(),
        encrypt_type: Some("aes".into()),
        msg_signature: Some(msg_signature(TOKEN, &ts, "n", encrypt)),
    };
    let mut guard = MemoryReplayGuard::new(4, 300);
    let _ = open_push_guarded(&config, &safe, body.as_bytes(), NOW, &mut guard);
    // Arbitrary query values.
    let mut parts = text.splitn(4, '\n');
    let (a, b, c) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let q = UrlQuery { signature: a.into(), timestamp: b.into(), nonce: c.into(), echostr: "e".into() };
    let _ = wxkf::check_url(&config, &q, NOW);
});
