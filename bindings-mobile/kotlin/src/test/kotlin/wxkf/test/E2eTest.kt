package wxkf.test

import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.MethodOrderer
import org.junit.jupiter.api.Order
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.TestMethodOrder
import wxkf.AccessToken
import wxkf.Client
import wxkf.HttpRequest
import wxkf.HttpResponse
import wxkf.HttpTransport
import wxkf.KfException
import wxkf.TokenProvider
import wxkf.Webhook
import wxkf.example.KfWebhook
import wxkf.protocol.Article
import wxkf.protocol.ClientOptions
import wxkf.protocol.ErrorFamily
import wxkf.protocol.InviteStatus
import wxkf.protocol.MenuItem
import wxkf.protocol.Message
import wxkf.protocol.MessageContent
import wxkf.protocol.PushKind
import wxkf.protocol.TransportKind
import wxkf.protocol.TypingCommand
import java.security.MessageDigest
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest.BodyPublishers
import java.net.http.HttpResponse.BodyHandlers
import java.util.Collections

const val APPID = "wxe2emobile0001"
const val SECRET = "e2e_mobile_secret"
const val CB_TOKEN = "e2e_cb_token"
const val AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
const val ACCOUNT = "gh_e2emobile"
const val KF1 = "kf1@gh_e2emobile"
const val KF2 = "kf2@gh_e2emobile"

/** Records what a transport sent (to prove bad input sends nothing and toString hides tokens). */
class SpyTransport(private val inner: HttpTransport) : HttpTransport {
    val requests: MutableList<HttpRequest> = Collections.synchronizedList(mutableListOf())
    override suspend fun send(request: HttpRequest): HttpResponse {
        requests += request
        return inner.send(request)
    }
}

/**
 * The app's back end in miniature: it holds the AppSecret and hands out tokens, fetched here
 * with plain `java.net.http` from `/cgi-bin/stable_token` (force-refreshed after a rejection).
 */
class BackendTokenProvider(private val base: String) : TokenProvider {
    val failedSeen: MutableList<String?> = Collections.synchronizedList(mutableListOf())
    private val http = HttpClient.newHttpClient()

    override suspend fun token(failed: String?): AccessToken {
        failedSeen += failed
        val body = JSONObject(mapOf("grant_type" to "client_credential", "appid" to APPID, "secret" to SECRET, "force_refresh" to (failed != null)))
        val req = java.net.http.HttpRequest.newBuilder(URI.create("$base/cgi-bin/stable_token"))
            .header("content-type", "application/json").POST(BodyPublishers.ofString(body.toString())).build()
        val resp = JSONObject(http.send(req, BodyHandlers.ofString()).body())
        if (resp.optLong("errcode", 0) != 0L) throw KfException.Transport(TransportKind.OTHER, "broker refused: ${resp.optLong("errcode")}")
        return AccessToken(resp.getString("access_token"), resp.getLong("expires_in"))
    }
}

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation::class)
class E2eTest {
    private lateinit var emulator: EmulatorProcess
    private val base get() = emulator.base
    private val admin = HttpClient.newHttpClient()
    private val transport = SpyTransport(JdkHttpTransport())
    private lateinit var server: Client

    private fun adminCall(method: String, path: String, body: Any? = null): JSONObject = emulator.admin(method, path, body)

    @BeforeAll
    fun start() {
        emulator = EmulatorProcess(
            "--appid", APPID, "--secret", SECRET, "--account-id", ACCOUNT,
            "--callback-token", CB_TOKEN, "--aes-key", AES_KEY, "--seed", "7",
        )
        server = Client.withStableToken(APPID, SECRET, transport, ClientOptions(baseUrl = base))
    }

    @AfterAll
    fun stop() = emulator.close()

