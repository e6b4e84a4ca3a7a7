//! wxkf for Kotlin (package `wxkf`) and Swift (module `Wxkf`) through UniFFI.
//!
//! Glue only: the host app supplies HTTP ([`HttpTransport`]), tokens ([`TokenProvider`], the
//! mode for apps, which must never hold the AppSecret) and optionally its clock
//! ([`HostClock`]); requests, parsing, validation, tokens, retries, paging and push crypto are
//! `wxkf-core`'s. Errors map once into [`KfError`] (Kotlin `KfException`).

mod client;
mod error;
mod host;
mod push;
mod types;

pub use client::{Client, ClientOptions, MsgRecords};
pub use error::{CallbackKind, ErrorFamily, KfError, RetryClass, TransportKind};
pub use host::{AccessToken, HostClock, HttpHeader, HttpRequest, HttpResponse, HttpTransport, TokenProvider};
pub use push::{CallbackConfig, OpenedPush, PushKind, PushMessage, PushQuery, RawField, ReplayGuard, Reply, UrlQuery};
pub use types::{
    Article, InviteStatus, KfInfo, KfOnlineInfo, KfSession, MenuItem, Message, MessageContent, MsgListPage, MsgRecord,
    RecordCursor, SessionItem, TypingCommand, WaitCase, WaitCaseList,
};

uniffi::setup_scaffolding!("wxkf");

/// The library's version (the workspace version).
#[uniffi::export]
pub fn wxkf_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
