//! POST `/cgi-bin/message/custom/typing`: show or cancel "typing…" to a user.

use serde::{Deserialize, Serialize};

use crate::endpoint::{json_body, parse_ack, Body, BuildContext, Endpoint, OpClass};
use crate::http::{HttpResponse, Method};
use crate::{validate, KfError};

/// The typing command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TypingCommand {
    /// Show "typing…" (lasts 15 s).
    Typing,
    /// Hide it.
    CancelTyping,
}

/// Request to change the typing state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendTyping {
    /// The user's openid.
    pub touser: String,
    /// `Typing` or `CancelTyping`.
    pub command: TypingCommand,
    /// The current typing doc's optional `businessid`; sent only when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub businessid: Option<String>,
}

impl SendTyping {
    /// Validated request (no `businessid`).
    pub fn new(touser: impl Into<String>, command: TypingCommand) -> Result<Self, KfError> {
        let req = SendTyping { touser: touser.into(), command, businessid: None };
        req.validate()?;
        Ok(req)
    }

    /// The same request carrying `businessid`, validated.
    pub fn with_businessid(mut self, businessid: impl Into<String>) -> Result<Self, KfError> {
        self.businessid = Some(businessid.into());
        self.validate()?;
        Ok(self)
    }
}

impl Endpoint for SendTyping {
    type Output = ();
    const NAME: &'static str = "send_typing";
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/message/custom/typing";
    const CLASS: OpClass = OpClass::Write;

    fn validate(&self) -> Result<(), KfError> {
        validate::required("touser", &self.touser)?;
        match &self.businessid {
            Some(id) => validate::required("businessid", id),
            None => Ok(()),
        }
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        json_body(self)
    }

    fn parse(response: &HttpResponse) -> Result<(), KfError> {
        parse_ack(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn businessid_is_sent_only_when_set() {
        let ctx = BuildContext { base_url: "https://api.weixin.qq.com", access_token: Some("T"), nonce: "n" };
        let plain = SendTyping::new("o1", TypingCommand::Typing).and_then(|r| r.build(&ctx)).ok();
        assert_eq!(plain.map(|r| r.body), Some(br#"{"touser":"o1","command":"Typing"}"#.to_vec()));
        let with_id = SendTyping::new("o1", TypingCommand::Typing)
            .and_then(|r| r.with_businessid("biz_1"))
            .and_then(|r| r.build(&ctx))
            .ok();
        assert_eq!(
            with_id.map(|r| r.body),
            Some(br#"{"touser":"o1","command":"Typing","businessid":"biz_1"}"#.to_vec())
        );
        let empty = SendTyping::new("o1", TypingCommand::Typing).and_then(|r| r.with_businessid(" "));
        assert!(matches!(empty, Err(KfError::Validation { field, .. }) if field == "businessid"));
    }
}
