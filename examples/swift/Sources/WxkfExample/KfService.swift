// Usage of the generated Swift binding (module `Wxkf`) in an iOS/macOS app.
//
// Written against the Swift that `scripts/test-mobile.sh` generates from the built library
// (`Wxkf.swift` and `WxkfProtocol.swift`, two sources of the one `Wxkf` module, over the
// `WxkfFFI` headers). Swift cannot be compiled on the machine that runs the test suite, so this
// file is checked only by reading the generated API; see bindings-mobile/README.md for how to
// build the xcframework and the Swift package.

import Foundation
import Wxkf

/// The app's HTTP stack for wxkf: URLSession, so the app keeps its own proxies, pinning
/// (through the session's delegate) and configuration.
final class URLSessionTransport: HttpTransport, @unchecked Sendable {
    private let session: URLSession

    init(session: URLSession = .shared) {
        self.session = session
    }

    func send(request: HttpRequest) async throws -> HttpResponse {
        guard let url = URL(string: request.url()) else {
            throw KfError.Transport(transportKind: .notSent, reason: "bad URL \(request.redactedUrl())")
        }
        var r = URLRequest(url: url, timeoutInterval: 20)
        r.httpMethod = request.method()
        for h in request.headers() {
            r.setValue(h.value, forHTTPHeaderField: h.name)
        }
        if request.method() != "GET" {
            r.httpBody = request.body()
        }
        do {
            let (data, response) = try await session.data(for: r)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            return HttpResponse(status: UInt16(clamping: status), body: data)
        } catch let e as URLError {
            // `.connect` only when the request surely never left: wxkf then retries even writes.
            switch e.code {
            case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .notConnectedToInternet:
                throw KfError.Transport(transportKind: .connect, reason: "\(e.code)")
            case .timedOut:
                throw KfError.Transport(transportKind: .timeout, reason: "no response in time")
            case .cancelled:
                throw KfError.Transport(transportKind: .aborted, reason: "cancelled")
            default:
                throw KfError.Transport(transportKind: .reset, reason: "\(e.code)")
            }
        }
    }
}

/// Tokens come from the app's own back end, which holds the AppSecret (never the app).
final class BackendTokenProvider: TokenProvider, @unchecked Sendable {
    private let endpoint: URL
    private let session: URLSession

    init(endpoint: URL, session: URLSession = .shared) {
        self.endpoint = endpoint
        self.session = session
    }

    private struct Grant: Decodable {
        let access_token: String
        let expires_in: Int64
    }

    func token(failed: String?) async throws -> AccessToken? {
        var r = URLRequest(url: endpoint)
        r.httpMethod = "POST"
        r.setValue("application/json", forHTTPHeaderField: "content-type")
        // Tell the broker which token WeChat rejected, so it hands out a fresher one.
        r.httpBody = try JSONSerialization.data(withJSONObject: ["rejected": failed != nil])
        let (data, _) = try await session.data(for: r)
        let grant = try JSONDecoder().decode(Grant.self, from: data)
        return AccessToken(accessToken: grant.access_token, expiresInSecs: grant.expires_in)
    }
}

/// What an agent app does with the client: every call is `async throws`.
struct KfService {
    let client: Client

    init(broker: URL) throws {
        client = try Client.withTokenProvider(
            provider: BackendTokenProvider(endpoint: broker),
            transport: URLSessionTransport()
        )
    }

    /// Takes the next waiting user and greets them.
    func takeNextUser(as kfAccount: String) async throws -> String? {
        let queue = try await client.getWaitCaseList()
        guard let next = queue.waitcaselist.first else { return nil }
        try await client.createKfSession(kfAccount: kfAccount, openid: next.openid)
        try await client.sendTyping(touser: next.openid, command: .typing)
        try await client.sendMessage(
            touser: next.openid,
            message: Message(content: .text(content: "您好，我是客服小王 👋"), kfAccount: kfAccount)
        )
        return next.openid
    }

    /// Sends a menu and reports errors natively.
    func askSatisfaction(_ openid: String) async -> String {
        let menu = MessageContent.msgMenu(
            headContent: "您对本次服务满意吗？",
            list: [MenuItem(id: "101", content: "满意"), MenuItem(id: "102", content: "不满意")],
            tailContent: "谢谢"
        )
        do {
            try await client.sendMessage(touser: openid, message: Message(content: menu))
            return "sent"
        } catch KfError.Api(let code, let errcode, _, let family, _) where family == .outOfWindow {
            return "the user wrote more than 48 h ago (\(code) \(errcode))"
        } catch KfError.Validation(let field, let reason) {
            return "invalid \(field): \(reason)"
        } catch {
            return "failed: \(error)"
        }
    }

    /// Yesterday's records, page by page; `cursor()` can be saved to resume later.
    func exportRecords(from: Int64, to: Int64) async throws -> [MsgRecord] {
        let walk = try client.msgRecords(from: from, to: to)
        var all: [MsgRecord] = []
        while true {
            let page = try await walk.nextPage()
            if page.isEmpty { break }
            all += page
        }
        return all
    }

    /// The kf accounts and who is online now.
    func roster() async throws -> (all: [KfInfo], online: [KfOnlineInfo]) {
        (try await client.getKfList(), try await client.getKfOnlineList())
    }
}
