package wxkf.test

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import wxkf.BudgetFallback
import wxkf.Client
import wxkf.KfException
import wxkf.KvStore
import wxkf.Webhook
import wxkf.example.KfWebhook
import wxkf.protocol.BudgetMode
import wxkf.protocol.BudgetRefusal
import wxkf.protocol.ClientOptions
import wxkf.protocol.GuardKind
import wxkf.protocol.GuardOptions
import wxkf.protocol.Message
import wxkf.protocol.MessageContent
import wxkf.protocol.OpenedPush
import wxkf.protocol.PushKind
import wxkf.protocol.UserAction
import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.util.Collections
import java.util.concurrent.ConcurrentHashMap

/** A shared store with an atomic compare-and-set (what Redis or a database gives). */
class MapStore(private val atomic: Boolean) : KvStore {
    val data = ConcurrentHashMap<String, String>()
    override suspend fun get(key: String): String? = data[key]
    override suspend fun set(key: String, value: String, ttlMs: ULong) {
        data[key] = value
    }
    override suspend fun delete(key: String) {
        data.remove(key)
    }
    override suspend fun compareAndSet(key: String, expected: String?, value: String, ttlMs: ULong): Boolean? {
        if (!atomic) return null
        return if (expected == null) data.putIfAbsent(key, value) == null else data.replace(key, expected, value)
    }
}

