//! Issue 17: the emulator behaves like WeChat where the spec says how — quotas by what the user
//! did, forwarding, binding, typing, record opercodes, delete forms, avatar and text limits, and
//! its own `errmsg` texts. Hand-written requests only (no SDK code).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{code, config, H};
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

/// Delete: the current doc's POST with a JSON body, and the older GET with a query.
#[tokio::test]
async fn delete_accepts_post_json_and_get_query() {
    let h = H::start().await;
    let del = "/customservice/kfaccount/del";
    h.add_kf("a_1@gh_x").await;
    h.add_kf("b@gh_x").await;
    assert_eq!(code(&h.post(del, json!({"kf_account": "a_1@gh_x"})).await), 0);
    assert_eq!(code(&h.post(del, json!({"kf_account": "a_1@gh_x"})).await), 65401, "already gone");
    assert_eq!(code(&h.post(del, json!({})).await), 41011);
    assert_eq!(code(&h.post(del, json!({"kf_account": "no-at-sign"})).await), 65401);
    assert_eq!(code(&h.post_raw(&format!("{del}?access_token={}", h.token), "").await), 44002);
    assert_eq!(code(&h.get(del, "kf_account=b@gh_x").await), 0);
    assert_eq!(h.get("/cgi-bin/customservice/getkflist", "").await["kf_list"], json!([]));
}

fn jpeg(len: usize) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.resize(len, 0xFF);
    b
}

/// Avatar: JPEG only (PNG → 40005), at most 5 MB (5 MiB; one byte more → 40006).
#[tokio::test]
async fn avatar_is_a_jpeg_of_at_most_5_mb() {
    let h = H::start().await;
    h.add_kf("a@x").await;
    let url = format!("{}/customservice/kfaccount/uploadheadimg?access_token={}&kf_account=a@x", h.base, h.token);
    let upload = |bytes: Vec<u8>| {
        let (c, url) = (h.c.clone(), url.clone());
        async move {
            let part = reqwest::multipart::Part::bytes(bytes).file_name("a.jpg").mime_str("image/jpeg").unwrap();
            let form = reqwest::multipart::Form::new().part("media", part);
            c.post(url).multipart(form).send().await.unwrap().json::<serde_json::Value>().await.unwrap()
        }
    };
    let five_mb = 5 * 1024 * 1024;
    assert_eq!(code(&upload(jpeg(five_mb)).await), 0);
    let v = upload(jpeg(five_mb + 1)).await;
    assert_eq!(code(&v), 40006, "{v}");
    assert_eq!(code(&upload(jpeg(12 * 1024 * 1024)).await), 40006, "far over the limit");
    let png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0];
    assert_eq!(code(&upload(png).await), 40005);
}

/// Text: no 2,048-character cap by default; 45002 only when `max_text_chars` is set.
#[tokio::test]
async fn text_has_no_invented_cap_unless_configured() {
    let h = H::start().await;
    h.user_says("u1", "hi").await;
    let long = "字".repeat(5000);
    assert_eq!(code(&h.send_text("u1", &long).await), 0);
    h.admin("config", json!({"max_text_chars": 2048})).await;
    assert_eq!(code(&h.send_text("u1", &long).await), 45002);
    assert_eq!(code(&h.send_text("u1", &"x".repeat(2048)).await), 0);
    h.admin("config", json!({"max_text_chars": null})).await;
    assert_eq!(code(&h.send_text("u1", &long).await), 0);
}

/// kf_account: underscores are allowed in the prefix; the part after `@` is at most 30 characters.
#[tokio::test]
async fn kf_account_prefix_takes_underscores_and_id_is_bounded() {
    let h = H::start().await;
    let add = "/customservice/kfaccount/add";
    assert_eq!(code(&h.post(add, json!({"kf_account": "kf_01@gh_abc", "nickname": "n"})).await), 0);
    let id30 = format!("gh_{}", "a".repeat(27));
    assert_eq!(code(&h.post(add, json!({"kf_account": format!("k@{id30}"), "nickname": "n"})).await), 0);
    let id31 = format!("gh_{}", "a".repeat(28));
    assert_eq!(code(&h.post(add, json!({"kf_account": format!("k@{id31}"), "nickname": "n"})).await), 65401);
    assert_eq!(code(&h.post(add, json!({"kf_account": "kf-01@gh_abc", "nickname": "n"})).await), 65404);
}

