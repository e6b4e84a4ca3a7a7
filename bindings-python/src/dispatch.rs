//! One async entry point for every operation, shared by the sync and the async client.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use wxkf::api::message::send_typing::{SendTyping, TypingCommand};
use wxkf::api::token::{get_access_token::GetAccessToken, get_stable_access_token::GetStableAccessToken};
use wxkf::{KfError, Message, Secret};
use wxkf_native::NativeClient;

/// AppID and AppSecret of a stable or classic client (for the raw token calls).
#[derive(Clone)]
pub(crate) struct Creds {
    pub(crate) appid: String,
    pub(crate) secret: Secret,
}

fn arg<T: DeserializeOwned>(args: &Value, name: &str) -> Result<T, KfError> {
    let value = args.get(name).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|e| KfError::validation(name, format!("has the wrong type: {e}")))
}

fn out<T: serde::Serialize>(value: T) -> Result<Value, KfError> {
    serde_json::to_value(value).map_err(|e| KfError::decode(format!("result not representable: {e}"), b""))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KfAndNick {
    kf_account: String,
    nickname: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KfAndOpenid {
    kf_account: String,
    openid: String,
}

fn args_of<T: DeserializeOwned>(args: Value) -> Result<T, KfError> {
    serde_json::from_value(args).map_err(|e| KfError::validation("arguments", e.to_string()))
}

fn creds(creds: Option<Creds>) -> Result<Creds, KfError> {
    creds.ok_or_else(|| {
        KfError::validation("source", "raw token calls need a client built with appid and secret (stable or classic)")
    })
}

/// Runs `op` with its keyword arguments; returns the result as plain JSON-like data.
pub(crate) async fn run(
    client: Arc<NativeClient>,
    credentials: Option<Creds>,
    op: String,
    args: Value,
    data: Option<Vec<u8>>,
) -> Result<Value, KfError> {
    let c = client.as_ref();
    match op.as_str() {
        "add_kf_account" => {
            let a: KfAndNick = args_of(args)?;
            out(c.add_kf_account(&a.kf_account, &a.nickname).await?)
        }
        "update_kf_account" => {
            let a: KfAndNick = args_of(args)?;
            out(c.update_kf_account(&a.kf_account, &a.nickname).await?)
        }
        "del_kf_account" => out(c.del_kf_account(&arg::<String>(&args, "kf_account")?).await?),
        "get_kf_list" => out(c.get_kf_list().await?),
        "get_kf_online_list" => out(c.get_kf_online_list().await?),
        "invite_worker" => {
            let kf: String = arg(&args, "kf_account")?;
            let wx: String = arg(&args, "invite_wx")?;
            out(c.invite_worker(&kf, &wx).await?)
        }
        "upload_kf_head_img" => {
            let kf: String = arg(&args, "kf_account")?;
            let filename: Option<String> = arg(&args, "filename")?;
            let request = wxkf::api::account::upload_kf_head_img::UploadKfHeadImg {
                kf_account: kf,
                image: data.unwrap_or_default(),
                filename: filename.unwrap_or_else(|| "avatar.jpg".to_string()),
            };
            out(c.execute(&request).await?)
        }
        "send_message" => {
            let touser: String = arg(&args, "touser")?;
            let message: Message = arg(&args, "message")?;
            out(c.send_message(&touser, message).await?)
        }
        "send_typing" => {
            let touser: String = arg(&args, "touser")?;
            let command: TypingCommand = arg(&args, "command")?;
            let businessid: Option<String> = arg(&args, "businessid")?;
            out(c.execute(&SendTyping { touser, command, businessid }).await?)
        }
        "create_kf_session" => {
            let a: KfAndOpenid = args_of(args)?;
            out(c.create_kf_session(&a.kf_account, &a.openid).await?)
        }
        "close_kf_session" => {
            let a: KfAndOpenid = args_of(args)?;
            out(c.close_kf_session(&a.kf_account, &a.openid).await?)
        }
        "get_kf_session" => out(c.get_kf_session(&arg::<String>(&args, "openid")?).await?),
        "get_kf_session_list" => out(c.get_kf_session_list(&arg::<String>(&args, "kf_account")?).await?),
        "get_wait_case_list" => out(c.get_wait_case_list().await?),
        "get_msg_list" => {
            let n = |k: &str| arg::<i64>(&args, k);
            out(c.get_msg_list(n("starttime")?, n("endtime")?, n("msgid")?, n("number")?).await?)
        }
        "access_token" => out(c.access_token().await?),
        "get_access_token" => {
            let Creds { appid, secret } = creds(credentials)?;
            out(c.execute(&GetAccessToken { appid, secret }).await?)
        }
        "get_stable_access_token" => {
            let force_refresh: Option<bool> = arg(&args, "force_refresh")?;
            let Creds { appid, secret } = creds(credentials)?;
            let request = GetStableAccessToken { appid, secret, force_refresh: force_refresh.unwrap_or(false) };
            out(c.execute(&request).await?)
        }
        other => Err(KfError::validation("op", format!("unknown operation {other:?}"))),
    }
}
