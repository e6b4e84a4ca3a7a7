//! Plain HTTP records exchanged with a transport: no `http`/`reqwest` types cross this line.

use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// HTTP method of a WeChat call (the API uses only these two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

impl Method {
    /// The method as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request ready to be sent by any transport.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: Method,
    /// Absolute URL including the query string (may hold the access token: never log it raw).
    pub url: String,
    /// Header name/value pairs, in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes (empty for GET).
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The URL with `access_token` and `secret` values replaced by `***`, safe to log.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }

    /// The value of one header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body of a token call carries the AppSecret: show only its size.
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.redacted_url())
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A response as received from the network.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Header name/value pairs, in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A 200 response with a JSON body, handy for tests and canned answers.
    pub fn json(body: impl Into<Vec<u8>>) -> Self {
        HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Token responses carry the access token: show only the size.
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Characters escaped in query values: everything but RFC 3986 unreserved characters and `@`.
///
/// `@` stays raw because WeChat rejects `kf_account=a%40b` in `kfaccount/del`.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'@');

/// Whether `b` stays as it is in a query value (the complement of [`QUERY_VALUE`]).
fn is_query_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'@')
}

/// Percent-encodes one query value the way WeChat expects it.
pub fn encode_query_value(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// Builds `base + path + ?k=v&…`, trimming a trailing `/` from the base.
pub fn build_url(base: &str, path: &str, query: &[(&str, &str)]) -> String {
    // Room for every part unescaped (an access token alone is ~100 bytes).
    let query_len: usize = query.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let mut url = String::with_capacity(base.len() + path.len() + query_len);
    url.push_str(base.trim_end_matches('/'));
    url.push_str(path);
    for (i, (k, v)) in query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(k);
        url.push('=');
        // Without an early exit the check vectorizes (an access token is ~100 bytes).
        if v.bytes().fold(true, |safe, b| safe & is_query_safe(b)) {
            // The common case (tokens, ids): nothing to escape.
            url.push_str(v);
        } else {
            // Runs that need no escaping come out as slices: no buffer per value.
            for chunk in utf8_percent_encode(v, QUERY_VALUE) {
                url.push_str(chunk);
            }
        }
    }
    url
}

/// Query parameter names whose values are secrets.
const SECRET_PARAMS: [&str; 2] = ["access_token", "secret"];

/// Replaces the values of `access_token` and `secret` query parameters with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((head, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET_PARAMS.contains(&k) => format!("{k}=***"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{head}?{}", parts.join("&"))
}

/// Splits a URL's query into decoded `(name, value)` pairs (used by tests and the vectors).
pub fn query_pairs(url: &str) -> Vec<(String, String)> {
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let dec = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
            (dec(k), dec(v))
        })
        .collect()
}

/// The path part of an absolute or relative URL (no scheme, host or query).
pub fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path_start = if url.contains("://") { rest.find('/').unwrap_or(rest.len()) } else { 0 };
    let path = rest.get(path_start..).unwrap_or("");
    path.split_once('?').map_or(path, |(p, _)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_sign_stays_raw_and_other_bytes_are_escaped() {
        let url = build_url("http://h/", "/x", &[("kf_account", "a1@wx id"), ("n", "中")]);
        assert_eq!(url, "http://h/x?kf_account=a1@wx%20id&n=%E4%B8%AD");
    }

    #[test]
    fn the_fast_path_keeps_exactly_what_the_encoder_keeps() {
        for b in 0..=127u8 {
            let c = char::from(b).to_string();
            assert_eq!(is_query_safe(b), encode_query_value(&c) == c, "byte {b}");
            // A value with one such byte among safe ones is built the same either way.
            let v = format!("Ab9{c}");
            assert_eq!(build_url("http://h", "/p", &[("k", &v)]), format!("http://h/p?k={}", encode_query_value(&v)));
        }
    }

    #[test]
    fn redaction_hides_token_and_secret_only() {
        let u = "http://h/p?grant_type=client_credential&appid=wx1&secret=S3&access_token=T";
        assert_eq!(redact_url(u), "http://h/p?grant_type=client_credential&appid=wx1&secret=***&access_token=***");
        assert_eq!(redact_url("http://h/p"), "http://h/p");
    }

    #[test]
    fn debug_of_request_hides_url_secrets_and_body() {
        let r = HttpRequest {
            method: Method::Post,
            url: "http://h/p?access_token=TOPSECRET".into(),
            headers: vec![],
            body: b"{\"secret\":\"TOPSECRET\"}".to_vec(),
        };
        assert!(!format!("{r:?}").contains("TOPSECRET"));
    }

    #[test]
    fn path_and_query_are_split() {
        assert_eq!(url_path("https://a.b/c/d?x=1"), "/c/d");
        assert_eq!(url_path("/c/d?x=1"), "/c/d");
        assert_eq!(url_path("https://a.b"), "");
        assert_eq!(query_pairs("/p?a=1&b=x%40y"), vec![("a".into(), "1".into()), ("b".into(), "x@y".into())]);
    }
}
