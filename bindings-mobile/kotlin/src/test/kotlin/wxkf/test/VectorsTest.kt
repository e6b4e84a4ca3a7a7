package wxkf.test

import kotlinx.coroutines.runBlocking
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import wxkf.Article
import wxkf.Client
import wxkf.ClientOptions
import wxkf.HttpRequest
import wxkf.HttpResponse
import wxkf.HttpTransport
import wxkf.InviteStatus
import wxkf.KfException
import wxkf.KfInfo
import wxkf.MenuItem
import wxkf.Message
import wxkf.MessageContent
import wxkf.TypingCommand
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

fun messageOf(input: JSONObject): Message {
    val kind = input.keySet().first { it != "kf_account" }
    val p = input.getJSONObject(kind)
    fun s(k: String) = p.optString(k, "")
    val content = when (kind) {
        "text" -> MessageContent.Text(s("content"))
        "image" -> MessageContent.Image(s("media_id"))
        "voice" -> MessageContent.Voice(s("media_id"))
        "video" -> MessageContent.Video(s("media_id"), s("thumb_media_id"), s("title"), s("description"))
        "music" -> MessageContent.Music(s("title"), s("description"), s("musicurl"), s("hqmusicurl"), s("thumb_media_id"))
        "news" -> MessageContent.News(
            (0 until p.getJSONArray("articles").length()).map {
                val a = p.getJSONArray("articles").getJSONObject(it)
                Article(a.optString("title", ""), a.optString("description", ""), a.optString("url", ""), a.optString("picurl", ""))
            },
        )
        "mpnews" -> MessageContent.Mpnews(s("media_id"))
        "mpnewsarticle" -> MessageContent.Mpnewsarticle(s("article_id"))
        "msgmenu" -> MessageContent.Msgmenu(
            s("head_content"),
            (0 until p.getJSONArray("list").length()).map {
                val i = p.getJSONArray("list").getJSONObject(it)
                MenuItem(i.optString("id", ""), i.optString("content", ""))
            },
            s("tail_content"),
        )
        "wxcard" -> MessageContent.Wxcard(s("card_id"))
        "miniprogrampage" -> MessageContent.Miniprogrampage(s("title"), s("appid"), s("pagepath"), s("thumb_media_id"))
        else -> error("unknown message kind $kind")
    }
    return Message(content, if (input.has("kf_account")) input.getString("kf_account") else null)
}

fun kfInfoJson(k: KfInfo): JSONObject {
    val o = obj("kf_account" to k.kfAccount, "kf_nick" to k.kfNick, "kf_id" to k.kfId, "kf_headimgurl" to k.kfHeadimgurl)
    k.kfWx?.let { o.put("kf_wx", it) }
    k.inviteWx?.let { o.put("invite_wx", it) }
    k.inviteExpireTime?.let { o.put("invite_expire_time", it) }
    k.inviteStatus?.let { o.put("invite_status", if (it == InviteStatus.UNKNOWN) "unknown" else it.name.lowercase()) }
    return o
}

fun errorMatches(want: JSONObject, e: KfException): Boolean = when (want.getString("kind")) {
    "api" -> e is KfException.Api && e.errcode == want.getLong("errcode") && e.code == want.getString("code") &&
        e.retry.name.lowercase() == want.getString("retry")
    "validation" -> e is KfException.Validation && e.field == want.getString("field")
    "decode" -> e is KfException.Decode
    "http" -> e is KfException.Http && e.status.toInt() == want.getInt("status")
    else -> false
}

class VectorsTest {
    private val base = "https://api.weixin.qq.com"

    private fun options(clock: ManualClock? = null) = ClientOptions(baseUrl = base, maxAttempts = 1u, clock = clock)

