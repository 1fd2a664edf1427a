// Choosing a client: every active client, never a short "recent" list a new client falls off,
// the user's own ("Mina klienter": contact person or deputy) first, and nothing chosen until the
// user chooses; typed text matches the code ("k17", "K-017") or the
// start of a word of the name, without regard to case or accents. The same rules as
// ClientPicker.kt on Android.
import Foundation
import UppsokCore

public enum ClientPicker {
    /// Letters and digits only, lower case, accents dropped.
    public static func fold(_ text: String) -> String {
        let plain = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        return String(plain.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    static func words(_ name: String) -> [String] {
        name.split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "\t" }).map { fold(String($0)) }.filter { !$0.isEmpty }
    }

    static func stripLetters(_ s: String) -> String {
        String(s.drop(while: { $0.isLetter }).drop(while: { $0 == "0" }))
    }

    public static func search(_ clients: [ClientItem], query: String, recentIds: [String] = []) -> [ClientItem] {
        let open = clients.filter { $0.phase != .closed }
        let q = fold(query)
        if q.isEmpty {
            var rank: [String: Int] = [:]
            for (i, id) in recentIds.enumerated() where rank[id] == nil { rank[id] = i }
            // "Mina klienter" first, then the others; each part recent first, then by code.
            return open.sorted { a, b in
                if a.mine != b.mine { return a.mine }
                let ra = rank[a.id] ?? Int.max, rb = rank[b.id] ?? Int.max
                return ra != rb ? ra < rb : a.code < b.code
            }
        }
        let digits = stripLetters(q)
        let prefix = String(q.prefix(while: { $0.isLetter }))
        func codeMatch(_ c: ClientItem) -> Bool {
            let code = fold(c.code)
            if code.contains(q) { return true }
            return !digits.isEmpty && stripLetters(code) == digits && String(code.prefix(while: { $0.isLetter })).hasPrefix(prefix)
        }
        func nameMatch(_ c: ClientItem) -> Bool {
            words(c.name).contains { $0.hasPrefix(q) } || fold(c.name).hasPrefix(q)
        }
        let byCode = open.filter(codeMatch).sorted { $0.code < $1.code }
        let byName = open.filter { !codeMatch($0) && nameMatch($0) }.sorted { $0.code < $1.code }
        return byCode + byName
    }

    /// `search` under headings: without a query "Mina klienter" and "Övriga klienter" (a part
    /// left out when empty, and no heading when the user has no clients of their own); with
    /// one, the matches without a heading.
    public static func sections(_ clients: [ClientItem], query: String, recentIds: [String], _ lang: Lang) -> [PickerSection] {
        let found = search(clients, query: query, recentIds: recentIds)
        if !fold(query).isEmpty || !found.contains(where: { $0.mine }) { return [PickerSection(title: nil, clients: found)] }
        let mine = found.filter { $0.mine }, others = found.filter { !$0.mine }
        var out = [PickerSection(title: lang == .sv ? "Mina klienter" : "My clients", clients: mine)]
        if !others.isEmpty { out.append(PickerSection(title: lang == .sv ? "Övriga klienter" : "Other clients", clients: others)) }
        return out
    }
}

/// A heading of the picker ("Mina klienter") and the clients under it.
public struct PickerSection {
    public let title: String?
    public let clients: [ClientItem]
}
