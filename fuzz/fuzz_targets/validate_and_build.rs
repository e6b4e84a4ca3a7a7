//! Any JSON as the input of every operation (the way bindings hand inputs to core): a request
//! or a validation error naming the field, never a panic; a built request is well-formed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use wxkf::api::account::{add_kf_account::AddKfAccount, del_kf_account::DelKfAccount, invite_worker::InviteWorker, update_kf_account::UpdateKfAccount};
use wxkf::api::message::{send_message::SendMessage, send_typing::SendTyping};
use wxkf::api::record::get_msg_list::GetMsgList;
use wxkf::api::session::{
    close_kf_session::CloseKfSession, create_kf_session::CreateKfSession, get_kf_session::GetKfSession, get_kf_session_list::GetKfSessionList,
};
use wxkf::{BuildContext, Endpoint, KfError, Message};

const CTX: BuildContext<'static> =
    BuildContext { base_url: "https://api.weixin.qq.com", access_token: Some("ACCESS_TOKEN"), nonce: "fuzz" };

fn build<E: Endpoint + serde::de::DeserializeOwned>(input: &Value) {
    let Ok(req) = serde_json::from_value::<E>(input.clone()) else { return };
    match req.build(&CTX) {
        Ok(http) => {
            assert!(http.url.starts_with("https://api.weixin.qq.com/"), "{}", http.url);
            assert!(!http.url.contains(' ') && !http.url.contains('#'), "unencoded URL {}", http.url);
            if !http.body.is_empty() {
                serde_json::from_slice::<Value>(&http.body).expect("a JSON body parses back");
            }
        }
        Err(KfError::Validation { field, reason }) => assert!(!field.is_empty() && !reason.is_empty()),
        Err(other) => panic!("{} refused with a non-validation error: {other:?}", E::NAME),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Value>(data) else { return };
    build::<AddKfAccount>(&input);
    build::<UpdateKfAccount>(&input);
    build::<DelKfAccount>(&input);
    build::<InviteWorker>(&input);
    build::<SendMessage>(&input);
    build::<SendTyping>(&input);
    build::<CreateKfSession>(&input);
    build::<CloseKfSession>(&input);
    build::<GetKfSession>(&input);
    build::<GetKfSessionList>(&input);
    build::<GetMsgList>(&input);
    // A message alone, as bindings pass it.
    if let Ok(m) = serde_json::from_value::<Message>(input.get("message").cloned().unwrap_or(Value::Null)) {
        let _ = SendMessage::new("oFUZZ", m);
    }
});
