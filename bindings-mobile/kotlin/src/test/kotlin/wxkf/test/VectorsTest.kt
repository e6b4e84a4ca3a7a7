package wxkf.test

import kotlinx.coroutines.runBlocking
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import wxkf.Client
import wxkf.HttpRequest
import wxkf.HttpResponse
import wxkf.HttpTransport
import wxkf.KfException
import wxkf.protocol.ClientOptions
import java.io.File
import java.util.Base64

/** Checks each request against the vector and answers its canned response. */
class CheckingTransport(private val case: JSONObject) : HttpTransport {
    var calls = 0
    var failure: String? = null

    override suspend fun send(request: HttpRequest): HttpResponse {
        calls++
        val expected = case.opt("request")
        if (expected !is JSONObject) {
            failure = "expected no request, got ${request.method()} ${request.redactedUrl()}"
        } else if (failure == null) {
            failure = checkRequest(expected, request)
        }
        val r = case.optJSONObject("response") ?: JSONObject()
        val body = if (r.has("body_text")) r.getString("body_text").toByteArray() else r.opt("body").toString().toByteArray()
        return HttpResponse(r.optInt("status", 200).toUShort(), listOf(), body)
    }
}

fun checkRequest(expected: JSONObject, actual: HttpRequest): String? {
    if (actual.method() != expected.getString("method")) return "method ${actual.method()}"
    val url = actual.url()
    if (!url.startsWith("https://api.weixin.qq.com/")) return "base URL of ${actual.redactedUrl()}"
    if (urlPath(url) != expected.getString("path")) return "path ${urlPath(url)} != ${expected.getString("path")}"
    val query = JSONObject()
    for ((k, v) in queryPairs(url)) {
        if (query.has(k)) return "query parameter $k twice"
        query.put(k, v)
    }
    if (!jsonEq(query, expected.getJSONObject("query"))) return "query $query != ${expected.getJSONObject("query")}"
    if (expected.has("raw_query") && url.substringAfter('?', "") != expected.getString("raw_query")) {
        return "raw query ${url.substringAfter('?', "")}"
    }
    val body = actual.body()
    when {
        expected.has("json") -> {
            val text = String(body, Charsets.UTF_8)
            val parsed = try { JSONObject(text) } catch (e: Exception) { return "body is not JSON: $text" }
            if (!jsonEq(parsed, expected.getJSONObject("json"))) return "json body $text != ${expected.getJSONObject("json")}"
            if (header(actual, "content-type")?.startsWith("application/json") != true) return "json without content type"
            if (expected.optBoolean("body_has_no_escapes") && text.contains("\\u")) return "body holds \\u escapes: $text"
        }
        expected.has("multipart") -> {
            val mp = expected.getJSONObject("multipart")
            val ct = header(actual, "content-type") ?: ""
            val boundary = ct.removePrefix("multipart/form-data; boundary=")
            if (boundary == ct) return "content type $ct"
            val text = String(body, Charsets.ISO_8859_1)
            val open = "--$boundary\r\n"
            val close = "\r\n--$boundary--\r\n"
            if (!text.startsWith(open) || !text.endsWith(close)) return "multipart framing"
            val inner = text.substring(open.length, text.length - close.length)
            val head = inner.substringBefore("\r\n\r\n")
            val data = inner.substringAfter("\r\n\r\n").toByteArray(Charsets.ISO_8859_1)
            val wantHead = "Content-Disposition: form-data; name=\"${mp.getString("field")}\"; " +
                "filename=\"${mp.getString("filename")}\"\r\nContent-Type: ${mp.getString("content_type")}"
            if (head != wantHead) return "part header $head"
            if (mp.has("data_size")) {
                // `data_size`: that many 0xFF bytes (a big image described compactly)
                if (data.size != mp.getInt("data_size") || data.any { it != 0xFF.toByte() }) return "part data differs (${data.size} bytes)"
            } else if (!data.contentEquals(Base64.getDecoder().decode(mp.getString("data_base64")))) {
                return "part data differs"
            }
        }
        body.isNotEmpty() -> return "unexpected body of ${body.size} bytes"
    }
    return null
}

