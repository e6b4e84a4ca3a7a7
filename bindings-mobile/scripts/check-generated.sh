#!/usr/bin/env bash
# Checks the generated bindings against core: every operation of core's table (read from
# MODEL, the output of `cargo xtask schema`) is a `suspend fun` in Kotlin and an
# `async throws` func in Swift; the record walk, host protocols, errors and webhook exist; the
# two UniFFI components (the binding's `wxkf`, core's `wxkf_protocol`) are wired together —
# Kotlin packages `wxkf` and `wxkf.protocol`, Swift sources of one module with one `WxkfFFI`
# clang module — as far as that can be checked without a Swift toolchain.
# Usage: check-generated.sh GEN_DIR MODEL_JSON
set -euo pipefail
GEN="$1"
MODEL="$2"
KT_FILES=("$GEN/kotlin/wxkf/wxkf.kt" "$GEN/kotlin/wxkf/protocol/wxkf_protocol.kt")
SWIFT_FILES=("$GEN/swift/Wxkf.swift" "$GEN/swift/WxkfProtocol.swift")
for f in "${KT_FILES[@]}" "${SWIFT_FILES[@]}" "$GEN/swift/WxkfFFI.h" "$GEN/swift/WxkfProtocolFFI.h" "$GEN/swift/WxkfFFI.modulemap" "$MODEL"; do
  [ -s "$f" ] || { echo "not generated: $f" >&2; exit 1; }
done
# Normalised copies: no backticks (Kotlin quotes every name), one space between tokens.
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
norm() { tr -d '`' <"$1" | sed -E 's/\)(async|throws)/) \1/g; s/[[:space:]]+/ /g'; }
KT="$TMP/wxkf.kt"
SWIFT="$TMP/Wxkf.swift"
norm "${KT_FILES[0]}" >"$KT"
cat "${SWIFT_FILES[@]}" | tr -d '`' | sed -E 's/\)(async|throws)/) \1/g; s/[[:space:]]+/ /g' >"$SWIFT"
fail=0
# The operations: core's table, camelCased.
OPS="$(python3 -c 'import json,sys; print(" ".join(o["name"] for o in json.load(open(sys.argv[1]))["operations"]))' "$MODEL" |
  sed -E 's/_([a-z])/\U\1/g')"
n=0
for op in $OPS; do
  n=$((n + 1))
  grep -Eq "override suspend fun $op\(" "$KT" || { echo "Kotlin: $op is not a suspend fun" >&2; fail=1; }
  grep -Eq "open func $op\(.*\) async throws" "$SWIFT" || { echo "Swift: $op is not async throws" >&2; fail=1; }
done
[ "$n" -ge 17 ] || { echo "only $n operations in $MODEL" >&2; fail=1; }
# Defaults of the table reach Kotlin (`getMsgList(…, msgid = 1L, number = 10000L)`, …).
grep -Eq 'fun getMsgList\([^)]*msgid: kotlin.Long = 1L, number: kotlin.Long = 10000L\)' "$KT" || { echo "Kotlin: getMsgList defaults" >&2; fail=1; }
grep -Eq 'fun uploadKfHeadImg\([^)]*filename: kotlin.String\? = null\)' "$KT" || { echo "Kotlin: uploadKfHeadImg filename" >&2; fail=1; }
# Besides the table: the cached token, the record walk (created synchronously, pages async).
grep -Eq "override suspend fun accessToken\(" "$KT" || { echo "Kotlin: accessToken" >&2; fail=1; }
for fn in msgRecords resumeMsgRecords; do
  grep -Eq "override fun $fn\(" "$KT" || { echo "Kotlin: $fn" >&2; fail=1; }
  grep -Eq "open func $fn\(" "$SWIFT" || { echo "Swift: $fn" >&2; fail=1; }
done
grep -Eq "override suspend fun nextPage\(" "$KT" || { echo "Kotlin: nextPage" >&2; fail=1; }
grep -Eq "open func nextPage\(\) async throws" "$SWIFT" || { echo "Swift: nextPage" >&2; fail=1; }
# Host-implemented protocols are async in both languages.
grep -Eq "suspend fun send\(request: HttpRequest\) ?: HttpResponse" "$KT" || { echo "Kotlin: HttpTransport.send" >&2; fail=1; }
grep -Eq "func send\(request: HttpRequest\) async throws -> HttpResponse" "$SWIFT" || { echo "Swift: HttpTransport.send" >&2; fail=1; }
grep -Eq "suspend fun token\(failed: kotlin.String\?\) ?: AccessToken\?" "$KT" || { echo "Kotlin: TokenProvider.token" >&2; fail=1; }
grep -Eq "func token\(failed: String\?\) async throws -> AccessToken\?" "$SWIFT" || { echo "Swift: TokenProvider.token" >&2; fail=1; }
# The production guards: constructors take them, the budget and push calls are async, the
# host's store and fallback are async protocols.
grep -Eq "fun withStableToken\([^)]*guards: GuardOptions\? = null, guardStore: KvStore\? = null, budgetFallback: BudgetFallback\? = null, tokenStore: KvStore\? = null\)" "$KT" || { echo "Kotlin: constructors' guards" >&2; fail=1; }
for fn in budget recordAction acceptPush; do
  grep -Eq "override suspend fun $fn\(" "$KT" || { echo "Kotlin: $fn" >&2; fail=1; }
  grep -Eq "open func $fn\(.*\) async throws" "$SWIFT" || { echo "Swift: $fn" >&2; fail=1; }
