//! One of several processes sharing a token through Redis: at a given instant it makes N
//! concurrent calls and prints how many token fetches it made itself.
//!
//! Usage: `redis-worker BASE_URL REDIS_URL CALLS START_UNIX_MS` (AppID/secret of wxkf-e2e).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wxkf::ClientConfig;
use wxkf_e2e::{APPID, SECRET};
use wxkf_native::RedisStore;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
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
