// The flows of a case manager's day through UppsokAppCore against the real library (and a real
// `uppsok serve` for enrolment): the gate from a fresh install, enrolment retried after a
// restart, the trip from the location answer to a saved or cancelled trip, the client picker
// over a whole caseload, a visit logged later than it happened, reminders of planned contacts.
// Mirrors FlowsTest.kt.
import Foundation
import UppsokAppCore
import UppsokCore
import XCTest

final class FlowsTests: XCTestCase {
    nonisolated(unsafe) static var shared: TestServer?
    nonisolated(unsafe) static var startError: Error?

    override class func setUp() {
        super.setUp()
        let s = TestServer()
        do {
            _ = try s.setUpTeam("anna")
            try s.start()
            shared = s
        } catch {
            s.stop()
            startError = error
        }
    }

    override class func tearDown() {
        shared?.stop()
        super.tearDown()
    }

    var server: TestServer {
        get throws {
            if let s = Self.shared { return s }
            throw Self.startError ?? NSError(domain: "the test server did not start", code: 1)
        }
    }

    let zone = TimeZone(identifier: "Europe/Stockholm")!

    func testTheGateEnrolmentBeatsTheLockAndTheLockTimesOut() {
        let gate = AppGate()
        var s = gate.reduce(GateState(), .launched(storeExists: false))
        XCTAssertEqual(s.gate, .enrol)
        s = gate.reduce(s, .foreground(nowMs: 1_000))
        s = gate.reduce(gate.reduce(s, .background(nowMs: 2_000)), .foreground(nowMs: 2_000 + 3_600_000))
        s = gate.reduce(s, .lockNow)
        XCTAssertEqual(s.gate, .enrol, "a fresh install is never locked")
        s = gate.reduce(s, .enrolled)
        XCTAssertEqual(s.gate, .open)
        s = gate.reduce(gate.reduce(s, .background(nowMs: 0)), .foreground(nowMs: 4 * 60_000))
        XCTAssertEqual(s.gate, .open)
        s = gate.reduce(gate.reduce(s, .background(nowMs: 10_000)), .foreground(nowMs: 10_000 + AppGate.lockAfterMs))
        XCTAssertEqual(s.gate, .locked)
        s = gate.reduce(s, .noScreenLock)
        XCTAssertEqual(s.gate, .locked)
        XCTAssertTrue(s.notice!.text(.sv).contains("lösenkod"))
        s = gate.reduce(s, .unlocked(enrolled: true, revoked: false))
        XCTAssertEqual(s.gate, .open)
        XCTAssertNil(s.notice)
        s = gate.reduce(s, .revoked)
        XCTAssertEqual(s.gate, .enrol)
        XCTAssertTrue(s.storeExists)
        XCTAssertEqual(s.notice, .reenrol)
        var locked = gate.reduce(GateState(), .launched(storeExists: true))
        locked = gate.reduce(locked, .revoked)
        XCTAssertEqual(locked.gate, .locked)
        XCTAssertEqual(gate.reduce(locked, .unlocked(enrolled: true, revoked: true)).gate, .enrol)
        XCTAssertEqual(gate.reduce(s, .wiped), GateState(gate: .enrol, storeExists: false))
    }

    func testAFreshInstallReachesEnrolmentAndAFailedEnrolmentIsRetriedAfterARestart() async throws {
        let server = try self.server
        let keys = TestKeys()
        let path = tempDir() + "/store.db"
        let gate = AppGate()
        var s = gate.reduce(GateState(), .launched(storeExists: storeExists(path: path)))
        XCTAssertEqual(s.gate, .enrol)

        let bad = await Enrolment.enrol(path: path, username: "anna", serverUrl: server.url, code: "WRONG-CODE-1",
                                        deviceName: "Swift test", keys: keys)
        XCTAssertTrue(bad.error is UppsokError, "\(String(describing: bad.error))")
        s = gate.reduce(s, bad.event)
        XCTAssertEqual(s.gate, .enrol)
        XCTAssertEqual(s.notice, .enrolFailed)
        XCTAssertTrue(s.storeExists)

        // Killed and opened again: locked first, then enrolment again (the store is unenrolled).
        s = gate.reduce(GateState(), .launched(storeExists: storeExists(path: path)))
        XCTAssertEqual(s.gate, .locked)
        let store = try await StoreCalls.open(path: path, keys: keys)
        let status = try store.syncStatus()
        s = gate.reduce(s, .unlocked(enrolled: status.enrolled, revoked: status.revoked))
        XCTAssertEqual(s.gate, .enrol)

        let good = await Enrolment.enrol(path: path, username: "anna", serverUrl: server.url,
                                         code: try server.enrolmentCode("anna"), deviceName: "Swift test", keys: keys)
        XCTAssertNil(good.error)
        s = gate.reduce(s, good.event)
        XCTAssertEqual(s.gate, .open)
        XCTAssertTrue(try good.store!.profile().enrolled)
    }

