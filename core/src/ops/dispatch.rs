//! `Client::call_json`: any operation by name, arguments and result as JSON text. The JS and
//! Python bindings cross into core through this one entry (one crossing in, one out).

use crate::client::{requests, Client, Clock, JsonCall, TokenStore, Transport};
use crate::ops::args::Arg;
use crate::ops::from_json::JsonFields;
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
                let call: Box<dyn JsonCall> = match name {
                    $( stringify!($name) => {
                        // Each argument read as its own type: one reader per argument type.
                        let known = [$(stringify!($arg),)* $($(stringify!($kw),)*)?];
                        #[allow(unused_variables)]
                        let fields = JsonFields::parse(args, &known)?;
                        $( let $arg: $ty = arg_value!(fields, $arg: $ty $(= $def)?); )*
                        $($( let $kw: $kty = fields.optional::<Arg<$kty>>(stringify!($kw))?.and_then(|a| a.0); )*)?
                        row_call!(self, $name ($($arg),*) [$($request)?])
                    } )*
                    other => {
                        let reason = format!("{} is not an operation", crate::validate::quote(other));
                        return Err(KfError::validation("operation", reason));
                    }
                };
                self.execute_json(&*call).await
            }
        }
    };
}

/// The argument's value, its default filled in when it is absent (or null).
macro_rules! arg_value {
    ($fields:ident, $arg:ident : $ty:ty) => {
        $fields.required::<Arg<$ty>>(stringify!($arg))?.0
    };
    ($fields:ident, $arg:ident : $ty:ty = $def:literal) => {
        $fields.optional::<Arg<$ty>>(stringify!($arg))?.map_or($def, |a| a.0)
    };
}

/// Every row's request, run by [`Client::execute_json`] (one await for every operation); a row
/// without one in the table has it built by the function of its name in `requests`.
macro_rules! row_call {
    ($client:ident, $name:ident ($($arg:ident),*) [$request:expr]) => { Box::new($request) };
    ($client:ident, $name:ident ($($arg:ident),*) []) => { Box::new(requests::$name($client, $($arg),*)?) };
}

crate::for_each_operation!(dispatch);
