// A trip recorded by GPS, from the location question to the saved trip; the same rules as
// TripFlow.kt on Android: precise location or no recording, with a reason; a recording GPS
// cannot finish is finished with odometer readings or cancelled, never left to block the next
// trip; an app launched with a recording in the store restarts location updates.
import Foundation
import UppsokCore

public enum LocationGrant: Sendable, Equatable {
    case precise, approximate, denied, deniedForGood

    /// From CoreLocation's answer, unpacked: authorised at all, full accuracy, and whether the
    /// system may still ask (status not determined).
    public static func of(authorised: Bool, fullAccuracy: Bool, canAskAgain: Bool) -> LocationGrant {
        if authorised { return fullAccuracy ? .precise : .approximate }
        return canAskAgain ? .denied : .deniedForGood
    }
}

public enum TripDecision: Sendable, Equatable {
    case start
    /// Do not record; say why (and offer the settings when `settings`).
    case explain(text: String, settings: Bool)
}

public enum TripResume: Sendable, Equatable {
    case restart
    case paused(text: String)
}

public enum FinishOutcome: @unchecked Sendable {
    case saved(TripItem)
    case needsPlace(String)
    /// Too few GPS positions: ask for the odometer (both readings unless `startKnown`) or cancel.
    case needsOdometer(text: String, startKnown: Bool)
    case failed(String)
}

public enum TripFlow {
    public static func decide(_ grant: LocationGrant, _ lang: Lang) -> TripDecision {
        let sv = lang == .sv
        switch grant {
        case .precise:
            return .start
        case .approximate:
            return .explain(text: sv
                ? "Resan spelas inte in: Uppsök har bara ungefärlig plats, som ger fel sträcka. Slå på Exakt plats för Uppsök, eller lägg in resan för hand."
                : "Not recording: Uppsök has only approximate location, which gives the wrong distance. Turn on Precise location for Uppsök, or add the trip by hand.",
                settings: true)
        case .denied:
            return .explain(text: sv
                ? "Resan spelas inte in: Uppsök behöver platsåtkomst för att mäta sträckan. Tillåt exakt plats, eller lägg in resan för hand."
                : "Not recording: Uppsök needs location to measure the distance. Allow precise location, or add the trip by hand.",
                settings: false)
        case .deniedForGood:
            return .explain(text: sv
                ? "Resan spelas inte in: platsåtkomst är avstängd för Uppsök. Slå på exakt plats i telefonens inställningar, eller lägg in resan för hand."
                : "Not recording: location is turned off for Uppsök. Turn on precise location in the phone's settings, or add the trip by hand.",
                settings: true)
        }
    }

    public static func onAppOpened(recording: Bool, updating: Bool, grant: LocationGrant, _ lang: Lang) -> TripResume? {
        if !recording || updating { return nil }
        if grant == .precise { return .restart }
        return .paused(text: lang == .sv
            ? "En resa spelas in men platsen saknas, så sträckan mäts inte. Tillåt exakt plats, eller avsluta resan med mätarställning eller avbryt den."
            : "A trip is recording but location is missing, so the distance is not measured. Allow precise location, or finish the trip with the odometer, or cancel it.")
    }

    static func placeProblem(_ to: String, _ lang: Lang) -> String? {
        let t = to.trimmingCharacters(in: .whitespaces)
        if t.isEmpty || t.contains(where: { $0.isNumber }) {
            return lang == .sv ? "Ange vart du körde: ort eller by, utan gatuadress." : "Say where you drove to: a town or village, no street address."
        }
        return nil
    }

    static func needsOdometer(startKnown: Bool, _ lang: Lang) -> FinishOutcome {
        let text: String
        switch (lang, startKnown) {
        case (.en, true): text = "Too few GPS positions for a distance. Give the odometer reading now, or cancel the trip."
        case (.en, false): text = "Too few GPS positions for a distance. Give the odometer readings at the start and now, or cancel the trip."
        case (.sv, true): text = "För få GPS-positioner för en sträcka. Ange mätarställningen nu, eller avbryt resan."
        case (.sv, false): text = "För få GPS-positioner för en sträcka. Ange mätarställningen vid start och nu, eller avbryt resan."
        }
        return .needsOdometer(text: text, startKnown: startKnown)
    }

    /// Finish by GPS. Blocks: call it off the main actor.
    public static func finish(_ recording: TripRecording, to: String, _ lang: Lang) -> FinishOutcome {
        if let p = placeProblem(to, lang) { return .needsPlace(p) }
        do {
            return .saved(try recording.finish(toPlace: to.trimmingCharacters(in: .whitespaces), toAddress: nil, odometerEnd: nil))
        } catch let UppsokError.Invalid(field, rule) where field == "km" || field == "gps" {
            _ = rule
            let startKnown = ((try? recording.started())?.odometerStart) != nil
            return needsOdometer(startKnown: startKnown, lang)
        } catch {
            return .failed(Messages.of(error, lang))
        }
    }

