//! The shared vectors through the public `Client`: a transport checks each request against
//! the vector and answers the canned response.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::Value;
use wxkf::api::message::send_typing::{SendTyping, TypingCommand};
use wxkf::api::token::{get_access_token::GetAccessToken, get_stable_access_token::GetStableAccessToken};
use wxkf::client::{Client, ClientConfig, MemoryStore, RetryPolicy, Transport};
use wxkf::{HttpRequest, HttpResponse, KfError, Message, TransportKind};

/// Checks the one expected request and answers the case's response.
struct Checker {
    case: Value,
    seen: Mutex<Vec<String>>,
}

#[async_trait]
impl Transport for Checker {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, KfError> {
        let mut seen = self.seen.lock().unwrap();
        if self.case["request"].is_null() {
            seen.push("a request was sent for a case that must fail before the network".into());
        } else if let Err(why) = common::vectors::check_request(&self.case["request"], &request) {
            seen.push(why);
        }
        if seen.is_empty() {
            Ok(common::vectors::response_of(&self.case))
        } else {
            Err(KfError::transport(TransportKind::Other, "request mismatch"))
        }
    }
}

fn s(case: &Value, key: &str) -> String {
    case["input"][key].as_str().unwrap_or("").to_string()
}

fn to_value<T: serde::Serialize>(r: Result<T, KfError>) -> Result<Value, KfError> {
    r.map(|v| serde_json::to_value(v).unwrap())
}

async fn call(c: &Client<Arc<Checker>, MemoryStore, common::fake::TestClock>, case: &Value) -> Result<Value, KfError> {
    let i = &case["input"];
    match case["operation"].as_str().unwrap() {
        "get_access_token" => {
            to_value(c.execute(&GetAccessToken { appid: s(case, "appid"), secret: s(case, "secret").into() }).await)
        }
        "get_stable_access_token" => to_value(
            c.execute(&GetStableAccessToken {
                appid: s(case, "appid"),
                secret: s(case, "secret").into(),
                force_refresh: i["force_refresh"].as_bool().unwrap(),
            })
            .await,
        ),
        "add_kf_account" => to_value(c.add_kf_account(&s(case, "kf_account"), &s(case, "nickname")).await),
        "update_kf_account" => to_value(c.update_kf_account(&s(case, "kf_account"), &s(case, "nickname")).await),
        "del_kf_account" => to_value(c.del_kf_account(&s(case, "kf_account")).await),
        "invite_worker" => to_value(c.invite_worker(&s(case, "kf_account"), &s(case, "invite_wx")).await),
        "upload_kf_head_img" => {
            let image = common::vectors::image_of(i).unwrap();
            to_value(c.upload_kf_head_img(&s(case, "kf_account"), image).await)
        }
        "get_kf_list" => to_value(c.get_kf_list().await),
        "get_kf_online_list" => to_value(c.get_kf_online_list().await),
        "send_message" => {
            let message: Message = serde_json::from_value(i["message"].clone()).unwrap();
            to_value(c.send_message(&s(case, "touser"), message).await)
        }
        "send_typing" => {
            let command: TypingCommand = serde_json::from_value(i["command"].clone()).unwrap();
            let businessid = i["businessid"].as_str().map(str::to_string);
            to_value(c.execute(&SendTyping { touser: s(case, "touser"), command, businessid }).await)
        }
        "create_kf_session" => to_value(c.create_kf_session(&s(case, "kf_account"), &s(case, "openid")).await),
        "close_kf_session" => to_value(c.close_kf_session(&s(case, "kf_account"), &s(case, "openid")).await),
        "get_kf_session" => to_value(c.get_kf_session(&s(case, "openid")).await),
        "get_kf_session_list" => to_value(c.get_kf_session_list(&s(case, "kf_account")).await),
        "get_wait_case_list" => to_value(c.get_wait_case_list().await),
        "get_msg_list" => to_value(
            c.get_msg_list(
                i["starttime"].as_i64().unwrap(),
                i["endtime"].as_i64().unwrap(),
                i["msgid"].as_i64().unwrap(),
                i["number"].as_i64().unwrap(),
            )
            .await,
        ),
        other => panic!("unknown operation {other}"),
    }
}

#[tokio::test]
async fn every_vector_passes_through_the_client() {
    let cases = common::vectors::load_cases();
    let mut failures = Vec::new();
    for (file, case) in &cases {
        let checker = Arc::new(Checker { case: case.clone(), seen: Mutex::new(Vec::new()) });
        // A fixed token and no retries: one request per call, exactly as the vector says.
        let config =
            ClientConfig::fixed("ACCESS_TOKEN").base_url("https://api.weixin.qq.com").retry(RetryPolicy::none());
        let client = Client::new(config, checker.clone(), MemoryStore::new(), common::fake::TestClock::default());
        let outcome = call(&client, case).await;
        let seen = checker.seen.lock().unwrap().clone();
        let name = format!("{file}/{}", case["name"].as_str().unwrap_or("?"));
        if !seen.is_empty() {
            failures.push(format!("{name}: {}", seen.join("; ")));
        } else if let Err(why) = common::vectors::check_outcome(&case["expect"], &outcome) {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
