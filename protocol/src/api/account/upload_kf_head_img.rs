//! POST `/customservice/kfaccount/uploadheadimg?kf_account=…`: upload a kf avatar (multipart).

use crate::endpoint::{parse_ack, Body, BuildContext, Endpoint, OpClass};
use crate::http::{HttpResponse, Method};
use crate::multipart::{encode, FilePart};
use crate::{validate, KfError};

/// Request to upload a kf avatar (JPEG; 640×640 recommended).
#[derive(Clone, PartialEq, Eq)]
pub struct UploadKfHeadImg {
    /// `prefix@wechat_id`.
    pub kf_account: String,
    /// The JPEG bytes.
    pub image: Vec<u8>,
    /// File name sent in the form (defaults to `avatar.jpg`).
    pub filename: String,
}

impl std::fmt::Debug for UploadKfHeadImg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadKfHeadImg")
            .field("kf_account", &self.kf_account)
            .field("image_len", &self.image.len())
            .field("filename", &self.filename)
            .finish()
    }
}

impl UploadKfHeadImg {
    /// The file name sent when none is given.
    pub const DEFAULT_FILENAME: &'static str = "avatar.jpg";

    /// Validated request with the default file name.
    pub fn new(kf_account: impl Into<String>, image: impl Into<Vec<u8>>) -> Result<Self, KfError> {
        let req = UploadKfHeadImg {
            kf_account: kf_account.into(),
            image: image.into(),
            filename: Self::DEFAULT_FILENAME.into(),
        };
        req.validate()?;
        Ok(req)
    }
}

impl Endpoint for UploadKfHeadImg {
    type Output = ();
    const NAME: &'static str = "upload_kf_head_img";
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/customservice/kfaccount/uploadheadimg";
    const CLASS: OpClass = OpClass::Write;
    const NEEDS_NONCE: bool = true;

    fn validate(&self) -> Result<(), KfError> {
        validate::kf_account("kf_account", &self.kf_account)?;
        validate::required("filename", &self.filename)?;
        if self.image.is_empty() {
            return Err(KfError::validation("image", "must not be empty"));
        }
        if self.image.len() > validate::MAX_AVATAR_BYTES {
            return Err(KfError::validation(
                "image",
                format!("is {} bytes; at most {} are accepted", self.image.len(), validate::MAX_AVATAR_BYTES),
            ));
        }
        Ok(())
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        vec![("kf_account", self.kf_account.clone())]
    }

    fn body(&self, ctx: &BuildContext<'_>) -> Result<Body, KfError> {
        let boundary = format!("wxkf-{}", ctx.nonce);
        let part = FilePart { field: "media", filename: &self.filename, content_type: "image/jpeg", data: &self.image };
        let (content_type, body) = encode(&boundary, &part)?;
        Ok(Body::Multipart { content_type, body })
    }

    fn parse(response: &HttpResponse) -> Result<(), KfError> {
        parse_ack(response)
    }
}
