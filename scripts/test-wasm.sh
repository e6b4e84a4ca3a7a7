#!/usr/bin/env bash
# Builds the npm package `wxkf` (bindings-wasm) and runs all of its tests: the shared vectors
# (push vectors too) in Node, the JS unit tests, tsc against a typed usage file, the e2e
# scenario and the cross-runtime conformance scenario against the emulator in Node, Deno and
# workerd, the Node webhook example e2e
# (issue 8), the secrets scan and bad input from JS (issue 10), the size budget, and
# `npm pack` installed into a fresh project.
# Installs what it needs (idempotent, cached under ~/.cache/wxkf).
#
# `--build-only` (for scripts/release-check.sh) stops once bindings-wasm/pkg holds the built
# package, and keeps a pkg/gen that is newer than the wasm cargo produced (the test run made it).
: "${CARGO_TARGET_DIR:=$HOME/.cache/wxkf/target-wasm}"
export CARGO_TARGET_DIR
source "$(dirname "$0")/env.sh"
BUILD_ONLY=0
[ "${1:-}" = --build-only ] && BUILD_ONLY=1

WASM_BINDGEN_VERSION=0.2.130 # = the exact `wasm-bindgen` pin in bindings-wasm/Cargo.toml
NIGHTLY=nightly-2026-05-20 # pinned: builds the shipped wasm with build-std (see below)
# The gzipped wasm's budget: the test fails past it. 150 KiB (issues 5 and 19) until the
# production guards (issue 18) came in: with them 163 KiB (measured 2026-11-30; without, 147),
# of which their logic ~7.5 KiB and its serde and JS surface the rest. 169 KiB since a record
# page stays in the wasm as its JSON text and each record is parsed as it crosses (issue 19,
# +4.3 KiB gzipped, measured 2026-11-30): the wasm's memory on a 10,000-record page 4.2 -> 2.5 MB.
SIZE_BUDGET_GZ=$((169 * 1024))
PKG="$ROOT/bindings-wasm/pkg"
TESTS="$ROOT/bindings-wasm/tests"

step "toolchain (rust, wasm32 target, binaryen, node, wasm-bindgen-cli $WASM_BINDGEN_VERSION)"
ensure_rust
ensure_wasm_target
apt_install wasm-opt binaryen
command -v node >/dev/null || apt_install node nodejs
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  { echo "Node >= 20 is required (found $(node --version))" >&2; exit 1; }
WB_ROOT="$TOOLS_DIR/wasm-bindgen-$WASM_BINDGEN_VERSION"
WASM_BINDGEN="$WB_ROOT/bin/wasm-bindgen"
if ! [ -x "$WASM_BINDGEN" ] || ! "$WASM_BINDGEN" --version | grep -q " $WASM_BINDGEN_VERSION"; then
  # Not --locked: the registry mirror here lags a patch release of a dependency (TOOLCHAIN.md).
  CARGO_TARGET_DIR="$HOME/.cache/wxkf/target-wasm-tools" \
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$WB_ROOT"
fi

if [ "$BUILD_ONLY" = 0 ]; then
  step "cargo fmt --check and clippy of the wasm crate (wasm32 target, warnings denied)"
  cargo fmt -p wxkf-wasm --check
  cargo clippy -p wxkf-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings

  step "emulator (debug)"
  cargo build -p wxkf-emulator
  export WXKF_EMULATOR="$CARGO_TARGET_DIR/debug/wxkf-emulator"
fi

step "wasm (release, $NIGHTLY build-std: opt-level z, LTO, one codegen unit, panic=immediate-abort)"
# Why nightly: rebuilding std with `panic = "immediate-abort"` and core's `optimize_for_size`
# drops the panic messages, locations and formatting std carries (163 KiB -> 147 KiB gzipped,
# measured 2026-11-29). A stable build (`cargo build --release`) works the same, only larger.
rustup toolchain list | grep -q "^$NIGHTLY" || rustup toolchain install "$NIGHTLY" --profile minimal
rustup component list --toolchain "$NIGHTLY" --installed | grep -q '^rust-src' ||
  rustup component add rust-src --toolchain "$NIGHTLY"
