//! Four processes share one token through Redis: 4 × 25 concurrent calls on a cold cache make
//! exactly one token fetch at the emulator; and when Redis goes down for 10 s, each falls back
//! to its own cache (one fetch each at most), no call fails, and they share again once it is
//! back (issue 18).

#[path = "../../../native/tests/support/redis_server.rs"]
mod redis_server;

use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

fn unix_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_millis()
}

async fn sleep_until(at: u128) {
    tokio::time::sleep(Duration::from_millis(at.saturating_sub(unix_ms()) as u64)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_ride_out_a_redis_outage_and_share_again_when_it_is_back() {
    const PROCESSES: usize = 4;
    let mut redis = redis_server::RedisServer::start();
    let h = Harness::start(|_| {}).await.expect("emulator");
    let start = unix_ms() + 1_500;
    let until = start + 24_000;
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_redis-worker"))
                .args(["loop".into(), h.base_url(), redis.url.clone(), start.to_string(), until.to_string()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn worker")
        })
        .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        children.into_iter().map(|c| c.wait_with_output().expect("worker output")).collect::<Vec<_>>()
    });

    // Steady traffic with Redis up: one token for all.
    sleep_until(start + 2_500).await;
    let shared = h.token_fetches().await;
    // Redis goes down for 10 s, and WeChat's clock jumps 2 h: every process's token expires
    // during the outage (WeChat answers 42001) and each must get another without the store.
    redis.stop();
    let down_at = unix_ms();
    h.advance(7_300.0).await;
    sleep_until(down_at + 10_000).await;
    let before_back = h.token_fetches().await;
    redis.restart();
    let back_at = unix_ms();
    // Redis is back (empty); after a while the tokens expire again: the processes share again.
    sleep_until(back_at + 3_000).await;
    h.advance(7_300.0).await;
    let second_expiry_at = unix_ms();
    let outputs = outputs.await.expect("join");
    let total = h.token_fetches().await;

    let mut own_fetch_times = Vec::new();
    let (mut calls, mut failed) = (0u64, 0u64);
    for out in &outputs {
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "worker failed: {text} {}", String::from_utf8_lossy(&out.stderr));
        let field = |line: &str, name: &str| {
            line.split_whitespace().find_map(|f| f.strip_prefix(name)).and_then(|v| v.parse::<u128>().ok())
        };
        for line in text.lines() {
            if let Some(at) = line.strip_prefix("fetch at=").and_then(|v| v.parse::<u128>().ok()) {
                own_fetch_times.push(at);
            }
            if line.starts_with("calls=") {
                calls += field(line, "calls=").unwrap_or(0) as u64;
                failed += field(line, "failed=").unwrap_or(0) as u64;
            }
        }
        assert!(!text.contains("fail at="), "a call failed: {text}");
    }
    let during = own_fetch_times.iter().filter(|&&t| t >= down_at && t < back_at).count();
    let after_back = own_fetch_times.iter().filter(|&&t| t >= back_at).count();
    let outage_at_server = before_back - shared;
    let after_at_server = total - before_back;
    eprintln!(
        "redis outage (10 s, {PROCESSES} processes, {calls} calls, {failed} failed): before {shared} fetch(es); \
         during the outage {outage_at_server} at the server ({during} by the processes); after Redis came back \
         and the tokens expired again {after_at_server} ({after_back} by the processes; expiry at +{} ms)",
        second_expiry_at - back_at
    );
    assert_eq!(shared, 1, "one fetch for all while Redis is up");
    assert!(outage_at_server >= 1, "the tokens did expire during the outage");
    assert!(outage_at_server <= PROCESSES + 1, "fetches during the outage stay bounded: {outage_at_server}");
    assert_eq!(failed, 0, "no call failed for want of a token");
    assert!(calls > 4 * 100, "steady traffic throughout: {calls} calls");
    assert_eq!(after_at_server, 1, "shared again once Redis is back: one fetch for all");
    assert_eq!(own_fetch_times.len(), shared + outage_at_server + after_at_server, "{own_fetch_times:?}");
    h.emu.shutdown().await;
}
