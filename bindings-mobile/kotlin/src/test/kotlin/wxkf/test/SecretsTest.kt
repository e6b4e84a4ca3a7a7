package wxkf.test

import com.sun.jna.Library
import com.sun.jna.Native
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import wxkf.AccessToken
import wxkf.Client
import wxkf.HttpRequest
import wxkf.HttpResponse
import wxkf.HttpTransport
import wxkf.KfException
import wxkf.TokenProvider
import wxkf.Webhook
import wxkf.protocol.Article
import wxkf.protocol.CallbackKind
import wxkf.protocol.ClientOptions
import wxkf.protocol.MenuItem
import wxkf.protocol.Message
import wxkf.protocol.MessageContent
import wxkf.protocol.PushKind
import wxkf.protocol.PushQuery
import wxkf.protocol.RecordCursor
import wxkf.protocol.Reply
import wxkf.protocol.TransportKind
import wxkf.protocol.TypingCommand
import wxkf.protocol.UrlQuery
import java.io.ByteArrayOutputStream
import java.io.File
import java.io.IOException
import java.io.OutputStream
import java.io.PrintStream
import java.nio.ByteBuffer
import java.security.MessageDigest
import java.time.Duration
import java.util.Base64
import javax.crypto.Cipher
import javax.crypto.spec.IvParameterSpec
import javax.crypto.spec.SecretKeySpec

private const val S_APPID = "wxsecretscan0001"
private const val S_ACCOUNT = "gh_secretscan"
private const val S_KF1 = "kfa@gh_secretscan"
private const val S_KF2 = "kfb@gh_secretscan"

// The markers: every secret the binding ever holds is a unique string searched for in all text.
private const val SECRET_MARKER = "SECRETMARKERappsecretKt41"
private const val WRONG_SECRET_MARKER = "SECRETMARKERwrongKt42"
private const val FIXED_MARKER = "TOKENMARKERfixedKt31"
private const val PROVIDED_MARKER = "TOKENMARKERprovidedKt77"
private const val CB_TOKEN_MARKER = "CBTOKENMARKERkt19"
private const val AES_MARKER = "AESMARKERktAESMARKERktAESMARKERkt0123456789" // 43 base64 characters
private const val OTHER_AES_KEY = "zyxwvutsrqponmlkjihgfedcba9876543210ABCDEFG"

/** libc through JNA: to point the process's native stderr (fd 2) at a file while the scan runs. */
interface CLib : Library {
    fun dup(fd: Int): Int
    fun dup2(from: Int, to: Int): Int
    fun close(fd: Int): Int
    fun creat(path: String, mode: Int): Int
    fun write(fd: Int, buf: ByteArray, count: Long): Long
}

/** Collects every text the binding hands back and searches it for the markers. */
class SecretScan {
    val texts = mutableListOf<Pair<String, String>>()
    var exceptions = 0
    var objects = 0
    val errors = mutableListOf<KfException>()

    fun text(label: String, t: String) {
        texts += label to t
    }

    fun exception(label: String, e: Throwable) {
        exceptions++
        if (e is KfException) errors += e
        text("$label: message", e.message ?: "")
        text("$label: toString", e.toString())
        // stackTraceToString prints the causes ("Caused by: …") and suppressed exceptions too.
        text("$label: stack", e.stackTraceToString())
        var cause = e.cause
        while (cause != null) {
            text("$label: cause", "${cause.message} | $cause")
            cause = cause.cause
        }
    }

    fun obj(label: String, o: Any?) {
        objects++
        text("$label: object", o.toString())
    }

    /** Runs a call that must succeed; scans its result. */
    suspend fun <T> ok(label: String, block: suspend () -> T): T {
        val r = try {
            block()
        } catch (e: Exception) {
            throw AssertionError("$label failed: $e", e)
        }
        obj(label, r)
        return r
    }

    /** Runs a call that must fail with a wxkf exception matching `check`; scans the exception. */
    suspend fun fails(label: String, check: (KfException) -> Boolean, block: suspend () -> Any?) {
        val e = try {
            val r = block()
            throw AssertionError("$label: expected an error, got $r")
        } catch (e: KfException) {
            e
        }
        exception(label, e)
        assertTrue(check(e), "$label: unexpected $e")
    }

    fun bytes(): Long = texts.sumOf { it.second.toByteArray().size.toLong() }

