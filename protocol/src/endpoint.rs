//! The `Endpoint` trait every operation implements, and the shared build/parse steps.

use serde::de::DeserializeOwned;

use crate::envelope::Envelope;
use crate::error::KfError;
use crate::http::{build_url, HttpRequest, HttpResponse, Method};

/// How a client may retry an operation (see the spec's client behaviour rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpClass {
    /// A token call: never retried blindly (quotas).
    Token,
    /// A read: safe to retry on `-1` and timeouts.
    Read,
    /// A write: retried only when it surely never left, or when the caller opts in.
    Write,
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// No body (GET).
    Empty,
    /// A UTF-8 JSON document.
    Json(Vec<u8>),
    /// A multipart/form-data document with its content type (which holds the boundary).
    Multipart {
        /// The full `Content-Type` header value.
        content_type: String,
        /// The encoded parts.
        body: Vec<u8>,
    },
}

/// What `build` needs besides the request: where to send it and with which token.
#[derive(Debug, Clone, Copy)]
pub struct BuildContext<'a> {
    /// Base URL, e.g. `https://api.weixin.qq.com` (no trailing path).
    pub base_url: &'a str,
    /// The access token, for every call but the token calls.
    pub access_token: Option<&'a str>,
    /// A caller-supplied unique string, used as the multipart boundary.
    pub nonce: &'a str,
}

/// Which production guard a client applies to a request before sending it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded<'a> {
    /// None.
    None,
    /// A message to this user: counted against their reply budget.
    ReplyBudget(&'a str),
    /// A stable-token force refresh: at most one per interval per AppID.
    ForceRefresh,
}

/// The default WeChat API base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.weixin.qq.com";

/// One WeChat operation: its metadata, validation, request and response.
pub trait Endpoint {
    /// The typed result of a successful call.
    type Output;
    /// The operation's snake_case name (as in the names table and the vectors).
    const NAME: &'static str;
    /// The HTTP method.
    const METHOD: Method;
    /// The path below the base URL.
    const PATH: &'static str;
    /// Retry class.
    const CLASS: OpClass;
    /// Whether the call carries `access_token` in the query.
    const NEEDS_TOKEN: bool = true;

    /// Checks every rule the spec states for the inputs, naming the field on failure.
    fn validate(&self) -> Result<(), KfError>;

