//! [`OPERATIONS`]: the table as data, for generators, coverage tests and vector runners.

use crate::ops::prelude::*;
use crate::{Endpoint, Method, OpClass};

/// One argument of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg {
    /// The snake_case name (camelCase in JS and Kotlin).
    pub name: &'static str,
    /// The Rust type as written in the table (`String`, `i64`, `Vec<u8>`, `Message` …).
    pub ty: &'static str,
    /// The default as a JSON literal, for optional positional arguments.
    pub default: Option<&'static str>,
    /// A keyword argument: optional everywhere, absent from the Rust method.
    pub keyword: bool,
}

/// One operation: its name, HTTP shape, retry class, arguments and result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The snake_case name of the names table.
    pub name: &'static str,
    /// One-line description (the table's doc comment).
    pub doc: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path below the base URL.
    pub path: &'static str,
    /// How a client retries it.
    pub class: OpClass,
    /// Whether it carries `access_token`.
    pub needs_token: bool,
    /// Its arguments, in order.
    pub args: &'static [Arg],
    /// The Rust type of its result as written in the table (`()`, `Vec<KfInfo>` …).
    pub output: &'static str,
}

macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident ( $($arg:ident : $ty:ty $(= $def:literal)?),* $(; $($kw:ident : $kty:ty),*)? )
            -> $out:ty : $endpoint:ty $(= $request:expr)? ;
    )*) => {
        /// Every operation, in the names table's order.
        pub const OPERATIONS: &[Operation] = &[$(
            Operation {
                name: stringify!($name),
                doc: concat!($($doc),*),
                method: <$endpoint as Endpoint>::METHOD,
                path: <$endpoint as Endpoint>::PATH,
                class: <$endpoint as Endpoint>::CLASS,
                needs_token: <$endpoint as Endpoint>::NEEDS_TOKEN,
                args: &[
                    $( Arg { name: stringify!($arg), ty: stringify!($ty), default: default!($($def)?), keyword: false }, )*
                    $($( Arg { name: stringify!($kw), ty: stringify!($kty), default: None, keyword: true }, )*)?
                ],
                output: stringify!($out),
            },
        )*];

        #[cfg(test)]
        mod names {
            use super::*;

            #[test]
            fn each_row_is_named_like_its_endpoint() {
                $( assert_eq!(<$endpoint as Endpoint>::NAME, stringify!($name)); )*
            }
        }
    };
}

macro_rules! default {
    () => {
        None
    };
    ($def:literal) => {
        Some(stringify!($def))
    };
}

crate::for_each_operation!(operations);

impl Operation {
    /// The row of `name`, if it is an operation.
    pub fn find(name: &str) -> Option<&'static Operation> {
        OPERATIONS.iter().find(|op| op.name == name)
    }
}