    @Test
    @Order(1)
    fun accountsEndToEnd() = runBlocking {
        server.addKfAccount(KF1, "客服一号")
        server.addKfAccount(KF2, "Two")
        server.updateKfAccount(KF1, "小王 ✨")
        server.inviteWorker(KF1, "wang_wx01")
        server.uploadKfHeadImg(KF1, byteArrayOf(0xFF.toByte(), 0xD8.toByte(), 1, 2, 3, 0xFF.toByte(), 0xD9.toByte()))
        val list = server.getKfList().associateBy { it.kfAccount }
        assertEquals(setOf(KF1, KF2), list.keys)
        assertEquals("小王 ✨", list.getValue(KF1).kfNick)
        assertEquals("wang_wx01", list.getValue(KF1).inviteWx)
        assertEquals(InviteStatus.WAITING, list.getValue(KF1).inviteStatus)
        // A kf goes online only once it has accepted the invitation (else 65402).
        val unbound = emulator.adminStatus("POST", "kf/online", obj("kf_account" to KF1))
        assertEquals(400, unbound)
        adminCall("POST", "kf/invitation", obj("kf_account" to KF1, "accept" to true))
        adminCall("POST", "kf/online", obj("kf_account" to KF1))
        val online = server.getKfOnlineList()
        assertEquals(listOf(KF1), online.map { it.kfAccount })
        assertEquals(1L, online[0].status)
        server.delKfAccount(KF2)
        assertEquals(listOf(KF1), server.getKfList().map { it.kfAccount })
        assertEquals(1uL, server.tokenFetches())
    }

    @Test
    @Order(2)
    fun sessionsAndMessagesEndToEnd() = runBlocking {
        val user = "o_e2e_user1"
        // The account's webhook (the Kotlin example, naming no kf) transfers the user's message:
        // only that reply puts a user in the wait queue.
        val hookApp = KfWebhook(Webhook(CB_TOKEN, APPID, AES_KEY), null)
        val hook = hookApp.serve(0)
        try {
            adminCall("POST", "config", obj("webhook_url" to "http://127.0.0.1:${hook.address.port}/wx"))
            val pushed = adminCall("POST", "user/message", obj("openid" to user, "content" to "你好")).getJSONObject("push")
            assertEquals("queued", pushed.getJSONObject("applied").getString("action"), "$pushed")
        } finally {
            adminCall("POST", "config", obj("webhook_url" to null))
            hook.stop(0)
        }
        // The user pays: an unlimited 48-hour window for the eleven kinds below (a message opens 5).
        adminCall("POST", "user/payment", obj("openid" to user))
        val waiting = server.getWaitCaseList()
        assertTrue(waiting.count >= 1 && waiting.waitcaselist.any { it.openid == user }, "$waiting")
        server.createKfSession(KF1, user)
        assertEquals(KF1, server.getKfSession(user).kfAccount)
        assertEquals(listOf(user), server.getKfSessionList(KF1).map { it.openid })
        server.sendTyping(user, TypingCommand.TYPING)
        val kinds = listOf(
            MessageContent.Text("您好 👋 <a href=\"https://example.com\">link</a>"),
            MessageContent.Image("MEDIA_img"),
            MessageContent.Voice("MEDIA_voice"),
            MessageContent.Video("MEDIA_video", "MEDIA_thumb", "title", "desc"),
            MessageContent.Music("t", "d", "http://m/1.mp3", "http://m/1hq.mp3", "MEDIA_thumb"),
            MessageContent.News(listOf(Article("标题", "描述", "https://example.com/a", ""))),
            MessageContent.MpNews("MEDIA_mpnews"),
            MessageContent.MpNewsArticle("ARTICLE_1"),
            MessageContent.MsgMenu("满意吗？", listOf(MenuItem("101", "满意"), MenuItem("102", "不满意")), "谢谢"),
            MessageContent.WxCard("CARD_1", null),
            MessageContent.MiniProgramPage("小程序", "wxminiapp", "pages/index", "MEDIA_thumb"),
        )
        for (k in kinds) server.sendMessage(user, Message(k, KF1))
        server.sendTyping(user, TypingCommand.CANCEL_TYPING)
        val deliveries = adminCall("GET", "deliveries").getJSONArray("deliveries")
        val types = (0 until deliveries.length()).map { deliveries.getJSONObject(it) }.filter { it.getString("touser") == user }.map { it.getString("msgtype") }
        assertEquals(listOf("text", "image", "voice", "video", "music", "news", "mpnews", "mpnewsarticle", "msgmenu", "wxcard", "miniprogrampage"), types)
        server.closeKfSession(KF1, user)
        assertNull(server.getKfSession(user).kfAccount)
        // Today's records (China-time day of the emulator clock) include what just happened.
        val now = adminCall("GET", "clock").getLong("now")
        val dayStart = Math.floorDiv(now + 8 * 3600, 86400L) * 86400 - 8 * 3600
        val page = server.getMsgList(dayStart, now + 1, 1, 100)
        assertTrue(page.recordlist.any { it.opercode == 2002L && it.worker == KF1 && it.openid == user }, "$page")
    }

