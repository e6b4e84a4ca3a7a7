//! Messages a kf sends (`custom/send`) and the typing indicator.

use serde::Serialize;
use serde_json::{Map, Value};

use super::errors::{e, ed, ok, ApiError, ApiResult};
use super::request::{body_obj, opt_str, req_str, Req};
use super::{push_capped, State};
use crate::quota::Refusal;

const TYPING_NEEDS_EXCHANGE_MS: i64 = 30_000;
const TYPING_LASTS_MS: i64 = 15_000;

/// One message a kf sent (the delivery log).
#[derive(Serialize, Clone)]
pub struct Delivery {
    pub touser: String,
    pub msgtype: String,
    pub body: Value,
    pub time: i64,
    pub kf_account: String,
}

const MSGTYPES: [&str; 11] = [
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
];

impl State {
    fn check_media(&self, id: &str) -> Result<(), ApiError> {
        if !self.settings.media_check
            || (!self.settings.media_prefix.is_empty() && id.starts_with(&self.settings.media_prefix))
            || self.media.contains(id)
        {
            Ok(())
        } else {
            Err(ed(40007, format!("invalid media_id {id}")))
        }
    }

    fn validate_payload(&self, msgtype: &str, p: &Map<String, Value>) -> Result<(), ApiError> {
        let media = |k: &str| -> Result<(), ApiError> { self.check_media(req_str(p, k, 41006)?) };
        let field = |k: &str| -> Result<(), ApiError> { req_str(p, k, 41011).map(|_| ()) };
        let optional = |ks: &[&str]| -> Result<(), ApiError> {
            for k in ks {
                opt_str(p, k)?;
            }
            Ok(())
        };
        match msgtype {
            "text" => {
                let c = req_str(p, "content", 41011)?;
                // WeChat documents no cap for an Official Account's text; one is applied only
                // when configured (an assumption, e.g. WeCom's 2048).
                if let Some(max) = self.settings.max_text_chars {
                    if c.chars().count() > max {
                        return Err(ed(45002, format!("content over {max} characters")));
                    }
                }
                Ok(())
            }
            "image" | "voice" | "mpnews" => media("media_id"),
            "video" => {
                optional(&["title", "description"])?;
                req_str(p, "media_id", 41006)?;
                req_str(p, "thumb_media_id", 41006)?;
                media("media_id")?;
                media("thumb_media_id")
            }
            "music" => {
                optional(&["title", "description"])?;
                field("musicurl")?;
                field("hqmusicurl")?;
                media("thumb_media_id")
            }
            "news" => {
                let arts = match p.get("articles") {
                    None | Some(Value::Null) => return Err(ed(41011, "missing articles")),
                    Some(Value::Array(a)) => a,
                    Some(_) => return Err(ed(47001, "articles must be an array")),
                };
                if arts.is_empty() {
                    return Err(ed(41011, "articles is empty"));
                }
                if arts.len() > 1 {
                    return Err(ed(45008, "a news message holds exactly one article"));
                }
                for a in arts {
                    let a = a.as_object().ok_or_else(|| ed(47001, "article must be an object"))?;
                    req_str(a, "title", 41011)?;
                    req_str(a, "url", 41011)?;
                    opt_str(a, "description")?;
                    opt_str(a, "picurl")?;
                }
                Ok(())
            }
            "mpnewsarticle" => field("article_id"),
            "msgmenu" => {
                optional(&["head_content", "tail_content"])?;
                let list = match p.get("list") {
                    None | Some(Value::Null) => return Err(ed(41011, "missing list")),
                    Some(Value::Array(a)) => a,
                    Some(_) => return Err(ed(47001, "list must be an array")),
                };
                if list.is_empty() {
                    return Err(ed(41011, "list is empty"));
                }
                for item in list {
                    let item = item.as_object().ok_or_else(|| ed(47001, "list item must be an object"))?;
                    req_str(item, "id", 41011)?;
                    req_str(item, "content", 41011)?;
                }
                Ok(())
            }
            "wxcard" => {
                field("card_id")?;
                optional(&["card_ext"])
            }
            "miniprogrampage" => {
                field("title")?;
                field("appid")?;
                field("pagepath")?;
                media("thumb_media_id")
            }
            _ => Err(ed(47001, format!("unknown msgtype {msgtype}"))),
        }
    }

