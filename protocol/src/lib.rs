//! The sans-IO protocol of wxkf: the WeChat Official Account customer-service ("kf") API,
//! once, for every runtime.
//!
//! Each operation becomes a plain [`HttpRequest`] and each [`HttpResponse`] a typed result or
//! a [`KfError`]; pushes are verified, decrypted and parsed, and replies built. Nothing here
//! reads a clock, randomness or the environment, and nothing is async or does IO (cargo
//! enforces it: this crate depends on no runtime), so it runs natively, in wasm32, under pyo3
//! and under UniFFI alike. The client (tokens, retries, paging) is `wxkf-core` above it.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("wxkf_protocol");

pub mod api;
pub mod budget;
pub mod callback;
pub mod endpoint;
mod envelope;
pub mod error;
pub mod http;
pub mod message;
pub mod multipart;
pub mod options;
pub mod records;
pub mod secret;
pub mod validate;

pub use callback::{
    build_reply, build_reply_to, check_url, is_user_message_type, open_push, open_push_guarded, AcceptedPush,
    CallbackConfig, OpenedPush, PushKind, PushMessage, PushQuery, Reply, ReplyTo, UrlQuery,
};
pub use endpoint::{BuildContext, Endpoint, Guarded, OpClass, DEFAULT_BASE_URL};
pub use error::{CallbackKind, ErrorCode, GuardKind, KfError, RetryClass, TransportKind};
pub use http::{HttpRequest, HttpResponse, Method};
pub use message::{Message, MessageContent};
pub use options::{BudgetMode, ClientOptions, Credentials, GuardOptions, TokenKind, TokenMode};
pub use secret::Secret;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
