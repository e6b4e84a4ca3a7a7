#!/usr/bin/env bash
# Runs every check and test of the project; installs what it needs (idempotent).
source "$(dirname "$0")/env.sh"

step "toolchain"
ensure_rust
ensure_wasm_target
apt_install redis-server redis-server

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (all targets, warnings denied)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "generated host-language layers match core (cargo xtask gen --check; make gen rewrites them)"
cargo fmt --manifest-path xtask/Cargo.toml --check
cargo clippy --manifest-path xtask/Cargo.toml -- -D warnings
cargo xtask gen --check

step "core builds for wasm32-unknown-unknown"
cargo build -p wxkf-core --target wasm32-unknown-unknown

step "cargo test (workspace)"
cargo test --workspace --all-features

# The bindings: each script installs its tools, builds its artifact once and runs its suites
# (shared vectors, push vectors, unit tests, e2e against the emulator, examples).
for binding in wasm python mobile; do
  step "bindings-$binding (scripts/test-$binding.sh)"
  bash "scripts/test-$binding.sh"
done

step "benchmark harness smoke (fractions of a second per cell; make bench runs the real one)"
bash scripts/bench.sh --smoke | tail -1

# Last, all of it: it reuses the builds above (the binding scripts' wasm, wheel, library and
# emulator). Warm, on the shared 2 cores (2026-11-30): 133 s — the crates 72 s (half of it the
# publish dry-run), the binding artifacts about a minute (npm 9 s, Python 15 s, the Kotlin/JVM
# artifact and the project using it 36 s, mostly kotlinc). First run on a new machine: the tools
# (cargo-deny, npm and PyPI tools, Maven plugins) a minute or two, and the sdist's dependencies
# built once into their own target dir, a few minutes.
step "release check (make release-check: crates, npm, Python, Maven artifacts as their registries and users see them)"
bash scripts/release-check.sh

echo
echo "All checks passed."
