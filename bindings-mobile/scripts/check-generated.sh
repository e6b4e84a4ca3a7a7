#!/usr/bin/env bash
# Checks the generated bindings expose every operation of the names table: as a `suspend fun`
# in Kotlin and as an `async throws` func in Swift (Swift cannot be compiled on this machine).
# Usage: check-generated.sh GEN_DIR (holding kotlin/wxkf/wxkf.kt and swift/wxkf.swift)
set -euo pipefail
GEN="$1"
KT="$GEN/kotlin/wxkf/wxkf.kt"
SWIFT="$GEN/swift/wxkf.swift"
for f in "$KT" "$SWIFT" "$GEN/swift/WxkfFFI.h" "$GEN/swift/WxkfFFI.modulemap"; do
  [ -s "$f" ] || { echo "not generated: $f" >&2; exit 1; }
done
OPS="addKfAccount updateKfAccount delKfAccount getKfList getKfOnlineList inviteWorker uploadKfHeadImg
sendMessage sendTyping createKfSession closeKfSession getKfSession getKfSessionList getWaitCaseList
getMsgList accessToken fetchStableAccessToken"
fail=0
for op in $OPS; do
  grep -Eq "override suspend fun $op\(" "$KT" || { echo "Kotlin: $op is not a suspend fun" >&2; fail=1; }
  grep -Eq "open func $op\([^)]*\) async throws" "$SWIFT" || { echo "Swift: $op is not async throws" >&2; fail=1; }
done
# The record walk: created synchronously, pages pulled asynchronously.
grep -Eq "override suspend fun nextPage\(" "$KT" || { echo "Kotlin: nextPage" >&2; fail=1; }
grep -Eq "open func nextPage\(\) async throws" "$SWIFT" || { echo "Swift: nextPage" >&2; fail=1; }
# Host-implemented protocols are async in both languages.
grep -Eq "suspend fun send\(request: HttpRequest\): HttpResponse" "$KT" || { echo "Kotlin: HttpTransport.send" >&2; fail=1; }
grep -Eq "func send\(request: HttpRequest\) async throws -> HttpResponse" "$SWIFT" || { echo "Swift: HttpTransport.send" >&2; fail=1; }
grep -Eq "func token\(failed: String\?\) async throws -> AccessToken" "$SWIFT" || { echo "Swift: TokenProvider.token" >&2; fail=1; }
# Errors: a sealed Kotlin exception hierarchy and a Swift Error enum.
grep -q "sealed class KfException" "$KT" || { echo "Kotlin: KfException" >&2; fail=1; }
grep -q "public enum KfError" "$SWIFT" || { echo "Swift: KfError" >&2; fail=1; }
# The push API.
for fn in checkUrl openPush openPushGuarded buildReply; do
  grep -Eq "fun $fn\(" "$KT" || { echo "Kotlin: $fn" >&2; fail=1; }
  grep -Eq "func $fn\(" "$SWIFT" || { echo "Swift: $fn" >&2; fail=1; }
done
[ "$fail" = 0 ] || exit 1
echo "generated bindings: $(echo $OPS | wc -w) operations async in Kotlin and Swift; push API present"
