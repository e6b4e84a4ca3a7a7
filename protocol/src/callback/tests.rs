//! Round-trip and robustness tests of the high-level push API.

use proptest::prelude::*;

use super::*;

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const NOW: i64 = 1_700_000_000;

fn config() -> CallbackConfig {
    CallbackConfig::new("testtoken", Some(KEY.to_string()), "wx1234567890abcdef")
}

const TEXT: &str = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>\
<MsgId>1</MsgId></xml>";

fn plain_query(nonce: &str) -> PushQuery {
    let ts = NOW.to_string();
    PushQuery {
        signature: signature("testtoken", &ts, nonce),
        timestamp: ts,
        nonce: nonce.into(),
        ..Default::default()
    }
}

fn safe(xml: &str, nonce: &str) -> (PushQuery, String) {
    let keys = CallbackKeys::new("testtoken", KEY, "wx1234567890abcdef").unwrap();
    let enc = keys.encrypt(xml, &[1u8; 16]).unwrap();
    let ts = NOW.to_string();
    let q = PushQuery {
        signature: signature("testtoken", &ts, nonce),
        msg_signature: Some(msg_signature("testtoken", &ts, nonce, &enc)),
        timestamp: ts,
        nonce: nonce.into(),
        encrypt_type: Some("aes".into()),
    };
    (q, format!("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[{enc}]]></Encrypt></xml>"))
}

#[test]
fn plain_and_safe_round_trip() {
    let opened = open_push(&config(), &plain_query("n1"), TEXT.as_bytes(), NOW).unwrap();
    assert!(!opened.encrypted);
    assert_eq!(opened.message.from_user_name, "o1");
    let (q, body) = safe(TEXT, "n2");
    let opened = open_push(&config(), &q, body.as_bytes(), NOW + 10).unwrap();
    assert!(opened.encrypted && opened.raw_xml == TEXT);
    let reply = build_reply(&config(), &opened, &Reply::Text { content: "yo".into() }, NOW, "abc", &[2u8; 16]).unwrap();
    // The reply opens like a push, with To/From swapped.
    let env = fields::read_fields(&reply).unwrap();
    let enc = fields::field(&env, "Encrypt").unwrap();
    let ts = NOW.to_string();
    assert_eq!(fields::field(&env, "MsgSignature"), Some(msg_signature("testtoken", &ts, "abc", enc).as_str()));
    let inner = parse_push(&config().keys().unwrap().unwrap().decrypt(enc).unwrap()).unwrap();
    assert_eq!((inner.to_user_name.as_str(), inner.from_user_name.as_str()), ("o1", "gh_1"));
    let ack = build_reply(&config(), &opened, &Reply::Success, NOW, "abc", &[2u8; 16]).unwrap();
    assert_eq!(ack, "success");
}

#[test]
fn refusals_have_kinds() {
    let kind = |r: Result<OpenedPush, KfError>| match r {
        Err(KfError::Callback { callback_kind, .. }) => Some(callback_kind),
        _ => None,
    };
    let mut q = plain_query("n1");
    q.signature = "0".repeat(40);
    assert_eq!(kind(open_push(&config(), &q, TEXT.as_bytes(), NOW)), Some(CallbackKind::Signature));
    assert_eq!(
        kind(open_push(&config(), &plain_query("n1"), TEXT.as_bytes(), NOW + 301)),
        Some(CallbackKind::Timestamp)
    );
    let mut guard = MemoryReplayGuard::new(100, 300);
    assert!(open_push_guarded(&config(), &plain_query("n1"), TEXT.as_bytes(), NOW, &mut guard).is_ok());
    let again = open_push_guarded(&config(), &plain_query("n1"), TEXT.as_bytes(), NOW, &mut guard);
    assert_eq!(kind(again), Some(CallbackKind::Replay));
    let big = vec![b' '; MAX_PUSH_BYTES + 1];
    assert_eq!(kind(open_push(&config(), &plain_query("n1"), &big, NOW)), Some(CallbackKind::TooLarge));
    let (mut q, body) = safe(TEXT, "n3");
    q.msg_signature = None;
    assert_eq!(kind(open_push(&config(), &q, body.as_bytes(), NOW)), Some(CallbackKind::Signature));
    let no_key = CallbackConfig::new("testtoken", None, "wx");
    let (q, body) = safe(TEXT, "n3");
    assert!(matches!(open_push(&no_key, &q, body.as_bytes(), NOW), Err(KfError::Validation { .. })));
}

