//! Safe mode: AES-256-CBC of `random16 ‖ len_be32 ‖ xml ‖ appid`, PKCS#7-padded to 32 bytes.

use std::fmt;

use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::alphabet::STANDARD as STANDARD_ALPHABET;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::Engine;

use crate::error::CallbackKind;
use crate::secret::Secret;
use crate::KfError;

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// The largest push body (and `Encrypt` payload) accepted: 1 MiB.
pub const MAX_PUSH_BYTES: usize = 1024 * 1024;
/// Length of an EncodingAESKey in characters.
pub const ENCODING_AES_KEY_LEN: usize = 43;
/// PKCS#7 block size WeChat pads to.
const PAD_BLOCK: usize = 32;
/// Random prefix length.
const RANDOM_LEN: usize = 16;

/// EncodingAESKeys are random base64 characters: the last one may carry non-zero trailing
/// bits, which other WeChat SDKs (Java, Python) accept, so we do too.
const LENIENT_KEY_ENGINE: GeneralPurpose =
    GeneralPurpose::new(&STANDARD_ALPHABET, GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true));

/// The token, the AES key and the appid of one Official Account's callback.
#[derive(Clone, PartialEq, Eq)]
pub struct CallbackKeys {
    token: Secret,
    key: [u8; 32],
    appid: String,
}

impl fmt::Debug for CallbackKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackKeys").field("token", &"***").field("key", &"***").field("appid", &self.appid).finish()
    }
}

/// Decodes a 43-character EncodingAESKey into the 32-byte AES key.
pub fn decode_encoding_aes_key(encoding_aes_key: &str) -> Result<[u8; 32], KfError> {
    let field = "encoding_aes_key";
    if encoding_aes_key.len() != ENCODING_AES_KEY_LEN {
        return Err(KfError::validation(
            field,
            format!("must be {ENCODING_AES_KEY_LEN} characters, got {}", encoding_aes_key.chars().count()),
        ));
    }
    let padded = format!("{encoding_aes_key}=");
    let bytes = LENIENT_KEY_ENGINE
        .decode(padded.as_bytes())
        .map_err(|_| KfError::validation(field, "must be 43 base64 characters (A-Z, a-z, 0-9, +, /)"))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| KfError::validation(field, "does not decode to 32 bytes"))
}

impl CallbackKeys {
    /// Validates and holds the token, EncodingAESKey (43 chars) and appid.
    pub fn new(token: &str, encoding_aes_key: &str, appid: &str) -> Result<Self, KfError> {
        if token.is_empty() {
            return Err(KfError::validation("token", "must not be empty"));
        }
        if appid.is_empty() {
            return Err(KfError::validation("appid", "must not be empty"));
        }
        let key = decode_encoding_aes_key(encoding_aes_key)?;
        Ok(CallbackKeys { token: Secret::new(token), key, appid: appid.to_string() })
    }

    /// The token (for signatures).
    pub fn token(&self) -> &str {
        self.token.expose()
    }

    /// The appid payloads must name.
    pub fn appid(&self) -> &str {
        &self.appid
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        for (dst, src) in iv.iter_mut().zip(self.key.iter()) {
            *dst = *src;
        }
        iv
    }

    /// Encrypts `xml` with the given 16 random bytes; returns the base64 `Encrypt` value.
    pub fn encrypt(&self, xml: &str, random16: &[u8; 16]) -> Result<String, KfError> {
        let len = u32::try_from(xml.len())
            .ok()
            .filter(|_| xml.len() <= MAX_PUSH_BYTES)
            .ok_or_else(|| KfError::validation("xml", format!("is over {MAX_PUSH_BYTES} bytes")))?;
        let mut plain = Vec::with_capacity(RANDOM_LEN + 4 + xml.len() + self.appid.len() + PAD_BLOCK);
        plain.extend_from_slice(random16);
        plain.extend_from_slice(&len.to_be_bytes());
        plain.extend_from_slice(xml.as_bytes());
        plain.extend_from_slice(self.appid.as_bytes());
        let pad = PAD_BLOCK - plain.len() % PAD_BLOCK; // 1..=32
        let pad_byte = u8::try_from(pad).map_err(|_| KfError::validation("xml", "padding overflow"))?;
        plain.resize(plain.len() + pad, pad_byte);
        let cipher = Aes256CbcEnc::new(&self.key.into(), &self.iv().into()).encrypt_padded_vec_mut::<NoPadding>(&plain);
        Ok(STANDARD.encode(cipher))
    }