/**
 * A vector's field as the Kotlin client names it: the AppID and AppSecret of the token calls are
 * the client's constructor arguments, checked when it is built (core's `Credentials`:
 * `app_id`, `app_secret`), not fields of the request (`appid`, `secret`).
 */
fun clientField(want: JSONObject): JSONObject {
    val renamed = mapOf("appid" to "app_id", "secret" to "app_secret")[want.optString("field")] ?: return want
    return JSONObject(want.toString()).put("field", renamed)
}

class VectorsTest {
    private val base = "https://api.weixin.qq.com"

    private val options = ClientOptions(baseUrl = base, maxAttempts = 1u)

    /** The client a case runs on: AppID and AppSecret for the token calls, else a fixed token. */
    private fun client(op: String, input: Args, t: HttpTransport): Client = when (op) {
        "get_access_token" -> Client.withClassicToken(input.str("appid"), input.str("secret"), t, options)
        "get_stable_access_token" -> Client.withStableToken(input.str("appid"), input.str("secret"), t, options)
        else -> Client.withFixedToken("ACCESS_TOKEN", t, options)
    }

    /** Runs one case through the public Kotlin client; returns what differs, or null. */
    private suspend fun runCase(case: JSONObject): String? {
        val t = CheckingTransport(case)
        val op = case.getString("operation")
        val input = Args(case.getJSONObject("input"))
        val got: Any? = try {
            callOperation(client(op, input, t), op, input)
        } catch (e: KfException) {
            t.failure?.let { return it }
            if (case.opt("request") == JSONObject.NULL && t.calls > 0) return "sent ${t.calls} requests for a case that must fail first"
            val want = case.getJSONObject("expect").optJSONObject("error") ?: return "unexpected error $e"
            return if (errorMatches(clientField(want), e)) null else "error $e != $want"
        }
        t.failure?.let { return it }
        if (t.calls == 0) return "nothing was sent"
        val expect = case.getJSONObject("expect")
        if (!expect.has("result")) return "expected an error, got $got"
        return if (jsonEq(got, expect.opt("result"))) null else "result $got != ${expect.opt("result")}"
    }

    private fun cases(): List<Pair<String, JSONObject>> =
        (vectorsDir().listFiles() ?: arrayOf<File>())
            .filter { it.name.endsWith(".json") && !it.name.startsWith("push-") }
            .sortedBy { it.name }
            .flatMap { f -> readJson(f).getJSONArray("cases").let { a -> (0 until a.length()).map { f.name to a.getJSONObject(it) } } }

    @Test
    fun everySharedVectorPassesThroughTheKotlinClient() = runBlocking {
        val cases = cases()
        assertTrue(cases.size >= 60, "only ${cases.size} cases in ${vectorsDir()}")
        val failures = cases.mapNotNull { (file, case) -> runCase(case)?.let { "$file/${case.getString("name")}: $it" } }
        assertTrue(failures.isEmpty(), "${failures.size} of ${cases.size} vectors failed:\n" + failures.joinToString("\n"))
        println("vectors: ${cases.size} passed, 0 failed")
    }

    @Test
    fun aChangedExpectationFails() = runBlocking {
        val case = cases().first { it.second.getString("name") == "send_image" }.second
        assertEquals(null, runCase(case))
        case.getJSONObject("request").getJSONObject("json").getJSONObject("image").put("media_id", "other")
        assertTrue(runCase(case) != null)
        val listCase = cases().first { it.second.getString("name") == "get_kf_list" }.second
        (listCase.getJSONObject("expect").get("result") as JSONArray).getJSONObject(0).put("kf_nick", "changed")
        assertTrue(runCase(listCase) != null)
    }
}
