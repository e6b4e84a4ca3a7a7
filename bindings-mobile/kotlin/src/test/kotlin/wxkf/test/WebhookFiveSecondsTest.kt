package wxkf.test

import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import wxkf.Client
import wxkf.Webhook
import wxkf.example.KfHandler
import wxkf.example.KfWebhook
import wxkf.protocol.BudgetMode
import wxkf.protocol.ClientOptions
import wxkf.protocol.GuardOptions
import wxkf.protocol.PushKind
import java.io.IOException
import java.net.InetSocketAddress
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest.BodyPublishers
import java.net.http.HttpResponse.BodyHandlers
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger

/**
 * The Kotlin webhook example's 5-second rule against the emulator (issue 18): it answers
 * `success` at once and runs its handler in a coroutine with "typing…" shown, and
 * `Client.acceptPush` handles each push once however often the emulator retries it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookFiveSecondsTest {
    private lateinit var emulator: EmulatorProcess
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private lateinit var client: Client

    @BeforeAll
    fun start() {
        emulator = EmulatorProcess("--appid", APPID, "--secret", SECRET, "--account-id", ACCOUNT, "--callback-token", CB_TOKEN, "--aes-key", AES_KEY)
        client = Client.withStableToken(APPID, SECRET, JdkHttpTransport(), ClientOptions(baseUrl = emulator.base), guards = GuardOptions(budgetMode = BudgetMode.ENFORCE))
    }

    @AfterAll
    fun stop() {
        scope.cancel()
        emulator.close()
    }

    /** The example in kf-handler mode, its handler working `workMs` before it answers. */
    private fun example(workMs: Long): Pair<KfWebhook, HttpServer> {
        val app = KfWebhook(Webhook(CB_TOKEN, APPID, AES_KEY), null, KfHandler(client, scope) { push ->
            val text = (push.kind as? PushKind.Text)?.content ?: return@KfHandler null
            delay(workMs)
            "You wrote: $text"
        })
        return app to app.serve(0)
    }

    private fun url(server: HttpServer) = "http://127.0.0.1:${server.address.port}/wx"

    /** Polls `probe` (30 s at most) until it holds; returns whether it did. */
    private fun eventually(seconds: Long = 30, probe: () -> Boolean): Boolean {
        val deadline = System.nanoTime() + seconds * 1_000_000_000
        while (System.nanoTime() < deadline) {
            if (probe()) return true
            Thread.sleep(50)
        }
        return probe()
    }

    private fun delivered(openid: String): List<JSONObject> {
        val d = emulator.admin("GET", "deliveries").getJSONArray("deliveries")
        return (0 until d.length()).map { d.getJSONObject(it) }.filter { it.getString("touser") == openid }
    }

    private fun typingShown(openid: String): Boolean {
        val users = emulator.admin("GET", "state").optJSONArray("users") ?: return false
        return (0 until users.length()).map { users.getJSONObject(it) }.any { it.optString("openid") == openid && it.optBoolean("typing") }
    }

    private fun push(user: String, content: String): JSONObject =
        emulator.admin("POST", "user/message", obj("openid" to user, "content" to content)).getJSONObject("push")

    @Test
    fun aHandlerThatWorks8SecondsStillAnswersWithin5SecondsAndItsMessageArrives() {
        val (app, server) = example(8_000)
        try {
            emulator.admin("POST", "config", obj("webhook_url" to url(server), "push_timeout_ms" to 5_000, "push_retries" to 3))
            val user = "oKT_slow"
            val outcome = push(user, "what is my balance?")
            assertEquals(1, outcome.getInt("attempts"), "answered within the emulator's 5 s, not retried: $outcome")
            assertEquals(true to "none", outcome.getBoolean("delivered") to outcome.getString("reply_kind"), "$outcome")
            // While the handler works the user sees "typing…" (it has 8 s to go: poll for it).
            var typing = false
            eventually(6) { typing = typingShown(user); typing || delivered(user).isNotEmpty() }
            assertTrue(typing, "typing shown while the handler worked")
            assertTrue(eventually { delivered(user).isNotEmpty() }, "the handler's message reached the user")
            val sent = delivered(user)
            assertEquals(listOf("You wrote: what is my balance?"), sent.map { it.getJSONObject("body").getJSONObject("text").getString("content") })
            assertFalse(typingShown(user), "the message ended typing")
            assertEquals(listOf("push handled from=$user"), app.log.toList())
        } finally {
            server.stop(0)
        }
    }

    @Test
    fun theEmulatorsThreeRetriesOfOnePushAreHandledOnce() {
        val (app, server) = example(0)
        val forwarded = AtomicInteger()
        val proxy = slowProxy(url(server), 600, forwarded)
        try {
            emulator.admin("POST", "config", obj("webhook_url" to url(proxy), "push_timeout_ms" to 200, "push_retries" to 3))
            val user = "oKT_retried"
            val outcome = push(user, "once please")
            assertEquals(4, outcome.getInt("attempts"), "the first try and three retries: $outcome")
            assertTrue(eventually { app.log.size >= 4 && forwarded.get() >= 4 }, "${app.log}")
            assertEquals(listOf("push handled from=$user") + List(3) { "push duplicate from=$user" }, app.log.toList())
            assertTrue(eventually { delivered(user).isNotEmpty() })
            assertEquals(1, delivered(user).size, "the handler ran once")
        } finally {
            emulator.admin("POST", "config", obj("push_timeout_ms" to 5_000))
            proxy.stop(0)
            server.stop(0)
        }
    }

    @Test
    fun twoMessagesInOneSecondAreBothHandled() {
        val (app, server) = example(0)
        try {
            emulator.admin("POST", "config", obj("webhook_url" to url(server)))
            val user = "oKT_twice"
            val first = push(user, "first")
            val second = push(user, "second")
            assertEquals(1 to 1, first.getInt("attempts") to second.getInt("attempts"))
            assertEquals(List(2) { "push handled from=$user" }, app.log.toList())
            assertTrue(eventually { delivered(user).size >= 2 })
            val texts = delivered(user).map { it.getJSONObject("body").getJSONObject("text").getString("content") }.sorted()
            assertEquals(listOf("You wrote: first", "You wrote: second"), texts)
        } finally {
            server.stop(0)
        }
    }

    /**
     * Forwards pushes to `to` but answers only `delayMs` after the example did (a slow
     * network): every attempt reaches the example, and the emulator, waiting less, retries.
     */
    private fun slowProxy(to: String, delayMs: Long, forwarded: AtomicInteger): HttpServer {
        val http = HttpClient.newHttpClient()
        val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        server.executor = Executors.newCachedThreadPool()
        server.createContext("/wx") { ex ->
            val req = java.net.http.HttpRequest.newBuilder(URI.create("$to?${ex.requestURI.rawQuery}"))
                .POST(BodyPublishers.ofByteArray(ex.requestBody.readAllBytes())).build()
            val text = http.send(req, BodyHandlers.ofString()).body()
            forwarded.incrementAndGet()
            Thread.sleep(delayMs)
            try {
                val bytes = text.toByteArray()
                ex.sendResponseHeaders(200, bytes.size.toLong())
                ex.responseBody.use { it.write(bytes) }
            } catch (e: IOException) {
                // The emulator stopped waiting.
            } finally {
                ex.close()
            }
        }
        server.start()
        return server
    }
}
