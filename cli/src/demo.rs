//! `wxkf demo` (a whole conversation against an embedded emulator) and `wxkf emulator`.

use std::path::PathBuf;

use clap::Parser;
use serde_json::{json, Value};
use wxkf::api::message::send_typing::TypingCommand;
use wxkf::message::{Article, MenuItem};
use wxkf::records::format_china_time;
use wxkf::MessageContent;
use wxkf::{BudgetMode, CallbackConfig, ClientConfig, KfError, Message};
use wxkf_emulator::{Config, Emulator};

use crate::args::{ExportArgs, Format};
use crate::error::CliError;
use crate::{demo_webhook, export, output};

/// Runs the emulator with `wxkf-emulator`'s own arguments until Ctrl-C.
pub async fn run_emulator(args: &[String]) -> Result<(), CliError> {
    let argv = std::iter::once("wxkf emulator".to_string()).chain(args.iter().cloned());
    let parsed = wxkf_emulator::cli::Args::try_parse_from(argv).map_err(|e| match e.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
            print!("{e}");
            std::process::exit(0)
        }
        _ => CliError::Usage(e.to_string().trim_end().to_string()),
    })?;
    wxkf_emulator::cli::serve_until_signal(parsed.config()).await?;
    Ok(())
}

/// The emulator's admin API (what WeChat's users and agents do on their phones).
struct Admin {
    http: reqwest::Client,
    base: String,
}

impl Admin {
    async fn post(&self, path: &str, body: Value) -> Result<Value, CliError> {
        let resp = self
            .http
            .post(format!("{}/__admin/{path}", self.base))
            .json(&body)
            .send()
            .await
            .map_err(|e| CliError::Io(format!("emulator admin {path}: {e}")))?;
        let status = resp.status();
        let value: Value = resp.json().await.map_err(|e| CliError::Io(format!("emulator admin {path}: {e}")))?;
        if !status.is_success() {
            return Err(CliError::Io(format!("emulator admin {path}: HTTP {status}: {value}")));
        }
        Ok(value)
    }

    async fn get(&self, path: &str) -> Result<Value, CliError> {
        let resp = self
            .http
            .get(format!("{}/__admin/{path}", self.base))
            .send()
            .await
            .map_err(|e| CliError::Io(format!("emulator admin {path}: {e}")))?;
        resp.json().await.map_err(|e| CliError::Io(format!("emulator admin {path}: {e}")))
    }

    /// Kf messages the emulator delivered to `openid`.
    async fn delivered_to(&self, openid: &str) -> Result<usize, CliError> {
        let all = self.get("deliveries").await?;
        Ok(all["deliveries"].as_array().map_or(0, |d| d.iter().filter(|d| d["touser"] == openid).count()))
    }
}

fn step(n: u32, what: &str) {
    println!("\n[{n}] {what}");
}

