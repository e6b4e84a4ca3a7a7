//! The emulator's command line, shared by `wxkf-emulator` and `wxkf emulator`.

use std::io::Write;

use clap::Parser;

use crate::{Config, Emulator};

/// A local WeChat Official Account customer-service (kf) API emulator.
#[derive(Parser)]
#[command(name = "wxkf-emulator", version, about)]
pub struct Args {
    /// Interface to bind.
    #[arg(long, env = "WXKF_EMU_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to bind (0 = any free port).
    #[arg(long, env = "WXKF_EMU_PORT", default_value_t = 0)]
    pub port: u16,
    /// AppID that token calls must present.
    #[arg(long, env = "WXKF_EMU_APPID", default_value = "wxemulator0000001")]
    pub appid: String,
    /// AppSecret that token calls must present.
    #[arg(long, env = "WXKF_EMU_SECRET", default_value = "emulator_secret", hide_env_values = true)]
    pub secret: String,
    /// The account's original id (ToUserName of pushes).
    #[arg(long, env = "WXKF_EMU_ACCOUNT_ID", default_value = "gh_emulator")]
    pub account_id: String,
    /// Callback Token that signs pushes.
    #[arg(long, env = "WXKF_EMU_CALLBACK_TOKEN", default_value = "emulator_token", hide_env_values = true)]
    pub callback_token: String,
    /// 43-character EncodingAESKey; turns on safe (encrypted) mode for pushes.
    #[arg(long, env = "WXKF_EMU_AES_KEY", hide_env_values = true)]
    pub aes_key: Option<String>,
    /// URL pushes are POSTed to.
    #[arg(long, env = "WXKF_EMU_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
    /// Seed of the token generator (deterministic tokens).
    #[arg(long, env = "WXKF_EMU_SEED")]
    pub seed: Option<u64>,
    /// Require header x-admin-token with this value on /__admin routes.
    #[arg(long, env = "WXKF_EMU_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Seconds a superseded classic token stays valid.
    #[arg(long, env = "WXKF_EMU_TOKEN_GRACE_SECS", default_value_t = 300)]
    pub token_grace_secs: i64,
    /// Token lifetime in seconds.
    #[arg(long, env = "WXKF_EMU_TOKEN_EXPIRES_IN", default_value_t = 7200)]
    pub token_expires_in: i64,
    /// kf messages without a user reply before 45047 (0 = unlimited).
    #[arg(long, env = "WXKF_EMU_RESPONSE_LIMIT", default_value_t = 5)]
    pub response_limit: u32,
    /// Maximum number of kf accounts.
    #[arg(long, env = "WXKF_EMU_KF_LIMIT", default_value_t = 100)]
    pub kf_limit: usize,
    /// Classic token calls per day.
    #[arg(long, env = "WXKF_EMU_CLASSIC_DAILY_QUOTA", default_value_t = 2000)]
    pub classic_daily_quota: u32,
    /// Stable-token force refreshes per day.
    #[arg(long, env = "WXKF_EMU_STABLE_FORCE_DAILY_QUOTA", default_value_t = 20)]
    pub stable_force_daily_quota: u32,
    /// Check media ids (registered via admin or carrying the media prefix).
    #[arg(long, env = "WXKF_EMU_MEDIA_CHECK", default_value_t = true, action = clap::ArgAction::Set)]
    pub media_check: bool,
    /// Media ids with this prefix are always valid.
    #[arg(long, env = "WXKF_EMU_MEDIA_PREFIX", default_value = "MEDIA_")]
    pub media_prefix: String,
    /// Comma-separated IPs allowed to fetch tokens (default: all).
    #[arg(long, env = "WXKF_EMU_IP_ALLOWLIST", value_delimiter = ',')]
    pub ip_allowlist: Option<Vec<String>>,
    /// Timeout of one push, in milliseconds.
    #[arg(long, env = "WXKF_EMU_PUSH_TIMEOUT_MS", default_value_t = 5000)]
    pub push_timeout_ms: u64,
    /// Longest text content before 45002, in characters (default: no cap, as WeChat documents
    /// none for an Official Account; 2048 is WeCom's).
    #[arg(long, env = "WXKF_EMU_MAX_TEXT_CHARS")]
    pub max_text_chars: Option<usize>,
    /// Also write the legacy session opercodes 1000–1005 and 2001 (old getrecord doc).
    #[arg(long, env = "WXKF_EMU_LEGACY_OPERCODES")]
    pub legacy_opercodes: bool,
    /// Worker threads (default: 1 per core).
    #[arg(long, env = "WXKF_EMU_THREADS")]
    pub threads: Option<usize>,
}

impl Args {
    /// The emulator configuration these arguments describe.
    pub fn config(&self) -> Config {
        Config {
            host: self.host.clone(),
            port: self.port,
            appid: self.appid.clone(),
            secret: self.secret.clone(),
            account_id: self.account_id.clone(),
            callback_token: self.callback_token.clone(),
            aes_key: self.aes_key.clone(),
            webhook_url: self.webhook_url.clone(),
            seed: self.seed,
            admin_token: self.admin_token.clone(),
            token_grace_secs: self.token_grace_secs,
            token_expires_in: self.token_expires_in,
            response_limit: self.response_limit,
            kf_limit: self.kf_limit,
            classic_daily_quota: self.classic_daily_quota,
            stable_force_daily_quota: self.stable_force_daily_quota,
            media_check: self.media_check,
            media_prefix: self.media_prefix.clone(),
            ip_allowlist: self.ip_allowlist.clone(),
            push_timeout_ms: self.push_timeout_ms,
            max_text_chars: self.max_text_chars,
            legacy_opercodes: self.legacy_opercodes,
            ..Config::default()
        }
    }
}

/// Starts the emulator, prints `listening on URL` as the first stdout line and serves until
/// SIGINT/SIGTERM. Must run inside a tokio runtime.
pub async fn serve_until_signal(config: Config) -> std::io::Result<()> {
    let emu = Emulator::start(config).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", emu.base_url())?;
        out.flush()?;
    }
    wait_for_signal().await;
    tracing::info!("shutting down");
    emu.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
