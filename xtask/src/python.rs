//! The Python value classes, exception classes and stubs of the wxkf package.

use crate::model::Model;
use crate::Generated;

/// Every generated file of the Python package.
pub fn emit(_model: &Model) -> Vec<Generated> {
    Vec::new()
}
