//! Every README that lists the message kinds keeps `mpnews` and calls it legacy next to
//! `mpnewsarticle` (issue 17): users of old SDKs still find it, new code is pointed away.

use std::path::PathBuf;

/// The documents that list message kinds.
const LISTS: [&str; 6] = [
    "README.md",
    "ARCHITECTURE.md",
    "bindings-wasm/pkg/README.md",
    "bindings-python/README.md",
    "bindings-mobile/README.md",
    "emulator/README.md",
];

/// Whether `text` holds `word` as a word of its own (`mpnews`, not `mpnewsarticle`).
fn has_word(text: &str, word: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.match_indices(word).any(|(i, _)| {
        let after = lower[i + word.len()..].chars().next();
        !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

#[test]
fn mpnews_is_listed_as_legacy_next_to_mpnewsarticle() {
    // The directory at run time (cargo sets it): a test binary reused from another checkout of
    // the same target directory (cargo does not rebuild for a path change) reads this one's files.
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("..");
    for file in LISTS {
        let text = std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let paragraphs: Vec<&str> = text
            .split("\n\n")
            .filter(|p| has_word(p, "mpnews") && p.to_ascii_lowercase().contains("mpnewsarticle"))
            .collect();
        assert!(!paragraphs.is_empty(), "{file} lists no message kinds with mpnews and mpnewsarticle");
        for p in paragraphs {
            assert!(p.to_ascii_lowercase().contains("legacy"), "{file}: mpnews is not called legacy in:\n{p}");
        }
    }
}