    @Test
    @Order(3)
    fun recordWalkAcrossDaysAndResume() = runBlocking {
        val now = adminCall("GET", "clock").getLong("now")
        val from = now - 3 * 86400
        val to = now - 86400
        adminCall("POST", "records/bulk", obj("start" to from, "end" to to, "count" to 250))
        val walk = server.msgRecords(from, to, 100)
        val first = walk.nextPage()
        assertTrue(first.isNotEmpty())
        val cursor = walk.cursor() ?: error("cursor after the first page")
        var rest = 0
        val resumed = server.resumeMsgRecords(cursor, 100)
        while (true) {
            val p = resumed.nextPage()
            if (p.isEmpty()) break
            rest += p.size
        }
        assertEquals(250, first.size + rest)
        assertNull(resumed.cursor())
        assertTrue(resumed.pagesFetched() >= 2uL)
        // The whole walk again, in one go, sees every record once in time order.
        val all = server.msgRecords(from, to).let { w ->
            val out = mutableListOf<wxkf.protocol.MsgRecord>()
            while (true) { val p = w.nextPage(); if (p.isEmpty()) break; out += p }
            out
        }
        assertEquals(250, all.size)
        assertEquals(all.sortedBy { it.time }.map { it.time }, all.map { it.time })
    }

    @Test
    @Order(4)
    fun validationAndApiErrorsAreNativeExceptions() = runBlocking {
        val before = transport.requests.size
        val v = runCatching { server.addKfAccount("no-at-sign", "x") }.exceptionOrNull()
        assertTrue(v is KfException.Validation && v.field == "kf_account", "$v")
        val news = runCatching {
            server.sendMessage("o", Message(MessageContent.News(listOf(Article("a", "", "http://a", ""), Article("b", "", "http://b", "")))))
        }.exceptionOrNull()
        assertTrue(news is KfException.Validation && news.field == "news.articles", "$news")
        assertEquals(before, transport.requests.size, "bad input must not reach the network")
        val api = runCatching { server.addKfAccount(KF1, "again") }.exceptionOrNull()
        assertTrue(api is KfException.Api, "$api")
        api as KfException.Api
        assertEquals(65406L, api.errcode)
        assertEquals("KF_ACCOUNT_EXISTS", api.code)
        assertEquals(ErrorFamily.ACCOUNT, api.family)
        assertTrue(api.errmsg.isNotEmpty() && api.message!!.contains("65406"), api.message)
        // Out of the 48 h window: the catalogue's name and the hint.
        val late = runCatching { server.sendMessage("o_unknown_user", Message(MessageContent.Text("hi"))) }.exceptionOrNull()
        assertTrue(late is KfException.Api && late.errcode == 40003L && late.code == "INVALID_OPENID", "$late")
    }

    @Test
    @Order(5)
    fun tokenProviderClientRefreshesThroughTheBroker() = runBlocking {
        val broker = BackendTokenProvider(base)
        val app = Client.withTokenProvider(broker, JdkHttpTransport(), ClientOptions(baseUrl = base))
        // Ten concurrent calls share one token fetch.
        val lists = (1..10).map { async { app.getKfList() } }.awaitAll()
        assertTrue(lists.all { l -> l.map { it.kfAccount } == listOf(KF1) })
        assertEquals(1uL, app.tokenFetches())
        val firstToken = app.accessToken()
        // Every token is invalidated: the client hands the failed token to the broker, gets a
        // fresh one and retries once.
        adminCall("POST", "faults", obj("path" to "/cgi-bin/customservice/getkflist", "kind" to "invalidate_token"))
        assertEquals(listOf(KF1), app.getKfList().map { it.kfAccount })
        assertEquals(listOf(null, firstToken), broker.failedSeen)
        assertEquals(2uL, app.tokenFetches())
        // A fixed-token client with the broker's fresh token.
        val fixed = Client.withFixedToken(app.accessToken(), JdkHttpTransport(), ClientOptions(baseUrl = base))
        assertTrue(fixed.getWaitCaseList().count >= 0)
        // The server-side client's token was invalidated too: it refreshes by itself.
        assertEquals(listOf(KF1), server.getKfList().map { it.kfAccount })
        // The broker just force-refreshed; allow another force refresh right away.
        adminCall("POST", "config", obj("stable_force_min_interval_secs" to 0))
        val forced = server.getStableAccessToken(true)
        assertTrue(forced.accessToken().isNotEmpty() && (forced.expiresInSecs() ?: 0) > 0)
        assertTrue(!forced.toString().contains(forced.accessToken()), forced.toString())
        val notStable = runCatching { app.getStableAccessToken() }.exceptionOrNull()
        assertTrue(notStable is KfException.Validation && notStable.field == "token_source", "$notStable")
    }

