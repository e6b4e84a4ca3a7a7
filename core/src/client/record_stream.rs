//! `RecordStream`: all records of a range, fetched page by page, resumable from a cursor.

use std::collections::VecDeque;

use futures_util::Stream;

use crate::api::record::get_msg_list::MsgRecord;
use crate::client::{Client, Clock, RecordWalk, TokenStore, Transport};
use crate::records::{RecordCursor, MAX_PAGE_SIZE};
use crate::KfError;

impl<T: Transport, S: TokenStore, C: Clock> Client<T, S, C> {
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

/// Records of a range in order; pull with `next`/`next_page` or use it as a `Stream`. A
/// [`RecordWalk`] plus the page being handed out.
pub struct RecordStream<'a, T, S, C> {
    client: &'a Client<T, S, C>,
    walk: RecordWalk,
    buffer: VecDeque<MsgRecord>,
    /// Length of the page the buffer came from (the walk counts records from its start).
    page_len: usize,
}

impl<'a, T: Transport, S: TokenStore, C: Clock> RecordStream<'a, T, S, C> {
    pub(crate) fn new(client: &'a Client<T, S, C>, from: i64, to: i64, page_size: i64) -> Result<Self, KfError> {
        Ok(Self::with(client, RecordWalk::new(from, to, page_size)?))
    }

    pub(crate) fn resume(client: &'a Client<T, S, C>, cursor: RecordCursor, page_size: i64) -> Result<Self, KfError> {
        Ok(Self::with(client, RecordWalk::resume(cursor, page_size)?))
    }

    fn with(client: &'a Client<T, S, C>, walk: RecordWalk) -> Self {
        RecordStream { client, walk, buffer: VecDeque::new(), page_len: 0 }
    }

    /// Where the walk stands: resuming from it yields exactly the records not yet taken.
    pub fn cursor(&self) -> Option<RecordCursor> {
        self.walk.cursor(self.page_len - self.buffer.len(), self.page_len)
    }

    /// Pages fetched so far.
    pub fn pages_fetched(&self) -> u64 {
        self.walk.pages_fetched()
    }

    async fn fill(&mut self) -> Result<bool, KfError> {
        if self.buffer.is_empty() {
            let page = self.walk.next_page(self.client).await?;
            self.page_len = page.len();
            self.buffer = page.into();
        }
        Ok(!self.buffer.is_empty())
    }

    /// The next record, or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<MsgRecord>, KfError> {
        if !self.fill().await? {
            return Ok(None);
        }
        Ok(self.buffer.pop_front())
    }

    /// The rest of the current page (fetching the next one if needed); empty at the end.
    pub async fn next_page(&mut self) -> Result<Vec<MsgRecord>, KfError> {
        if !self.fill().await? {
            return Ok(Vec::new());
        }
        Ok(self.buffer.drain(..).collect())
    }

    /// The walk as a `Stream` of records (ends after the first error).
    pub fn into_stream(self) -> impl Stream<Item = Result<MsgRecord, KfError>> + 'a {
        futures_util::stream::unfold(Some(self), |state| async move {
            let mut stream = state?;
            match stream.next().await {
                Ok(Some(record)) => Some((Ok(record), Some(stream))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        })
    }
}
