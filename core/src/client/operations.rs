//! One method per operation of the names table; each builds its request and calls `execute`.

use crate::api::account::get_kf_list::{GetKfList, KfInfo};
use crate::api::account::get_kf_online_list::{GetKfOnlineList, KfOnlineInfo};
use crate::api::account::{
    add::AddKfAccount, del::DelKfAccount, invite_worker::InviteWorker, update::UpdateKfAccount,
    upload_head_img::UploadKfHeadImg,
};
use crate::api::message::send::SendMessage;
use crate::api::message::typing::{SendTyping, TypingCommand};
use crate::api::record::get_msg_list::{GetMsgList, MsgListPage};
use crate::api::session::get_session::{GetKfSession, KfSession};
use crate::api::session::get_session_list::{GetKfSessionList, SessionItem};
use crate::api::session::get_wait_case_list::{GetWaitCaseList, WaitCaseList};
use crate::api::session::{close::CloseKfSession, create::CreateKfSession};
use crate::client::record_stream::RecordStream;
use crate::client::{Client, Clock, TokenStore, Transport};
use crate::records::{RecordCursor, MAX_PAGE_SIZE};
use crate::{KfError, Message};

impl<T: Transport, S: TokenStore, C: Clock> Client<T, S, C> {
    /// Adds a kf account (`prefix@wechat_id`, nickname 1–16 characters).
    pub async fn add_kf_account(&self, kf_account: &str, nickname: &str) -> Result<(), KfError> {
        self.execute(&AddKfAccount { kf_account: kf_account.into(), nickname: nickname.into() }).await
    }

    /// Changes a kf account's nickname.
    pub async fn update_kf_account(&self, kf_account: &str, nickname: &str) -> Result<(), KfError> {
        self.execute(&UpdateKfAccount { kf_account: kf_account.into(), nickname: nickname.into() }).await
    }

    /// Deletes a kf account.
    pub async fn del_kf_account(&self, kf_account: &str) -> Result<(), KfError> {
        self.execute(&DelKfAccount { kf_account: kf_account.into() }).await
    }

    /// Lists every kf account.
    pub async fn get_kf_list(&self) -> Result<Vec<KfInfo>, KfError> {
        self.execute(&GetKfList).await
    }

    /// Lists the kf accounts online now.
    pub async fn get_kf_online_list(&self) -> Result<Vec<KfOnlineInfo>, KfError> {
        self.execute(&GetKfOnlineList).await
    }

    /// Invites a WeChat user to bind a kf account.
    pub async fn invite_worker(&self, kf_account: &str, invite_wx: &str) -> Result<(), KfError> {
        self.execute(&InviteWorker { kf_account: kf_account.into(), invite_wx: invite_wx.into() }).await
    }

    /// Uploads a kf account's avatar (JPEG bytes).
    pub async fn upload_kf_head_img(&self, kf_account: &str, image: Vec<u8>) -> Result<(), KfError> {
        let request = UploadKfHeadImg { kf_account: kf_account.into(), image, filename: "avatar.jpg".into() };
        self.execute(&request).await
    }

    /// Sends a message to a user (within 48 hours of their last interaction).
    pub async fn send_message(&self, touser: &str, message: impl Into<Message>) -> Result<(), KfError> {
        self.execute(&SendMessage { touser: touser.into(), message: message.into() }).await
    }

    /// Shows (`Typing`) or hides (`CancelTyping`) the typing indicator.
    pub async fn send_typing(&self, touser: &str, command: TypingCommand) -> Result<(), KfError> {
        self.send_typing_with(touser, command, None).await
    }

    /// [`Client::send_typing`] with the typing doc's optional `businessid` (sent when `Some`).
    pub async fn send_typing_with(
        &self,
        touser: &str,
        command: TypingCommand,
        businessid: Option<&str>,
    ) -> Result<(), KfError> {
        self.execute(&SendTyping { touser: touser.into(), command, businessid: businessid.map(str::to_string) }).await
    }

    /// Starts a session between an online kf and a user.
    pub async fn create_kf_session(&self, kf_account: &str, openid: &str) -> Result<(), KfError> {
        self.execute(&CreateKfSession { kf_account: kf_account.into(), openid: openid.into() }).await
    }

    /// Closes a kf's session with a user.
    pub async fn close_kf_session(&self, kf_account: &str, openid: &str) -> Result<(), KfError> {
        self.execute(&CloseKfSession { kf_account: kf_account.into(), openid: openid.into() }).await
    }

    /// Which kf serves a user, if any.
    pub async fn get_kf_session(&self, openid: &str) -> Result<KfSession, KfError> {
        self.execute(&GetKfSession { openid: openid.into() }).await
    }

    /// The users a kf is serving.
    pub async fn get_kf_session_list(&self, kf_account: &str) -> Result<Vec<SessionItem>, KfError> {
        self.execute(&GetKfSessionList { kf_account: kf_account.into() }).await
    }

    /// The users waiting for a kf (`count` is the total; at most 100 listed).
    pub async fn get_wait_case_list(&self) -> Result<WaitCaseList, KfError> {
        self.execute(&GetWaitCaseList).await
    }

    /// One page of message records of one window (see `iter_msg_records` for whole ranges).
    pub async fn get_msg_list(
        &self,
        starttime: i64,
        endtime: i64,
        msgid: i64,
        number: i64,
    ) -> Result<MsgListPage, KfError> {
        self.execute(&GetMsgList { starttime, endtime, msgid, number }).await
    }

    /// Every record of `[from, to)` (unix seconds), split by China-time day and paged by msgid.
    pub fn iter_msg_records(&self, from: i64, to: i64) -> Result<RecordStream<'_, T, S, C>, KfError> {
        RecordStream::new(self, from, to, MAX_PAGE_SIZE)
    }

    /// Like `iter_msg_records` with another page size (1–10000).
    pub fn iter_msg_records_paged(
        &self,
        from: i64,
        to: i64,
        page_size: i64,
    ) -> Result<RecordStream<'_, T, S, C>, KfError> {
        RecordStream::new(self, from, to, page_size)
    }

    /// Continues a record walk from a cursor saved with `RecordStream::cursor`.
    pub fn resume_msg_records(
        &self,
        cursor: RecordCursor,
        page_size: i64,
    ) -> Result<RecordStream<'_, T, S, C>, KfError> {
        RecordStream::resume(self, cursor, page_size)
    }
}
