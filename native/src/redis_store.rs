//! A token store in Redis, shared by every process of a deployment: one fetch for all.

use async_trait::async_trait;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::AsyncCommands;

use wxkf::client::{CachedToken, KvStore, TokenStore};
use wxkf::{KfError, TransportKind};

/// Tokens in Redis under keys like `wxkf:token:prod:APPID:stable` (never the secret), and the
/// guards' state (reply budgets, deduplicated pushes) under `wxkf:<environment>:…`.
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedisStore")
    }
}

fn redis_error(e: redis::RedisError) -> KfError {
    let kind = if e.is_connection_refusal() { TransportKind::Connect } else { TransportKind::Other };
    KfError::transport(kind, format!("redis: {}", e.kind_str()))
}

trait KindStr {
    fn kind_str(&self) -> String;
}

impl KindStr for redis::RedisError {
    // The category and detail, never the URL (it may carry a password).
    fn kind_str(&self) -> String {
        format!("{:?}{}", self.kind(), self.detail().map(|d| format!(": {d}")).unwrap_or_default())
    }
}

const INVALIDATE: &str = r#"
local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).access_token == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0"#;

const UNLOCK: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0"#;

impl RedisStore {
    /// Connects to `redis://host:port/db`.
    ///
    /// The connection fails fast while Redis is unreachable (1 s to connect, 2 s per command,
    /// one connection attempt per reconnect instead of redis-rs's default ~12 s of backoff,
    /// during which every command would wait): the client then carries on from its own cache. The
    /// first command on a connection that dropped (Redis restarted, however long ago) fails and
    /// starts the reconnection: the idempotent commands (reads, a token's `SET`, invalidate,
    /// unlock, delete) are then sent once more, so the first call after an outage works; the
    /// lock and compare-and-set are not (a reply lost after they applied would be misread).
    pub async fn connect(url: &str) -> Result<Self, KfError> {
        let client = redis::Client::open(url).map_err(redis_error)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(1))
            .set_response_timeout(Duration::from_secs(2))
            .set_number_of_retries(0);
        let conn = ConnectionManager::new_with_config(client, config).await.map_err(redis_error)?;
        Ok(RedisStore { conn })
    }
}

impl RedisStore {
    /// Runs an idempotent command, once more when the connection had dropped (the first
    /// attempt started the reconnection the second one waits for).
    async fn idempotent<T, F, Fut>(&self, command: F) -> Result<T, KfError>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        match command(self.conn.clone()).await {
            Err(e) if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() => {
                command(self.conn.clone()).await.map_err(redis_error)
            }
            other => other.map_err(redis_error),
        }
    }
}

#[async_trait]
impl TokenStore for RedisStore {
    async fn get(&self, key: &str) -> Result<Option<CachedToken>, KfError> {
        let value: Option<String> = self.idempotent(|mut conn| async move { conn.get(key).await }).await?;
        // A value we cannot read is treated as absent: it will be replaced.
        Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
    }

    async fn set(&self, key: &str, token: &CachedToken) -> Result<(), KfError> {
        let value =
            serde_json::to_string(token).map_err(|e| KfError::transport(TransportKind::Other, e.to_string()))?;
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value);
        if token.expires_at_ms < i64::MAX {
            cmd.arg("PXAT").arg(token.expires_at_ms);
        }
        let cmd = &cmd;
        self.idempotent(|mut conn| async move { cmd.query_async::<()>(&mut conn).await }).await
    }

    async fn invalidate(&self, key: &str, failed: &str) -> Result<(), KfError> {
        let script = &redis::Script::new(INVALIDATE);
        self.idempotent(|mut conn| async move { script.key(key).arg(failed).invoke_async::<i64>(&mut conn).await })
            .await?;
        Ok(())
    }

    async fn try_lock(&self, key: &str, ttl_ms: u64, lock_id: &str) -> Result<bool, KfError> {
        let mut conn = self.conn.clone();
        let reply: Option<String> = redis::cmd("SET")
            .arg(key)
            .arg(lock_id)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms)
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        Ok(reply.is_some())
    }

    async fn unlock(&self, key: &str, lock_id: &str) -> Result<(), KfError> {
        let script = &redis::Script::new(UNLOCK);
        self.idempotent(|mut conn| async move { script.key(key).arg(lock_id).invoke_async::<i64>(&mut conn).await })
            .await?;
        Ok(())
    }

    fn is_shared(&self) -> bool {
        true
    }
}

const COMPARE_AND_SET: &str = r#"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1"#;

/// The guard store of every instance (reply budgets, deduplicated pushes): text values with
/// expiry, and an atomic compare-and-set (one script; `SET NX PX` when nothing is expected).
#[async_trait]
impl KvStore for RedisStore {
    async fn get(&self, key: &str) -> Result<Option<String>, KfError> {
        self.idempotent(|mut conn| async move { conn.get(key).await }).await
    }

    async fn set(&self, key: &str, value: String, ttl_ms: u64) -> Result<(), KfError> {
        let value = &value;
        self.idempotent(|mut conn| async move { conn.pset_ex::<_, _, ()>(key, value, ttl_ms.max(1)).await }).await
    }

    async fn delete(&self, key: &str) -> Result<(), KfError> {
        self.idempotent(|mut conn| async move { conn.del::<_, ()>(key).await }).await
    }

    async fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&str>,
        value: String,
        ttl_ms: u64,
    ) -> Result<bool, KfError> {
        let mut conn = self.conn.clone();
        if expected.is_none() {
            let reply: Option<String> = redis::cmd("SET")
                .arg(key)
                .arg(value)
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms.max(1))
                .query_async(&mut conn)
                .await
                .map_err(redis_error)?;
            return Ok(reply.is_some());
        }
        let set: i64 = redis::Script::new(COMPARE_AND_SET)
            .key(key)
            .arg(expected.unwrap_or_default())
            .arg(value)
            .arg(ttl_ms.max(1))
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        Ok(set == 1)
    }
}