    /// Query parameters besides `access_token`.
    fn query(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The request body (built after `validate` passed).
    fn body(&self, ctx: &BuildContext<'_>) -> Result<Body, KfError>;

    /// Parses a response into the typed result or a `KfError`.
    fn parse(response: &HttpResponse) -> Result<Self::Output, KfError>;

    /// Which production guard a client applies to this request before sending it.
    fn guarded(&self) -> Guarded<'_> {
        Guarded::None
    }

    /// Whether [`body`](Endpoint::body) reads [`BuildContext::nonce`] (a client computes one
    /// only for the endpoints that do).
    const NEEDS_NONCE: bool = false;

    /// Validates and builds the full HTTP request.
    fn build(&self, ctx: &BuildContext<'_>) -> Result<HttpRequest, KfError> {
        self.validate()?;
        self.build_validated(ctx)
    }

    /// Builds the full HTTP request of a request [`validate`](Endpoint::validate) accepted
    /// (a client validates once per call, not once per attempt).
    fn build_validated(&self, ctx: &BuildContext<'_>) -> Result<HttpRequest, KfError> {
        let extra = self.query();
        let body = self.body(ctx)?;
        assemble(ctx, (Self::METHOD, Self::PATH, Self::NEEDS_TOKEN), &extra, body)
    }
}

/// The request of an endpoint from its parts: not generic, so compiled once for every endpoint.
fn assemble(
    ctx: &BuildContext<'_>,
    (method, path, needs_token): (Method, &str, bool),
    extra: &[(&'static str, String)],
    body: Body,
) -> Result<HttpRequest, KfError> {
    let mut query: Vec<(&str, &str)> = Vec::with_capacity(extra.len() + 1);
    if needs_token {
        let token = ctx
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| KfError::validation("access_token", "an access token is required for this call"))?;
        query.push(("access_token", token));
    }
    query.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
    let url = build_url(ctx.base_url, path, &query);
    let (headers, body) = match body {
        Body::Empty => (Vec::new(), Vec::new()),
        Body::Json(bytes) => (vec![("content-type".to_string(), "application/json; charset=utf-8".to_string())], bytes),
        Body::Multipart { content_type, body } => (vec![("content-type".to_string(), content_type)], body),
    };
    Ok(HttpRequest { method, url, headers, body })
}

/// Serializes a request body as UTF-8 JSON (Chinese and emoji unescaped, as WeChat wants).
pub fn json_body<T: serde::Serialize + ?Sized>(value: &T) -> Result<Body, KfError> {
    serde_json::to_vec(value).map(Body::Json).map_err(unserializable)
}

fn unserializable(e: serde_json::Error) -> KfError {
    KfError::validation("body", format!("cannot be serialized: {e}"))
}

/// Checks status and `errcode`; returns the body when the call succeeded.
pub fn check_response(response: &HttpResponse) -> Result<&[u8], KfError> {
    if response.status != 200 {
        return Err(KfError::http(response.status, &response.body));
    }
    let envelope: Envelope = serde_json::from_slice(&response.body)
        .map_err(|e| KfError::decode(format!("not a JSON object: {e}"), &response.body))?;
    match envelope.errcode {
        None | Some(0) => Ok(&response.body),
        Some(code) => Err(KfError::api(code, envelope.errmsg.unwrap_or_default())),
    }
}

/// Parses a successful JSON response into `T`: one pass over the body, which reads the
/// envelope too; only a body that does not parse is read again, for what `check_response` says.
#[cfg(not(target_arch = "wasm32"))]
pub fn parse_json<T: DeserializeOwned>(response: &HttpResponse) -> Result<T, KfError> {
    if response.status != 200 {
        return Err(KfError::http(response.status, &response.body));
    }
    match crate::envelope::parse_with_envelope::<T>(&response.body) {
        (Ok(_), Envelope { errcode: Some(code), errmsg }) if code != 0 => {
            Err(KfError::api(code, errmsg.unwrap_or_default()))
        }
        (Ok(typed), _) => Ok(typed),
        (Err(e), _) => {
            let body = check_response(response)?;
            Err(unexpected_shape(&e, body))
        }
    }
}

/// Parses a successful JSON response into `T`. In wasm the envelope is read first and the
/// fields after (two passes): the one-pass reader instantiates every response type's
/// deserializer once more, ~3 KB of the gzipped module (measured 2026-11-30).
#[cfg(target_arch = "wasm32")]
pub fn parse_json<T: DeserializeOwned>(response: &HttpResponse) -> Result<T, KfError> {
    let body = check_response(response)?;
    serde_json::from_slice(body).map_err(|e| unexpected_shape(&e, body))
}

fn unexpected_shape(e: &serde_json::Error, body: &[u8]) -> KfError {
    KfError::decode(format!("unexpected response shape: {e}"), body)
}

/// Parses a response that carries nothing but `errcode`/`errmsg` (`check_response` has read
/// the whole body as an object already: one pass).
pub fn parse_ack(response: &HttpResponse) -> Result<(), KfError> {
    check_response(response).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errcode_zero_or_absent_is_success() {
        assert_eq!(parse_ack(&HttpResponse::json(r#"{"errcode":0,"errmsg":"ok"}"#)), Ok(()));
        assert_eq!(parse_ack(&HttpResponse::json(r#"{}"#)), Ok(()));
    }

    #[test]
    fn errors_are_classified() {
        let e = parse_ack(&HttpResponse::json(r#"{"errcode":45015,"errmsg":"response out of time limit"}"#));
        assert!(matches!(e, Err(KfError::Api { errcode: 45015, .. })));
        let e = parse_ack(&HttpResponse { status: 502, headers: vec![], body: b"bad gateway".to_vec() });
        assert!(matches!(e, Err(KfError::Http { status: 502, .. })));
        let e = parse_ack(&HttpResponse::json("<html>"));
        assert!(matches!(e, Err(KfError::Decode { ref body, .. }) if body == "<html>"));
        let e = parse_ack(&HttpResponse::json("[1,2]"));
        assert!(matches!(e, Err(KfError::Decode { .. })));
    }
}
