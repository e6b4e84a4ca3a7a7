package wxkf.example

import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import wxkf.Client
import wxkf.KfException
import wxkf.Webhook
import wxkf.typingRefreshMs
import wxkf.protocol.BudgetMode
import wxkf.protocol.CallbackKind
import wxkf.protocol.ClientOptions
import wxkf.protocol.GuardOptions
import wxkf.protocol.Message
import wxkf.protocol.MessageContent
import wxkf.protocol.PushKind
import wxkf.protocol.PushMessage
import wxkf.protocol.PushQuery
import wxkf.protocol.Reply
import wxkf.protocol.TypingCommand
import wxkf.protocol.UrlQuery
import java.net.InetSocketAddress
import java.net.URLDecoder
import java.util.concurrent.Executors

/**
 * The 5-second rule: WeChat waits 5 s for the answer to a push, then sends it again (three
 * times). With a [KfHandler] the webhook answers `success` at once and [answer] runs
 * afterwards in [scope] (`CoroutineScope.launch`), with "typing…" shown to the user while it
 * works; its text is sent as a kf message. `Client.acceptPush` deduplicates WeChat's retries
 * and opens the user's reply budget, which every send is checked against.
 */
class KfHandler(
    val client: Client,
    val scope: CoroutineScope,
    /** The handler proper: the text to send back, or null to send nothing. */
    val answer: suspend (PushMessage) -> String?,
)

/**
 * A WeChat push webhook in Kotlin (JVM, JDK `HttpServer` only): answers the URL check (GET),
 * opens each push (signature, timestamp window, replay protection, AES decryption, typed parse)
 * and either hands users who write in to customer service — to the kf `kfAccount` when given —
 * with a passive reply, or, with a [KfHandler], answers them with kf messages (5-second rule).
 */
class KfWebhook(private val webhook: Webhook, private val kfAccount: String?, private val kf: KfHandler? = null) {
    /** Every accepted push, newest last (for logging or tests). */
    val received: MutableList<PushKind> = java.util.Collections.synchronizedList(mutableListOf())

    /** What the kf handler did with each push: `push handled from=…` / `push duplicate from=…`. */
    val log: MutableList<String> = java.util.Collections.synchronizedList(mutableListOf())

    /** Handles one request: returns the status and the body to send. */
    suspend fun handle(method: String, rawQuery: String?, body: ByteArray): Pair<Int, String> {
        val q = parseQuery(rawQuery)
        return try {
            when (method) {
                "GET" -> 200 to webhook.checkUrl(UrlQuery(q["signature"] ?: "", q["timestamp"] ?: "", q["nonce"] ?: "", q["echostr"] ?: ""))
                "POST" -> {
                    val query = PushQuery(q["signature"] ?: "", q["timestamp"] ?: "", q["nonce"] ?: "", q["encrypt_type"], q["msg_signature"])
                    if (kf != null) return 200 to toHandler(kf, query, body)
                    val opened = webhook.open(query, body)
                    received += opened.message.kind
                    val reply = if (isUserMessage(opened.message.kind)) Reply.TransferCustomerService(kfAccount) else Reply.Success
                    200 to webhook.reply(opened, reply) // encrypted when the push was
                }
                else -> 405 to "method not allowed"
            }
        } catch (e: KfException.Callback) {
            // Forged, stale, replayed or undecryptable: refuse without details.
            (if (e.callbackKind == CallbackKind.TOO_LARGE) 413 else 403) to "refused"
        } catch (e: KfException) {
            400 to "refused"
        }
    }

    /** Acknowledges the push at once and handles it in a coroutine, unless it is a retry. */
    private suspend fun toHandler(kf: KfHandler, query: PushQuery, body: ByteArray): String {
        val accepted = kf.client.acceptPush(webhook, query, body)
        val message = accepted.push.message
        if (accepted.duplicate) {
            log += "push duplicate from=${message.fromUserName}"
            return "success"
        }
        received += message.kind
        log += "push handled from=${message.fromUserName}"
        if (isUserMessage(message.kind)) kf.scope.launch { withTyping(kf, message) }
        return "success"
    }

