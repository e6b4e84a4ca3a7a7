#!/usr/bin/env bash
# Checks the generated bindings expose every operation of the names table: as a `suspend fun`
# in Kotlin and as an `async throws` func in Swift (Swift cannot be compiled on this machine),
# plus the host protocols, the error types and the push API.
# Usage: check-generated.sh GEN_DIR (holding kotlin/wxkf/wxkf.kt and swift/Wxkf.swift)
set -euo pipefail
GEN="$1"
for f in "$GEN/kotlin/wxkf/wxkf.kt" "$GEN/swift/Wxkf.swift" "$GEN/swift/WxkfFFI.h" "$GEN/swift/WxkfFFI.modulemap"; do
  [ -s "$f" ] || { echo "not generated: $f" >&2; exit 1; }
done
# Normalised copies: no backticks (Kotlin quotes every name), one space between tokens.
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
KT="$TMP/wxkf.kt"
SWIFT="$TMP/Wxkf.swift"
tr -d '`' <"$GEN/kotlin/wxkf/wxkf.kt" | sed -E 's/\)(async|throws)/) \1/g; s/[[:space:]]+/ /g' >"$KT"
tr -d '`' <"$GEN/swift/Wxkf.swift" | sed -E 's/\)(async|throws)/) \1/g; s/[[:space:]]+/ /g' >"$SWIFT"
OPS="addKfAccount updateKfAccount delKfAccount getKfList getKfOnlineList inviteWorker uploadKfHeadImg
sendMessage sendTyping createKfSession closeKfSession getKfSession getKfSessionList getWaitCaseList
getMsgList accessToken fetchStableAccessToken"
fail=0
n=0
for op in $OPS; do
  n=$((n + 1))
  grep -Eq "override suspend fun $op\(" "$KT" || { echo "Kotlin: $op is not a suspend fun" >&2; fail=1; }
  grep -Eq "open func $op\([^)]*\) async throws" "$SWIFT" || { echo "Swift: $op is not async throws" >&2; fail=1; }
done
# The record walk: created synchronously, pages pulled asynchronously.
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
# Errors: a sealed Kotlin exception hierarchy and a Swift Error enum.
grep -q "sealed class KfException" "$KT" || { echo "Kotlin: KfException" >&2; fail=1; }
grep -q "public enum KfError: Swift.Error" "$SWIFT" || { echo "Swift: KfError" >&2; fail=1; }
# The push API (synchronous: pure computation).
for fn in checkUrl openPush openPushGuarded buildReply; do
  grep -Eq "override fun $fn\(" "$KT" || { echo "Kotlin: $fn" >&2; fail=1; }
  grep -Eq "open func $fn\([^{]*\) throws -> " "$SWIFT" || { echo "Swift: $fn" >&2; fail=1; }
done
grep -q "module WxkfFFI" "$GEN/swift/WxkfFFI.modulemap" || { echo "Swift: module map" >&2; fail=1; }
grep -q "^package wxkf$" "$GEN/kotlin/wxkf/wxkf.kt" || { echo "Kotlin: package wxkf" >&2; fail=1; }
# The Swift usage example (examples/swift) calls only what the generated Swift declares.
EXAMPLES="$(dirname "$0")/../../examples/swift/Sources"
used=0
if [ -d "$EXAMPLES" ]; then
  for name in $(cat "$EXAMPLES"/*/*.swift | grep -oE '(client|config|walk|request)\.[a-z][A-Za-z]*\(' | sed -E 's/^[a-z]+\.//; s/\($//' | sort -u); do
    used=$((used + 1))
    grep -Eq "(open|public) (static )?func $name\(" "$SWIFT" || { echo "examples/swift calls $name, which the generated Swift lacks" >&2; fail=1; }
  done
  for type in $(cat "$EXAMPLES"/*/*.swift | grep -oE '\b(Client|CallbackConfig|ReplayGuard|AccessToken|HttpResponse|Message|MenuItem|UrlQuery|PushQuery|KfError|MessageContent|Reply|TokenProvider|HttpTransport)\b' | sort -u); do
    grep -Eq "(class|struct|enum|protocol) $type\b" "$SWIFT" || { echo "examples/swift uses $type, which the generated Swift lacks" >&2; fail=1; }
  done
else
  echo "missing $EXAMPLES" >&2
  fail=1
fi
[ "$fail" = 0 ] || exit 1
echo "examples/swift: the $used methods it calls exist in the generated Swift"
echo "generated bindings: $n operations async in Kotlin and Swift; record walk, host protocols, errors and push API present"
