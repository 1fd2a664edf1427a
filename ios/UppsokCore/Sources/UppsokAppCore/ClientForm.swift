// The client form: a new client, or an edit that starts from the client as the phone holds it
// (`ClientForm.edit`, through the core's `clientEditInput`), so every field the form does not
// show (a contact person set on the dashboard, the consent's recorder) is saved as it was and
// only what the user changed counts as changed. The admission date is today for a new client; an
// old client without one shows the phone's estimate, flagged "uppskattat", until the user
// confirms it or picks another date and saves: a save of something else leaves it unrecorded.
// The same rules as ClientForm.kt on Android.
import Foundation
import UppsokCore

/// One problem on a form, shown under its field.
public struct FieldProblem: Sendable, Equatable {
    public let field: String
    public let text: String
}

public struct ClientForm {
    // The fields of `ClientInput` (whose generated fields are `let`), as the form edits them.
    public var id: String?
    public var code: String
    public var name: String
    public var phase: Phase
    public var closure: ClosureReason?
    public var closedOn: String?
    public var closedReason: String?
    public var nextContact: String?
    public var consent: ConsentState
    public var consentDate: String?
    public var consentScope: ConsentScope
    public var consentUntil: String?
    public var admitted: String?
    public var referral: Referral?
    public var contactPerson: String?
    public var deputy: String?
    public var protectedIdentity: Bool
    /// The admission date shown is the phone's estimate, not a recorded one.
    public var admissionEstimated: Bool

    public init(_ i: ClientInput, admissionEstimated: Bool = false) {
        id = i.id; code = i.code; name = i.name; phase = i.phase; closure = i.closure; closedOn = i.closedOn
        closedReason = i.closedReason; nextContact = i.nextContact; consent = i.consent; consentDate = i.consentDate
        consentScope = i.consentScope; consentUntil = i.consentUntil; admitted = i.admitted; referral = i.referral
        contactPerson = i.contactPerson; deputy = i.deputy; protectedIdentity = i.protectedIdentity
        self.admissionEstimated = admissionEstimated
    }

    /// A new client, admitted `today` (`YYYY-MM-DD`).
    public static func new(today: String) -> ClientForm {
        ClientForm(ClientInput(
            id: nil, code: "", name: "", phase: .intake, closure: nil, closedOn: nil, closedReason: nil,
            nextContact: nil, consent: .notRecorded, consentDate: nil, consentScope: .contacts, consentUntil: nil,
            admitted: today, referral: nil, contactPerson: nil, deputy: nil, protectedIdentity: false))
    }

    /// Editing `client`: every field as stored; an estimated admission shown as one.
    public static func edit(_ client: ClientItem) -> ClientForm {
        var f = ClientForm(clientEditInput(client: client), admissionEstimated: client.admissionEstimated)
        f.admitted = client.admission
        return f
    }

    /// What the protected-identity switch says before it is turned on.
    public static func protectedWarning(_ lang: Lang) -> String {
        lang == .sv
            ? "Skyddade personuppgifter: namnet och orterna visas bara på klientens egen sida, aldrig i listor, exporter eller körjournalen. Skriv aldrig var klienten bor i anteckningar."
            : "Protected identity: the name and places show only on the client's own page, never in lists, exports or the mileage log. Never write where the client lives in notes."
    }

    /// "uppskattat" beside an estimated admission date; nil once it is a recorded one.
    public func admissionFlag(_ lang: Lang) -> String? {
        admissionEstimated ? (lang == .sv ? "uppskattat" : "estimated") : nil
    }

    /// The user typed or picked an admission date: it is theirs now, not an estimate.
    public func withAdmitted(_ date: String) -> ClientForm {
        var f = self
        f.admitted = date.trimmingCharacters(in: .whitespaces)
        f.admissionEstimated = false
        return f
    }

    /// The user confirms the estimate ("Stämmer"): saved as the admission date.
    public func confirmAdmission() -> ClientForm {
        var f = self
        f.admissionEstimated = false
        return f
    }

    /// Closing asks for the reason and sets the last day to `today`; reopening drops them.
    public func withPhase(_ newPhase: Phase, today: String) -> ClientForm {
        var f = self
        if newPhase == .closed && phase != .closed {
            f.closedOn = closedOn ?? today
        } else if newPhase != .closed {
            f.closure = nil
            f.closedOn = nil
            f.closedReason = nil
        }
        f.phase = newPhase
        return f
    }

    public func withClosure(_ reason: ClosureReason) -> ClientForm {
        var f = self
        f.closure = reason
        return f
    }

    /// A contact person who was the deputy stops being the deputy (they must differ).
    public func withContactPerson(_ username: String?) -> ClientForm {
        var f = self
        f.contactPerson = username
        if f.deputy == username { f.deputy = nil }
        return f
    }

