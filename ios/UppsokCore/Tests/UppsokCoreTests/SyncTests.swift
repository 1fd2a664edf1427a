// Enrolment and sync against a real `uppsok serve` started here over a fresh SQLite database,
// set up with `uppsok admin` as an IT administrator would; then the background sync
// (StoreCalls.backgroundSync) and a remote wipe. Mirrors SyncTest.kt.
import Foundation
import UppsokAppCore
import UppsokCore
import XCTest

final class SyncTests: XCTestCase {
    // One server for the class, as in SyncTest.kt (setting up the team runs Argon2 for users).
    // A server that does not start fails each test with the reason (a fatalError here would end
    // the whole test process).
    nonisolated(unsafe) static var shared: TestServer?
    nonisolated(unsafe) static var startError: Error?
    nonisolated(unsafe) static var annaCode = ""

    override class func setUp() {
        super.setUp()
        let s = TestServer()
        do {
            annaCode = try s.setUpTeam("anna")
            try s.start()
            try s.addUser("bertil", "Bertil Ek")
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

    func testTheMonthsAmountComesWithTheSyncAsPayrollWillPayIt() throws {
        let server = try self.server
        try server.addUser("cilla", "Cilla Ek")
        let (store, _) = try newStore("cilla")
        _ = try store.enrol(serverUrl: server.url, code: try server.enrolmentCode("cilla"), deviceName: "Swift test")
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Europe/Stockholm")!
        let now = cal.dateComponents([.year, .month], from: Date())
        let (y, m) = (Int32(now.year!), Int32(now.month!))
        // 25.3 km from the workplace, two minutes ago (this month but for a run at midnight).
        var form = TripForm()
        form.fromPlace = "Kalix"
        form.toPlace = "Töre"
        form.kmText = "25,3"
        form.startMs = nowMs() - 120_000
        _ = try store.logTrip(input: XCTUnwrap(form.toInput()))
        XCTAssertNil(try store.monthPay(year: y, month: m), "no rates before a sync")
        XCTAssertNil(MonthTotals.amountLine(nil, .sv))
        _ = try store.syncNow()
        let pay = try XCTUnwrap(try store.monthPay(year: y, month: m), "the sync brought the rates")
        // The organisation's default 3.05 kr/km, tax-free up to 2.50 kr/km, half-öre up.
        XCTAssertEqual(pay.trips, 1)
        XCTAssertEqual(pay.centiKm, 2530)
        XCTAssertEqual(pay.amountOre, (2530 * 305 + 50) / 100)
        XCTAssertEqual(pay.taxFreeOre, (2530 * 250 + 50) / 100)
        XCTAssertEqual(MonthTotals.amountLine(pay, .sv), "Ersättning 77,17\u{00A0}kr, varav 63,25\u{00A0}kr skattefritt")
        XCTAssertEqual(invalidField(assertThrows(try store.monthPay(year: y, month: 13))), "month")
    }

    func testAWrongEnrolmentCodeIsRefusedWithATypedError() throws {
        let server = try self.server
        let (store, _) = try newStore()
        XCTAssertEqual(invalidField(assertThrows(try store.enrol(serverUrl: server.url, code: "WRONGCODE1", deviceName: nil))), "code")
        XCTAssertFalse(try store.profile().enrolled)
        guard case .Network? = assertThrows(try store.enrol(serverUrl: "http://127.0.0.1:9", code: "ABCDEFGH", deviceName: nil)) else {
            return XCTFail("an unreachable server")
        }
    }

    func testEnrolSyncBothWaysRejectedChangeBackgroundSyncRemoteWipe() throws {
        let server = try self.server
        let keys = TestKeys()
        let (anna, annaPath) = try newStore("anna", keys: keys)
        let (bertil, _) = try newStore("bertil")
        let annaEnrolled = try anna.enrol(serverUrl: server.url, code: Self.annaCode, deviceName: "Swift test")
        XCTAssertTrue(annaEnrolled.profile.enrolled)
        XCTAssertNil(annaEnrolled.warning)
        _ = try bertil.enrol(serverUrl: server.url, code: try server.enrolmentCode("bertil"), deviceName: "Swift test")
        let profile = try anna.profile()
        XCTAssertEqual(profile.serverUrl, server.url)
        let deviceId = try XCTUnwrap(profile.deviceId)

        // Anna logs a client and a visit offline, then syncs.
        let c = try anna.addClient(input: clientInput("K-017", "Aino Niemi"))
        let v = try anna.logVisit(input: visitInput(c.id))
        XCTAssertEqual(try anna.syncStatus().waiting, 2)
        XCTAssertEqual(Format.waiting(try anna.syncStatus().waiting, .sv), "2 ändringar väntar")
        let sent = try anna.syncNow()
        XCTAssertEqual(sent.sent, 2)
        XCTAssertEqual(sent.accepted, 2)
        XCTAssertEqual(sent.deviceState, .active)
        let status = try anna.syncStatus()
        XCTAssertEqual(status.waiting, 0)
        XCTAssertNotNil(status.lastSyncMs)
        XCTAssertNil(status.lastError)

        // Bertil, in the same team, receives them.
        let got = try bertil.syncNow()
        XCTAssertGreaterThanOrEqual(got.received, 2)
        XCTAssertEqual(try bertil.clients().map(\.code), ["K-017"])
        XCTAssertEqual(try bertil.visitsForClient(clientId: c.id).map(\.id), [v.id])

        // Bertil edits Anna's visit: visits are edited by their author only, so the server
        // refuses it; the change stays on his phone with the reason.
        _ = try bertil.logVisit(input: visitInput(c.id, id: v.id, minutes: 90))
        let mixed = try bertil.syncNow()
        XCTAssertEqual(mixed.rejected, 1)
        let rejected = try XCTUnwrap(try bertil.syncStatus().rejected.first)
        XCTAssertEqual(rejected.entity, "visit")
        XCTAssertEqual(rejected.recordId, v.id)
        XCTAssertFalse(rejected.reason.isEmpty)
        try bertil.discardRejected(changeId: rejected.changeId)
        XCTAssertTrue(try bertil.syncStatus().rejected.isEmpty)

        // The background task, from a store opened with the Swift key provider: a change
        // waiting goes out.
        _ = try anna.logVisit(input: visitInput(c.id))
        XCTAssertEqual(try anna.syncStatus().waiting, 1)
        XCTAssertTrue(StoreCalls.backgroundSync(path: annaPath, keys: keys))
        XCTAssertEqual(try anna.syncStatus().waiting, 0, "the background sync sent the change")
        // Without a store there is nothing to do; a store the key does not open is left alone.
        XCTAssertTrue(StoreCalls.backgroundSync(path: tempDir() + "/none.db", keys: keys))
        XCTAssertTrue(StoreCalls.backgroundSync(path: annaPath, keys: TestKeys()))

        // An administrator revokes Anna's lost phone with --wipe: the next sync wipes it.
        try server.admin(["device", "revoke", deviceId, "--wipe"])
        let wiped = assertThrows(try anna.syncNow())
        guard case .Wiped? = wiped else { return XCTFail("sync after a remote wipe: \(String(describing: wiped))") }
        XCTAssertEqual(SyncPolicy.classify(wiped), .wiped)
        XCTAssertFalse(storeExists(path: annaPath))
    }

    func testStoreCallsOpenCreateAndRunOffTheCallersActor() async throws {
        let keys = TestKeys()
        let path = tempDir() + "/store.db"
        // As AppModel.enrol does: create when there is no store, open when there is one.
        let created = try await StoreCalls.openOrCreate(path: path, username: "anna", keys: keys)
        _ = try await StoreCalls.detached(created) { try $0.addClient(input: clientInput("K-018")) }
        let opened = try await StoreCalls.openOrCreate(path: path, username: "anna", keys: keys)
        let codes = try await StoreCalls.detached(opened) { try $0.clients().map(\.code) }
        XCTAssertEqual(codes, ["K-018"])
        // Errors come back typed, for Messages and SyncPolicy.
        do {
            _ = try await StoreCalls.open(path: path, keys: TestKeys())
            XCTFail("another key opened the store")
        } catch {
            XCTAssertEqual(SyncPolicy.classify(error), .needsUser)
            XCTAssertTrue(Messages.of(error, .sv).hasPrefix("Nyckeln passar inte"))
        }
        do {
            _ = try await StoreCalls.detached(opened) { try $0.syncNow() }
            XCTFail("a store that is not enrolled synced")
        } catch {
            XCTAssertEqual(SyncPolicy.classify(error), .reenrol)
        }
    }
}
