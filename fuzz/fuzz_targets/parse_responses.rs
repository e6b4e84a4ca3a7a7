//! Any bytes as the response of every endpoint: a typed result or a typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxkf::api::account::{
    add_kf_account::AddKfAccount, del_kf_account::DelKfAccount, get_kf_list::GetKfList, get_kf_online_list::GetKfOnlineList,
    invite_worker::InviteWorker, update_kf_account::UpdateKfAccount, upload_kf_head_img::UploadKfHeadImg,
};
use wxkf::api::message::{send_message::SendMessage, send_typing::SendTyping};
use wxkf::api::record::get_msg_list::GetMsgList;
use wxkf::api::session::{
    close_kf_session::CloseKfSession, create_kf_session::CreateKfSession, get_kf_session::GetKfSession, get_kf_session_list::GetKfSessionList,
    get_wait_case_list::GetWaitCaseList,
};
use wxkf::api::token::{get_access_token::GetAccessToken, get_stable_access_token::GetStableAccessToken};
use wxkf::http::HttpResponse;
use wxkf::Endpoint;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the status: mostly 200, sometimes an error status.
    let (status, body) = match data.split_first() {
        Some((b, rest)) if *b < 8 => ([200, 200, 200, 200, 502, 503, 404, 301][*b as usize], rest),
        _ => (200, data),
    };
    let r = HttpResponse { status, headers: Vec::new(), body: body.to_vec() };
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
    if let Err(e) = GetMsgList::parse(&r) {
        // Every error renders, and names its catalogue code.
        let _ = (e.to_string(), e.code_name());
    }
});
