//! `RecordWalk`: the one record walk every runtime uses. It owns its position, so a binding
//! keeps one per iterator and hands it the client for each page; it knows the mid-page cursor
//! arithmetic, so a binding that hands records out one by one only counts them.

use crate::api::record::get_msg_list::{GetMsgList, MsgListPage, MsgListText, MsgRecord};
use crate::client::{Client, Clock, MaybeSend, TokenStore, Transport};
use crate::records::{RecordCursor, RecordPager};
use crate::KfError;
use crate::{Endpoint, HttpResponse};

/// A walk over the records of `[from, to)`, window by window (China-time days) and page by
/// page (`msgid`), resumable from a [`RecordCursor`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordWalk {
    pager: RecordPager,
    /// Where the last page returned started, and how many of its records were dropped on
    /// resume (its records are counted from there).
    page_cursor: Option<RecordCursor>,
    /// Records to drop from the next page (a resume mid-page).
    skip: i64,
    pages: u64,
}

impl RecordWalk {
    /// A walk over `[from, to)` (unix seconds) with pages of `page_size` (1–10000).
    pub fn new(from: i64, to: i64, page_size: i64) -> Result<Self, KfError> {
        Ok(Self::with(RecordPager::new(from, to, page_size)?, 0))
    }

    /// Continues a walk from a cursor (see [`RecordWalk::cursor`]).
    pub fn resume(cursor: RecordCursor, page_size: i64) -> Result<Self, KfError> {
        if cursor.skip < 0 {
            return Err(KfError::validation("cursor.skip", "must not be negative"));
        }
        Ok(Self::with(RecordPager::resume(cursor, page_size)?, cursor.skip))
    }

    fn with(pager: RecordPager, skip: i64) -> Self {
        RecordWalk { pager, page_cursor: None, skip, pages: 0 }
    }

    /// Whether no page is left to fetch.
    pub fn is_done(&self) -> bool {
        self.pager.next_request().is_none()
    }

    /// Pages fetched so far (empty pages of quiet days included).
    pub fn pages_fetched(&self) -> u64 {
        self.pages
    }

    /// The next non-empty page, or an empty list at the end. On an error the walk stays where
    /// it was: calling again retries the same page.
    pub async fn next_page<T: Transport, S: TokenStore, C: Clock>(
        &mut self,
        client: &Client<T, S, C>,
    ) -> Result<Vec<MsgRecord>, KfError> {
        Ok(self.next_of::<MsgListPage, _, _, _>(client).await?.map(|page| page.recordlist).unwrap_or_default())
    }

    /// The next non-empty page kept as its text (records parsed as they are taken), `None` at
    /// the end: what a memory-bounded host walks with. Errors as [`RecordWalk::next_page`].
    pub async fn next_text_page<T: Transport, S: TokenStore, C: Clock>(
        &mut self,
        client: &Client<T, S, C>,
    ) -> Result<Option<MsgListText>, KfError> {
        self.next_of::<MsgListText, _, _, _>(client).await
    }

    async fn next_of<P: Page, T: Transport, S: TokenStore, C: Clock>(
        &mut self,
        client: &Client<T, S, C>,
    ) -> Result<Option<P>, KfError> {
        while let Some(request) = self.pager.next_request() {
            let start = self.pager.cursor();
            let mut page = client.execute_with(&request, P::read).await?;
            self.pager.advance_past(page.held(), page.msgid())?;
            self.pages += 1;
            let skip = std::mem::take(&mut self.skip);
            page.skip(usize::try_from(skip).unwrap_or(usize::MAX));
            self.page_cursor = start.map(|c| RecordCursor { skip, ..c });
            if page.left() > 0 {
                return Ok(Some(page));
            }
        }
        Ok(None)
    }

    /// Where the walk stands once `taken` records of the last page returned were handed out:
    /// resuming from it yields exactly the records not handed out yet. `None` when done.
    pub fn cursor(&self, taken: usize, page_len: usize) -> Option<RecordCursor> {
        match self.page_cursor {
            Some(c) if taken < page_len => {
                Some(RecordCursor { skip: c.skip.saturating_add(i64::try_from(taken).unwrap_or(i64::MAX)), ..c })
            }
            _ => self.pager.cursor().map(|c| RecordCursor { skip: self.skip, ..c }),
        }
    }
}

/// A `getmsglist` answer as a walk reads it: parsed whole, or kept as text.
trait Page: Sized + MaybeSend {
    /// Reads an answer (owned: the text page keeps its body).
    fn read(response: HttpResponse) -> Result<Self, KfError>;
    /// How many records the answer held.
    fn held(&self) -> usize;
    /// The answer's cursor for the next page.
    fn msgid(&self) -> i64;
    /// Drops the first `n` records (a walk resumed mid-page).
    fn skip(&mut self, n: usize);
    /// Records left.
    fn left(&self) -> usize;
}

impl Page for MsgListPage {
    fn read(response: HttpResponse) -> Result<Self, KfError> {
        GetMsgList::parse(&response)
    }
    fn held(&self) -> usize {
        self.recordlist.len()
    }
    fn msgid(&self) -> i64 {
        self.msgid
    }
    fn skip(&mut self, n: usize) {
        self.recordlist.drain(..n.min(self.recordlist.len()));
    }
    fn left(&self) -> usize {
        self.recordlist.len()
    }
}

impl Page for MsgListText {
    fn read(response: HttpResponse) -> Result<Self, KfError> {
        MsgListText::parse(response)
    }
    fn held(&self) -> usize {
        self.len()
    }
    fn msgid(&self) -> i64 {
        self.msgid
    }
    fn skip(&mut self, n: usize) {
        MsgListText::skip(self, n);
    }
    fn left(&self) -> usize {
        self.remaining()
    }
}
