//! The runtime-agnostic `Client`: every operation as a method, over a pluggable transport,
//! token store and clock. Token caching, refresh and retries live here once for all bindings.

#[cfg(feature = "guards")]
mod guards;
mod kv_store;
mod memory_store;
mod record_stream;
mod record_walk;
mod retry;
mod settings;
mod token;
mod token_calls;
mod traits;

use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(feature = "guards")]
use std::sync::Arc;

#[cfg(feature = "guards")]
pub use guards::BudgetFallback;
pub use kv_store::{compare_and_set_by_read, KvStore, KvTokenStore};
pub use memory_store::MemoryStore;
pub use record_stream::RecordStream;
pub use record_walk::RecordWalk;
pub use retry::RetryPolicy;
#[cfg(feature = "guards")]
pub use settings::{guarded_settings_from_json, GUARD_KEYS};
pub use settings::{settings_from_json, CREDENTIAL_KEYS};
pub use token::{CachedToken, TokenSettings, TokenSource};
pub(crate) use token_calls::requests;
pub use traits::{Clock, MaybeSend, TokenProvider, TokenStore, Transport};

use token::TokenManager;

#[cfg(feature = "guards")]
use crate::budget::{default_budget_rules, Budget, BudgetRule, UserAction};
#[cfg(feature = "guards")]
pub use crate::callback::AcceptedPush;
#[cfg(feature = "guards")]
use crate::callback::{OpenedPush, PushMessage, PushQuery, Webhook};
use crate::endpoint::{BuildContext, Endpoint, Guarded, OpClass, DEFAULT_BASE_URL};
#[cfg(feature = "guards")]
use crate::BudgetMode;
use crate::{ClientOptions, HttpRequest, HttpResponse, KfError, Secret, TokenKind, TokenMode};
#[cfg(feature = "guards")]
use guards::{GuardStore, Guards};

/// Settings of a client besides its transport, store and clock.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Where tokens come from.
    pub token_source: TokenSource,
    /// WeChat's base URL (the emulator's in tests).
    pub base_url: String,
    /// Retry settings for transient failures.
    pub retry: RetryPolicy,
    /// Token cache settings.
    pub token: TokenSettings,
    /// Prefix of token-store keys.
    pub store_namespace: String,
    /// The environment in every shared-store key; derived from the base URL when `None`.
    pub environment: Option<String>,
    /// The production guards: reply budget, push deduplication.
    #[cfg(feature = "guards")]
    pub guards: GuardSettings,
}

/// Settings of the production guards (see [`GuardOptions`](crate::GuardOptions) for each).
#[cfg(feature = "guards")]
#[derive(Debug, Clone)]
pub struct GuardSettings {
    /// What a send does when the reply budget says WeChat would refuse it.
    pub budget_mode: BudgetMode,
    /// What each user action allows.
    pub budget_rules: Vec<BudgetRule>,
    /// How long a push is remembered for deduplication.
    pub dedup_ttl_ms: u64,
}

#[cfg(feature = "guards")]
impl Default for GuardSettings {
    fn default() -> Self {
        GuardSettings { budget_mode: BudgetMode::Off, budget_rules: default_budget_rules(), dedup_ttl_ms: 60_000 }
    }
}

impl ClientConfig {
    /// Stable-token mode (the default and the safest for several processes).
    pub fn stable(appid: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Self::with_source(TokenSource::Stable { appid: appid.into(), secret: secret.into() })
    }

    /// Classic-token mode (share a store across processes: each fetch replaces the token).
    pub fn classic(appid: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Self::with_source(TokenSource::Classic { appid: appid.into(), secret: secret.into() })
    }

    /// Tokens from a host-supplied broker; the only safe mode without a whitelisted IP.
    pub fn provider(provider: std::sync::Arc<dyn TokenProvider>) -> Self {
        Self::with_source(TokenSource::Provider(provider))
    }

