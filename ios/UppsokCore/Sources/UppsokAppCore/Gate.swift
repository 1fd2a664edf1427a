// The app's gate: enrolment, the lock or the main screens, as a reducer the SwiftUI shell feeds
// with its events. The same rules as Gate.kt on Android: enrolment beats the lock (a phone with
// nothing on it has nothing to lock); a store that exists is locked at launch and after five
// minutes in the background; a store that opens unenrolled (a failed enrolment, an app killed
// during one) or signed out goes back to enrolment, keeping the store and its waiting changes;
// a wipe starts over.
import Foundation

public enum Gate: Sendable, Equatable {
    case loading, enrol, locked, open
}

/// Why the gate shows what it shows, as a line of text on it.
public enum GateNotice: Sendable, Equatable {
    /// No passcode is set: the app lock cannot ask, so the data stays closed.
    case noScreenLock
    /// An administrator signed the phone out: enrol again with a new code (changes stay).
    case reenrol
    /// The last enrolment did not go through; the store is kept and it can be tried again.
    case enrolFailed

    public func text(_ lang: Lang) -> String {
        switch self {
        case .noScreenLock:
            return lang == .sv
                ? "Telefonen har inget lösenkodslås. Ställ in en lösenkod i telefonens inställningar; Uppsök öppnas bara bakom skärmlåset."
                : "This phone has no passcode. Set one in the phone's settings; Uppsök opens only behind the screen lock."
        case .reenrol:
            return lang == .sv
                ? "Telefonen har loggats ut av en administratör. Be om en ny kod och registrera telefonen igen; ändringar som väntar finns kvar."
                : "An administrator signed this phone out. Ask for a new code and enrol the phone again; changes waiting stay on the phone."
        case .enrolFailed:
            return lang == .sv
                ? "Registreringen gick inte igenom. Kontrollera adressen och koden och försök igen."
                : "Enrolment did not go through. Check the address and the code and try again."
        }
    }
}

public enum GateEvent: Sendable, Equatable {
    case launched(storeExists: Bool)
    case background(nowMs: Int64)
    case foreground(nowMs: Int64)
    case lockNow
    /// The platform lock passed and the store opened.
    case unlocked(enrolled: Bool, revoked: Bool)
    /// LocalAuthentication says no passcode is set.
    case noScreenLock
    case enrolled
    case enrolFailed(storeExists: Bool)
    /// A sync said the phone was signed out (or never enrolled).
    case revoked
    case wiped
}

public struct GateState: Sendable, Equatable {
    public var gate: Gate = .loading
    public var storeExists = false
    public var backgroundSinceMs: Int64? = nil
    public var notice: GateNotice? = nil

    public init(gate: Gate = .loading, storeExists: Bool = false, backgroundSinceMs: Int64? = nil, notice: GateNotice? = nil) {
        self.gate = gate
        self.storeExists = storeExists
        self.backgroundSinceMs = backgroundSinceMs
        self.notice = notice
    }
}

public struct AppGate: Sendable {
    public static let lockAfterMs: Int64 = 5 * 60_000
    let timeoutMs: Int64

    public init(timeoutMs: Int64 = AppGate.lockAfterMs) {
        self.timeoutMs = timeoutMs
    }

    public func reduce(_ s: GateState, _ e: GateEvent) -> GateState {
        var n = s
        switch e {
        case let .launched(exists):
            return GateState(gate: exists ? .locked : .enrol, storeExists: exists)
        case let .background(now):
            if s.gate == .open { n.backgroundSinceMs = s.backgroundSinceMs ?? now }
        case let .foreground(now):
            if s.gate == .open, let since = s.backgroundSinceMs, now - since >= timeoutMs { n.gate = .locked }
            n.backgroundSinceMs = nil
        case .lockNow:
            if s.gate == .open {
                n.gate = .locked
                n.backgroundSinceMs = nil
            }
        case let .unlocked(enrolled, revoked):
            guard s.gate == .locked else { return s }
            if revoked {
                n.gate = .enrol
                n.notice = .reenrol
            } else {
                n.gate = enrolled ? .open : .enrol
                n.notice = nil
            }
        case .noScreenLock:
            if s.gate == .locked { n.notice = .noScreenLock }
        case .enrolled:
            return GateState(gate: .open, storeExists: true)
        case let .enrolFailed(exists):
            n.gate = .enrol
            n.storeExists = exists
            n.notice = .enrolFailed
        case .revoked:
            // While locked, the lock stays; the unlock sees the store signed out too.
            n.notice = .reenrol
            if s.gate != .locked {
                n.gate = .enrol
                n.backgroundSinceMs = nil
            }
        case .wiped:
            return GateState(gate: .enrol, storeExists: false)
        }
        return n
    }
}