    /** Runs one case through the public Kotlin client; returns what differs, or null. */
    private suspend fun runCase(case: JSONObject): String? {
        val t = CheckingTransport(case)
        val input = case.getJSONObject("input")
        fun s(k: String) = input.optString(k, "")
        val client by lazy { Client.withFixedToken("ACCESS_TOKEN", t, options()) }
        val got: Any? = try {
            when (val op = case.getString("operation")) {
                "get_access_token" -> {
                    val clock = ManualClock(1_000_000)
                    val c = Client.withClassicToken(s("appid"), s("secret"), t, options(clock))
                    val token = c.accessToken()
                    // expires_in through behaviour: fresh until 5 minutes before expiry, then refetched.
                    val want = case.getJSONObject("expect").optJSONObject("result")?.optLong("expires_in") ?: 0
                    clock.now = 1_000_000 + want * 1000 - 300_000 - 1
                    c.accessToken()
                    val stillCached = c.tokenFetches() == 1uL
                    clock.now += 1
                    c.accessToken()
                    val refetched = c.tokenFetches() == 2uL
                    obj("access_token" to token, "expires_in" to if (stillCached && refetched) want else -1)
                }
                "get_stable_access_token" -> {
                    val c = Client.withStableToken(s("appid"), s("secret"), t, options())
                    val token = c.fetchStableAccessToken(input.optBoolean("force_refresh"))
                    obj("access_token" to token.accessToken(), "expires_in" to token.expiresInSecs())
                }
                "add_kf_account" -> client.addKfAccount(s("kf_account"), s("nickname")).let { null }
                "update_kf_account" -> client.updateKfAccount(s("kf_account"), s("nickname")).let { null }
                "del_kf_account" -> client.delKfAccount(s("kf_account")).let { null }
                "invite_worker" -> client.inviteWorker(s("kf_account"), s("invite_wx")).let { null }
                "upload_kf_head_img" -> {
                    if (input.has("filename") && input.getString("filename") != "avatar.jpg") return "filename not supported"
                    val image = if (input.has("image_size")) {
                        ByteArray(input.getInt("image_size")) { 0xFF.toByte() }
                    } else {
                        Base64.getDecoder().decode(s("image_base64"))
                    }
                    client.uploadKfHeadImg(s("kf_account"), image).let { null }
                }
                "get_kf_list" -> arr(client.getKfList().map(::kfInfoJson))
                "get_kf_online_list" -> arr(
                    client.getKfOnlineList().map {
                        obj("kf_account" to it.kfAccount, "status" to it.status, "kf_id" to it.kfId, "accepted_case" to it.acceptedCase)
                    },
                )
                "send_message" -> client.sendMessage(s("touser"), messageOf(input.getJSONObject("message"))).let { null }
                "send_typing" -> client.sendTyping(
                    s("touser"),
                    if (s("command") == "Typing") TypingCommand.TYPING else TypingCommand.CANCEL_TYPING,
                    if (input.has("businessid")) s("businessid") else null,
                ).let { null }
                "create_kf_session" -> client.createKfSession(s("kf_account"), s("openid")).let { null }
                "close_kf_session" -> client.closeKfSession(s("kf_account"), s("openid")).let { null }
                "get_kf_session" -> client.getKfSession(s("openid")).let { obj("kf_account" to it.kfAccount, "createtime" to it.createtime) }
                "get_kf_session_list" -> arr(client.getKfSessionList(s("kf_account")).map { obj("openid" to it.openid, "createtime" to it.createtime) })
                "get_wait_case_list" -> client.getWaitCaseList().let { w ->
                    obj("count" to w.count, "waitcaselist" to arr(w.waitcaselist.map { obj("openid" to it.openid, "latest_time" to it.latestTime) }))
                }
                "get_msg_list" -> client.getMsgList(input.getLong("starttime"), input.getLong("endtime"), input.getLong("msgid"), input.getLong("number")).let { p ->
                    obj(
                        "recordlist" to arr(
                            p.recordlist.map { obj("openid" to it.openid, "opercode" to it.opercode, "text" to it.text, "time" to it.time, "worker" to it.worker) },
                        ),
                        "number" to p.number,
                        "msgid" to p.msgid,
                    )
                }
                else -> return "unknown operation $op"
            }
        } catch (e: KfException) {
            t.failure?.let { return it }
            if (case.opt("request") == JSONObject.NULL && t.calls > 0) return "sent ${t.calls} requests for a case that must fail first"
            val want = case.getJSONObject("expect").optJSONObject("error") ?: return "unexpected error $e"
            return if (errorMatches(want, e)) null else "error $e != $want"
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
