#!/usr/bin/env bash
# Node rows for `make bench` (the package must be built: scripts/test-wasm.sh does it).
# Usage: bench.sh URL SECONDS [FROM TO]
set -euo pipefail
cd "$(dirname "$0")"
[ -f ../pkg/gen/wxkf_wasm_bg.wasm ] || { echo "build the package first (scripts/test-wasm.sh)" >&2; exit 1; }
[ -d node_modules/wechat-api ] || npm install --silent --no-audit --no-fund >&2
node bench.mjs "$@"
if [ $# -ge 4 ]; then
  for contender in "wxkf" "wxkf (fetch)" "raw node:http"; do node export.mjs "$1" "$3" "$4" "$contender"; done
fi
