//! Sending customer-service messages and the typing indicator.

pub mod send;
pub mod typing;
