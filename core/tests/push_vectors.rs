//! Runs every case of every `tests/vectors/push-*.json` (format in `tests/vectors/PUSH.md`).

use std::path::PathBuf;

use base64::Engine;
use serde_json::{json, Value};
use wxkf::callback::{build_reply, check_url, open_push, open_push_guarded, CallbackKeys, MemoryReplayGuard};
use wxkf::{CallbackConfig, KfError, OpenedPush, PushQuery, Reply, UrlQuery};

fn vector_files() -> Vec<PathBuf> {
    // The directory at run time (cargo sets it): a test binary reused from another checkout of
    // the same target directory (cargo does not rebuild for a path change) reads this one's files.
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("../tests/vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("push-") && name.ends_with(".json")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 4, "expected the push vector files in {}", dir.display());
    files
}

fn config(file: &Value, case: &Value) -> CallbackConfig {
    serde_json::from_value(case.get("config").unwrap_or(&file["config"]).clone()).unwrap()
}

fn error_json(e: &KfError) -> Value {
    match e {
        KfError::Callback { callback_kind, .. } => json!({"code": e.code_name(), "kind": callback_kind}),
        KfError::Validation { field, .. } => json!({"code": e.code_name(), "field": field}),
        other => json!({"code": other.code_name()}),
    }
}

fn body(case: &Value) -> Vec<u8> {
    if let Some(b64) = case["body_base64"].as_str() {
        return base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    }
    let one = case["body"].as_str().unwrap_or_default();
    one.repeat(case["body_repeat"].as_u64().unwrap_or(1) as usize).into_bytes()
}

fn open_case(file: &Value, case: &Value) -> Result<OpenedPush, KfError> {
    let cfg = config(file, case);
    let query: PushQuery = serde_json::from_value(case["query"].clone()).unwrap();
    let now = case["now"].as_i64().unwrap();
    let body = body(case);
    match case.get("guard") {
        None => open_push(&cfg, &query, &body, now),
        Some(g) => {
            let mut guard = MemoryReplayGuard::new(g["capacity"].as_u64().unwrap() as usize, cfg.window_secs);
            let times = g["times"].as_u64().unwrap();
            for _ in 1..times {
                open_push_guarded(&cfg, &query, &body, now, &mut guard).expect("earlier attempts must succeed");
            }
            open_push_guarded(&cfg, &query, &body, now, &mut guard)
        }
    }
}

fn check(name: &str, got: Result<Value, KfError>, case: &Value, failures: &mut Vec<String>) {
    let got = match got {
        Ok(v) => json!({ "expect": v }),
        Err(e) => json!({ "error": error_json(&e) }),
    };
    let want = match (case.get("expect"), case.get("error")) {
        (Some(e), _) => json!({ "expect": e }),
        (None, Some(e)) => json!({ "error": e }),
        _ => panic!("{name}: case has neither expect nor error"),
    };
    if got != want {
        failures.push(format!("{name}:\n  want {want}\n  got  {got}"));
    }
}

fn reply_case(file: &Value, case: &Value) -> Result<Value, KfError> {
    let cfg = config(file, case);
    let opened = open_case(file, &case["push"]).unwrap();
    let reply: Reply = serde_json::from_value(case["reply"].clone()).unwrap();
    let random: [u8; 16] = hex::decode(case["random_hex"].as_str().unwrap()).unwrap().try_into().unwrap();
    let now = case["now"].as_i64().unwrap();
    let body = build_reply(&cfg, &opened, &reply, now, case["nonce"].as_str().unwrap(), &random)?;
    if case["expect"].get("inner_xml").is_none() {
        return Ok(json!({ "body": body }));
    }
    // Safe-mode replies: also check what the reply decrypts to.
    let env = wxkf::callback::fields::read_fields(&body).unwrap();
    let enc = wxkf::callback::fields::field(&env, "Encrypt").unwrap();
    let key = cfg.encoding_aes_key.as_ref().unwrap();
    let keys = CallbackKeys::new(cfg.token.expose(), key.expose(), &cfg.appid).unwrap();
    Ok(json!({ "body": body, "inner_xml": keys.decrypt(enc).unwrap() }))
}

#[test]
fn push_vectors() {
    let mut failures = Vec::new();
    let mut count = 0;
    for path in vector_files() {
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let format = file["format"].as_str().unwrap().to_string();
        let fname = path.file_name().unwrap().to_string_lossy().into_owned();
        for case in file["cases"].as_array().unwrap() {
            count += 1;
            let name = format!("{fname}/{}", case["name"].as_str().unwrap());
            let got = if format.starts_with("push-url") {
                let q: UrlQuery = serde_json::from_value(case["query"].clone()).unwrap();
                check_url(&config(&file, case), &q, case["now"].as_i64().unwrap()).map(|e| json!({ "echostr": e }))
            } else if format.starts_with("push-open") {
                open_case(&file, case).map(|o| {
                    json!({
                        "encrypted": o.encrypted,
                        "raw_xml": o.raw_xml,
                        "message": serde_json::to_value(&o.message).unwrap(),
                    })
                })
            } else if format.starts_with("push-reply") {
                reply_case(&file, case)
            } else {
                panic!("{name}: unknown format {format}");
            };
            check(&name, got, case, &mut failures);
        }
    }
    assert!(failures.is_empty(), "{} of {count} push vectors failed:\n{}", failures.len(), failures.join("\n"));
    assert!(count > 80, "only {count} push vectors");
}
