// The push side in Swift (a server written in Swift, e.g. with Vapor or Hummingbird):
// verify the URL, open an encrypted push, answer with a transfer to a named kf — or answer
// `success` at once and reply later as a kf (the 5-second rule, `handleWithin5s`).
// Framework-neutral: feed it the query items and the body of the request.

import Foundation
import Wxkf

struct KfWebhook {
    /// Replay protection is on by default (core's capacity and window).
    let webhook: Webhook

    init(token: String, appId: String, encodingAesKey: String) throws {
        webhook = try Webhook(token: token, appId: appId, encodingAesKey: encodingAesKey)
    }

    private static func param(_ items: [URLQueryItem], _ name: String) -> String? {
        items.first { $0.name == name }?.value
    }

    /// GET: the URL check. Returns (status, body).
    func verify(query: [URLQueryItem]) -> (Int, String) {
        let q = UrlQuery(
            signature: Self.param(query, "signature") ?? "",
            timestamp: Self.param(query, "timestamp") ?? "",
            nonce: Self.param(query, "nonce") ?? "",
            echostr: Self.param(query, "echostr") ?? ""
        )
        do {
            return (200, try webhook.checkUrl(query: q))
        } catch {
            return (403, "forbidden")
        }
    }

    private static func pushQuery(_ query: [URLQueryItem]) -> PushQuery {
        PushQuery(
            signature: param(query, "signature") ?? "",
            timestamp: param(query, "timestamp") ?? "",
            nonce: param(query, "nonce") ?? "",
            encryptType: param(query, "encrypt_type"),
            msgSignature: param(query, "msg_signature")
        )
    }

    /// POST: a push. User messages go to `kf01@gh_account`; everything else is acknowledged.
    func handle(query: [URLQueryItem], body: Data) -> (Int, String) {
        let q = Self.pushQuery(query)
        do {
            let opened = try webhook.open(query: q, body: body)
            let reply: Reply
            switch opened.message.kind {
            case .text, .image, .voice:
                reply = .transferCustomerService(kfAccount: "kf01@gh_account")
            case .kfCreateSession(let kf):
                print("\(kf) took \(opened.message.fromUserName)")
                reply = .success
            default:
                reply = .success
            }
            // Encrypted when the push was.
            return (200, try webhook.reply(push: opened, reply: reply))
        } catch KfError.Callback(let kind, _) {
            return (kind == .tooLarge ? 413 : 400, "refused")
        } catch {
            return (400, "refused")
        }
    }

    /// POST, the 5-second rule: WeChat waits 5 s for the answer, then sends the push again
    /// (three times). `client.acceptPush` opens the push, recognises those retries and opens
    /// the user's reply budget; the answer is `success` at once, and `answer` (as slow as it
    /// needs) runs in a `Task` with "typing…" shown, its text sent as a kf message.
    func handleWithin5s(client: Client, query: [URLQueryItem], body: Data,
                        answer: @escaping @Sendable (String) async -> String) async -> (Int, String) {
        do {
            let accepted = try await client.acceptPush(webhook: webhook, query: Self.pushQuery(query), body: body)
            guard !accepted.duplicate, case .text(let text, _, _) = accepted.push.message.kind else {
                return (200, "success") // a retry already handled, or nothing to answer
            }
            let openid = accepted.push.message.fromUserName
            Task {
                try? await client.sendTyping(touser: openid, command: .typing)
                let reply = await answer(text)
                do {
                    try await client.sendMessage(touser: openid, message: Message(content: .text(content: reply)))
                } catch KfError.Guard(let kind, _, _) {
                    print("not sent: the user's reply budget (\(kind))") // e.g. a template message instead
                } catch {
                    print("not sent: \(error)")
                }
            }
            return (200, "success")
        } catch KfError.Callback(let kind, _) {
            return (kind == .tooLarge ? 413 : 400, "refused")
        } catch {
            return (400, "refused")
        }
    }
}
