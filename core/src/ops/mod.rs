//! The operation table and what is derived from it in core: the `Client` methods, the JSON
//! dispatch ([`Client::call_json`](crate::Client::call_json)) and the metadata ([`OPERATIONS`]) the generator reads.

mod args;
mod dispatch;
mod from_json;
mod meta;
mod methods;
pub mod table;

pub use args::JsonArg;
pub use from_json::{from_json, JsonFields};
pub use meta::{Arg, Operation, OPERATIONS};

/// The names the rows of [`for_each_operation!`](crate::for_each_operation) use; import it
/// where the rows are expanded.
pub mod prelude {
    pub use crate::api::account::add_kf_account::AddKfAccount;
    pub use crate::api::account::del_kf_account::DelKfAccount;
    pub use crate::api::account::get_kf_list::{GetKfList, KfInfo};
    pub use crate::api::account::get_kf_online_list::{GetKfOnlineList, KfOnlineInfo};
    pub use crate::api::account::invite_worker::InviteWorker;
    pub use crate::api::account::update_kf_account::UpdateKfAccount;
    pub use crate::api::account::upload_kf_head_img::UploadKfHeadImg;
    pub use crate::api::message::send_message::SendMessage;
    pub use crate::api::message::send_typing::{SendTyping, TypingCommand};
    pub use crate::api::record::get_msg_list::{GetMsgList, MsgListPage};
    pub use crate::api::session::close_kf_session::CloseKfSession;
    pub use crate::api::session::create_kf_session::CreateKfSession;
    pub use crate::api::session::get_kf_session::{GetKfSession, KfSession};
    pub use crate::api::session::get_kf_session_list::{GetKfSessionList, SessionItem};
    pub use crate::api::session::get_wait_case_list::{GetWaitCaseList, WaitCaseList};
    pub use crate::api::token::get_access_token::GetAccessToken;
    pub use crate::api::token::get_stable_access_token::GetStableAccessToken;
    pub use crate::api::token::AccessTokenResponse;
    pub use crate::Message;

    /// Unix seconds: an `i64` that generators may show as the host's date-time type.
    pub type UnixTime = i64;
}