/// A kf that has not accepted an invitation cannot go online or take a session (65402); the
/// admin API accepts an invitation or binds a kf directly.
#[tokio::test]
async fn an_unbound_kf_cannot_go_online_or_take_a_session() {
    let h = H::start().await;
    let create = "/customservice/kfsession/create";
    h.add_kf("a@x").await;
    h.add_kf("b@x").await;
    h.add_kf("c@x").await;
    h.user_says("u1", "hi").await;
    let (status, v) = h.admin_answer("kf/online", json!({"kf_account": "a@x"})).await;
    assert_eq!((status, code(&v)), (400, 65402), "{v}");
    assert_eq!(h.get("/cgi-bin/customservice/getonlinekflist", "").await["kf_online_list"], json!([]));
    assert_eq!(code(&h.post(create, json!({"kf_account": "a@x", "openid": "u1"})).await), 65402);
    // invited and accepted: may go online
    let invite = h.post("/customservice/kfaccount/inviteworker", json!({"kf_account": "a@x", "invite_wx": "alice_wx"}));
    assert_eq!(code(&invite.await), 0);
    let (status, _) = h.admin_answer("kf/online", json!({"kf_account": "a@x"})).await;
    assert_eq!(status, 400, "a waiting invitation is not a binding");
    h.admin("kf/invitation", json!({"kf_account": "a@x", "accept": true})).await;
    h.online("a@x").await;
    assert_eq!(code(&h.post(create, json!({"kf_account": "a@x", "openid": "u1"})).await), 0);
    // bound directly by the admin API
    let bound = h.admin("kf/bind", json!({"kf_account": "b@x", "wechat_id": "bob_wx01"})).await;
    assert_eq!(bound["kf_wx"], "bob_wx01");
    let list = h.get("/cgi-bin/customservice/getkflist", "").await;
    assert_eq!(list["kf_list"][1]["kf_wx"], "bob_wx01");
    assert_eq!(code(&h.admin_answer("kf/bind", json!({"kf_account": "b@x"})).await.1), 65412);
    assert_eq!(code(&h.admin_answer("kf/bind", json!({"kf_account": "c@x", "wechat_id": "alice_wx"})).await.1), 65407);
    assert_eq!(code(&h.admin_answer("kf/bind", json!({"kf_account": "c@x", "wechat_id": "1bad"})).await.1), 65409);
    assert_eq!(code(&h.admin_answer("kf/bind", json!({"kf_account": "zz@x"})).await.1), 65401);
    // bound but offline: 65415
    h.user_says("u2", "hi").await;
    assert_eq!(code(&h.post(create, json!({"kf_account": "b@x", "openid": "u2"})).await), 65415);
    assert_eq!(code(&h.post(create, json!({"kf_account": "c@x", "openid": "u2"})).await), 65402);
    h.bind("c@x").await;
    h.online("c@x").await;
    assert_eq!(code(&h.post(create, json!({"kf_account": "c@x", "openid": "u2"})).await), 0);
}

/// Typing: 45072 for a bad command, 45080 without an exchange in the last 30 s, 45081 while
/// the typing state (15 s) lasts; `businessid` is accepted.
#[tokio::test]
async fn typing_errors_are_the_documented_ones() {
    let h = H::start().await;
    let typing = "/cgi-bin/message/custom/typing";
    h.user_says("u1", "hi").await;
    assert_eq!(code(&h.post(typing, json!({"touser": "u1", "command": "Dance"})).await), 45072);
    let with_id = json!({"touser": "u1", "command": "Typing", "businessid": "biz_42"});
    assert_eq!(code(&h.post(typing, with_id).await), 0);
    assert_eq!(code(&h.post(typing, json!({"touser": "u1", "command": "Typing"})).await), 45081);
    h.advance(14.0).await;
    assert_eq!(code(&h.post(typing, json!({"touser": "u1", "command": "Typing"})).await), 45081);
    h.advance(2.0).await;
    assert_eq!(code(&h.post(typing, json!({"touser": "u1", "command": "Typing"})).await), 0);
    h.advance(31.0).await;
    assert_eq!(code(&h.post(typing, json!({"touser": "u1", "command": "Typing"})).await), 45080);
    assert_eq!(code(&h.post(typing, json!({"touser": "u1", "command": "CancelTyping"})).await), 0);
    // a kf message is an exchange too
    assert_eq!(code(&h.send_text("u1", "still there?").await), 0);
    assert_eq!(code(&h.post(typing, json!({"touser": "u1", "command": "Typing"})).await), 0);
    let bad_id = json!({"touser": "u1", "command": "Typing", "businessid": 5});
    assert_eq!(code(&h.post(typing, bad_id).await), 47001);
}

