//! The `wxkf` binary against a real emulator: every subcommand, exit codes, secrets, export.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};
use wxkf_e2e::Harness;

#[path = "../../native/tests/support/redis_server.rs"]
mod redis_server;

const APPID: &str = "wxclitest000000001";
const SECRET: &str = "cli-test-secret-value";
const KF: &str = "bob@gh_emulator";
const USER: &str = "oCLI_user_0001";

/// An emulator whose pushes go to a webhook that hands every user message to customer service.
struct Env {
    h: Harness,
    admin: reqwest::Client,
}

impl Env {
    async fn start() -> Env {
        let h = Harness::start_transferring(None, |c| {
            c.appid = APPID.into();
            c.secret = SECRET.into();
        })
        .await
        .expect("emulator starts");
        Env { h, admin: reqwest::Client::new() }
    }

    async fn admin(&self, path: &str, body: Value) -> Value {
        let resp = self
            .admin
            .post(format!("{}/__admin/{path}", self.h.emu.base_url()))
            .json(&body)
            .send()
            .await
            .expect("admin call");
        assert!(resp.status().is_success(), "admin {path}: {}", resp.status());
        resp.json().await.expect("admin json")
    }

    async fn admin_get(&self, path: &str) -> Value {
        let url = format!("{}/__admin/{path}", self.h.emu.base_url());
        self.admin.get(url).send().await.expect("admin get").json().await.expect("admin json")
    }

    /// Runs `wxkf ARGS` with credentials in the environment, off the async runtime.
    async fn wxkf(&self, args: &[&str]) -> Output {
        let base = self.h.emu.base_url();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        tokio::task::spawn_blocking(move || {
            wxkf_command()
                .env("WXKF_APPID", APPID)
                .env("WXKF_SECRET", SECRET)
                .env("WXKF_BASE_URL", base)
                .args(args)
                .output()
        })
        .await
        .expect("join")
        .expect("wxkf runs")
    }

    /// Runs `wxkf --json ARGS`, asserts success and returns the JSON it printed.
    async fn ok_json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.wxkf(&all).await;
        assert!(out.status.success(), "wxkf {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("wxkf {args:?}: not JSON ({e}): {out:?}"))
    }
}

