//! Test helpers: an in-process emulator and hand-written HTTP calls (no SDK code).
#![allow(dead_code, missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use wxkf_emulator::{Config, Emulator};

pub const APPID: &str = "wxtestappid00001";
pub const SECRET: &str = "test-secret";

pub struct H {
    pub emu: Emulator,
    pub base: String,
    pub c: reqwest::Client,
    pub token: String,
}

pub fn config() -> Config {
    Config { appid: APPID.into(), secret: SECRET.into(), port: 0, seed: Some(7), ..Default::default() }
}

/// What the developer's server does, in plain mode: a user message whose text starts with
/// `transfer` is answered `transfer_customer_service` (`transfer to KF` names the kf), an event
/// whose key is `transfer` too (WeChat must refuse that); anything else gets `success`. Every
/// push's XML is kept in `received`.
#[derive(Clone, Default)]
pub struct Hook {
    pub received: Arc<Mutex<Vec<String>>>,
    /// How long the hook takes before it answers (a slow developer server).
    pub delay_ms: Arc<std::sync::atomic::AtomicU64>,
}

fn xml_field(xml: &str, tag: &str) -> Option<String> {
    let s = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let e = s + xml[s..].find(&format!("</{tag}>"))?;
    Some(xml[s..e].trim_start_matches("<![CDATA[").trim_end_matches("]]>").to_string())
}

async fn answer(State(hook): State<Hook>, body: String) -> String {
    hook.received.lock().unwrap().push(body.clone());
    let delay = hook.delay_ms.load(std::sync::atomic::Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let from = xml_field(&body, "FromUserName").unwrap_or_default();
    let wants = xml_field(&body, "Content").or_else(|| xml_field(&body, "EventKey")).unwrap_or_default();
    let Some(rest) = wants.strip_prefix("transfer") else { return "success".into() };
    let info = match rest.trim().strip_prefix("to ") {
        Some(kf) => format!("<TransInfo><KfAccount><![CDATA[{kf}]]></KfAccount></TransInfo>"),
        None => String::new(),
    };
    format!(
        "<xml><ToUserName><![CDATA[{from}]]></ToUserName><FromUserName><![CDATA[gh_emulator]]></FromUserName>\
         <CreateTime>1</CreateTime><MsgType><![CDATA[transfer_customer_service]]></MsgType>{info}</xml>"
    )
}

impl Hook {
    /// Serves the hook on a free port; returns its URL.
    pub async fn serve(&self) -> String {
        let app = Router::new().route("/hook", post(answer)).with_state(self.clone());
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        format!("http://{addr}/hook")
    }

    /// Pushes received whose XML contains `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.received.lock().unwrap().iter().filter(|x| x.contains(needle)).count()
    }
}

impl H {
    pub async fn start() -> H {
        Self::with(config()).await
    }

    /// An emulator pushing to a [`Hook`] (the developer's server) it returns too.
    pub async fn with_hook(mut cfg: Config) -> (H, Hook) {
        let hook = Hook::default();
        cfg.webhook_url = Some(hook.serve().await);
        (Self::with(cfg).await, hook)
    }

    pub async fn with(cfg: Config) -> H {
        let emu = Emulator::start(cfg).await.expect("start");
        let base = emu.base_url();
        let c = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
        let mut h = H { emu, base, c, token: String::new() };
        h.token = h.classic_token().await;
        h
    }

    pub async fn classic_token(&self) -> String {
        let v =
            self.get_raw(&format!("/cgi-bin/token?grant_type=client_credential&appid={APPID}&secret={SECRET}")).await;
        v["access_token"].as_str().expect("token").to_string()
    }

    pub async fn get_raw(&self, path_and_query: &str) -> Value {
        let r = self.c.get(format!("{}{}", self.base, path_and_query)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// GET `path?access_token=…&extra` (extra is appended raw).
    pub async fn get(&self, path: &str, extra: &str) -> Value {
        let sep = if extra.is_empty() { "" } else { "&" };
        self.get_raw(&format!("{path}?access_token={}{sep}{extra}", self.token)).await
    }

    pub async fn post_raw(&self, path_and_query: &str, body: &str) -> Value {
        let r = self.c.post(format!("{}{}", self.base, path_and_query)).body(body.to_string()).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// POST a JSON value to `path?access_token=…`.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.post_raw(&format!("{path}?access_token={}", self.token), &body.to_string()).await
    }

    pub async fn admin(&self, path: &str, body: Value) -> Value {
        let r = self.c.post(format!("{}/__admin/{path}", self.base)).json(&body).send().await.unwrap();
        assert!(r.status().is_success(), "admin {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn admin_status(&self, path: &str, body: Value) -> u16 {
        self.c.post(format!("{}/__admin/{path}", self.base)).json(&body).send().await.unwrap().status().as_u16()
    }

    /// An admin call that may be refused: (HTTP status, body).
    pub async fn admin_answer(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self.c.post(format!("{}/__admin/{path}", self.base)).json(&body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    pub async fn admin_get(&self, path: &str) -> Value {
        let r = self.c.get(format!("{}/__admin/{path}", self.base)).send().await.unwrap();
        assert!(r.status().is_success());
        r.json().await.unwrap()
    }

    /// Fetches a new classic token into `self.token` (after the clock moved past its expiry).
    pub async fn token_refresh(&mut self) {
        self.token = self.classic_token().await;
    }

    pub async fn advance(&self, secs: f64) {
        self.admin("clock/advance", json!({ "secs": secs })).await;
    }

    pub async fn add_kf(&self, account: &str) {
        let v = self.post("/customservice/kfaccount/add", json!({"kf_account": account, "nickname": "kf"})).await;
        assert_eq!(v["errcode"], 0, "{v}");
    }

    /// Binds the kf to a WeChat user (as if it accepted an invitation).
    pub async fn bind(&self, account: &str) {
        self.admin("kf/bind", json!({"kf_account": account})).await;
    }

    /// Today's records (China-time day of the emulator clock), in id order.
    pub async fn records_today(&self) -> Vec<Value> {
        let now = self.admin_get("clock").await["now"].as_i64().unwrap();
        let day_start = now - (now + 8 * 3600).rem_euclid(86_400);
        let body = json!({"starttime": day_start, "endtime": day_start + 86_400, "msgid": 1, "number": 10000});
        let r = self.post("/customservice/msgrecord/getmsglist", body).await;
        r["recordlist"].as_array().unwrap_or_else(|| panic!("{r}")).clone()
    }

    pub async fn online(&self, account: &str) {
        self.admin("kf/online", json!({"kf_account": account, "online": true})).await;
    }

    pub async fn user_says(&self, openid: &str, content: &str) -> Value {
        self.admin("user/message", json!({"openid": openid, "content": content})).await
    }

    pub async fn send_text(&self, to: &str, content: &str) -> Value {
        self.post(
            "/cgi-bin/message/custom/send",
            json!({"touser": to, "msgtype": "text", "text": {"content": content}}),
        )
        .await
    }
}

pub fn code(v: &Value) -> i64 {
    v["errcode"].as_i64().unwrap_or(0)
}
