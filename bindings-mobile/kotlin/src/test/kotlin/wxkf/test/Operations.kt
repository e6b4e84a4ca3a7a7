package wxkf.test

import org.json.JSONArray
import org.json.JSONObject
import wxkf.AccessToken
import wxkf.Client
import wxkf.KfException
import wxkf.protocol.Article
import wxkf.protocol.ClientOptions
import wxkf.protocol.InviteStatus
import wxkf.protocol.KfInfo
import wxkf.protocol.MenuItem
import wxkf.protocol.Message
import wxkf.protocol.MessageContent
import wxkf.protocol.OpenedPush
import wxkf.protocol.PushKind
import wxkf.protocol.PushMessage
import wxkf.protocol.TypingCommand
import java.util.Base64

/** An argument of the wrong JSON type for the Kotlin parameter: Kotlin's static types refuse
 *  it before any call is made (the runtime check other runtimes do). */
class ArgumentTypeError(val field: String, message: String) : Exception(message)

/** Typed reads of a call's JSON arguments (the names of core's table, as for `call_json`). */
class Args(private val o: JSONObject) {
    private fun bad(k: String, want: String): Nothing = throw ArgumentTypeError(k, "$k: expected $want, got ${o.opt(k)}")

    fun has(k: String) = o.has(k) && !o.isNull(k)
    fun str(k: String): String = o.opt(k) as? String ?: bad(k, "a string")
    fun optStr(k: String): String? = if (has(k)) str(k) else null
    fun long(k: String): Long = (o.opt(k) as? Number)?.takeIf { it is Int || it is Long }?.toLong() ?: bad(k, "an integer")
    fun optLong(k: String): Long? = if (has(k)) long(k) else null
    fun bool(k: String): Boolean = o.opt(k) as? Boolean ?: bad(k, "a boolean")
    fun obj(k: String): JSONObject = o.opt(k) as? JSONObject ?: bad(k, "an object")

    /** Bytes: base64 under `k` (as `call_json` takes them), under `k_base64`, or `k_size` bytes
     *  0xFF (the vectors' big images). */
    fun bytes(k: String): ByteArray = when {
        has("${k}_size") -> ByteArray(long("${k}_size").toInt()) { 0xFF.toByte() }
        has(k) -> Base64.getDecoder().decode(str(k))
        else -> Base64.getDecoder().decode(str("${k}_base64"))
    }
}

