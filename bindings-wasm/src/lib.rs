//! wxkf for JavaScript: core's `Client` and `Webhook` compiled to WebAssembly, glue only.
//!
//! One crossing in, one out: operations, options, webhook calls and record pages go in as JSON
//! text and come back as JSON text; a failure rejects (or throws) with the JSON text of core's
//! error view, which the package's generated JS turns into its error class. What cannot be
//! JSON is here: `fetch`, the clock, the host's token provider and store, `AbortSignal`s.
//! Empty on non-wasm targets, so workspace-wide native builds skip it.
#![cfg(target_arch = "wasm32")]

mod call;
mod client;
mod fetch;
mod host;
mod webhook;
