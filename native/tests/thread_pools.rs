//! The transport for threads that each run their calls on a current-thread runtime of their
//! own (`on_own_runtime`): each sends over its own pool (a shared pool's connection is driven
//! only by the runtime that opened it), calls on a shared runtime keep the shared pool, and a
//! connection the server closed while the thread was away is not written to again.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wxkf::client::Transport;
use wxkf::{HttpRequest, Method};
use wxkf_native::{on_own_runtime, NativeOptions, ReqwestTransport};

/// An HTTP/1.1 server on loopback answering `{"n":<request number>}` with keep-alive; after
/// each answer it closes the connection once `close_after` answers were given on it. Counts
/// the requests and the connections it accepted.
fn server(close_after: usize) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (requests, connections) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (counted, opened) = (requests.clone(), connections.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            opened.fetch_add(1, Ordering::SeqCst);
            let counted = counted.clone();
            std::thread::spawn(move || serve(stream.unwrap(), close_after, &counted));
        }
    });
    (url, requests, connections)
}

fn serve(stream: TcpStream, close_after: usize, requests: &AtomicUsize) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    for _ in 0..close_after {
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return; // the client closed it
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
        }
        reader.by_ref().take(length).read_to_end(&mut Vec::new()).unwrap();
        let n = requests.fetch_add(1, Ordering::SeqCst) + 1;
        let body = format!("{{\"n\":{n}}}");
        let head =
            format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", body.len());
        writer.write_all(format!("{head}{body}").as_bytes()).unwrap();
    }
    // Gone as a server's keep-alive timeout would: the client's pool still holds it.
    let _ = writer.shutdown(std::net::Shutdown::Both);
}

fn post(url: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Post,
        url: format!("{url}/cgi-bin/message/custom/send?access_token=T"),
        headers: vec![("content-type".into(), "application/json".into())],
        body: b"{}".to_vec(),
    }
}

/// `fut`, failing the test after 5 s (a call on a connection nobody drives never ends).
async fn bounded<T>(fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), fut).await.expect("no answer within 5 s")
}

fn local_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// POST number `n` on the thread's own runtime `rt`, answered `{"n":n}` (the server's count).
fn post_nth(rt: &tokio::runtime::Runtime, transport: &ReqwestTransport, url: &str, n: usize) {
    let answer = rt.block_on(on_own_runtime(transport.send(post(url)))).unwrap_or_else(|e| panic!("call {n}: {e}"));
    assert_eq!(answer.body, format!("{{\"n\":{n}}}").into_bytes());
}

#[test]
fn a_connection_closed_while_the_thread_was_away_is_not_written_to() {
    let (url, requests, _) = server(1);
    let transport = ReqwestTransport::new(NativeOptions::default()).unwrap();
    let rt = local_runtime();
    for round in 1..=3 {
        post_nth(&rt, &transport, &url, round);
        // Away from the runtime: nothing reads the pooled connection while the server closes it.
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(requests.load(Ordering::SeqCst), 3, "each POST reached the server once");
}

#[test]
fn calls_back_to_back_on_a_threads_runtime_keep_one_connection() {
    // Within a millisecond of the last exchange the transport does not look for closed
    // connections first: the connection it just used is taken again, every call answered.
    let (url, requests, connections) = server(usize::MAX);
    let transport = ReqwestTransport::new(NativeOptions::default()).unwrap();
    let rt = local_runtime();
    for call in 1..=50 {
        post_nth(&rt, &transport, &url, call);
    }
    assert_eq!(requests.load(Ordering::SeqCst), 50);
    assert_eq!(connections.load(Ordering::SeqCst), 1, "one keep-alive connection for all the calls");
}

#[test]
fn threads_on_their_own_runtimes_share_a_transport() {
    let (url, requests, _) = server(usize::MAX);
    let transport = Arc::new(ReqwestTransport::new(NativeOptions::default()).unwrap());
    // The first thread's connection stays in its pool while the others call.
    let rt = local_runtime();
    assert_eq!(rt.block_on(on_own_runtime(transport.send(post(&url)))).unwrap().status, 200);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (transport, url) = (transport.clone(), url.clone());
            std::thread::spawn(move || {
                let rt = local_runtime();
                for _ in 0..20 {
                    // Bounded: a connection another thread's runtime opened would hang here.
                    let sent = rt.block_on(async {
                        tokio::time::timeout(Duration::from_secs(5), on_own_runtime(transport.send(post(&url)))).await
                    });
                    assert_eq!(sent.expect("no answer within 5 s").unwrap().status, 200);
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(requests.load(Ordering::SeqCst), 81);
}

#[test]
fn calls_on_a_shared_runtime_and_on_threads_own_runtimes_mix() {
    let (url, requests, _) = server(usize::MAX);
    let transport = Arc::new(ReqwestTransport::new(NativeOptions::default()).unwrap());
    let shared = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let own = local_runtime();
    // One thread, its calls on either runtime in turn: neither may get the other's connection.
    for _ in 0..10 {
        assert_eq!(own.block_on(bounded(on_own_runtime(transport.send(post(&url))))).unwrap().status, 200);
        assert_eq!(shared.block_on(bounded(transport.send(post(&url)))).unwrap().status, 200);
        let spawned = shared.spawn({
            let (transport, url) = (transport.clone(), url.clone());
            async move { transport.send(post(&url)).await }
        });
        assert_eq!(shared.block_on(bounded(spawned)).unwrap().unwrap().status, 200);
    }
    assert_eq!(requests.load(Ordering::SeqCst), 30);
}
