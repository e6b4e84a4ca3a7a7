//! wxkf: the WeChat Official Account customer-service ("kf") API, once, for every runtime.
//!
//! The sans-IO layer (`api`, `message`, `records`, `multipart`, `error`) turns each operation
//! into a plain [`HttpRequest`] and each [`HttpResponse`] into a typed result or a [`KfError`];
//! it reads no clock, no randomness and no environment, so it runs natively, in wasm32, under
//! pyo3 and under UniFFI alike.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod api;
pub mod callback;
pub mod client;
pub mod endpoint;
pub mod error;
pub mod http;
pub mod message;
pub mod multipart;
#[cfg(feature = "native")]
pub mod native;
pub mod records;
#[cfg(feature = "redis")]
pub mod redis_store;
pub mod secret;
pub mod validate;

pub use callback::{
    build_reply, build_reply_to, check_url, is_user_message_type, open_push, open_push_guarded, CallbackConfig,
    OpenedPush, PushKind, PushMessage, PushQuery, Reply, ReplyTo, UrlQuery,
};
pub use client::{Client, ClientConfig, RetryPolicy, TokenSource};
pub use endpoint::{BuildContext, Endpoint, OpClass, DEFAULT_BASE_URL};
pub use error::{CallbackKind, ErrorCode, KfError, RetryClass, TransportKind};
pub use http::{HttpRequest, HttpResponse, Method};
pub use message::{Message, MessageContent};
pub use secret::Secret;
