//! wxkf: the WeChat Official Account customer-service ("kf") API, once, for every runtime.
//!
//! The sans-IO protocol (`api`, `callback`, `message`, `records`, `error` …) comes from
//! `wxkf-protocol` and is re-exported here unchanged; this crate adds the transport-agnostic
//! [`Client`]: token cache with single-flight refresh, retries by operation class and record
//! paging, over the [`client::Transport`], [`client::TokenStore`] and [`client::Clock`] traits
//! each runtime implements (`wxkf-native` for reqwest and Redis).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod client;
pub mod ops;

pub use wxkf_protocol::{
    api, budget, callback, endpoint, error, http, message, multipart, options, records, secret, validate,
};

#[cfg(feature = "guards")]
pub use client::GuardSettings;
pub use client::{Client, ClientConfig, RetryPolicy, TokenSource};
pub use wxkf_protocol::{
    build_reply, build_reply_to, check_url, is_user_message_type, open_push, open_push_guarded, AcceptedPush,
    BudgetMode, BuildContext, CallbackConfig, CallbackKind, ClientOptions, Credentials, Endpoint, ErrorCode, GuardKind,
    GuardOptions, Guarded, HttpRequest, HttpResponse, KfError, Message, MessageContent, Method, OpClass, OpenedPush,
    PushKind, PushMessage, PushQuery, Reply, ReplyTo, RetryClass, Secret, TokenKind, TokenMode, TransportKind,
    UrlQuery, DEFAULT_BASE_URL,
};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