    @Test
    @Order(6)
    fun transportFailuresAndSecretsInText() = runBlocking {
        val dead = Client.withFixedToken("SECRET_TOKEN_MARKER", JdkHttpTransport(), ClientOptions(baseUrl = "http://127.0.0.1:9", maxAttempts = 1u))
        val e = runCatching { dead.sendMessage("o", Message(MessageContent.Text("hi"))) }.exceptionOrNull()
        assertTrue(e is KfException.Transport && e.transportKind == TransportKind.CONNECT, "$e")
        assertTrue(!e!!.message!!.contains("SECRET_TOKEN_MARKER"), e.message)
        // Requests are objects without a generated toString: the URL's token never shows.
        server.getKfList()
        val token = server.accessToken()
        val req = transport.requests.last()
        assertTrue(req.url().contains(token))
        assertTrue(!req.toString().contains(token) && !req.redactedUrl().contains(token), req.redactedUrl())
        assertTrue(!server.toString().contains(SECRET))
        val bad = runCatching { Client.withFixedToken("", JdkHttpTransport()) }.exceptionOrNull()
        assertTrue(bad is KfException.Validation && bad.field == "access_token", "$bad")
        val badUrl = runCatching { Client.withFixedToken("t", JdkHttpTransport(), ClientOptions(baseUrl = "ftp://x")) }.exceptionOrNull()
        assertTrue(badUrl is KfException.Validation && badUrl.field == "base_url", "$badUrl")
        assertTrue(wxkf.wxkfVersion().isNotEmpty())
    }

    @Test
    @Order(7)
    fun emulatorPushesAnEncryptedMessageToTheKotlinWebhookExampleThatTransfersToANamedKf() = runBlocking {
        val hookApp = KfWebhook(Webhook(CB_TOKEN, APPID, AES_KEY), KF1)
        val hook = hookApp.serve(0)
        try {
            val url = "http://127.0.0.1:${hook.address.port}/wx"
            // The URL check, signed as WeChat signs it.
            val ts = adminCall("GET", "clock").getLong("now").toString()
            val sig = MessageDigest.getInstance("SHA-1").digest(listOf(CB_TOKEN, ts, "77").sorted().joinToString("").toByteArray())
                .joinToString("") { "%02x".format(it) }
            val check = admin.send(java.net.http.HttpRequest.newBuilder(URI.create("$url?signature=$sig&timestamp=$ts&nonce=77&echostr=hello_echo")).GET().build(), BodyHandlers.ofString())
            assertEquals(200 to "hello_echo", check.statusCode() to check.body())
            val forged = admin.send(java.net.http.HttpRequest.newBuilder(URI.create("$url?signature=${"0".repeat(40)}&timestamp=$ts&nonce=77&encrypt_type=aes&msg_signature=${"0".repeat(40)}"))
                .POST(BodyPublishers.ofString("<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>")).build(), BodyHandlers.ofString())
            assertEquals(403, forged.statusCode())
            // The emulator pushes an encrypted user message; the webhook answers with a transfer.
            adminCall("POST", "config", obj("webhook_url" to url))
            val user = "o_e2e_pushed"
            val outcome = adminCall("POST", "user/message", obj("openid" to user, "content" to "转人工")).getJSONObject("push")
            assertEquals("transfer_customer_service", outcome.getString("reply_kind"), "$outcome")
            assertEquals(KF1, server.getKfSession(user).kfAccount)
            assertTrue(server.getKfSessionList(KF1).any { it.openid == user })
            // The user's text, then the emulator's kf_create_session event for the new session.
            val kinds = hookApp.received.toList()
            val first = kinds.first()
            assertTrue(first is PushKind.Text && first.content == "转人工", "$kinds")
            assertTrue(kinds.drop(1).any { it == PushKind.KfCreateSession(KF1) }, "$kinds")
        } finally {
            hook.stop(0)
        }
    }
}
