//! `Client`: its constructors (token modes, over core's `Credentials` and `ClientOptions`) and
//! the calls besides the operation table.

use std::sync::Arc;

use wxkf::client::{MemoryStore, TokenSource};
use wxkf::{ClientConfig, ClientOptions, Credentials, KfError, Secret, TokenKind};

use crate::host::{HostClock, HttpTransport, ProviderAdapter, SystemClock, TokenProvider};

/// Core's client over the host's transport and clock.
pub(crate) type CoreClient = wxkf::Client<Http, MemoryStore, Arc<dyn HostClock>>;
type Http = Arc<dyn HttpTransport>;
type Provider = Arc<dyn TokenProvider>;
type Opts = Option<ClientOptions>;
type Clock = Option<Arc<dyn HostClock>>;
/// A constructor's result: the new client, or the `Validation` error of its settings.
type New = Result<Arc<Client>, KfError>;

/// The wxkf client: every operation of core's table as an async method. Apps use
/// `withTokenProvider`; `withStableToken` / `withClassicToken` hold the AppSecret: servers only.
#[derive(Debug, uniffi::Object)]
pub struct Client {
    pub(crate) core: CoreClient,
}

impl Client {
    fn build(cr: Credentials, provider: Option<Provider>, http: Http, options: Opts, clock: Clock) -> New {
        let clock = clock.unwrap_or_else(|| Arc::new(SystemClock));
        let provider = provider.map(|provider| {
            Arc::new(ProviderAdapter { provider, clock: clock.clone() }) as Arc<dyn wxkf::client::TokenProvider>
        });
        let source = TokenSource::from_mode(cr.mode(provider.is_some())?, provider)?;
        let config = ClientConfig::from_options(source, &options.unwrap_or_default())?;
        Ok(Arc::new(Client { core: wxkf::Client::new(config, http, MemoryStore::new(), clock) }))
    }

    fn secret(app_id: String, app_secret: String, token_kind: TokenKind) -> Credentials {
        let app_secret = Some(Secret::new(app_secret));
        Credentials { app_id: Some(app_id), app_secret, token_kind, ..Credentials::default() }
    }
}

#[uniffi::export]
impl Client {
    /// Tokens from the host's broker (your back end): the mode for mobile apps.
    #[uniffi::constructor(default(options = None, clock = None))]
    pub fn with_token_provider(provider: Provider, transport: Http, options: Opts, clock: Clock) -> New {
        Self::build(Credentials::default(), Some(provider), transport, options, clock)
    }

    /// A fixed access token, never refreshed (a token error is returned as is).
    #[uniffi::constructor(default(options = None, clock = None))]
    pub fn with_fixed_token(access_token: String, transport: Http, options: Opts, clock: Clock) -> New {
        let credentials = Credentials { access_token: Some(access_token.into()), ..Credentials::default() };
        Self::build(credentials, None, transport, options, clock)
    }

    /// SERVER-SIDE ONLY: stable tokens fetched with the AppSecret (never ship it in an app).
    #[uniffi::constructor(default(options = None, clock = None))]
    pub fn with_stable_token(app_id: String, app_secret: String, transport: Http, options: Opts, clock: Clock) -> New {
        Self::build(Self::secret(app_id, app_secret, TokenKind::Stable), None, transport, options, clock)
    }

    /// SERVER-SIDE ONLY: classic tokens (each fetch replaces the previous one: one instance).
    #[uniffi::constructor(default(options = None, clock = None))]
    pub fn with_classic_token(app_id: String, app_secret: String, transport: Http, options: Opts, clock: Clock) -> New {
        Self::build(Self::secret(app_id, app_secret, TokenKind::Classic), None, transport, options, clock)
    }

    /// The current (cached) access token, for hosts that hand it on; never log it.
    pub async fn access_token(&self) -> Result<String, KfError> {
        Ok(self.core.access_token().await?.expose().to_string())
    }

    /// How many tokens this client fetched (from WeChat or the provider) so far.
    pub fn token_fetches(&self) -> u64 {
        self.core.token_fetches()
    }
}
