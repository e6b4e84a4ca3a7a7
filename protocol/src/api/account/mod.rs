//! kf account management: add, update, delete, invite, avatar, list, online list.

pub mod add_kf_account;
pub mod del_kf_account;
pub mod get_kf_list;
pub mod get_kf_online_list;
pub mod invite_worker;
pub mod update_kf_account;
pub mod upload_kf_head_img;

use serde::Serialize;

/// The body shared by add and update.
#[derive(Serialize)]
pub(crate) struct AccountWire<'a> {
    pub kf_account: &'a str,
    pub nickname: &'a str,
}