#[test]
fn config_debug_hides_secrets() {
    let text = format!("{:?}", config());
    assert!(!text.contains("testtoken") && !text.contains(KEY), "{text}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn open_push_never_panics(body in proptest::collection::vec(any::<u8>(), 0..512), aes in any::<bool>(),
                              sig in "[0-9a-f]{0,41}", ts in "[0-9]{0,12}", nonce in ".{0,8}") {
        let q = PushQuery {
            signature: sig.clone(), timestamp: ts, nonce,
            encrypt_type: aes.then(|| "aes".to_string()), msg_signature: Some(sig),
        };
        let _ = open_push(&config(), &q, &body, NOW);
    }

    #[test]
    fn signed_garbage_never_panics(encrypt in "[A-Za-z0-9+/=]{0,200}", body in ".{0,300}") {
        let keys = config().keys().unwrap().unwrap();
        let _ = keys.decrypt(&encrypt);
        let _ = parse_push(&body);
        let _ = fields::read_fields(&body);
        // A correctly signed envelope around arbitrary base64 reaches the decryptor.
        let ts = NOW.to_string();
        let env = format!("<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
        let q = PushQuery {
            timestamp: ts.clone(), nonce: "n".into(), encrypt_type: Some("aes".into()),
            msg_signature: Some(msg_signature("testtoken", &ts, "n", &encrypt)), ..Default::default()
        };
        let _ = open_push(&config(), &q, env.as_bytes(), NOW);
    }

    #[test]
    fn decrypt_of_valid_ciphertext_of_any_bytes_never_panics(plain in proptest::collection::vec(any::<u8>(), 1..300)) {
        use aes::cipher::{block_padding::NoPadding, BlockEncryptMut, KeyIvInit};
        use base64::Engine;
        let key = crypto::decode_encoding_aes_key(KEY).unwrap();
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&key[..16]);
        let mut data = plain.clone();
        data.resize(plain.len().div_ceil(16) * 16, 0);
        let ct = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into()).encrypt_padded_vec_mut::<NoPadding>(&data);
        let _ = config().keys().unwrap().unwrap().decrypt(&base64::engine::general_purpose::STANDARD.encode(ct));
    }

    #[test]
    fn reply_cdata_round_trips(content in "\\PC{1,60}") {
        let opened = open_push(&config(), &plain_query("n1"), TEXT.as_bytes(), NOW).unwrap();
        let xml = build_reply(&config(), &opened, &Reply::Text { content: content.clone() }, NOW, "n", &[0; 16]).unwrap();
        let f = fields::read_fields(&xml).unwrap();
        prop_assert_eq!(fields::field(&f, "Content"), Some(content.as_str()));
    }
}

#[test]
fn opened_push_round_trips_through_json() {
    // Bindings hand `OpenedPush` to the host and back to `build_reply`.
    let xml = "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>\
               <MsgType>location</MsgType><Location_X>23.134521</Location_X><Location_Y>-113.5</Location_Y>\
               <Scale>20</Scale><Label>x</Label></xml>";
    for xml in [xml, TEXT] {
        let opened = OpenedPush { message: parse_push(xml).unwrap(), encrypted: false, raw_xml: xml.into() };
        let json = serde_json::to_string(&opened).unwrap();
        let back: OpenedPush = serde_json::from_str(&json).unwrap();
        assert_eq!(back, opened);
    }
    let err = KfError::callback(CallbackKind::Replay, "again");
    assert_eq!(err.code_name(), "CALLBACK");
    assert_eq!(err.to_string(), "push refused (replay): again");
}
