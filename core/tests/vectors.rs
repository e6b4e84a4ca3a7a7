//! Runs every shared vector through the sans-IO endpoints: build, compare, parse, compare.

mod common;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use wxkf::api::account::{
    add_kf_account::AddKfAccount, del_kf_account::DelKfAccount, get_kf_list::GetKfList,
    get_kf_online_list::GetKfOnlineList, invite_worker::InviteWorker, update_kf_account::UpdateKfAccount,
    upload_kf_head_img::UploadKfHeadImg,
};
use wxkf::api::message::{send_message::SendMessage, send_typing::SendTyping};
use wxkf::api::record::get_msg_list::GetMsgList;
use wxkf::api::session::{
    close_kf_session::CloseKfSession, create_kf_session::CreateKfSession, get_kf_session::GetKfSession,
    get_kf_session_list::GetKfSessionList, get_wait_case_list::GetWaitCaseList,
};
use wxkf::api::token::{get_access_token::GetAccessToken, get_stable_access_token::GetStableAccessToken};
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

fn input<T: DeserializeOwned>(case: &Value) -> T {
    serde_json::from_value(case["input"].clone()).unwrap_or_else(|e| panic!("{}: input: {e}", case["name"]))
}

fn s(case: &Value, key: &str) -> String {
    case["input"][key].as_str().unwrap_or("").to_string()
}

fn dispatch(case: &Value) -> Result<(), String> {
    // Requests are built without their validating constructors so that the `build` step
    // itself is what rejects bad input.
    match case["operation"].as_str().unwrap_or("") {
        "get_access_token" => {
            run(GetAccessToken { appid: s(case, "appid"), secret: Secret::new(s(case, "secret")) }, case)
        }
        "get_stable_access_token" => run(
            GetStableAccessToken {
                appid: s(case, "appid"),
                secret: Secret::new(s(case, "secret")),
                force_refresh: case["input"]["force_refresh"].as_bool().unwrap_or(false),
            },
            case,
        ),
        "add_kf_account" => run(input::<AddKfAccount>(case), case),
        "update_kf_account" => run(input::<UpdateKfAccount>(case), case),
        "del_kf_account" => run(input::<DelKfAccount>(case), case),
        "invite_worker" => run(input::<InviteWorker>(case), case),
        "upload_kf_head_img" => {
            let image = common::vectors::image_of(&case["input"])?;
            let filename = case["input"]["filename"].as_str().unwrap_or("avatar.jpg").to_string();
            run(UploadKfHeadImg { kf_account: s(case, "kf_account"), image, filename }, case)
        }
        "get_kf_list" => run(GetKfList, case),
        "get_kf_online_list" => run(GetKfOnlineList, case),
        "send_message" => run(input::<SendMessage>(case), case),
        "send_typing" => run(input::<SendTyping>(case), case),
        "create_kf_session" => run(input::<CreateKfSession>(case), case),
        "close_kf_session" => run(input::<CloseKfSession>(case), case),
        "get_kf_session" => run(input::<GetKfSession>(case), case),
        "get_kf_session_list" => run(input::<GetKfSessionList>(case), case),
        "get_wait_case_list" => run(GetWaitCaseList, case),
        "get_msg_list" => run(input::<GetMsgList>(case), case),
        other => Err(format!("unknown operation {other}")),
    }
}

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
    for op in [
        "get_access_token",
        "get_stable_access_token",
        "add_kf_account",
        "update_kf_account",
        "del_kf_account",
        "get_kf_list",
        "get_kf_online_list",
        "invite_worker",
        "upload_kf_head_img",
        "send_message",
        "send_typing",
        "create_kf_session",
        "close_kf_session",
        "get_kf_session",
        "get_kf_session_list",
        "get_wait_case_list",
        "get_msg_list",
    ] {
        assert!(ops.contains(op), "no vector for {op}");
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
