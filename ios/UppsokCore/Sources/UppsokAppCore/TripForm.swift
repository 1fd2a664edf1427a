// The form for a trip logged by hand, and for editing a saved one; the same rules as TripForm in
// Forms.kt on Android. Plain Swift: compiled on Linux in Swift 5 and 6 modes and tested against
// the real library (FlowsTests).
import Foundation
import UppsokCore

/// How the form takes its distance: typed, odometer readings, the phone's suggestion, or
/// (editing a saved trip) the distance as it was saved — measured by GPS, read or typed.
public enum TripEntry: String, Sendable, CaseIterable {
    case manual
    case odometer
    case suggested
    case asSaved
}

/// Typed km, two odometer readings or the suggested km (`suggestionConfirmed`: the driver has
/// checked it against the road); `fromHome`: the home–workplace part is not paid. `edit` fills
/// it from a saved trip: its id, times and links to contacts are kept, and its distance stays as
/// saved (`.asSaved`: a GPS trip keeps what it measured) until the driver picks another way.
public struct TripForm: Sendable, Equatable {
    public var id: String?
    public var entry: TripEntry = .manual
    public var kmText = ""
    public var odometerStartText = ""
    public var odometerEndText = ""
    public var fromPlace = ""
    public var toPlace = ""
    public var purpose = "Hembesök"
    public var visited: String?
    public var serviceCar: String?
    public var startMs: Int64 = Format.nowMs()
    public var endMs: Int64?
    public var fromHome = false
    public var suggestionConfirmed = false
    public var visitIds: [String] = []
    /// The saved distance, shown while `entry` keeps it: "12,3 km (GPS)".
    public var savedDistance: String?

    public init() {}

    /// Editing `trip`: every field as saved, the distance kept until another is chosen.
    public static func edit(_ trip: TripItem, _ lang: Lang) -> TripForm {
        var f = TripForm()
        f.id = trip.id
        f.entry = .asSaved
        f.kmText = Format.kmField(trip.km, lang)
        f.odometerStartText = trip.odometerStart.map { String($0) } ?? ""
        f.odometerEndText = trip.odometerEnd.map { String($0) } ?? ""
        f.fromPlace = trip.fromPlace
        f.toPlace = trip.toPlace
        f.purpose = trip.purpose
        f.visited = trip.visited
        f.serviceCar = trip.serviceCar
        f.startMs = trip.startMs
        f.endMs = trip.endMs
        f.fromHome = trip.fromHome
        f.suggestionConfirmed = trip.distanceConfirmed
        f.visitIds = trip.visitIds
        f.savedDistance = "\(Format.km(trip.km, lang)) (\(Format.distanceSource(trip.source, lang)))"
        return f
    }

    /// The form as saved at `nowMs`: a new trip starts then, an edited one keeps its times.
    public func forSave(nowMs: Int64) -> TripForm {
        guard id == nil else { return self }
        var f = self
        f.startMs = nowMs
        return f
    }

    private func reading(_ text: String) -> Int32? {
        let digits = text.filter(\.isNumber)
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        return Int32(digits)
    }

    /// The distance the form would save, or nil while it is incomplete.
    public func distance() -> TripDistance? {
        switch entry {
        case .manual:
            guard let km = Format.parseDecimal(kmText), (0...2000).contains(km) else { return nil }
            return .manual(km: km)
        case .odometer:
            guard let a = reading(odometerStartText), let b = reading(odometerEndText), b >= a else { return nil }
            return .odometer(start: a, end: b)
        case .suggested:
            return .suggested(confirmed: suggestionConfirmed)
        case .asSaved:
            return id == nil ? nil : .asSaved
        }
    }

    public func problems(_ lang: Lang) -> [FieldProblem] {
        var out: [FieldProblem] = []
        func add(_ field: String) { out.append(FieldProblem(field: field, text: Messages.invalid(field: field, rule: "", lang))) }
        let badPlace = { (p: String) in p.trimmingCharacters(in: .whitespaces).isEmpty || p.contains(where: \.isNumber) }
        if badPlace(fromPlace) || badPlace(toPlace) { add("place") }
        if purpose.trimmingCharacters(in: .whitespaces).isEmpty { add("purpose") }
        switch entry {
        case .manual: if distance() == nil { add("km") }
        case .odometer: if distance() == nil { add("odometer_end") }
        // The core works the suggestion out on saving and says so when it has none.
        case .suggested: break
        case .asSaved: if distance() == nil { add("distance") }
        }
        return out
    }

    /// What the core saves; nil while the distance is incomplete (`problems` says why).
    public func toInput() -> TripInput? {
        guard let distance = distance() else { return nil }
        let car = serviceCar?.trimmingCharacters(in: .whitespaces)
        let seen = visited?.trimmingCharacters(in: .whitespaces)
        return TripInput(
            id: id, serviceCar: (car?.isEmpty ?? true) ? nil : car, startMs: startMs, endMs: endMs,
            fromPlace: fromPlace.trimmingCharacters(in: .whitespaces), toPlace: toPlace.trimmingCharacters(in: .whitespaces),
            fromAddress: nil, toAddress: nil, purpose: purpose.trimmingCharacters(in: .whitespaces),
            visited: (seen?.isEmpty ?? true) ? nil : seen, visitIds: visitIds, distance: distance, fromHome: fromHome
        )
    }
}
