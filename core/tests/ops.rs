//! The operation table: its metadata, and `Client::call_json` (the entry of the JS and Python
//! bindings) for every row, its defaults, bytes, token calls and argument errors.

mod common;

use std::sync::Arc;

use common::fake::{json, Fake, TestClock};
use serde_json::{json, Value};
use wxkf::client::{Client, ClientConfig, MemoryStore};
use wxkf::ops::{Operation, OPERATIONS};
use wxkf::{HttpRequest, KfError, Method, OpClass};

fn client(config: ClientConfig, fake: &Arc<Fake>) -> Client<Arc<Fake>, MemoryStore, TestClock> {
    Client::new(config.base_url("http://wx.test"), fake.clone(), MemoryStore::new(), TestClock::default())
}

/// Answers token calls with a token and every other call with `body`.
fn wechat(body: &'static str) -> Arc<Fake> {
    Fake::new(move |req: &HttpRequest, _| {
        if req.url.contains("token?") || req.url.contains("stable_token") {
            json(r#"{"access_token":"TOKEN-FOR-OPS-TEST","expires_in":7200}"#)
        } else {
            json(body)
        }
    })
}

fn body_of(req: &HttpRequest) -> Value {
    serde_json::from_slice(&req.body).unwrap_or(Value::Null)
}

#[test]
fn the_table_lists_every_operation_once_with_its_http_shape() {
    assert_eq!(OPERATIONS.len(), 17);
    let mut names: Vec<&str> = OPERATIONS.iter().map(|op| op.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), OPERATIONS.len());
    let send = Operation::find("send_message").expect("send_message");
    assert_eq!((send.method, send.path, send.class), (Method::Post, "/cgi-bin/message/custom/send", OpClass::Write));
    assert_eq!(send.args.iter().map(|a| a.name).collect::<Vec<_>>(), ["touser", "message"]);
    let page = Operation::find("get_msg_list").expect("get_msg_list");
    assert_eq!(page.args[2].default, Some("1"));
    assert_eq!(page.output.replace(' ', ""), "MsgListPage");
    let upload = Operation::find("upload_kf_head_img").expect("upload");
    assert!(upload.args.iter().any(|a| a.name == "filename" && a.keyword));
    let token = Operation::find("get_stable_access_token").expect("token");
    assert!(!token.needs_token && token.class == OpClass::Token);
    assert!(OPERATIONS.iter().all(|op| !op.doc.trim().is_empty()));
}

