// The app layer shared by the SwiftUI screens: wording and numbers, Swedish first. Mirrors
// android/app/src/main/java/se/uppsok/app/core/Format.kt so both apps say the same things.
import Foundation
import UppsokCore

public enum Lang {
    case sv
    case en

    /// Swedish unless the phone asks for English.
    public static func of(_ identifier: String) -> Lang {
        identifier.lowercased().hasPrefix("en") ? .en : .sv
    }

    public static var current: Lang { of(Locale.preferredLanguages.first ?? "sv") }
}

public enum Format {
    static let nbsp = "\u{00A0}"

    /// "i dag", "i går", "för 3 dagar sedan", "aldrig".
    public static func daysAgo(_ days: Int64?, _ lang: Lang) -> String {
        guard let days = days else { return lang == .sv ? "aldrig" : "never" }
        if days <= 0 { return lang == .sv ? "i dag" : "today" }
        if days == 1 { return lang == .sv ? "i går" : "yesterday" }
        return lang == .sv ? "för \(days) dagar sedan" : "\(days) days ago"
    }

    /// "för 5 minuter sedan", "för 2 timmar sedan", or the days form.
    public static func ago(_ thenMs: Int64?, nowMs: Int64, _ lang: Lang) -> String {
        guard let thenMs = thenMs else { return daysAgo(nil, lang) }
        let minutes = max(0, nowMs - thenMs) / 60_000
        switch minutes {
        case 0: return lang == .sv ? "nyss" : "just now"
        case 1: return lang == .sv ? "för 1 minut sedan" : "1 minute ago"
        case 2..<60: return lang == .sv ? "för \(minutes) minuter sedan" : "\(minutes) minutes ago"
        case 60..<120: return lang == .sv ? "för 1 timme sedan" : "1 hour ago"
        case 120..<1440:
            let h = minutes / 60
            return lang == .sv ? "för \(h) timmar sedan" : "\(h) hours ago"
        default:
            let cal = Calendar.current
            let a = cal.startOfDay(for: Date(timeIntervalSince1970: Double(thenMs) / 1000))
            let b = cal.startOfDay(for: Date(timeIntervalSince1970: Double(nowMs) / 1000))
            let days = cal.dateComponents([.day], from: a, to: b).day ?? 0
            return daysAgo(Int64(days), lang)
        }
    }

    /// "25,3 km" / "25.3 km".
    public static func km(_ km: Double, _ lang: Lang) -> String {
        if abs(km) >= 100 { return "\(Int64(km.rounded()))\(nbsp)km" }
        let tenths = Int64((km * 10).rounded())
        let sep = lang == .sv ? "," : "."
        return "\(tenths / 10)\(sep)\(abs(tenths % 10))\(nbsp)km"
    }

    /// "45 min", "1 tim 30 min" / "1 h 30 min".
    public static func minutes(_ minutes: Int32, _ lang: Lang) -> String {
        let h = minutes / 60
        let m = minutes % 60
        let hour = lang == .sv ? "tim" : "h"
        if h == 0 { return "\(m)\(nbsp)min" }
        if m == 0 { return "\(h)\(nbsp)\(hour)" }
        return "\(h)\(nbsp)\(hour) \(m)\(nbsp)min"
    }

    /// "Inga ändringar väntar", "1 ändring väntar", "3 ändringar väntar".
    public static func waiting(_ n: Int64, _ lang: Lang) -> String {
        switch (lang, n) {
        case (.sv, 0): return "Inga ändringar väntar"
        case (.sv, 1): return "1 ändring väntar"
        case (.sv, _): return "\(n) ändringar väntar"
        case (.en, 0): return "No changes waiting"
        case (.en, 1): return "1 change waiting"
        case (.en, _): return "\(n) changes waiting"
        }
    }

    /// "1 post kunde inte läsas", "3 poster kunde inte läsas"; nil when there are none.
    public static func damaged(_ n: Int64, _ lang: Lang) -> String? {
        if n <= 0 { return nil }
        switch (lang, n) {
        case (.sv, 1): return "1 post kunde inte läsas"
        case (.sv, _): return "\(n) poster kunde inte läsas"
        case (.en, 1): return "1 record could not be read"
        case (.en, _): return "\(n) records could not be read"
        }
    }

    public static func lastSync(_ lastMs: Int64?, nowMs: Int64, _ lang: Lang) -> String {
        guard let lastMs = lastMs else { return lang == .sv ? "Aldrig synkad" : "Never synced" }
        return (lang == .sv ? "Senast synkad " : "Last synced ") + ago(lastMs, nowMs: nowMs, lang)
    }

