// Recording a trip from GPS fixes through the facade, fed one fix per call with
// `feedPosition` as TripLocation.swift does, including a restart of the app mid-trip.
// Mirrors RecorderTest.kt.
import Foundation
import UppsokAppCore
import UppsokCore
import XCTest

final class RecorderTests: XCTestCase {
    func start(from: String = "Kalix", visitIds: [String] = []) -> TripStart {
        TripStart(serviceCar: nil, fromPlace: from, purpose: "Hembesök", visited: "K-017", visitIds: visitIds,
                  odometerStart: nil)
    }

    func trip(car: String? = nil, _ distance: TripDistance) -> TripInput {
        let now = nowMs()
        return TripInput(id: nil, serviceCar: car, startMs: now - 2 * 3_600_000, endMs: now - 3_600_000,
                         fromPlace: "Kalix", toPlace: "Töre", fromAddress: nil, toAddress: nil, purpose: "Hembesök",
                         visited: "K-017", visitIds: [], distance: distance)
    }

    func testRecordWithFeedPositionSurviveARestartFinishWithTheGpsDistance() throws {
        let keys = TestKeys()
        let (store, path) = try newStore(keys: keys)
        let fixes = drive(600) // 10 minutes at 20 m/s: about 11.98 km
        let c = try store.addClient(input: clientInput("K-017"))
        let v = try store.logVisit(input: visitInput(c.id))
        let rec = try store.startTrip(start: start(visitIds: [v.id]))
        let id = rec.tripId()
        XCTAssertEqual(invalidField(assertThrows(try store.startTrip(start: start()))), "trip", "one recording at a time")

        var accepted = 0
        for f in fixes.prefix(300) {
            if try rec.feedPosition(lat: f.lat, lon: f.lon, accuracyM: f.accuracyM, timeMs: f.timeMs, speedMps: f.speedMps ?? .nan) {
                accepted += 1
            }
        }
        XCTAssertGreaterThanOrEqual(accepted, 295, "accepted \(accepted) of 300")
        XCTAssertFalse(try rec.feedPosition(lat: 0, lon: 0, accuracyM: -1, timeMs: fixes[299].timeMs + 500, speedMps: .nan),
                       "a fix with a bad accuracy is dropped")
        let halfway = try rec.currentKm()
        XCTAssertTrue((5.7...6.2).contains(halfway), "halfway \(halfway) km")
        XCTAssertTrue(Format.km(halfway, .sv).hasSuffix("\u{00A0}km") && Format.km(halfway, .sv).contains(","),
                      Format.km(halfway, .sv))
        try rec.save()

        // The app is killed: open the store again and pick the trip up.
        let reopened = try UppsokStore.open(path: path, keys: keys)
        guard let resumed = try reopened.activeTrip() else { return XCTFail("no active trip after the restart") }
        XCTAssertEqual(resumed.tripId(), id)
        XCTAssertEqual(try resumed.currentKm(), halfway, accuracy: 0.05)
        XCTAssertEqual(try resumed.feedFixes(fixes: Array(fixes.dropFirst(300))), 300)
        let p = try resumed.progress()
        XCTAssertEqual(p.quality, .good)
        XCTAssertGreaterThanOrEqual(p.fixesUsed, 595)
        XCTAssertEqual(p.fixesDropped, 1)
        let trip = try resumed.finish(toPlace: "Töre", toAddress: nil, odometerEnd: nil)
        XCTAssertEqual(trip.id, id)
        XCTAssertEqual(trip.source, .gps)
        XCTAssertTrue((11.7...12.2).contains(trip.km), "km \(trip.km)")
        XCTAssertEqual(trip.visitIds, [v.id])
        // With Doppler speed and dense fixes the recorder vouches for the km: no mark.
        XCTAssertEqual(trip.gps?.grade, .good)
        XCTAssertNil(trip.gpsDoubt)
        XCTAssertEqual(SuggestedKm.marks(trip, .sv), [])
        XCTAssertNil(try reopened.activeTrip())
        guard case .NotFound? = assertThrows(try resumed.feedFixes(fixes: [fixes[0]])) else {
            return XCTFail("feeding a finished trip")
        }
        XCTAssertEqual(try reopened.tripsBetween(fromMs: 0, beforeMs: nowMs() + 3_600_000).map(\.id), [trip.id])
    }

    func testATripFromPositionsWithoutSpeedIsMarkedAsAGpsDistanceInDoubt() throws {
        let (store, _) = try newStore()
        let rec = try store.startTrip(start: start())
        let fixes = drive(300).map {
            FixInput(lat: $0.lat, lon: $0.lon, accuracyM: $0.accuracyM, timeMs: $0.timeMs, speedMps: nil)
        }
        _ = try rec.feedFixes(fixes: fixes)
        let trip = try rec.finish(toPlace: "Töre", toAddress: nil, odometerEnd: nil)
        XCTAssertEqual(trip.gps?.grade, .fair)
        XCTAssertEqual(trip.gpsDoubt, .fair)
        XCTAssertEqual(SuggestedKm.marks(trip, .sv), ["GPS kan vara några procent fel"])
        XCTAssertEqual(SuggestedKm.marks(trip, .en), ["GPS may be a few per cent off"])
        // The list the trips screen shows carries the mark too.
        XCTAssertEqual(try store.tripsBetween(fromMs: 0, beforeMs: nowMs() + 3_600_000).map(\.gpsDoubt), [.fair])
    }

    func testCancelDropsTheRecordingFinishWithoutFixesIsRefused() throws {
        let (store, _) = try newStore()
        let rec = try store.startTrip(start: start())
        XCTAssertEqual(invalidField(assertThrows(try rec.finish(toPlace: "Töre", toAddress: nil, odometerEnd: nil))), "km")
        XCTAssertEqual(try store.activeTrip()?.tripId(), rec.tripId(), "a refused finish keeps recording")
        try rec.cancel()
        XCTAssertNil(try store.activeTrip())
        XCTAssertEqual(invalidField(assertThrows(try store.startTrip(start: start(from: "Storgatan 5")))), "place")
        XCTAssertEqual(try store.syncStatus().waiting, 0, "nothing of a cancelled trip is synced")
    }

    func testManualAndOdometerTrips() throws {
        let (store, _) = try newStore()
        let manual = try store.logTrip(input: trip(.manual(km: 25.3)))
        XCTAssertEqual(manual.source, .manual)
        XCTAssertEqual(manual.km, 25.3, accuracy: 1e-9)
        let odo = try store.logTrip(input: trip(car: "abc 123", .odometer(start: 12_000, end: 12_041)))
        XCTAssertEqual(odo.km, 41, accuracy: 1e-9)
        XCTAssertEqual(odo.serviceCar, "ABC123")
        let backwards = trip(.odometer(start: 12_000, end: 11_000))
        XCTAssertEqual(invalidField(assertThrows(try store.logTrip(input: backwards))), "odometer_end")
        XCTAssertEqual(Messages.of(assertThrows(try store.logTrip(input: backwards))!, .sv),
                       "Mätarställningen vid slut får inte vara lägre än vid start.")
    }
}