started=$(date +%s)
# Not strip=true: wasm-bindgen reads the target_features section; wasm-opt strips the rest.
# RUSTFLAGS: `aes_compact` picks the aes crate's compact software AES (safe-mode pushes only:
# speed does not matter there), `location-detail=none` drops the source paths panics would
# print (an immediate abort prints nothing). Together about 1.3 KiB gzipped (measured).
RUSTFLAGS="--cfg aes_compact -Zlocation-detail=none" \
  CARGO_PROFILE_RELEASE_OPT_LEVEL=z CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
  CARGO_PROFILE_RELEASE_PANIC=immediate-abort CARGO_PROFILE_RELEASE_DEBUG=false \
  cargo "+$NIGHTLY" build -p wxkf-wasm --target wasm32-unknown-unknown --release \
  -Zpanic-immediate-abort -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
echo "wasm build: $(($(date +%s) - started)) s"
WASM_IN="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/wxkf_wasm.wasm"
if [ "$BUILD_ONLY" = 1 ] && [ "$PKG/gen/wxkf_wasm_bg.wasm" -nt "$WASM_IN" ] && [ "$PKG/gen/wxkf_wasm.js" -nt "$WASM_IN" ]; then
  echo "bindings-wasm/pkg/gen is newer than the wasm cargo built: kept"
  exit 0
fi
rm -rf "$PKG/gen"
# wasm-opt runs BEFORE wasm-bindgen: binaryen 108 (Debian's) corrupts the externref table that
# wasm-bindgen adds (even a plain round trip fails in V8), while the raw Rust module is fine.
# `--low-memory-unused` holds for Rust's layout: the stack comes first and grows down from
# 1 MiB, so the low 1 KiB is its far end, reached only by an overflow (1 KiB gzipped, measured).
# `--flatten --rereloop -Oz -Oz` rebuilds the control flow and optimizes it again: 2 KiB gzipped
# for 6 s more (measured 2026-11-30).
before=$(stat -c %s "$WASM_IN")
wasm-opt -Oz --converge --flatten --rereloop -Oz -Oz --low-memory-unused --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  -o "$CARGO_TARGET_DIR/wxkf_wasm.opt.wasm" "$WASM_IN"
"$WASM_BINDGEN" --target web --out-dir "$PKG/gen" --out-name wxkf_wasm --no-typescript \
  --remove-name-section --remove-producers-section "$CARGO_TARGET_DIR/wxkf_wasm.opt.wasm"
raw=$(stat -c %s "$PKG/gen/wxkf_wasm_bg.wasm")
gz=$(gzip -9 -c "$PKG/gen/wxkf_wasm_bg.wasm" | wc -c)
js_gz=$(gzip -9 -c "$PKG/gen/wxkf_wasm.js" "$PKG"/lib/*.js | wc -c)
echo "wasm: $before B from cargo, $raw B after wasm-opt -Oz + wasm-bindgen, $gz B gzipped ($((gz / 1024)) KiB); JS glue $js_gz B gzipped"
[ "$gz" -le "$SIZE_BUDGET_GZ" ] ||
  { echo "the wasm is $gz B gzipped, over its budget of $SIZE_BUDGET_GZ B" >&2; exit 1; }
[ "$BUILD_ONLY" = 1 ] && exit 0

step "test dependencies (npm: typescript, deno, miniflare/workerd)"
cd "$TESTS"
if ! [ -x node_modules/.bin/tsc ] || ! [ -x node_modules/.bin/deno ] || ! [ -d node_modules/miniflare ] ||
  [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# The package under test, as `import "wxkf"` sees it (tests and the Node example).
ln -sfn ../../pkg node_modules/wxkf
mkdir -p "$ROOT/examples/node/node_modules"
ln -sfn ../../../bindings-wasm/pkg "$ROOT/examples/node/node_modules/wxkf"

step "tsc --noEmit: index.d.ts against a typed usage file"
node_modules/.bin/tsc -p tsconfig.json

step "node --test: vectors, unit tests, e2e (Node, Deno, workerd), webhook example e2e, guards, secrets scan, bad input"
node --test --test-reporter=spec vectors.test.mjs unit.test.mjs e2e.test.mjs webhook.test.mjs guards.test.mjs secrets.test.mjs bad_input.test.mjs

step "npm pack, install the tarball into a fresh project, import it there"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(cd "$PKG" && npm pack --silent --pack-destination "$scratch" >/dev/null)
tarball="$(ls "$scratch"/wxkf-*.tgz)"
echo "tarball: $(basename "$tarball"), $(stat -c %s "$tarball") B"
mkdir -p "$scratch/app"
cd "$scratch/app"
echo '{"name":"app","private":true,"type":"module"}' >package.json
npm install --no-audit --no-fund --loglevel=error "$tarball"
cp "$TESTS/pack_check.mjs" . && node pack_check.mjs

echo
echo "bindings-wasm: all checks passed."