    /** Shows "typing…" while the handler works (again every [typingRefreshMs]: WeChat shows it 15 s). */
    private suspend fun withTyping(kf: KfHandler, message: PushMessage) {
        val openid = message.fromUserName
        suspend fun typing(command: TypingCommand) = try {
            kf.client.sendTyping(openid, command)
        } catch (e: KfException) {
            // A courtesy: failing to show it does not stop the answer.
        }
        val shown = kf.scope.launch {
            while (true) {
                typing(TypingCommand.TYPING)
                delay(typingRefreshMs().toLong())
            }
        }
        val text = try {
            kf.answer(message)
        } finally {
            shown.cancel()
        }
        try {
            // The message itself ends "typing…" for the user.
            if (text != null) kf.client.sendMessage(openid, Message(MessageContent.Text(text))) else typing(TypingCommand.CANCEL_TYPING)
        } catch (e: KfException.Guard) {
            System.err.println("not sent: the user's reply budget (${e.guardKind})")
        } catch (e: KfException) {
            System.err.println("not sent: $e")
        }
    }

    /** Serves `path` on 127.0.0.1:`port` (0 = any free port), several requests at a time. */
    fun serve(port: Int, path: String = "/wx"): HttpServer {
        val server = HttpServer.create(InetSocketAddress("127.0.0.1", port), 0)
        server.executor = Executors.newCachedThreadPool()
        server.createContext(path) { ex: HttpExchange ->
            val (status, answer) = runBlocking { handle(ex.requestMethod, ex.requestURI.rawQuery, ex.requestBody.readAllBytes()) }
            val bytes = answer.toByteArray(Charsets.UTF_8)
            ex.responseHeaders.add("content-type", "text/plain; charset=utf-8")
            ex.sendResponseHeaders(status, bytes.size.toLong())
            ex.responseBody.use { it.write(bytes) }
        }
        server.start()
        return server
    }

    companion object {
        fun isUserMessage(kind: PushKind) = when (kind) {
            is PushKind.Text, is PushKind.Image, is PushKind.Voice, is PushKind.Video,
            is PushKind.ShortVideo, is PushKind.Location, is PushKind.Link -> true
            else -> false
        }

        fun parseQuery(raw: String?): Map<String, String> =
            (raw ?: "").split('&').filter { it.isNotEmpty() }.associate {
                URLDecoder.decode(it.substringBefore('='), Charsets.UTF_8) to URLDecoder.decode(it.substringAfter('=', ""), Charsets.UTF_8)
            }
    }
}

/**
 * `WXKF_TOKEN=… WXKF_APPID=… WXKF_AES_KEY=… [WXKF_KF=kf01@gh_x] [PORT=8080] java … wxkf.example.KfWebhookKt`
 * transfers users to customer service; with `WXKF_APP_SECRET` (and `WXKF_API_BASE` for the
 * emulator, `WXKF_WORK_MS` for a slow handler) it answers each text itself, after the push.
 */
fun main() {
    fun env(name: String) = System.getenv(name)?.takeIf { it.isNotEmpty() }
    val appId = env("WXKF_APPID") ?: error("set WXKF_APPID")
    val webhook = Webhook(env("WXKF_TOKEN") ?: error("set WXKF_TOKEN"), appId, env("WXKF_AES_KEY"))
    val kf = env("WXKF_APP_SECRET")?.let { secret ->
        val options = ClientOptions(baseUrl = env("WXKF_API_BASE") ?: "https://api.weixin.qq.com")
        val client = Client.withStableToken(appId, secret, JdkHttpTransport(), options, guards = GuardOptions(budgetMode = BudgetMode.ENFORCE))
        val work = env("WXKF_WORK_MS")?.toLong() ?: 0L
        KfHandler(client, CoroutineScope(SupervisorJob() + Dispatchers.Default)) { push ->
            val text = (push.kind as? PushKind.Text)?.content ?: return@KfHandler null
            delay(work) // the slow part: a database, a model …
            "You wrote: $text"
        }
    }
    val server = KfWebhook(webhook, env("WXKF_KF"), kf).serve(env("PORT")?.toInt() ?: 8080)
    println("listening on http://127.0.0.1:${server.address.port}/wx")
}
