//! Four processes share one token through Redis: 4 × 25 concurrent calls on a cold cache make
//! exactly one token fetch at the emulator.

#[path = "../../../native/tests/support/redis_server.rs"]
mod redis_server;

use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use wxkf_e2e::Harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_sharing_redis_make_one_token_fetch() {
    let redis = redis_server::RedisServer::start();
    let h = Harness::start(|_| {}).await.expect("emulator");
    // All four start their 25 calls at the same instant, after each has connected to Redis.
    let start = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_millis() + 1_500;
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_redis-worker"))
                .args([h.base_url(), redis.url.clone(), "25".into(), start.to_string()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn worker")
        })
        .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        children.into_iter().map(|c| c.wait_with_output().expect("worker output")).collect::<Vec<_>>()
    })
    .await
    .expect("join");
    let mut own_fetches = 0;
    for out in &outputs {
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "worker failed: {text} {}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("calls=25 failed=0"), "{text}");
        own_fetches += text.trim().rsplit('=').next().and_then(|n| n.parse::<u64>().ok()).expect("fetch count");
    }
    let fetches = h.token_fetches().await;
    eprintln!("4 processes × 25 concurrent calls sharing Redis: {fetches} token fetch(es) at the server");
    assert_eq!(fetches, 1, "one fetch across four processes");
    assert_eq!(own_fetches, 1, "exactly one process fetched");
    h.emu.shutdown().await;
}
