#!/usr/bin/env bash
# Builds the Python binding's abi3 wheel once, installs it into a fresh virtual environment
# and runs its tests there: shared vectors (incl. push), unit tests, and end-to-end tests
# against the real emulator (sync, asyncio, the webhook and script examples).
source "$(dirname "$0")/env.sh"

MATURIN_VERSION=1.16.0
PYTEST_VERSION=8.4.2
MYPY_VERSION=1.20.2
PY="${PYTHON:-python3}"
CACHE="$HOME/.cache/wxkf"
TOOLS_VENV="$CACHE/venv-python"
WHEELHOUSE="$CACHE/wheelhouse-python"
TEST_VENV="$CACHE/venv-python-test"
WHEEL_DIR="$CARGO_TARGET_DIR/wheels-python"

step "toolchain"
ensure_rust
apt_install redis-server redis-server
"$PY" -c 'import sys; assert sys.version_info >= (3, 10), sys.version' || { echo "Python >= 3.10 needed" >&2; exit 1; }
# Debian splits venv/ensurepip out of python3: install it when missing.
if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
if [ ! -x "$TOOLS_VENV/bin/maturin" ] || [ "$("$TOOLS_VENV/bin/maturin" --version 2>/dev/null)" != "maturin $MATURIN_VERSION" ]; then
  "$PY" -m venv "$TOOLS_VENV"
  "$TOOLS_VENV/bin/pip" install -q "maturin==$MATURIN_VERSION"
fi
if ! ls "$WHEELHOUSE"/pytest-"$PYTEST_VERSION"-*.whl "$WHEELHOUSE"/mypy-"$MYPY_VERSION"-*.whl >/dev/null 2>&1; then
  "$TOOLS_VENV/bin/pip" download -q -d "$WHEELHOUSE" "pytest==$PYTEST_VERSION" "mypy==$MYPY_VERSION"
fi

step "build the emulator"
cargo build -q -p wxkf-emulator

step "build the wheel (maturin, abi3, debug profile)"
rm -rf "$WHEEL_DIR"
started=$(date +%s)
"$TOOLS_VENV/bin/maturin" build -q -m bindings-python/Cargo.toml -i "$PY" -o "$WHEEL_DIR" 2>&1 | grep -v '^📦\|^🍹\|^🐍\|^🔗' || true
wheel=$(ls "$WHEEL_DIR"/wxkf-*.whl)
echo "wheel: $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB, built in $(( $(date +%s) - started )) s)"

step "fresh virtual environment with the wheel"
"$PY" -m venv --clear "$TEST_VENV"
"$TEST_VENV/bin/pip" install -q --no-index --find-links "$WHEELHOUSE" "pytest==$PYTEST_VERSION" "mypy==$MYPY_VERSION"
"$TEST_VENV/bin/pip" install -q --no-deps "$wheel"
# Import time of the installed package (best of 3 fresh interpreters).
"$TEST_VENV/bin/python" - <<'PYEOF'
import subprocess, sys
def best(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
    return min(float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(3))
# asyncio is printed as a yardstick: the machine may be shared and loaded.
print(f"import wxkf: {best('wxkf'):.1f} ms, import asyncio: {best('asyncio'):.1f} ms (best of 3 each)")
PYEOF

step "pytest (vectors, push vectors, unit, e2e against the emulator, examples)"
cd bindings-python
WXKF_EMULATOR="$CARGO_TARGET_DIR/debug/wxkf-emulator" "$TEST_VENV/bin/python" -m pytest -q -p no:cacheprovider tests "$@"

step "mypy --strict on a typed usage file, and stubtest of the package against its stubs"
(cd tests && "$TEST_VENV/bin/python" -m mypy --strict --no-incremental typed_usage.py)
"$TEST_VENV/bin/python" -m mypy.stubtest wxkf --ignore-missing-stub

echo
echo "Python binding: all checks passed."
