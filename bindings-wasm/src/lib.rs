//! wxkf for JavaScript: the core `Client` and push API compiled to WebAssembly.
//!
//! Glue only. HTTP goes through the runtime's `fetch`, time through `Date.now` and
//! `setTimeout`, randomness through `crypto.getRandomValues`; tokens, retries, validation,
//! paging and push crypto all come from `wxkf-core`. Errors cross into JavaScript as plain
//! objects (`{__wxkf: true, kind, code, ...}`) that the package's JS layer (`pkg/lib/api.js`)
//! turns into `WxkfError` instances.
//!
//! The crate is empty on non-wasm targets so that workspace-wide native builds skip it.

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod convert;
#[cfg(target_arch = "wasm32")]
mod platform;
#[cfg(target_arch = "wasm32")]
mod push;
