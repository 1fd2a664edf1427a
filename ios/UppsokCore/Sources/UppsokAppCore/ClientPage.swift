// The client page's data, read through the core so that the access log sees what the page shows;
// the same as ClientPage.kt. Plain Swift: compiled on Linux in Swift 5 and 6 modes and tested
// against the real library and server (ClientPageTests).
import Foundation
import UppsokCore

/// What "Visa äldre" has fetched so far: contacts and outcomes from before the phone's window,
/// from the server, held here in memory only (the core stores nothing of them).
public struct OlderHistoryPart: Sendable {
    public var visits: [VisitItem] = []
    public var outcomes: [OutcomeItem] = []
    /// Where the next part starts; nil once `fetched`: nothing older is left.
    public var nextBefore: String?
    public var fetched = false
    /// Why the last fetch failed, in the app's language.
    public var error: String?

    public init() {}
}

/// The client page as it is shown: the client, its contacts and trips on the phone and older
/// history.
public struct ClientPageState: Sendable {
    public let client: ClientItem
    public let visits: [VisitItem]
    /// The driver's trips to the client: linked to its contacts, or naming its code.
    public var trips: [TripItem] = []
    /// The phone's window of history; nil before a server named one (the phone keeps all).
    public let window: HistoryWindow?
    public var older = OlderHistoryPart()

    /// "Visa äldre" is offered while the server may hold more than the phone.
    public var canShowOlder: Bool { window != nil && (!older.fetched || older.nextBefore != nil) }
}

/// The client page reads everything through the core: `load` opens the client (`client`: an
/// opening of the client in the phone's access log), its contacts and its trips
/// (`visitsForClient`, `tripsForClient`: an opening of its history, logged once) — not the
/// client from the list, which the log would not see. `older`
/// is "Visa äldre": the next part of the history from before the phone's window, from the server
/// while online (the server logs that opening).
public enum ClientPage {
    public static func load(_ store: UppsokStore, clientId: String) throws -> ClientPageState {
        ClientPageState(
            client: try store.client(id: clientId),
            visits: try store.visitsForClient(clientId: clientId),
            trips: try store.tripsForClient(clientId: clientId),
            window: try store.historyWindow()
        )
    }

    /// A row of the client's trips: "12 nov. · Kalix → Töre · 25,3 km (GPS)".
    public static func tripLine(_ trip: TripItem, _ lang: Lang, zone: TimeZone = .current) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let d = cal.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(trip.startMs) / 1000))
        let iso = String(format: "%04d-%02d-%02d", d.year ?? 0, d.month ?? 0, d.day ?? 0)
        let day = Format.shortDate(iso, lang) ?? iso
        return "\(day) · \(trip.fromPlace) → \(trip.toPlace) · \(Format.km(trip.km, lang)) (\(Format.distanceSource(trip.source, lang)))"
    }

    public static func older(_ store: UppsokStore, _ page: ClientPageState, _ lang: Lang) -> ClientPageState {
        var before: String? = nil
        if page.older.fetched {
            guard let next = page.older.nextBefore else { return page }
            before = next
        }
        var out = page
        do {
            let part = try store.olderHistory(clientId: page.client.id, before: before)
            out.older.visits += part.visits
            out.older.outcomes += part.outcomes
            out.older.nextBefore = part.nextBefore
            out.older.fetched = true
            out.older.error = nil
        } catch {
            out.older.error = olderError(error, lang)
        }
        return out
    }

    /// "Kopiera till journalen": the client's contacts of the last `days` days up to `today`
    /// (`ÅÅÅÅ-MM-DD`) as plain text for the organisation's journal system — the code, never the
    /// name. The core logs it as an export of the client's data.
    public static func journalText(_ store: UppsokStore, clientId: String, today: String, days: Int = 30) throws -> String {
        let fmt = DateFormatter()
        fmt.calendar = Calendar(identifier: .gregorian)
        fmt.locale = Locale(identifier: "en_US_POSIX")
        fmt.dateFormat = "yyyy-MM-dd"
        guard let end = fmt.date(from: today),
              let start = Calendar(identifier: .gregorian).date(byAdding: .day, value: -days, to: end)
        else {
            throw UppsokError.Invalid(field: "to", rule: "must be a date like 2026-11-30")
        }
        return try store.clientSummary(clientId: clientId, from: fmt.string(from: start), to: today)
    }

    /// The button: "Visa äldre än 2026-06-06".
    public static func olderLabel(_ window: HistoryWindow, _ lang: Lang) -> String {
        lang == .sv ? "Visa äldre än \(window.firstDay)" : "Show older than \(window.firstDay)"
    }

    /// Why older history could not be fetched; offline is the usual case and says what to do.
    public static func olderError(_ error: Error, _ lang: Lang) -> String {
        let sv = lang == .sv
        switch error as? UppsokError {
        case .Network?:
            return sv ? "Äldre historik finns bara på servern och telefonen når den inte nu. Försök igen när du har nät."
                : "Older history is kept on the server only, and the phone cannot reach it now. Try again when you have a connection."
        case .NotFound?:
            return sv ? "Servern visar inte längre den här klienten för dig." : "The server no longer shows you this client."
        case .NotEnrolled?:
            return sv ? "Telefonen är inte kopplad till servern, så äldre historik kan inte hämtas."
                : "The phone is not enrolled with a server, so older history cannot be fetched."
        default:
            return Messages.of(error, lang)
        }
    }
}