    /// POST /cgi-bin/message/custom/send
    pub fn send(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let m = body_obj(r.body)?;
        let touser = req_str(&m, "touser", 41009)?.to_string();
        let msgtype = req_str(&m, "msgtype", 41011)?.to_string();
        if !MSGTYPES.contains(&msgtype.as_str()) {
            return Err(ed(47001, format!("unknown msgtype {msgtype}")));
        }
        let payload = match m.get(&msgtype) {
            None | Some(Value::Null) => return Err(ed(41011, format!("missing {msgtype} object"))),
            Some(Value::Object(p)) => p,
            Some(_) => return Err(ed(47001, format!("{msgtype} must be an object"))),
        };
        self.validate_payload(&msgtype, payload)?;
        let named_kf = match m.get("customservice") {
            None | Some(Value::Null) => None,
            Some(Value::Object(cs)) => opt_str(cs, "kf_account")?.map(str::to_string),
            Some(_) => return Err(ed(47001, "customservice must be an object")),
        };
        if let Some(kf) = &named_kf {
            self.existing_kf(kf)?;
        }
        let now = self.now_ms();
        let user = self.users.get_mut(&touser).ok_or_else(|| e(40003))?;
        if !user.subscribed {
            return Err(e(43004));
        }
        match user.windows.take(now) {
            Ok(_) => {}
            Err(Refusal::OutOfWindow) => return Err(ed(45015, "no window open: the user's last action is too old")),
            Err(Refusal::BudgetSpent) => {
                return Err(ed(45047, "the budget the user's last actions opened is spent"));
            }
        }
        user.last_exchange_ms = now;
        user.typing_until_ms = 0;
        if let Some(s) = self.sessions.get_mut(&touser) {
            s.last_activity_ms = now;
        }
        let worker = named_kf.or_else(|| self.sessions.get(&touser).map(|s| s.kf.clone())).unwrap_or_default();
        let text = match msgtype.as_str() {
            "text" => payload.get("content").and_then(Value::as_str).unwrap_or("").to_string(),
            other => format!("[{other}]"),
        };
        let t = now / 1000;
        self.records.add(t, &touser, 2002, &text, &worker);
        push_capped(
            &mut self.deliveries,
            Delivery { touser, msgtype, body: Value::Object(m), time: t, kf_account: worker },
        );
        Ok(ok())
    }

    /// POST /cgi-bin/message/custom/typing
    pub fn typing(&mut self, r: &Req) -> ApiResult {
        self.auth(r)?;
        let m = body_obj(r.body)?;
        let touser = req_str(&m, "touser", 41009)?;
        let command = req_str(&m, "command", 41011)?;
        // The current typing doc's optional field; only its type is checked.
        opt_str(&m, "businessid")?;
        if command != "Typing" && command != "CancelTyping" {
            return Err(ed(45072, "command must be Typing or CancelTyping"));
        }
        let now = self.now_ms();
        let user = self.users.get_mut(touser).ok_or_else(|| e(40003))?;
        if command == "CancelTyping" {
            user.typing_until_ms = 0;
            return Ok(ok());
        }
        if now.saturating_sub(user.last_exchange_ms) > TYPING_NEEDS_EXCHANGE_MS {
            return Err(ed(45080, "no message exchanged with the user in the last 30 s"));
        }
        if now < user.typing_until_ms {
            return Err(ed(45081, "the typing state lasts 15 s"));
        }
        user.typing_until_ms = now + TYPING_LASTS_MS;
        Ok(ok())
    }
}
