//! The settings that `POST /__admin/config` can change at run time.

use serde::Serialize;

use crate::quota::Quota;
use crate::Config;

/// Runtime-changeable settings.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub quotas: Vec<Quota>,
    pub token_grace_secs: i64,
    pub token_expires_in: i64,
    pub classic_daily_quota: u32,
    pub stable_force_daily_quota: u32,
    pub stable_force_min_interval_secs: i64,
    pub ip_allowlist: Option<Vec<String>>,
    pub media_check: bool,
    pub media_prefix: String,
    pub kf_limit: usize,
    pub webhook_url: Option<String>,
    pub invite_expire_secs: i64,
    pub max_text_chars: Option<usize>,
    pub legacy_opercodes: bool,
    pub push_timeout_ms: u64,
    pub push_retries: u32,
}

impl Settings {
    pub fn from_config(c: &Config) -> Self {
        Self {
            quotas: c.quotas.clone(),
            token_grace_secs: c.token_grace_secs,
            token_expires_in: c.token_expires_in,
            classic_daily_quota: c.classic_daily_quota,
            stable_force_daily_quota: c.stable_force_daily_quota,
            stable_force_min_interval_secs: c.stable_force_min_interval_secs,
            ip_allowlist: c.ip_allowlist.clone(),
            media_check: c.media_check,
            media_prefix: c.media_prefix.clone(),
            kf_limit: c.kf_limit,
            webhook_url: c.webhook_url.clone(),
            invite_expire_secs: c.invite_expire_secs,
            max_text_chars: c.max_text_chars,
            legacy_opercodes: c.legacy_opercodes,
            push_timeout_ms: c.push_timeout_ms,
            push_retries: c.push_retries,
        }
    }
}
