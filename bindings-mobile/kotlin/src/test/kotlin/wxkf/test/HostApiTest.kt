package wxkf.test

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import wxkf.AccessToken
import wxkf.Client
import wxkf.HttpRequest
import wxkf.HttpResponse
import wxkf.HttpTransport
import wxkf.KfException
import wxkf.TokenProvider
import wxkf.Webhook
import wxkf.protocol.CallbackKind
import wxkf.protocol.ClientOptions
import wxkf.protocol.PushKind
import wxkf.protocol.PushQuery
import wxkf.protocol.RetryClass
import wxkf.protocol.TransportKind
import wxkf.protocol.TypingCommand

/** Answers every call with an empty kf list and remembers the tokens it saw. */
class EmptyListTransport : HttpTransport {
    val tokens = mutableListOf<String>()
    override suspend fun send(request: HttpRequest): HttpResponse {
        tokens += queryPairs(request.url()).first { it.first == "access_token" }.second
        return HttpResponse(200u, listOf(), """{"kf_list":[]}""".toByteArray())
    }
}

/** Answers `errcode -1` (system busy) `busy` times, then success; records the paths. */
class BusyThenOkTransport(private var busy: Int, private val ok: String) : HttpTransport {
    val paths = mutableListOf<String>()
    override suspend fun send(request: HttpRequest): HttpResponse {
        paths += urlPath(request.url())
        val body = if (busy-- > 0) """{"errcode":-1,"errmsg":"system error"}""" else ok
        return HttpResponse(200u, listOf(), body.toByteArray())
    }
}

/** The host-facing parts that the e2e suite does not reach: token provider edge cases, the
 *  `AccessToken` constructors, the webhook's replay protection and the host clock. */
class HostApiTest {
    private val base = "https://api.weixin.qq.com"

    @Test
    fun aProviderWithoutATokenOrThatThrowsFailsTheCallAsTransport() = runBlocking {
        val none = object : TokenProvider {
            override suspend fun token(failed: String?): AccessToken? = null
        }
        val t = EmptyListTransport()
        val e = runCatching { Client.withTokenProvider(none, t, ClientOptions(baseUrl = base)).getKfList() }.exceptionOrNull()
        assertTrue(e is KfException.Transport && e.transportKind == TransportKind.OTHER && e.reason.contains("no token"), "$e")
        val throwing = object : TokenProvider {
            override suspend fun token(failed: String?): AccessToken? = throw IllegalStateException("broker down")
        }
        val e2 = runCatching { Client.withTokenProvider(throwing, t, ClientOptions(baseUrl = base)).getKfList() }.exceptionOrNull()
        assertTrue(e2 is KfException.Transport && e2.transportKind == TransportKind.OTHER && e2.reason.contains("broker down"), "$e2")
        val refusing = object : TokenProvider {
            override suspend fun token(failed: String?): AccessToken? = throw KfException.Validation("user", "signed out")
        }
        val e3 = runCatching { Client.withTokenProvider(refusing, t, ClientOptions(baseUrl = base)).getKfList() }.exceptionOrNull()
        assertTrue(e3 is KfException.Validation && e3.field == "user" && e3.reason == "signed out", "$e3")
        assertEquals(0, t.tokens.size, "no request without a token")
    }

    @Test
    fun tokensWithAnAbsoluteExpiryAreRefetchedFiveMinutesAhead() = runBlocking {
        val clock = ManualClock(1_000_000)
        var n = 0
        val broker = object : TokenProvider {
            override suspend fun token(failed: String?): AccessToken {
                n++
                return AccessToken.expiringAt("TOKEN_$n", clock.now + 600_000)
            }
        }
        val t = EmptyListTransport()
        val client = Client.withTokenProvider(broker, t, ClientOptions(baseUrl = base), clock)
        assertEquals(listOf<Any>(), client.getKfList())
        clock.now += 299_000 // 5 min 1 s before expiry: still fresh
        client.getKfList()
        clock.now += 2_000 // inside the 5-minute margin: fetched again
        client.getKfList()
        assertEquals(listOf("TOKEN_1", "TOKEN_1", "TOKEN_2"), t.tokens)
        assertEquals(2uL, client.tokenFetches())
        val abs = AccessToken.expiringAt("x", 42)
        assertEquals(42L, abs.expiresAtMs())
        assertEquals(null, abs.expiresInSecs())
        val rel = AccessToken("SECRET_Y", 7200)
        assertEquals(7200L, rel.expiresInSecs())
        assertEquals(null, rel.expiresAtMs())
        assertEquals("SECRET_Y", rel.accessToken())
        assertTrue(!rel.toString().contains("SECRET_Y"), rel.toString())
    }

    private fun signedSwitch(token: String, nonce: String): Pair<PushQuery, ByteArray> {
        val ts = "1700000000"
        val body = ("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o_1]]></FromUserName>" +
            "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_switch_session]]></Event>" +
            "<FromKfAccount><![CDATA[a@gh]]></FromKfAccount><ToKfAccount><![CDATA[b@gh]]></ToKfAccount></xml>").toByteArray()
        return PushQuery(sha1Sorted(token, ts, nonce), ts, nonce, null, null) to body
    }

