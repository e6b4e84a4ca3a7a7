//! The multipart builder with any boundary, names and bytes: refused with a named field, or a
//! body in which the file appears exactly once between the opening and closing delimiters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxkf::api::account::upload_kf_head_img::UploadKfHeadImg;
use wxkf::multipart::{encode, FilePart};
use wxkf::{BuildContext, Endpoint};

fuzz_target!(|data: &[u8]| {
    // Layout: boundary \0 filename \0 content_type \0 file bytes.
    let mut it = data.splitn(4, |b| *b == 0);
    let boundary = String::from_utf8_lossy(it.next().unwrap_or_default()).to_string();
    let filename = String::from_utf8_lossy(it.next().unwrap_or_default()).to_string();
    let content_type = String::from_utf8_lossy(it.next().unwrap_or_default()).to_string();
    let file = it.next().unwrap_or_default();
    let part = FilePart { field: "media", filename: &filename, content_type: &content_type, data: file };
    if let Ok((header, body)) = encode(&boundary, &part) {
        let delimiter = format!("--{boundary}");
        assert!(header.contains(&boundary));
        assert!(body.starts_with(delimiter.as_bytes()));
        let closing = format!("\r\n{delimiter}--\r\n");
        assert!(body.ends_with(closing.as_bytes()), "no closing delimiter");
        // A reader ends the part at the first CRLF + delimiter: it must be the closing one.
        let crlf_delimiter = format!("\r\n{delimiter}");
        let first = body.windows(crlf_delimiter.len()).position(|w| w == crlf_delimiter.as_bytes());
        assert_eq!(first, Some(body.len() - closing.len()), "the part ends early");
        let at = body.windows(file.len().max(1)).position(|w| w == file);
        assert!(file.is_empty() || at.is_some(), "file bytes missing");
    }
    // Through the endpoint, with a nonce that may not be a valid boundary.
    let nonce = boundary.chars().take(80).collect::<String>();
    let ctx = BuildContext { base_url: "https://api.weixin.qq.com", access_token: Some("T"), nonce: &nonce };
    let upload = UploadKfHeadImg { kf_account: filename.clone(), image: file.to_vec(), filename };
    let _ = upload.build(&ctx);
});