    /// Finish with odometer readings; `startReading` is used only when the trip started without
    /// one (the trip is then saved as entered by hand and the recording cancelled, in that
    /// order, so a refusal changes nothing).
    public static func finishWithOdometer(_ store: UppsokStore, _ recording: TripRecording, to: String,
                                          startReading: Int32?, endReading: Int32, _ lang: Lang, nowMs: Int64) -> FinishOutcome {
        if let p = placeProblem(to, lang) { return .needsPlace(p) }
        do {
            let started = try recording.started()
            let place = to.trimmingCharacters(in: .whitespaces)
            if started.odometerStart != nil {
                return .saved(try recording.finish(toPlace: place, toAddress: nil, odometerEnd: endReading))
            }
            guard let a = startReading else { return needsOdometer(startKnown: false, lang) }
            let input = TripInput(
                id: nil, serviceCar: started.serviceCar, startMs: try recording.progress().startedMs, endMs: nowMs,
                fromPlace: started.fromPlace, toPlace: place, fromAddress: nil, toAddress: nil,
                purpose: started.purpose, visited: started.visited, visitIds: started.visitIds,
                distance: .odometer(start: a, end: endReading), fromHome: started.fromHome
            )
            let trip = try store.logTrip(input: input)
            try recording.cancel()
            return .saved(trip)
        } catch {
            return .failed(Messages.of(error, lang))
        }
    }
}

public enum ConfirmOutcome: @unchecked Sendable {
    case confirmed(TripItem)
    case failed(String)
}

/// Suggested distances, the same rules as `SuggestedKm` in TripFlow.kt on Android: the phone
/// suggests km for two places, and the driver confirms a suggestion before the month can be
/// approved for payment; a wrong one is replaced by typing the km.
public enum SuggestedKm {
    /// "Förslag: 25,3 km (mittvärdet av 4 tidigare resor)" or "(fågelvägen 22,0 km + 15 % för vägen)".
    public static func label(_ s: TripSuggestion, _ lang: Lang) -> String {
        let sv = lang == .sv
        let km = Format.km(s.km, lang)
        let why: String
        if s.earlierTrips > 1 {
            why = sv ? "mittvärdet av \(s.earlierTrips) tidigare resor" : "the median of \(s.earlierTrips) earlier trips"
        } else if s.earlierTrips == 1 {
            why = sv ? "som en tidigare resa" : "as one earlier trip"
        } else if let straight = s.straightKm {
            why = sv ? "fågelvägen \(Format.km(straight, lang)) + 15 % för vägen" : "straight line \(Format.km(straight, lang)) + 15 % for the road"
        } else {
            why = sv ? "uppskattad" : "estimated"
        }
        return sv ? "Förslag: \(km) (\(why))" : "Suggestion: \(km) (\(why))"
    }

    /// The trips whose suggested km the driver has not confirmed, oldest first.
    public static func awaiting(_ trips: [TripItem]) -> [TripItem] {
        trips.filter { $0.awaitsConfirmation }.sorted { $0.startMs < $1.startMs }
    }

    /// The reminder above the trip list, or nil when nothing waits.
    public static func banner(_ trips: [TripItem], _ lang: Lang) -> String? {
        let n = awaiting(trips).count
        if n == 0 { return nil }
        if lang == .sv {
            let resor = n == 1 ? "1 resa har en föreslagen sträcka" : "\(n) resor har en föreslagen sträcka"
            return "\(resor) som du inte har bekräftat. Månaden kan inte attesteras förrän du bekräftar eller skriver in rätt km."
        }
        let trips = n == 1 ? "1 trip has a suggested distance" : "\(n) trips have a suggested distance"
        return "\(trips) you have not confirmed. The month cannot be approved until you confirm it or type the right km."
    }

    /// The marks a trip row carries: from home, a suggestion and whether it is confirmed, and a
    /// GPS distance the recorder could not vouch for (the supervisor's mileage page lists it too).
    public static func marks(_ trip: TripItem, _ lang: Lang) -> [String] {
        let sv = lang == .sv
        var out: [String] = []
        if trip.fromHome { out.append(sv ? "från bostaden" : "from home") }
        if trip.awaitsConfirmation {
            out.append(sv ? "föreslagen sträcka – bekräfta" : "suggested distance – confirm")
        } else if trip.distanceConfirmed {
            out.append(sv ? "föreslagen sträcka, bekräftad" : "suggested distance, confirmed")
        }
        switch trip.gpsDoubt {
        case .poor?: out.append(sv ? "GPS osäker – jämför med mätaren" : "GPS uncertain – compare with the odometer")
        case .fair?: out.append(sv ? "GPS kan vara några procent fel" : "GPS may be a few per cent off")
        default: break
        }
        return out
    }

    /// The driver confirms `trip`'s suggested km. Blocks: call it off the main actor.
    public static func confirm(_ store: UppsokStore, _ trip: TripItem, _ lang: Lang) -> ConfirmOutcome {
        do {
            return .confirmed(try store.confirmTrip(id: trip.id))
        } catch {
            return .failed(Messages.of(error, lang))
        }
    }
}