    func testEnrolmentLinksAndScannedCodes() {
        XCTAssertEqual(Enrolment.parseLink("uppsok://enrol?server=https%3A%2F%2Fuppsok.kalix.se%2F&code=abcd-1234"),
                       EnrolmentLink(server: "https://uppsok.kalix.se", code: "ABCD1234"))
        XCTAssertEqual(Enrolment.parseLink("UPPSOK://enrol?code=abcd1234"), EnrolmentLink(server: nil, code: "ABCD1234"))
        XCTAssertNil(Enrolment.parseLink("uppsok://wipe?code=abcd1234"))
        XCTAssertNil(Enrolment.parseLink("uppsok://enrol?server=https%3A%2F%2Fx.se"))
        XCTAssertNil(Enrolment.parseLink("uppsok://enrol?code=ab1"))
        XCTAssertNil(Enrolment.parseLink("uppsok://enrol?server=http%3A%2F%2Fevil.example&code=abcd1234"))
        XCTAssertNil(Enrolment.parseLink("https://uppsok.kalix.se/enrol?code=abcd1234"))
        XCTAssertEqual(Enrolment.parseScan("abcd-1234"), EnrolmentLink(server: nil, code: "ABCD1234"))
    }

    func testTheOrganisationsLoginStartsAtTheServerAndEndsInALinkTheFormReads() {
        XCTAssertEqual(Enrolment.oidcStartURL(server: " https://uppsok.kalix.se/ ")?.absoluteString,
                       "https://uppsok.kalix.se/enrol/oidc")
        XCTAssertEqual(Enrolment.oidcStartURL(server: "https://uppsok.kalix.se", org: "4f0c-1")?.absoluteString,
                       "https://uppsok.kalix.se/enrol/oidc?org=4f0c-1")
        XCTAssertEqual(Enrolment.oidcStartURL(server: "http://127.0.0.1:8080", org: " ")?.absoluteString,
                       "http://127.0.0.1:8080/enrol/oidc")
        // No usable server yet (the form's "https://"), or one without https: no button.
        XCTAssertNil(Enrolment.oidcStartURL(server: "https://"))
        XCTAssertNil(Enrolment.oidcStartURL(server: "http://uppsok.kalix.se"))
        // What the server redirects to after the login (server/src/dashboard/phone_enrol.rs).
        XCTAssertEqual(Enrolment.parseLink("uppsok://enrol?server=https%3A%2F%2Fuppsok.kalix.se&code=ABCD-EFGH-JKLM"),
                       EnrolmentLink(server: "https://uppsok.kalix.se", code: "ABCDEFGHJKLM"))
    }

    func testDeniedAndApproximateLocationNeverStartATripAndSayWhy() {
        XCTAssertEqual(LocationGrant.of(authorised: true, fullAccuracy: true, canAskAgain: false), .precise)
        XCTAssertEqual(LocationGrant.of(authorised: true, fullAccuracy: false, canAskAgain: false), .approximate)
        XCTAssertEqual(LocationGrant.of(authorised: false, fullAccuracy: false, canAskAgain: true), .denied)
        XCTAssertEqual(LocationGrant.of(authorised: false, fullAccuracy: true, canAskAgain: false), .deniedForGood)
        XCTAssertEqual(TripFlow.decide(.precise, .sv), .start)
        guard case let .explain(approx, _) = TripFlow.decide(.approximate, .sv) else { return XCTFail("approximate started") }
        XCTAssertTrue(approx.contains("ungefärlig plats"))
        guard case let .explain(denied, settings) = TripFlow.decide(.deniedForGood, .sv) else { return XCTFail("denied started") }
        XCTAssertTrue(denied.contains("inställningar"))
        XCTAssertTrue(settings)
        XCTAssertEqual(TripFlow.onAppOpened(recording: true, updating: false, grant: .precise, .sv), .restart)
        XCTAssertNil(TripFlow.onAppOpened(recording: false, updating: false, grant: .precise, .sv))
        if case .paused = TripFlow.onAppOpened(recording: true, updating: false, grant: .denied, .sv) {} else { XCTFail("not paused") }
    }

