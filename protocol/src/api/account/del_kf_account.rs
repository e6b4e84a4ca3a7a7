//! GET `/customservice/kfaccount/del?kf_account=…`: delete a kf account (`@` sent raw).

use serde::{Deserialize, Serialize};

use crate::endpoint::{parse_ack, Body, BuildContext, Endpoint, OpClass};
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

impl Endpoint for DelKfAccount {
    type Output = ();
    const NAME: &'static str = "del_kf_account";
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/customservice/kfaccount/del";
    const CLASS: OpClass = OpClass::Write;

    fn validate(&self) -> Result<(), KfError> {
        validate::kf_account("kf_account", &self.kf_account)
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        // The query encoder leaves '@' unescaped: WeChat rejects `%40` here.
        vec![("kf_account", self.kf_account.clone())]
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        Ok(Body::Empty)
    }

    fn parse(response: &HttpResponse) -> Result<(), KfError> {
        parse_ack(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_sign_is_sent_raw() {
        let ctx = BuildContext { base_url: "https://api.weixin.qq.com", access_token: Some("T"), nonce: "n" };
        let req = DelKfAccount::new("kf01@gh_x").and_then(|r| r.build(&ctx)).ok();
        assert_eq!(
            req.map(|r| r.url).as_deref(),
            Some("https://api.weixin.qq.com/customservice/kfaccount/del?access_token=T&kf_account=kf01@gh_x")
        );
    }
}
