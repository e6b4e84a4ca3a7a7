//! The cross-runtime conformance scenario (`tests/conformance/scenario.json`) through Rust's
//! public client: every step's outcome, field by field, as every other runtime must see it.

use serde_json::{json, Value};
use wxkf::callback::{CallbackConfig, PushQuery, Webhook};
use wxkf::client::TokenSource;
use wxkf::{ClientConfig, ClientOptions, Credentials, KfError};
use wxkf_e2e::Harness;
use wxkf_native::NativeClient;

fn scenario() -> Value {
    // The directory at run time (cargo sets it): a binary built in another checkout sharing the
    // target directory, and not rebuilt for a path change, must read this checkout's scenario.
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let path = format!("{dir}/../conformance/scenario.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("scenario.json")).expect("scenario JSON")
}

/// `over` merged into `base` (objects key by key, anything else replaced).
fn merged(base: &Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            let mut out = b.clone();
            for (k, v) in o {
                out.insert(k.clone(), merged(b.get(k).unwrap_or(&Value::Null), v));
            }
            Value::Object(out)
        }
        (_, o) => o.clone(),
    }
}

fn client(spec: &Value, base_url: &str) -> Result<NativeClient, KfError> {
    let credentials: Credentials = serde_json::from_value(spec["credentials"].clone()).expect("credentials");
    let mut options = spec["options"].clone();
    if options.get("base_url").is_none() {
        options["base_url"] = json!(base_url);
    }
    let options: ClientOptions = serde_json::from_value(options).expect("options");
    let source = TokenSource::from_mode(credentials.mode(false)?, None)?;
    wxkf_native::client_with_store(
        ClientConfig::from_options(source, &options)?,
        std::sync::Arc::new(wxkf::client::MemoryStore::new()),
    )
}

/// Whether `actual` holds everything `expected` names (lists: each expected element is
/// contained in some actual element).
fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e.iter().all(|(k, v)| a.get(k).is_some_and(|x| contains(x, v))),
        (Value::Array(a), Value::Array(e)) => e.iter().all(|v| a.iter().any(|x| contains(x, v))),
        (a, e) => a == e,
    }
}

fn check(name: &str, outcome: Result<Value, Value>, expect: &Value) {
    match (outcome, expect.get("error")) {
        (Err(view), Some(fields)) => {
            for (k, v) in fields.as_object().expect("error fields") {
                assert_eq!(view.get(k), Some(v), "{name}: error field {k} of {view}");
            }
        }
        (Ok(result), None) => {
            if let Some(want) = expect.get("result") {
                assert_eq!(&result, want, "{name}: result");
            }
            if let Some(want) = expect.get("result_contains") {
                assert!(contains(&result, want), "{name}: {result} does not contain {want}");
            }
        }
        (Err(view), None) => panic!("{name}: unexpected error {view}"),
        (Ok(result), Some(_)) => panic!("{name}: expected an error, got {result}"),
    }
}

#[tokio::test]
async fn the_scenario_passes_through_the_rust_client() {
    let s = scenario();
    let emu = &s["emulator"];
    let h = Harness::start(|c| {
        c.appid = emu["appid"].as_str().unwrap_or_default().into();
        c.secret = emu["secret"].as_str().unwrap_or_default().into();
        c.callback_token = emu["callback_token"].as_str().unwrap_or_default().into();
    })
    .await
    .expect("emulator");
    let base = h.base_url();
    let mut c = client(&s["client"], &base).expect("client");
    let hook = &s["webhook"];
    let config = CallbackConfig::new(
        hook["token"].as_str().unwrap_or_default(),
        hook["encoding_aes_key"].as_str().map(str::to_string),
        hook["app_id"].as_str().unwrap_or_default(),
    );
    let webhook = Webhook::new(config, None).expect("webhook");
    let http = reqwest::Client::new();
    let mut seen = Vec::new();
    for step in s["steps"].as_array().expect("steps") {
        let name = step["name"].as_str().unwrap_or("?");
        if let Some(admin) = step.get("admin") {
            let url = format!("{base}{}", admin["path"].as_str().unwrap_or_default());
            let method = reqwest::Method::from_bytes(admin["method"].as_str().unwrap_or("POST").as_bytes()).unwrap();
            let resp = http.request(method, url).json(&admin["body"]).send().await.expect("admin call");
            assert!(resp.status().is_success(), "{name}: admin answered {}", resp.status());
            continue;
        }
        if let Some(spec) = step.get("client") {
            c = client(&merged(&s["client"], spec), &base).expect("client");
            continue;
        }
        let outcome = if let Some(op) = step["call"].as_str() {
            c.call_json(op, &step["args"].to_string()).await.map(|text| serde_json::from_str(&text).expect("json"))
        } else {
            let push = &step["push"];
            let query: PushQuery = serde_json::from_value(push["query"].clone()).expect("query");
            let body = push["body"].as_str().unwrap_or_default().as_bytes();
            webhook.open(&query, body, push["now"].as_i64().unwrap_or_default()).map(|p| json!(p))
        };
        let outcome = outcome.map_err(|e| json!(e.view()));
        seen.push(match &outcome {
            Ok(v) | Err(v) => v.to_string(),
        });
        check(name, outcome, &step["expect"]);
    }
    for secret in s["secrets"].as_array().expect("secrets") {
        let secret = secret.as_str().unwrap_or_default();
        assert!(seen.iter().all(|text| !text.contains(secret)), "{secret} appeared in an outcome");
    }
}