    /// "09:30" in the phone's zone.
    public static func clock(_ ms: Int64) -> String {
        let f = DateFormatter()
        f.dateFormat = "HH:mm"
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// "1 234,50 kr" / "1,234.50 kr": whole öre, as the payroll file prints them.
    public static func kronor(_ ore: Int64, _ lang: Lang) -> String {
        let sign = ore < 0 ? "-" : ""
        let magnitude = ore.magnitude
        let digits = Array(String(magnitude / 100))
        var groups: [String] = []
        var end = digits.count
        while end > 0 {
            let start = max(0, end - 3)
            groups.insert(String(digits[start..<end]), at: 0)
            end = start
        }
        let cents = magnitude % 100
        let sep = lang == .sv ? nbsp : ","
        return "\(sign)\(groups.joined(separator: sep))\(lang == .sv ? "," : ".")\(cents < 10 ? "0" : "")\(cents)\(nbsp)kr"
    }

    /// "25,3" / "25.3" for a form's km field: one decimal, no unit.
    public static func kmField(_ km: Double, _ lang: Lang) -> String {
        let tenths = Int64((km * 10).rounded())
        return "\(tenths / 10)\(lang == .sv ? "," : ".")\(abs(tenths % 10))"
    }

    /// How a trip's distance is known, as the trip list and the edit form name it.
    public static func distanceSource(_ source: DistanceSource, _ lang: Lang) -> String {
        let sv = lang == .sv
        switch source {
        case .gps: return "GPS"
        case .odometer: return sv ? "mätarställning" : "odometer"
        case .manual: return sv ? "inskrivet" : "typed"
        case .suggested: return sv ? "förslag" : "suggested"
        }
    }

    /// "12 nov." / "12 Nov" from `ÅÅÅÅ-MM-DD`; nil when it is not such a date.
    public static func shortDate(_ isoDate: String, _ lang: Lang) -> String? {
        let parts = isoDate.split(separator: "-")
        guard parts.count == 3, let month = Int(parts[1]), (1...12).contains(month), let day = Int(parts[2]),
              (1...31).contains(day), Int(parts[0]) != nil else { return nil }
        let sv = ["jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "dec."]
        let en = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(day) \((lang == .sv ? sv : en)[month - 1])"
    }

    /// Parses "25,3" or "25.3".
    public static func parseDecimal(_ text: String) -> Double? {
        Double(text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "")
            .replacingOccurrences(of: ",", with: "."))
    }

    public static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// A month's trips as the payroll office adds them up; the same as MonthTotals in Screens.kt.
public struct MonthTotals: Sendable, Equatable {
    public let km: Double
    public let trips: Int

    public init(km: Double, trips: Int) {
        self.km = km
        self.trips = trips
    }

    /// The trips of the calendar month of `nowMs`, in `zone`.
    public static func of(_ trips: [TripItem], nowMs: Int64, zone: TimeZone = .current) -> MonthTotals {
        let month = String(Reminders.isoDay(nowMs, zone: zone).prefix(7))
        let inMonth = trips.filter { Reminders.isoDay($0.startMs, zone: zone).hasPrefix(month) }
        return MonthTotals(km: inMonth.reduce(0) { $0 + $1.km }, trips: inMonth.count)
    }

    /// The month's amount as the payroll office will pay it (the core prices the trips with the
    /// organisation's rates and the driver's home–workplace distance, as the payroll file does):
    /// "Ersättning 178,74 kr, varav 146,50 kr skattefritt". Nil before a sync brought the rates;
    /// a fuel allowance for a benefit car is named apart. The same as MonthTotals.amountLine on
    /// Android.
    public static func amountLine(_ pay: MonthPay?, _ lang: Lang) -> String? {
        guard let pay else { return nil }
        let sv = lang == .sv
        let amount = Format.kronor(pay.amountOre, lang)
        let free = Format.kronor(pay.taxFreeOre, lang)
        let line = sv ? "Ersättning \(amount), varav \(free) skattefritt" : "Reimbursement \(amount), of which \(free) tax-free"
        guard pay.fuelAllowanceOre != 0 else { return line }
        let fuel = Format.kronor(pay.fuelAllowanceOre, lang)
        return line + (sv ? " (därav bilersättning förmånsbil \(fuel))" : " (of which benefit-car fuel allowance \(fuel))")
    }
}
