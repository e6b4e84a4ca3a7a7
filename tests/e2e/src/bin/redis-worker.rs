//! One of several processes sharing a token through Redis: at a given instant it makes N
//! concurrent calls and prints how many token fetches it made itself.
//!
//! Usage: `redis-worker BASE_URL REDIS_URL CALLS START_UNIX_MS` (AppID/secret of wxkf-e2e), or
//! `redis-worker loop BASE_URL REDIS_URL START_UNIX_MS UNTIL_UNIX_MS`: from START to UNTIL, two
//! concurrent calls every 100 ms, printing `fetch at=UNIX_MS` after each token fetch of its
//! own, `fail at=UNIX_MS error=…` for each failed call, and a `calls=… failed=… token_fetches=…`
//! summary.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wxkf::ClientConfig;
use wxkf_e2e::{APPID, SECRET};
use wxkf_native::RedisStore;

fn unix_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
}

async fn connect(base: &str, redis_url: &str) -> Result<wxkf_native::NativeClient, String> {
    let store = RedisStore::connect(redis_url).await.map_err(|e| format!("redis: {e}"))?;
    wxkf_native::client_with_store(ClientConfig::stable(APPID, SECRET).base_url(base), Arc::new(store))
        .map_err(|e| format!("client: {e}"))
}

/// The `loop` mode: steady traffic through an outage of the shared store.
async fn run_loop(args: &[String]) -> std::process::ExitCode {
    let (Some(base), Some(redis_url), Some(Ok(start)), Some(Ok(until))) =
        (args.first(), args.get(1), args.get(2).map(|s| s.parse::<u128>()), args.get(3).map(|s| s.parse::<u128>()))
    else {
        eprintln!("usage: redis-worker loop BASE_URL REDIS_URL START_UNIX_MS UNTIL_UNIX_MS");
        return std::process::ExitCode::from(2);
    };
    let client = match connect(base, redis_url).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    tokio::time::sleep(Duration::from_millis(start.saturating_sub(unix_ms()) as u64)).await;
    let (mut calls, mut failed, mut fetches) = (0u64, 0u64, 0u64);
    while unix_ms() < until {
        let tick = tokio::time::sleep(Duration::from_millis(100));
        let results = futures_util::future::join(client.get_kf_list(), client.get_kf_list()).await;
        for r in [results.0, results.1] {
            calls += 1;
            if let Err(e) = r {
                failed += 1;
                println!("fail at={} error={e}", unix_ms());
            }
        }
        while fetches < client.token_fetches() {
            fetches += 1;
            println!("fetch at={}", unix_ms());
        }
        tick.await;
    }
    println!("calls={calls} failed={failed} token_fetches={fetches}");
    std::process::ExitCode::SUCCESS
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("loop") {
        return run_loop(&args[2..]).await;
    }
    let (Some(base), Some(redis_url), Some(calls), Some(start)) = (args.get(1), args.get(2), args.get(3), args.get(4))
    else {
        eprintln!("usage: redis-worker BASE_URL REDIS_URL CALLS START_UNIX_MS");
        return std::process::ExitCode::from(2);
    };
    let (Ok(calls), Ok(start)) = (calls.parse::<usize>(), start.parse::<u128>()) else {
        eprintln!("CALLS and START_UNIX_MS are numbers");
        return std::process::ExitCode::from(2);
    };
    let store = match RedisStore::connect(redis_url).await {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("redis: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let client = match wxkf_native::client_with_store(ClientConfig::stable(APPID, SECRET).base_url(base), store) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("client: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(start.saturating_sub(now) as u64)).await;
    let results = futures_util::future::join_all((0..calls).map(|_| client.get_kf_list())).await;
    let failed = results.iter().filter(|r| r.is_err()).count();
    println!("calls={calls} failed={failed} token_fetches={}", client.token_fetches());
    if failed > 0 {
        if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
            eprintln!("first failure: {e}");
        }
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
