//! Customer-service sessions: create, close, get, list, waiting cases.

pub mod close;
pub mod create;
pub mod get_session;
pub mod get_session_list;
pub mod get_wait_case_list;

use serde::Serialize;

/// The body shared by create and close.
#[derive(Serialize)]
pub(crate) struct SessionWire<'a> {
    pub kf_account: &'a str,
    pub openid: &'a str,
}