/**
 * The production guards end to end against the emulator: the reply budget fed by pushes the
 * example webhook accepts, the 5-second rule, deduplication of WeChat's retries, the fallback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuardsTest {
    private lateinit var emulator: EmulatorProcess
    private val transport = JdkHttpTransport()
    private val enforce = GuardOptions(budgetMode = BudgetMode.ENFORCE)
    private val served = java.util.concurrent.atomic.AtomicInteger()

    @BeforeAll
    fun start() {
        emulator = EmulatorProcess("--appid", APPID, "--secret", SECRET, "--callback-token", CB_TOKEN, "--aes-key", AES_KEY)
    }

    @AfterAll
    fun stop() = emulator.close()

    @BeforeEach
    fun reset() {
        served.set(0)
        emulator.admin("POST", "reset", JSONObject())
        // The emulator would take 20 messages after any action: what the client refuses never reached it.
        val rows = listOf("message", "menu_click", "follow", "scan").map { obj("action" to it, "messages" to 20, "within_secs" to 600) }
        emulator.admin("POST", "config", obj("quotas" to arr(rows + obj("action" to "payment", "messages" to null, "within_secs" to 600))))
    }

    private fun client(guards: GuardOptions = enforce, store: KvStore? = null, fallback: BudgetFallback? = null) =
        Client.withStableToken(APPID, SECRET, transport, ClientOptions(baseUrl = emulator.base), null, guards, store, fallback)

    private fun deliveries(openid: String) =
        emulator.admin("GET", "deliveries").getJSONArray("deliveries").count { (it as JSONObject).getString("touser") == openid }

    private suspend fun waitFor(what: String, condition: () -> Boolean) {
        repeat(3000) {
            if (condition()) return
            delay(20)
        }
        error("timed out waiting for $what")
    }

    /** Serves the example webhook for `client` (each answer `lateMs` late) while `body` runs. */
    private fun <T> withHook(client: Client, handler: suspend (OpenedPush) -> Unit, lateMs: Long = 0, body: suspend () -> T): T {
        // Replay protection off: deduplication is acceptPush's (WeChat's retries are freshly signed anyway).
        val app = KfWebhook(Webhook(CB_TOKEN, APPID, AES_KEY, null, 0u), null, client, handler)
        val server = if (lateMs == 0L) app.serve(0) else HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
            createContext("/wx") { ex ->
                val (status, answer) = app.handle(ex.requestMethod, ex.requestURI.rawQuery, ex.requestBody.readAllBytes())
                served.incrementAndGet()
                Thread.sleep(lateMs)
                runCatching { ex.sendResponseHeaders(status, answer.length.toLong()); ex.responseBody.use { it.write(answer.toByteArray()) } }
            }
            start()
        }
        try {
            emulator.admin("POST", "config", obj("webhook_url" to "http://127.0.0.1:${server.address.port}/wx"))
            return runBlocking { body() }
        } finally {
            server.stop(0)
        }
    }

    private suspend fun sendUntilRefused(client: Client, openid: String): Pair<Int, KfException.Guard> {
        repeat(30) { sent ->
            try {
                client.sendMessage(openid, Message(MessageContent.Text("message $sent")))
            } catch (e: KfException.Guard) {
                return sent to e
            }
        }
        error("never refused")
    }

    @Test
    fun oneUserMessageAllowsFiveSendsAndTheSixthNeverReachesWechat() {
        val c = client()
        val handled = Collections.synchronizedList(mutableListOf<OpenedPush>())
        withHook(c, { handled += it }) {
            assertEquals(BudgetRefusal.OUT_OF_WINDOW, c.budget("o_msg").refusal)
            val push = emulator.admin("POST", "user/message", obj("openid" to "o_msg", "content" to "hi")).getJSONObject("push")
            assertEquals(1, push.getInt("attempts"), "$push")
            waitFor("the handler") { handled.size == 1 }
            assertEquals(5u, c.budget("o_msg").remaining)
            val before = transport.sent.get()
            val (sent, refused) = sendUntilRefused(c, "o_msg")
            assertEquals(5, sent)
            assertEquals(GuardKind.BUDGET_SPENT, refused.guardKind)
            assertEquals(5, transport.sent.get() - before, "the sixth never left")
            assertEquals(5, deliveries("o_msg"))
            assertEquals(BudgetRefusal.SPENT, c.budget("o_msg").refusal)
        }
    }

    @Test
    fun aMenuClickAllowsThreeAndAPaymentMoreThanFive() {
        val c = client()
        val handled = Collections.synchronizedList(mutableListOf<OpenedPush>())
        withHook(c, { handled += it }) {
            emulator.admin("POST", "user/event", obj("openid" to "o_click", "event" to "CLICK", "event_key" to "menu_1"))
            waitFor("the handler") { handled.size == 1 }
            assertTrue(handled[0].message.kind is PushKind.Click)
            assertEquals(3, sendUntilRefused(c, "o_click").first)
            assertEquals(3, deliveries("o_click"))

            emulator.admin("POST", "user/payment", obj("openid" to "o_paid"))
            c.recordAction("o_paid", UserAction.PAYMENT)
            assertNull(c.budget("o_paid").remaining)
            repeat(8) { c.sendMessage("o_paid", Message(MessageContent.Text("receipt line $it"))) }
            assertEquals(8, deliveries("o_paid"))
        }
    }

    @Test
    fun theExampleAnswersInTimeWhileAnEightSecondHandlerWorks() {
        val c = client()
        val done = CompletableDeferred<Unit>()
        val handler: suspend (OpenedPush) -> Unit = { push ->
            delay(8_000) // a slow model or database
            c.sendMessage(push.message.fromUserName, Message(MessageContent.Text("the answer")))
            done.complete(Unit)
        }
        withHook(c, handler) {
            val push = emulator.admin("POST", "user/message", obj("openid" to "o_slow", "content" to "hard question")).getJSONObject("push")
            // Answered within the emulator's 5 s (WeChat's rule): no retry.
            assertEquals(1, push.getInt("attempts"), "$push")
            assertEquals(200, push.getInt("status"), "$push")
            waitFor("typing shown while the handler works") {
                emulator.admin("GET", "state").getJSONArray("users").any { (it as JSONObject).getString("openid") == "o_slow" && it.getBoolean("typing") }
            }
            assertTrue(!done.isCompleted)
            done.await()
            assertEquals(1, deliveries("o_slow"))
        }
    }

    @Test
    fun wechatRetriesOfOnePushAreHandledOnce() {
        val c = client()
        val handled = Collections.synchronizedList(mutableListOf<OpenedPush>())
        withHook(c, { handled += it }, lateMs = 500) {
            // Answers too late for the emulator's timeout: it sends the same push four times.
            emulator.admin("POST", "config", obj("push_timeout_ms" to 100, "push_retries" to 3))
            val push = emulator.admin("POST", "user/message", obj("openid" to "o_retry", "content" to "anyone?")).getJSONObject("push")
            assertEquals(4, push.getInt("attempts"), "$push")
            emulator.admin("POST", "config", obj("push_timeout_ms" to 5000))
            waitFor("the handler") { handled.size == 1 }
            waitFor("the four deliveries answered") { served.get() == 4 }
            assertEquals(5u, c.budget("o_retry").remaining, "counted once")
            delay(200) // a handler launched for a duplicate would have run by now
        }
        assertEquals(1, handled.size)
    }

    @Test
    fun twoMessagesInOneSecondAreBothHandled() {
        val c = client()
        val handled = Collections.synchronizedList(mutableListOf<OpenedPush>())
        withHook(c, { handled += it }) {
            for (attempt in 0 until 5) {
                val first = handled.size
                for (text in listOf("one", "two")) emulator.admin("POST", "user/message", obj("openid" to "o_twice", "content" to "$text $attempt"))
                waitFor("both messages") { handled.size == first + 2 }
                val (one, two) = handled.drop(first).map { it.message }
                assertEquals(setOf("one $attempt", "two $attempt"), setOf(one, two).map { (it.kind as PushKind.Text).content }.toSet())
                if (one.createTime == two.createTime) return@withHook
            }
            error("no two messages landed in the same second")
        }
    }

    @Test
    fun sharedStoreAndFallback() = runBlocking {
        val store = MapStore(atomic = true)
        val told = Collections.synchronizedList(mutableListOf<Pair<String, KfException>>())
        val fallback = object : BudgetFallback {
            override suspend fun refused(openid: String, error: KfException) {
                told += openid to error
            }
        }
        val a = client(store = store, fallback = fallback)
        val b = client(store = store)
        emulator.admin("POST", "user/message", obj("openid" to "o_shared", "content" to "hi"))
        a.recordAction("o_shared", UserAction.MESSAGE)
        assertEquals(5u, b.budget("o_shared").remaining)
        repeat(3) { a.sendMessage("o_shared", Message(MessageContent.Text("a$it"))) }
        repeat(2) { b.sendMessage("o_shared", Message(MessageContent.Text("b$it"))) }
        val refused = runCatching { a.sendMessage("o_shared", Message(MessageContent.Text("one more"))) }.exceptionOrNull()
        assertTrue(refused is KfException.Guard && refused.guardKind == GuardKind.BUDGET_SPENT, "$refused")
        assertEquals(listOf("o_shared"), told.map { it.first })
        assertTrue(told[0].second is KfException.Guard)
        assertEquals(5, deliveries("o_shared"))
        assertTrue(store.data.keys.any { it.endsWith(":budget:o_shared") }, "${store.data.keys}")
        // A store without an atomic compare-and-set: wxkf reads, compares and writes.
        val plain = MapStore(atomic = false)
        val c = client(store = plain)
        c.recordAction("o_plain", UserAction.PAYMENT)
        assertNull(c.budget("o_plain").remaining)
        assertTrue(plain.data.keys.any { it.endsWith(":budget:o_plain") })
    }
}