    public func withDeputy(_ username: String?) -> ClientForm {
        var f = self
        f.deputy = username
        return f
    }

    /// A consent given or withdrawn `today`; its scope and end start over with a new state.
    public func withConsent(_ state: ConsentState, today: String) -> ClientForm {
        guard state != consent else { return self }
        var f = self
        f.consent = state
        f.consentDate = state == .notRecorded ? nil : today
        f.consentScope = .contacts
        f.consentUntil = nil
        return f
    }

    private static func day(_ text: String?) -> Date? {
        guard let t = text?.trimmingCharacters(in: .whitespaces) else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: t)
    }

    private static func blank(_ s: String?) -> Bool { (s ?? "").trimmingCharacters(in: .whitespaces).isEmpty }

    /// The instant checks (`today` as `YYYY-MM-DD`); the core checks the same rules again.
    public func problems(_ lang: Lang, today: String) -> [FieldProblem] {
        var out: [FieldProblem] = []
        func add(_ field: String) { out.append(FieldProblem(field: field, text: Messages.invalid(field: field, rule: "", lang))) }
        let latest = ClientForm.day(today).map { $0.addingTimeInterval(86_400) }
        func bad(_ text: String?) -> Bool {
            guard text != nil else { return false }
            guard let d = ClientForm.day(text) else { return true }
            return latest.map { d > $0 } ?? false
        }
        if ClientForm.blank(code) { add("code") }
        if ClientForm.blank(name) { add("name") }
        if bad(admitted) { add("admitted") }
        if phase == .closed {
            if closure == nil { add("closure") }
            if closure == .other && ClientForm.blank(closedReason) { add("closed_reason") }
            let before = ClientForm.day(closedOn).flatMap { c in ClientForm.day(admitted).map { c < $0 } } ?? false
            if bad(closedOn) || before { add("closed_on") }
        }
        if let d = deputy, contactPerson == nil || d == contactPerson { add("deputy") }
        return out
    }

    /// What the core saves; an estimate nobody confirmed stays unrecorded.
    public func toInput() -> ClientInput {
        func trimmed(_ s: String?) -> String? {
            let t = s?.trimmingCharacters(in: .whitespaces) ?? ""
            return t.isEmpty ? nil : t
        }
        return ClientInput(
            id: id, code: code.trimmingCharacters(in: .whitespaces), name: name.trimmingCharacters(in: .whitespaces),
            phase: phase, closure: closure, closedOn: closedOn, closedReason: trimmed(closedReason),
            nextContact: trimmed(nextContact), consent: consent, consentDate: consentDate, consentScope: consentScope,
            consentUntil: consentUntil, admitted: admissionEstimated ? nil : admitted, referral: referral,
            contactPerson: contactPerson, deputy: deputy, protectedIdentity: protectedIdentity)
    }
}

/// The contact part of the visit form: kind, setting and who took part. A network-only contact
/// ("Klienten var inte med (nätverkskontakt)") is a contact with the network and never an
/// attempt. The same rules as VisitForm.kt on Android.
public struct VisitContact: Sendable, Equatable {
    public var contact: ContactKind
    public var setting: Setting?
    public var network: Bool
    public var clientPresent: Bool
    public var group: Bool

    public init(contact: ContactKind = .faceToFace, setting: Setting? = .home, network: Bool = false,
                clientPresent: Bool = true, group: Bool = false) {
        self.contact = contact
        self.setting = setting
        self.network = network
        self.clientPresent = clientPresent
        self.group = group
    }

    /// Choosing a kind fixes up the setting (phone, video and message have none); an attempt is
    /// an attempt to reach the client, so it brings the client back.
    public func withContact(_ k: ContactKind) -> VisitContact {
        var v = self
        v.contact = k
        switch k {
        case .faceToFace: v.setting = setting ?? .home
        case .attempted: v.setting = setting
        default: v.setting = nil
        }
        if k == .attempted { v.clientPresent = true }
        return v
    }

    /// The client absent: the network took part; an attempt becomes a phone call.
    public func withClientPresent(_ present: Bool) -> VisitContact {
        var v = present ? self : (contact == .attempted ? withContact(.phone) : self)
        v.clientPresent = present
        if !present { v.network = true }
        return v
    }

    /// The kinds the form offers: no attempt for a network-only contact.
    public var choices: [ContactKind] {
        [.faceToFace, .phone, .video, .message, .attempted].filter { clientPresent || $0 != .attempted }
    }

    public func problems(_ lang: Lang) -> [FieldProblem] {
        var out: [FieldProblem] = []
        if !clientPresent && contact == .attempted {
            out.append(FieldProblem(field: "client_present", text: Messages.invalid(field: "client_present", rule: "", lang)))
        }
        if !clientPresent && !network {
            out.append(FieldProblem(field: "network", text: Messages.invalid(field: "network", rule: "", lang)))
        }
        return out
    }
}
