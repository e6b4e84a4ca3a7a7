//! `wxkf-bench`: the Rust rows of BENCHMARKS.md. wxkf's native `Client` and a raw reqwest
//! client with hand-built requests run the same workloads against one emulator process.
//!
//! `run` prints one JSON object per row (runtime, contender, workload, concurrency, calls/s,
//! p50/p99 latency, …) on stdout; `export` walks a record range in a fresh process so its peak
//! RSS is its own; `instructions` builds and parses one request N times (for callgrind).

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use serde_json::{json, Value};
use wxkf::api::message::send_message::SendMessage;
use wxkf::{BuildContext, ClientConfig, Endpoint, HttpResponse, Message};
use wxkf_native::NativeClient;

#[derive(Parser)]
#[command(about = "wxkf benchmark harness (Rust rows)")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Small read, small write and the cold-cache burst, for both contenders.
    Run {
        /// The emulator's base URL.
        #[arg(long)]
        url: String,
        /// AppID and AppSecret the emulator expects.
        #[arg(long, default_value = "wxemulator0000001")]
        appid: String,
        #[arg(long, default_value = "emulator_secret")]
        secret: String,
        /// Seconds per (contender, workload, concurrency) cell.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Which repetition this is: even ones run wxkf first in each cell pair, odd ones raw
        /// reqwest first, so that neither always meets the emulator's state the other left.
        #[arg(long, default_value_t = 1)]
        rep: u32,
        /// Only these cells (e.g. `--only send_text@32`, `--only wxkf:get_kf_list@1`; repeatable);
        /// the cold-cache burst runs only without `--only`.
        #[arg(long)]
        only: Vec<String>,
    },
    /// Walks every record of [from, to) and reports records/s and peak RSS of this process.
    Export {
        #[arg(long)]
        url: String,
        #[arg(long, default_value = "wxemulator0000001")]
        appid: String,
        #[arg(long, default_value = "emulator_secret")]
        secret: String,
        #[arg(long)]
        contender: String,
        #[arg(long)]
        from: i64,
        #[arg(long)]
        to: i64,
    },
    /// Builds and parses one send_message request `n` times (run under callgrind).
    Instructions {
        #[arg(long, default_value_t = 1)]
        n: u64,
    },
}

const USER: &str = "oBENCH_user_0001";

/// One contender's way to make the two calls.
#[derive(Clone)]
enum Contender {
    Wxkf(Arc<NativeClient>),
    Raw { http: reqwest::Client, base: String, token: Arc<String> },
}

impl Contender {
    fn name(&self) -> &'static str {
        match self {
            Contender::Wxkf(_) => "wxkf",
            Contender::Raw { .. } => "raw reqwest",
        }
    }

    async fn call(&self, workload: &str, i: u64) -> Result<(), String> {
        match (self, workload) {
            (Contender::Wxkf(c), "get_kf_list") => c.get_kf_list().await.map(drop).map_err(|e| e.to_string()),
            (Contender::Wxkf(c), "send_text") => {
                c.send_message(USER, Message::text(format!("bench {i}"))).await.map_err(|e| e.to_string())
            }
            (Contender::Raw { http, base, token }, "get_kf_list") => {
                let url = format!("{base}/cgi-bin/customservice/getkflist?access_token={token}");
                let v: Value =
                    http.get(url).send().await.map_err(|e| e.to_string())?.json().await.map_err(|e| e.to_string())?;
                ok(&v)
            }
            (Contender::Raw { http, base, token }, "send_text") => {
                let url = format!("{base}/cgi-bin/message/custom/send?access_token={token}");
                let body = json!({"touser": USER, "msgtype": "text", "text": {"content": format!("bench {i}")}});
                let bytes = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
                let resp = http
                    .post(url)
                    .header("content-type", "application/json; charset=utf-8")
                    .body(bytes)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                ok(&resp.json::<Value>().await.map_err(|e| e.to_string())?)
            }
            (_, other) => Err(format!("unknown workload {other}")),
        }
    }
}

fn ok(v: &Value) -> Result<(), String> {
    match v["errcode"].as_i64() {
        None | Some(0) => Ok(()),
        Some(code) => Err(format!("errcode {code}")),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// CPU time (user + system, all threads) this process has used so far, in seconds
/// (`/proc/self/stat`; 0 where there is none).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which may hold spaces) start after its ')'.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    ticks as f64 / 100.0
}

/// What one contender's slices of a cell add up to.
#[derive(Default)]
struct Tally {
    lat: Vec<Duration>,
    errors: u64,
    elapsed: f64,
    cpu: f64,
}

/// Runs `workload` with `concurrency` callers for `seconds`, adding to `tally`.
async fn slice(c: &Contender, workload: &str, concurrency: usize, seconds: f64, tally: &mut Tally) {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let workers = (0..concurrency).map(|w| {
        let c = c.clone();
        let workload = workload.to_string();
        tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut i = w as u64 * 1_000_000_000;
            while Instant::now() < deadline {
                let t = Instant::now();
                if c.call(&workload, i).await.is_err() {
                    errors += 1;
                }
                lat.push(t.elapsed());
                i += 1;
            }
            (lat, errors)
        })
    });
    for r in futures_util::future::join_all(workers).await.into_iter().flatten() {
        tally.lat.extend(r.0);
        tally.errors += r.1;
    }
    tally.elapsed += started.elapsed().as_secs_f64();
    tally.cpu += cpu_seconds() - cpu_before;
}

