//! The shared vectors through the public `Client`'s one entry, `call_json` (what the JS and
//! Python bindings call): a transport checks each request against the vector and answers the
//! canned response.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::Value;
use wxkf::client::{Client, ClientConfig, MemoryStore, RetryPolicy, Transport};
use wxkf::{HttpRequest, HttpResponse, KfError, TransportKind};

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

/// The case's input as `call_json` arguments: the vectors describe the image bytes as
/// `image_base64` or `image_size`, and give the token calls' credentials, which a client holds
/// instead.
fn args(case: &Value) -> String {
    let mut input = case["input"].as_object().cloned().unwrap_or_default();
    if input.contains_key("image_base64") || input.contains_key("image_size") {
        let image = common::vectors::image_json(&case["input"]).unwrap();
        input.remove("image_base64");
        input.remove("image_size");
        input.insert("image".into(), image);
    }
    input.remove("appid");
    input.remove("secret");
    Value::Object(input).to_string()
}

/// The client a case runs on: its credentials for the token calls, a fixed token otherwise.
fn config(case: &Value) -> ClientConfig {
    let (appid, secret) = (case["input"]["appid"].as_str(), case["input"]["secret"].as_str());
    let config = match (case["operation"].as_str(), appid, secret) {
        (Some("get_access_token"), Some(a), Some(s)) => ClientConfig::classic(a, s),
        (Some("get_stable_access_token"), Some(a), Some(s)) => ClientConfig::stable(a, s),
        _ => ClientConfig::fixed("ACCESS_TOKEN"),
    };
    config.base_url("https://api.weixin.qq.com").retry(RetryPolicy::none())
}

#[tokio::test]
async fn every_vector_passes_through_the_client() {
    let cases = common::vectors::load_cases();
    let mut failures = Vec::new();
    for (file, case) in &cases {
        let checker = Arc::new(Checker { case: case.clone(), seen: Mutex::new(Vec::new()) });
        // No retries: one request per call, exactly as the vector says; every operation by
        // its table name through the one entry the JS and Python bindings use.
        let client = Client::new(config(case), checker.clone(), MemoryStore::new(), common::fake::TestClock::default());
        let op = case["operation"].as_str().unwrap_or_default();
        let outcome = client.call_json(op, &args(case)).await.map(|text| serde_json::from_str(&text).unwrap());
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
