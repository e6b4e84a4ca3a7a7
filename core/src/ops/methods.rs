//! The `Client` method of every row that builds its request from its arguments.

use crate::client::{Client, Clock, TokenStore, Transport};
use crate::ops::prelude::*;
use crate::KfError;

macro_rules! client_methods {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident ( $($arg:ident : $ty:ty $(= $def:literal)?),* $(; $($kw:ident : $kty:ty),*)? )
            -> $out:ty : $endpoint:ty $(= $request:expr)? ;
    )*) => {
        impl<T: Transport, S: TokenStore, C: Clock> Client<T, S, C> {
            $( client_method! {
                [$(#[doc = $doc])*] $name ($($arg : $ty),*) ($($($kw : $kty),*)?) -> $out [$($request)?]
            } )*
        }
    };
}

macro_rules! client_method {
    ([$($doc:tt)*] $name:ident ($($arg:ident : $ty:ty),*) ($($kw:ident : $kty:ty),*) -> $out:ty []) => {};
    ([$($doc:tt)*] $name:ident ($($arg:ident : $ty:ty),*) ($($kw:ident : $kty:ty),*) -> $out:ty [$request:expr]) => {
        $($doc)*
        pub async fn $name(&self, $($arg: impl Into<$ty>),*) -> Result<$out, KfError> {
            $(let $arg: $ty = $arg.into();)*
            $(let $kw: $kty = None;)*
            self.execute(&$request).await
        }
    };
}

crate::for_each_operation!(client_methods);
