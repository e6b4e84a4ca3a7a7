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
import wxkf.protocol.CallbackKind
import wxkf.protocol.OpenedPush
import wxkf.protocol.PushKind
import wxkf.protocol.PushQuery
import wxkf.protocol.Reply
import wxkf.protocol.TypingCommand
import wxkf.protocol.UrlQuery
import java.net.InetSocketAddress
import java.net.URLDecoder

/**
 * A WeChat push webhook in Kotlin (JVM, JDK `HttpServer` only): answers the URL check (GET),
 * opens each push (signature, timestamp window, replay protection, AES decryption, typed parse)
 * and hands users who write in to customer service — to the kf `kfAccount` when given.
 *
 * With a `client` and a `handler` it answers pushes itself, the production way (WeChat's
 * 5-second rule): `client.acceptPush` opens the push, flags WeChat's retries of one already
 * accepted (answered, not handled again) and records the user's action in the reply budget;
 * the webhook answers `success` at once and runs `handler` in a coroutine of `scope`, with
 * "typing…" shown to a user who wrote in while it works (again every 15 s).
 */
class KfWebhook(
    private val webhook: Webhook,
    private val kfAccount: String?,
    private val client: Client? = null,
    private val handler: (suspend (OpenedPush) -> Unit)? = null,
    private val scope: CoroutineScope = CoroutineScope(SupervisorJob() + Dispatchers.Default),
) {
    /** Every accepted push, newest last (for logging or tests). */
    val received: MutableList<PushKind> = java.util.Collections.synchronizedList(mutableListOf())

    private fun isUserMessage(kind: PushKind) = when (kind) {
        is PushKind.Text, is PushKind.Image, is PushKind.Voice, is PushKind.Video,
        is PushKind.ShortVideo, is PushKind.Location, is PushKind.Link -> true
        else -> false
    }

    /** Accepts a push and answers at once; the handler runs in a coroutine. */
    private fun dispatch(client: Client, handler: suspend (OpenedPush) -> Unit, query: PushQuery, body: ByteArray): String {
        val accepted = runBlocking { client.acceptPush(webhook, query, body) }
        if (accepted.duplicate) return "success"
        val push = accepted.push
        received += push.message.kind
        scope.launch {
            val user = push.message.fromUserName.takeIf { isUserMessage(push.message.kind) }
            suspend fun typing() = user != null && runCatching { client.sendTyping(user, TypingCommand.TYPING) }.isSuccess
            // Shown before the handler can answer, then again while it works.
            val keep = if (typing()) launch { while (true) { delay(15_000); if (!typing()) break } } else null
            try {
                handler(push)
            } catch (e: Exception) {
                System.err.println("the push handler failed: $e")
            } finally {
                keep?.cancel()
            }
        }
        return "success"
    }

    /** Handles one request: returns the status and the body to send. */
    fun handle(method: String, rawQuery: String?, body: ByteArray): Pair<Int, String> {
        val q = parseQuery(rawQuery)
        return try {
            when (method) {
                "GET" -> 200 to webhook.checkUrl(UrlQuery(q["signature"] ?: "", q["timestamp"] ?: "", q["nonce"] ?: "", q["echostr"] ?: ""))
                "POST" -> {
                    val query = PushQuery(q["signature"] ?: "", q["timestamp"] ?: "", q["nonce"] ?: "", q["encrypt_type"], q["msg_signature"])
                    if (client != null && handler != null) return 200 to dispatch(client, handler, query, body)
                    val opened = webhook.open(query, body)
                    received += opened.message.kind
                    val reply = when (opened.message.kind) {
                        is PushKind.Text, is PushKind.Image, is PushKind.Voice, is PushKind.Video,
                        is PushKind.ShortVideo, is PushKind.Location, is PushKind.Link ->
                            Reply.TransferCustomerService(kfAccount)
                        else -> Reply.Success
                    }
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

    /** Serves `path` on 127.0.0.1:`port` (0 = any free port). */
    fun serve(port: Int, path: String = "/wx"): HttpServer {
        val server = HttpServer.create(InetSocketAddress("127.0.0.1", port), 0)
        server.createContext(path) { ex: HttpExchange ->
            val (status, answer) = handle(ex.requestMethod, ex.requestURI.rawQuery, ex.requestBody.readAllBytes())
            val bytes = answer.toByteArray(Charsets.UTF_8)
            ex.responseHeaders.add("content-type", "text/plain; charset=utf-8")
            ex.sendResponseHeaders(status, bytes.size.toLong())
            ex.responseBody.use { it.write(bytes) }
        }
        server.start()
        return server
    }

    companion object {
        fun parseQuery(raw: String?): Map<String, String> =
            (raw ?: "").split('&').filter { it.isNotEmpty() }.associate {
                URLDecoder.decode(it.substringBefore('='), Charsets.UTF_8) to URLDecoder.decode(it.substringAfter('=', ""), Charsets.UTF_8)
            }
    }
}

/** `WXKF_TOKEN=… WXKF_APPID=… WXKF_AES_KEY=… [WXKF_KF=kf01@gh_x] [PORT=8080] java … wxkf.example.KfWebhookKt` */
fun main() {
    fun env(name: String) = System.getenv(name)?.takeIf { it.isNotEmpty() }
    val webhook = Webhook(env("WXKF_TOKEN") ?: error("set WXKF_TOKEN"), env("WXKF_APPID") ?: error("set WXKF_APPID"), env("WXKF_AES_KEY"))
    val server = KfWebhook(webhook, env("WXKF_KF")).serve(env("PORT")?.toInt() ?: 8080)
    println("listening on http://127.0.0.1:${server.address.port}/wx")
}
