//! Long runs under faults: 10 000 sends under a random mix of every fault the emulator injects
//! (no message delivered twice, every call ends typed and in time), and 10 000 reads while the
//! token is invalidated again and again (no failed call, one fetch per invalidation at most).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use wxkf::{ClientConfig, KfError, Message};
use wxkf_e2e::{Harness, APPID, SECRET};

const SEND: &str = "/cgi-bin/message/custom/send";
const LIST: &str = "/cgi-bin/customservice/getkflist";
const USERS: usize = 8;
const CALLS: usize = 10_000;
const IN_FLIGHT: usize = 32;
/// Reads per batch (10 000 is a multiple).
const BATCH: usize = 40;
const TIMEOUT: Duration = Duration::from_millis(250);

fn user(i: usize) -> String {
    format!("oSOAK_user_{:04}", i % USERS)
}

/// One random fault for `path`, as the emulator's admin API takes it.
fn random_fault(rng: &mut impl Rng, path: &str) -> (&'static str, Value) {
    let after = rng.gen_range(0..8);
    match rng.gen_range(0..7) {
        0 => ("busy", json!({"path": path, "kind": "busy", "count": rng.gen_range(1..4), "after": after})),
        1 => ("http_status", json!({"path": path, "kind": "http_status", "status": 503, "after": after})),
        // Past the client's timeout: the server still applies the call after the client gave up.
        2 => ("latency_ms", json!({"path": path, "kind": "latency_ms", "ms": 400, "count": 1, "after": after})),
        3 => ("reset_before", json!({"path": path, "kind": "reset_before", "after": after})),
        4 => ("reset_after", json!({"path": path, "kind": "reset_after", "after": after})),
        5 => ("invalidate_token", json!({"path": path, "kind": "invalidate_token", "after": after})),
        _ => ("quota", json!({"path": path, "kind": "quota", "after": after})),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_sends_under_mixed_faults_deliver_nothing_twice() {
    let h = Arc::new(Harness::start(|_| {}).await.expect("emulator"));
    // Each user has paid: an unlimited 48-hour window (a message alone allows only 5 sends).
    for i in 0..USERS {
        h.admin("user/message", json!({"openid": user(i), "content": "hi"})).await;
        h.admin("user/payment", json!({"openid": user(i)})).await;
    }
    let c = Arc::new(h.client_with(ClientConfig::stable(APPID, SECRET), TIMEOUT).expect("client"));
    let stop = Arc::new(AtomicBool::new(false));

    // Injects a random fault every few milliseconds while the sends run.
    let injector = {
        let (h, stop) = (h.clone(), stop.clone());
        tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
            let mut injected: HashMap<&'static str, usize> = HashMap::new();
            while !stop.load(Ordering::Relaxed) {
                let (kind, fault) = random_fault(&mut rng, SEND);
                h.fault(fault).await;
                *injected.entry(kind).or_default() += 1;
                tokio::time::sleep(Duration::from_millis(3)).await;
            }
            injected
        })
    };

    let started = Instant::now();
    let outcomes: Vec<(usize, Result<(), KfError>, Duration)> = futures_util::stream::iter(0..CALLS)
        .map(|i| {
            let c = c.clone();
            async move {
                let t = Instant::now();
                let r = c.send_message(&user(i), Message::text(format!("soak {i}"))).await;
                (i, r, t.elapsed())
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let injected = injector.await.expect("injector");
    // Calls the emulator was still applying when the client gave up finish within the latency.
    let _ = reqwest::Client::new().delete(format!("{}/__admin/faults", h.base_url())).send().await;
    tokio::time::sleep(Duration::from_millis(600)).await;

    let mut delivered: HashMap<String, usize> = HashMap::new();
    for d in h.deliveries().await {
        if let Some(text) = d["body"]["text"]["content"].as_str() {
            *delivered.entry(text.to_string()).or_default() += 1;
        }
    }
    let twice: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");

    let mut errors: HashMap<String, usize> = HashMap::new();
    let mut slowest = Duration::ZERO;
    for (i, r, took) in &outcomes {
        slowest = slowest.max(*took);
        match r {
            Ok(()) => {
                assert_eq!(delivered.get(&format!("soak {i}")), Some(&1), "send {i} succeeded but was not delivered")
            }
            Err(e @ (KfError::Api { .. } | KfError::Http { .. } | KfError::Transport { .. })) => {
                *errors.entry(e.code_name().to_string()).or_default() += 1;
            }
            Err(other) => panic!("send {i}: unexpected error kind {other:?}"),
        }
    }
    // A write is never retried after it may have left, so its worst case is one refresh plus
    // one attempt, each bounded by the timeout.
    assert!(slowest < Duration::from_secs(5), "slowest call took {slowest:?}");
    let ok = outcomes.iter().filter(|(_, r, _)| r.is_ok()).count();
    assert!(ok > CALLS / 2, "most sends succeed between faults: {ok}");
    let fetches = h.token_fetches().await;
    let invalidations = injected.get("invalidate_token").copied().unwrap_or(0);
    assert!(fetches <= invalidations + 1, "{fetches} token fetches for {invalidations} invalidations");
    println!(
        "soak sends: {CALLS} in {elapsed:?}, {ok} ok, {} delivered, 0 twice, faults injected {injected:?}, \
         errors {errors:?}, token fetches {fetches}, slowest {slowest:?}",
        delivered.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_reads_ride_out_repeated_token_invalidations() {
    let h = Harness::start(|_| {}).await.expect("emulator");
    let c = h.client().expect("client");
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x70c3);
    let mut invalidations = 0;
    let mut failures = Vec::new();
    let started = Instant::now();
    // Batches of BATCH concurrent reads; before about half of them every token is
    // invalidated when a random call of the batch arrives. One invalidation per batch at most,
    // so no call can meet two: each call must succeed with at most one refresh and one retry.
    for _ in 0..CALLS / BATCH {
        if rng.gen_bool(0.5) {
            let after = rng.gen_range(0..BATCH);
            h.fault(json!({"path": LIST, "kind": "invalidate_token", "after": after})).await;
            invalidations += 1;
        }
        let batch = (0..BATCH).map(|_| c.get_kf_list());
        failures.extend(futures_util::future::join_all(batch).await.into_iter().filter_map(Result::err));
    }
    let elapsed = started.elapsed();
    assert!(failures.is_empty(), "{} calls failed, first: {:?}", failures.len(), failures.first());
    let fetches = h.token_fetches().await;
    assert!(invalidations > 100, "the run saw invalidations ({invalidations})");
    assert!(fetches <= invalidations + 1, "{fetches} token fetches for {invalidations} invalidations");
    println!("soak reads: {CALLS} in {elapsed:?}, 0 failed, {invalidations} invalidations, {fetches} token fetches");
}
