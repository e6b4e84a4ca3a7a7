package wxkf.test

import org.json.JSONArray
import org.json.JSONObject
import wxkf.HostClock
import wxkf.HttpRequest
import wxkf.HttpResponse
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest.BodyPublishers
import java.net.http.HttpResponse.BodyHandlers

/** The host transport of the tests and of the README (the example's: `java.net.http`). */
typealias JdkHttpTransport = wxkf.example.JdkHttpTransport

/** A clock the test moves by hand; `sleep` just advances it. */
class ManualClock(@Volatile var now: Long) : HostClock {
    override fun nowMs(): Long = now
    override suspend fun sleep(ms: ULong) {
        now += ms.toLong()
    }
}

fun vectorsDir(): File = File(System.getProperty("wxkf.vectors") ?: "../../tests/vectors")

fun readJson(file: File): JSONObject = JSONObject(file.readText(Charsets.UTF_8))

/** Deep JSON equality with numbers compared by value (1 == 1.0) and key order free. */
fun jsonEq(a: Any?, b: Any?): Boolean {
    val x = if (a == null) JSONObject.NULL else a
    val y = if (b == null) JSONObject.NULL else b
    return when {
        x === JSONObject.NULL || y === JSONObject.NULL -> x === y
        x is Number && y is Number -> x.toDouble() == y.toDouble()
        x is JSONObject && y is JSONObject ->
            x.keySet() == y.keySet() && x.keySet().all { jsonEq(x.opt(it), y.opt(it)) }
        x is JSONArray && y is JSONArray -> x.length() == y.length() && (0 until x.length()).all { jsonEq(x.opt(it), y.opt(it)) }
        else -> x == y
    }
}

fun obj(vararg pairs: Pair<String, Any?>): JSONObject {
    val o = JSONObject()
    for ((k, v) in pairs) o.put(k, v ?: JSONObject.NULL)
    return o
}

fun arr(items: List<Any?>): JSONArray = JSONArray().also { a -> items.forEach { a.put(it ?: JSONObject.NULL) } }

/** Decoded query pairs of a URL (percent-decoding as UTF-8). */
fun queryPairs(url: String): List<Pair<String, String>> {
    val q = url.substringAfter('?', "")
    if (q.isEmpty()) return emptyList()
    return q.split('&').filter { it.isNotEmpty() }.map {
        val k = it.substringBefore('=')
        val v = it.substringAfter('=', "")
        java.net.URLDecoder.decode(k.replace("+", "%2B"), Charsets.UTF_8) to
            java.net.URLDecoder.decode(v.replace("+", "%2B"), Charsets.UTF_8)
    }
}

fun urlPath(url: String): String {
    val rest = url.substringAfter("://")
    return "/" + rest.substringAfter('/', "").substringBefore('?')
}

fun header(request: HttpRequest, name: String): String? =
    request.headers().firstOrNull { it.name.equals(name, ignoreCase = true) }?.value

/**
 * The emulator in its own process (the binary from `-Dwxkf.emulator`, on a free port) and a
 * client of its `/__admin` API; `args` are its flags besides the port.
 */
class EmulatorProcess(vararg args: String) : AutoCloseable {
    private val process: Process
    private val http = HttpClient.newHttpClient()

    /** The emulator's base URL (`http://127.0.0.1:PORT`). */
    val base: String

    init {
        val bin = System.getProperty("wxkf.emulator") ?: error("set -Dwxkf.emulator")
        process = ProcessBuilder(bin, "--port", "0", *args).redirectError(ProcessBuilder.Redirect.DISCARD).start()
        val first = process.inputStream.bufferedReader().readLine() ?: error("emulator printed nothing")
        base = first.substringAfter("listening on ").trim()
        check(base.startsWith("http://")) { "unexpected first line: $first" }
    }

    private fun adminSend(method: String, path: String, body: Any?): java.net.http.HttpResponse<String> {
        val b = java.net.http.HttpRequest.newBuilder(URI.create("$base/__admin/$path")).header("content-type", "application/json")
        b.method(method, if (body == null) BodyPublishers.noBody() else BodyPublishers.ofString(body.toString()))
        return http.send(b.build(), BodyHandlers.ofString())
    }

    /** One admin call (`path` under `/__admin/`); fails the test unless it answers 2xx. */
    fun admin(method: String, path: String, body: Any? = null): JSONObject {
        val resp = adminSend(method, path, body)
        check(resp.statusCode() in 200..299) { "admin $path: ${resp.statusCode()} ${resp.body()}" }
        return if (resp.body().isBlank()) JSONObject() else JSONObject(resp.body())
    }

    /** One admin call that may be refused: its HTTP status. */
    fun adminStatus(method: String, path: String, body: Any? = null): Int = adminSend(method, path, body).statusCode()

    override fun close() {
        process.destroy()
        process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)
    }
}