    /// Decrypts a base64 `Encrypt` value, checking length, padding, length field and appid.
    pub fn decrypt(&self, encrypt: &str) -> Result<String, KfError> {
        let crypto = |reason: &str| KfError::callback(CallbackKind::Crypto, reason);
        if encrypt.len() > MAX_PUSH_BYTES {
            return Err(KfError::callback(CallbackKind::TooLarge, format!("Encrypt is over {MAX_PUSH_BYTES} bytes")));
        }
        let cipher = STANDARD.decode(encrypt.trim().as_bytes()).map_err(|_| crypto("Encrypt is not valid base64"))?;
        if cipher.is_empty() || cipher.len() % 16 != 0 {
            return Err(crypto("ciphertext length is not a non-zero multiple of 16"));
        }
        let plain = Aes256CbcDec::new(&self.key.into(), &self.iv().into())
            .decrypt_padded_vec_mut::<NoPadding>(&cipher)
            .map_err(|_| crypto("ciphertext is not block-aligned"))?;
        let body = unpad(&plain).ok_or_else(|| crypto("invalid PKCS#7 padding"))?;
        let (_random, rest) = body.split_at_checked(RANDOM_LEN).ok_or_else(|| crypto("plaintext too short"))?;
        let (len_bytes, rest) = rest.split_at_checked(4).ok_or_else(|| crypto("plaintext too short"))?;
        let len_array = <[u8; 4]>::try_from(len_bytes).map_err(|_| crypto("plaintext too short"))?;
        let xml_len = usize::try_from(u32::from_be_bytes(len_array)).map_err(|_| crypto("length field too large"))?;
        let (xml, appid) = rest.split_at_checked(xml_len).ok_or_else(|| crypto("length field exceeds the payload"))?;
        if appid != self.appid.as_bytes() {
            return Err(KfError::callback(
                CallbackKind::Appid,
                format!(
                    "payload is for appid {}, expected {}",
                    crate::validate::quote(&String::from_utf8_lossy(appid)),
                    crate::validate::quote(&self.appid)
                ),
            ));
        }
        String::from_utf8(xml.to_vec())
            .map_err(|_| KfError::callback(CallbackKind::Xml, "decrypted XML is not valid UTF-8"))
    }
}

/// Strips PKCS#7 padding (1..=32), checking every pad byte; `None` when invalid.
fn unpad(data: &[u8]) -> Option<&[u8]> {
    let pad = usize::from(*data.last()?);
    if pad == 0 || pad > PAD_BLOCK || pad > data.len() {
        return None;
    }
    let (body, padding) = data.split_at_checked(data.len() - pad)?;
    padding.iter().all(|&b| usize::from(b) == pad).then_some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    #[test]
    fn round_trip_and_debug_hides_secrets() {
        let keys = CallbackKeys::new("tok-MARKER", KEY, "wx123").unwrap();
        let enc = keys.encrypt("<xml>你好</xml>", &[7u8; 16]).unwrap();
        assert_eq!(keys.decrypt(&enc).unwrap(), "<xml>你好</xml>");
        let dbg = format!("{keys:?}");
        assert!(!dbg.contains("MARKER") && dbg.contains("***") && dbg.contains("wx123"), "{dbg}");
        let other = CallbackKeys::new("tok", KEY, "wx999").unwrap();
        assert!(matches!(other.decrypt(&enc), Err(KfError::Callback { callback_kind: CallbackKind::Appid, .. })));
    }

    #[test]
    fn key_validation() {
        assert!(decode_encoding_aes_key(&KEY[..42]).is_err());
        assert!(decode_encoding_aes_key("!bcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").is_err());
        assert!(CallbackKeys::new("", KEY, "wx").is_err());
    }

    #[test]
    fn unpad_checks_every_byte() {
        assert_eq!(unpad(&[1, 2, 2]), Some(&[1u8][..]));
        assert_eq!(unpad(&[1, 3, 2]), None);
        assert_eq!(unpad(&[0]), None);
        assert_eq!(unpad(&[]), None);
        assert_eq!(unpad(&[33; 33]), None);
    }
}
