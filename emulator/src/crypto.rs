//! Callback signatures and safe-mode message crypto, written for the emulator alone (it must not
//! share code with the SDK it tests).
//!
//! - signature = hex SHA-1 of the lexicographically sorted concatenation of the parts;
//! - key = base64-decode(EncodingAESKey + "="), IV = first 16 key bytes;
//! - plaintext = 16 random bytes ‖ u32 big-endian XML length ‖ XML ‖ appid, PKCS#7-padded to
//!   32-byte blocks, AES-256-CBC, base64.

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha1::{Digest, Sha1};

type Enc = cbc::Encryptor<aes::Aes256>;
type Dec = cbc::Decryptor<aes::Aes256>;

/// hex SHA-1 of the sorted, concatenated parts.
pub fn signature(parts: &[&str]) -> String {
    let mut sorted: Vec<&str> = parts.to_vec();
    sorted.sort_unstable();
    let mut h = Sha1::new();
    for p in sorted {
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A decoded EncodingAESKey.
#[derive(Clone)]
pub struct AesKey([u8; 32]);

impl std::fmt::Debug for AesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AesKey(<redacted>)")
    }
}

impl AesKey {
    /// Decodes a 43-character EncodingAESKey.
    pub fn from_encoding_aes_key(key: &str) -> Result<Self, String> {
        if key.len() != 43 {
            return Err(format!("EncodingAESKey must be 43 characters, got {}", key.len()));
        }
        // WeChat's keys are random 43-character strings: their last character may carry
        // non-zero trailing bits, which strict base64 decoders refuse.
        let lenient = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
        );
        let bytes = lenient.decode(format!("{key}=")).map_err(|_| "EncodingAESKey is not valid base64".to_string())?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| "EncodingAESKey does not decode to 32 bytes".to_string())?;
        Ok(Self(arr))
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.0[..16]);
        iv
    }

    /// Encrypts `xml` for `appid` with the given 16 random prefix bytes; returns base64.
    pub fn encrypt(&self, random: [u8; 16], xml: &str, appid: &str) -> String {
        let mut buf = Vec::with_capacity(20 + xml.len() + appid.len() + 32);
        buf.extend_from_slice(&random);
        buf.extend_from_slice(&(xml.len() as u32).to_be_bytes());
        buf.extend_from_slice(xml.as_bytes());
        buf.extend_from_slice(appid.as_bytes());
        let pad = 32 - (buf.len() % 32);
        buf.resize(buf.len() + pad, pad as u8);
        let ct = Enc::new(&self.0.into(), &self.iv().into()).encrypt_padded_vec_mut::<NoPadding>(&buf);
        STANDARD.encode(ct)
    }

    /// Decrypts base64 `encrypt`; returns (xml, appid).
    pub fn decrypt(&self, encrypt: &str) -> Result<(String, String), String> {
        let ct = STANDARD.decode(encrypt.trim()).map_err(|_| "Encrypt is not base64".to_string())?;
        if ct.is_empty() || ct.len() % 16 != 0 {
            return Err("ciphertext length is not a multiple of the block size".into());
        }
        let pt = Dec::new(&self.0.into(), &self.iv().into())
            .decrypt_padded_vec_mut::<NoPadding>(&ct)
            .map_err(|_| "decryption failed".to_string())?;
        let pad = *pt.last().ok_or("empty plaintext")? as usize;
        if pad == 0 || pad > 32 || pad > pt.len() {
            return Err("bad PKCS#7 padding".into());
        }
        let body = pt.get(..pt.len() - pad).ok_or("bad padding")?;
        let len_bytes: [u8; 4] = body.get(16..20).and_then(|s| s.try_into().ok()).ok_or("plaintext too short")?;
        let len = u32::from_be_bytes(len_bytes) as usize;
        let xml = body.get(20..20 + len).ok_or("XML length out of range")?;
        let appid = body.get(20 + len..).ok_or("appid missing")?;
        Ok((
            String::from_utf8(xml.to_vec()).map_err(|_| "XML is not UTF-8")?,
            String::from_utf8(appid.to_vec()).map_err(|_| "appid is not UTF-8")?,
        ))
    }
}

/// Escapes text for a CDATA section.
pub fn cdata(s: &str) -> String {
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

/// The text of the first `<tag>…</tag>` element (CDATA unwrapped), if any.
pub fn xml_field(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml.get(start..)?.find(&close)?;
    let raw = xml.get(start..end)?.trim();
    let mut out = String::new();
    let mut rest = raw;
    while let Some(i) = rest.find("<![CDATA[") {
        out.push_str(&unescape(rest.get(..i)?));
        let after = rest.get(i + 9..)?;
        let j = after.find("]]>")?;
        out.push_str(after.get(..j)?);
        rest = after.get(j + 3..)?;
    }
    out.push_str(&unescape(rest));
    Some(out)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_fields() {
        let key = AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap();
        let ct = key.encrypt([7; 16], "<xml><A><![CDATA[x]]]]><![CDATA[>y]]></A></xml>", "wxid");
        let (xml, appid) = key.decrypt(&ct).unwrap();
        assert_eq!(appid, "wxid");
        assert_eq!(xml_field(&xml, "A").unwrap(), "x]]>y");
        assert_eq!(signature(&["b", "a", "c"]), signature(&["c", "b", "a"]));
    }
}
