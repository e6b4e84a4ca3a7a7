//! The default, process-local token store.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::client::token::CachedToken;
use crate::client::traits::TokenStore;
use crate::KfError;

/// Tokens kept in this process's memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<String, CachedToken>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
impl TokenStore for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<CachedToken>, KfError> {
        Ok(self.tokens.lock().unwrap_or_else(|p| p.into_inner()).get(key).cloned())
    }

    async fn set(&self, key: &str, token: &CachedToken) -> Result<(), KfError> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner()).insert(key.to_string(), token.clone());
        Ok(())
    }

    async fn invalidate(&self, key: &str, failed: &str) -> Result<(), KfError> {
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        if tokens.get(key).is_some_and(|t| t.access_token.expose() == failed) {
            tokens.remove(key);
        }
        Ok(())
    }
}
