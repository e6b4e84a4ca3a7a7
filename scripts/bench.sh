#!/usr/bin/env bash
# Regenerates BENCHMARKS.md and bench/throughput.png from one run on this machine.
# Usage: scripts/bench.sh [--smoke]. Every harness runs BENCH_REPS (3) times in turn, BENCH_SECONDS
# (5) per cell; report.py shows each cell's median repetition. --smoke: debug builds, one
# repetition, fractions of a second per cell, 20 000 records, results in a temp dir (the test
# command runs this to keep the harness working).
source "$(dirname "$0")/env.sh"
smoke=0; [ "${1:-}" = "--smoke" ] && smoke=1
if [ $smoke = 1 ]; then
  profile=debug; seconds=0.2; records=20000; reps=1; out="$(mktemp -d)"
  cargo build -q -p wxkf-emulator -p wxkf-bench
else
  profile=release; seconds="${BENCH_SECONDS:-5}"; records=1000000; reps="${BENCH_REPS:-3}"; out="$ROOT/bench/results"
  step "release build of the emulator and the harness"
  cargo build --release -p wxkf-emulator -p wxkf-bench
fi
mkdir -p "$out"
bin="$CARGO_TARGET_DIR/$profile"
rows="$out/rows.jsonl"; : > "$rows"

step "emulator (own process, loopback, faults off)"
"$bin/wxkf-emulator" --port 0 > "$out/emulator.out" 2>/dev/null &
emu=$!
trap 'kill $emu 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^listening on ' "$out/emulator.out" 2>/dev/null && break; sleep 0.05; done
url="$(sed -n 's/^listening on //p' "$out/emulator.out" | head -1)"
[ -n "$url" ] || { echo "emulator did not start" >&2; exit 1; }
echo "emulator at $url"

from=1767196800  # 2026-01-01 00:00 China time
to=$((from + 7 * 86400))
step "records: $records over 7 days (exported by each contender in its own process below)"
curl -sf -XPOST "$url/__admin/records/bulk" -H 'content-type: application/json' \
  -d "{\"start\": $from, \"end\": $to, \"count\": $records}" >/dev/null

# Every harness runs $reps times in turn (report.py shows each cell's median repetition).
for rep in $(seq "$reps"); do
  step "repetition $rep of $reps: Rust, wxkf vs raw reqwest (${seconds}s per cell)"
  "$bin/wxkf-bench" run --url "$url" --seconds "$seconds" --rep "$rep" | tee -a "$rows"

  step "repetition $rep of $reps: Rust record exports"
  for c in raw wxkf; do
    "$bin/wxkf-bench" export --url "$url" --contender $c --from $from --to $to | tee -a "$rows"
  done

  if [ $smoke = 0 ] && command -v go >/dev/null; then
    step "repetition $rep of $reps: Go reference, silenceper/wechat vs raw net/http"
    (cd bench/go && GOPATH="$HOME/.cache/wxkf/go" GOFLAGS=-modcacherw go build -o "$HOME/.cache/wxkf/bench-go" .)
    "$HOME/.cache/wxkf/bench-go" "$url" "$seconds" | tee -a "$rows"
  fi

  # Binding rows: each binding's benchmark script, when present, appends JSON rows the same way.
  for script in bindings-python/benches/bench.sh bindings-wasm/benches/bench.sh; do
    if [ -f "$script" ] && [ $smoke = 0 ]; then
      step "repetition $rep of $reps: $script"
      bash "$script" "$url" "$seconds" "$from" "$to" >> "$rows" || echo "($script failed; its rows are missing)"
    fi
  done
done

if [ $smoke = 0 ]; then
  step "instructions per build+parse of one send (callgrind)"
  apt_install valgrind valgrind
  count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin/wxkf-bench" instructions --n "$1" 2>&1 \
      | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
  }
  one=$(count 1); many=$(count 1001)
  echo "{\"runtime\": \"rust\", \"contender\": \"wxkf\", \"workload\": \"instructions\", \"per_request\": $(( (many - one) / 1000 ))}" | tee -a "$rows"

  step "report"
  venv="$HOME/.cache/wxkf/venv-bench"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -c 'import matplotlib' 2>/dev/null || "$venv/bin/pip" install -q matplotlib
  "$venv/bin/python" bench/report.py "$rows" BENCHMARKS.md bench/throughput.png
else
  python3 bench/report.py "$rows" "$out/BENCHMARKS.md" ""
  python3 - "$rows" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
bad = [r for r in rows if r.get("errors", 0)]
assert len(rows) >= 12, f"bench smoke: {len(rows)} rows, expected at least 12"
assert not bad, f"bench smoke: rows with errors: {bad}"
assert any(r["workload"] == "cold_100" and r["contender"] == "wxkf" and r["token_fetches"] == 1 for r in rows)
print(f"bench smoke: {len(rows)} rows, no errors")
PY
fi
