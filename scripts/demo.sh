#!/usr/bin/env bash
# The main job: a whole customer-service conversation through wxkf against the embedded emulator.
source "$(dirname "$0")/env.sh"
ensure_rust
cargo build -q -p wxkf-cli
exec "$CARGO_TARGET_DIR/debug/wxkf" demo