/// Slices per cell: the contenders take turns (half a second each at the default 5 s), so a
/// change in the machine's speed meets both alike instead of deciding the ratio.
const SLICES: usize = 10;

/// The cell's rows, one per contender (in `order`): each runs `seconds` in all, in SLICES
/// turns alternating with the others.
async fn cell(order: &[&Contender], workload: &str, concurrency: usize, seconds: f64) -> Vec<Value> {
    let mut tallies: Vec<Tally> = order.iter().map(|_| Tally::default()).collect();
    for turn in 0..SLICES {
        for j in 0..order.len() {
            // Each turn starts with the contender the last one ended with, so neither always
            // follows the other.
            let k = if turn % 2 == 0 { j } else { order.len() - 1 - j };
            slice(order[k], workload, concurrency, seconds / SLICES as f64, &mut tallies[k]).await;
        }
    }
    order
        .iter()
        .zip(tallies)
        .map(|(c, mut t)| {
            t.lat.sort();
            let n = t.lat.len();
            json!({
                "runtime": "rust", "contender": c.name(), "workload": workload, "concurrency": concurrency,
                "calls": n, "errors": t.errors, "calls_per_sec": n as f64 / t.elapsed,
                "p50_ms": percentile(&t.lat, 0.5), "p99_ms": percentile(&t.lat, 0.99),
                // The harness's own CPU per call (client side only; the emulator is another process).
                "client_cpu_us": if n == 0 { 0.0 } else { t.cpu * 1e6 / n as f64 },
            })
        })
        .collect()
}

async fn admin(http: &reqwest::Client, url: &str, path: &str, body: Value) -> Result<Value, String> {
    let resp = http.post(format!("{url}/__admin/{path}")).json(&body).send().await.map_err(|e| e.to_string())?;
    resp.json().await.map_err(|e| e.to_string())
}