#[tokio::test]
async fn call_json_runs_each_kind_of_row() {
    let fake = wechat(r#"{"errcode":0,"errmsg":"ok"}"#);
    let c = client(ClientConfig::stable("wxappid", "APP-SECRET-VALUE"), &fake);
    let out = c.call_json("add_kf_account", r#"{"kf_account":"kf01@gh_x","nickname":"小王"}"#).await;
    assert_eq!(out.as_deref(), Ok("null"));
    let sent = fake.log.lock().unwrap().last().cloned().expect("a request");
    assert_eq!(body_of(&sent), json!({"kf_account":"kf01@gh_x","nickname":"小王"}));

    // Bytes travel as base64; the keyword argument is optional.
    let out = c.call_json("upload_kf_head_img", r#"{"kf_account":"kf@gh","image":"/9j/4AA=","filename":"me.jpg"}"#);
    assert_eq!(out.await.as_deref(), Ok("null"));
    let sent = fake.log.lock().unwrap().last().cloned().expect("a request");
    assert!(
        sent.body.windows(6).any(|w| w == b"me.jpg") && sent.body.windows(4).any(|w| w == [0xff, 0xd8, 0xff, 0xe0])
    );

    // Messages in the bindings' shape.
    let msg = r#"{"touser":"OPENID","message":{"text":{"content":"hi"},"kf_account":"kf@gh"}}"#;
    assert_eq!(c.call_json("send_message", msg).await.as_deref(), Ok("null"));
    let sent = fake.log.lock().unwrap().last().cloned().expect("a request");
    assert_eq!(
        body_of(&sent),
        json!({"touser":"OPENID","msgtype":"text","text":{"content":"hi"},"customservice":{"kf_account":"kf@gh"}})
    );
}

#[tokio::test]
async fn call_json_fills_defaults_and_returns_results_as_json() {
    let fake = wechat(
        r#"{"recordlist":[{"openid":"o","opercode":2003,"text":"hi","time":5,"worker":"kf@gh"}],"number":1,"msgid":9}"#,
    );
    let c = client(ClientConfig::fixed("FIXED-TOKEN-VALUE"), &fake);
    let out = c.call_json("get_msg_list", r#"{"starttime":1700000000,"endtime":1700003600}"#).await.expect("page");
    let page: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(page["msgid"], 9);
    assert_eq!(page["recordlist"][0]["opercode"], 2003);
    let sent = fake.log.lock().unwrap().last().cloned().expect("a request");
    assert_eq!(body_of(&sent)["msgid"], 1);
    assert_eq!(body_of(&sent)["number"], 10000);
}

#[tokio::test]
async fn token_rows_use_the_clients_credentials() {
    let fake = wechat("{}");
    let c = client(ClientConfig::stable("wxappid", "APP-SECRET-VALUE"), &fake);
    let out = c.call_json("get_stable_access_token", r#"{"force_refresh":true}"#).await.expect("token");
    assert_eq!(
        serde_json::from_str::<Value>(&out).ok(),
        Some(json!({"access_token":"TOKEN-FOR-OPS-TEST","expires_in":7200}))
    );
    let sent = fake.log.lock().unwrap().last().cloned().expect("a request");
    assert_eq!(body_of(&sent)["force_refresh"], true);
    assert_eq!(body_of(&sent)["appid"], "wxappid");

    let fixed = client(ClientConfig::fixed("FIXED-TOKEN-VALUE"), &fake);
    let err = fixed.call_json("get_access_token", "{}").await.expect_err("no credentials");
    assert!(matches!(err, KfError::Validation { ref field, .. } if field == "token_source"), "{err:?}");
}

#[tokio::test]
async fn bad_arguments_name_their_field_and_send_nothing() {
    let fake = wechat("{}");
    let c = client(ClientConfig::fixed("FIXED-TOKEN-VALUE"), &fake);
    let cases = [
        ("add_kf_account", r#"{"kf_account":"a@b"}"#, "nickname"),
        ("add_kf_account", r#"{"kf_account":"a@b","nickname":"n","extra":1}"#, "extra"),
        ("add_kf_account", r#"{"kf_account":5,"nickname":"n"}"#, "kf_account"),
        ("send_message", r#"{"touser":"o","message":{"text":{"content":7}}}"#, "message"),
        ("send_typing", r#"{"touser":"o","command":"Dancing"}"#, "command"),
        ("upload_kf_head_img", r#"{"kf_account":"a@b","image":"not base64!"}"#, "image"),
        ("get_msg_list", r#"{"starttime":"soon","endtime":1}"#, "starttime"),
        ("get_msg_list", r#"{"starttime":1,"endtime":2,"msgid":null}"#, "msgid"),
        ("get_stable_access_token", r#"{"force_refresh":null}"#, "force_refresh"),
        ("get_kf_list", r#"[1,2]"#, "arguments"),
        ("no_such_operation", "{}", "operation"),
    ];
    for (op, args, field) in cases {
        match c.call_json(op, args).await {
            Err(KfError::Validation { field: f, reason }) => {
                assert!(f.starts_with(field), "{op} {args}: field {f:?} ({reason}), expected {field}")
            }
            other => panic!("{op} {args}: {other:?}"),
        }
    }
    // A lone surrogate (what JS's JSON.stringify writes for one) is refused, naming the field.
    let lone = r#"{"kf_account":"a@b","nickname":"\ud800"}"#;
    assert!(
        matches!(c.call_json("add_kf_account", lone).await, Err(KfError::Validation { ref field, .. }) if field == "nickname")
    );
    // A key that is not valid text is named by the object holding it.
    let key = r#"{"touser":"o","message":{"\ud800":{"content":"x"}}}"#;
    assert!(
        matches!(c.call_json("send_message", key).await, Err(KfError::Validation { ref field, .. }) if field == "message")
    );
    // Nesting beyond serde_json's recursion limit is an error, not a stack overflow.
    let deep = format!(r#"{{"touser":"o","message":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(c.call_json("send_message", &deep).await, Err(KfError::Validation { .. })));
    assert_eq!(fake.calls.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing may be sent");
}

#[test]
fn from_json_reads_host_values_naming_their_fields() {
    use wxkf::ops::from_json;
    let options: wxkf::ClientOptions = from_json(r#"{"max_attempts":1}"#).expect("options");
    assert_eq!((options.max_attempts, options.timeout_ms), (1, 15_000));
    let field = |e: KfError| match e {
        KfError::Validation { field, .. } => field,
        other => format!("{other:?}"),
    };
    let bad = from_json::<wxkf::ClientOptions>(r#"{"max_attempts":-1}"#).map(|_| ()).map_err(field);
    assert_eq!(bad, Err("max_attempts".to_string()));
    let bad = from_json::<wxkf::records::RecordCursor>(r#"{"window_start":0,"msgid":1}"#).map(|_| ()).map_err(field);
    assert_eq!(bad, Err("to".to_string()));
    let bad = from_json::<wxkf::ClientOptions>(r#"{"\udc00":1}"#).map(|_| ()).map_err(field);
    assert_eq!(bad, Err("arguments".to_string()));
}
