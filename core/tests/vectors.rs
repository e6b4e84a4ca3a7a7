//! Runs every shared vector through the sans-IO endpoints: build, compare, parse, compare.

mod common;

use serde::Serialize;
use serde_json::Value;
use wxkf::ops::prelude::*;
use wxkf::ops::{JsonArg, OPERATIONS};
use wxkf::{BuildContext, Endpoint, Secret};

const CTX: BuildContext<'static> =
    BuildContext { base_url: "https://api.weixin.qq.com", access_token: Some("ACCESS_TOKEN"), nonce: "vectors" };

fn run<E: Endpoint>(req: E, case: &Value) -> Result<(), String>
where
    E::Output: Serialize,
{
    let outcome = match req.build(&CTX) {
        Err(e) => {
            if !case["request"].is_null() {
                return Err(format!("build failed: {e}"));
            }
            Err(e)
        }
        Ok(built) => {
            if case["request"].is_null() {
                return Err(format!("expected no request, built {built:?}"));
            }
            common::vectors::check_request(&case["request"], &built)?;
            E::parse(&common::vectors::response_of(case))
                .map(|out| serde_json::to_value(out).unwrap_or(Value::String("unserializable".into())))
        }
    };
    common::vectors::check_outcome(&case["expect"], &outcome)
}

/// An argument of the case's input, read as the JSON dispatch reads it (`image_base64` or
/// `image_size` is the vectors' description of the `image` bytes).
fn arg<T: JsonArg>(case: &Value, name: &str) -> Result<T, String> {
    let input = &case["input"];
    let value = match name {
        "image" => common::vectors::image_json(input)?,
        _ => input.get(name).cloned().unwrap_or(Value::Null),
    };
    T::from_json(value).map_err(|e| format!("input {name}: {e}"))
}

fn credentials(case: &Value) -> (String, Secret) {
    let input = &case["input"];
    (input["appid"].as_str().unwrap_or("").into(), input["secret"].as_str().unwrap_or("").into())
}

/// The token rows use the client's credentials; the vectors give them in the input.
fn token_row(name: &str, case: &Value) -> Result<(), String> {
    let (appid, secret) = credentials(case);
    match name {
        "get_access_token" => run(GetAccessToken { appid, secret }, case),
        _ => run(GetStableAccessToken { appid, secret, force_refresh: arg(case, "force_refresh")? }, case),
    }
}

// The requests are built without their validating constructors so that the `build` step
// itself is what rejects bad input.
macro_rules! dispatch {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident ( $($arg:ident : $ty:ty $(= $def:literal)?),* $(; $($kw:ident : $kty:ty),*)? )
            -> $out:ty : $endpoint:ty $(= $request:expr)? ;
    )*) => {
        fn dispatch(case: &Value) -> Result<(), String> {
            match case["operation"].as_str().unwrap_or("") {
                $( stringify!($name) => row!(case, $name ($($arg : $ty),*) ($($($kw : $kty),*)?) [$($request)?]), )*
                other => Err(format!("unknown operation {other}")),
            }
        }
    };
}

macro_rules! row {
    ($case:ident, $name:ident ($($arg:ident : $ty:ty),*) ($($kw:ident : $kty:ty),*) [$request:expr]) => {{
        $( let $arg: $ty = arg($case, stringify!($arg))?; )*
        $( let $kw: $kty = arg($case, stringify!($kw))?; )*
        run($request, $case)
    }};
    ($case:ident, $name:ident ($($arg:ident : $ty:ty),*) ($($kw:ident : $kty:ty),*) []) => {
        token_row(stringify!($name), $case)
    };
}

wxkf::for_each_operation!(dispatch);

#[test]
fn every_vector_passes() {
    let cases = common::vectors::load_cases();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for (file, case) in &cases {
        if let Err(why) = dispatch(case) {
            failures.push(format!("{file}/{}: {why}", case["name"].as_str().unwrap_or("?")));
        }
    }
    assert!(failures.is_empty(), "{} of {} vectors failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn vectors_cover_every_operation_and_message_kind() {
    let cases = common::vectors::load_cases();
    let ops: std::collections::HashSet<&str> = cases.iter().filter_map(|(_, c)| c["operation"].as_str()).collect();
    for op in OPERATIONS {
        assert!(ops.contains(op.name), "no vector for {}", op.name);
    }
    for kind in wxkf::message::MSG_TYPES {
        let found = cases.iter().any(|(_, c)| {
            c["operation"] == "send_message" && !c["request"].is_null() && c["input"]["message"].get(kind).is_some()
        });
        assert!(found, "no sent vector for message kind {kind}");
    }
    let names: std::collections::HashSet<&str> = cases.iter().filter_map(|(_, c)| c["name"].as_str()).collect();
    assert_eq!(names.len(), cases.len(), "duplicate case names");
}

#[test]
fn a_changed_expectation_fails() {
    // Guards the runner itself: flip one expected field and the case must fail.
    let (_, mut case) =
        common::vectors::load_cases().into_iter().find(|(_, c)| c["name"] == "send_image").unwrap_or_default();
    assert!(dispatch(&case).is_ok());
    case["request"]["json"]["image"]["media_id"] = Value::String("other".into());
    assert!(dispatch(&case).is_err());
}