/** A message from its JSON form (`{"<msgtype>": {…}, "kf_account"?: "…"}`). */
fun messageOf(input: JSONObject): Message {
    val kind = input.keySet().first { it != "kf_account" }
    val p = input.getJSONObject(kind)
    fun s(k: String) = p.optString(k, "")
    fun <T> list(k: String, item: (JSONObject) -> T) = p.getJSONArray(k).let { a -> (0 until a.length()).map { item(a.getJSONObject(it)) } }
    val content = when (kind) {
        "text" -> MessageContent.Text(s("content"))
        "image" -> MessageContent.Image(s("media_id"))
        "voice" -> MessageContent.Voice(s("media_id"))
        "video" -> MessageContent.Video(s("media_id"), s("thumb_media_id"), s("title"), s("description"))
        "music" -> MessageContent.Music(s("title"), s("description"), s("musicurl"), s("hqmusicurl"), s("thumb_media_id"))
        "news" -> MessageContent.News(
            list("articles") { Article(it.optString("title", ""), it.optString("description", ""), it.optString("url", ""), it.optString("picurl", "")) },
        )
        "mpnews" -> MessageContent.MpNews(s("media_id"))
        "mpnewsarticle" -> MessageContent.MpNewsArticle(s("article_id"))
        "msgmenu" -> MessageContent.MsgMenu(s("head_content"), list("list") { MenuItem(it.optString("id", ""), it.optString("content", "")) }, s("tail_content"))
        "wxcard" -> MessageContent.WxCard(s("card_id"), if (p.has("card_ext")) p.getString("card_ext") else null)
        "miniprogrampage" -> MessageContent.MiniProgramPage(s("title"), s("appid"), s("pagepath"), s("thumb_media_id"))
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

fun tokenJson(t: AccessToken): JSONObject = obj("access_token" to t.accessToken(), "expires_in" to t.expiresInSecs())

/** A push as core serializes it: the header, then the kind's fields tagged by `type`. */
fun pushJson(m: PushMessage): JSONObject {
    val o = obj("to_user_name" to m.toUserName, "from_user_name" to m.fromUserName, "create_time" to m.createTime)
    fun put(type: String, vararg f: Pair<String, Any?>) {
        o.put("type", type)
        for ((k, v) in f) o.put(k, v ?: JSONObject.NULL)
    }
    when (val k = m.kind) {
        is PushKind.Text -> put("text", "content" to k.content, "msg_id" to k.msgId, "bizmsgmenuid" to k.bizmsgmenuid)
        is PushKind.Image -> put("image", "pic_url" to k.picUrl, "media_id" to k.mediaId, "msg_id" to k.msgId)
        is PushKind.Voice -> put("voice", "media_id" to k.mediaId, "format" to k.format, "recognition" to k.recognition, "msg_id" to k.msgId)
        is PushKind.Video -> put("video", "media_id" to k.mediaId, "thumb_media_id" to k.thumbMediaId, "msg_id" to k.msgId)
        is PushKind.ShortVideo -> put("shortvideo", "media_id" to k.mediaId, "thumb_media_id" to k.thumbMediaId, "msg_id" to k.msgId)
        is PushKind.Location -> put(
            "location", "location_x" to k.locationX, "location_y" to k.locationY, "scale" to k.scale, "label" to k.label, "msg_id" to k.msgId,
        )
        is PushKind.Link -> put("link", "title" to k.title, "description" to k.description, "url" to k.url, "msg_id" to k.msgId)
        is PushKind.Subscribe -> put("subscribe", "event_key" to k.eventKey, "ticket" to k.ticket)
        is PushKind.Unsubscribe -> put("unsubscribe")
        is PushKind.Scan -> put("scan", "event_key" to k.eventKey, "ticket" to k.ticket)
        is PushKind.Click -> put("click", "event_key" to k.eventKey)
        is PushKind.View -> put("view", "event_key" to k.eventKey, "menu_id" to k.menuId)
        is PushKind.KfCreateSession -> put("kf_create_session", "kf_account" to k.kfAccount)
        is PushKind.KfCloseSession -> put("kf_close_session", "kf_account" to k.kfAccount)
        is PushKind.KfSwitchSession -> put("kf_switch_session", "from_kf_account" to k.fromKfAccount, "to_kf_account" to k.toKfAccount)
        is PushKind.Other -> put(
            "other", "msg_type" to k.msgType, "event" to k.event,
            "fields" to arr(k.fields.map { obj("name" to it.name, "value" to it.value) }),
        )
    }
    return o
}

fun openedJson(p: OpenedPush): JSONObject = obj("message" to pushJson(p.message), "encrypted" to p.encrypted, "raw_xml" to p.rawXml)

/** The error view's fields as Kotlin shows them (`kind` from the variant; `code` on API errors). */
fun errorView(e: KfException): JSONObject = when (e) {
    is KfException.Api -> obj(
        "kind" to "api", "code" to e.code, "errcode" to e.errcode, "errmsg" to e.errmsg,
        "family" to e.family.name.lowercase(), "retry" to e.retry.name.lowercase(),
    )
    is KfException.Validation -> obj("kind" to "validation", "field" to e.field, "reason" to e.reason)
    is KfException.Decode -> obj("kind" to "decode", "reason" to e.reason, "body" to e.body)
    is KfException.Http -> obj("kind" to "http", "status" to e.status.toInt(), "body" to e.body)
    is KfException.Transport -> obj("kind" to "transport", "transport_kind" to e.transportKind.name.lowercase(), "reason" to e.reason)
    is KfException.Callback -> obj("kind" to "callback", "callback_kind" to e.callbackKind.name.lowercase(), "reason" to e.reason)
    is KfException.Guard -> obj("kind" to "guard", "guard_kind" to e.guardKind.name.lowercase(), "reason" to e.reason, "until_ms" to e.untilMs)
}

/** `want`'s fields (`kind`, `errcode`, `field` …) equal the view's; `code` only for API errors. */
fun viewMatches(want: JSONObject, view: JSONObject): Boolean =
    want.keySet().all { k -> (k == "code" && view.getString("kind") != "api") || jsonEq(view.opt(k), want.get(k)) }

fun errorMatches(want: JSONObject, e: KfException): Boolean = viewMatches(want, errorView(e))

/** Client options from their snake_case JSON (core's `ClientOptions` names); an unknown key fails. */
fun optionsOf(o: JSONObject, baseUrl: String): ClientOptions {
    val known = setOf("base_url", "max_attempts", "base_delay_ms", "max_delay_ms", "deadline_ms", "retry_writes", "timeout_ms", "connect_timeout_ms", "store_namespace")
    check(known.containsAll(o.keySet())) { "unknown options ${o.keySet() - known}" }
    val d = ClientOptions()
    return ClientOptions(
        baseUrl = o.optString("base_url", baseUrl),
        maxAttempts = o.optLong("max_attempts", d.maxAttempts.toLong()).toUInt(),
        baseDelayMs = o.optLong("base_delay_ms", d.baseDelayMs.toLong()).toULong(),
        maxDelayMs = o.optLong("max_delay_ms", d.maxDelayMs.toLong()).toULong(),
        deadlineMs = o.optLong("deadline_ms", d.deadlineMs.toLong()).toULong(),
        retryWrites = o.optBoolean("retry_writes", d.retryWrites),
        timeoutMs = o.optLong("timeout_ms", d.timeoutMs.toLong()).toULong(),
        connectTimeoutMs = o.optLong("connect_timeout_ms", d.connectTimeoutMs.toLong()).toULong(),
        storeNamespace = o.optString("store_namespace", d.storeNamespace),
    )
}

/**
 * Runs one operation of core's table through the typed Kotlin `Client`, its arguments read from
 * JSON by name, and returns the result as JSON (snake_case wire names; `null` for none).
 */
suspend fun callOperation(client: Client, op: String, a: Args): Any? = when (op) {
    "add_kf_account" -> client.addKfAccount(a.str("kf_account"), a.str("nickname")).let { null }
    "update_kf_account" -> client.updateKfAccount(a.str("kf_account"), a.str("nickname")).let { null }
    "del_kf_account" -> client.delKfAccount(a.str("kf_account")).let { null }
    "get_kf_list" -> arr(client.getKfList().map(::kfInfoJson))
    "get_kf_online_list" -> arr(
        client.getKfOnlineList().map { obj("kf_account" to it.kfAccount, "status" to it.status, "kf_id" to it.kfId, "accepted_case" to it.acceptedCase) },
    )
    "invite_worker" -> client.inviteWorker(a.str("kf_account"), a.str("invite_wx")).let { null }
    "upload_kf_head_img" -> client.uploadKfHeadImg(a.str("kf_account"), a.bytes("image"), a.optStr("filename")).let { null }
    "send_message" -> client.sendMessage(a.str("touser"), messageOf(a.obj("message"))).let { null }
    "send_typing" -> client.sendTyping(
        a.str("touser"),
        when (a.str("command")) {
            "Typing" -> TypingCommand.TYPING
            "CancelTyping" -> TypingCommand.CANCEL_TYPING
            else -> throw ArgumentTypeError("command", "not a TypingCommand: ${a.str("command")}")
        },
        a.optStr("businessid"),
    ).let { null }
    "create_kf_session" -> client.createKfSession(a.str("kf_account"), a.str("openid")).let { null }
    "close_kf_session" -> client.closeKfSession(a.str("kf_account"), a.str("openid")).let { null }
    "get_kf_session" -> client.getKfSession(a.str("openid")).let { obj("kf_account" to it.kfAccount, "createtime" to it.createtime) }
    "get_kf_session_list" -> arr(client.getKfSessionList(a.str("kf_account")).map { obj("openid" to it.openid, "createtime" to it.createtime) })
    "get_wait_case_list" -> client.getWaitCaseList().let { w ->
        obj("count" to w.count, "waitcaselist" to arr(w.waitcaselist.map { obj("openid" to it.openid, "latest_time" to it.latestTime) }))
    }
    "get_msg_list" -> {
        val (start, end) = a.long("starttime") to a.long("endtime")
        val page = when {
            a.has("number") -> client.getMsgList(start, end, a.optLong("msgid") ?: 1, a.long("number"))
            a.has("msgid") -> client.getMsgList(start, end, a.long("msgid"))
            else -> client.getMsgList(start, end)
        }
        obj(
            "recordlist" to arr(page.recordlist.map { obj("openid" to it.openid, "opercode" to it.opercode, "text" to it.text, "time" to it.time, "worker" to it.worker) }),
            "number" to page.number,
            "msgid" to page.msgid,
        )
    }
    "get_access_token" -> tokenJson(client.getAccessToken())
    "get_stable_access_token" -> tokenJson(if (a.has("force_refresh")) client.getStableAccessToken(a.bool("force_refresh")) else client.getStableAccessToken())
    else -> error("no Kotlin call for operation $op: add it here")
}

/** Every key of `want` is in `got` with that value (recursively; a list holds, for each wanted
 *  element, some element containing it). */
fun jsonContains(got: Any?, want: Any?): Boolean = when (want) {
    is JSONObject -> got is JSONObject && want.keySet().all { got.has(it) && jsonContains(got.get(it), want.get(it)) }
    is JSONArray -> got is JSONArray && (0 until want.length()).all { i -> (0 until got.length()).any { jsonContains(got.get(it), want.get(i)) } }
    else -> jsonEq(got, want)
}
