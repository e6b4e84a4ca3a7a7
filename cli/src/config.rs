//! Credentials and connection settings: flags, then env (clap reads both), then a TOML file.

use std::sync::Arc;

use serde::Deserialize;
use wxkf::client::{ClientConfig, KvStore, MemoryStore, TokenStore};
use wxkf::BudgetMode;
use wxkf_native::NativeClient;
use wxkf_native::RedisStore;

use crate::args::{BudgetModeArg, ConnArgs, TokenMode};
use crate::error::CliError;

/// The config file's keys (all optional). No `Debug`: it holds the secret.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    appid: Option<String>,
    secret: Option<String>,
    access_token: Option<String>,
    base_url: Option<String>,
    token_mode: Option<TokenMode>,
    redis_url: Option<String>,
    budget_mode: Option<BudgetModeArg>,
}

/// Flags/env merged over the config file.
pub fn resolve(conn: &ConnArgs) -> Result<ConnArgs, CliError> {
    let file = match &conn.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::Usage(format!("cannot read config file {}: {e}", path.display())))?;
            toml::from_str::<FileConfig>(&text)
                .map_err(|e| CliError::Usage(format!("config file {}: {}", path.display(), e.message())))?
        }
        None => FileConfig::default(),
    };
    Ok(ConnArgs {
        appid: conn.appid.clone().or(file.appid),
        secret: conn.secret.clone().or(file.secret),
        access_token: conn.access_token.clone().or(file.access_token),
        base_url: conn.base_url.clone().or(file.base_url),
        token_mode: conn.token_mode.or(file.token_mode),
        redis_url: conn.redis_url.clone().or(file.redis_url),
        config: conn.config.clone(),
        budget_mode: conn.budget_mode.or(file.budget_mode),
    })
}

/// Builds the native client the settings describe.
pub async fn client(conn: &ConnArgs) -> Result<NativeClient, CliError> {
    let conn = resolve(conn)?;
    let mut config = match (&conn.access_token, &conn.appid, &conn.secret) {
        (Some(token), _, _) => ClientConfig::fixed(token.as_str()),
        (None, Some(appid), Some(secret)) => match conn.token_mode.unwrap_or(TokenMode::Stable) {
            TokenMode::Stable => ClientConfig::stable(appid.as_str(), secret.as_str()),
            TokenMode::Classic => ClientConfig::classic(appid.as_str(), secret.as_str()),
        },
        _ => {
            return Err(CliError::Usage(
                "no credentials: set --appid and WXKF_SECRET (or --secret), or --access-token, or a --config file"
                    .into(),
            ))
        }
    };
    if let Some(base) = &conn.base_url {
        config = config.base_url(base.as_str());
    }
    config = config.budget_mode(match conn.budget_mode.unwrap_or(BudgetModeArg::Off) {
        BudgetModeArg::Off => BudgetMode::Off,
        BudgetModeArg::Warn => BudgetMode::Warn,
        BudgetModeArg::Enforce => BudgetMode::Enforce,
    });
    match &conn.redis_url {
        // One Redis for the tokens and the guards (budgets, deduplicated pushes).
        Some(url) => {
            let redis = Arc::new(RedisStore::connect(url).await?);
            let guards: Arc<dyn KvStore> = redis.clone();
            Ok(wxkf_native::client_with_store(config, redis)?.with_guard_store(guards))
        }
        None => {
            let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
            Ok(wxkf_native::client_with_store(config, store)?)
        }
    }
}