fn wxkf_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wxkf"));
    for var in [
        "WXKF_APPID",
        "WXKF_SECRET",
        "WXKF_ACCESS_TOKEN",
        "WXKF_BASE_URL",
        "WXKF_TOKEN_MODE",
        "WXKF_REDIS_URL",
        "WXKF_BUDGET_MODE",
    ] {
        cmd.env_remove(var);
    }
    cmd.env_remove("WXKF_CONFIG");
    cmd
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_subcommand_against_the_emulator() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().expect("tempdir");

    // kf accounts
    assert_eq!(env.ok_json(&["kf", "add", KF, "Bob 客服"]).await["ok"], true);
    env.ok_json(&["kf", "update", KF, "Bob 🎧"]).await;
    let list = env.ok_json(&["kf", "list"]).await;
    assert_eq!(list[0]["kf_account"], KF);
    assert_eq!(list[0]["kf_nick"], "Bob 🎧");
    env.ok_json(&["kf", "invite", KF, "bob_wechat"]).await;
    let list = env.ok_json(&["kf", "list"]).await;
    assert_eq!(list[0]["invite_wx"], "bob_wechat");
    let jpeg = dir.path().join("bob.jpg");
    std::fs::write(&jpeg, [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 0xFF, 0xD9]).expect("write");
    env.ok_json(&["kf", "head", KF, jpeg.to_str().expect("utf8")]).await;
    // Bob accepts the invitation, then logs in.
    env.admin("kf/invitation", json!({"kf_account": KF, "accept": true})).await;
    env.admin("kf/online", json!({"kf_account": KF})).await;
    let online = env.ok_json(&["kf", "online"]).await;
    assert_eq!(online[0]["kf_account"], KF);

    // a user writes in, the webhook transfers the message, the user waits
    env.admin("user/message", json!({"openid": USER, "content": "hi"})).await;
    let wait = env.ok_json(&["session", "wait"]).await;
    assert_eq!(wait["count"], 1);
    assert_eq!(wait["waitcaselist"][0]["openid"], USER);
    env.ok_json(&["session", "create", KF, USER]).await;
    assert_eq!(env.ok_json(&["session", "get", USER]).await["kf_account"], KF);
    assert_eq!(env.ok_json(&["session", "list", KF]).await[0]["openid"], USER);

    // typing and every message kind; the user answers between batches (45047 after 5 kf messages)
    env.ok_json(&["typing", "on", USER]).await;
    env.ok_json(&["typing", "off", USER]).await;
    env.ok_json(&["typing", "on", USER, "--businessid", "biz_cli"]).await;
    let sends: Vec<Vec<&str>> = vec![
        vec!["text", "你好 👋"],
        vec!["image", "MEDIA_img"],
        vec!["voice", "MEDIA_voice"],
        vec!["video", "MEDIA_video", "MEDIA_thumb", "--title", "T", "--description", "D"],
        vec![
            "music",
            "--musicurl",
            "https://example.com/a.mp3",
            "--hqmusicurl",
            "https://example.com/a.flac",
            "--thumb-media-id",
            "MEDIA_thumb",
        ],
        vec!["news", "--title", "T", "--url", "https://example.com", "--picurl", "https://example.com/p.png"],
        vec!["mpnews", "MEDIA_mpnews"],
        vec!["mpnewsarticle", "ARTICLE_1"],
        vec!["menu", "--head", "Pick", "--item", "1:Yes", "--item", "2:No", "--tail", "Thanks"],
        vec!["card", "pCARD_1"],
        vec![
            "miniprogram",
            "--title",
            "Shop",
            "--miniprogram-appid",
            "wxmini000000000001",
            "--pagepath",
            "pages/index",
            "--thumb-media-id",
            "MEDIA_thumb",
        ],
    ];
    for (i, kind) in sends.iter().enumerate() {
        if i % 4 == 0 {
            env.admin("user/message", json!({"openid": USER, "content": "still here"})).await;
        }
        let mut args = vec!["send", USER, "--kf", KF];
        args.extend(kind.iter().copied());
        env.ok_json(&args).await;
    }
    let deliveries = env.admin_get("deliveries").await;
    let kinds: Vec<&str> =
        deliveries["deliveries"].as_array().expect("list").iter().filter_map(|d| d["msgtype"].as_str()).collect();
    for kind in [
        "text",
        "image",
        "voice",
        "video",
        "music",
        "news",
        "mpnews",
        "mpnewsarticle",
        "msgmenu",
        "wxcard",
        "miniprogrampage",
    ] {
        assert!(kinds.contains(&kind), "{kind} not delivered: {kinds:?}");
    }
    let card = deliveries["deliveries"].as_array().expect("list").iter().find(|d| d["msgtype"] == "wxcard").cloned();
    assert_eq!(card.expect("card")["body"]["customservice"]["kf_account"], KF);

    // close and export records in both formats
    env.ok_json(&["session", "close", KF, USER]).await;
    let now = env.admin_get("clock").await["now"].as_i64().expect("now");
    let (from, to) = ((now - 60).to_string(), (now + 60).to_string());
    let jsonl = dir.path().join("records.jsonl");
    let out =
        env.wxkf(&["records", "export", "--from", &from, "--to", &to, "--out", jsonl.to_str().expect("utf8")]).await;
    assert!(out.status.success(), "{}", text(&out));
    let lines: Vec<Value> = std::fs::read_to_string(&jsonl)
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl line"))
        .collect();
    let opercodes: Vec<i64> = lines.iter().filter_map(|l| l["opercode"].as_i64()).collect();
    // the current opercodes: 2003 received (the user's messages), 2002 sent (Bob's)
    assert!(opercodes.contains(&2002) && opercodes.contains(&2003), "{opercodes:?}");
    assert!(opercodes.iter().all(|c| [2002, 2003].contains(c)), "{opercodes:?}");
    let out = env.wxkf(&["records", "export", "--from", &from, "--to", &to, "--format", "csv"]).await;
    assert!(out.status.success());
    let csv = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(csv.starts_with("time,china_time,openid,opercode,worker,text\n"), "{csv}");
    assert_eq!(csv.lines().count(), lines.len() + 1);

    // delete last
    env.ok_json(&["kf", "del", KF]).await;
    assert_eq!(env.ok_json(&["kf", "list"]).await, json!([]));
    env.h.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_name_the_failure_and_never_show_the_secret() {
    let env = Env::start().await;

    // bad input: 2, the field and the rule, nothing sent
    let out = env.wxkf(&["kf", "add", "no-at-sign", "x"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("kf_account"), "{}", text(&out));
    let out = env.wxkf(&["send", USER, "text", ""]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let fetches = env.admin_get("token-fetches").await;
    assert_eq!(fetches["token_fetches"], json!([]), "bad input reached the network");

    // API error: 3 with errcode, errmsg and a hint
    let out = env.wxkf(&["session", "create", KF, USER]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("errcode: 65400") || t.contains("errcode: 65401") || t.contains("errcode:"), "{t}");
    assert!(t.contains("hint:"), "{t}");
    let out = env.wxkf(&["--json", "session", "create", KF, USER]).await;
    let v: Value = serde_json::from_slice(&out.stdout).expect("json error");
    assert_eq!(v["error"], "api");
    assert!(v["errcode"].as_i64().is_some_and(|c| c > 0), "{v}");

    // wrong secret: 3, 40125, and the secret given is not echoed
    let out = tokio::task::spawn_blocking({
        let base = env.h.emu.base_url();
        move || {
            wxkf_command()
                .env("WXKF_APPID", APPID)
                .env("WXKF_SECRET", "the-wrong-secret-xyz")
                .env("WXKF_BASE_URL", base)
                .args(["-vv", "kf", "list"])
                .output()
        }
    })
    .await
    .expect("join")
    .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out).contains("40125"), "{}", text(&out));
    assert!(!text(&out).contains("the-wrong-secret-xyz"), "secret leaked: {}", text(&out));

    // transport failure: 4
    let out = tokio::task::spawn_blocking(|| {
        wxkf_command()
            .env("WXKF_ACCESS_TOKEN", "TOKEN_SHOULD_NOT_SHOW")
            .env("WXKF_BASE_URL", "http://127.0.0.1:9")
            .args(["-vv", "kf", "list"])
            .output()
    })
    .await
    .expect("join")
    .expect("runs");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(!text(&out).contains("TOKEN_SHOULD_NOT_SHOW"), "token leaked: {}", text(&out));

    // successful verbose run: the secret and the token never appear in logs
    let out = env.wxkf(&["-vv", "kf", "list"]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains(SECRET), "secret leaked: {}", text(&out));
    assert!(!text(&out).contains("access_token=") || text(&out).contains("access_token=***"), "{}", text(&out));

    // no credentials: 2
    let out = tokio::task::spawn_blocking(|| wxkf_command().args(["kf", "list"]).output())
        .await
        .expect("join")
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    env.h.emu.shutdown().await;
}

