//! The Redis token store against a real redis-server: sharing, compare-and-swap, the lock.
#![cfg(feature = "redis")]

#[path = "../../core/tests/common/fake.rs"]
mod fake;
#[path = "support/redis_server.rs"]
mod redis_server;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use fake::{json, token_of, Fake, TestClock};
use redis_server::RedisServer;
use wxkf::client::{CachedToken, Client, ClientConfig, TokenStore};
use wxkf_native::RedisStore;

fn token(value: &str) -> CachedToken {
    CachedToken { access_token: value.into(), expires_at_ms: i64::MAX / 4, obtained_at_ms: 0 }
}

#[tokio::test]
async fn get_set_invalidate_is_compare_and_swap() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url).await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), None);
    store.set("k", &token("A")).await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), Some(token("A")));
    store.invalidate("k", "B").await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), Some(token("A")), "another token stays");
    store.invalidate("k", "A").await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), None);
}

#[tokio::test]
async fn the_lock_has_one_holder_and_only_it_can_release() {
    let server = RedisServer::start();
    let a = RedisStore::connect(&server.url).await.unwrap();
    let b = RedisStore::connect(&server.url).await.unwrap();
    assert!(a.try_lock("L", 5_000, "a").await.unwrap());
    assert!(!b.try_lock("L", 5_000, "b").await.unwrap());
    b.unlock("L", "b").await.unwrap();
    assert!(!b.try_lock("L", 5_000, "b").await.unwrap(), "b cannot release a's lock");
    a.unlock("L", "a").await.unwrap();
    assert!(b.try_lock("L", 5_000, "b").await.unwrap());
}

#[tokio::test]
async fn expired_entries_vanish() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url).await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let t = CachedToken { access_token: "A".into(), expires_at_ms: now + 150, obtained_at_ms: now };
    store.set("k", &t).await.unwrap();
    assert!(store.get("k").await.unwrap().is_some());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(store.get("k").await.unwrap(), None);
}

/// Four clients (own caches, own single-flight locks — like four processes) × 25 concurrent
/// calls on a cold shared store: the Redis lock lets exactly one of them fetch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_sharing_redis_fetch_one_token() {
    let server = RedisServer::start();
    let fetched = Arc::new(AtomicU64::new(0));
    let f = fetched.clone();
    let fake = Fake::with_delay(30, move |req, _| match wxkf::http::url_path(&req.url) {
        "/cgi-bin/token" => {
            f.fetch_add(1, Ordering::SeqCst);
            json(r#"{"access_token":"SHARED","expires_in":7200}"#)
        }
        _ if token_of(req) == "SHARED" => json(r#"{"kf_list":[]}"#),
        _ => json(r#"{"errcode":40001,"errmsg":"invalid credential"}"#),
    });
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store: Arc<dyn TokenStore> = Arc::new(RedisStore::connect(&server.url).await.unwrap());
        let config = ClientConfig::classic("wx1", "SECRET").base_url("http://wx.test");
        let client = Arc::new(Client::new(config, fake.clone(), store, TestClock::default()));
        for _ in 0..25 {
            let c = client.clone();
            tasks.push(tokio::spawn(async move { c.get_kf_list().await }));
        }
    }
    for t in futures_util::future::join_all(tasks).await {
        t.unwrap().unwrap();
    }
    assert_eq!(fetched.load(Ordering::SeqCst), 1);
    // The key holds the appid, never the secret.
    let mut conn = redis::Client::open(server.url.as_str()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query_async(&mut conn).await.unwrap();
    assert_eq!(
        keys,
        vec!["wxkf:token:wx.test:wx1:classic".to_string()],
        "namespace, environment (the base URL's host), AppID, kind"
    );
}

/// The guard store: budgets of one user updated by 8 clients at once, through Redis, lose no
/// update (compare-and-set), and a retried push is a duplicate for every instance.
#[tokio::test]
async fn budgets_and_dedup_are_shared_and_atomic_across_clients() {
    use wxkf::budget::UserAction;
    use wxkf::client::KvStore;
    use wxkf::{BudgetMode, Message};
    let server = RedisServer::start();
    let fake = Fake::new(|req, _| {
        if req.url.contains("stable_token") {
            json(r#"{"access_token":"T-REDIS-GUARDS","expires_in":7200}"#)
        } else {
            json(r#"{"errcode":0}"#)
        }
    });
    let mut clients = Vec::new();
    for _ in 0..8 {
        let store = Arc::new(RedisStore::connect(&server.url).await.unwrap());
        let config =
            ClientConfig::stable("wx1", "SECRET-REDIS").base_url("http://wx.test").budget_mode(BudgetMode::Enforce);
        let client = Client::new(config, fake.clone(), store.clone(), TestClock::default()).with_guard_store(store);
        clients.push(Arc::new(client));
    }
    clients[0].record_action("o1", UserAction::Message).await.unwrap();
    let sends = clients.iter().cycle().take(16).map(|c| {
        let c = c.clone();
        tokio::spawn(async move { c.send_message("o1", Message::text("hi")).await.is_ok() })
    });
    let sent = futures_util::future::join_all(sends).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(sent, 5, "exactly the budget, whatever instance sent");
    assert_eq!(clients[3].budget("o1").await.unwrap().remaining, Some(0));

    let store = RedisStore::connect(&server.url).await.unwrap();
    assert!(store.compare_and_set("k", None, "a".into(), 60_000).await.unwrap());
    assert!(!store.compare_and_set("k", None, "b".into(), 60_000).await.unwrap());
    assert!(!store.compare_and_set("k", Some("x"), "b".into(), 60_000).await.unwrap());
    assert!(store.compare_and_set("k", Some("a"), "b".into(), 60_000).await.unwrap());
    assert_eq!(KvStore::get(&store, "k").await.unwrap().as_deref(), Some("b"));
}

/// An outage: while Redis is down every call fails (the client carries on from its own cache),
/// and the first call after it is back works, however long the store sat idle in between — a
/// token refresh by expiry starts with `get`, and failing it on the stale connection would
/// fetch a token of this process's own instead of sharing.
#[tokio::test]
async fn the_first_call_after_an_outage_succeeds() {
    let mut server = RedisServer::start();
    let store = RedisStore::connect(&server.url).await.unwrap();
    store.set("k", &token("A")).await.unwrap();
    server.stop();
    assert!(store.get("k").await.is_err(), "Redis is down");
    // Idle through the rest of the outage (the pending reconnect gives up meanwhile).
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    server.restart();
    assert_eq!(store.get("k").await.unwrap(), None, "the first call after the outage works (Redis restarted empty)");
    // And a store idle through a whole outage (its connection dropped unseen).
    server.stop();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    server.restart();
    store.set("k", &token("B")).await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), Some(token("B")));
}
