package wxkf.example

import kotlinx.coroutines.future.await
import wxkf.HttpHeader
import wxkf.HttpRequest
import wxkf.HttpResponse
import wxkf.HttpTransport
import wxkf.KfException
import wxkf.protocol.TransportKind
import java.io.IOException
import java.net.ConnectException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpConnectTimeoutException
import java.net.http.HttpRequest.BodyPublishers
import java.net.http.HttpResponse.BodyHandlers
import java.net.http.HttpTimeoutException
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger

/**
 * A host transport on `java.net.http` driven by coroutines (this example's, the tests', the README's).
 * Failures below HTTP become `KfException.Transport` with the right kind (CONNECT only when
 * the request surely never left, so wxkf may retry even a write).
 */
class JdkHttpTransport(
    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(),
    private val timeout: Duration = Duration.ofSeconds(20),
) : HttpTransport {
    val sent = AtomicInteger()

    override suspend fun send(request: HttpRequest): HttpResponse {
        sent.incrementAndGet()
        val builder = java.net.http.HttpRequest.newBuilder(URI.create(request.url())).timeout(timeout)
        for (h in request.headers()) builder.header(h.name, h.value)
        when (request.method()) {
            "GET" -> builder.GET()
            else -> builder.method(request.method(), BodyPublishers.ofByteArray(request.body()))
        }
        try {
            val resp = http.sendAsync(builder.build(), BodyHandlers.ofByteArray()).await()
            val headers = resp.headers().map().flatMap { (name, values) -> values.map { HttpHeader(name, it) } }
            return HttpResponse(resp.statusCode().toUShort(), headers, resp.body())
        } catch (e: HttpConnectTimeoutException) {
            throw KfException.Transport(TransportKind.CONNECT, "connect timed out")
        } catch (e: ConnectException) {
            throw KfException.Transport(TransportKind.CONNECT, "connection refused")
        } catch (e: HttpTimeoutException) {
            throw KfException.Transport(TransportKind.TIMEOUT, "no response in time")
        } catch (e: IOException) {
            throw KfException.Transport(TransportKind.RESET, "connection failed: ${e.javaClass.simpleName}")
        }
    }
}
