// The facade called from Swift against the real library: keys, stores opened with a
// Swift-implemented key provider, typed errors, clients and visits, wipe. Mirrors FacadeTest.kt.
import Foundation
import UppsokAppCore
import UppsokCore
import XCTest

final class FacadeTests: XCTestCase {
    let hour: Int64 = 3_600_000

    func testKeysAndVersion() throws {
        let k = try generateDeviceKey()
        XCTAssertEqual(k.count, 32)
        XCTAssertNotEqual(k, try generateDeviceKey())
        XCTAssertNotNil(coreVersion().range(of: #"^\d+\.\d+\.\d+"#, options: .regularExpression))
    }

    func testCreateOpenWrongKeyAndThrowingProvidersAreTypedErrors() throws {
        let keys = TestKeys()
        let (store, path) = try newStore(keys: keys)
        XCTAssertEqual(try store.profile().username, "anna")
        XCTAssertFalse(try store.profile().enrolled)
        XCTAssertTrue(storeExists(path: path))

        guard case .AlreadyExists? = assertThrows(try UppsokStore.create(path: path, username: "anna", keys: keys)) else {
            return XCTFail("create over an existing store")
        }
        guard case .WrongKey? = assertThrows(try UppsokStore.open(path: path, keys: TestKeys())) else {
            return XCTFail("another key opens the store")
        }
        // The provider's own errors, mapped.
        guard case .WrongKey? = assertThrows(try UppsokStore.open(path: path, keys: ThrowingKeys(KeyProviderError.WrongKey))) else {
            return XCTFail("KeyProviderError.WrongKey")
        }
        guard case let .KeyProvider(reason)? = assertThrows(
            try UppsokStore.open(path: path, keys: ThrowingKeys(KeyProviderError.Unavailable(reason: "keychain locked")))
        ) else { return XCTFail("KeyProviderError.Unavailable") }
        XCTAssertEqual(reason, "keychain locked")
        // Any other Swift error from the app's code: a typed error, not a crash, and its text
        // (which could hold anything) is not passed on.
        guard case let .KeyProvider(odd)? = assertThrows(try UppsokStore.open(path: path, keys: ThrowingKeys(OddError()))) else {
            return XCTFail("a foreign error")
        }
        XCTAssertFalse(odd.contains("1234"), odd)
        guard case .KeyProvider? = assertThrows(try UppsokStore.open(path: path, keys: TestKeys(Data(count: 31)))) else {
            return XCTFail("a short key")
        }
        guard case .NoStore? = assertThrows(try UppsokStore.open(path: tempDir() + "/none.db", keys: keys)) else {
            return XCTFail("no store")
        }
        XCTAssertEqual(invalidField(assertThrows(try UppsokStore.create(path: tempDir() + "/x.db", username: "Anna Berg", keys: keys))),
                       "username")
        let again = try UppsokStore.open(path: path, keys: keys)
        XCTAssertEqual(try again.profile().username, "anna")
        XCTAssertGreaterThanOrEqual(keys.calls, 2)
        // The wording the app shows for these.
        XCTAssertTrue(Messages.of(UppsokError.WrongKey, .sv).hasPrefix("Nyckeln passar inte"))
        XCTAssertTrue(Messages.of(UppsokError.KeyProvider(reason: "x"), .en).hasPrefix("The keychain"))
    }

    func testClientsAddEditListRecentFirst() throws {
        let (store, _) = try newStore()
        let a = try store.addClient(input: clientInput("K-017", "Aino Niemi"))
        let bItem = try store.addClient(input: clientInput("K-002", nextContact: "2026-12-01"))
        XCTAssertEqual(try store.client(id: a.id).name, "Aino Niemi")
        XCTAssertNil(a.daysSinceContact)
        let edited = try store.editClient(
            input: clientInput("K-017", "Aino Niemi", id: a.id, consent: .given, consentDate: "2026-11-01"))
        XCTAssertEqual(edited.consent, .given)
        XCTAssertEqual(edited.consentDate, "2026-11-01")
        _ = try store.logVisit(input: visitInput(a.id, startMs: nowMs() - 3 * 24 * hour))
        _ = try store.logVisit(input: visitInput(bItem.id, startMs: nowMs() - 30 * 24 * hour))
        let list = try store.clients()
        XCTAssertEqual(list.map(\.code), ["K-002", "K-017"])
        XCTAssertEqual(list.first { $0.id == a.id }?.daysSinceContact, 3)
        XCTAssertEqual(try store.recentClients(limit: 10).map(\.code), ["K-017", "K-002"])
        let bad = assertThrows(try store.addClient(input: clientInput("Anna")))
        XCTAssertEqual(invalidField(bad), "code")
        if case let .Invalid(_, rule)? = bad { XCTAssertFalse(rule.contains("Anna"), "the rule does not echo the value") }
        XCTAssertEqual(invalidField(assertThrows(try store.addClient(input: clientInput("K-017")))), "code")
        guard case .NotFound? = assertThrows(try store.client(id: "0190a0b0-0000-7000-8000-000000000000")) else {
            return XCTFail("an unknown client")
        }
    }

    func testVisitsLogEditListDeleteAndRefusals() throws {
        let (store, _) = try newStore()
        let c = try store.addClient(input: clientInput("K-017"))
        let now = nowMs()
        let v = try store.logVisit(input: visitInput(c.id, startMs: now - hour, staff: ["bertil"]))
        XCTAssertEqual(v.author, "anna")
        XCTAssertEqual(v.staff, ["anna", "bertil"])
        XCTAssertEqual(v.clientCode, "K-017")
        let phone = try store.logVisit(
            input: visitInput(c.id, startMs: now - 2 * hour, contact: .phone, setting: nil, place: nil, note: nil))
        let edited = try store.logVisit(input: visitInput(c.id, startMs: now - hour, id: v.id, minutes: 60))
        XCTAssertEqual(edited.id, v.id)
        XCTAssertEqual(try store.visitsForClient(clientId: c.id).map(\.id), [phone.id, v.id])
        XCTAssertEqual(try store.visitsForClient(clientId: c.id).last?.minutes, 60)
        try store.deleteVisit(id: phone.id)
        XCTAssertEqual(try store.visitsForClient(clientId: c.id).map(\.id), [v.id])
        guard case .NotFound? = assertThrows(try store.deleteVisit(id: phone.id)) else { return XCTFail("deleted twice") }

        let street = visitInput(c.id, place: "Storgatan 5")
        let secret = visitInput(c.id, note: String(repeating: "hemligt ", count: 600))
        let cases: [(String, VisitInput)] = [
            ("minutes", visitInput(c.id, minutes: 0)),
            ("start", visitInput(c.id, startMs: now + 48 * hour)),
            ("place", street),
            ("client", visitInput("not-an-id")),
            ("note", secret),
        ]
        for (field, input) in cases {
            let e = assertThrows(try store.logVisit(input: input), field)
            XCTAssertEqual(invalidField(e), field)
            if case let .Invalid(_, rule)? = e {
                XCTAssertFalse(rule.contains("hemligt") || rule.contains("Storgatan"), "no values in errors")
            }
            XCTAssertFalse(Messages.of(e!, .sv).isEmpty)
        }
    }

    func testWipeDestroysTheStoreAndLaterCallsSayWiped() throws {
        let keys = TestKeys()
        let (store, path) = try newStore(keys: keys)
        _ = try store.addClient(input: clientInput("K-017"))
        try store.wipe()
        XCTAssertFalse(storeExists(path: path))
        guard case .Wiped? = assertThrows(try store.clients()) else { return XCTFail("clients after wipe") }
        guard case .NoStore? = assertThrows(try UppsokStore.open(path: path, keys: keys)) else { return XCTFail("open after wipe") }
        // Without the key (a reset keychain): wipe by path.
        let (_, otherPath) = try newStore()
        try wipeStoreAt(path: otherPath)
        XCTAssertFalse(storeExists(path: otherPath))
    }
}
