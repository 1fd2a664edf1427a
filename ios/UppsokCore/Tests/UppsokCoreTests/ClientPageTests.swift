// The client page through the plain layer against the real library and a real `uppsok serve`:
// the page loads the client through the core (not from the list), a contact older than the
// phone's window has left the phone at sync, and "Visa äldre" brings it back from the server
// without storing it; offline and unenrolled phones get a sentence that says what to do.
// Mirrors ClientPageTest.kt.
import Foundation
import UppsokAppCore
import UppsokCore
import XCTest

final class ClientPageTests: XCTestCase {
    nonisolated(unsafe) static var shared: TestServer?
    nonisolated(unsafe) static var startError: Error?
    nonisolated(unsafe) static var annaCode = ""

    override class func setUp() {
        super.setUp()
        let s = TestServer()
        do {
            annaCode = try s.setUpTeam("anna")
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

    func testThePageLoadsTheClientThroughTheCoreAndShowsOlderHistoryFromTheServer() throws {
        guard let server = Self.shared else { throw Self.startError ?? NSError(domain: "no test server", code: 1) }
        let (store, _) = try newStore("anna")
        _ = try store.enrol(serverUrl: server.url, code: Self.annaCode, deviceName: "Swift test")
        let c = try store.addClient(input: clientInput("K-017", "Aino Niemi"))
        let day: Int64 = 86_400_000
        let recent = try store.logVisit(input: visitInput(c.id))
        let old = try store.logVisit(input: visitInput(c.id, startMs: nowMs() - 200 * day))
        XCTAssertNil(try store.historyWindow(), "no window before the server named one")
        _ = try store.syncNow()
        let window = try XCTUnwrap(try store.historyWindow())
        XCTAssertEqual(window.days, 183)

        let page = try ClientPage.load(store, clientId: c.id)
        XCTAssertEqual(page.client.id, c.id)
        XCTAssertEqual(page.visits.map(\.id), [recent.id], "the old contact left at sync")
        XCTAssertTrue(page.canShowOlder)
        XCTAssertEqual(ClientPage.olderLabel(window, .sv), "Visa äldre än \(window.firstDay)")

        let shown = ClientPage.older(store, page, .sv)
        XCTAssertNil(shown.older.error)
        XCTAssertEqual(shown.older.visits.map(\.id), [old.id])
        XCTAssertFalse(shown.canShowOlder, "nothing older is left")
        // Shown, not stored: the phone's list is as before.
        XCTAssertEqual(try store.visitsForClient(clientId: c.id).map(\.id), [recent.id])
    }

    func testTheJournalTextNamesTheCodeAndTheContactsNeverTheClient() throws {
        let (store, _) = try newStore("cissi")
        let c = try store.addClient(input: clientInput("K-019", "Hemlig Persson"))
        _ = try store.logVisit(input: visitInput(c.id))
        let text = try ClientPage.journalText(store, clientId: c.id, today: Reminders.isoDay(nowMs() + 86_400_000))
        XCTAssertTrue(text.hasPrefix("Klient K-019: kontakter"), text)
        XCTAssertFalse(text.contains("Hemlig") || text.contains("Persson"), text)
    }

    func testOfflineAndUnenrolledPhonesAreToldInSwedishWhatToDo() throws {
        let offline = ClientPage.olderError(UppsokError.Network(reason: "could not connect"), .sv)
        XCTAssertTrue(offline.hasPrefix("Äldre historik finns bara på servern"), offline)
        let (store, _) = try newStore("bo")
        let c = try store.addClient(input: clientInput("K-018"))
        let page = try ClientPage.load(store, clientId: c.id)
        XCTAssertFalse(page.canShowOlder, "no window: the phone holds everything")
        let failed = ClientPage.older(store, page, .sv)
        XCTAssertEqual(failed.older.error, "Telefonen är inte kopplad till servern, så äldre historik kan inte hämtas.")
        XCTAssertFalse(failed.older.fetched)
    }
}
