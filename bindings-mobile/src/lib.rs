//! wxkf for Kotlin and Swift through UniFFI: glue over core, whose types carry the UniFFI
//! derives (component `wxkf_protocol`); this component adds the client, walk and webhook.

mod client;
mod guards;
mod host;
mod kf_error;
mod ops;
mod records;
mod webhook;

pub use client::Client;
pub use guards::{BudgetFallback, KvStore};
pub use host::{AccessToken, HostClock, HttpHeader, HttpRequest, HttpResponse, HttpTransport, TokenProvider};
pub use records::MsgRecords;
pub use webhook::Webhook;

uniffi::setup_scaffolding!("wxkf");

/// The library's version (the workspace version).
#[uniffi::export]
pub fn wxkf_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
