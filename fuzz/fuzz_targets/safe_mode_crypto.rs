//! Safe-mode AES: any ciphertext decrypts to a result or a typed error; any plaintext
//! round-trips through encrypt/decrypt unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxkf::callback::CallbackKeys;

fuzz_target!(|data: &[u8]| {
    let Ok(keys) = CallbackKeys::new("fuzztoken", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxfuzz0000000001")
    else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    let _ = keys.decrypt(&text);
    let random16: [u8; 16] = core::array::from_fn(|i| data.get(i).copied().unwrap_or(0));
    if let Ok(encrypted) = keys.encrypt(&text, &random16) {
        match keys.decrypt(&encrypted) {
            Ok(plain) => assert_eq!(plain, text, "round trip changed the text"),
            Err(e) => panic!("own ciphertext refused: {e}"),
        }
    }
    // A key of any text: a validation error or keys, never a panic.
    if data.len() < 128 {
        let _ = CallbackKeys::new("t", &text, "wx");
    }
});
