// The push side in Swift (a server written in Swift, e.g. with Vapor or Hummingbird):
// verify the URL, open an encrypted push, answer with a transfer to a named kf.
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

    /// POST: a push. User messages go to `kf01@gh_account`; everything else is acknowledged.
    func handle(query: [URLQueryItem], body: Data) -> (Int, String) {
        let q = PushQuery(
            signature: Self.param(query, "signature") ?? "",
            timestamp: Self.param(query, "timestamp") ?? "",
            nonce: Self.param(query, "nonce") ?? "",
            encryptType: Self.param(query, "encrypt_type"),
            msgSignature: Self.param(query, "msg_signature")
        )
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
}
