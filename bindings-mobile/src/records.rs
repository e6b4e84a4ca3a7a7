//! `MsgRecords`: the record walk of a range, page by page, over core's `RecordWalk`.

use std::sync::Arc;

use wxkf::api::record::get_msg_list::MsgRecord;
use wxkf::client::RecordWalk;
use wxkf::records::RecordCursor;
use wxkf::KfError;

use crate::client::Client;

/// A walk over the records of a range: `nextPage()` until it returns an empty list; resumable
/// from `cursor()` with `Client.resumeMsgRecords`.
#[derive(Debug, uniffi::Object)]
pub struct MsgRecords {
    client: Arc<Client>,
    walk: async_lock::Mutex<RecordWalk>,
}

/// A new walk, or the `Validation` error of its range or page size.
type Walk = Result<Arc<MsgRecords>, KfError>;

#[uniffi::export]
impl Client {
    /// Every record of `[from, to)` (unix seconds), split by China-time day and paged by msgid.
    #[uniffi::method(default(page_size = 10000))]
    pub fn msg_records(self: Arc<Self>, from: i64, to: i64, page_size: i64) -> Walk {
        Ok(Arc::new(MsgRecords { walk: RecordWalk::new(from, to, page_size)?.into(), client: self }))
    }

    /// Continues a record walk from a cursor saved with `MsgRecords.cursor()`.
    #[uniffi::method(default(page_size = 10000))]
    pub fn resume_msg_records(self: Arc<Self>, cursor: RecordCursor, page_size: i64) -> Walk {
        Ok(Arc::new(MsgRecords { walk: RecordWalk::resume(cursor, page_size)?.into(), client: self }))
    }
}

#[uniffi::export]
impl MsgRecords {
    /// The next non-empty page, or an empty list at the end. On an error the walk stays where
    /// it was: calling again retries the same page.
    pub async fn next_page(&self) -> Result<Vec<MsgRecord>, KfError> {
        self.walk.lock().await.next_page(&self.client.core).await
    }

    /// Where the walk stands (`null`/`nil` once it is complete).
    pub async fn cursor(&self) -> Option<RecordCursor> {
        // Pages are handed out whole: no record of the last page is left (taken == its length).
        self.walk.lock().await.cursor(0, 0)
    }

    /// Pages fetched so far (empty pages of quiet days included).
    pub async fn pages_fetched(&self) -> u64 {
        self.walk.lock().await.pages_fetched()
    }
}
