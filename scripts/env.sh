# Sourced by the task scripts: shared settings and idempotent tool installs.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Builds live outside the clone so CI and later sessions reuse them.
: "${CARGO_TARGET_DIR:=$HOME/.cache/wxkf/target}"
export CARGO_TARGET_DIR
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
TOOLS_DIR="$HOME/.cache/wxkf/tools"
mkdir -p "$TOOLS_DIR"

step() { printf '\n==> %s\n' "$*"; }

ensure_rust() {
  command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup first" >&2; exit 1; }
  local have
  have="$(rustup component list --installed 2>/dev/null || true)"
  for c in rustfmt clippy; do
    grep -q "^$c" <<<"$have" || rustup component add "$c"
  done
}

ensure_wasm_target() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
}

apt_updated=0
apt_install() {
  # apt_install BINARY PACKAGE: installs PACKAGE when BINARY is missing.
  command -v "$1" >/dev/null && return 0
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
