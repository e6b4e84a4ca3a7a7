//! Every operation of the API through `Client` + native HTTP against the emulator.

use futures_util::StreamExt;
use serde_json::json;
use wxkf::api::message::send_typing::TypingCommand;
use wxkf::message::{Article, MenuItem};
use wxkf::MessageContent;
use wxkf::{ClientConfig, KfError, Message};
use wxkf_e2e::{Harness, APPID, SECRET};

const KF: &str = "carol@gh_emulator";
const USER: &str = "oE2E_user_0001";

fn errcode<T: std::fmt::Debug>(r: Result<T, KfError>) -> i64 {
    match r {
        Err(KfError::Api { errcode, .. }) => errcode,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_against_the_emulator() {
    // The account's webhook hands every user message to customer service.
    let h = Harness::start_transferring(None, |_| {}).await.expect("emulator");
    let c = h.client().expect("client");

    // accounts
    c.add_kf_account(KF, "Carol").await.expect("add");
    c.update_kf_account(KF, "Carol 客服 ✨").await.expect("update");
    c.invite_worker(KF, "carol_wx").await.expect("invite");
    let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 0xFF, 0xD9];
    c.upload_kf_head_img(KF, jpeg).await.expect("head");
    let list = c.get_kf_list().await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].kf_account, KF);
    assert_eq!(list[0].kf_nick, "Carol 客服 ✨");
    assert_eq!(list[0].invite_wx.as_deref(), Some("carol_wx"));
    assert!(!list[0].kf_headimgurl.is_empty(), "avatar url after upload");
    assert!(c.get_kf_online_list().await.expect("online").is_empty());
    // Carol accepts the invitation on her phone, then logs in to the workbench.
    h.admin("kf/invitation", json!({"kf_account": KF, "accept": true})).await;
    h.admin("kf/online", json!({"kf_account": KF})).await;
    let online = c.get_kf_online_list().await.expect("online");
    assert_eq!(online[0].kf_account, KF);
    assert_eq!(online[0].status, 1);

    // a user writes in; the webhook transfers the message; the wait queue; a session
    let pushed = h.admin("user/message", json!({"openid": USER, "content": "我要退货"})).await;
    assert_eq!(pushed["push"]["applied"]["action"], "queued", "{pushed}");
    let wait = c.get_wait_case_list().await.expect("wait");
    assert_eq!(wait.count, 1);
    assert_eq!(wait.waitcaselist[0].openid, USER);
    c.create_kf_session(KF, USER).await.expect("create");
    assert_eq!(c.get_kf_session(USER).await.expect("get").kf_account.as_deref(), Some(KF));
    let sessions = c.get_kf_session_list(KF).await.expect("session list");
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].openid, USER);
    assert_eq!(c.get_wait_case_list().await.expect("wait").count, 0);

    // typing and all 11 message kinds (the user answers every 4 messages: 45047 after 5)
    c.send_typing(USER, TypingCommand::Typing).await.expect("typing");
    c.send_typing(USER, TypingCommand::CancelTyping).await.expect("cancel typing");
    let messages = vec![
        Message::text("您好 😊").from_kf(KF),
        Message::image("MEDIA_i"),
        Message::voice("MEDIA_v"),
        Message::video("MEDIA_video", "MEDIA_thumb", "标题", "描述"),
        Message::from(MessageContent::Music {
            title: "歌".into(),
            description: "d".into(),
            musicurl: "https://example.com/m.mp3".into(),
            hqmusicurl: "https://example.com/m.flac".into(),
            thumb_media_id: "MEDIA_thumb".into(),
        }),
        Message::news(Article {
            title: "t".into(),
            description: "d".into(),
            url: "https://example.com".into(),
            picurl: "https://example.com/p.png".into(),
        }),
        Message::mpnews("MEDIA_mpnews"),
        Message::mpnewsarticle("ARTICLE_ID_1"),
        Message::menu("请选择", vec![MenuItem { id: "1".into(), content: "是".into() }], "谢谢"),
        Message::wxcard("pCARD_1"),
        Message::from(MessageContent::MiniProgramPage {
            title: "小程序".into(),
            appid: "wxmini000000000001".into(),
            pagepath: "pages/index?x=1".into(),
            thumb_media_id: "MEDIA_thumb".into(),
        }),
    ];
    let kinds: Vec<&str> = messages.iter().map(Message::msgtype).collect();
    for (i, m) in messages.into_iter().enumerate() {
        if i % 4 == 0 {
            h.admin("user/message", json!({"openid": USER, "content": "在吗"})).await;
        }
        c.send_message(USER, m).await.unwrap_or_else(|e| panic!("send #{i}: {e}"));
    }
    let delivered = h.deliveries().await;
    let delivered_kinds: Vec<&str> = delivered.iter().filter_map(|d| d["msgtype"].as_str()).collect();
    assert_eq!(delivered_kinds, kinds, "each kind delivered once, in order");
    assert_eq!(delivered[0]["body"]["text"]["content"], "您好 😊");
    assert_eq!(delivered[0]["body"]["customservice"]["kf_account"], KF);

    // rules the emulator enforces come back typed, with errcode and errmsg
    h.admin("user/message", json!({"openid": USER, "content": "还有一个问题"})).await;
    for _ in 0..5 {
        c.send_message(USER, Message::text("x")).await.expect("within the response limit");
    }
    assert_eq!(errcode(c.send_message(USER, Message::text("one too many")).await), 45047);
    assert_eq!(errcode(c.create_kf_session(KF, "oNEVER_SEEN").await), 40003);
    assert_eq!(errcode(c.add_kf_account(KF, "dup").await), 65406);

    // close; records by page and as a stream
    c.close_kf_session(KF, USER).await.expect("close");
    assert!(c.get_kf_session(USER).await.expect("get").kf_account.as_deref().unwrap_or("").is_empty());
    let now = h.admin_get("clock").await["now"].as_i64().expect("now");
    let day_start = now - (now + 8 * 3600).rem_euclid(86_400); // one window: one China-time day
    let page = c.get_msg_list((now - 60).max(day_start), (now + 60).min(day_start + 86_400), 1, 3).await.expect("page");
    assert_eq!(page.recordlist.len(), 3);
    assert_eq!(page.number, 3);
    let mut stream = c.iter_msg_records_paged(now - 60, now + 60, 4).expect("stream");
    let mut all = Vec::new();
    while let Some(r) = stream.next().await.expect("record") {
        all.push(r);
    }
    let state = h.admin_get("state").await;
    assert_eq!(all.len() as i64, state["record_count"].as_i64().expect("count"));
    assert!(all.iter().any(|r| r.opercode == 2003 && r.worker == KF && r.text == "在吗"), "received in the session");
    assert!(all.iter().any(|r| r.opercode == 2002 && r.worker == KF), "sent by the kf");
    let streamed: Vec<_> =
        c.iter_msg_records(now - 60, now + 60).expect("stream").into_stream().collect::<Vec<_>>().await;
    assert_eq!(streamed.len(), all.len());

    c.del_kf_account(KF).await.expect("delete");
    assert!(c.get_kf_list().await.expect("list").is_empty());
    h.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classic_tokens_fixed_tokens_and_credential_errors() {
    let h = Harness::start(|_| {}).await.expect("emulator");
    let classic = h.client_with(ClientConfig::classic(APPID, SECRET), std::time::Duration::from_secs(5)).expect("c");
    assert!(classic.get_kf_list().await.expect("classic").is_empty());
    let token = classic.access_token().await.expect("token");
    let fixed = h.client_with(ClientConfig::fixed(token), std::time::Duration::from_secs(5)).expect("fixed");
    assert!(fixed.get_kf_list().await.expect("fixed token").is_empty());

    // a wrong secret: 40125, fetched once, never retried, and the secret is not in the error
    let before = h.token_fetches().await;
    let wrong = h.client_with(ClientConfig::stable(APPID, "wrong-secret-zzz"), std::time::Duration::from_secs(5));
    let err = wrong.expect("client").get_kf_list().await.expect_err("wrong secret");
    assert!(matches!(err, KfError::Api { errcode: 40125, .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("wrong-secret-zzz"));
    assert_eq!(h.token_fetches().await, before + 1, "40125 is not retried");

    // an IP outside the allow-list: 40164 points to the provider mode
    h.admin("config", json!({"ip_allowlist": ["10.9.9.9"]})).await;
    let err = h.client().expect("client").get_kf_list().await.expect_err("40164");
    assert!(matches!(err, KfError::Api { errcode: 40164, .. }), "{err:?}");
    assert!(err.to_string().contains("token provider"), "{err}");
    h.emu.shutdown().await;
}