    func testATripTooThinForGPSIsFinishedWithOdometerReadingsOrCancelled() throws {
        let keys = TestKeys()
        let (store, path) = try newStore(keys: keys)
        let rec = try store.startTrip(start: TripStart(serviceCar: nil, fromPlace: "Kalix", purpose: "Hembesök", visited: nil, visitIds: [], odometerStart: nil))
        for f in drive(1) { _ = try rec.feedFix(fix: f) }
        if case .needsPlace = TripFlow.finish(rec, to: " ", .sv) {} else { XCTFail("finished without a destination") }
        guard case let .needsOdometer(text, startKnown) = TripFlow.finish(rec, to: "Töre", .sv) else { return XCTFail("thin trip finished") }
        XCTAssertFalse(startKnown)
        XCTAssertTrue(text.contains("vid start"))
        XCTAssertNotNil(try store.activeTrip())
        if case .needsOdometer = TripFlow.finishWithOdometer(store, rec, to: "Töre", startReading: nil, endReading: 12_345, .sv, nowMs: nowMs()) {} else { XCTFail("no start reading") }
        guard case let .saved(trip) = TripFlow.finishWithOdometer(store, rec, to: "Töre", startReading: 12_300, endReading: 12_345, .sv, nowMs: nowMs()) else { return XCTFail("not saved") }
        XCTAssertEqual(trip.km, 45, accuracy: 1e-9)
        XCTAssertEqual(trip.source, .odometer)
        XCTAssertEqual(trip.fromPlace, "Kalix")
        XCTAssertNil(try store.activeTrip())

        let rec2 = try store.startTrip(start: TripStart(serviceCar: nil, fromPlace: "Töre", purpose: "Hembesök", visited: nil, visitIds: [], odometerStart: 12_345))
        guard case .needsOdometer(_, true) = TripFlow.finish(rec2, to: "Kalix", .sv) else { return XCTFail("start reading not known") }
        guard case let .saved(back) = TripFlow.finishWithOdometer(store, rec2, to: "Kalix", startReading: nil, endReading: 12_390, .sv, nowMs: nowMs()) else { return XCTFail("not saved") }
        XCTAssertEqual(back.km, 45, accuracy: 1e-9)

        // Killed during a third and reopened: resumed, then cancelled.
        _ = try store.startTrip(start: TripStart(serviceCar: nil, fromPlace: "Kalix", purpose: "Hembesök", visited: nil, visitIds: [], odometerStart: nil))
        let reopened = try UppsokStore.open(path: path, keys: keys)
        let again = try XCTUnwrap(try reopened.activeTrip())
        XCTAssertEqual(try again.started().fromPlace, "Kalix")
        try again.cancel()
        XCTAssertNil(try reopened.activeTrip())
        XCTAssertEqual(try reopened.tripsBetween(fromMs: 0, beforeMs: Int64.max).count, 2)
    }

    func testEveryClientCanBePickedThe9thThe20thAndThe50th() throws {
        let (store, _) = try newStore()
        var added: [ClientItem] = []
        for n in 1...50 {
            added.append(try store.addClient(input: clientInput(String(format: "K-%03d", n), "Person\(n) Östlund")))
        }
        for c in added.prefix(8) { _ = try store.logVisit(input: visitInput(c.id)) }
        let recent = try store.recentClients(limit: 8).map(\.id)
        let all = try store.clients()
        let offered = ClientPicker.search(all, query: "", recentIds: recent)
        XCTAssertEqual(offered.count, 50)
        XCTAssertEqual(Set(offered.prefix(8).map(\.id)), Set(recent))
        for n in [9, 20, 50] {
            let code = String(format: "K-%03d", n)
            XCTAssertEqual(ClientPicker.search(all, query: code, recentIds: recent).first?.code, code)
            XCTAssertEqual(ClientPicker.search(all, query: "k\(n)", recentIds: recent).first?.code, code)
            XCTAssertTrue(ClientPicker.search(all, query: "person\(n)", recentIds: recent).contains { $0.code == code })
        }
        XCTAssertEqual(ClientPicker.search(all, query: "ostlund").count, 50)
    }