    @Test
    fun theWebhookRefusesARepeatByDefaultWithinItsCapacity() {
        val token = "guardToken"
        val (q, body) = signedSwitch(token, "123456")
        val hook = Webhook(token, "wx0123456789abcdef")
        val opened = hook.open(q, body, 1700000010)
        assertEquals(PushKind.KfSwitchSession("a@gh", "b@gh"), opened.message.kind)
        val again = runCatching { hook.open(q, body, 1700000011) }.exceptionOrNull()
        assertTrue(again is KfException.Callback && again.callbackKind == CallbackKind.REPLAY, "$again")
        // Replay protection off: the same push opens again; a stale one does not.
        val open = Webhook(token, "wx0123456789abcdef", replayCapacity = 0u)
        assertEquals(opened, open.open(q, body, 1700000010))
        assertEquals(opened, open.open(q, body, 1700000010))
        val stale = runCatching { open.open(q, body, 1700009999) }.exceptionOrNull()
        assertTrue(stale is KfException.Callback && stale.callbackKind == CallbackKind.TIMESTAMP, "$stale")
        // A capacity of one forgets the older pair once another is accepted.
        val small = Webhook(token, "wx0123456789abcdef", replayCapacity = 1u)
        val (q2, body2) = signedSwitch(token, "654321")
        small.open(q, body, 1700000010)
        assertTrue(runCatching { small.open(q, body, 1700000010) }.exceptionOrNull() is KfException.Callback)
        small.open(q2, body2, 1700000010)
        assertEquals(opened, small.open(q, body, 1700000010))
        // The window is the webhook's own: 5 s of skew accepted, 6 s not.
        val narrow = Webhook(token, "wx0123456789abcdef", windowSecs = 5uL)
        narrow.open(q, body, 1700000005)
        val late = runCatching { narrow.open(q2, body2, 1700000006) }.exceptionOrNull()
        assertTrue(late is KfException.Callback && late.callbackKind == CallbackKind.TIMESTAMP, "$late")
    }

    @Test
    fun readsAreRetriedOnTheHostClockWritesOnlyWhenOptedIn() = runBlocking {
        // A read retries a busy answer; the back-off sleeps on the host clock.
        val clock = ManualClock(5_000_000)
        val t = BusyThenOkTransport(2, """{"kf_list":[]}""")
        val c = Client.withFixedToken("T", t, ClientOptions(baseUrl = base, maxAttempts = 3u, baseDelayMs = 1000u), clock)
        assertEquals(0, c.getKfList().size)
        assertEquals(3, t.paths.size)
        assertTrue(clock.now - 5_000_000 >= 500 + 1000, "slept ${clock.now - 5_000_000} ms")
        // A write does not retry a busy answer: it may have been applied.
        val w = BusyThenOkTransport(1, """{"errcode":0,"errmsg":"ok"}""")
        val writer = Client.withFixedToken("T", w, ClientOptions(baseUrl = base, maxAttempts = 3u), clock)
        val e = runCatching { writer.sendTyping("o", TypingCommand.TYPING) }.exceptionOrNull()
        assertTrue(e is KfException.Api && e.errcode == -1L && e.retry == RetryClass.RETRY_LATER, "$e")
        assertEquals(1, w.paths.size)
        // Opted in, it does; here on the system clock (a timer thread) with short delays.
        val w2 = BusyThenOkTransport(1, """{"errcode":0,"errmsg":"ok"}""")
        val optedIn = Client.withFixedToken("T", w2, ClientOptions(baseUrl = base, maxAttempts = 2u, baseDelayMs = 20u, retryWrites = true))
        val started = System.nanoTime()
        optedIn.sendTyping("o", TypingCommand.CANCEL_TYPING)
        assertEquals(2, w2.paths.size)
        assertTrue(System.nanoTime() - started >= 10_000_000, "the system clock slept")
        // Options are validated.
        val bad = runCatching { Client.withFixedToken("T", w2, ClientOptions(maxAttempts = 0u)) }.exceptionOrNull()
        assertTrue(bad is KfException.Validation && bad.field == "max_attempts", "$bad")
        val noHost = runCatching { Client.withFixedToken("T", w2, ClientOptions(baseUrl = "https://h/path")) }.exceptionOrNull()
        assertTrue(noHost is KfException.Validation && noHost.field == "base_url", "$noHost")
        val timeout = runCatching { Client.withFixedToken("T", w2, ClientOptions(timeoutMs = 0u)) }.exceptionOrNull()
        assertTrue(timeout is KfException.Validation && timeout.field == "timeout_ms", "$timeout")
        // Core's defaults, as the record carries them.
        assertEquals(ClientOptions(baseUrl = "https://api.weixin.qq.com", maxAttempts = 3u, deadlineMs = 15_000uL, storeNamespace = "wxkf:token"), ClientOptions())
    }

    @Test
    fun whatAHostTransportThrowsIsScrubbedOfTheTokenAsItIsInTheUrlAndCapped() = runBlocking {
        val token = "TOKEN+MARKER/with=signs"
        val echoing = listOf<HttpTransport>(
            object : HttpTransport {
                override suspend fun send(request: HttpRequest): HttpResponse =
                    throw KfException.Transport(TransportKind.RESET, "failed: ${request.url()} " + "x".repeat(5000))
            },
            object : HttpTransport {
                override suspend fun send(request: HttpRequest): HttpResponse = throw java.io.IOException("reset: ${request.url()}")
            },
        )
        for (t in echoing) {
            val e = runCatching { Client.withFixedToken(token, t, ClientOptions(baseUrl = base, maxAttempts = 1u)).getKfList() }.exceptionOrNull()
            assertTrue(e is KfException.Transport, "$e")
            e as KfException.Transport
            val encoded = java.net.URLEncoder.encode(token, Charsets.UTF_8)
            assertTrue(!e.reason.contains("MARKER") && e.reason.contains("access_token=***"), e.reason)
            assertTrue(e.reason.length < 1100 && !e.toString().contains(encoded), "${e.reason.length}")
        }
    }
}
