// A back-office tool on the JVM: lists the kf accounts, adds one, and shows how wxkf reports a
// bad argument and a refused call. The AppSecret modes are for servers you control; an app
// gets its tokens from your back end (Client.withTokenProvider).
//
//   WXKF_APPID=wx... WXKF_SECRET=... [WXKF_BASE_URL=http://127.0.0.1:PORT] \
//     mvn -q compile exec:java -Dexec.mainClass=wxkf.example.MainKt
package wxkf.example

import java.io.IOException
import java.net.ConnectException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpConnectTimeoutException
import java.net.http.HttpRequest.BodyPublishers
import java.net.http.HttpResponse.BodyHandlers
import java.net.http.HttpTimeoutException
import java.time.Duration
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import wxkf.Client
import wxkf.HttpHeader
import wxkf.HttpRequest
import wxkf.HttpResponse
import wxkf.HttpTransport
import wxkf.KfException
import wxkf.protocol.ClientOptions
import wxkf.protocol.TransportKind

/** wxkf's HTTP over the JDK's `java.net.http` client. */
class JdkHttpTransport(
    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(),
    private val timeout: Duration = Duration.ofSeconds(20),
) : HttpTransport {
    override suspend fun send(request: HttpRequest): HttpResponse {
        val builder = java.net.http.HttpRequest.newBuilder(URI.create(request.url())).timeout(timeout)
        for (h in request.headers()) builder.header(h.name, h.value)
        if (request.method() == "GET") builder.GET()
        else builder.method(request.method(), BodyPublishers.ofByteArray(request.body()))
        try {
            val resp = http.sendAsync(builder.build(), BodyHandlers.ofByteArray()).await()
            val headers = resp.headers().map().flatMap { (name, values) -> values.map { HttpHeader(name, it) } }
            return HttpResponse(resp.statusCode().toUShort(), headers, resp.body())
        } catch (e: HttpConnectTimeoutException) {
            throw KfException.Transport(TransportKind.CONNECT, "connect timed out") // never sent: wxkf may retry
        } catch (e: ConnectException) {
            throw KfException.Transport(TransportKind.CONNECT, "connection refused")
        } catch (e: HttpTimeoutException) {
            throw KfException.Transport(TransportKind.TIMEOUT, "no response in time")
        } catch (e: IOException) {
            throw KfException.Transport(TransportKind.RESET, "connection failed: ${e.javaClass.simpleName}")
        }
    }
}

fun main() = runBlocking {
    val env = System.getenv()
    val options = ClientOptions(baseUrl = env["WXKF_BASE_URL"] ?: "https://api.weixin.qq.com")
    val client = Client.withStableToken(env.getValue("WXKF_APPID"), env.getValue("WXKF_SECRET"), JdkHttpTransport(), options)

    client.addKfAccount("kf01@wxkf_example", "客服小王")
    for (kf in client.getKfList()) println("kf account: ${kf.kfAccount} (${kf.kfNick})")

    try {
        client.addKfAccount("no-at-sign", "x") // refused before anything is sent
    } catch (e: KfException.Validation) {
        println("validation error: ${e.field}")
    }
    try {
        client.delKfAccount("nobody@wxkf_example")
    } catch (e: KfException.Api) {
        println("api error: ${e.errcode} ${e.code}")
    }
    println("token fetches: ${client.tokenFetches()}")
}