    func testAVisitLoggedAtNoonForHalfPastNineCarriesHalfPastNine() throws {
        let (store, _) = try newStore()
        let c = try store.addClient(input: clientInput("K-017"))
        let noon = VisitTime.at(hour: 12, minute: 0, onDayOf: nowMs(), zone: zone)
        let start = VisitTime.at(hour: 9, minute: 30, onDayOf: noon, zone: zone)
        XCTAssertNil(VisitTime.problem(startMs: start, nowMs: noon, .sv))
        XCTAssertNotNil(VisitTime.problem(startMs: VisitTime.at(hour: 13, minute: 0, onDayOf: noon, zone: zone), nowMs: noon, .sv))
        let v = try store.logVisit(input: visitInput(c.id, startMs: start, contact: .phone, setting: nil))
        let stored = try XCTUnwrap(try store.visitsForClient(clientId: c.id).first { $0.id == v.id })
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let parts = cal.dateComponents([.hour, .minute], from: Date(timeIntervalSince1970: Double(stored.startMs) / 1000))
        XCTAssertEqual(parts.hour, 9)
        XCTAssertEqual(parts.minute, 30)
        XCTAssertEqual(stored.startMs, start)
    }

    func testAReminderIsScheduledForAPlannedContactAndCancelledWhenTheContactIsLogged() throws {
        let (store, _) = try newStore()
        let now = nowMs()
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let tomorrowDate = cal.date(byAdding: .day, value: 1, to: Date())!
        let t = cal.dateComponents([.year, .month, .day], from: tomorrowDate)
        let tomorrow = String(format: "%04d-%02d-%02d", t.year!, t.month!, t.day!)
        let c = try store.addClient(input: clientInput("K-017", "Aino Niemi", nextContact: tomorrow))
        _ = try store.addClient(input: clientInput("K-018"))
        let plan = Reminders.plan(try store.clients(), nowMs: now, zone: zone, .sv)
        XCTAssertEqual(Set(plan.map(\.clientId)), [c.id])
        XCTAssertTrue(plan.contains { $0.kind == .morningOf })
        for r in plan { XCTAssertFalse((r.title + r.text).contains("Aino") || (r.title + r.text).contains("K-017")) }
        XCTAssertEqual(Reminders.changes(desired: plan, scheduled: []).cancel, [])

        _ = try store.logVisit(input: visitInput(c.id, startMs: now - 60_000, contact: .phone, setting: nil, place: nil))
        let after = Reminders.plan(try store.clients(), nowMs: now, zone: zone, .sv)
        XCTAssertTrue(after.isEmpty)
        let changes = Reminders.changes(desired: after, scheduled: Set(plan.map(\.key)).union(["other"]))
        XCTAssertEqual(changes.cancel, Set(plan.map(\.key)))
    }

    func testSyncErrorsInTheAppsWordsAndTheStartScreensLists() throws {
        let status = SyncStatus(waiting: 1, rejected: [], lastSyncMs: nil, lastError: "could not reach the server: timeout",
                                failures: 1, nextAttemptMs: nil, enrolled: true, revoked: false, serverUrl: nil)
        let sv = try XCTUnwrap(Messages.syncError(status, .sv))
        XCTAssertFalse(sv.contains("timeout"))
        XCTAssertTrue(try XCTUnwrap(Messages.syncError(SyncStatus(waiting: 0, rejected: [], lastSyncMs: nil, lastError: nil, failures: 0,
                                                                   nextAttemptMs: nil, enrolled: true, revoked: true, serverUrl: nil), .sv))
            .contains("registrera telefonen igen"))
        XCTAssertEqual(Messages.rejectReason(code: "invalid_record", reason: "minutes: must be between 1 and 1440", .sv),
                       Messages.invalid(field: "minutes", rule: "", .sv))
        XCTAssertEqual(Messages.rejectReason(code: "invalid_record", reason: "minutes: must be between 1 and 1440", .en),
                       "minutes: must be between 1 and 1440")
        XCTAssertTrue(Messages.rejectReason(code: "forbidden", reason: "x", .sv).hasPrefix("du får inte"))

        // Planned today and not met; met the day before; long unreached.
        let (store, _) = try newStore()
        let today = Reminders.isoDay(nowMs())
        let due = try store.addClient(input: clientInput("K-001", nextContact: today))
        let met = try store.addClient(input: clientInput("K-002", nextContact: today))
        _ = try store.logVisit(input: visitInput(met.id, startMs: nowMs() - 60_000, contact: .phone, setting: nil, place: nil))
        let never = try store.addClient(input: clientInput("K-003"))
        let clients = try store.clients()
        XCTAssertEqual(TodayPlan.planned(clients, today: today).map(\.id), [due.id])
        XCTAssertEqual(Set(TodayPlan.overdue(clients, today: today).map(\.id)), [never.id])

        let trip = try store.logTrip(input: TripInput(id: nil, serviceCar: nil, startMs: nowMs() - 3_600_000, endMs: nil, fromPlace: "Kalix",
                                                      toPlace: "Töre", fromAddress: nil, toAddress: nil, purpose: "Hembesök",
                                                      visited: nil, visitIds: [], distance: .manual(km: 12.5)))
        XCTAssertEqual(MonthTotals.of([trip], nowMs: nowMs()), MonthTotals(km: 12.5, trips: 1))
        XCTAssertEqual(MonthTotals.of([trip], nowMs: nowMs() + 40 * 86_400_000).trips, 0)
    }