/// Walks a whole customer-service conversation against an embedded emulator and prints each step.
pub async fn run() -> Result<(), CliError> {
    let appid = "wxdemo00000000001";
    let secret = "demo-app-secret";
    let (callback_token, aes_key) = ("demoCallbackToken", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG");
    let emu = Emulator::start(Config {
        appid: appid.into(),
        secret: secret.into(),
        seed: Some(7),
        callback_token: callback_token.into(),
        aes_key: Some(aes_key.into()),
        ..Config::default()
    })
    .await?;
    let base = emu.base_url();
    // Sends are checked against each user's reply budget and refused before the network when
    // WeChat would refuse them (45015/45047).
    let config = ClientConfig::stable(appid, secret).base_url(&base).budget_mode(BudgetMode::Enforce);
    let client = std::sync::Arc::new(wxkf_native::client(config)?);
    // The developer's server: WeChat pushes users' messages to it (encrypted, safe mode).
    let callback = CallbackConfig::new(callback_token, Some(aes_key.to_string()), appid);
    let webhook = demo_webhook::start(callback, client.clone()).await?;
    let admin = Admin { http: reqwest::Client::new(), base: base.clone() };
    admin.post("config", json!({"webhook_url": webhook.url})).await?;
    println!("wxkf demo: a customer-service conversation against the embedded emulator at {base}");
    println!("the account's webhook (wxkf's push API) listens at {}", webhook.url);
    let kf = "alice@gh_emulator";
    let user = "oDEMO_user_0001";

    step(1, "access token (stable token; cached, refreshed ahead of expiry)");
    let token = client.access_token().await?;
    println!("token {token:?} fetched {} time(s) — the token itself is never printed", client.token_fetches());

    step(2, &format!("add the kf account {kf}"));
    client.add_kf_account(kf, "Alice 小助手").await?;
    client.update_kf_account(kf, "Alice 客服 🎧").await?;
    output::table(false, &["kf_account", "kf_nick", "kf_id"], &client.get_kf_list().await?);

    step(3, "Alice accepts the invitation on her phone, logs in to the kf workbench and is online");
    client.invite_worker(kf, "alice_wechat").await?;
    admin.post("kf/invitation", json!({"kf_account": kf, "accept": true})).await?;
    admin.post("kf/online", json!({"kf_account": kf, "online": true})).await?;
    output::table(false, &["kf_account", "status", "accepted_case"], &client.get_kf_online_list().await?);

    step(4, &format!("the user {user} writes in; WeChat pushes the message to the webhook"));
    let pushed = admin.post("user/message", json!({"openid": user, "content": "你好，我的订单还没到 📦"})).await?;
    let push = pushed.get("push").cloned().unwrap_or(Value::Null);
    println!(
        "the webhook answered {} → {} (only this reply hands a user to customer service)",
        push.pointer("/reply_kind").and_then(Value::as_str).unwrap_or("-"),
        push.pointer("/applied/action").and_then(Value::as_str).unwrap_or("-"),
    );
    let budget = client.budget(user).await?;
    println!(
        "the message opened the user's reply budget: {} kf messages until {}",
        budget.remaining.map_or("no limit".into(), |n| n.to_string()),
        budget.until_ms.map_or("-".into(), |ms| format_china_time(ms / 1000))
    );
    let waiting = client.get_wait_case_list().await?;
    println!("wait queue: {} user(s) waiting", waiting.count);
    output::table(false, &["openid", "latest_time"], &waiting.waitcaselist);

    step(5, "Alice takes the user from the queue: create a session");
    client.create_kf_session(kf, user).await?;
    let session = client.get_kf_session(user).await?;
    println!("session of {user}: kf {}", session.kf_account.as_deref().unwrap_or("-"));
    let routed = admin.post("user/message", json!({"openid": user, "content": "订单号 42"})).await?;
    println!(
        "the user writes again: the message goes to {} (in a session WeChat forwards to the kf system, not to the webhook)",
        routed.get("kf_account").and_then(Value::as_str).unwrap_or("-")
    );

    step(6, "typing indicator, then five message kinds");
    client.send_typing(user, TypingCommand::Typing).await?;
    println!("ok: typing");
    let messages = [
        Message::text("您好，我是 Alice，马上为您查询订单 🔍").from_kf(kf),
        Message::image("MEDIA_order_photo"),
        Message::news(Article {
            title: "配送说明".into(),
            description: "订单配送时效与查询方式".into(),
            url: "https://example.com/shipping".into(),
            picurl: "https://example.com/shipping.png".into(),
        }),
        Message::menu(
            "订单已找到，请选择：",
            vec![
                MenuItem { id: "101".into(), content: "今天送达".into() },
                MenuItem { id: "102".into(), content: "改约明天".into() },
            ],
            "感谢您的耐心",
        ),
        Message::from(MessageContent::MiniProgramPage {
            title: "查看物流".into(),
            appid: "wxminiprogram0001".into(),
            pagepath: "pages/track?order=42".into(),
            thumb_media_id: "MEDIA_thumb".into(),
        }),
    ];
    for message in messages {
        let kind = message.msgtype();
        client.send_message(user, message).await?;
        println!("ok: sent {kind}");
    }
    client.send_typing(user, TypingCommand::CancelTyping).await?;
    println!("ok: typing cancelled");
    println!("reply budget of {user}: {} left", client.budget(user).await?.remaining.unwrap_or(0));

    step(7, "the session and the wait queue now");
    output::table(false, &["openid", "createtime"], &client.get_kf_session_list(kf).await?);
    println!("wait queue: {} user(s) waiting", client.get_wait_case_list().await?.count);

    step(8, "close the session");
    client.close_kf_session(kf, user).await?;
    let session = client.get_kf_session(user).await?;
    println!("session of {user}: {}", session.kf_account.as_deref().filter(|s| !s.is_empty()).unwrap_or("closed"));

    step(9, "export today's records (streamed by China-time day and msgid pages)");
    let now = chrono_now_secs();
    let dir = std::env::temp_dir().join(format!("wxkf-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let out: PathBuf = dir.join("records.csv");
    let args = ExportArgs {
        from: (now - 3600).to_string(),
        to: (now + 3600).to_string(),
        format: Format::Csv,
        out: Some(out.clone()),
        resume: false,
        page_size: 100,
    };
    let n = export::export(&client, &args).await?;
    println!("exported {n} records to {}:", out.display());
    print!("{}", std::fs::read_to_string(&out)?);
    let _ = std::fs::remove_dir_all(&dir);

    let buyer = "oDEMO_user_0002";
    step(10, &format!("a reply budget runs out: {buyer} taps a menu, which allows 3 kf messages within a minute"));
    admin.post("user/event", json!({"openid": buyer, "event": "CLICK", "event_key": "ORDER_STATUS"})).await?;
    println!("{}", crate::budget_text(&client.budget(buyer).await?));
    for n in 1..=3 {
        client.send_message(buyer, Message::text(format!("订单状态 {n}/3"))).await?;
        println!("ok: sent text ({} left)", client.budget(buyer).await?.remaining.unwrap_or(0));
    }
    match client.send_message(buyer, Message::text("还有一条")).await {
        Err(e @ KfError::Guard { .. }) => {
            println!("the 4th send is refused before the network: {e}");
            println!("  code: {}", e.code_name());
            let delivered = admin.delivered_to(buyer).await?;
            println!("  the emulator delivered {delivered} messages to {buyer}: the refused one never left");
        }
        Ok(()) => return Err(CliError::Io("the 4th send after a menu click went through".into())),
        Err(e) => return Err(e.into()),
    }
    println!("(`wxkf budget OPENID --redis-url …` shows a user's budget from the store every instance shares)");

    println!(
        "\ndone at {} (China time): {} token fetch(es) for the whole conversation.",
        format_china_time(now),
        client.token_fetches()
    );
    emu.shutdown().await;
    Ok(())
}

fn chrono_now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
