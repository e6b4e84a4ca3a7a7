pub mod fake;
pub mod vectors;
