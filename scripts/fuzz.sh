#!/usr/bin/env bash
# Fuzzes core's parsers, push crypto, validators and multipart builder with libFuzzer.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET=60] [TARGET...]. Needs the nightly toolchain and
# cargo-fuzz (both installed here on first use). Prints executions per target and in total.
source "$(dirname "$0")/env.sh"
secs="${1:-60}"; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_responses push_open safe_mode_crypto validate_and_build multipart)

step "toolchain (nightly + cargo-fuzz)"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
FUZZ_BIN="$TOOLS_DIR/cargo-fuzz/bin"
if ! [ -x "$FUZZ_BIN/cargo-fuzz" ] && ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --version 0.13.2 --locked --root "$TOOLS_DIR/cargo-fuzz"
fi
export PATH="$FUZZ_BIN:$PATH"
export CARGO_TARGET_DIR="$HOME/.cache/wxkf/target-fuzz"

corpus="$HOME/.cache/wxkf/fuzz-corpus"
python3 fuzz/seed.py "$corpus"
total=0
cd fuzz
step "build the fuzz targets (release, coverage instrumentation)"
cargo +nightly fuzz build --sanitizer none
for t in "${targets[@]}"; do
  step "fuzz $t for ${secs}s"
  mkdir -p "$corpus/$t" artifacts/$t
  log="$(mktemp)"
  cargo +nightly fuzz run --sanitizer none "$t" "$corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=1024 -max_len=65536 \
    -artifact_prefix="artifacts/$t/" -print_final_stats=1 2>"$log" || { tail -40 "$log"; echo "fuzz $t: CRASH (input in fuzz/artifacts/$t/)"; exit 1; }
  runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  echo "fuzz $t: ${runs:-0} executions, no crash"
  total=$((total + ${runs:-0}))
  rm -f "$log"
done
echo
echo "fuzz total: $total executions without a crash"
