package wxkf.test

import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import wxkf.BudgetFallback
import wxkf.Client
import wxkf.KfException
import wxkf.KvStore
import wxkf.Webhook
import wxkf.protocol.BudgetMode
import wxkf.protocol.BudgetRefusal
import wxkf.protocol.ClientOptions
import wxkf.protocol.GuardKind
import wxkf.protocol.GuardOptions
import wxkf.protocol.Message
import wxkf.protocol.MessageContent
import wxkf.protocol.PushKind
import wxkf.protocol.PushQuery
import wxkf.protocol.UserAction
import java.net.InetSocketAddress
import java.security.MessageDigest
import java.util.Collections
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger

const val GUARD_APPID = "wxguardsmobile01"
const val GUARD_TOKEN = "guardsHookToken"

/** A host store: a map, with an atomic `compareAndSet` unless `atomic` is false. */
class MapKvStore(private val atomic: Boolean = true) : KvStore {
    val map = HashMap<String, String>()
    val casCalls = AtomicInteger()

    override suspend fun get(key: String): String? = synchronized(map) { map[key] }
    override suspend fun set(key: String, value: String, ttlMs: ULong) = synchronized(map) { map[key] = value }
    override suspend fun delete(key: String) = synchronized(map) { map.remove(key); Unit }
    override suspend fun compareAndSet(key: String, expected: String?, value: String, ttlMs: ULong): Boolean? {
        if (!atomic) return null
        casCalls.incrementAndGet()
        return synchronized(map) { (map[key] == expected).also { if (it) map[key] = value } }
    }
}

/** A store that is down: every call throws. */
class DownStore : KvStore {
    private fun down(): Nothing = throw KfException.Transport(wxkf.protocol.TransportKind.CONNECT, "store down")
    override suspend fun get(key: String): String? = down()
    override suspend fun set(key: String, value: String, ttlMs: ULong) = down()
    override suspend fun delete(key: String) = down()
    override suspend fun compareAndSet(key: String, expected: String?, value: String, ttlMs: ULong): Boolean? = down()
}

/** Records each refusal it is told of. */
class RecordingFallback : BudgetFallback {
    val refused: MutableList<Pair<String, KfException>> = Collections.synchronizedList(mutableListOf())
    override suspend fun refused(openid: String, error: KfException) {
        refused += openid to error
    }
}

