//! `Client`: its constructors (token modes, over core's `Credentials` and `ClientOptions`) and
//! the calls besides the operation table.

use std::sync::Arc;

use wxkf::client::{KvTokenStore, MemoryStore, TokenSource, TokenStore};
use wxkf::{ClientConfig, ClientOptions, Credentials, GuardOptions, KfError, Secret, TokenKind};

use crate::guards::{BudgetFallback, HostFallback, HostKv, KvStore};
use crate::host::{HostClock, HttpTransport, ProviderAdapter, SystemClock, TokenProvider};

/// Core's client over the host's transport and clock.
pub(crate) type CoreClient = wxkf::Client<Http, Arc<dyn TokenStore>, Arc<dyn HostClock>>;
type Http = Arc<dyn HttpTransport>;
type Provider = Arc<dyn TokenProvider>;
type Opts = Option<ClientOptions>;
type Clock = Option<Arc<dyn HostClock>>;
type Guards = Option<GuardOptions>;
type Store = Option<Arc<dyn KvStore>>;
type Fallback = Option<Arc<dyn BudgetFallback>>;
/// The host's clock, guards and token store, after the constructors' positional arguments.
type Host = (Clock, Guards, Store, Fallback, Store);
/// A constructor's result: the new client, or the `Validation` error of its settings.
type New = Result<Arc<Client>, KfError>;

/// The wxkf client: every operation of core's table as an async method. Apps use
/// `withTokenProvider`; `withStableToken` / `withClassicToken` hold the AppSecret: servers only.
/// Every constructor also takes the production guards: `guards` (budget mode, dedup TTL,
/// token breaker …), `guardStore` (budgets and pushes shared by the app's instances; this
/// process's memory when absent), `budgetFallback` (told of each refused send) and
/// `tokenStore` (access tokens shared by the app's instances through a `KvStore`).
#[derive(Debug, uniffi::Object)]
pub struct Client {
    pub(crate) core: CoreClient,
}

impl Client {
    fn build(cr: Credentials, provider: Option<Provider>, http: Http, options: Opts, host: Host) -> New {
        let (clock, guards, store, fallback, token_store) = host;
        let clock = clock.unwrap_or_else(|| Arc::new(SystemClock));
        let provider = provider.map(|provider| {
            Arc::new(ProviderAdapter { provider, clock: clock.clone() }) as Arc<dyn wxkf::client::TokenProvider>
        });
        let source = TokenSource::from_mode(cr.mode(provider.is_some())?, provider)?;
        let config = ClientConfig::from_options(source, &options.unwrap_or_default())?
            .guard_options(&guards.unwrap_or_default())?;
        let tokens: Arc<dyn TokenStore> = match token_store {
            Some(kv) => Arc::new(KvTokenStore::new(HostKv(kv), || HostClock::now_ms(&SystemClock))),
            None => Arc::new(MemoryStore::new()),
        };
        let mut core = wxkf::Client::new(config, http, tokens, clock);
        if let Some(store) = store {
            core = core.with_guard_store(Arc::new(HostKv(store)));
        }
        if let Some(fallback) = fallback {
            core = core.with_budget_fallback(Arc::new(HostFallback(fallback)));
        }
        Ok(Arc::new(Client { core }))
    }

    fn secret(app_id: String, app_secret: String, token_kind: TokenKind) -> Credentials {
        let app_secret = Some(Secret::new(app_secret));
        Credentials { app_id: Some(app_id), app_secret, token_kind, ..Credentials::default() }
    }
}

/// The constructors: their credentials, then the host's transport, options, clock and guards
/// (named, defaulted arguments in Kotlin and Swift).
macro_rules! constructors {
    ($($(#[doc = $doc:literal])* $name:ident($($arg:ident: $ty:ty),*) => $credentials:expr, $provider:expr;)*) => {
        #[allow(clippy::too_many_arguments)]
        #[uniffi::export]
        impl Client {$(
            $(#[doc = $doc])*
            #[uniffi::constructor(default(options = None, clock = None, guards = None, guard_store = None,
                budget_fallback = None, token_store = None))]
            pub fn $name($($arg: $ty,)* transport: Http, options: Opts, clock: Clock, guards: Guards,
                guard_store: Store, budget_fallback: Fallback, token_store: Store) -> New {
                let host = (clock, guards, guard_store, budget_fallback, token_store);
                Self::build($credentials, $provider, transport, options, host)
            }
        )*}
    };
}

constructors! {
    /// Tokens from the host's broker (your back end): the mode for mobile apps.
    with_token_provider(provider: Provider) => Credentials::default(), Some(provider);
    /// A fixed access token, never refreshed (a token error is returned as is).
    with_fixed_token(access_token: String) =>
        Credentials { access_token: Some(access_token.into()), ..Credentials::default() }, None;
    /// SERVER-SIDE ONLY: stable tokens fetched with the AppSecret (never ship it in an app).
    with_stable_token(app_id: String, app_secret: String) => Self::secret(app_id, app_secret, TokenKind::Stable), None;
    /// SERVER-SIDE ONLY: classic tokens (each fetch replaces the previous one: one instance).
    with_classic_token(app_id: String, app_secret: String) =>
        Self::secret(app_id, app_secret, TokenKind::Classic), None;
}

#[uniffi::export]
impl Client {
    /// The current (cached) access token, for hosts that hand it on; never log it.
    pub async fn access_token(&self) -> Result<String, KfError> {
        Ok(self.core.access_token().await?.expose().to_string())
    }

    /// How many tokens this client fetched (from WeChat or the provider) so far.
    pub fn token_fetches(&self) -> u64 {
        self.core.token_fetches()
    }
}
