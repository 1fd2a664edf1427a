// The "log a visit" form's draft as one string for @SceneStorage, so that all of it — not only
// the client, minutes, place and note — survives the app being killed while the case manager is
// at the door (Android keeps the same fields with rememberSaveable). Plain Swift: compiled on
// Linux in Swift 5 and 6 modes and tested (AppLogicTests).
import Foundation
import UppsokCore

/// The fields of the visit form that @SceneStorage cannot hold one by one: the contact part,
/// the start time, the colleagues present and which visit is being edited.
public struct VisitDraft: Sendable, Equatable {
    public var contact: VisitContact
    public var startMs: Int64
    public var staff: [String]
    /// The visit being edited, nil for a new one.
    public var editingId: String?

    public init(contact: VisitContact = VisitContact(), startMs: Int64, staff: [String] = [], editingId: String? = nil) {
        self.contact = contact
        self.startMs = startMs
        self.staff = staff
        self.editingId = editingId
    }

    /// What is stored, or "" for "no draft". Keys and enum names are this file's own, so an
    /// update of the generated bindings never makes an old draft unreadable.
    public func encoded() -> String {
        let stored = Stored(
            contact: Self.contactNames[contact.contact] ?? "face_to_face",
            setting: contact.setting.flatMap { Self.settingNames[$0] },
            network: contact.network, clientPresent: contact.clientPresent, group: contact.group,
            startMs: startMs, staff: staff, editingId: editingId
        )
        guard let data = try? JSONEncoder().encode(stored) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The draft stored by `encoded`; nil for "", for text from another version that does not
    /// read, or for a draft older than `maxAgeMs` before `nowMs` (yesterday's half-filled form
    /// should not come back as today's visit).
    public static func decode(_ text: String, nowMs: Int64, maxAgeMs: Int64 = 12 * 3_600_000) -> VisitDraft? {
        guard !text.isEmpty, let s = try? JSONDecoder().decode(Stored.self, from: Data(text.utf8)),
              let kind = contactNames.first(where: { $0.value == s.contact })?.key else { return nil }
        guard nowMs - s.startMs <= maxAgeMs else { return nil }
        let setting = s.setting.flatMap { name in settingNames.first(where: { $0.value == name })?.key }
        let contact = VisitContact(contact: kind, setting: setting, network: s.network, clientPresent: s.clientPresent, group: s.group)
        return VisitDraft(contact: contact, startMs: s.startMs, staff: s.staff, editingId: s.editingId)
    }

    private struct Stored: Codable {
        var contact: String
        var setting: String?
        var network: Bool
        var clientPresent: Bool
        var group: Bool
        var startMs: Int64
        var staff: [String]
        var editingId: String?
    }

    private static let contactNames: [ContactKind: String] = [
        .faceToFace: "face_to_face", .phone: "phone", .video: "video", .message: "message", .attempted: "attempted",
    ]
    private static let settingNames: [Setting: String] = [
        .home: "home", .community: "community", .office: "office", .inpatient: "inpatient",
    ]
}
