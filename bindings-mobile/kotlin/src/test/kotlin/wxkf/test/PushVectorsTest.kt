package wxkf.test

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import wxkf.KfException
import wxkf.Webhook
import wxkf.protocol.CallbackKind
import wxkf.protocol.OpenedPush
import wxkf.protocol.PushKind
import wxkf.protocol.PushMessage
import wxkf.protocol.PushQuery
import wxkf.protocol.Reply
import wxkf.protocol.UrlQuery
import java.io.File
import java.nio.ByteBuffer
import java.util.Base64
import javax.crypto.Cipher
import javax.crypto.spec.IvParameterSpec
import javax.crypto.spec.SecretKeySpec

fun errorJson(e: KfException): JSONObject = when (e) {
    is KfException.Callback -> obj("code" to "CALLBACK", "kind" to e.callbackKind.name.lowercase())
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

/**
 * The 24 bytes of entropy `Webhook.reply` takes that make a vector's reply: its nonce (ten
 * decimal digits, from the first 8 bytes read as a little-endian number) and its 16 random
 * bytes. Null when the vector's nonce is not ten digits: a reply's nonce comes from entropy and
 * cannot be chosen by a caller.
 */
fun replyEntropy(nonce: String, randomHex: String): ByteArray? {
    if (!Regex("[0-9]{10}").matches(nonce)) return null
    val random = ByteArray(randomHex.length / 2) { randomHex.substring(it * 2, it * 2 + 2).toInt(16).toByte() }
    return ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(nonce.toLong()).array() + random
}

class PushVectorsTest {
    private fun settings(file: JSONObject, case: JSONObject) = case.optJSONObject("config") ?: file.getJSONObject("config")

    /** The case's webhook; replay protection sized as its `guard` says (else core's default). */
    private fun webhook(file: JSONObject, case: JSONObject): Webhook {
        val c = settings(file, case)
        val key = if (c.isNull("encoding_aes_key")) null else c.getString("encoding_aes_key")
        val capacity = case.optJSONObject("guard")?.getInt("capacity")?.toUInt()
        return Webhook(c.getString("token"), c.getString("appid"), key, c.optLong("window_secs", 300).toULong(), capacity)
    }

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

    /** Opens the case's push (`guard.times` times when it has a guard: the last one counts). */
    private fun open(hook: Webhook, case: JSONObject): OpenedPush {
        val q = query(case.getJSONObject("query"))
        val now = case.getLong("now")
        val body = body(case)
        repeat((case.optJSONObject("guard")?.getInt("times") ?: 1) - 1) { hook.open(q, body, now) }
        return hook.open(q, body, now)
    }

    private fun reply(file: JSONObject, case: JSONObject): JSONObject {
        val hook = webhook(file, case)
        val opened = open(hook, case.getJSONObject("push"))
        val r = case.getJSONObject("reply")
        val reply = when (r.getString("type")) {
            "success" -> Reply.Success
            "text" -> Reply.Text(r.getString("content"))
            "transfer_customer_service" -> Reply.TransferCustomerService(if (r.isNull("kf_account")) null else r.getString("kf_account"))
            else -> error("reply type ${r.getString("type")}")
        }
        val entropy = replyEntropy(case.getString("nonce"), case.getString("random_hex"))
        if (entropy == null) {
            // A nonce a caller would choose: here it always comes from entropy, ten digits.
            val body = hook.reply(opened, reply, case.getLong("now"))
            val nonce = Regex("<Nonce><!\\[CDATA\\[(.*?)]]></Nonce>").find(body)?.groupValues?.get(1)
            assertTrue(!opened.encrypted || (nonce != null && Regex("[0-9]{10}").matches(nonce)), "nonce of $body")
            return obj("nonce_not_choosable" to nonce)
        }
        val body = hook.reply(opened, reply, case.getLong("now"), entropy)
        val enc = Regex("<Encrypt><!\\[CDATA\\[(.*?)]]></Encrypt>").find(body)?.groupValues?.get(1)
        if (enc == null || case.optJSONObject("expect")?.has("inner_xml") != true) return obj("expect" to obj("body" to body))
        val key = settings(file, case).getString("encoding_aes_key")
        return obj("expect" to obj("body" to body, "inner_xml" to decryptIndependently(key, enc)))
    }

    @Test
    fun everyPushVectorPassesInKotlin() {
        val files = (vectorsDir().listFiles() ?: arrayOf<File>()).filter { it.name.startsWith("push-") && it.name.endsWith(".json") }.sortedBy { it.name }
        assertTrue(files.size >= 4, "push vector files in ${vectorsDir()}")
        val failures = mutableListOf<String>()
        var count = 0
        var notChoosable = 0
        for (f in files) {
            val file = readJson(f)
            val format = file.getString("format")
            val cases = file.getJSONArray("cases")
            for (i in 0 until cases.length()) {
                val case = cases.getJSONObject(i)
                count++
                val got = try {
                    when {
                        format.startsWith("push-url") -> {
                            val q = case.getJSONObject("query")
                            val echo = webhook(file, case).checkUrl(
                                UrlQuery(q.optString("signature", ""), q.optString("timestamp", ""), q.optString("nonce", ""), q.optString("echostr", "")),
                                case.getLong("now"),
                            )
                            obj("expect" to obj("echostr" to echo))
                        }
                        format.startsWith("push-open") -> open(webhook(file, case), case).let {
                            obj("expect" to obj("encrypted" to it.encrypted, "raw_xml" to it.rawXml, "message" to pushJson(it.message)))
                        }
                        format.startsWith("push-reply") -> reply(file, case)
                        else -> error("unknown format $format")
                    }
                } catch (e: KfException) {
                    obj("error" to errorJson(e))
                }
                val want = if (case.has("expect")) obj("expect" to case.get("expect")) else obj("error" to case.get("error"))
                if (got.has("nonce_not_choosable")) {
                    // The vector refuses a caller's bad nonce; Kotlin takes no nonce (it comes from
                    // entropy, ten digits, checked above): the refusal has nothing to refuse.
                    notChoosable++
                    if (!jsonEq(want, obj("error" to obj("code" to "VALIDATION", "field" to "nonce")))) failures += "${f.name}/${case.getString("name")}: nonce"
                } else if (!jsonEq(got, want)) {
                    failures += "${f.name}/${case.getString("name")}:\n  want $want\n  got  $got"
                }
            }
        }
        assertTrue(failures.isEmpty(), "${failures.size} of $count push vectors failed:\n" + failures.joinToString("\n"))
        assertTrue(count > 80, "only $count push vectors")
        assertTrue(notChoosable <= 1, "$notChoosable vectors with a nonce Kotlin cannot pass")
        println("push vectors: ${count - notChoosable} passed, 0 failed; $notChoosable about a caller-chosen nonce (none in Kotlin: the reply's nonce came from entropy, ten digits)")
    }

    @Test
    fun pushApiRejectsBadInputWithNativeErrors() {
        val hook = Webhook("wxkfTestToken2024", "wx1234567890abcdef", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
        // A forged URL check is a Callback error of kind SIGNATURE, never a crash.
        val e = runCatching { hook.checkUrl(UrlQuery("0".repeat(40), "1700000000", "n", "echo"), 1700000000) }.exceptionOrNull()
        assertTrue(e is KfException.Callback && e.callbackKind == CallbackKind.SIGNATURE, "$e")
        // A bad EncodingAESKey is refused when the webhook is built, naming the field.
        val bad = runCatching { Webhook("t", "wx1", "short") }.exceptionOrNull()
        assertTrue(bad is KfException.Validation && bad.field == "encoding_aes_key", "$bad")
        // Entropy must be 24 bytes.
        val opened = OpenedPush(PushMessage("gh", "o", 1, PushKind.Text("hi", "1", null)), false, "<xml/>")
        val r = runCatching { hook.reply(opened, Reply.Text("hi"), 1, ByteArray(3)) }.exceptionOrNull()
        assertTrue(r is KfException.Validation && r.field == "entropy", "$r")
        // Defaults (clock, entropy) produce a plain reply for a plain push, and fresh nonces for
        // encrypted ones; a transfer answers a user's message only, never an event.
        assertTrue(hook.reply(opened, Reply.TransferCustomerService("kf1@gh_1")).contains("<KfAccount><![CDATA[kf1@gh_1]]>"))
        val event = opened.copy(message = opened.message.copy(kind = PushKind.Unsubscribe))
        val refused = runCatching { hook.reply(event, Reply.TransferCustomerService(null)) }.exceptionOrNull()
        assertTrue(refused is KfException.Validation && refused.field == "reply", "$refused")
        val nonces = (1..5).map {
            val body = hook.reply(opened.copy(encrypted = true), Reply.Text("hi"))
            Regex("<Nonce><!\\[CDATA\\[([0-9]{10})]]></Nonce>").find(body)?.groupValues?.get(1) ?: error(body)
        }
        assertEquals(5, nonces.toSet().size, "$nonces")
        // The webhook's string form never shows the token or the key.
        val text = hook.toString()
        assertTrue(!text.contains("wxkfTestToken2024") && !text.contains("abcdefghijklmnop"), text)
    }
}
