pub mod fake;
pub mod redis_server;
pub mod vectors;