    func testASavedTripIsEditedWithoutLosingItsDistanceAndShowsOnItsClientsPage() throws {
        let (store, _) = try newStore()
        let k17 = try store.addClient(input: clientInput("K-017", "Aino Niemi"))
        let k18 = try store.addClient(input: clientInput("K-018", "Bo Berg"))
        let contact = try store.logVisit(input: visitInput(k17.id))
        let hour: Int64 = 3_600_000
        // Logged by odometer, linked to the contact.
        var first = TripForm()
        first.entry = .odometer
        first.fromPlace = "Kalix"
        first.toPlace = "Töre"
        first.odometerStartText = "12 000"
        first.odometerEndText = "12 041"
        first.startMs = nowMs() - 2 * hour
        first.visitIds = [contact.id]
        let saved = try store.logTrip(input: XCTUnwrap(first.toInput()))
        XCTAssertEqual(saved.km, 41.0, accuracy: 1e-9)

        // The edit starts from the trip: its id, times, links and distance as saved.
        let form = TripForm.edit(saved, .sv)
        XCTAssertEqual(form.id, saved.id)
        XCTAssertEqual(form.entry, .asSaved)
        XCTAssertEqual(form.savedDistance, "41,0\u{00A0}km (mätarställning)")
        XCTAssertEqual(form.kmText, "41,0")
        XCTAssertEqual(form.forSave(nowMs: nowMs()), form, "an edit keeps its start")
        var changed = form
        changed.toPlace = "Sangis"
        changed.purpose = "Läkarbesök med klient"
        XCTAssertTrue(changed.problems(.sv).isEmpty)
        let edited = try store.logTrip(input: XCTUnwrap(changed.forSave(nowMs: nowMs()).toInput()))
        XCTAssertEqual(edited.id, saved.id)
        XCTAssertEqual(edited.toPlace, "Sangis")
        XCTAssertEqual(edited.source, .odometer)
        XCTAssertEqual(edited.km, 41.0, accuracy: 1e-9)
        XCTAssertEqual(edited.odometerEnd, 12_041)
        XCTAssertEqual(edited.startMs, saved.startMs)
        XCTAssertEqual(edited.visitIds, [contact.id])
        XCTAssertEqual(try store.tripsBetween(fromMs: 0, beforeMs: Int64.max).count, 1, "edited, not added")
        // Typed km instead: the distance is replaced.
        var retyped = TripForm.edit(edited, .sv)
        retyped.entry = .manual
        retyped.kmText = "43,5"
        let typed = try store.logTrip(input: XCTUnwrap(retyped.toInput()))
        XCTAssertEqual(typed.source, .manual)
        XCTAssertEqual(typed.km, 43.5, accuracy: 1e-9)
        // A new trip cannot keep a distance it never had.
        var fresh = TripForm()
        fresh.entry = .asSaved
        fresh.fromPlace = "Kalix"
        fresh.toPlace = "Töre"
        XCTAssertNil(fresh.distance())
        XCTAssertEqual(fresh.problems(.sv).map(\.field), ["distance"])
        XCTAssertEqual(TripForm().forSave(nowMs: 1234).startMs, 1234, "a new trip starts when saved")

        // The client's page lists the trips to it: by its contact, or by its code as typed.
        var toK17 = TripForm()
        toK17.fromPlace = "Töre"
        toK17.toPlace = "Kalix"
        toK17.kmText = "25,3"
        toK17.visited = "k17"
        toK17.startMs = nowMs() - hour
        let byCode = try store.logTrip(input: XCTUnwrap(toK17.toInput()))
        var toK18 = toK17
        toK18.visited = "K-018"
        toK18.startMs = nowMs() - hour / 2
        _ = try store.logTrip(input: XCTUnwrap(toK18.toInput()))
        let page = try ClientPage.load(store, clientId: k17.id)
        XCTAssertEqual(page.trips.map(\.id), [saved.id, byCode.id])
        XCTAssertEqual(try ClientPage.load(store, clientId: k18.id).trips.count, 1)
        let line = ClientPage.tripLine(page.trips[0], .sv)
        XCTAssertTrue(line.hasSuffix(" · Kalix → Sangis · 43,5\u{00A0}km (inskrivet)"), line)
    }