/// Sends `n` texts to `to`; their errcodes.
async fn sends(h: &H, to: &str, n: usize) -> Vec<i64> {
    let mut codes = Vec::new();
    for i in 0..n {
        codes.push(code(&h.send_text(to, &format!("m{i}")).await));
    }
    codes
}

/// Quotas by what the user did (the official table, as data): a message opens 5 within 48 h; a
/// menu click, a follow or a scan 3 within a minute; a payment an unlimited 48-hour window. A
/// new action opens a new budget; 45015 outside every window, 45047 when the budget is spent.
#[tokio::test]
async fn quotas_follow_what_the_user_did() {
    let mut h = H::start().await;
    // a message: 5 within 48 h
    h.user_says("u_msg", "hi").await;
    assert_eq!(sends(&h, "u_msg", 6).await, vec![0, 0, 0, 0, 0, 45047]);
    h.user_says("u_msg", "again").await;
    assert_eq!(sends(&h, "u_msg", 1).await, vec![0], "a new message opens a new budget");
    // a menu click, a follow, a scan: 3 within one minute
    for (openid, event) in [("u_click", "CLICK"), ("u_follow", "subscribe"), ("u_scan", "SCAN")] {
        h.admin("user/event", json!({"openid": openid, "event": event, "event_key": "k"})).await;
    }
    assert_eq!(sends(&h, "u_click", 4).await, vec![0, 0, 0, 45047]);
    assert_eq!(sends(&h, "u_follow", 1).await, vec![0]);
    assert_eq!(sends(&h, "u_scan", 1).await, vec![0]);
    // an event that is none of those opens nothing
    h.admin("user/event", json!({"openid": "u_loc", "event": "LOCATION"})).await;
    assert_eq!(sends(&h, "u_loc", 1).await, vec![45015]);
    // a payment: unlimited for 48 h
    h.admin("user/payment", json!({"openid": "u_pay"})).await;
    assert_eq!(sends(&h, "u_pay", 12).await, vec![0; 12]);
    let state = h.admin_get("state").await;
    let pay = state["users"].as_array().unwrap().iter().find(|u| u["openid"] == "u_pay").unwrap().clone();
    assert_eq!(pay["windows"][0]["action"], "payment");
    assert!(pay["windows"][0]["left"].is_null());
    h.advance(61.0).await;
    assert_eq!(sends(&h, "u_follow", 1).await, vec![45015], "a follow's minute is over");
    assert_eq!(sends(&h, "u_scan", 1).await, vec![45015]);
    assert_eq!(sends(&h, "u_pay", 1).await, vec![0]);
    assert_eq!(sends(&h, "u_msg", 1).await, vec![0]);
    h.admin("user/event", json!({"openid": "u_msg", "event": "CLICK"})).await;
    assert_eq!(sends(&h, "u_msg", 7).await, vec![0, 0, 0, 0, 0, 0, 45047], "the click's 3, then the message's last 3");
    h.advance(48.0 * 3600.0).await;
    h.token_refresh().await;
    assert_eq!(sends(&h, "u_msg", 1).await, vec![45015]);
    assert_eq!(sends(&h, "u_pay", 1).await, vec![45015]);
}

/// The table is data: the admin API (or `Config::quotas`) replaces it.
#[tokio::test]
async fn the_quota_table_is_configurable() {
    let h = H::start().await;
    let table = json!([{"action": "message", "messages": 2, "within_secs": 10}]);
    let settings = h.admin("config", json!({"quotas": table})).await;
    assert_eq!(settings["quotas"], table);
    h.user_says("u1", "hi").await;
    assert_eq!(code(&h.send_text("u1", "1").await), 0);
    assert_eq!(code(&h.send_text("u1", "2").await), 0);
    assert_eq!(code(&h.send_text("u1", "3").await), 45047);
    h.admin("user/payment", json!({"openid": "u1"})).await;
    assert_eq!(code(&h.send_text("u1", "4").await), 45047, "no payment row: a payment opens nothing");
    h.advance(11.0).await;
    assert_eq!(code(&h.send_text("u1", "5").await), 45015);
    assert_eq!(
        h.admin_status("config", json!({"quotas": [{"action": "dance", "messages": 1, "within_secs": 1}]})).await,
        400
    );
}

