//! `RecordStream`: all records of a range, fetched page by page, resumable from a cursor.

use std::collections::VecDeque;

use futures_util::Stream;

use crate::api::record::get_msg_list::MsgRecord;
use crate::client::{Client, Clock, TokenStore, Transport};
use crate::records::{RecordCursor, RecordPager, MAX_PAGE_SIZE};
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

/// Records of a range in order; pull with `next`/`next_page` or use it as a `Stream`.
pub struct RecordStream<'a, T, S, C> {
    client: &'a Client<T, S, C>,
    pager: RecordPager,
    buffer: VecDeque<MsgRecord>,
    /// Cursor of the page the buffer came from, and how many of its records were taken.
    page_cursor: Option<RecordCursor>,
    taken: i64,
    /// Records to drop from the first page after a resume.
    skip: i64,
    pages: u64,
}

impl<'a, T: Transport, S: TokenStore, C: Clock> RecordStream<'a, T, S, C> {
    pub(crate) fn new(client: &'a Client<T, S, C>, from: i64, to: i64, page_size: i64) -> Result<Self, KfError> {
        Ok(Self::with_pager(client, RecordPager::new(from, to, page_size)?, 0))
    }

    pub(crate) fn resume(client: &'a Client<T, S, C>, cursor: RecordCursor, page_size: i64) -> Result<Self, KfError> {
        if cursor.skip < 0 {
            return Err(KfError::validation("cursor.skip", "must not be negative"));
        }
        Ok(Self::with_pager(client, RecordPager::resume(cursor, page_size)?, cursor.skip))
    }

    fn with_pager(client: &'a Client<T, S, C>, pager: RecordPager, skip: i64) -> Self {
        RecordStream { client, pager, buffer: VecDeque::new(), page_cursor: None, taken: 0, skip, pages: 0 }
    }

    /// Where the walk stands: resuming from it yields exactly the records not yet taken.
    pub fn cursor(&self) -> Option<RecordCursor> {
        match self.page_cursor {
            Some(c) if !self.buffer.is_empty() => Some(RecordCursor { skip: c.skip + self.taken, ..c }),
            _ => self.pager.cursor(),
        }
    }

    /// Pages fetched so far.
    pub fn pages_fetched(&self) -> u64 {
        self.pages
    }

    async fn fill(&mut self) -> Result<bool, KfError> {
        while self.buffer.is_empty() {
            let Some(request) = self.pager.next_request() else {
                return Ok(false);
            };
            let cursor = self.pager.cursor();
            let page = self.client.execute(&request).await?;
            self.pager.advance(&page)?;
            self.pages += 1;
            self.buffer = page.recordlist.into();
            let skip = std::mem::take(&mut self.skip);
            let dropped = usize::try_from(skip).unwrap_or(usize::MAX).min(self.buffer.len());
            self.buffer.drain(..dropped);
            self.page_cursor = cursor.map(|c| RecordCursor { skip, ..c });
            self.taken = 0;
        }
        Ok(true)
    }

    /// The next record, or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<MsgRecord>, KfError> {
        if !self.fill().await? {
            return Ok(None);
        }
        self.taken += 1;
        Ok(self.buffer.pop_front())
    }

    /// The rest of the current page (fetching the next one if needed); empty at the end.
    pub async fn next_page(&mut self) -> Result<Vec<MsgRecord>, KfError> {
        if !self.fill().await? {
            return Ok(Vec::new());
        }
        self.taken += self.buffer.len() as i64;
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