    /// A fixed token, never refreshed.
    pub fn fixed(token: impl Into<Secret>) -> Self {
        Self::with_source(TokenSource::Fixed(token.into()))
    }

    /// Defaults around a token source.
    pub fn with_source(token_source: TokenSource) -> Self {
        ClientConfig {
            token_source,
            base_url: DEFAULT_BASE_URL.to_string(),
            retry: RetryPolicy::default(),
            token: TokenSettings::default(),
            store_namespace: "wxkf:token".to_string(),
            environment: None,
            #[cfg(feature = "guards")]
            guards: GuardSettings::default(),
        }
    }

    /// Sets what a send does when the user's reply budget is used up.
    #[cfg(feature = "guards")]
    pub fn budget_mode(mut self, mode: BudgetMode) -> Self {
        self.guards.budget_mode = mode;
        self
    }

    /// Applies the production guards' settings, checked first.
    #[cfg(feature = "guards")]
    pub fn guard_options(mut self, options: &crate::GuardOptions) -> Result<Self, KfError> {
        options.validate()?;
        self.guards = GuardSettings {
            budget_mode: options.budget_mode,
            budget_rules: options.budget_rules(),
            dedup_ttl_ms: options.dedup_ttl_ms,
        };
        self.token.cooldown_ms = i64::try_from(options.token_cooldown_ms).unwrap_or(i64::MAX);
        self.token.force_interval_ms = options.force_refresh_interval_ms;
        Ok(self)
    }

    /// Sets the base URL.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// A configuration from the options every binding accepts, checked first.
    pub fn from_options(token_source: TokenSource, options: &ClientOptions) -> Result<Self, KfError> {
        options.validate()?;
        Ok(ClientConfig {
            token_source,
            base_url: options.normalized_base_url().to_string(),
            retry: RetryPolicy {
                max_attempts: options.max_attempts,
                base_delay_ms: options.base_delay_ms,
                max_delay_ms: options.max_delay_ms,
                deadline_ms: options.deadline_ms,
                retry_writes: options.retry_writes,
            },
            token: TokenSettings::default(),
            store_namespace: options.store_namespace.clone(),
            environment: options.environment.clone(),
            #[cfg(feature = "guards")]
            guards: GuardSettings::default(),
        })
    }
}

impl TokenSource {
    /// The source a [`TokenMode`] names; `provider` serves [`TokenMode::Provider`].
    pub fn from_mode(mode: TokenMode, provider: Option<std::sync::Arc<dyn TokenProvider>>) -> Result<Self, KfError> {
        Ok(match mode {
            TokenMode::Secret { app_id, app_secret, kind: TokenKind::Stable } => {
                TokenSource::Stable { appid: app_id, secret: app_secret }
            }
            TokenMode::Secret { app_id, app_secret, kind: TokenKind::Classic } => {
                TokenSource::Classic { appid: app_id, secret: app_secret }
            }
            TokenMode::Fixed(token) => TokenSource::Fixed(token),
            TokenMode::Provider => TokenSource::Provider(
                provider.ok_or_else(|| KfError::validation("token_provider", "a provider is required"))?,
            ),
        })
    }
}

/// The wxkf client.
pub struct Client<T, S, C> {
    transport: T,
    clock: C,
    tokens: TokenManager<S>,
    #[cfg(feature = "guards")]
    guards: Guards,
    base_url: String,
    retry: RetryPolicy,
    nonces: AtomicU64,
}

impl<T, S, C> std::fmt::Debug for Client<T, S, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base_url", &self.base_url).field("retry", &self.retry).finish_non_exhaustive()
    }
}

