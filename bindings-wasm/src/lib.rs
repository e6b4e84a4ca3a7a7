//! wxkf for JavaScript: core's `Client` and `Webhook` compiled to WebAssembly, glue only.
//!
//! One crossing in, one out: operations, options, webhook calls and record pages cross as
//! JSON text and come back as JSON text; a failure rejects (or throws) with the JSON text of
//! core's error view, which the package's generated JS layer turns into its error class.
//! What cannot be JSON is here: `fetch` as the transport, `Date.now`/`setTimeout` as the
//! clock, the host's token provider and key-value store, `AbortSignal`s.
//!
//! The crate is empty on non-wasm targets so that workspace-wide native builds skip it.

#[cfg(target_arch = "wasm32")]
mod call;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod fetch;
#[cfg(target_arch = "wasm32")]
mod host;
#[cfg(target_arch = "wasm32")]
mod webhook;