/// Records carry the current doc's opercodes by default (2002 sent, 2003 received); the legacy
/// session codes (1000–1005, 2001) only with `legacy_opercodes`.
#[tokio::test]
async fn records_use_the_current_opercodes_unless_legacy_is_asked() {
    for legacy in [false, true] {
        let mut cfg = common::config();
        cfg.legacy_opercodes = legacy;
        let h = H::with(cfg).await;
        h.add_kf("a@x").await;
        h.bind("a@x").await;
        h.online("a@x").await;
        h.user_says("u1", "hi").await;
        let create = h.post("/customservice/kfsession/create", json!({"kf_account": "a@x", "openid": "u1"})).await;
        assert_eq!(code(&create), 0, "{create}");
        h.user_says("u1", "in session").await;
        assert_eq!(code(&h.send_text("u1", "answer").await), 0);
        let close = h.post("/customservice/kfsession/close", json!({"kf_account": "a@x", "openid": "u1"})).await;
        assert_eq!(code(&close), 0);
        let ops: Vec<i64> = h.records_today().await.iter().map(|r| r["opercode"].as_i64().unwrap()).collect();
        if legacy {
            assert_eq!(ops, vec![2001, 1002, 2003, 2002, 1004]);
        } else {
            assert_eq!(ops, vec![2003, 2002]);
        }
        let bulk = h.admin("records/bulk", json!({"start": 1_704_038_400, "end": 1_704_038_460, "count": 6})).await;
        assert_eq!(bulk["first_id"].as_i64().unwrap(), ops.len() as i64 + 1);
        let r = h
            .post(
                "/customservice/msgrecord/getmsglist",
                json!({"starttime": 1_704_038_400, "endtime": 1_704_038_460, "msgid": 1, "number": 100}),
            )
            .await;
        let synthetic: Vec<i64> =
            r["recordlist"].as_array().unwrap().iter().map(|x| x["opercode"].as_i64().unwrap()).collect();
        let expected =
            if legacy { vec![2001, 2002, 2003, 2001, 2002, 2003] } else { vec![2002, 2003, 2002, 2003, 2002, 2003] };
        assert_eq!(synthetic, expected);
    }
}

