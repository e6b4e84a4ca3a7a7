//! Bad input at the scale a hostile or buggy caller sends it: 10 MB strings into every
//! constructor, 10 MB bodies into every parser and the push opener, out-of-range numbers.
//! Each gives a clear error naming the field — no panic, nothing sent.

use std::time::Instant;

use wxkf::api::account::{
    add_kf_account::AddKfAccount, del_kf_account::DelKfAccount, invite_worker::InviteWorker,
    update_kf_account::UpdateKfAccount, upload_kf_head_img::UploadKfHeadImg,
};
use wxkf::api::message::{send_message::SendMessage, send_typing::SendTyping, send_typing::TypingCommand};
use wxkf::api::record::get_msg_list::GetMsgList;
use wxkf::api::session::{
    close_kf_session::CloseKfSession, create_kf_session::CreateKfSession, get_kf_session::GetKfSession,
    get_kf_session_list::GetKfSessionList,
};
use wxkf::message::MenuItem;
use wxkf::{CallbackConfig, Endpoint, HttpResponse, KfError, Message, PushQuery};

const TEN_MB: usize = 10 * 1024 * 1024;

fn field_of<T: std::fmt::Debug>(r: Result<T, KfError>) -> String {
    match r {
        Err(KfError::Validation { field, reason }) => {
            assert!(!reason.is_empty() && reason.len() < 300, "a short reason: {reason}");
            field
        }
        other => {
            let shown: String = format!("{other:?}").chars().take(300).collect();
            panic!("expected a validation error, got {shown}")
        }
    }
}

#[test]
fn ten_megabyte_strings_are_refused_with_the_field_named() {
    let huge = "客".repeat(TEN_MB / 3);
    let huge_kf = format!("{}@gh_account", "a".repeat(TEN_MB));
    let ok_kf = "kf01@gh_account";
    let user = "oUSER";
    let cases: Vec<(&str, String)> = vec![
        ("kf_account", field_of(AddKfAccount::new(huge_kf.as_str(), "nick"))),
        ("nickname", field_of(AddKfAccount::new(ok_kf, huge.as_str()))),
        ("nickname", field_of(UpdateKfAccount::new(ok_kf, huge.as_str()))),
        ("kf_account", field_of(DelKfAccount::new(huge_kf.as_str()))),
        ("invite_wx", field_of(InviteWorker::new(ok_kf, huge.as_str()))),
        ("openid", field_of(CreateKfSession::new(ok_kf, huge.as_str()))),
        ("openid", field_of(CloseKfSession::new(ok_kf, huge.as_str()))),
        ("openid", field_of(GetKfSession::new(huge.as_str()))),
        ("kf_account", field_of(GetKfSessionList::new(huge_kf.as_str()))),
        ("touser", field_of(SendTyping::new(huge.as_str(), TypingCommand::Typing))),
        ("touser", field_of(SendMessage::new(huge.as_str(), Message::text("hi")))),
        ("kf_account", field_of(UploadKfHeadImg::new(huge_kf.as_str(), vec![0xFF; 16]))),
    ];
    for (want, got) in &cases {
        assert!(got.contains(want), "expected field {want}, got {got}");
    }
    // Message payloads: each kind's big field.
    for (message, want) in [
        (Message::text(huge.as_str()), "content"),
        (Message::image(huge.as_str()), "media_id"),
        (Message::voice(huge.as_str()), "media_id"),
        (Message::mpnews(huge.as_str()), "media_id"),
        (Message::mpnewsarticle(huge.as_str()), "article_id"),
        (Message::wxcard(huge.as_str()), "card_id"),
        (Message::menu(huge.as_str(), vec![MenuItem { id: "1".into(), content: "a".into() }], ""), "head_content"),
        (Message::text("hi").from_kf(huge.as_str()), "kf_account"),
    ] {
        let got = field_of(SendMessage::new(user, message));
        assert!(got.contains(want), "expected field {want}, got {got}");
    }
    let items = vec![MenuItem { id: "1".into(), content: huge.clone() }];
    let got = field_of(SendMessage::new(user, Message::menu("h", items, "t")));
    assert!(got.contains("list"), "{got}");
    // An avatar of the spec's largest size (5 MB, read as 5 MiB) is framed in linear time; one
    // byte more is refused before the network, naming the field.
    let five_mb = 5 * 1024 * 1024;
    let upload = UploadKfHeadImg::new(ok_kf, vec![0xFF; five_mb]).map_err(|e| e.to_string());
    let ctx = wxkf::BuildContext { base_url: "https://api.weixin.qq.com", access_token: Some("T"), nonce: "n1" };
    let built = upload.and_then(|u| u.build(&ctx).map_err(|e| e.to_string()));
    assert!(built.is_ok_and(|r| r.body.len() > five_mb));
    assert_eq!(field_of(UploadKfHeadImg::new(ok_kf, vec![0xFF; five_mb + 1])), "image");
}

#[test]
fn out_of_range_numbers_are_refused() {
    for (start, end, number) in
        [(100, 50, 10), (0, 86_401, 10), (i64::MIN, i64::MAX, 10), (10, 20, 0), (10, 20, 10_001)]
    {
        let r = GetMsgList::new(start, end, number);
        assert!(matches!(r, Err(KfError::Validation { .. })), "{start} {end} {number}: {r:?}");
    }
}

#[test]
fn ten_megabyte_bodies_parse_to_typed_errors() {
    let started = Instant::now();
    let junk = vec![b'['; TEN_MB];
    let mut deep = String::from("{\"errcode\":0,\"kf_list\":");
    deep.push_str(&"[".repeat(TEN_MB / 2));
    for body in [junk, deep.into_bytes(), vec![0xFF; TEN_MB]] {
        let r = HttpResponse { status: 200, headers: vec![], body };
        let e = wxkf::api::account::get_kf_list::GetKfList::parse(&r).map(|_| ()).unwrap_err();
        assert!(matches!(e, KfError::Decode { .. }), "{e:?}");
        let e = GetMsgList::parse(&r).map(|_| ()).unwrap_err();
        assert!(matches!(e, KfError::Decode { .. }), "{e:?}");
    }
    // Linear, not quadratic: three 10 MB bodies through two parsers in well under a minute even
    // in a debug build (a plain figure, not a timing assertion on the happy path).
    println!("10 MB bodies parsed to errors in {:?}", started.elapsed());
}

#[test]
fn a_ten_megabyte_push_is_refused_before_any_work() {
    let config = CallbackConfig::new("token", Some("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".into()), "wxappid");
    let q = PushQuery {
        signature: "x".into(),
        timestamp: "1700000000".into(),
        nonce: "n".into(),
        encrypt_type: Some("aes".into()),
        msg_signature: Some("y".into()),
    };
    let body = vec![b'<'; TEN_MB];
    let e = wxkf::open_push(&config, &q, &body, 1_700_000_000).map(|_| ()).unwrap_err();
    assert_eq!(e.code_name(), "CALLBACK");
    assert!(e.to_string().contains("bytes"), "{e}");
    // Invalid UTF-8 below the size limit: a clear XML error, not a panic.
    let e = wxkf::open_push(&config, &q, &[0xC3, 0x28, 0xFF], 1_700_000_000).map(|_| ()).unwrap_err();
    assert_eq!(e.code_name(), "CALLBACK");
}
