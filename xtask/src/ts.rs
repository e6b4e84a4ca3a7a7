//! The TypeScript declarations and JS error classes of the npm package (bindings-wasm/pkg).

use crate::model::Model;
use crate::Generated;

/// Every generated file of the npm package.
pub fn emit(_model: &Model) -> Vec<Generated> {
    Vec::new()
}
