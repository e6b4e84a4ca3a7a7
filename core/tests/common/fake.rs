//! A scripted transport and a real-time clock for client tests (no network).
#![allow(dead_code)]

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use wxkf::client::{Clock, Transport};
use wxkf::{HttpRequest, HttpResponse, KfError};

type Handler = dyn Fn(&HttpRequest, u64) -> Result<HttpResponse, KfError> + Send + Sync;

/// Answers each request with a handler; counts calls per path; optional delay.
pub struct Fake {
    handler: Box<Handler>,
    pub calls: AtomicU64,
    pub log: Mutex<Vec<HttpRequest>>,
    pub delay_ms: u64,
}

impl Fake {
    pub fn new(
        handler: impl Fn(&HttpRequest, u64) -> Result<HttpResponse, KfError> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(Fake {
            handler: Box::new(handler),
            calls: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
            delay_ms: 0,
        })
    }

    pub fn with_delay(
        delay_ms: u64,
        handler: impl Fn(&HttpRequest, u64) -> Result<HttpResponse, KfError> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(Fake { handler: Box::new(handler), calls: AtomicU64::new(0), log: Mutex::new(Vec::new()), delay_ms })
    }

    pub fn count(&self, path: &str) -> usize {
        self.log.lock().unwrap().iter().filter(|r| wxkf::http::url_path(&r.url) == path).count()
    }
}

#[async_trait]
impl Transport for Fake {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, KfError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.log.lock().unwrap().push(request.clone());
        if self.delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(self.delay_ms)).await;
        }
        (self.handler)(&request, n)
    }
}

/// Real time plus an offset the test can move; sleeps are real (tokio).
#[derive(Default)]
pub struct TestClock {
    pub offset_ms: AtomicI64,
    counter: AtomicU64,
}

#[async_trait]
impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        let real = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        real + self.offset_ms.load(Ordering::SeqCst)
    }
    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(std::time::Duration::from_millis(ms.min(20))).await;
    }
    fn random_u64(&self) -> u64 {
        self.counter.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::SeqCst)
    }
}

pub fn json(body: &str) -> Result<HttpResponse, KfError> {
    Ok(HttpResponse::json(body.as_bytes().to_vec()))
}

pub fn token_of(req: &HttpRequest) -> String {
    wxkf::http::query_pairs(&req.url).into_iter().find(|(k, _)| k == "access_token").map(|(_, v)| v).unwrap_or_default()
}
