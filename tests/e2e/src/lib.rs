//! Shared pieces of the end-to-end suites: an emulator with its admin API and native clients.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use wxkf::client::{MemoryStore, TokenStore};
use wxkf::{Client, ClientConfig, KfError};
use wxkf_emulator::{Config, Emulator};
use wxkf_native::{NativeClient, NativeOptions, ReqwestTransport, SystemClock};

/// The AppID every suite uses.
pub const APPID: &str = "wxe2e0000000000001";
/// The AppSecret every suite uses.
pub const SECRET: &str = "e2e-secret-never-printed";

/// A running emulator plus a plain HTTP client for its admin routes.
pub struct Harness {
    /// The emulator.
    pub emu: Emulator,
    http: reqwest::Client,
}

impl Harness {
    /// Starts an emulator with the suite's credentials and `tweak` applied to its config.
    pub async fn start(tweak: impl FnOnce(&mut Config)) -> Result<Harness, std::io::Error> {
        let mut config = Config { appid: APPID.into(), secret: SECRET.into(), ..Config::default() };
        tweak(&mut config);
        Ok(Harness { emu: Emulator::start(config).await?, http: reqwest::Client::new() })
    }

    /// The emulator's base URL.
    pub fn base_url(&self) -> String {
        self.emu.base_url()
    }

    /// A native client (stable tokens, memory store, default options).
    pub fn client(&self) -> Result<NativeClient, KfError> {
        wxkf_native::client(ClientConfig::stable(APPID, SECRET).base_url(self.base_url()))
    }

    /// A native client from `config` (its base URL set here) with a request timeout.
    pub fn client_with(&self, config: ClientConfig, timeout: Duration) -> Result<NativeClient, KfError> {
        let transport = ReqwestTransport::new(NativeOptions { timeout, ..NativeOptions::default() })?;
        let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
        Ok(Client::new(config.base_url(self.base_url()), transport, store, SystemClock::default()))
    }

    /// POSTs JSON to `/__admin/{path}` and returns the answer; panics (test helper) on failure.
    pub async fn admin(&self, path: &str, body: Value) -> Value {
        let resp = self.http.post(format!("{}/__admin/{path}", self.base_url())).json(&body).send().await;
        let resp = resp.unwrap_or_else(|e| panic!("admin {path}: {e}"));
        assert!(resp.status().is_success(), "admin {path}: HTTP {}", resp.status());
        resp.json().await.unwrap_or_else(|e| panic!("admin {path}: {e}"))
    }

    /// GETs `/__admin/{path}`.
    pub async fn admin_get(&self, path: &str) -> Value {
        let resp = self.http.get(format!("{}/__admin/{path}", self.base_url())).send().await;
        resp.unwrap_or_else(|e| panic!("admin {path}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("admin {path}: {e}"))
    }

    /// Injects a fault (see the emulator README).
    pub async fn fault(&self, body: Value) {
        self.admin("faults", body).await;
    }

    /// How many token fetches the emulator has served.
    pub async fn token_fetches(&self) -> usize {
        self.admin_get("token-fetches").await["token_fetches"].as_array().map_or(0, Vec::len)
    }

    /// Messages the emulator delivered to users.
    pub async fn deliveries(&self) -> Vec<Value> {
        self.admin_get("deliveries").await["deliveries"].as_array().cloned().unwrap_or_default()
    }
}

/// The project README's Rust example, compiled as a doctest (the README is outside every
/// published crate, so this unpublished crate carries the check).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ProjectReadmeDoctests;