    func testATripFromHomeWithASuggestedDistanceTheDriverConfirms() throws {
        let (store, _) = try newStore()
        let s = try XCTUnwrap(try store.suggestKm(fromPlace: "Kalix", toPlace: "Töre"))
        XCTAssertEqual(s.earlierTrips, 0)
        XCTAssertTrue(SuggestedKm.label(s, .sv).contains("fågelvägen"), SuggestedKm.label(s, .sv))
        XCTAssertNil(try store.suggestKm(fromPlace: "Kalix", toPlace: "Ingenstansby"))

        let trip = try store.logTrip(input: TripInput(id: nil, serviceCar: nil, startMs: nowMs() - 3_600_000, endMs: nil, fromPlace: "Kalix",
                                                      toPlace: "Töre", fromAddress: nil, toAddress: nil, purpose: "Hembesök",
                                                      visited: nil, visitIds: [], distance: .suggested(confirmed: false), fromHome: true))
        XCTAssertEqual(trip.source, .suggested)
        XCTAssertTrue(trip.fromHome && trip.awaitsConfirmation)
        XCTAssertEqual(SuggestedKm.marks(trip, .sv), ["från bostaden", "föreslagen sträcka – bekräfta"])
        XCTAssertEqual(SuggestedKm.awaiting(try store.tripsBetween(fromMs: 0, beforeMs: Int64.max)).map(\.id), [trip.id])
        XCTAssertNotNil(SuggestedKm.banner(try store.tripsBetween(fromMs: 0, beforeMs: Int64.max), .sv))

        guard case .confirmed(let done) = SuggestedKm.confirm(store, trip, .sv) else { return XCTFail("not confirmed") }
        XCTAssertTrue(done.distanceConfirmed && !done.awaitsConfirmation && done.fromHome)
        XCTAssertNil(SuggestedKm.banner(try store.tripsBetween(fromMs: 0, beforeMs: Int64.max), .sv))

        let typed = try store.logTrip(input: TripInput(id: nil, serviceCar: nil, startMs: nowMs() - 1_800_000, endMs: nil, fromPlace: "Töre",
                                                       toPlace: "Kalix", fromAddress: nil, toAddress: nil, purpose: "Hembesök",
                                                       visited: nil, visitIds: [], distance: .manual(km: 25.3)))
        XCTAssertFalse(typed.fromHome)
        guard case .failed(let text) = SuggestedKm.confirm(store, typed, .sv) else { return XCTFail("typed km confirmed") }
        XCTAssertTrue(text.contains("Bara en föreslagen sträcka bekräftas"), text)
    }

    func testTheDiagnosticsExportCarriesNoPersonalData() throws {
        let (store, _) = try newStore()
        let c = try store.addClient(input: clientInput("K-017", "Aino Niemi"))
        _ = try store.logVisit(input: visitInput(c.id))
        let s = try store.syncStatus()
        let rejected = [RejectedChange(changeId: "ch1", entity: "visit", recordId: c.id, code: "forbidden", reason: "x"),
                        RejectedChange(changeId: "ch2", entity: "visit", recordId: c.id, code: "forbidden", reason: "x")]
        let status = SyncStatus(waiting: s.waiting, rejected: rejected, lastSyncMs: s.lastSyncMs, lastError: s.lastError,
                                failures: s.failures, nextAttemptMs: s.nextAttemptMs, enrolled: s.enrolled, revoked: s.revoked,
                                serverUrl: "https://uppsok.kalix.se/v1")
        let text = Diagnostics.text(status, coreVersion: coreVersion(), app: "0.1.0", damagedRecords: 1, nowMs: nowMs())
        XCTAssertTrue(text.contains("waiting: 2"), text)
        XCTAssertTrue(text.contains("server host: uppsok.kalix.se"), text)
        XCTAssertTrue(text.contains("refused: visit/forbidden ×2"), text)
        for secret in ["Aino", "Niemi", "K-017", "Mådde", "Töre", "anna", c.id] {
            XCTAssertFalse(text.contains(secret), "the export names \(secret)")
        }
    }
}
