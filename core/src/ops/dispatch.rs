//! `Client::call_json`: any operation by name, arguments and result as JSON text. The JS and
//! Python bindings cross into core through this one entry (one crossing in, one out).

use serde::Deserialize;

use crate::client::{Client, Clock, TokenStore, Transport};
use crate::ops::args::{from_json, Arg, Defaulted};
use crate::ops::prelude::*;
use crate::KfError;

macro_rules! dispatch {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident ( $($arg:ident : $ty:ty $(= $def:literal)?),* $(; $($kw:ident : $kty:ty),*)? )
            -> $out:ty : $endpoint:ty $(= $request:expr)? ;
    )*) => {
        impl<T: Transport, S: TokenStore, C: Clock> Client<T, S, C> {
            /// Runs the operation `name` of the table with `args`, a JSON object of its
            /// arguments by their snake_case names (bytes as base64, defaults where the table
            /// has them); returns the result as JSON (`null` for operations returning nothing).
            /// Unknown names, unknown or ill-typed arguments are validation errors naming them.
            pub async fn call_json(&self, name: &str, args: &str) -> Result<String, KfError> {
                match name {
                    $( stringify!($name) => {
                        #[derive(Deserialize)]
                        #[serde(deny_unknown_fields)]
                        struct Args {
                            // An argument with a default may be left out, not given as null.
                            $( $( #[serde(default)] #[doc = stringify!($def)] )? $arg: arg_field!($ty $(= $def)?), )*
                            $($( #[serde(default)] $kw: Option<Arg<$kty>>, )*)?
                        }
                        // Operations without arguments read nothing from it but still check it.
                        #[allow(unused_variables)]
                        let parsed: Args = from_json(if args.trim().is_empty() { "{}" } else { args })?;
                        $( let $arg: $ty = arg_value!(parsed.$arg $(= $def)?); )*
                        $($( let $kw: $kty = parsed.$kw.and_then(|a| a.0); )*)?
                        let output = run_row!(self, $name ($($arg),*) [$($request)?]);
                        to_json(&output)
                    } )*
                    other => Err(KfError::validation(
                        "operation",
                        format!("{} is not an operation", crate::validate::quote(other)),
                    )),
                }
            }
        }
    };
}

/// The argument's field type: it may be absent when the table gives a default.
macro_rules! arg_field {
    ($ty:ty) => { Arg<$ty> };
    ($ty:ty = $def:literal) => { Defaulted<$ty> };
}

/// The argument's value, its default filled in.
macro_rules! arg_value {
    ($args:ident . $arg:ident) => {
        $args.$arg.0
    };
    ($args:ident . $arg:ident = $def:literal) => {
        $args.$arg.0.unwrap_or($def)
    };
}

/// A row with a request runs it; a row without one calls its hand-written method.
macro_rules! run_row {
    ($client:ident, $name:ident ($($arg:ident),*) [$request:expr]) => { $client.execute(&$request).await? };
    ($client:ident, $name:ident ($($arg:ident),*) []) => { $client.$name($($arg),*).await? };
}

crate::for_each_operation!(dispatch);

fn to_json<O: serde::Serialize>(output: &O) -> Result<String, KfError> {
    serde_json::to_string(output).map_err(|e| KfError::decode(format!("the result could not be serialized: {e}"), b""))
}
