//! `Client`'s operation methods, one per row of core's table (`wxkf::for_each_operation!`):
//! async, positional arguments in table order, table defaults and keyword arguments as default
//! arguments. No operation is listed here by hand.

use std::sync::Arc;

use wxkf::ops::prelude::*;
use wxkf::KfError;

use crate::client::Client;
use crate::host::AccessToken;

macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident ( $($arg:ident : $ty:ty $(= $def:literal)?),* $(; $($kw:ident : $kty:ty),*)? )
            -> $out:ty : $endpoint:ty $(= $request:expr)? ;
    )*) => {
        $( operation! {
            [$(#[doc = $doc])*] [$($($arg = $def,)?)* $($($kw = None,)*)?]
            $name ($($arg : $ty,)* $($($kw : $kty,)*)?) -> $out [$($request)?]
        } )*
    };
}

macro_rules! operation {
    // A row with a request: built from the arguments and run by core's client.
    ([$($doc:tt)*] [$($defaults:tt)*] $name:ident ($($arg:ident : $ty:ty,)*) -> $out:ty [$request:expr]) => {
        #[uniffi::export]
        impl Client {
            $($doc)*
            #[uniffi::method(default($($defaults)*))]
            pub async fn $name(&self, $($arg: $ty),*) -> Result<$out, KfError> {
                self.core.execute(&$request).await
            }
        }
    };
    // A row without one calls core's method of the same name: the token calls, whose
    // `AccessTokenResponse` holds a secret and so is handed out as an `AccessToken` object.
    ([$($doc:tt)*] [$($defaults:tt)*] $name:ident ($($arg:ident : $ty:ty,)*) -> $out:ty []) => {
        #[uniffi::export]
        impl Client {
            $($doc)*
            #[uniffi::method(default($($defaults)*))]
            pub async fn $name(&self, $($arg: $ty),*) -> Result<Arc<AccessToken>, KfError> {
                self.core.$name($($arg),*).await.map(AccessToken::issued)
            }
        }
    };
}

wxkf::for_each_operation!(operations);
