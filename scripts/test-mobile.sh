#!/usr/bin/env bash
# Kotlin/Swift binding (bindings-mobile): builds the debug cdylib and the emulator once,
# generates Kotlin and Swift with the crate's own uniffi-bindgen (same UniFFI version) for its
# two UniFFI components (core's `wxkf_protocol`, the binding's `wxkf`; each crate's uniffi.toml
# names its package), checks them against core's operation table (`cargo xtask schema`), and
# runs the Rust unit tests plus the Kotlin JUnit suites (shared vectors, push vectors, the
# cross-runtime conformance scenario, end-to-end against the emulator).
source "$(dirname "$0")/env.sh"
ensure_rust
apt_install java openjdk-17-jdk-headless
apt_install mvn maven
apt_install python3 python3-minimal
T0=$SECONDS
took() { echo "    ($(( SECONDS - T0 )) s so far)"; }

step "build wxkf-mobile (debug cdylib + uniffi-bindgen) and the emulator"
cargo build -q -p wxkf-mobile -p wxkf-emulator
LIB="$CARGO_TARGET_DIR/debug/libwxkf_mobile.so"
[ -f "$LIB" ] || { echo "missing $LIB" >&2; exit 1; }

step "generate Kotlin and Swift (library mode: both components, each with its crate's uniffi.toml)"
GEN="$CARGO_TARGET_DIR/uniffi"
rm -rf "$GEN" && mkdir -p "$GEN"
"$CARGO_TARGET_DIR/debug/uniffi-bindgen" generate --library "$LIB" --language kotlin --out-dir "$GEN/kotlin" --no-format
# Swift: one source per component and one `WxkfFFI` module map over both headers.
"$CARGO_TARGET_DIR/debug/uniffi-bindgen-swift" --swift-sources --headers --modulemap --module-name WxkfFFI \
  --modulemap-filename WxkfFFI.modulemap "$LIB" "$GEN/swift"
cargo xtask schema >"$GEN/model.json"
bash bindings-mobile/scripts/check-generated.sh "$GEN" "$GEN/model.json"
took

step "Rust tests of wxkf-mobile"
cargo test -q -p wxkf-mobile --lib --tests
took

step "Kotlin suite on the JVM (JUnit 5, JNA, kotlinx-coroutines)"
cd bindings-mobile/kotlin
MVN_ARGS=(-B -q "-Dwxkf.generated=$GEN/kotlin" "-Dwxkf.libdir=$CARGO_TARGET_DIR/debug"
  "-Dwxkf.emulator=$CARGO_TARGET_DIR/debug/wxkf-emulator" "-Dwxkf.vectors=$ROOT/tests/vectors"
  "-Dwxkf.conformance=$ROOT/tests/conformance/scenario.json")
# Offline once the Maven cache holds this pom's artifacts; the first run fetches them.
STAMP="$HOME/.m2/.wxkf-mobile-$(sha1sum pom.xml | cut -c1-12)"
rm -rf target/surefire-reports
status=0
if [ -f "$STAMP" ]; then
  mvn -o "${MVN_ARGS[@]}" test || status=$?
else
  mvn "${MVN_ARGS[@]}" test || status=$?
  [ "$status" = 0 ] && touch "$STAMP"
fi
for report in target/surefire-reports/*.txt; do [ -f "$report" ] && grep -h "Tests run" "$report"; done
[ "$status" = 0 ] || { echo "Kotlin suite failed" >&2; exit "$status"; }
took
echo "bindings-mobile: all tests passed"
