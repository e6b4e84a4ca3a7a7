//! What Rust shows of the host-facing objects never holds a token.

#[test]
fn an_access_token_is_never_in_debug() {
    let t = wxkf_mobile::AccessToken::new("MARKER-TOKEN".into(), 7200);
    assert!(!format!("{t:?}").contains("MARKER"), "{t:?}");
    assert_eq!((t.access_token().as_str(), t.expires_in_secs(), t.expires_at_ms()), ("MARKER-TOKEN", Some(7200), None));
}
