// Local reminders of planned contacts, scheduled on the phone with no network: the evening
// before at 18:00 and the morning of at 07:30, none once passed, none once a contact reached the
// client on the day before the plan or later. The texts name no client (the lock screen shows
// them). The same rules as Reminders.kt on Android; the app hands `changes` to
// UNUserNotificationCenter (identifier = key).
import Foundation
import UppsokCore

public enum ReminderKind: Sendable, Equatable {
    case eveningBefore, morningOf
}

public struct Reminder: Sendable, Equatable {
    public let key: String
    public let clientId: String
    /// The planned day, `YYYY-MM-DD`.
    public let date: String
    public let kind: ReminderKind
    public let atMs: Int64
    public let title: String
    public let text: String
}

public struct ReminderChanges: Sendable, Equatable {
    public let schedule: [Reminder]
    public let cancel: Set<String>
}

public enum Reminders {
    public static let prefix = "uppsok-reminder/"

    public static func key(clientId: String, date: String, kind: ReminderKind) -> String {
        "\(prefix)\(clientId)/\(date)/\(kind == .eveningBefore ? "e" : "m")"
    }

    static func calendar(_ zone: TimeZone) -> Calendar {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        return cal
    }

    /// The start of the day `iso` (`YYYY-MM-DD`) in `zone`; nil when it does not parse.
    static func day(_ iso: String, _ cal: Calendar) -> Date? {
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return cal.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    /// Whether a contact reached the client on the day before `planned` or later (its
    /// `daysSinceContact`, counted by the core in the phone's days).
    public static func met(_ c: ClientItem, planned: String, zone: TimeZone = .current) -> Bool {
        let cal = calendar(zone)
        guard let days = c.daysSinceContact, let plannedDay = day(planned, cal),
              let dayBefore = cal.date(byAdding: .day, value: -1, to: plannedDay),
              let last = cal.date(byAdding: .day, value: -Int(days), to: cal.startOfDay(for: Date())) else { return false }
        return last >= dayBefore
    }

    /// The day of `ms` in `zone` as `YYYY-MM-DD` (what `nextContact` holds).
    public static func isoDay(_ ms: Int64, zone: TimeZone = .current) -> String {
        let c = calendar(zone).dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(ms) / 1000))
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    static func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }

    public static func plan(_ clients: [ClientItem], nowMs: Int64, zone: TimeZone, _ lang: Lang) -> [Reminder] {
        let cal = calendar(zone)
        var out: [Reminder] = []
        for c in clients where c.phase != .closed {
            guard let iso = c.nextContact, let planned = day(iso, cal),
                  let dayBefore = cal.date(byAdding: .day, value: -1, to: planned) else { continue }
            if let last = c.lastContactMs {
                let lastDay = cal.startOfDay(for: Date(timeIntervalSince1970: Double(last) / 1000))
                if lastDay >= dayBefore { continue }
            }
            guard let evening = cal.date(bySettingHour: 18, minute: 0, second: 0, of: dayBefore),
                  let morning = cal.date(bySettingHour: 7, minute: 30, second: 0, of: planned) else { continue }
            if ms(evening) > nowMs { out.append(reminder(c.id, iso, .eveningBefore, ms(evening), lang)) }
            if ms(morning) > nowMs { out.append(reminder(c.id, iso, .morningOf, ms(morning), lang)) }
        }
        return out.sorted { $0.atMs < $1.atMs }
    }

    static func reminder(_ clientId: String, _ date: String, _ kind: ReminderKind, _ atMs: Int64, _ lang: Lang) -> Reminder {
        let sv = lang == .sv
        let title: String
        switch kind {
        case .eveningBefore: title = sv ? "Planerad kontakt i morgon" : "Planned contact tomorrow"
        case .morningOf: title = sv ? "Planerad kontakt i dag" : "Planned contact today"
        }
        return Reminder(key: key(clientId: clientId, date: date, kind: kind), clientId: clientId, date: date, kind: kind,
                        atMs: atMs, title: title, text: sv ? "Öppna Uppsök för att se vem." : "Open Uppsök to see who.")
    }

    /// Everything desired is (re)scheduled; every scheduled reminder of ours not desired goes.
    public static func changes(desired: [Reminder], scheduled: Set<String>) -> ReminderChanges {
        let keys = Set(desired.map(\.key))
        return ReminderChanges(schedule: desired, cancel: Set(scheduled.filter { $0.hasPrefix(prefix) && !keys.contains($0) }))
    }
}

/// When a visit began: a visit logged at lunch for 09:30 carries 09:30.
public enum VisitTime {
    /// `hour`:`minute` on the day of `baseMs` (today, unless another day was chosen), in `zone`.
    public static func at(hour: Int, minute: Int, onDayOf baseMs: Int64, zone: TimeZone) -> Int64 {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let base = Date(timeIntervalSince1970: Double(baseMs) / 1000)
        let d = cal.date(bySettingHour: hour, minute: minute, second: 0, of: cal.startOfDay(for: base)) ?? base
        return Int64((d.timeIntervalSince1970 * 1000).rounded())
    }

    /// A problem for a start later than now (a few minutes of clock drift allowed), else nil.
    public static func problem(startMs: Int64, nowMs: Int64, _ lang: Lang) -> String? {
        startMs > nowMs + 5 * 60_000 ? (lang == .sv ? "Besöket kan inte ha börjat senare än nu." : "The visit cannot start later than now.") : nil
    }
}