done
grep -Eq "suspend fun compareAndSet\(key: kotlin.String, expected: kotlin.String\?, value: kotlin.String, ttlMs: kotlin.ULong\) ?: kotlin.Boolean\?" "$KT" || { echo "Kotlin: KvStore.compareAndSet" >&2; fail=1; }
grep -Eq "suspend fun refused\(openid: kotlin.String, error: KfException\)" "$KT" || { echo "Kotlin: BudgetFallback.refused" >&2; fail=1; }
grep -Eq "func refused\(openid: String, error: KfError\) async" "$SWIFT" || { echo "Swift: BudgetFallback.refused" >&2; fail=1; }
# Errors: core's KfError (declared by this component: see src/kf_error.rs), a sealed Kotlin
# exception hierarchy and a Swift Error enum; no function left out for throwing it.
grep -q "sealed class KfException" "$KT" || { echo "Kotlin: KfException in wxkf" >&2; fail=1; }
if grep -q "isn't supported" "${KT_FILES[@]}"; then echo "Kotlin: callables left out: $(grep -h "isn't supported" "${KT_FILES[@]}")" >&2; fail=1; fi
grep -q "public enum KfError: Swift.Error" "$SWIFT" || { echo "Swift: KfError" >&2; fail=1; }
# The webhook (synchronous: pure computation).
for fn in checkUrl open reply; do
  grep -Eq "override fun $fn\(" "$KT" || { echo "Kotlin: Webhook.$fn" >&2; fail=1; }
  grep -Eq "open func $fn\([^{]*\) throws -> " "$SWIFT" || { echo "Swift: Webhook.$fn" >&2; fail=1; }
done
# Kotlin: one package per component, the binding importing core's types from its package.
grep -q "^package wxkf$" "${KT_FILES[0]}" || { echo "Kotlin: package wxkf" >&2; fail=1; }
grep -q "^package wxkf.protocol$" "${KT_FILES[1]}" || { echo "Kotlin: package wxkf.protocol" >&2; fail=1; }
grep -q "^import wxkf.protocol.Message$" "${KT_FILES[0]}" || { echo "Kotlin: wxkf imports wxkf.protocol" >&2; fail=1; }
# Swift: both sources import the one clang module, which holds both headers.
for f in "${SWIFT_FILES[@]}"; do
  grep -q "^import WxkfFFI$" "$f" || { echo "Swift: $f does not import WxkfFFI" >&2; fail=1; }
done
for h in WxkfFFI.h WxkfProtocolFFI.h; do
  grep -q "header \"$h\"" "$GEN/swift/WxkfFFI.modulemap" || { echo "Swift: $h not in the module map" >&2; fail=1; }
done
# One module, two files: no top-level name declared in both unless file-private.
decls() { grep -oE '^(public |internal |open )?(final )?(class|struct|enum|protocol|typealias|func|let|var) [A-Za-z_][A-Za-z0-9_]*' "$1" | awk '{print $NF}' | sort -u; }
dups="$(comm -12 <(decls "${SWIFT_FILES[0]}") <(decls "${SWIFT_FILES[1]}"))"
[ -z "$dups" ] || { echo "Swift: declared in both files: $dups" >&2; fail=1; }
# Every cross-file converter a source calls is public in one of them; every C function it calls
# is declared in one of the headers.
for f in "${SWIFT_FILES[@]}"; do
  for fn in $(grep -oE 'FfiConverterType[A-Za-z0-9_]+_(lift|lower)' "$f" | sort -u); do
    grep -q "^public func $fn(" "${SWIFT_FILES[@]}" || { echo "Swift: $fn used in $f, public nowhere" >&2; fail=1; }
  done
  for fn in $(grep -oE '\b(uniffi|ffi)_wxkf[a-z_0-9]*' "$f" | sort -u); do
    grep -q "\b$fn(" "$GEN/swift/WxkfFFI.h" "$GEN/swift/WxkfProtocolFFI.h" || { echo "Swift: $fn used in $f, in no header" >&2; fail=1; }
  done
done
# The Swift usage example (examples/swift) calls only what the generated Swift declares.
EXAMPLES="$(dirname "$0")/../../examples/swift/Sources"
used=0
if [ -d "$EXAMPLES" ]; then
  for name in $(cat "$EXAMPLES"/*/*.swift | grep -oE '(client|webhook|walk|request)\.[a-z][A-Za-z]*\(' | sed -E 's/^[a-z]+\.//; s/\($//' | sort -u); do
    used=$((used + 1))
    grep -Eq "(open|public) (static )?func $name\(" "$SWIFT" || { echo "examples/swift calls $name, which the generated Swift lacks" >&2; fail=1; }
  done
  for type in $(cat "$EXAMPLES"/*/*.swift | grep -oE '\b(Client|Webhook|AccessToken|HttpResponse|Message|MenuItem|UrlQuery|PushQuery|KfError|MessageContent|Reply|TokenProvider|HttpTransport)\b' | sort -u); do
    grep -Eq "(class|struct|enum|protocol) $type\b" "$SWIFT" || { echo "examples/swift uses $type, which the generated Swift lacks" >&2; fail=1; }
  done
else
  echo "missing $EXAMPLES" >&2
  fail=1
fi
[ "$fail" = 0 ] || exit 1
echo "examples/swift: the $used methods it calls exist in the generated Swift"
echo "generated bindings: the $n operations of core's table async in Kotlin and Swift; record walk, host protocols, errors, webhook and the two components' wiring present"