    /** (marker name, where) for every marker found. */
    fun find(markers: Map<String, String>): List<String> =
        markers.flatMap { (name, m) -> texts.filter { it.second.contains(m) }.map { "$name in ${it.first}" } }
}

/** Tee of a stream into a buffer (System.out/System.err while the scan runs). */
class Tee(private val a: OutputStream, private val b: OutputStream) : OutputStream() {
    override fun write(x: Int) {
        a.write(x); b.write(x)
    }
    override fun write(buf: ByteArray, off: Int, len: Int) {
        a.write(buf, off, len); b.write(buf, off, len)
    }
    override fun flush() {
        a.flush(); b.flush()
    }
}

/**
 * A fake WeChat that issues marker tokens (classic `/cgi-bin/token`) and answers API calls from
 * a script of (status, body), then `{"kf_list":[]}`.
 */
class MarkerIssuingTransport(vararg script: Pair<Int, String>) : HttpTransport {
    val issued = mutableListOf<String>()
    val requests = mutableListOf<HttpRequest>()
    private val answers = ArrayDeque(script.toList())

    override suspend fun send(request: HttpRequest): HttpResponse {
        requests += request
        if (urlPath(request.url()) == "/cgi-bin/token") {
            val t = "TOKENMARKERissuedKt${issued.size + 1}x"
            issued += t
            return HttpResponse(200u, listOf(), """{"access_token":"$t","expires_in":7200}""".toByteArray())
        }
        val (status, body) = answers.removeFirstOrNull() ?: (200 to """{"kf_list":[]}""")
        return HttpResponse(status.toUShort(), listOf(HttpHeader("content-type", "application/json")), body.toByteArray())
    }
}

private typealias HttpHeader = wxkf.HttpHeader

fun sha1Sorted(vararg parts: String): String =
    MessageDigest.getInstance("SHA-1").digest(parts.sorted().joinToString("").toByteArray()).joinToString("") { "%02x".format(it) }

/** Encrypts a push payload as WeChat does (AES-256-CBC, IV = first 16 key bytes, PKCS#7 to 32). */
fun encryptPush(aesKey: String, appid: String, xml: String): String {
    val key = Base64.getDecoder().decode("$aesKey=")
    val x = xml.toByteArray()
    val plain = ByteArray(16) { (it * 7).toByte() } + ByteBuffer.allocate(4).putInt(x.size).array() + x + appid.toByteArray()
    val pad = 32 - plain.size % 32
    val cipher = Cipher.getInstance("AES/CBC/NoPadding")
    cipher.init(Cipher.ENCRYPT_MODE, SecretKeySpec(key, "AES"), IvParameterSpec(key.copyOf(16)))
    return Base64.getEncoder().encodeToString(cipher.doFinal(plain + ByteArray(pad) { pad.toByte() }))
}

