//! Message records (chat history).

pub mod get_msg_list;
