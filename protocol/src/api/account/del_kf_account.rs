//! POST `/customservice/kfaccount/del` with `{"kf_account"}`: delete a kf account (the current
//! doc; older docs and SDKs used a GET with the account in the query).

use serde::{Deserialize, Serialize};

use crate::endpoint::{json_body, parse_ack, Body, BuildContext, Endpoint, OpClass};
use crate::http::{HttpResponse, Method};
use crate::{validate, KfError};

/// Request to delete a kf account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelKfAccount {
    /// `prefix@wechat_id`.
    pub kf_account: String,
}

impl DelKfAccount {
    /// Validated request.
    pub fn new(kf_account: impl Into<String>) -> Result<Self, KfError> {
        let req = DelKfAccount { kf_account: kf_account.into() };
        req.validate()?;
        Ok(req)
    }
}

#[derive(Serialize)]
struct DelWire<'a> {
    kf_account: &'a str,
}

impl Endpoint for DelKfAccount {
    type Output = ();
    const NAME: &'static str = "del_kf_account";
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/customservice/kfaccount/del";
    const CLASS: OpClass = OpClass::Write;

    fn validate(&self) -> Result<(), KfError> {
        validate::kf_account("kf_account", &self.kf_account)
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        json_body(&DelWire { kf_account: &self.kf_account })
    }

    fn parse(response: &HttpResponse) -> Result<(), KfError> {
        parse_ack(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_the_account_as_json() {
        let ctx = BuildContext { base_url: "https://api.weixin.qq.com", access_token: Some("T"), nonce: "n" };
        let req = DelKfAccount::new("kf_01@gh_x").and_then(|r| r.build(&ctx)).ok();
        assert_eq!(req.as_ref().map(|r| r.method), Some(Method::Post));
        assert_eq!(
            req.as_ref().map(|r| r.url.as_str()),
            Some("https://api.weixin.qq.com/customservice/kfaccount/del?access_token=T")
        );
        assert_eq!(req.map(|r| r.body), Some(br#"{"kf_account":"kf_01@gh_x"}"#.to_vec()));
    }
}