impl<T: Transport, S: TokenStore, C: Clock> Client<T, S, C> {
    /// A client over the given transport, token store and clock.
    pub fn new(config: ClientConfig, transport: T, store: S, clock: C) -> Self {
        let base_url = config.base_url.trim_end_matches('/').to_string();
        let environment = config.environment.unwrap_or_else(|| crate::options::environment_of(&base_url));
        let namespace = format!("{}:{environment}", config.store_namespace);
        #[cfg(feature = "guards")]
        let guards = Guards {
            store: GuardStore::Local(Default::default()),
            prefix: format!("wxkf:{environment}"),
            mode: config.guards.budget_mode,
            rules: config.guards.budget_rules,
            dedup_ttl_ms: config.guards.dedup_ttl_ms,
            fallback: None,
        };
        Client {
            transport,
            clock,
            tokens: TokenManager::new(config.token_source, store, &namespace, config.token),
            #[cfg(feature = "guards")]
            guards,
            base_url,
            retry: config.retry,
            nonces: AtomicU64::new(0),
        }
    }

    /// Keeps reply budgets and deduplicated pushes in `store` (shared by every instance:
    /// Redis, Workers KV …) instead of this process's memory.
    #[cfg(feature = "guards")]
    pub fn with_guard_store(mut self, store: Arc<dyn KvStore>) -> Self {
        self.guards.store = GuardStore::Shared(store);
        self
    }

    /// Calls `fallback` when a send is refused for the user's reply budget.
    #[cfg(feature = "guards")]
    pub fn with_budget_fallback(mut self, fallback: Arc<dyn BudgetFallback>) -> Self {
        self.guards.fallback = Some(fallback);
        self
    }

    /// What `openid`'s reply budget allows now: messages left and until when.
    #[cfg(feature = "guards")]
    pub async fn budget(&self, openid: &str) -> Result<Budget, KfError> {
        crate::validate::required("openid", openid)?;
        self.guards.budget(openid, self.clock.now_ms()).await
    }

    /// Records what `openid` did (a payment, which no push reports; pushes are recorded by
    /// [`Client::accept_push`]), opening the window the budget table gives it.
    #[cfg(feature = "guards")]
    pub async fn record_action(&self, openid: &str, action: UserAction) -> Result<(), KfError> {
        crate::validate::required("openid", openid)?;
        self.guards.record(openid, action, self.clock.now_ms()).await
    }

    /// Records the action a push stands for (a message, a menu click, a follow, a scan).
    #[cfg(feature = "guards")]
    pub async fn record_push(&self, push: &PushMessage) -> Result<(), KfError> {
        match UserAction::of_push(&push.kind) {
            Some(action) => self.record_action(&push.from_user_name, action).await,
            None => Ok(()),
        }
    }

    /// A webhook's POST, the production way: verifies and opens the push, tells whether it is
    /// a retry of one already accepted (WeChat retries an unanswered push three times: answer
    /// it, do not handle it again), and records the user's action in the reply budget.
    /// `now` is unix seconds.
    #[cfg(feature = "guards")]
    pub async fn accept_push(
        &self,
        webhook: &Webhook,
        query: &PushQuery,
        body: &[u8],
        now: i64,
    ) -> Result<AcceptedPush, KfError> {
        Ok(self.accept_opened(webhook.open(query, body, now)?).await)
    }

    /// [`Client::accept_push`] for a push opened already (by [`Webhook::open`]): tells whether
    /// it is a retry and records the user's action in the reply budget.
    #[cfg(feature = "guards")]
    pub async fn accept_opened(&self, push: OpenedPush) -> AcceptedPush {
        let first = self.guards.first_delivery(&push.message, self.clock.now_ms()).await;
        if first {
            if let Err(e) = self.record_push(&push.message).await {
                tracing::warn!(error = %e, "the push's action could not be recorded in the reply budget");
            }
        }
        AcceptedPush { push, duplicate: !first }
    }

    /// How many tokens this client fetched (from WeChat or the provider) so far.
    pub fn token_fetches(&self) -> u64 {
        self.tokens.fetch_count()
    }

