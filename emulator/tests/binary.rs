//! The CLI binary: starts on port 0, prints its address first, serves a token call.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn binary_prints_address_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxkf-emulator"))
        .args(["--port", "0", "--appid", "wxbin", "--secret", "binsecret", "--seed", "1"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let base = line.trim().strip_prefix("listening on ").expect("first line").to_string();
    assert!(base.starts_with("http://127.0.0.1:"));
    let v: serde_json::Value =
        reqwest::get(format!("{base}/cgi-bin/token?grant_type=client_credential&appid=wxbin&secret=binsecret"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(v["access_token"].is_string(), "{v}");
    assert_eq!(v["expires_in"], 7200);
}
