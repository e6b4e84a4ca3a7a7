//! `Client`: its constructors (token modes, over core's `Credentials` and `ClientOptions`) and
//! the calls besides the operation table.

use std::sync::Arc;

use wxkf::budget::{Budget, UserAction};
use wxkf::client::{MemoryStore, TokenSource};
use wxkf::{
    AcceptedPush, ClientConfig, ClientOptions, Credentials, GuardOptions, KfError, PushQuery, Secret, TokenKind,
};

use crate::guards::{BudgetFallback, FallbackAdapter, KvAdapter, KvStore};
use crate::host::{HostClock, HttpTransport, ProviderAdapter, SystemClock, TokenProvider};
use crate::webhook::{now_secs, Webhook};

/// Core's client over the host's transport and clock.
pub(crate) type CoreClient = wxkf::Client<Http, MemoryStore, Arc<dyn HostClock>>;
type Http = Arc<dyn HttpTransport>;
type Provider = Arc<dyn TokenProvider>;
type Opts = Option<ClientOptions>;
type Clock = Option<Arc<dyn HostClock>>;
type Guards = Option<GuardOptions>;
type Store = Option<Arc<dyn KvStore>>;
type Fallback = Option<Arc<dyn BudgetFallback>>;
/// The production guards' settings: options, shared store, fallback (all optional).
type Guarding = (Guards, Store, Fallback);
/// A constructor's result: the new client, or the `Validation` error of its settings.
type New = Result<Arc<Client>, KfError>;

/// The wxkf client: every operation of core's table as an async method. Apps use
/// `withTokenProvider`; `withStableToken` / `withClassicToken` hold the AppSecret: servers only.
#[derive(Debug, uniffi::Object)]
pub struct Client {
    pub(crate) core: CoreClient,
}

impl Client {
    fn build(cr: Credentials, provider: Option<Provider>, http: Http, options: Opts, clock: Clock, g: Guarding) -> New {
        let clock = clock.unwrap_or_else(|| Arc::new(SystemClock));
        let provider = provider.map(|provider| {
            Arc::new(ProviderAdapter { provider, clock: clock.clone() }) as Arc<dyn wxkf::client::TokenProvider>
        });
        let source = TokenSource::from_mode(cr.mode(provider.is_some())?, provider)?;
        let config = ClientConfig::from_options(source, &options.unwrap_or_default())?;
        let mut core =
            wxkf::Client::new(config.guard_options(&g.0.unwrap_or_default())?, http, MemoryStore::new(), clock);
        if let Some(store) = g.1 {
            core = core.with_guard_store(Arc::new(KvAdapter(store)));
        }
        if let Some(fallback) = g.2 {
            core = core.with_budget_fallback(Arc::new(FallbackAdapter(fallback)));
        }
        Ok(Arc::new(Client { core }))
    }

    fn secret(app_id: String, app_secret: String, token_kind: TokenKind) -> Credentials {
        let app_secret = Some(Secret::new(app_secret));
        Credentials { app_id: Some(app_id), app_secret, token_kind, ..Credentials::default() }
    }
}

#[uniffi::export]
impl Client {
    /// Tokens from the host's broker (your back end): the mode for mobile apps.
    #[uniffi::constructor(default(options = None, clock = None, guards = None, guard_store = None, budget_fallback = None))]
    pub fn with_token_provider(
        provider: Provider,
        transport: Http,
        options: Opts,
        clock: Clock,
        guards: Guards,
        guard_store: Store,
        budget_fallback: Fallback,
    ) -> New {
        Self::build(
            Credentials::default(),
            Some(provider),
            transport,
            options,
            clock,
            (guards, guard_store, budget_fallback),
        )
    }

    /// A fixed access token, never refreshed (a token error is returned as is).
    #[uniffi::constructor(default(options = None, clock = None, guards = None, guard_store = None, budget_fallback = None))]
    pub fn with_fixed_token(
        access_token: String,
        transport: Http,
        options: Opts,
        clock: Clock,
        guards: Guards,
        guard_store: Store,
        budget_fallback: Fallback,
    ) -> New {
        let credentials = Credentials { access_token: Some(access_token.into()), ..Credentials::default() };
        Self::build(credentials, None, transport, options, clock, (guards, guard_store, budget_fallback))
    }

    /// SERVER-SIDE ONLY: stable tokens fetched with the AppSecret (never ship it in an app).
    #[uniffi::constructor(default(options = None, clock = None, guards = None, guard_store = None, budget_fallback = None))]
    #[allow(clippy::too_many_arguments)] // defaulted, named arguments in Kotlin and Swift
    pub fn with_stable_token(
        app_id: String,
        app_secret: String,
        transport: Http,
        options: Opts,
        clock: Clock,
        guards: Guards,
        guard_store: Store,
        budget_fallback: Fallback,
    ) -> New {
        Self::build(
            Self::secret(app_id, app_secret, TokenKind::Stable),
            None,
            transport,
            options,
            clock,
            (guards, guard_store, budget_fallback),
        )
    }

    /// SERVER-SIDE ONLY: classic tokens (each fetch replaces the previous one: one instance).
    #[uniffi::constructor(default(options = None, clock = None, guards = None, guard_store = None, budget_fallback = None))]
    #[allow(clippy::too_many_arguments)] // defaulted, named arguments in Kotlin and Swift
    pub fn with_classic_token(
        app_id: String,
        app_secret: String,
        transport: Http,
        options: Opts,
        clock: Clock,
        guards: Guards,
        guard_store: Store,
        budget_fallback: Fallback,
    ) -> New {
        Self::build(
            Self::secret(app_id, app_secret, TokenKind::Classic),
            None,
            transport,
            options,
            clock,
            (guards, guard_store, budget_fallback),
        )
    }

    /// The current (cached) access token, for hosts that hand it on; never log it.
    pub async fn access_token(&self) -> Result<String, KfError> {
        Ok(self.core.access_token().await?.expose().to_string())
    }

    /// What `openid`'s reply budget allows now: messages left and until when.
    pub async fn budget(&self, openid: String) -> Result<Budget, KfError> {
        self.core.budget(&openid).await
    }

    /// Records what `openid` did that no push reports (a payment), opening its window.
    pub async fn record_action(&self, openid: String, action: UserAction) -> Result<(), KfError> {
        self.core.record_action(&openid, action).await
    }

    /// Opens a push (`webhook.open`), flags WeChat's retries of one already accepted
    /// (`duplicate`: answer it, do not handle it again) and records the user's action in the
    /// reply budget (`now`: unix seconds).
    #[uniffi::method(default(now = None))]
    pub async fn accept_push(
        &self,
        webhook: Arc<Webhook>,
        query: PushQuery,
        body: Vec<u8>,
        now: Option<i64>,
    ) -> Result<AcceptedPush, KfError> {
        self.core.accept_push(&webhook.0, &query, &body, now_secs(now)).await
    }

    /// How many tokens this client fetched (from WeChat or the provider) so far.
    pub fn token_fetches(&self) -> u64 {
        self.core.token_fetches()
    }
}
