package wxkf.test

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import wxkf.CallbackConfig
import wxkf.KfException
import wxkf.OpenedPush
import wxkf.PushKind
import wxkf.PushMessage
import wxkf.PushQuery
import wxkf.ReplayGuard
import wxkf.Reply
import wxkf.UrlQuery
import java.io.File
import java.nio.ByteBuffer
import java.util.Base64
import javax.crypto.Cipher
import javax.crypto.spec.IvParameterSpec
import javax.crypto.spec.SecretKeySpec

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

fun errorJson(e: KfException): JSONObject = when (e) {
    is KfException.Callback -> obj("code" to "CALLBACK", "kind" to e.kind.name.lowercase())
    is KfException.Validation -> obj("code" to "VALIDATION", "field" to e.field)
    else -> obj("code" to e.javaClass.simpleName)
}

/** Decrypts a safe-mode `Encrypt` value with the JDK's own AES, independently of wxkf. */
fun decryptIndependently(encodingAesKey: String, encrypt: String): String {
    val key = Base64.getDecoder().decode("$encodingAesKey=")
    val cipher = Cipher.getInstance("AES/CBC/NoPadding")
    cipher.init(Cipher.DECRYPT_MODE, SecretKeySpec(key, "AES"), IvParameterSpec(key.copyOf(16)))
    val plain = cipher.doFinal(Base64.getDecoder().decode(encrypt))
    val pad = plain.last().toInt()
    require(pad in 1..32) { "bad padding $pad" }
    val len = ByteBuffer.wrap(plain, 16, 4).int
    return String(plain, 20, len, Charsets.UTF_8)
}

class PushVectorsTest {
    private fun config(file: JSONObject, case: JSONObject): CallbackConfig {
        val c = case.optJSONObject("config") ?: file.getJSONObject("config")
        val key = if (c.isNull("encoding_aes_key")) null else c.getString("encoding_aes_key")
        return CallbackConfig(c.getString("token"), c.getString("appid"), key, c.optLong("window_secs", 300).toULong())
    }

    private fun aesKey(file: JSONObject, case: JSONObject): String =
        (case.optJSONObject("config") ?: file.getJSONObject("config")).getString("encoding_aes_key")

    private fun body(case: JSONObject): ByteArray {
        if (case.has("body_base64")) return Base64.getDecoder().decode(case.getString("body_base64"))
        return case.optString("body", "").repeat(case.optInt("body_repeat", 1)).toByteArray(Charsets.UTF_8)
    }

    private fun query(q: JSONObject) = PushQuery(
        signature = q.optString("signature", ""),
        timestamp = q.optString("timestamp", ""),
        nonce = q.optString("nonce", ""),
        encryptType = if (q.has("encrypt_type")) q.getString("encrypt_type") else null,
        msgSignature = if (q.has("msg_signature")) q.getString("msg_signature") else null,
    )

    private fun open(file: JSONObject, case: JSONObject): OpenedPush {
        val cfg = config(file, case)
        val q = query(case.getJSONObject("query"))
        val now = case.getLong("now")
        val body = body(case)
        val g = case.optJSONObject("guard") ?: return cfg.openPush(q, body, now)
        val fileCfg = case.optJSONObject("config") ?: file.getJSONObject("config")
        val guard = ReplayGuard(g.getInt("capacity").toUInt(), fileCfg.optLong("window_secs", 300).toULong())
        repeat(g.getInt("times") - 1) { cfg.openPushGuarded(q, body, guard, now) }
        return cfg.openPushGuarded(q, body, guard, now)
    }

    private fun reply(file: JSONObject, case: JSONObject): JSONObject {
        val cfg = config(file, case)
        val opened = open(file, case.getJSONObject("push"))
        val r = case.getJSONObject("reply")
        val reply = when (r.getString("type")) {
            "success" -> Reply.Success
            "text" -> Reply.Text(r.getString("content"))
            "transfer_customer_service" -> Reply.TransferCustomerService(if (r.isNull("kf_account")) null else r.getString("kf_account"))
            else -> error("reply type ${r.getString("type")}")
        }
        val hex = case.getString("random_hex")
        val random = ByteArray(hex.length / 2) { hex.substring(it * 2, it * 2 + 2).toInt(16).toByte() }
        val body = cfg.buildReply(opened, reply, case.getLong("now"), case.getString("nonce"), random)
        if (!case.getJSONObject("expect").has("inner_xml")) return obj("body" to body)
        val enc = Regex("<Encrypt><!\\[CDATA\\[(.*?)]]></Encrypt>").find(body)?.groupValues?.get(1) ?: return obj("body" to body)
        return obj("body" to body, "inner_xml" to decryptIndependently(aesKey(file, case), enc))
    }

