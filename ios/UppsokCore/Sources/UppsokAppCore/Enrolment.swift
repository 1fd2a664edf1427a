// Enrolment: the code typed or scanned, the `uppsok://enrol?server=…&code=…` link, and the
// enrolment itself, which keeps the store when it fails so that it can be retried. The same
// rules as Enrolment.kt on Android.
import Foundation
import UppsokCore

/// What an enrolment link or QR code fills in.
public struct EnrolmentLink: Sendable, Equatable {
    public let server: String?
    public let code: String

    public init(server: String?, code: String) {
        self.server = server
        self.code = code
    }
}

public enum Enrolment {
    /// Letters and digits only, upper case: people type codes with spaces and dashes.
    public static func normaliseCode(_ raw: String) -> String {
        String(raw.filter { $0.isLetter || $0.isNumber }).uppercased()
    }

    /// https, or http only for a test server on this machine. Returns the problem, or nil.
    public static func serverProblem(_ url: String, _ lang: Lang) -> String? {
        let u = URLComponents(string: url.trimmingCharacters(in: .whitespaces))
        let host = u?.host ?? ""
        let ok: Bool
        switch u?.scheme?.lowercased() {
        case "https": ok = !host.isEmpty
        case "http": ok = host == "localhost" || host == "127.0.0.1"
        default: ok = false
        }
        if ok { return nil }
        return lang == .sv ? "Ange serverns adress, som börjar med https://" : "Enter the server's address, starting with https://"
    }

    /// `uppsok://enrol?server=…&code=…`; nil for another link, a short code or a server that is
    /// not https (a link can come from anywhere: it only fills in the form).
    public static func parseLink(_ text: String) -> EnrolmentLink? {
        guard let u = URLComponents(string: text.trimmingCharacters(in: .whitespacesAndNewlines)),
              u.scheme?.lowercased() == "uppsok", u.host?.lowercased() == "enrol" else { return nil }
        let items = u.queryItems ?? []
        guard let raw = items.first(where: { $0.name == "code" })?.value else { return nil }
        let code = normaliseCode(raw)
        guard (6...64).contains(code.count) else { return nil }
        let server = items.first(where: { $0.name == "server" })?.value?.trimmingCharacters(in: .whitespaces)
        if let server = server, !server.isEmpty {
            guard serverProblem(server, .sv) == nil else { return nil }
            var s = server
            while s.hasSuffix("/") { s.removeLast() }
            return EnrolmentLink(server: s, code: code)
        }
        return EnrolmentLink(server: nil, code: code)
    }

    /// Where the system browser starts an enrolment through the organisation's own login
    /// (OpenID Connect at the server, `GET /enrol/oidc`): after the login the server redirects
    /// to an `uppsok://enrol` link that `parseLink` reads. `org` (an organisation's id) skips the
    /// server's choice of organisation. Nil while the server address is not usable.
    public static func oidcStartURL(server: String, org: String? = nil) -> URL? {
        guard serverProblem(server, .sv) == nil else { return nil }
        var base = server.trimmingCharacters(in: .whitespaces)
        while base.hasSuffix("/") { base.removeLast() }
        guard var c = URLComponents(string: base + "/enrol/oidc") else { return nil }
        if let o = org?.trimmingCharacters(in: .whitespaces), !o.isEmpty {
            c.queryItems = [URLQueryItem(name: "org", value: o)]
        }
        return c.url
    }

    /// A scanned QR code: an enrolment link or the bare code.
    public static func parseScan(_ text: String) -> EnrolmentLink? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.lowercased().hasPrefix("uppsok:") { return parseLink(t) }
        let code = normaliseCode(t)
        return (6...64).contains(code.count) && t.count <= 80 ? EnrolmentLink(server: nil, code: code) : nil
    }

    /// The result of an enrolment: the gate event, the store (when there is one) and the error.
    public struct Outcome: @unchecked Sendable {
        public let event: GateEvent
        public let store: UppsokStore?
        public let error: Error?
    }

    /// Creates the store when there is none, then enrols it. A failure keeps the store (a retry
    /// enrols it) and answers `.enrolFailed`; success answers `.enrolled`.
    public static func enrol(path: String, username: String, serverUrl: String, code: String,
                             deviceName: String?, keys: PlatformKeyProvider) async -> Outcome {
        var store: UppsokStore? = nil
        do {
            let s = try await StoreCalls.openOrCreate(path: path, username: username, keys: keys)
            store = s
            let url = serverUrl.trimmingCharacters(in: .whitespaces)
            let clean = normaliseCode(code)
            _ = try await StoreCalls.detached(s) { store -> Bool in
                _ = try store.enrol(serverUrl: url, code: clean, deviceName: deviceName)
                return true
            }
            return Outcome(event: .enrolled, store: s, error: nil)
        } catch {
            return Outcome(event: .enrolFailed(storeExists: storeExists(path: path)), store: store, error: error)
        }
    }
}
