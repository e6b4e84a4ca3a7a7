//! The emulator's command line, shared by `wxkf-emulator` and `wxkf emulator`.

use std::io::Write;

use clap::Parser;

use crate::quota::{default_quotas, Quota, UserAction};
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
    /// Replaces one row of the quota table: ACTION=COUNT/SECS, ACTION one of message,
    /// menu_click, follow, scan, payment; COUNT a number or `unlimited` (repeatable).
    #[arg(long = "quota", value_name = "ACTION=COUNT/SECS", value_parser = parse_quota)]
    pub quotas: Vec<Quota>,
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
    /// Retries of a push that was not answered in time or failed (WeChat: 3).
    #[arg(long, env = "WXKF_EMU_PUSH_RETRIES", default_value_t = 3)]
    pub push_retries: u32,
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
            quotas: merge_quotas(default_quotas(), &self.quotas),
            kf_limit: self.kf_limit,
            classic_daily_quota: self.classic_daily_quota,
            stable_force_daily_quota: self.stable_force_daily_quota,
            media_check: self.media_check,
            media_prefix: self.media_prefix.clone(),
            ip_allowlist: self.ip_allowlist.clone(),
            push_timeout_ms: self.push_timeout_ms,
            push_retries: self.push_retries,
            max_text_chars: self.max_text_chars,
            legacy_opercodes: self.legacy_opercodes,
            ..Config::default()
        }
    }
}

/// Parses `ACTION=COUNT/SECS` (COUNT may be `unlimited`).
fn parse_quota(s: &str) -> Result<Quota, String> {
    let err = || format!("expected ACTION=COUNT/SECS (e.g. message=5/172800), got {s:?}");
    let (action, rest) = s.split_once('=').ok_or_else(err)?;
    let (count, secs) = rest.split_once('/').ok_or_else(err)?;
    let action: UserAction = serde_json::from_value(serde_json::Value::String(action.trim().to_string()))
        .map_err(|_| format!("unknown action {action:?}: one of message, menu_click, follow, scan, payment"))?;
    let messages = match count.trim() {
        "unlimited" => None,
        n => Some(n.parse::<u32>().map_err(|_| err())?),
    };
    let within_secs = secs.trim().parse::<i64>().ok().filter(|s| *s > 0).ok_or_else(err)?;
    Ok(Quota { action, messages, within_secs })
}

/// The table with the given rows replacing those of the same action.
fn merge_quotas(mut table: Vec<Quota>, rows: &[Quota]) -> Vec<Quota> {
    for row in rows {
        table.retain(|q| q.action != row.action);
        table.push(row.clone());
    }
    table
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_flags_replace_rows_of_the_table() {
        let args =
            Args::try_parse_from(["wxkf-emulator", "--quota", "message=20/172800", "--quota", "scan=unlimited/60"]);
        let config = args.map_err(|e| e.to_string()).map(|a| a.config());
        let quotas = config.map(|c| c.quotas).unwrap_or_default();
        let row = |a| quotas.iter().find(|q| q.action == a).map(|q| (q.messages, q.within_secs));
        assert_eq!(row(UserAction::Message), Some((Some(20), 172_800)));
        assert_eq!(row(UserAction::Scan), Some((None, 60)));
        assert_eq!(row(UserAction::Follow), Some((Some(3), 60)), "other rows stay");
        assert_eq!(quotas.len(), 5);
        for bad in ["dance=1/1", "message=1", "message=x/1", "message=1/0"] {
            assert!(Args::try_parse_from(["wxkf-emulator", "--quota", bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn legacy_opercodes_and_text_cap_flags() {
        let a = Args::try_parse_from(["wxkf-emulator", "--legacy-opercodes", "--max-text-chars", "2048"]);
        let c = a.map(|a| a.config()).map_err(|e| e.to_string());
        assert_eq!(c.as_ref().map(|c| (c.legacy_opercodes, c.max_text_chars)), Ok((true, Some(2048))));
        let d = Args::try_parse_from(["wxkf-emulator"]).map(|a| a.config()).map_err(|e| e.to_string());
        assert_eq!(d.map(|c| (c.legacy_opercodes, c.max_text_chars)), Ok((false, None)));
    }
}
