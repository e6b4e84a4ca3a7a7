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
}

impl SendTyping {
    /// Validated request.
    pub fn new(touser: impl Into<String>, command: TypingCommand) -> Result<Self, KfError> {
        let req = SendTyping { touser: touser.into(), command };
        req.validate()?;
        Ok(req)
    }
}

impl Endpoint for SendTyping {
    type Output = ();
    const NAME: &'static str = "send_typing";
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/message/custom/typing";
    const CLASS: OpClass = OpClass::Write;

    fn validate(&self) -> Result<(), KfError> {
        validate::required("touser", &self.touser)
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        json_body(self)
    }

    fn parse(response: &HttpResponse) -> Result<(), KfError> {
        parse_ack(response)
    }
}
