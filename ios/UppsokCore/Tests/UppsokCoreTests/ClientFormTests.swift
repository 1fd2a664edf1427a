// The ACT fields of a client and a contact on iOS: the client form (admission, closure, contact
// person and deputy), a network-only contact never being an attempt, "Mina klienter" first in
// the picker, and an edit of the next contact that keeps what the form does not show, against
// the real library. Mirrors the same tests in AppLogicTest.kt and FlowsTest.kt.
import Foundation
import UppsokAppCore
import UppsokCore
import XCTest

final class ClientFormTests: XCTestCase {
    func testClientFormAdmissionClosureContactPersonAndDeputy() {
        var f = ClientForm.new(today: "2026-11-22")
        f.code = "K-017"
        f.name = "Aino"
        XCTAssertEqual(f.admitted, "2026-11-22", "a new client is admitted today")
        XCTAssertNil(f.admissionFlag(.sv))
        XCTAssertEqual(f.problems(.sv, today: "2026-11-22"), [])
        let closing = f.withPhase(.closed, today: "2026-11-22")
        XCTAssertEqual(closing.closedOn, "2026-11-22")
        XCTAssertEqual(closing.problems(.sv, today: "2026-11-22").map(\.field), ["closure"])
        var other = closing.withClosure(.other)
        XCTAssertEqual(other.problems(.sv, today: "2026-11-22").map(\.field), ["closed_reason"])
        other.closedReason = "Flyttade till vårdboende"
        XCTAssertEqual(other.problems(.sv, today: "2026-11-22"), [])
        XCTAssertEqual(closing.withClosure(.moved).withAdmitted("2026-11-23").problems(.sv, today: "2026-11-22").map(\.field), ["closed_on"])
        let reopened = other.withPhase(.active, today: "2026-11-22")
        XCTAssertNil(reopened.closure)
        XCTAssertNil(reopened.closedOn)
        XCTAssertNil(reopened.closedReason)
        XCTAssertEqual(f.withDeputy("bo").problems(.sv, today: "2026-11-22").map(\.field), ["deputy"])
        let both = f.withContactPerson("anna").withDeputy("bo")
        XCTAssertEqual(both.problems(.sv, today: "2026-11-22"), [])
        XCTAssertNil(both.withContactPerson("bo").deputy, "the deputy became the contact person")
        XCTAssertEqual(Labels.closure(.other, .sv), "Annat")
        XCTAssertEqual(Labels.referral(.socialServices, .sv), "Socialtjänsten")
        XCTAssertTrue(ClientForm.protectedWarning(.sv).contains("aldrig i listor"))
        let given = f.withConsent(.given, today: "2026-11-22")
        XCTAssertEqual(given.consentDate, "2026-11-22")
        XCTAssertEqual(given.consentScope, .contacts)
    }

    func testANetworkOnlyContactIsNeverAnAttempt() {
        let attempt = VisitContact(contact: .attempted)
        XCTAssertTrue(attempt.choices.contains(.attempted))
        let absent = attempt.withClientPresent(false)
        XCTAssertEqual(absent.contact, .phone)
        XCTAssertNil(absent.setting)
        XCTAssertTrue(absent.network, "a contact with the network alone is a network contact")
        XCTAssertFalse(absent.choices.contains(.attempted))
        XCTAssertEqual(absent.problems(.sv), [])
        XCTAssertTrue(absent.withContact(.attempted).clientPresent)
        var noNetwork = absent
        noNetwork.network = false
        XCTAssertEqual(noNetwork.problems(.sv).map(\.field), ["network"])
        var tried = absent
        tried.contact = .attempted
        XCTAssertEqual(tried.problems(.sv).map(\.field), ["client_present"])
        XCTAssertEqual(Labels.clientAbsent(.sv), "Klienten var inte med (nätverkskontakt)")
        XCTAssertEqual(Labels.groupContact(.sv), "Gruppkontakt")
    }

    func testMyClientsFirstAndAnEditOfTheNextContactKeepsTheContactPerson() throws {
        let (store, _) = try newStore()
        let other = try store.addClient(input: clientInput("K-001"))
        let deputyOf = try store.addClient(input: clientInput("K-002", contactPerson: "bo", deputy: "anna"))
        let own = try store.addClient(input: clientInput("K-003", contactPerson: "anna", admitted: "2026-02-03"))
        _ = try store.logVisit(input: visitInput(other.id))
        let recent = try store.recentClients(limit: 20).map(\.id)
        XCTAssertEqual(recent, [deputyOf.id, own.id, other.id])
        let sections = ClientPicker.sections(try store.clients(), query: "", recentIds: recent, .sv)
        XCTAssertEqual(sections.map(\.title), ["Mina klienter", "Övriga klienter"])
        XCTAssertEqual(sections[0].clients.map(\.code), ["K-002", "K-003"])
        XCTAssertEqual(try store.myClients().map(\.code), ["K-002", "K-003"])
        XCTAssertEqual(ClientPicker.sections(try store.clients(), query: "k1", recentIds: recent, .sv).map(\.title), [nil])

        var form = ClientForm.edit(try store.client(id: deputyOf.id))
        XCTAssertEqual(form.admissionFlag(.sv), "uppskattat")
        form.nextContact = "2026-12-24"
        let saved = try store.editClient(input: form.toInput())
        XCTAssertEqual(saved.contactPerson, "bo")
        XCTAssertEqual(saved.deputy, "anna")
        XCTAssertEqual(saved.nextContact, "2026-12-24")
        XCTAssertNil(saved.admitted, "an estimate nobody confirmed is not saved")
        let confirmed = try store.editClient(input: ClientForm.edit(saved).confirmAdmission().toInput())
        XCTAssertEqual(confirmed.admitted, saved.admission)
        XCTAssertEqual(ClientForm.edit(try store.client(id: own.id)).admitted, "2026-02-03")

        // A call with the mother while the client was away does not reach the client.
        let c = try store.addClient(input: clientInput("K-017"))
        let call = VisitContact(contact: .attempted).withClientPresent(false)
        let v = try store.logVisit(input: VisitInput(
            id: nil, clientId: c.id, staff: [], startMs: nowMs() - 3_600_000, minutes: 15, contact: call.contact,
            setting: call.setting, network: call.network, clientPresent: call.clientPresent, group: call.group,
            place: nil, note: nil))
        XCTAssertFalse(v.clientPresent)
        XCTAssertNil(try store.client(id: c.id).daysSinceContact)
    }

    func testAProtectedIdentityShowsAsItsCodeInLists() throws {
        let (store, _) = try newStore()
        var f = ClientForm.new(today: Reminders.isoDay(nowMs()))
        f.code = "K-004"
        f.name = "Aino Niemi"
        f.protectedIdentity = true
        let c = try store.addClient(input: f.toInput())
        XCTAssertTrue(c.protectedIdentity)
        XCTAssertEqual(Labels.client(c, .sv), "K-004 (skyddad)")
        XCTAssertFalse(c.admissionEstimated, "admitted today")
    }
}
