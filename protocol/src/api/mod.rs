//! One module per WeChat operation, grouped by area.

pub mod account;
pub mod message;
pub mod record;
pub mod session;
pub mod token;

pub(crate) mod lenient;