/**
 * Secrets never leak from the Kotlin binding. The AppSecret (and a wrong one), a fixed token, a
 * provided token, the tokens the emulator issued, marker tokens issued by a fake WeChat, the
 * callback Token and the EncodingAESKey are unique markers. Every operation and every reachable
 * error path runs; every exception's message, toString and stack trace (with causes), every
 * result/record/config object's toString, every request's toString/redactedUrl/headers, and
 * everything written to System.out, System.err and the process's native stderr (fd 2) while the
 * scan runs are searched for them. bindings-mobile has no logger hook (it installs no tracing
 * subscriber), so there is no log stream to raise; fd 2 is where a panic message would go.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretsTest {
    private lateinit var emulator: EmulatorProcess
    private val base get() = emulator.base

    private fun adminCall(method: String, path: String, body: Any? = null): JSONObject = emulator.admin(method, path, body)

    @BeforeAll
    fun start() {
        emulator = EmulatorProcess(
            "--appid", S_APPID, "--secret", SECRET_MARKER, "--account-id", S_ACCOUNT,
            "--callback-token", CB_TOKEN_MARKER, "--aes-key", AES_MARKER,
        )
    }

    @AfterAll
    fun stop() = emulator.close()

    @Test
    fun theScannerFindsAPlantedMarker() {
        val s = SecretScan()
        s.exception("planted", KfException.Transport(TransportKind.OTHER, "oops $FIXED_MARKER"))
        s.obj("clean", UrlQuery("a", "1", "n", "e"))
        assertEquals(listOf("fixed token in planted: message", "fixed token in planted: toString", "fixed token in planted: stack"),
            s.find(mapOf("fixed token" to FIXED_MARKER)))
    }

    @Test
    fun noSecretInErrorsObjectsOrOutput() {
        val scan = SecretScan()
        val javaOut = ByteArrayOutputStream()
        val nativeErr = File.createTempFile("wxkf-native-stderr", ".txt")
        val spies = mutableListOf<SpyTransport>()
        val fakes = mutableListOf<MarkerIssuingTransport>()
        var issued = listOf<String>()
        val origOut = System.out
        val origErr = System.err
        val libc = Native.load("c", CLib::class.java)
        System.setOut(PrintStream(Tee(origOut, javaOut), true))
        System.setErr(PrintStream(Tee(origErr, javaOut), true))
        val savedFd2 = libc.dup(2)
        val fileFd = libc.creat(nativeErr.path, "644".toInt(8))
        check(savedFd2 >= 0 && fileFd >= 0 && libc.dup2(fileFd, 2) == 2) { "could not redirect fd 2" }
        libc.close(fileFd)
        try {
            // Probes: the captures are live (checked below), so a binding that printed would be seen.
            System.out.println("probe-java-out")
            System.err.println("probe-java-err")
            "probe-native-fd2\n".toByteArray().let { libc.write(2, it, it.size.toLong()) }
            issued = runBlocking { runEverything(scan, spies, fakes) }
        } finally {
            libc.dup2(savedFd2, 2)
            libc.close(savedFd2)
            System.setOut(origOut)
            System.setErr(origErr)
        }
        // The requests the host transports saw: their toString, redacted URL and headers.
        val requests = spies.flatMap { it.requests } + fakes.flatMap { it.requests }
        for (r in requests) {
            scan.obj("request", r)
            scan.text("request redactedUrl", r.redactedUrl())
            scan.text("request headers", r.headers().toString())
        }
        val captured = javaOut.toString(Charsets.UTF_8)
        val native = nativeErr.readText(Charsets.UTF_8)
        nativeErr.delete()
        scan.text("System.out/System.err", captured)
        scan.text("native stderr (fd 2)", native)

        val markers = linkedMapOf(
            "AppSecret" to SECRET_MARKER, "wrong AppSecret" to WRONG_SECRET_MARKER, "fixed token" to FIXED_MARKER,
            "provided token" to PROVIDED_MARKER, "callback Token" to CB_TOKEN_MARKER, "EncodingAESKey" to AES_MARKER,
        )
        assertTrue(captured.contains("probe-java-out") && captured.contains("probe-java-err"), "System.out/err capture: $captured")
        assertTrue(native.contains("probe-native-fd2"), "native stderr capture: $native")
        // Every token a host transport saw in a URL is a marker too (the emulator issued them).
        val seen = spies.flatMap { it.requests }.mapNotNull { r -> queryPairs(r.url()).firstOrNull { it.first == "access_token" }?.second }
        issued = (issued + seen).distinct().filter { it != FIXED_MARKER && it != PROVIDED_MARKER }
        issued.forEachIndexed { i, t -> markers["emulator-issued token ${i + 1}"] = t }
        fakes.flatMap { it.issued }.forEachIndexed { i, t -> markers["fake-issued token ${i + 1}"] = t }

        // The scan covered what it claims: the markers really passed through the binding ...
        assertTrue(issued.size >= 3, "emulator tokens: initial, after invalidation, after expiry: $issued")
        assertTrue(fakes.sumOf { it.issued.size } >= 3, "fake-issued tokens")
        assertTrue(requests.any { it.url().contains(FIXED_MARKER) } && requests.any { it.url().contains(PROVIDED_MARKER) })
        assertTrue(requests.any { it.url().contains(WRONG_SECRET_MARKER) || String(it.body()).contains(WRONG_SECRET_MARKER) })
        // ... and every error path was reached.
        val api = scan.errors.filterIsInstance<KfException.Api>().map { it.errcode }.toSet()
        assertTrue(api.containsAll(listOf(40125L, 40014L, 40001L, 42001L, 45009L, 65406L, 40003L)), "api errors seen: $api")
        val transport = scan.errors.filterIsInstance<KfException.Transport>().map { it.transportKind }.toSet()
        assertTrue(transport.containsAll(listOf(TransportKind.CONNECT, TransportKind.TIMEOUT, TransportKind.RESET, TransportKind.OTHER)), "$transport")
        val callback = scan.errors.filterIsInstance<KfException.Callback>().map { it.callbackKind }.toSet()
        assertTrue(
            callback.containsAll(listOf(CallbackKind.SIGNATURE, CallbackKind.CRYPTO, CallbackKind.XML, CallbackKind.REPLAY, CallbackKind.TIMESTAMP, CallbackKind.APPID, CallbackKind.TOO_LARGE)),
            "$callback",
        )
        assertTrue(scan.errors.any { it is KfException.Http && it.status.toInt() == 502 })
        assertTrue(scan.errors.any { it is KfException.Decode })
        assertTrue(scan.errors.count { it is KfException.Validation } >= 8)
        assertTrue(scan.exceptions >= 40 && scan.objects >= 60 && scan.bytes() > 20_000, "${scan.exceptions} ${scan.objects} ${scan.bytes()}")

        val found = scan.find(markers)
        assertTrue(found.isEmpty(), "${found.size} leaks:\n" + found.joinToString("\n"))
        println(
            "secrets scan: ${markers.size} markers, ${scan.exceptions} exceptions, ${scan.objects} objects, " +
                "${requests.size} requests, ${scan.bytes()} bytes scanned (of which System.out/err ${captured.length} chars and " +
                "native stderr ${native.length} bytes, the probes only); none found",
        )
    }

    /** Every operation and error path; returns the tokens the emulator issued (markers too). */
    private suspend fun runEverything(s: SecretScan, spies: MutableList<SpyTransport>, fakes: MutableList<MarkerIssuingTransport>): List<String> {
        fun spy(inner: HttpTransport = JdkHttpTransport()) = SpyTransport(inner).also { spies += it }
        val opts = ClientOptions(baseUrl = base, maxAttempts = 2u, baseDelayMs = 1u, maxDelayMs = 2u)
        s.obj("options", opts)
        val spyServer = spy()
        val server = s.ok("stable client") { Client.withStableToken(S_APPID, SECRET_MARKER, spyServer, opts) }
        val issued = linkedSetOf<String>()
        suspend fun noteToken() {
            issued += server.accessToken() // the token itself: kept as a marker, never scanned as output
        }
        noteToken()

        // ---- every operation, successfully
        val user = "o_scan_user"
        adminCall("POST", "user/message", obj("openid" to user, "content" to "hi"))
        // The user pays: an unlimited 48-hour window for every message kind below.
        adminCall("POST", "user/payment", obj("openid" to user))
        s.ok("addKfAccount") { server.addKfAccount(S_KF1, "Ann") }
        s.ok("addKfAccount 2") { server.addKfAccount(S_KF2, "Bob") }
        s.ok("updateKfAccount") { server.updateKfAccount(S_KF1, "Anna") }
        s.ok("inviteWorker") { server.inviteWorker(S_KF1, "ann_wx01") }
        s.ok("uploadKfHeadImg") { server.uploadKfHeadImg(S_KF1, byteArrayOf(0xFF.toByte(), 0xD8.toByte(), 1, 2, 0xFF.toByte(), 0xD9.toByte())) }
        s.ok("getKfList") { server.getKfList() }
        adminCall("POST", "kf/invitation", obj("kf_account" to S_KF1, "accept" to true))
        adminCall("POST", "kf/online", obj("kf_account" to S_KF1))
        s.ok("getKfOnlineList") { server.getKfOnlineList() }
        s.ok("getWaitCaseList") { server.getWaitCaseList() }
        s.ok("createKfSession") { server.createKfSession(S_KF1, user) }
        s.ok("getKfSession") { server.getKfSession(user) }
        s.ok("getKfSessionList") { server.getKfSessionList(S_KF1) }
        s.ok("sendTyping") { server.sendTyping(user, TypingCommand.TYPING) }
        val kinds = listOf(
            MessageContent.Text("hello"), MessageContent.Image("MEDIA_img"), MessageContent.Voice("MEDIA_voice"),
            MessageContent.Video("MEDIA_video", "MEDIA_thumb", "t", "d"),
            MessageContent.Music("t", "d", "http://m/1.mp3", "http://m/1hq.mp3", "MEDIA_thumb"),
            MessageContent.News(listOf(Article("title", "desc", "https://example.com/a", ""))),
            MessageContent.MpNews("MEDIA_mpnews"), MessageContent.MpNewsArticle("ARTICLE_1"),
            MessageContent.MsgMenu("head", listOf(MenuItem("101", "yes"), MenuItem("102", "no")), "tail"),
            MessageContent.WxCard("CARD_1", null), MessageContent.MiniProgramPage("mini", "wxminiapp", "pages/index", "MEDIA_thumb"),
        )
        for (k in kinds) {
            val m = Message(k, S_KF1)
            s.obj("message", m)
            s.ok("sendMessage ${k.javaClass.simpleName}") { server.sendMessage(user, m) }
        }
        val now = adminCall("GET", "clock").getLong("now")
        val dayStart = Math.floorDiv(now + 8 * 3600, 86400L) * 86400 - 8 * 3600
        s.ok("getMsgList") { server.getMsgList(dayStart, now + 1, 1, 100) }
        adminCall("POST", "records/bulk", obj("start" to now - 3 * 86400, "end" to now - 86400, "count" to 30))
        val walk = s.ok("msgRecords") { server.msgRecords(now - 3 * 86400, now - 86400, 10) }
        s.ok("nextPage") { walk.nextPage() }
        val cursor: RecordCursor = s.ok("cursor") { walk.cursor() } ?: error("cursor")
        val resumed = s.ok("resumeMsgRecords") { server.resumeMsgRecords(cursor, 10) }
        while (s.ok("nextPage resumed") { resumed.nextPage() }.isNotEmpty()) Unit
        s.ok("pagesFetched") { resumed.pagesFetched() }
        s.ok("closeKfSession") { server.closeKfSession(S_KF1, user) }
        s.ok("delKfAccount") { server.delKfAccount(S_KF2) }
        s.ok("tokenFetches") { server.tokenFetches() }
        val stable = s.ok("getStableAccessToken") { server.getStableAccessToken(false) }
        issued += stable.accessToken()
        s.obj("stable token expiry", stable.expiresInSecs())

        // ---- API errors
        s.fails("65406 exists", { it is KfException.Api && it.errcode == 65406L }) { server.addKfAccount(S_KF1, "again") }
        s.fails("40003 stranger", { it is KfException.Api && it.errcode == 40003L }) { server.sendMessage("o_nobody", Message(MessageContent.Text("x"))) }
        adminCall("POST", "faults", obj("path" to "/cgi-bin/customservice/getkflist", "kind" to "quota"))
        s.fails("45009 quota", { it is KfException.Api && it.errcode == 45009L }) { server.getKfList() }
        for ((label, make) in listOf<Pair<String, (HttpTransport) -> Client>>(
            "stable" to { t -> Client.withStableToken(S_APPID, WRONG_SECRET_MARKER, t, opts) },
            "classic" to { t -> Client.withClassicToken(S_APPID, WRONG_SECRET_MARKER, t, opts) },
        )) {
            val c = make(spy())
            s.obj("wrong-secret client", c)
            s.fails("40125 wrong secret ($label)", { it is KfException.Api && it.errcode == 40125L }) { c.getKfList() }
            s.fails("40125 accessToken ($label)", { it is KfException.Api && it.errcode == 40125L }) { c.accessToken() }
        }
        val fixed = Client.withFixedToken(FIXED_MARKER, spy(), opts)
        s.obj("fixed client", fixed)
        s.fails("40014 fixed token", { it is KfException.Api && it.errcode == 40014L }) { fixed.getKfList() }
        s.fails("40014 fixed token write", { it is KfException.Api && it.errcode == 40014L }) { fixed.sendTyping(user, TypingCommand.TYPING) }
        val failedSeen = mutableListOf<String?>()
        val provided = Client.withTokenProvider(object : TokenProvider {
            override suspend fun token(failed: String?): AccessToken {
                failedSeen += failed
                return AccessToken(PROVIDED_MARKER, 7200).also { s.obj("provided AccessToken", it) }
            }
        }, spy(), opts)
        s.fails("40014 provided token (refreshed once)", { it is KfException.Api && it.errcode == 40014L }) { provided.getKfList() }
        assertEquals(listOf(null, PROVIDED_MARKER), failedSeen, "the provider was asked for a fresh token once")
        val goodProvider = Client.withTokenProvider(object : TokenProvider {
            override suspend fun token(failed: String?): AccessToken = AccessToken.expiringAt(server.accessToken(), System.currentTimeMillis() + 3_600_000)
        }, spy(), opts)
        s.ok("provided valid token") { goodProvider.getKfList() }
        s.fails("provider refuses", { it is KfException.Validation && it.field == "user" }) {
            Client.withTokenProvider(object : TokenProvider {
                override suspend fun token(failed: String?): AccessToken? = throw KfException.Validation("user", "signed out")
            }, spy(), opts).getKfList()
        }
        s.fails("provider throws", { it is KfException.Transport && it.transportKind == TransportKind.OTHER }) {
            Client.withTokenProvider(object : TokenProvider {
                override suspend fun token(failed: String?): AccessToken? = throw IllegalStateException("broker down")
            }, spy(), opts).getKfList()
        }
        s.fails("provider has none", { it is KfException.Transport && it.transportKind == TransportKind.OTHER }) {
            Client.withTokenProvider(object : TokenProvider {
                override suspend fun token(failed: String?): AccessToken? = null
            }, spy(), opts).getKfList()
        }

        // ---- token refresh: an invalidated token (40001), then an expired one (42001)
        val fetches = server.tokenFetches()
        adminCall("POST", "faults", obj("path" to "/cgi-bin/customservice/getkflist", "kind" to "invalidate_token"))
        s.ok("refreshed after 40001") { server.getKfList() }
        noteToken()
        adminCall("POST", "clock/advance", obj("secs" to 7300))
        s.ok("refreshed after 42001") { server.getKfOnlineList() }
        noteToken()
        assertEquals(fetches + 2uL, server.tokenFetches(), "two refreshes")
        // The same through a fake WeChat that issues marker tokens, plus a body that is not JSON.
        val fake = MarkerIssuingTransport(
            200 to """{"errcode":40001,"errmsg":"invalid credential"}""",
            200 to """{"kf_list":[]}""",
            200 to """{"errcode":42001,"errmsg":"access_token expired"}""",
            200 to """{"kf_list":[]}""",
            200 to "<html>not json</html>",
            200 to """{"errcode":40001,"errmsg":"invalid credential"}""",
            200 to """{"errcode":40001,"errmsg":"invalid credential"}""",
            200 to """{"errcode":42001,"errmsg":"access_token expired"}""",
            200 to """{"errcode":42001,"errmsg":"access_token expired"}""",
        ).also { fakes += it }
        val classic = Client.withClassicToken(S_APPID, SECRET_MARKER, fake, ClientOptions(baseUrl = base, maxAttempts = 1u))
        s.ok("fake: refreshed after 40001") { classic.getKfList() }
        s.ok("fake: refreshed after 42001") { classic.getKfList() }
        s.fails("fake: decode", { it is KfException.Decode }) { classic.getKfList() }
        s.fails("fake: 40001 twice", { it is KfException.Api && it.errcode == 40001L }) { classic.getKfList() }
        s.fails("fake: 42001 twice", { it is KfException.Api && it.errcode == 42001L }) { classic.getKfList() }

        // ---- transport failures
        adminCall("POST", "faults", obj("path" to "/cgi-bin/customservice/getkflist", "kind" to "http_status", "status" to 502, "count" to 2))
        s.fails("HTTP 502", { it is KfException.Http && it.status.toInt() == 502 }) { server.getKfList() }
        adminCall("POST", "faults", obj("path" to "/cgi-bin/customservice/getkflist", "kind" to "reset_before", "count" to 0))
        // (count 0: until cleared; java.net.http itself retries a GET once after a reset)
        s.fails("reset", { it is KfException.Transport && it.transportKind == TransportKind.RESET }) { server.getKfList() }
        adminCall("DELETE", "faults")
        adminCall("POST", "faults", obj("path" to "/cgi-bin/customservice/getkflist", "kind" to "latency_ms", "ms" to 900, "count" to 1))
        val slow = Client.withStableToken(S_APPID, SECRET_MARKER, spy(JdkHttpTransport(timeout = Duration.ofMillis(300))), ClientOptions(baseUrl = base, maxAttempts = 1u))
        slow.accessToken().let { issued += it }
        s.fails("timeout", { it is KfException.Transport && it.transportKind == TransportKind.TIMEOUT }) { slow.getKfList() }
        val dead = Client.withFixedToken(FIXED_MARKER, spy(), ClientOptions(baseUrl = "http://127.0.0.1:9", maxAttempts = 1u))
        s.fails("connection refused", { it is KfException.Transport && it.transportKind == TransportKind.CONNECT }) { dead.sendMessage(user, Message(MessageContent.Text("x"))) }
        // Host transports that throw, echoing the request URL (with the token) in their text.
        val echoing = listOf<HttpTransport>(
            object : HttpTransport {
                override suspend fun send(request: HttpRequest): HttpResponse = throw IOException("connection reset by peer: ${request.url()}")
            },
            object : HttpTransport {
                override suspend fun send(request: HttpRequest): HttpResponse =
                    throw KfException.Transport(TransportKind.RESET, "reset while sending ${request.url()}")
            },
            object : HttpTransport {
                override suspend fun send(request: HttpRequest): HttpResponse =
                    throw IllegalStateException("no route", IOException("token ${queryPairs(request.url()).firstOrNull { it.first == "access_token" }?.second}"))
            },
        )
        for ((i, t) in echoing.withIndex()) {
            val c = Client.withFixedToken(FIXED_MARKER, spy(t), ClientOptions(baseUrl = base, maxAttempts = 1u))
            s.fails("host transport throws $i", { it is KfException.Transport }) { c.getKfList() }
            val cs = Client.withClassicToken(S_APPID, SECRET_MARKER, spy(t), ClientOptions(baseUrl = base, maxAttempts = 1u))
            s.fails("host transport throws on the token call $i", { it is KfException.Transport }) { cs.getKfList() }
        }

        // ---- validation errors (nothing sent)
        s.fails("validation kf_account", { it is KfException.Validation }) { server.addKfAccount("no-at-sign", "x") }
        s.fails("validation text", { it is KfException.Validation }) { server.sendMessage(user, Message(MessageContent.Text(""))) }
        s.fails("validation window", { it is KfException.Validation }) { server.getMsgList(now, now - 1, 1, 10) }
        s.fails("validation walk", { it is KfException.Validation }) { server.msgRecords(now, now - 1, 10) }
        s.fails("validation page size", { it is KfException.Validation }) { server.resumeMsgRecords(cursor, 0) }
        s.fails("validation token source", { it is KfException.Validation }) { fixed.getStableAccessToken(true) }
        s.fails("validation token source (classic)", { it is KfException.Validation }) { fixed.getAccessToken() }
        s.fails("validation empty token", { it is KfException.Validation }) { Client.withFixedToken(" ", spy(), opts) }
        s.fails("validation base url", { it is KfException.Validation }) { Client.withFixedToken(FIXED_MARKER, spy(), ClientOptions(baseUrl = "ftp://x")) }
        s.fails("validation empty secret", { it is KfException.Validation }) { Client.withClassicToken(S_APPID, "", spy(), opts).getKfList() }

        // ---- push: safe mode with the marker Token and EncodingAESKey
        pushes(s)
        return issued.toList()
    }

    private fun pushes(s: SecretScan) = runBlocking {
        // `cfg` without replay protection, so each refusal below is the one it tests.
        val cfg = s.ok("webhook") { Webhook(CB_TOKEN_MARKER, S_APPID, AES_MARKER, replayCapacity = 0u) }
        val plainCfg = s.ok("plain webhook") { Webhook(CB_TOKEN_MARKER, S_APPID) }
        val ts = 1_700_000_000L
        val nonce = "424242"
        val xml = "<xml><ToUserName><![CDATA[$S_ACCOUNT]]></ToUserName><FromUserName><![CDATA[o_scan]]></FromUserName>" +
            "<CreateTime>$ts</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>1234567890123456789</MsgId></xml>"
        fun envelope(enc: String) = "<xml><ToUserName><![CDATA[$S_ACCOUNT]]></ToUserName><Encrypt><![CDATA[$enc]]></Encrypt></xml>".toByteArray()
        fun query(enc: String, t: Long = ts, n: String = nonce) =
            PushQuery(sha1Sorted(CB_TOKEN_MARKER, "$t", n), "$t", n, "aes", sha1Sorted(CB_TOKEN_MARKER, "$t", n, enc))
        val enc = encryptPush(AES_MARKER, S_APPID, xml)
        val q = query(enc).also { s.obj("push query", it) }

        // A good push and its encrypted replies.
        val opened = s.ok("open") { cfg.open(q, envelope(enc), ts) }
        assertTrue(opened.encrypted && opened.message.kind == PushKind.Text("hello", "1234567890123456789", null), "$opened")
        for (reply in listOf(Reply.Text("hi back"), Reply.TransferCustomerService(S_KF1), Reply.TransferCustomerService(null), Reply.Success)) {
            s.obj("reply", reply)
            val body = s.ok("reply $reply") { cfg.reply(opened, reply, ts) }
            if (reply != Reply.Success) {
                val inner = decryptIndependently(AES_MARKER, Regex("<Encrypt><!\\[CDATA\\[([^\\]]+)]]>").find(body)!!.groupValues[1])
                s.text("decrypted reply (test side)", inner)
            }
        }
        val sig = sha1Sorted(CB_TOKEN_MARKER, "$ts", nonce)
        s.ok("checkUrl") { cfg.checkUrl(UrlQuery(sig, "$ts", nonce, "echo_me"), ts) }
        val guarded = Webhook(CB_TOKEN_MARKER, S_APPID, AES_MARKER)
        s.ok("open (replay protection on)") { guarded.open(q, envelope(enc), ts) }
        s.obj("guarded webhook", guarded)

        // Every refusal.
        fun cb(kind: CallbackKind): (KfException) -> Boolean = { it is KfException.Callback && it.callbackKind == kind }
        s.fails("push replay", cb(CallbackKind.REPLAY)) { guarded.open(q, envelope(enc), ts) }
        s.fails("push bad msg_signature", cb(CallbackKind.SIGNATURE)) { cfg.open(q.copy(msgSignature = "0".repeat(40)), envelope(enc), ts) }
        s.fails("push no msg_signature", cb(CallbackKind.SIGNATURE)) { cfg.open(q.copy(msgSignature = null), envelope(enc), ts) }
        s.fails("push bad base64", cb(CallbackKind.CRYPTO)) { cfg.open(query("!!!not base64!!!"), envelope("!!!not base64!!!"), ts) }
        val otherKey = encryptPush(OTHER_AES_KEY, S_APPID, xml)
        s.fails("push other key", { it is KfException.Callback }) { cfg.open(query(otherKey), envelope(otherKey), ts) }
        val shortCipher = Base64.getEncoder().encodeToString(ByteArray(24))
        s.fails("push not block aligned", cb(CallbackKind.CRYPTO)) { cfg.open(query(shortCipher), envelope(shortCipher), ts) }
        val otherApp = encryptPush(AES_MARKER, "wxsomeoneelse", xml)
        s.fails("push other appid", cb(CallbackKind.APPID)) { cfg.open(query(otherApp), envelope(otherApp), ts) }
        val truncatedInner = encryptPush(AES_MARKER, S_APPID, xml.dropLast(20))
        s.fails("push truncated inner XML", cb(CallbackKind.XML)) { cfg.open(query(truncatedInner), envelope(truncatedInner), ts) }
        s.fails("push truncated envelope", cb(CallbackKind.XML)) { cfg.open(q, envelope(enc).copyOf(40), ts) }
        s.fails("push stale", cb(CallbackKind.TIMESTAMP)) { cfg.open(q, envelope(enc), ts + 3600) }
        s.fails("push too large", cb(CallbackKind.TOO_LARGE)) { cfg.open(q, ByteArray(1024 * 1024 + 1) { 'x'.code.toByte() }, ts) }
        s.fails("push invalid UTF-8", cb(CallbackKind.XML)) { cfg.open(q, byteArrayOf(0xC3.toByte(), 0x28), ts) }
        s.fails("plain push bad signature", cb(CallbackKind.SIGNATURE)) {
            plainCfg.open(PushQuery("f".repeat(40), "$ts", nonce, null, null), xml.toByteArray(), ts)
        }
        s.fails("url check bad signature", cb(CallbackKind.SIGNATURE)) { cfg.checkUrl(UrlQuery("0".repeat(40), "$ts", nonce, "e"), ts) }
        s.fails("bad key (42 chars)", { it is KfException.Validation }) { Webhook(CB_TOKEN_MARKER, S_APPID, AES_MARKER.dropLast(1)) }
        s.fails("bad key (44 chars)", { it is KfException.Validation }) { Webhook(CB_TOKEN_MARKER, S_APPID, AES_MARKER + "x") }
        s.fails("bad key (not base64)", { it is KfException.Validation }) { Webhook(CB_TOKEN_MARKER, S_APPID, "!" + AES_MARKER.drop(1)) }
        s.fails("reply bad entropy", { it is KfException.Validation }) { cfg.reply(opened, Reply.Text("x"), ts, byteArrayOf(1, 2, 3)) }
        s.fails("reply empty text", { it is KfException.Validation }) { cfg.reply(opened, Reply.Text(""), ts) }
        s.fails("reply bad kf", { it is KfException.Validation }) { cfg.reply(opened, Reply.TransferCustomerService("nobody"), ts) }
    }
}
