//! multipart/form-data encoding of one file part, with a caller-supplied boundary.

use crate::error::KfError;

/// Longest boundary RFC 2046 allows.
const MAX_BOUNDARY: usize = 70;

/// One file to upload.
#[derive(Debug, Clone, Copy)]
pub struct FilePart<'a> {
    /// The form field name (`media` for WeChat uploads).
    pub field: &'a str,
    /// The file name sent in `Content-Disposition`.
    pub filename: &'a str,
    /// The part's content type, e.g. `image/jpeg`.
    pub content_type: &'a str,
    /// The file bytes.
    pub data: &'a [u8],
}

/// Encodes `part` and returns `(content_type_header, body)`.
///
/// The boundary comes from the caller (core has no randomness); it is checked for RFC 2046
/// characters and must not occur inside the data.
pub fn encode(boundary: &str, part: &FilePart<'_>) -> Result<(String, Vec<u8>), KfError> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"'()+_,-./:=?".contains(&b);
    if boundary.is_empty() || boundary.len() > MAX_BOUNDARY || !boundary.bytes().all(allowed) {
        return Err(KfError::validation("boundary", "must be 1-70 letters, digits or '()+_,-./:=?"));
    }
    for (field, value) in [("field", part.field), ("filename", part.filename), ("content_type", part.content_type)] {
        if value.is_empty() || value.bytes().any(|b| b == b'"' || b == b'\r' || b == b'\n' || b == b'\\') {
            return Err(KfError::validation(field, "must be non-empty, without quotes, backslashes or line breaks"));
        }
    }
    let delimiter = format!("--{boundary}");
    if memchr::memmem::find(part.data, delimiter.as_bytes()).is_some() {
        return Err(KfError::validation("boundary", "occurs inside the file data; pick another"));
    }
    // A delimiter inside a header value would end the part early too (found by fuzzing).
    for (field, value) in [("field", part.field), ("filename", part.filename), ("content_type", part.content_type)] {
        if value.contains(&delimiter) {
            return Err(KfError::validation(field, "must not contain the multipart boundary"));
        }
    }
    let mut body = Vec::with_capacity(part.data.len() + 256);
    body.extend_from_slice(delimiter.as_bytes());
    body.extend_from_slice(b"\r\n");
    body.extend_from_slice(
        format!(
            "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            part.field, part.filename, part.content_type
        )
        .as_bytes(),
    );
    body.extend_from_slice(part.data);
    body.extend_from_slice(b"\r\n");
    body.extend_from_slice(delimiter.as_bytes());
    body.extend_from_slice(b"--\r\n");
    Ok((format!("multipart/form-data; boundary={boundary}"), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_part_is_framed_exactly() {
        let part = FilePart { field: "media", filename: "a.jpg", content_type: "image/jpeg", data: b"\xff\xd8JPEG" };
        let (ct, body) = encode("XyZ", &part).unwrap_or_default();
        assert_eq!(ct, "multipart/form-data; boundary=XyZ");
        assert_eq!(
            body,
            b"--XyZ\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8JPEG\r\n--XyZ--\r\n".to_vec()
        );
    }

    #[test]
    fn bad_boundaries_are_rejected() {
        let part = FilePart { field: "media", filename: "a.jpg", content_type: "image/jpeg", data: b"x--abc" };
        assert!(encode("", &part).is_err());
        assert!(encode("a b", &part).is_err());
        assert!(encode("abc", &part).is_err());
        assert!(encode(&"a".repeat(71), &part).is_err());
    }

    /// Regression (fuzz/multipart): the delimiter inside a header value split the part.
    #[test]
    fn a_boundary_inside_a_header_value_is_rejected() {
        let part = FilePart { field: "media", filename: "a.jpg", content_type: "a--wxkf-seedp", data: b"" };
        let err = encode("wxkf-seed", &part).map(|_| ()).unwrap_err();
        assert!(matches!(&err, KfError::Validation { field, .. } if field == "content_type"), "{err:?}");
        let part = FilePart { field: "media", filename: "x--XyZ.jpg", content_type: "image/jpeg", data: b"" };
        assert!(matches!(encode("XyZ", &part), Err(KfError::Validation { field, .. }) if field == "filename"));
    }
}