    /// The current access token (fetched if needed). For brokers that hand tokens to others.
    pub async fn access_token(&self) -> Result<Secret, KfError> {
        self.fetch_token().await.map_err(|e| self.scrub(e, None))
    }

    async fn fetch_token(&self) -> Result<Secret, KfError> {
        self.tokens.get(&self.transport, &self.clock, &self.base_url, &self.retry).await
    }

    /// `error` without any secret this client holds (the error view's redaction policy: a
    /// host transport, store or provider may have quoted one in its message).
    fn scrub(&self, error: KfError, attempt_token: Option<&Secret>) -> KfError {
        let mut secrets = self.tokens.known_secrets();
        secrets.extend(attempt_token.cloned());
        let exposed: Vec<&str> = secrets.iter().map(Secret::expose).collect();
        error.scrubbed(&exposed)
    }

    /// Where this client's tokens come from.
    pub fn token_source(&self) -> &TokenSource {
        self.tokens.source()
    }

    /// The clock this client uses.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    fn nonce(&self) -> String {
        let n = self.nonces.fetch_add(1, Ordering::Relaxed);
        format!("{:016x}{n:x}", self.clock.random_u64())
    }

    /// Runs any endpoint with token handling and retries; the named methods call this.
    pub async fn execute<E>(&self, request: &E) -> Result<E::Output, KfError>
    where
        E: Endpoint + MaybeSend,
        E::Output: MaybeSend,
    {
        self.execute_with(request, |response| E::parse(&response)).await
    }

    /// Runs `request` as `execute` does, its answer read by `read`, which owns it (a record
    /// page kept as text keeps the body rather than a copy).
    pub(crate) async fn execute_with<E, O>(
        &self,
        request: &E,
        read: fn(HttpResponse) -> Result<O, KfError>,
    ) -> Result<O, KfError>
    where
        E: Endpoint + MaybeSend,
        O: MaybeSend,
    {
        // Bad input fails before anything, a token fetch included, touches the network.
        request.validate().map_err(|e| self.scrub(e, None))?;
        let meta = CallMeta::of::<E>();
        let mut output = None;
        let mut parse = |response: HttpResponse| {
            output = Some(read(response)?);
            Ok(())
        };
        // Validated above: each attempt only builds.
        self.run(meta, request.guarded(), &|ctx: &BuildContext<'_>| request.build_validated(ctx), &mut parse).await?;
        // `run` returns Ok only after `parse` succeeded, so `output` is set.
        output.ok_or_else(|| KfError::decode("the response was accepted but produced no result", b""))
    }

    /// Runs a call whose endpoint type is erased, returning its result as JSON: what
    /// `call_json` awaits for every operation (one await point, not one per operation).
    pub(crate) async fn execute_json(&self, call: &dyn JsonCall) -> Result<String, KfError> {
        call.validate().map_err(|e| self.scrub(e, None))?;
        let mut output = None;
        let mut parse = |response: HttpResponse| {
            output = Some(call.parse_json(&response)?);
            Ok(())
        };
        self.run(call.meta(), call.guarded(), &|ctx: &BuildContext<'_>| call.build(ctx), &mut parse).await?;
        output.ok_or_else(|| KfError::decode("the response was accepted but produced no result", b""))
    }

    /// The token and retry loop, shared by every endpoint: not generic over the endpoint, so
    /// it is compiled once per client type (the wasm package would otherwise carry 17 copies).
    /// Every error it returns is scrubbed of the client's secrets.
    /// The production guards run here too: a message counts against the user's reply budget
    /// (refused before the network in `enforce` mode), a force refresh against its interval.
    async fn run(
        &self,
        meta: CallMeta,
        guarded: Guarded<'_>,
        build: &BuildFn<'_>,
        parse: &mut ParseFn<'_>,
    ) -> Result<(), KfError> {
        // The guards' futures are boxed: awaited inline, their state machines would be copied
        // into this loop's (measured: ~9 KB of the npm package's wasm).
        #[cfg(feature = "guards")]
        let mut charged = None;
        #[cfg(feature = "guards")]
        match guarded {
            Guarded::None => {}
            // Off: nothing to count (no store read, no clock read, no boxed future).
            Guarded::ReplyBudget(_) if self.guards.mode == BudgetMode::Off => {}
            Guarded::ReplyBudget(openid) => {
                charged = boxed(self.guards.before_send(openid, self.clock.now_ms())).await?;
            }
            Guarded::ForceRefresh => boxed(self.tokens.allow_force_refresh(&self.clock)).await?,
        }
        #[cfg(not(feature = "guards"))]
        let _ = guarded;
        let mut last_token = None;
        let result = self.attempts(meta, build, parse, &mut last_token).await;
        // A message that went through changes nothing (`after_send` corrects the budget only
        // after a refusal or a failure).
        #[cfg(feature = "guards")]
        if let (Guarded::ReplyBudget(openid), Err(_)) = (guarded, &result) {
            boxed(self.guards.after_send(openid, charged, &result, self.clock.now_ms())).await;
        }
        result.map_err(|e| self.scrub(e, last_token.as_ref()))
    }

    async fn attempts(
        &self,
        meta: CallMeta,
        build: &BuildFn<'_>,
        parse: &mut ParseFn<'_>,
        last_token: &mut Option<Secret>,
    ) -> Result<(), KfError> {
        let started = self.clock.now_ms();
        let mut attempt = 0u32;
        let mut retries = 0u32;
        let mut token_retried = false;
        let mut next_token: Option<Secret> = None;
        loop {
            attempt += 1;
            let token = if meta.needs_token {
                Some(match next_token.take() {
                    Some(t) => t,
                    None => self.fetch_token().await?,
                })
            } else {
                None
            };
            // Only the endpoints that read it get a nonce (it costs a random number and a string).
            let nonce = if meta.needs_nonce { self.nonce() } else { String::new() };
            let ctx = BuildContext {
                base_url: &self.base_url,
                access_token: token.as_ref().map(Secret::expose),
                nonce: &nonce,
            };
            let built = build(&ctx);
            // The attempt's token, kept for scrubbing errors and for the refresh below.
            *last_token = token;
            let http = built?;
            tracing::debug!(op = meta.name, method = %http.method, url = %http.redacted_url(), attempt, "sending");
            let result = match self.transport.send(http).await {
                Ok(response) => parse(response),
                Err(e) => Err(e),
            };
            let error = match result {
                Ok(()) => {
                    // The clock is read only when the event is enabled.
                    tracing::debug!(
                        op = meta.name,
                        duration_ms = self.clock.now_ms().saturating_sub(started),
                        retries,
                        "ok"
                    );
                    return Ok(());
                }
                Err(e) => e,
            };
            // A token error means the call was rejected, not applied: refresh once, retry once.
            if error.is_token_error() && !token_retried && self.tokens.refreshable() {
                if let Some(failed) = last_token.as_ref() {
                    token_retried = true;
                    retries += 1;
                    attempt -= 1;
                    tracing::info!(op = meta.name, errcode = error.errcode(), "token rejected; refreshing once");
                    next_token = Some(
                        self.tokens
                            .refresh_after_failure(&self.transport, &self.clock, &self.base_url, &self.retry, failed)
                            .await?,
                    );
                    continue;
                }
            }
            let delay = self.retry.delay_ms(attempt, self.clock.random_u64());
            let elapsed = self.clock.now_ms().saturating_sub(started).max(0) as u64;
            if attempt < self.retry.max_attempts
                && self.retry.may_retry(meta.class, &error)
                && elapsed.saturating_add(delay) < self.retry.deadline_ms
            {
                retries += 1;
                tracing::info!(op = meta.name, error = %error, delay_ms = delay, attempt, "retrying");
                self.clock.sleep(delay).await;
                continue;
            }
            let ms = self.clock.now_ms().saturating_sub(started);
            // DEBUG, not WARN: the caller gets the error; a library does not report it twice.
            tracing::debug!(op = meta.name, duration_ms = ms, retries, errcode = error.errcode(), error = %error, "failed");
            return Err(error);
        }
    }
}

/// An endpoint's request with its type erased (its result comes back as JSON).
pub(crate) trait JsonCall: MaybeSend {
    /// What the retry loop needs to know of it.
    fn meta(&self) -> CallMeta;
    /// [`Endpoint::validate`].
    fn validate(&self) -> Result<(), KfError>;
    /// [`Endpoint::build_validated`] (after [`JsonCall::validate`] passed).
    fn build(&self, ctx: &BuildContext<'_>) -> Result<HttpRequest, KfError>;
    /// [`Endpoint::parse`], the result as JSON.
    fn parse_json(&self, response: &HttpResponse) -> Result<String, KfError>;
    /// [`Endpoint::guarded`].
    fn guarded(&self) -> Guarded<'_>;
}

impl<E: Endpoint + MaybeSend> JsonCall for E
where
    E::Output: serde::Serialize,
{
    fn meta(&self) -> CallMeta {
        CallMeta::of::<E>()
    }
    fn validate(&self) -> Result<(), KfError> {
        Endpoint::validate(self)
    }
    fn build(&self, ctx: &BuildContext<'_>) -> Result<HttpRequest, KfError> {
        Endpoint::build_validated(self, ctx)
    }
    fn parse_json(&self, response: &HttpResponse) -> Result<String, KfError> {
        to_json(&E::parse(response)?)
    }
    fn guarded(&self) -> Guarded<'_> {
        Endpoint::guarded(self)
    }
}

/// A result as JSON text.
pub(crate) fn to_json<O: serde::Serialize>(output: &O) -> Result<String, KfError> {
    serde_json::to_string(output).map_err(|e| KfError::decode(format!("the result could not be serialized: {e}"), b""))
}

/// A future on the heap (`Send` natively, as the client's futures are).
#[cfg(all(feature = "guards", not(target_arch = "wasm32")))]
fn boxed<'a, O>(
    f: impl std::future::Future<Output = O> + Send + 'a,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = O> + Send + 'a>> {
    Box::pin(f)
}
/// A future on the heap.
#[cfg(all(feature = "guards", target_arch = "wasm32"))]
fn boxed<'a, O>(
    f: impl std::future::Future<Output = O> + 'a,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = O> + 'a>> {
    Box::pin(f)
}

/// What the retry loop needs to know of an endpoint.
#[derive(Clone, Copy)]
pub(crate) struct CallMeta {
    name: &'static str,
    class: OpClass,
    needs_token: bool,
    needs_nonce: bool,
}

impl CallMeta {
    fn of<E: Endpoint>() -> Self {
        CallMeta { name: E::NAME, class: E::CLASS, needs_token: E::NEEDS_TOKEN, needs_nonce: E::NEEDS_NONCE }
    }
}

/// Builds one attempt's request (`Sync` natively so the call's future stays `Send`).
#[cfg(not(target_arch = "wasm32"))]
type BuildFn<'a> = dyn Fn(&BuildContext<'_>) -> Result<HttpRequest, KfError> + Sync + 'a;
#[cfg(target_arch = "wasm32")]
type BuildFn<'a> = dyn Fn(&BuildContext<'_>) -> Result<HttpRequest, KfError> + 'a;
/// Parses a response, keeping the typed result aside (`Send` natively, as above).
#[cfg(not(target_arch = "wasm32"))]
type ParseFn<'a> = dyn FnMut(HttpResponse) -> Result<(), KfError> + Send + 'a;
#[cfg(target_arch = "wasm32")]
type ParseFn<'a> = dyn FnMut(HttpResponse) -> Result<(), KfError> + 'a;