    @Test
    fun everyPushVectorPassesInKotlin() {
        val files = (vectorsDir().listFiles() ?: arrayOf<File>()).filter { it.name.startsWith("push-") && it.name.endsWith(".json") }.sortedBy { it.name }
        assertTrue(files.size >= 4, "push vector files in ${vectorsDir()}")
        val failures = mutableListOf<String>()
        var count = 0
        for (f in files) {
            val file = readJson(f)
            val format = file.getString("format")
            val cases = file.getJSONArray("cases")
            for (i in 0 until cases.length()) {
                val case = cases.getJSONObject(i)
                count++
                val got = try {
                    val v = when {
                        format.startsWith("push-url") -> {
                            val q = case.getJSONObject("query")
                            val echo = config(file, case).checkUrl(
                                UrlQuery(q.optString("signature", ""), q.optString("timestamp", ""), q.optString("nonce", ""), q.optString("echostr", "")),
                                case.getLong("now"),
                            )
                            obj("echostr" to echo)
                        }
                        format.startsWith("push-open") -> open(file, case).let {
                            obj("encrypted" to it.encrypted, "raw_xml" to it.rawXml, "message" to pushJson(it.message))
                        }
                        format.startsWith("push-reply") -> reply(file, case)
                        else -> error("unknown format $format")
                    }
                    obj("expect" to v)
                } catch (e: KfException) {
                    obj("error" to errorJson(e))
                }
                val want = if (case.has("expect")) obj("expect" to case.get("expect")) else obj("error" to case.get("error"))
                if (!jsonEq(got, want)) failures += "${f.name}/${case.getString("name")}:\n  want $want\n  got  $got"
            }
        }
        assertTrue(failures.isEmpty(), "${failures.size} of $count push vectors failed:\n" + failures.joinToString("\n"))
        assertTrue(count > 80, "only $count push vectors")
        println("push vectors: $count passed, 0 failed")
    }

    @Test
    fun pushApiRejectsBadInputWithNativeErrors() {
        val cfg = CallbackConfig("wxkfTestToken2024", "wx1234567890abcdef", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
        // A forged URL check is a Callback error of kind SIGNATURE, never a crash.
        val e = runCatching { cfg.checkUrl(UrlQuery("0".repeat(40), "1700000000", "n", "echo"), 1700000000) }.exceptionOrNull()
        assertTrue(e is KfException.Callback && e.kind == wxkf.CallbackKind.SIGNATURE, "$e")
        // A bad EncodingAESKey is refused when the config is built, naming the field.
        val bad = runCatching { CallbackConfig("t", "wx1", "short") }.exceptionOrNull()
        assertTrue(bad is KfException.Validation && bad.field == "encoding_aes_key", "$bad")
        // random must be 16 bytes.
        val opened = OpenedPush(PushMessage("gh", "o", 1, PushKind.Unsubscribe), false, "<xml/>")
        val r = runCatching { cfg.buildReply(opened, Reply.Text("hi"), 1, "n1", ByteArray(3)) }.exceptionOrNull()
        assertTrue(r is KfException.Validation && r.field == "random", "$r")
        // Defaults (clock, nonce, randomness) produce a plain reply for a plain push; a transfer
        // answers a user's message only, never an event.
        val userText = opened.copy(message = opened.message.copy(kind = PushKind.Text("hi", null, null)))
        assertTrue(cfg.buildReply(userText, Reply.TransferCustomerService("kf1@gh_1")).contains("<KfAccount><![CDATA[kf1@gh_1]]>"))
        val refused = runCatching { cfg.buildReply(opened, Reply.TransferCustomerService(null)) }.exceptionOrNull()
        assertTrue(refused is KfException.Validation && refused.field == "reply", "$refused")
        // The config's string form never shows the token or the key.
        val text = cfg.toString()
        assertTrue(!text.contains("wxkfTestToken2024") && !text.contains("abcdefghijklmnop"), text)
    }
}
