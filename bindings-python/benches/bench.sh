#!/usr/bin/env bash
# Python rows for `make bench`: a release wheel in a cached venv with httpx and wechatpy.
# Usage: bench.sh URL SECONDS [FROM TO] (called by scripts/bench.sh with a running emulator).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${CARGO_TARGET_DIR:=$HOME/.cache/wxkf/target}"
venv="$HOME/.cache/wxkf/venv-python-bench"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import httpx, wechatpy, cryptography' 2>/dev/null ||
  "$venv/bin/pip" install -q httpx wechatpy cryptography >&2
maturin="$HOME/.cache/wxkf/venv-python/bin/maturin" # installed by scripts/test-python.sh
[ -x "$maturin" ] || { "$venv/bin/pip" install -q maturin==1.16.0 >&2; maturin="$venv/bin/maturin"; }
"$maturin" build -q --release -m bindings-python/Cargo.toml -i "$venv/bin/python" -o "$CARGO_TARGET_DIR/wheels-python-release" >&2
"$venv/bin/pip" install -q --force-reinstall --no-deps "$(ls -t "$CARGO_TARGET_DIR"/wheels-python-release/wxkf-*.whl | head -1)" >&2
# The floor row: raw reqwest called from Python (bindings-python/benches/floor).
"$maturin" build -q --release -m bindings-python/benches/floor/Cargo.toml -i "$venv/bin/python" -o "$CARGO_TARGET_DIR/wheels-bench-floor" >&2
"$venv/bin/pip" install -q --force-reinstall --no-deps "$(ls -t "$CARGO_TARGET_DIR"/wheels-bench-floor/wxkf_bench_floor-*.whl | head -1)" >&2
"$venv/bin/python" bindings-python/benches/bench_rows.py "$@"
