//! Customer-service sessions: create, close, get, list, waiting cases.

pub mod close_kf_session;
pub mod create_kf_session;
pub mod get_kf_session;
pub mod get_kf_session_list;
pub mod get_wait_case_list;

use serde::Serialize;

/// The body shared by create and close.
#[derive(Serialize)]
pub(crate) struct SessionWire<'a> {
    pub kf_account: &'a str,
    pub openid: &'a str,
}
