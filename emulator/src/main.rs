//! `wxkf-emulator`: run the WeChat kf API emulator from the command line.
//!
//! The first line on stdout is `listening on http://HOST:PORT` once connections are accepted.
//! Logs go to stderr, filtered by `RUST_LOG` (default `info`).

use std::io::Write;

use clap::Parser;
use wxkf_emulator::{Config, Emulator};

/// A local WeChat Official Account customer-service (kf) API emulator.
#[derive(Parser, Debug)]
#[command(name = "wxkf-emulator", version, about)]
struct Cli {
    /// Interface to bind.
    #[arg(long, env = "WXKF_EMU_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port to bind (0 = any free port).
    #[arg(long, env = "WXKF_EMU_PORT", default_value_t = 0)]
    port: u16,
    /// AppID that token calls must present.
    #[arg(long, env = "WXKF_EMU_APPID", default_value = "wxemulator0000001")]
    appid: String,
    /// AppSecret that token calls must present.
    #[arg(long, env = "WXKF_EMU_SECRET", default_value = "emulator_secret", hide_env_values = true)]
    secret: String,
    /// The account's original id (ToUserName of pushes).
    #[arg(long, env = "WXKF_EMU_ACCOUNT_ID", default_value = "gh_emulator")]
    account_id: String,
    /// Callback Token that signs pushes.
    #[arg(long, env = "WXKF_EMU_CALLBACK_TOKEN", default_value = "emulator_token", hide_env_values = true)]
    callback_token: String,
    /// 43-character EncodingAESKey; turns on safe (encrypted) mode for pushes.
    #[arg(long, env = "WXKF_EMU_AES_KEY", hide_env_values = true)]
    aes_key: Option<String>,
    /// URL pushes are POSTed to.
    #[arg(long, env = "WXKF_EMU_WEBHOOK_URL")]
    webhook_url: Option<String>,
    /// Seed of the token generator (deterministic tokens).
    #[arg(long, env = "WXKF_EMU_SEED")]
    seed: Option<u64>,
    /// Require header x-admin-token with this value on /__admin routes.
    #[arg(long, env = "WXKF_EMU_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Seconds a superseded classic token stays valid.
    #[arg(long, env = "WXKF_EMU_TOKEN_GRACE_SECS", default_value_t = 300)]
    token_grace_secs: i64,
    /// Token lifetime in seconds.
    #[arg(long, env = "WXKF_EMU_TOKEN_EXPIRES_IN", default_value_t = 7200)]
    token_expires_in: i64,
    /// kf messages without a user reply before 45047 (0 = unlimited).
    #[arg(long, env = "WXKF_EMU_RESPONSE_LIMIT", default_value_t = 5)]
    response_limit: u32,
    /// Maximum number of kf accounts.
    #[arg(long, env = "WXKF_EMU_KF_LIMIT", default_value_t = 100)]
    kf_limit: usize,
    /// Classic token calls per day.
    #[arg(long, env = "WXKF_EMU_CLASSIC_DAILY_QUOTA", default_value_t = 2000)]
    classic_daily_quota: u32,
    /// Stable-token force refreshes per day.
    #[arg(long, env = "WXKF_EMU_STABLE_FORCE_DAILY_QUOTA", default_value_t = 20)]
    stable_force_daily_quota: u32,
    /// Check media ids (registered via admin or carrying the media prefix).
    #[arg(long, env = "WXKF_EMU_MEDIA_CHECK", default_value_t = true, action = clap::ArgAction::Set)]
    media_check: bool,
    /// Media ids with this prefix are always valid.
    #[arg(long, env = "WXKF_EMU_MEDIA_PREFIX", default_value = "MEDIA_")]
    media_prefix: String,
    /// Comma-separated IPs allowed to fetch tokens (default: all).
    #[arg(long, env = "WXKF_EMU_IP_ALLOWLIST", value_delimiter = ',')]
    ip_allowlist: Option<Vec<String>>,
    /// Timeout of one push, in milliseconds.
    #[arg(long, env = "WXKF_EMU_PUSH_TIMEOUT_MS", default_value_t = 5000)]
    push_timeout_ms: u64,
    /// Worker threads (default: 1 per core).
    #[arg(long, env = "WXKF_EMU_THREADS")]
    threads: Option<usize>,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = cli.threads {
        rt.worker_threads(n.max(1));
    }
    let rt = match rt.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wxkf-emulator: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let config = Config {
        host: cli.host,
        port: cli.port,
        appid: cli.appid,
        secret: cli.secret,
        account_id: cli.account_id,
        callback_token: cli.callback_token,
        aes_key: cli.aes_key,
        webhook_url: cli.webhook_url,
        seed: cli.seed,
        admin_token: cli.admin_token,
        token_grace_secs: cli.token_grace_secs,
        token_expires_in: cli.token_expires_in,
        response_limit: cli.response_limit,
        kf_limit: cli.kf_limit,
        classic_daily_quota: cli.classic_daily_quota,
        stable_force_daily_quota: cli.stable_force_daily_quota,
        media_check: cli.media_check,
        media_prefix: cli.media_prefix,
        ip_allowlist: cli.ip_allowlist,
        push_timeout_ms: cli.push_timeout_ms,
        ..Config::default()
    };
    rt.block_on(async move {
        let emu = match Emulator::start(config).await {
            Ok(emu) => emu,
            Err(e) => {
                eprintln!("wxkf-emulator: cannot start: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", emu.base_url());
        let _ = out.flush();
        drop(out);
        wait_for_signal().await;
        tracing::info!("shutting down");
        emu.shutdown().await;
        std::process::ExitCode::SUCCESS
    })
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
