//! Property tests: arbitrary bytes into every parser, arbitrary strings into every validator
//! and builder. Only `Ok`/`Err` may come out, never a panic.

use proptest::prelude::*;
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
use wxkf::{BuildContext, Endpoint, HttpResponse, Message};

fn parse_all(status: u16, body: &[u8]) {
    let r = HttpResponse { status, headers: vec![], body: body.to_vec() };
    let _ = GetAccessToken::parse(&r);
    let _ = GetStableAccessToken::parse(&r);
    let _ = AddKfAccount::parse(&r);
    let _ = UpdateKfAccount::parse(&r);
    let _ = DelKfAccount::parse(&r);
    let _ = InviteWorker::parse(&r);
    let _ = UploadKfHeadImg::parse(&r);
    let _ = GetKfList::parse(&r);
    let _ = GetKfOnlineList::parse(&r);
    let _ = SendMessage::parse(&r);
    let _ = SendTyping::parse(&r);
    let _ = CreateKfSession::parse(&r);
    let _ = CloseKfSession::parse(&r);
    let _ = GetKfSession::parse(&r);
    let _ = GetKfSessionList::parse(&r);
    let _ = GetWaitCaseList::parse(&r);
    let _ = GetMsgList::parse(&r);
}

/// JSON-ish bodies reach deeper than random bytes: objects with the fields parsers look at.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let scalar = prop_oneof![
        Just("null".to_string()),
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        ".{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
        Just("[]".to_string()),
        Just("{}".to_string()),
    ];
    let keys = prop::sample::select(vec![
        "errcode",
        "errmsg",
        "access_token",
        "expires_in",
        "kf_list",
        "kf_online_list",
        "kf_id",
        "count",
        "waitcaselist",
        "recordlist",
        "msgid",
        "number",
        "kf_account",
        "createtime",
        "sessionlist",
    ]);
    prop::collection::vec((keys, scalar), 0..6).prop_map(|pairs| {
        let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", inner.join(",")).into_bytes()
    })
}

const CTX: BuildContext<'static> = BuildContext { base_url: "http://h", access_token: Some("T"), nonce: "n" };

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsers_never_panic_on_bytes(status in prop::sample::select(vec![200u16, 500, 0]), body in prop::collection::vec(any::<u8>(), 0..256)) {
        parse_all(status, &body);
    }

    #[test]
    fn parsers_never_panic_on_jsonish(body in jsonish()) {
        parse_all(200, &body);
    }

    #[test]
    fn builders_never_panic(a in ".{0,40}", b in ".{0,40}", n in any::<i64>(), m in any::<i64>(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = AddKfAccount { kf_account: a.clone(), nickname: b.clone() }.build(&CTX);
        let _ = UpdateKfAccount { kf_account: a.clone(), nickname: b.clone() }.build(&CTX);
        let _ = DelKfAccount { kf_account: a.clone() }.build(&CTX);
        let _ = InviteWorker { kf_account: a.clone(), invite_wx: b.clone() }.build(&CTX);
        let _ = UploadKfHeadImg { kf_account: a.clone(), image: bytes.clone(), filename: b.clone() }.build(&CTX);
        let _ = UploadKfHeadImg { kf_account: a.clone(), image: bytes, filename: b.clone() }
            .build(&BuildContext { nonce: &b, ..CTX });
        let _ = SendMessage { touser: a.clone(), message: Message::text(b.clone()).from_kf(a.clone()) }.build(&CTX);
        let _ = CreateKfSession { kf_account: a.clone(), openid: b.clone() }.build(&CTX);
        let _ = GetKfSession { openid: a.clone() }.build(&CTX);
        let _ = GetKfSessionList { kf_account: b.clone() }.build(&BuildContext { base_url: &a, ..CTX });
        let _ = GetMsgList { starttime: n, endtime: m, msgid: n, number: m }.build(&CTX);
        let _ = GetMsgList { starttime: n, endtime: n.saturating_add(m % 100_000), msgid: 1, number: 10 }.build(&CTX);
        let _ = GetAccessToken { appid: a.clone(), secret: b.clone().into() }.build(&BuildContext { access_token: None, ..CTX });
        let _ = wxkf::records::parse_time(&a);
        let _ = wxkf::records::day_windows(n, n.saturating_add(m % 1_000_000)).take(100).count();
        let _ = wxkf::records::RecordPager::new(n, m, m);
        let _ = wxkf::validate::kf_account("k", &a);
        let _ = wxkf::validate::nickname("n", &b);
    }

    #[test]
    fn message_inputs_from_any_json_never_panic(body in jsonish()) {
        if let Ok(msg) = serde_json::from_slice::<SendMessage>(&body) {
            let _ = msg.build(&CTX);
        }
    }
}
