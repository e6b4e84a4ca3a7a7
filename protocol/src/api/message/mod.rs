//! Sending customer-service messages and the typing indicator.

pub mod send_message;
pub mod send_typing;