async fn token_fetches(http: &reqwest::Client, url: &str) -> usize {
    let v: Value = match http.get(format!("{url}/__admin/token-fetches")).send().await {
        Ok(r) => r.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    v["token_fetches"].as_array().map_or(0, Vec::len)
}

async fn raw_token(http: &reqwest::Client, url: &str, appid: &str, secret: &str) -> Result<String, String> {
    let body = json!({"grant_type": "client_credential", "appid": appid, "secret": secret});
    let v: Value = http
        .post(format!("{url}/cgi-bin/stable_token"))
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    v["access_token"].as_str().map(str::to_string).ok_or_else(|| format!("no token: {v}"))
}

fn wxkf_client(url: &str, appid: &str, secret: &str) -> Result<NativeClient, String> {
    wxkf_native::client(ClientConfig::stable(appid, secret.to_string()).base_url(url)).map_err(|e| e.to_string())
}

/// Whether `--only` selects this cell: `[contender:]workload@concurrency`, contender `wxkf`
/// or `raw`.
fn selected(only: &[String], contender: &Contender, workload: &str, concurrency: usize) -> bool {
    let cell = format!("{workload}@{concurrency}");
    let short = match contender {
        Contender::Wxkf(_) => "wxkf",
        Contender::Raw { .. } => "raw",
    };
    only.is_empty() || only.iter().any(|o| *o == cell || *o == format!("{short}:{cell}"))
}

async fn run(url: &str, appid: &str, secret: &str, seconds: f64, rep: u32, only: &[String]) -> Result<(), String> {
    let http = reqwest::Client::new();
    admin(&http, url, "user/message", json!({"openid": USER, "content": "bench"})).await?;
    // The user has paid: an unlimited 48-hour window, so every send below is allowed (a
    // message alone opens 5). The binding benchmarks reuse this user.
    admin(&http, url, "user/payment", json!({"openid": USER})).await?;
    let wx = Contender::Wxkf(Arc::new(wxkf_client(url, appid, secret)?));
    let raw = Contender::Raw {
        http: reqwest::Client::builder().pool_max_idle_per_host(64).build().map_err(|e| e.to_string())?,
        base: url.to_string(),
        token: Arc::new(raw_token(&http, url, appid, secret).await?),
    };
    for workload in ["get_kf_list", "send_text"] {
        for concurrency in [1, 32] {
            let order: Vec<&Contender> = if rep.is_multiple_of(2) { vec![&wx, &raw] } else { vec![&raw, &wx] };
            let order: Vec<&Contender> =
                order.into_iter().filter(|c| selected(only, c, workload, concurrency)).collect();
            // Warm up the pools and the token, then measure.
            let _ = cell(&order, workload, concurrency, seconds.min(0.5) / 5.0).await;
            for row in cell(&order, workload, concurrency, seconds).await {
                println!("{row}");
            }
        }
    }
    if !only.is_empty() {
        return Ok(());
    }
    // 100 concurrent calls on a cold cache: a fresh client each round.
    for contender in ["raw reqwest", "wxkf"] {
        let before = token_fetches(&http, url).await;
        let started = Instant::now();
        let errors = if contender == "wxkf" {
            let c = wxkf_client(url, appid, secret)?;
            let calls = (0..100).map(|_| c.get_kf_list());
            futures_util::future::join_all(calls).await.iter().filter(|r| r.is_err()).count()
        } else {
            // What a hand-written client without single-flight does: every caller fetches.
            let fresh = reqwest::Client::new();
            let calls = (0..100).map(|_| {
                let (fresh, url) = (fresh.clone(), url.to_string());
                async move {
                    let token = raw_token(&fresh, &url, appid, secret).await?;
                    let c = Contender::Raw { http: fresh, base: url, token: Arc::new(token) };
                    c.call("get_kf_list", 0).await
                }
            });
            futures_util::future::join_all(calls).await.iter().filter(|r| r.is_err()).count()
        };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let fetches = token_fetches(&http, url).await - before;
        println!(
            "{}",
            json!({"runtime": "rust", "contender": contender, "workload": "cold_100", "concurrency": 100,
                   "all_done_ms": ms, "token_fetches": fetches, "errors": errors})
        );
    }
    Ok(())
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

async fn export(url: &str, appid: &str, secret: &str, contender: &str, from: i64, to: i64) -> Result<(), String> {
    let started = Instant::now();
    let mut records = 0u64;
    if contender == "wxkf" {
        let c = wxkf_client(url, appid, secret)?;
        let mut stream = c.iter_msg_records(from, to).map_err(|e| e.to_string())?;
        loop {
            let page = stream.next_page().await.map_err(|e| e.to_string())?;
            if page.is_empty() {
                break;
            }
            records += page.len() as u64;
        }
    } else {
        // Hand-written paging: China-time days, msgid from 1, pages of 10 000.
        let http = reqwest::Client::new();
        let token = raw_token(&http, url, appid, secret).await?;
        let day = 86_400;
        let mut start = from;
        while start < to {
            let midnight = (start + 8 * 3600).div_euclid(day) * day - 8 * 3600 + day;
            // endtime is exclusive (the emulator's and wxkf's window is [start, end)).
            let end = midnight.min(to);
            let mut msgid = 1;
            loop {
                let body = json!({"starttime": start, "endtime": end, "msgid": msgid, "number": 10_000});
                let v: Value = http
                    .post(format!("{url}/customservice/msgrecord/getmsglist?access_token={token}"))
                    .json(&body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?
                    .json()
                    .await
                    .map_err(|e| e.to_string())?;
                ok(&v)?;
                let n = v["recordlist"].as_array().map_or(0, Vec::len);
                records += n as u64;
                if n < 10_000 {
                    break;
                }
                msgid = v["msgid"].as_i64().ok_or("no msgid")?;
            }
            start = midnight;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"runtime": "rust", "contender": if contender == "wxkf" { "wxkf" } else { "raw reqwest" },
               "workload": "export", "records": records, "seconds": secs,
               "records_per_sec": records as f64 / secs, "peak_rss_mib": peak_rss_kib() as f64 / 1024.0})
    );
    Ok(())
}

/// Build + parse of one `custom/send`: the per-call work wxkf adds over a raw client.
fn instructions(n: u64) -> Result<(), String> {
    let ctx = BuildContext { base_url: "https://api.weixin.qq.com", access_token: Some("ACCESS_TOKEN"), nonce: "n" };
    let answer = HttpResponse::json(br#"{"errcode":0,"errmsg":"ok"}"#.to_vec());
    let mut bytes = 0;
    for i in 0..n {
        let req = SendMessage::new(USER, Message::text(format!("hello {i} 你好 👋"))).map_err(|e| e.to_string())?;
        bytes += req.build(&ctx).map_err(|e| e.to_string())?.body.len();
        SendMessage::parse(&answer).map_err(|e| e.to_string())?;
    }
    println!("{{\"requests\": {n}, \"body_bytes\": {bytes}}}");
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let result = match Cli::parse().cmd {
        Cmd::Run { url, appid, secret, seconds, rep, only } => run(&url, &appid, &secret, seconds, rep, &only).await,
        Cmd::Export { url, appid, secret, contender, from, to } => {
            export(&url, &appid, &secret, &contender, from, to).await
        }
        Cmd::Instructions { n } => instructions(n),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wxkf-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
