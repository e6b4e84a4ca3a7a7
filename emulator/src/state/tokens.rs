//! Access tokens: the classic and the stable token calls, their quotas, and token checks.

use std::net::IpAddr;

use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::Serialize;
use serde_json::{json, Value};

use super::errors::{e, ed, ApiError, ApiResult};
use super::request::{body_obj, opt_str, Req};
use super::{push_capped, State};
use crate::records::china_day;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum TokenKind {
    Classic,
    Stable,
}

pub(super) struct TokenInfo {
    pub(super) expires_at_ms: i64,
    pub(super) superseded_at_ms: Option<i64>,
    pub(super) invalidated: bool,
}

#[derive(Serialize, Clone)]
pub(super) struct TokenFetch {
    pub(super) kind: TokenKind,
    pub(super) force_refresh: bool,
    pub(super) time: i64,
    pub(super) errcode: i64,
}

impl State {
    fn new_token(&mut self) -> String {
        (&mut self.rng).sample_iter(&Alphanumeric).take(96).map(char::from).collect()
    }

    fn log_token(&mut self, kind: TokenKind, force_refresh: bool, errcode: i64) {
        let time = self.now();
        push_capped(&mut self.token_log, TokenFetch { kind, force_refresh, time, errcode });
    }

    fn check_credentials(
        &self,
        grant: Option<&str>,
        appid: Option<&str>,
        secret: Option<&str>,
        ip: IpAddr,
    ) -> Result<(), ApiError> {
        match grant {
            Some("client_credential") => {}
            _ => return Err(ed(40002, "grant_type must be client_credential")),
        }
        let appid = appid.ok_or_else(|| e(41002))?;
        let secret = secret.ok_or_else(|| e(41004))?;
        if appid != self.appid {
            return Err(e(40013));
        }
        if secret != self.secret {
            return Err(e(40125));
        }
        if let Some(list) = &self.settings.ip_allowlist {
            let ip = ip.to_string();
            if !list.contains(&ip) {
                return Err(ed(40164, format!("invalid ip {ip}, not in whitelist")));
            }
        }
        Ok(())
    }

    /// GET /cgi-bin/token
    pub fn token_classic(&mut self, r: &Req) -> ApiResult {
        let res = self.token_classic_inner(r);
        let code = res.as_ref().err().map_or(0, |e| e.code);
        self.log_token(TokenKind::Classic, false, code);
        res
    }

    fn token_classic_inner(&mut self, r: &Req) -> ApiResult {
        let nz = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_string);
        let (g, a, s) = (nz(r.q("grant_type")), nz(r.q("appid")), nz(r.q("secret")));
        self.check_credentials(g.as_deref(), a.as_deref(), s.as_deref(), r.ip)?;
        let now = self.now_ms();
        let today = china_day(now / 1000);
        if self.classic_quota.0 != today {
            self.classic_quota = (today, 0);
        }
        if self.classic_quota.1 >= self.settings.classic_daily_quota {
            return Err(ed(45009, "reach max api daily quota limit"));
        }
        self.classic_quota.1 += 1;
        let token = self.new_token();
        if let Some(prev) = self.last_classic.take() {
            if let Some(info) = self.tokens.get_mut(&prev) {
                info.superseded_at_ms.get_or_insert(now);
            }
        }
        let expires_in = self.settings.token_expires_in;
        self.tokens.insert(
            token.clone(),
            TokenInfo {
                expires_at_ms: now.saturating_add(expires_in.saturating_mul(1000)),
                superseded_at_ms: None,
                invalidated: false,
            },
        );
        self.last_classic = Some(token.clone());
        Ok(json!({"access_token": token, "expires_in": expires_in}))
    }

    /// POST /cgi-bin/stable_token
    pub fn token_stable(&mut self, r: &Req) -> ApiResult {
        let force = serde_json::from_slice::<Value>(r.body)
            .ok()
            .and_then(|v| v.get("force_refresh").and_then(Value::as_bool))
            .unwrap_or(false);
        let res = self.token_stable_inner(r);
        let code = res.as_ref().err().map_or(0, |e| e.code);
        self.log_token(TokenKind::Stable, force, code);
        res
    }

    fn token_stable_inner(&mut self, r: &Req) -> ApiResult {
        let m = body_obj(r.body)?;
        let grant = opt_str(&m, "grant_type")?;
        let appid = opt_str(&m, "appid")?;
        let secret = opt_str(&m, "secret")?;
        let force = match m.get("force_refresh") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(ed(47001, "force_refresh must be a boolean")),
        };
        self.check_credentials(grant, appid, secret, r.ip)?;
        let now = self.now_ms();
        let current = self.stable.clone().filter(|t| {
            self.tokens.get(t).is_some_and(|i| !i.invalidated && i.superseded_at_ms.is_none() && now < i.expires_at_ms)
        });
        if force {
            let today = china_day(now / 1000);
            if self.force_quota.0 != today {
                self.force_quota = (today, 0);
            }
            if self.force_quota.1 >= self.settings.stable_force_daily_quota {
                return Err(ed(45009, "force_refresh daily quota reached"));
            }
            if let Some(last) = self.last_force_ms {
                if now.saturating_sub(last) < self.settings.stable_force_min_interval_secs.saturating_mul(1000) {
                    return Err(ed(45011, "force_refresh too frequent"));
                }
            }
            self.force_quota.1 += 1;
            self.last_force_ms = Some(now);
            if let Some(old) = &current {
                if let Some(info) = self.tokens.get_mut(old) {
                    info.invalidated = true;
                }
            }
        } else if let Some(tok) = current {
            let left = self.tokens.get(&tok).map_or(0, |i| (i.expires_at_ms - now).div_euclid(1000).max(0));
            return Ok(json!({"access_token": tok, "expires_in": left}));
        }
        let token = self.new_token();
        let expires_in = self.settings.token_expires_in;
        self.tokens.insert(
            token.clone(),
            TokenInfo {
                expires_at_ms: now.saturating_add(expires_in.saturating_mul(1000)),
                superseded_at_ms: None,
                invalidated: false,
            },
        );
        self.stable = Some(token.clone());
        Ok(json!({"access_token": token, "expires_in": expires_in}))
    }

    /// Checks the `access_token` query parameter.
    pub fn auth(&self, r: &Req) -> Result<(), ApiError> {
        let tok = r.q("access_token").filter(|s| !s.is_empty()).ok_or_else(|| e(41001))?;
        let info = self.tokens.get(tok).ok_or_else(|| e(40014))?;
        let now = self.now_ms();
        if info.invalidated {
            return Err(ed(40001, "access_token is invalid or not latest"));
        }
        if let Some(s) = info.superseded_at_ms {
            if now >= s.saturating_add(self.settings.token_grace_secs.saturating_mul(1000)) {
                return Err(ed(40001, "access_token is invalid or not latest"));
            }
        }
        if now >= info.expires_at_ms {
            return Err(e(42001));
        }
        Ok(())
    }

    /// Invalidates every access token (fault `invalidate_token`).
    pub fn invalidate_all_tokens(&mut self) {
        for info in self.tokens.values_mut() {
            info.invalidated = true;
        }
    }
}