/// Reads the peak resident set (VmHWM, kB) of a running process.
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Exports `[start, end)` to `out` and returns the peak RSS seen while it ran.
fn export_peak(base: &str, start: i64, end: i64, out: &Path, resume: bool) -> (std::process::ExitStatus, u64) {
    let mut cmd = wxkf_command();
    cmd.env("WXKF_APPID", APPID).env("WXKF_SECRET", SECRET).env("WXKF_BASE_URL", base).args([
        "records",
        "export",
        "--from",
        &start.to_string(),
        "--to",
        &end.to_string(),
        "--out",
        out.to_str().expect("utf8"),
    ]);
    if resume {
        cmd.arg("--resume");
    }
    cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("spawn");
    let mut peak = 0;
    loop {
        if let Some(kb) = peak_rss_kb(child.id()) {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            return (status, peak);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_of_200k_records_over_7_days_streams_with_flat_memory_and_resumes() {
    let env = Env::start().await;
    let now = env.admin_get("clock").await["now"].as_i64().expect("now");
    let end = now - now.rem_euclid(86_400) - 8 * 3600; // a China-time midnight
    let start = end - 7 * 86_400;
    env.admin("records/bulk", json!({"start": start, "end": start + 86_400 / 4, "count": 20_000})).await;
    env.admin("records/bulk", json!({"start": start + 86_400, "end": end, "count": 180_000})).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let base = env.h.emu.base_url();

    let small = dir.path().join("one-day.jsonl");
    let big = dir.path().join("week.jsonl");
    let (small_peak, big_peak) = tokio::task::spawn_blocking({
        let (small, big, base) = (small.clone(), big.clone(), base.clone());
        move || {
            let (s1, small_peak) = export_peak(&base, start, start + 86_400, &small, false);
            let (s2, big_peak) = export_peak(&base, start, end, &big, false);
            assert!(s1.success() && s2.success());
            (small_peak, big_peak)
        }
    })
    .await
    .expect("join");
    let count = |p: &Path| std::fs::read_to_string(p).expect("read").lines().count();
    assert_eq!(count(&small), 20_000);
    assert_eq!(count(&big), 200_000);
    let size = std::fs::metadata(&big).expect("meta").len();
    eprintln!(
        "export peak RSS: 20k records {small_peak} kB, 200k records over 7 days {big_peak} kB (output {} MB)",
        size / 1_000_000
    );
    // Flat: ten times the records (and ~{size} bytes of output) do not grow the process by more
    // than a few pages' worth of buffers; a collecting implementation would add tens of MB.
    assert!(big_peak < small_peak + 8 * 1024, "memory grew with the export: {small_peak} kB → {big_peak} kB");

    // Resume: cut the file and its checkpoint back to mid-export, then resume to the same bytes.
    let full = std::fs::read(&big).expect("read");
    let cursor_path = dir.path().join("week.jsonl.cursor");
    assert!(!cursor_path.exists(), "a finished export leaves no checkpoint");
    let fail_after = 3; // the fault hits the 4th page: an interrupted export
    env.admin(
        "faults",
        json!({"path": "/customservice/msgrecord/getmsglist", "kind": "http_status", "status": 502, "count": 100, "after": fail_after}),
    )
    .await;
    let resumed = dir.path().join("resumed.jsonl");
    let (status, _) = tokio::task::spawn_blocking({
        let (resumed, base) = (resumed.clone(), base.clone());
        move || export_peak(&base, start, end, &resumed, false)
    })
    .await
    .expect("join");
    let cut = std::fs::read(&resumed).expect("read").len();
    assert!(!status.success(), "the faulted export should fail");
    assert!(cut < full.len(), "nothing was cut");
    let _ = env.admin.delete(format!("{base}/__admin/faults")).send().await.expect("clear faults");
    let (status, _) = tokio::task::spawn_blocking({
        let (resumed, base) = (resumed.clone(), base.clone());
        move || export_peak(&base, start, end, &resumed, true)
    })
    .await
    .expect("join");
    assert!(status.success());
    assert!(std::fs::read(&resumed).expect("read") == full, "resumed export differs from a straight one");
    env.h.emu.shutdown().await;
}

#[test]
fn demo_runs_to_the_end() {
    let out = wxkf_command().arg("demo").output().expect("runs");
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    for needle in [
        "[1] access token",
        "the webhook answered transfer_customer_service → queued",
        "wait queue: 1 user(s) waiting",
        "session of oDEMO_user_0001: kf alice@gh_emulator",
        "the message goes to alice@gh_emulator",
        "sent miniprogrampage",
        "session of oDEMO_user_0001: closed",
        "exported 7 records",
        "the message opened the user's reply budget: 5 kf messages until",
        "reply budget of oDEMO_user_0001: 0 left",
        "ok: sent text (0 left)",
        "the 4th send is refused before the network",
        "code: BUDGET_SPENT",
        "the emulator delivered 3 messages to oDEMO_user_0002: the refused one never left",
    ] {
        assert!(t.contains(needle), "demo output lacks {needle:?}:\n{t}");
    }
    assert!(!t.contains("demo-app-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budget_shows_and_records_and_enforce_refuses_sends_before_the_network() {
    let env = Env::start().await;
    let redis = redis_server::RedisServer::start();
    let help = text(&wxkf_command().args(["budget", "--help"]).output().expect("help"));
    assert!(help.contains("knows only what this process recorded"), "{help}");
    assert!(text(&wxkf_command().arg("--help").output().expect("help")).contains("--budget-mode"));

    // Without Redis: this process's memory, which knows nothing of the user.
    let alone = env.ok_json(&["budget", "oCLI_budget_1"]).await;
    assert_eq!(alone, json!({"remaining": 0, "until_ms": null, "refusal": "out_of_window"}));
    let out = env.wxkf(&["budget", "oCLI_budget_1", "--record", "payment"]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("remaining: no limit"), "{}", text(&out));
    let out = env.wxkf(&["--budget-mode", "enforce", "send", "oCLI_budget_1", "text", "hi"]).await;
    assert_eq!(out.status.code(), Some(3), "refused: nothing recorded in this process: {}", text(&out));
    assert!(text(&out).contains("out_of_window"), "{}", text(&out));

    // With Redis: every process shares the budget.
    let user = "oCLI_budget_2";
    env.admin("user/message", json!({"openid": user, "content": "hello"})).await;
    let redis_url = redis.url.as_str();
    let recorded = env.ok_json(&["--redis-url", redis_url, "budget", user, "--record", "message"]).await;
    assert_eq!(recorded["remaining"], 5, "{recorded}");
    let seen = env.ok_json(&["--redis-url", redis_url, "budget", user]).await;
    assert_eq!(seen["remaining"], 5, "another process sees it: {seen}");
    assert!(seen["until_ms"].as_i64().is_some(), "{seen}");
    let send = ["--redis-url", redis_url, "--budget-mode", "enforce", "send", user, "text", "hi"];
    for _ in 0..5 {
        env.ok_json(&send).await;
    }
    let sixth = env.wxkf(&send).await;
    assert_eq!(sixth.status.code(), Some(3), "{}", text(&sixth));
    assert!(text(&sixth).contains("budget_spent"), "{}", text(&sixth));
    let delivered = env.admin_get("deliveries").await["deliveries"]
        .as_array()
        .map_or(0, |d| d.iter().filter(|d| d["touser"] == user).count());
    assert_eq!(delivered, 5, "the sixth never reached the emulator");
    let spent = env.ok_json(&["--redis-url", redis_url, "budget", user]).await;
    assert_eq!((spent["remaining"].as_i64(), spent["refusal"].as_str()), (Some(0), Some("spent")), "{spent}");
    // `warn` sends anyway (and the emulator, like WeChat, answers 45047).
    let warn = env.wxkf(&["--redis-url", redis_url, "--budget-mode", "warn", "send", user, "text", "hi"]).await;
    assert!(text(&warn).contains("45047"), "{}", text(&warn));
    env.h.emu.shutdown().await;
}

/// Every operation of core's table has a command: a new operation fails here until the CLI
/// gains one. The commands not run by `every_subcommand_against_the_emulator` run here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_of_the_table_has_a_command() {
    const COMMANDS: &[(&str, &[&str])] = &[
        ("add_kf_account", &["kf", "add"]),
        ("update_kf_account", &["kf", "update"]),
        ("del_kf_account", &["kf", "del"]),
        ("get_kf_list", &["kf", "list"]),
        ("get_kf_online_list", &["kf", "online"]),
        ("invite_worker", &["kf", "invite"]),
        ("upload_kf_head_img", &["kf", "head"]),
        ("send_message", &["send"]),
        ("send_typing", &["typing"]),
        ("create_kf_session", &["session", "create"]),
        ("close_kf_session", &["session", "close"]),
        ("get_kf_session", &["session", "get"]),
        ("get_kf_session_list", &["session", "list"]),
        ("get_wait_case_list", &["session", "wait"]),
        ("get_msg_list", &["records", "page"]),
        ("get_access_token", &["token"]),
        ("get_stable_access_token", &["token"]),
    ];
    let table: std::collections::BTreeSet<&str> = wxkf::ops::OPERATIONS.iter().map(|op| op.name).collect();
    let covered: std::collections::BTreeSet<&str> = COMMANDS.iter().map(|(op, _)| *op).collect();
    assert_eq!(table, covered, "operations of the table without a command (or commands of no operation)");
    for (op, argv) in COMMANDS {
        let out = wxkf_command().args(*argv).arg("--help").output().expect("run wxkf");
        assert!(out.status.success(), "{op}: wxkf {argv:?} --help: {}", text(&out));
    }

    let env = Env::start().await;
    let stable = env.ok_json(&["token"]).await;
    assert_eq!(stable["expires_in"], 7200);
    let fresh = env.ok_json(&["token", "--force-refresh"]).await;
    assert_ne!(fresh["access_token"], stable["access_token"], "a forced refresh issues a new token");
    let classic = env.ok_json(&["--token-mode", "classic", "token"]).await;
    assert!(classic["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    let now = env.admin_get("clock").await["now"].as_i64().expect("now");
    let page = env.ok_json(&["records", "page", "--start", &(now - 60).to_string(), "--end", &now.to_string()]).await;
    assert_eq!((page["number"].as_i64(), page["recordlist"].as_array().map(Vec::len)), (Some(0), Some(0)));
    env.h.emu.shutdown().await;
}
