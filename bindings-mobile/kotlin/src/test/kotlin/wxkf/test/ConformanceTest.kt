package wxkf.test

import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import wxkf.Client
import wxkf.KfException
import wxkf.Webhook
import wxkf.protocol.PushQuery
import java.io.File

/**
 * The cross-runtime scenario (`tests/conformance/scenario.json`, format in its README) through
 * the public Kotlin API against the emulator: each step's result or error compared field by
 * field, and no secret of the scenario in any error (message, toString, fields) or result.
 *
 * Kotlin is statically typed: an argument of the wrong JSON type cannot reach a call. Such a
 * step passes when the scenario expects a `validation` error naming that argument (the runtime
 * check other runtimes make is Kotlin's compile-time check).
 */
class ConformanceTest {
    private val scenario = JSONObject(File(System.getProperty("wxkf.conformance") ?: "../../tests/conformance/scenario.json").readText())

    private fun client(credentials: JSONObject, options: JSONObject, base: String): Client {
        val o = optionsOf(options, base)
        val t = JdkHttpTransport()
        return when {
            credentials.has("access_token") -> Client.withFixedToken(credentials.getString("access_token"), t, o)
            credentials.optString("token_kind", "stable") == "classic" ->
                Client.withClassicToken(credentials.getString("app_id"), credentials.getString("app_secret"), t, o)
            else -> Client.withStableToken(credentials.getString("app_id"), credentials.getString("app_secret"), t, o)
        }
    }

    private fun merged(first: JSONObject, over: JSONObject?): JSONObject =
        JSONObject(first.toString()).also { m -> over?.keySet()?.forEach { m.put(it, over.get(it)) } }

    /** What a step produced: `{"result": …}` or `{"error": view}`, and the texts to scan. */
    private suspend fun run(step: JSONObject, client: Client, webhook: Webhook, texts: MutableList<String>): JSONObject = try {
        val result = if (step.has("call")) {
            callOperation(client, step.getString("call"), Args(step.getJSONObject("args")))
        } else {
            val p = step.getJSONObject("push")
            val q = p.getJSONObject("query")
            val query = PushQuery(q.optString("signature", ""), q.optString("timestamp", ""), q.optString("nonce", ""), q.optString("encrypt_type", null), q.optString("msg_signature", null))
            openedJson(webhook.open(query, p.getString("body").toByteArray(), p.getLong("now")))
        }
        texts += result.toString()
        obj("result" to result)
    } catch (e: KfException) {
        texts += listOf(e.message ?: "", e.toString(), errorView(e).toString())
        obj("error" to errorView(e))
    } catch (e: ArgumentTypeError) {
        texts += e.message ?: ""
        obj("ill_typed" to e.field)
    }

    private fun check(step: JSONObject, got: JSONObject): String? {
        val expect = step.getJSONObject("expect")
        return when {
            got.has("ill_typed") -> {
                val want = expect.optJSONObject("error")
                if (want?.optString("kind") == "validation" && want.optString("field") == got.getString("ill_typed")) null
                else "argument ${got.getString("ill_typed")} is ill-typed for Kotlin, but the step expects $expect"
            }
            expect.has("error") -> {
                val view = got.optJSONObject("error")
                if (view != null && viewMatches(expect.getJSONObject("error"), view)) null else "got $got"
            }
            expect.has("result") -> if (got.has("result") && jsonEq(got.get("result"), expect.get("result"))) null else "got $got"
            expect.has("result_contains") -> if (got.has("result") && jsonContains(got.get("result"), expect.get("result_contains"))) null else "got $got"
            else -> "unknown expectation $expect"
        }
    }

    /** One run of `scenario` against a fresh emulator: what failed (and leaked), steps checked, texts scanned. */
    private fun runScenario(scenario: JSONObject): Triple<List<String>, Int, Int> = runBlocking {
        val e = scenario.getJSONObject("emulator")
        EmulatorProcess("--appid", e.getString("appid"), "--secret", e.getString("secret"), "--callback-token", e.getString("callback_token")).use { emulator ->
            val first = scenario.getJSONObject("client")
            var client = client(first.getJSONObject("credentials"), first.optJSONObject("options") ?: JSONObject(), emulator.base)
            val w = scenario.getJSONObject("webhook")
            val webhook = Webhook(w.getString("token"), w.getString("app_id"), w.optString("encoding_aes_key", null))
            val texts = mutableListOf<String>()
            val failures = mutableListOf<String>()
            val steps = scenario.getJSONArray("steps")
            var checked = 0
            for (i in 0 until steps.length()) {
                val step = steps.getJSONObject(i)
                when {
                    step.has("admin") -> step.getJSONObject("admin").let { a ->
                        emulator.admin(a.getString("method"), a.getString("path").removePrefix("/__admin/"), a.opt("body"))
                    }
                    step.has("client") -> step.getJSONObject("client").let { c ->
                        client = client(
                            merged(first.getJSONObject("credentials"), c.optJSONObject("credentials")),
                            merged(first.optJSONObject("options") ?: JSONObject(), c.optJSONObject("options")),
                            emulator.base,
                        )
                    }
                    else -> {
                        checked++
                        check(step, run(step, client, webhook, texts))?.let { failures += "${step.getString("name")}: $it" }
                    }
                }
            }
            val secrets = scenario.getJSONArray("secrets").let { a -> (0 until a.length()).map { a.getString(it) } }
            val leaks = secrets.flatMap { s -> texts.filter { it.contains(s) }.map { "secret ${s.take(6)}… in $it" } }
            Triple(failures + leaks, checked, texts.size)
        }
    }

    @Test
    fun theScenarioPassesInKotlin() {
        val (failures, checked, texts) = runScenario(scenario)
        assertTrue(failures.isEmpty(), failures.joinToString("\n"))
        assertTrue(checked >= 10 && texts >= checked, "only $checked steps checked")
        println("conformance: $checked steps passed in Kotlin, the scenario's secrets in none of $texts texts")
    }

    @Test
    fun aChangedExpectationOrALeakFails() {
        val changed = JSONObject(scenario.toString())
        val steps = changed.getJSONArray("steps")
        val api = (0 until steps.length()).map { steps.getJSONObject(it) }.first { it.optJSONObject("expect")?.optJSONObject("error")?.has("errcode") == true }
        api.getJSONObject("expect").getJSONObject("error").put("errcode", 1)
        changed.getJSONArray("secrets").put("KF_ACCOUNT_EXISTS") // a text every run shows: must be reported
        val (failures, _, _) = runScenario(changed)
        val (leaks, wrong) = failures.partition { it.startsWith("secret") }
        assertTrue(wrong.size == 1 && wrong[0].startsWith(api.getString("name")) && leaks.isNotEmpty(), "$failures")
    }
}