/**
 * The reply budget against the emulator (issue 18): the emulator pushes to a webhook whose
 * handler is `Client.acceptPush` (which opens the user's budget) and answers `success`; the
 * client, in `enforce` mode, refuses before the network what WeChat would refuse.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuardsTest {
    private lateinit var emulator: EmulatorProcess
    private val transport = SpyTransport(JdkHttpTransport())
    private val fallback = RecordingFallback()
    private lateinit var client: Client
    private lateinit var hook: HttpServer

    @BeforeAll
    fun start() {
        emulator = EmulatorProcess("--appid", GUARD_APPID, "--secret", SECRET, "--callback-token", GUARD_TOKEN)
        client = Client.withStableToken(
            GUARD_APPID, SECRET, transport, ClientOptions(baseUrl = emulator.base),
            guards = GuardOptions(budgetMode = BudgetMode.ENFORCE), budgetFallback = fallback,
        )
        hook = acceptor(client, Webhook(GUARD_TOKEN, GUARD_APPID))
        emulator.admin("POST", "config", obj("webhook_url" to "http://127.0.0.1:${hook.address.port}/wx"))
    }

    @AfterAll
    fun stop() {
        hook.stop(0)
        emulator.close()
    }

    private fun sends() = transport.requests.count { urlPath(it.url()) == "/cgi-bin/message/custom/send" }

    private fun deliveredTo(openid: String): Int {
        val d = emulator.admin("GET", "deliveries").getJSONArray("deliveries")
        return (0 until d.length()).count { d.getJSONObject(it).getString("touser") == openid }
    }

    /** What WeChat itself answers: a client on the same emulator that checks no budget. */
    private fun unchecked() = Client.withStableToken(GUARD_APPID, SECRET, JdkHttpTransport(), ClientOptions(baseUrl = emulator.base))

    private suspend fun refusal(openid: String): KfException.Guard {
        val e = runCatching { client.sendMessage(openid, Message(MessageContent.Text("one more"))) }.exceptionOrNull()
        assertTrue(e is KfException.Guard, "$e")
        return e as KfException.Guard
    }

    @Test
    fun afterOneUserMessageFiveSendsGoAndTheSixthIsRefusedBeforeTheNetwork() = runBlocking {
        val user = "oGUARD_kt_message"
        val push = emulator.admin("POST", "user/message", obj("openid" to user, "content" to "where is my parcel?")).getJSONObject("push")
        assertEquals(true to "none", push.getBoolean("delivered") to push.getString("reply_kind"), "$push")
        assertEquals(5u, client.budget(user).remaining)
        val sendsBefore = sends()
        for (n in 1..5) client.sendMessage(user, Message(MessageContent.Text("reply $n")))
        val requestsBefore = transport.requests.size
        val sixth = refusal(user)
        assertEquals(GuardKind.BUDGET_SPENT, sixth.guardKind)
        assertNotNull(sixth.untilMs)
        assertEquals(requestsBefore, transport.requests.size, "the refused send made no request at all")
        assertEquals(5, sends() - sendsBefore, "five sends reached the emulator")
        assertEquals(5, deliveredTo(user))
        assertEquals(BudgetRefusal.SPENT, client.budget(user).refusal)
        assertTrue(fallback.refused.any { (openid, e) -> openid == user && e is KfException.Guard }, "${fallback.refused}")
        // The emulator would have refused it too: the budget matches WeChat's.
        val wechat = runCatching { unchecked().sendMessage(user, Message(MessageContent.Text("reply 6"))) }.exceptionOrNull()
        assertTrue(wechat is KfException.Api && wechat.errcode == 45047L, "$wechat")
    }

    @Test
    fun aMenuClickAllowsThree() = runBlocking {
        val user = "oGUARD_kt_click"
        emulator.admin("POST", "user/event", obj("openid" to user, "event" to "CLICK", "event_key" to "ORDER_STATUS"))
        assertEquals(3u, client.budget(user).remaining)
        val sendsBefore = sends()
        repeat(3) { client.sendMessage(user, Message(MessageContent.Text("your order"))) }
        assertEquals(GuardKind.BUDGET_SPENT, refusal(user).guardKind)
        assertEquals(3, sends() - sendsBefore, "the refused send did not reach the emulator")
        assertEquals(3, deliveredTo(user))
    }

    @Test
    fun aPaymentAllowsMoreThanFive() = runBlocking {
        val user = "oGUARD_kt_payment"
        // WeChat Pay tells the app, not the webhook: the app records it.
        emulator.admin("POST", "user/payment", obj("openid" to user))
        assertEquals(GuardKind.OUT_OF_WINDOW, refusal(user).guardKind, "nothing recorded yet")
        client.recordAction(user, UserAction.PAYMENT)
        for (n in 1..8) client.sendMessage(user, Message(MessageContent.Text("receipt $n")))
        assertEquals(8, deliveredTo(user))
        assertNull(client.budget(user).remaining, "no count within 48 h")
    }

    @Test
    fun instancesSharingAHostStoreShareBudgetsAndDeduplicatePushes() = runBlocking {
        val store = MapKvStore()
        fun instance() = Client.withStableToken(
            GUARD_APPID, SECRET, JdkHttpTransport(), ClientOptions(baseUrl = emulator.base),
            guards = GuardOptions(budgetMode = BudgetMode.ENFORCE), guardStore = store,
        )
        val (a, b) = instance() to instance()
        // One push delivered to both instances (each its own Webhook, as in two processes).
        val user = "oGUARD_kt_shared"
        emulator.admin("POST", "user/message", obj("openid" to user, "content" to "hello"))
        val (query, body) = signedPush(user, 42_000_001L)
        val first = a.acceptPush(Webhook(GUARD_TOKEN, GUARD_APPID), query, body)
        assertFalse(first.duplicate)
        val kind = first.push.message.kind
        assertTrue(kind is PushKind.Text && kind.content == "hi" && kind.msgId == "42000001", "$kind")
        assertTrue(b.acceptPush(Webhook(GUARD_TOKEN, GUARD_APPID), query, body).duplicate, "the other instance saw it")
        assertEquals(5u, b.budget(user).remaining)
        repeat(3) { a.sendMessage(user, Message(MessageContent.Text("from a"))) }
        repeat(2) { b.sendMessage(user, Message(MessageContent.Text("from b"))) }
        val spent = runCatching { a.sendMessage(user, Message(MessageContent.Text("from a"))) }.exceptionOrNull()
        assertTrue(spent is KfException.Guard && spent.guardKind == GuardKind.BUDGET_SPENT, "$spent")
        assertTrue(store.casCalls.get() >= 7, "budgets go through the store's compareAndSet: ${store.casCalls}")
        assertTrue(store.map.keys.any { it.contains(":budget:$user") }, "${store.map.keys}")
        // A store without compareAndSet (null): wxkf reads, compares and writes.
        val plain = MapKvStore(atomic = false)
        val c = Client.withFixedToken("t", JdkHttpTransport(), ClientOptions(baseUrl = emulator.base), guardStore = plain)
        c.recordAction(user, UserAction.MENU_CLICK)
        assertEquals(3u, c.budget(user).remaining)
        assertEquals(0, plain.casCalls.get())
        assertTrue(plain.map.keys.any { it.contains(":budget:$user") }, "${plain.map.keys}")
    }

    @Test
    fun aFailingStoreLetsSendsThroughAndBadGuardOptionsAreRefused() = runBlocking {
        val down = DownStore()
        val user = "oGUARD_kt_down"
        emulator.admin("POST", "user/message", obj("openid" to user, "content" to "hello"))
        val c = Client.withStableToken(
            GUARD_APPID, SECRET, JdkHttpTransport(), ClientOptions(baseUrl = emulator.base),
            guards = GuardOptions(budgetMode = BudgetMode.ENFORCE), guardStore = down,
        )
        // Better an answer from WeChat than a lost message.
        c.sendMessage(user, Message(MessageContent.Text("still sent")))
        assertEquals(1, deliveredTo(user))
        val budgetDown = runCatching { c.budget(user) }.exceptionOrNull()
        assertTrue(budgetDown is KfException.Transport, "$budgetDown")
        val bad = runCatching {
            Client.withFixedToken("t", JdkHttpTransport(), guards = GuardOptions(BudgetMode.OFF, dedupTtlMs = 2uL * 86_400_000uL))
        }.exceptionOrNull()
        assertTrue(bad is KfException.Validation, "$bad")
    }

    @Test
    fun aQuotaErrorOnTheTokenCallOpensTheBreakerAndNoTokenCallLeavesDuringTheCoolDown() = runBlocking {
        val spy = SpyTransport(JdkHttpTransport())
        val clock = ManualClock(System.currentTimeMillis())
        val c = Client.withStableToken(
            GUARD_APPID, SECRET, spy, ClientOptions(baseUrl = emulator.base), clock,
            guards = GuardOptions(BudgetMode.OFF, tokenCooldownMs = 60_000uL),
        )
        fun tokenCalls() = spy.requests.count { urlPath(it.url()) == "/cgi-bin/stable_token" }
        emulator.admin("POST", "faults", obj("path" to "/cgi-bin/stable_token", "kind" to "quota", "count" to 100))
        try {
            val first = runCatching { c.getKfList() }.exceptionOrNull()
            assertTrue(first is KfException.Api && first.errcode == 45009L, "$first")
            repeat(5) {
                val e = runCatching { c.getKfList() }.exceptionOrNull()
                assertTrue(e is KfException.Guard && e.guardKind == GuardKind.TOKEN_BREAKER_OPEN && e.untilMs != null, "$e")
            }
            assertEquals(1, tokenCalls(), "no token call left the client during the cool-down")
        } finally {
            emulator.admin("DELETE", "faults")
        }
        clock.now += 60_001
        c.getKfList()
        assertEquals(2, tokenCalls(), "after the cool-down the next call fetches")
    }

    @Test
    fun instancesSharingATokenStoreFetchOneTokenAndAStoreThatIsDownFallsBackToTheProcess() = runBlocking {
        val store = MapKvStore()
        fun instance(tokens: KvStore) =
            Client.withStableToken(GUARD_APPID, SECRET, JdkHttpTransport(), ClientOptions(baseUrl = emulator.base), tokenStore = tokens)
        val (a, b) = instance(store) to instance(store)
        a.getKfList()
        b.getKfList()
        assertEquals(1uL to 0uL, a.tokenFetches() to b.tokenFetches(), "the second instance read the first one's token")
        assertEquals(a.accessToken(), b.accessToken())
        assertTrue(store.map.keys.any { it.startsWith("wxkf:token:") && it.contains(GUARD_APPID) }, "${store.map.keys}")
        // A store that throws: the call goes on with this process's own cache.
        val down = instance(DownStore())
        down.getKfList()
        down.getKfList()
        assertEquals(1uL, down.tokenFetches())
    }

    companion object {
        /** A webhook that only accepts pushes (`Client.acceptPush`) and answers `success`. */
        fun acceptor(client: Client, webhook: Webhook): HttpServer {
            val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
            server.executor = Executors.newCachedThreadPool()
            server.createContext("/wx") { ex ->
                val q = wxkf.example.KfWebhook.parseQuery(ex.requestURI.rawQuery)
                val query = PushQuery(q["signature"] ?: "", q["timestamp"] ?: "", q["nonce"] ?: "", q["encrypt_type"], q["msg_signature"])
                val ok = runCatching { runBlocking { client.acceptPush(webhook, query, ex.requestBody.readAllBytes()) } }.isSuccess
                val answer = (if (ok) "success" else "refused").toByteArray()
                ex.sendResponseHeaders(if (ok) 200 else 403, answer.size.toLong())
                ex.responseBody.use { it.write(answer) }
            }
            server.start()
            return server
        }

        /** A plain-mode text push from `openid`, signed as WeChat signs it. */
        fun signedPush(openid: String, msgId: Long): Pair<PushQuery, ByteArray> {
            val ts = (System.currentTimeMillis() / 1000).toString()
            val nonce = "${msgId % 1_000_000}"
            val sig = MessageDigest.getInstance("SHA-1").digest(listOf(GUARD_TOKEN, ts, nonce).sorted().joinToString("").toByteArray())
                .joinToString("") { "%02x".format(it) }
            val xml = "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[$openid]]></FromUserName>" +
                "<CreateTime>$ts</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>$msgId</MsgId></xml>"
            return PushQuery(sig, ts, nonce, null, null) to xml.toByteArray()
        }
    }
}