/// Forwarding like WeChat: a user's message goes to the developer's URL; only a
/// `transfer_customer_service` reply queues the user (or opens a session with the named kf when
/// it is online); in a session the messages go to the kf system (2003), not to the developer,
/// until the session is closed or idle for 30 minutes. An event cannot be transferred.
#[tokio::test]
async fn forwarding_goes_to_the_developer_until_a_transfer() {
    let (h, hook) = H::with_hook(common::config()).await;
    let wait = || async { h.get("/customservice/kfsession/getwaitcase", "").await["count"].as_i64().unwrap() };
    let session_of = |openid: &'static str| {
        let h = &h;
        async move { h.get("/customservice/kfsession/getsession", &format!("openid={openid}")).await["kf_account"].clone() }
    };
    h.add_kf("a@x").await;
    h.bind("a@x").await;
    h.online("a@x").await;

    // no transfer: the message stays with the developer
    let r = h.user_says("u1", "hello").await;
    assert_eq!(r["routed"], "developer", "{r}");
    assert_eq!(r["push"]["reply_kind"], "none");
    assert!(r["record_id"].is_null(), "{r}");
    assert_eq!(wait().await, 0);
    assert_eq!(h.records_today().await, Vec::<serde_json::Value>::new());

    // a transfer reply: the wait queue; the kf system received the message (2003, no worker yet)
    let r = h.user_says("u1", "transfer please").await;
    assert_eq!(r["push"]["applied"]["action"], "queued", "{r}");
    assert_eq!(wait().await, 1);
    let recs = h.records_today().await;
    assert_eq!((recs[0]["opercode"].clone(), recs[0]["worker"].clone()), (json!(2003), json!("")));
    assert_eq!(r["record_id"], 1);
    // waiting users still write to the developer
    let before = hook.count("FromUserName><![CDATA[u1]]");
    assert_eq!(h.user_says("u1", "anyone?").await["routed"], "developer");
    assert_eq!(hook.count("FromUserName><![CDATA[u1]]"), before + 1);

    // in a session: to the kf system, not pushed
    assert_eq!(code(&h.post("/customservice/kfsession/create", json!({"kf_account": "a@x", "openid": "u1"})).await), 0);
    assert_eq!(wait().await, 0);
    let pushed = hook.count("<Content>");
    let r = h.user_says("u1", "in session").await;
    assert_eq!(
        (r["routed"].clone(), r["kf_account"].clone(), r["push"].clone()),
        (json!("kf"), json!("a@x"), json!(null))
    );
    assert_eq!(hook.count("<Content>"), pushed, "not pushed to the developer");
    let last = h.records_today().await.last().cloned().unwrap();
    assert_eq!(
        (last["opercode"].clone(), last["worker"].clone(), last["text"].clone()),
        (json!(2003), json!("a@x"), json!("in session"))
    );

    // any message keeps the session alive; 30 idle minutes end it
    h.advance(29.0 * 60.0).await;
    assert_eq!(code(&h.send_text("u1", "still here").await), 0);
    h.advance(29.0 * 60.0).await;
    assert_eq!(h.user_says("u1", "me too").await["routed"], "kf");
    h.advance(31.0 * 60.0).await;
    assert_eq!(session_of("u1").await, "", "idle for 30 minutes: the session is over");
    let r = h.user_says("u1", "back again").await;
    assert_eq!(r["routed"], "developer");
    assert_eq!(hook.count("back again"), 1);

    // a transfer naming an online kf: straight into a session with it
    let r = h.user_says("u2", "transfer to a@x").await;
    assert_eq!(r["push"]["applied"]["action"], "session_created", "{r}");
    assert_eq!(session_of("u2").await, "a@x");
    // ... an offline one: the wait queue
    h.add_kf("b@x").await;
    h.bind("b@x").await;
    let r = h.user_says("u3", "transfer to b@x").await;
    assert_eq!(r["push"]["applied"]["action"], "queued", "{r}");
    // closing ends the forwarding
    assert_eq!(code(&h.post("/customservice/kfsession/close", json!({"kf_account": "a@x", "openid": "u2"})).await), 0);
    assert_eq!(h.user_says("u2", "thanks").await["routed"], "developer");

    // an event cannot be transferred: the reply is refused, nothing changes
    let r = h.admin("user/event", json!({"openid": "u4", "event": "CLICK", "event_key": "transfer"})).await;
    assert_eq!(r["push"]["reply_kind"], "transfer_customer_service", "{r}");
    assert_eq!(r["push"]["applied"]["action"], "refused", "{r}");
    assert_eq!(session_of("u4").await, "");
    assert_eq!(wait().await, 1, "only u3 waits");
}

/// WeChat waits 5 s for the webhook and sends an unanswered push again, three times; each
/// retry carries the same message. Timeout and retries are settings (the tests shorten them).
#[tokio::test]
async fn an_unanswered_push_is_retried_three_times_with_the_same_message() {
    let mut cfg = config();
    cfg.push_timeout_ms = 150;
    let (h, hook) = H::with_hook(cfg).await;
    hook.delay_ms.store(400, std::sync::atomic::Ordering::SeqCst);
    let report = h.user_says("o_slow", "hello").await;
    assert_eq!(report["push"]["attempts"], 4, "{report}");
    assert_eq!(report["push"]["delivered"], false, "{report}");
    let bodies = hook.received.lock().unwrap().clone();
    assert_eq!(bodies.len(), 4);
    assert!(bodies.iter().all(|b| b == &bodies[0]), "every retry carries the same message");
    assert!(bodies[0].contains("<MsgId>"), "{}", bodies[0]);

    // An answer in time: one attempt. Retries can be turned off.
    hook.delay_ms.store(0, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(h.user_says("o_fast", "hello").await["push"]["attempts"], 1);
    h.admin("config", json!({"push_retries": 0})).await;
    hook.delay_ms.store(400, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(h.user_says("o_once", "hello").await["push"]["attempts"], 1);
    assert_eq!(hook.count("o_once"), 1);
}

/// `wxcard.card_ext` is an optional JSON string (the current send doc).
#[tokio::test]
async fn a_card_may_carry_card_ext_as_a_string() {
    let h = H::start().await;
    h.user_says("o_card", "hi").await;
    let send = |card: serde_json::Value| {
        h.post("/cgi-bin/message/custom/send", json!({"touser": "o_card", "msgtype": "wxcard", "wxcard": card}))
    };
    assert_eq!(code(&send(json!({"card_id": "pCARD"})).await), 0);
    assert_eq!(code(&send(json!({"card_id": "pCARD", "card_ext": "{\"code\":\"\"}"})).await), 0);
    assert_eq!(code(&send(json!({"card_id": "pCARD", "card_ext": 7})).await), 47001);
}
