// The plain Swift app layer (UppsokAppCore): wording and numbers, error messages, sync policy,
// labels. Mirrors AppLogicTest.kt, so both apps say the same things.
import Foundation
import UppsokAppCore
import UppsokCore
import XCTest

final class AppLogicTests: XCTestCase {
    let nbsp = "\u{00A0}"

    func testAVisitDraftSurvivesAsOneStringAndGoesStale() {
        let at: Int64 = 1_764_000_000_000
        let contact = VisitContact().withContact(.attempted).withClientPresent(true)
        var draft = VisitDraft(contact: contact, startMs: at - 2 * 3_600_000, staff: ["bo", "cilla"])
        draft.contact.group = true
        let text = draft.encoded()
        XCTAssertFalse(text.isEmpty)
        XCTAssertEqual(VisitDraft.decode(text, nowMs: at), draft)
        XCTAssertFalse(text.contains("attempted(") || text.contains("UppsokCore"), text)
        // An edit's draft says which visit it belongs to.
        let edit = VisitDraft(contact: VisitContact().withContact(.phone), startMs: at, editingId: "v-1")
        XCTAssertEqual(VisitDraft.decode(edit.encoded(), nowMs: at)?.editingId, "v-1")
        XCTAssertNil(VisitDraft.decode(edit.encoded(), nowMs: at)?.contact.setting, "a phone call has no setting")
        // Yesterday's half-filled form does not come back; nor does nothing, or text that does not read.
        XCTAssertNil(VisitDraft.decode(text, nowMs: at + 11 * 3_600_000))
        XCTAssertNil(VisitDraft.decode("", nowMs: at))
        XCTAssertNil(VisitDraft.decode("{\"contact\":\"teleport\"}", nowMs: at))
        XCTAssertNil(VisitDraft.decode("not json", nowMs: at))
    }

    func testKronorAsPayrollPrintsThem() {
        XCTAssertEqual(Format.kronor(5, .sv), "0,05\(nbsp)kr")
        XCTAssertEqual(Format.kronor(123_450, .sv), "1\(nbsp)234,50\(nbsp)kr")
        XCTAssertEqual(Format.kronor(123_450, .en), "1,234.50\(nbsp)kr")
        XCTAssertEqual(Format.kronor(-1_200, .sv), "-12,00\(nbsp)kr")
        let pay = MonthPay(year: 2026, month: 12, trips: 2, centiKm: 5_860, amountOre: 123_450, taxFreeOre: 100_000,
                           taxableOre: 23_450, fuelAllowanceOre: 2_000)
        XCTAssertEqual(MonthTotals.amountLine(pay, .sv),
                       "Ersättning 1\(nbsp)234,50\(nbsp)kr, varav 1\(nbsp)000,00\(nbsp)kr skattefritt (därav bilersättning förmånsbil 20,00\(nbsp)kr)")
    }

    func testHowLongAgoInSwedishAndEnglish() {
        XCTAssertEqual(Format.daysAgo(3, .sv), "för 3 dagar sedan")
        XCTAssertEqual(Format.daysAgo(1, .sv), "i går")
        XCTAssertEqual(Format.daysAgo(0, .sv), "i dag")
        XCTAssertEqual(Format.daysAgo(nil, .sv), "aldrig")
        XCTAssertEqual(Format.daysAgo(3, .en), "3 days ago")
        let now: Int64 = 1_763_800_000_000
        XCTAssertEqual(Format.ago(now - 10_000, nowMs: now, .sv), "nyss")
        XCTAssertEqual(Format.ago(now - 5 * 60_000, nowMs: now, .sv), "för 5 minuter sedan")
        XCTAssertEqual(Format.ago(now - 2 * 3_600_000, nowMs: now, .sv), "för 2 timmar sedan")
        XCTAssertEqual(Format.ago(now - 3 * 86_400_000, nowMs: now, .sv), "för 3 dagar sedan")
        XCTAssertEqual(Format.lastSync(now - 5 * 60_000, nowMs: now, .sv), "Senast synkad för 5 minuter sedan")
        XCTAssertEqual(Format.lastSync(nil, nowMs: now, .en), "Never synced")
    }

    func testNumbersAndWaitingChanges() {
        XCTAssertEqual(Format.km(25.34, .sv), "25,3\(nbsp)km")
        XCTAssertEqual(Format.km(25.34, .en), "25.3\(nbsp)km")
        XCTAssertEqual(Format.km(149.6, .sv), "150\(nbsp)km")
        XCTAssertEqual(Format.minutes(45, .sv), "45\(nbsp)min")
        XCTAssertEqual(Format.minutes(90, .sv), "1\(nbsp)tim 30\(nbsp)min")
        XCTAssertEqual(Format.minutes(120, .en), "2\(nbsp)h")
        XCTAssertEqual(Format.waiting(0, .sv), "Inga ändringar väntar")
        XCTAssertEqual(Format.waiting(1, .sv), "1 ändring väntar")
        XCTAssertEqual(Format.waiting(3, .en), "3 changes waiting")
        XCTAssertNil(Format.damaged(0, .sv))
        XCTAssertEqual(Format.damaged(3, .sv), "3 poster kunde inte läsas")
        XCTAssertEqual(Format.parseDecimal(" 25,3 ")!, 25.3, accuracy: 1e-9)
        XCTAssertNil(Format.parseDecimal("abc"))
        XCTAssertEqual(Lang.of("en-GB"), .en)
        XCTAssertEqual(Lang.of("sv-SE"), .sv)
        XCTAssertEqual(Lang.of("fi"), .sv)
    }

    func testSyncPolicyBackoffClassificationStaleness() {
        XCTAssertEqual(SyncPolicy.backoff(attempt: 0), 30)
        XCTAssertEqual(SyncPolicy.backoff(attempt: 1), 60)
        XCTAssertEqual(SyncPolicy.backoff(attempt: 2), 120)
        XCTAssertEqual(SyncPolicy.backoff(attempt: 30), SyncPolicy.maxBackoffSeconds)
        XCTAssertEqual(SyncPolicy.backoff(attempt: 0, jitter: 1), 36, accuracy: 1e-9)
        XCTAssertEqual(SyncPolicy.backoff(attempt: 0, jitter: -1), 24, accuracy: 1e-9)
        XCTAssertEqual(SyncPolicy.classify(nil), .done)
        XCTAssertEqual(SyncPolicy.classify(UppsokError.Network(reason: "timeout")), .retry)
        XCTAssertEqual(SyncPolicy.classify(UppsokError.Revoked), .reenrol)
        XCTAssertEqual(SyncPolicy.classify(UppsokError.NotEnrolled), .reenrol)
        XCTAssertEqual(SyncPolicy.classify(UppsokError.Wiped), .wiped)
        XCTAssertEqual(SyncPolicy.classify(UppsokError.Outdated(reason: "426")), .updateApp)
        XCTAssertEqual(SyncPolicy.classify(UppsokError.WrongKey), .needsUser)
        XCTAssertEqual(SyncPolicy.classify(OddError()), .retry, "an unknown failure is retried, not fatal")
        let now: Int64 = 1_763_800_000_000
        XCTAssertTrue(SyncPolicy.isStale(waiting: 2, lastSyncMs: now - 9 * 3_600_000, nowMs: now))
        XCTAssertFalse(SyncPolicy.isStale(waiting: 0, lastSyncMs: nil, nowMs: now))
        XCTAssertFalse(SyncPolicy.isStale(waiting: 2, lastSyncMs: now - 60_000, nowMs: now))
    }

    func testErrorMessagesArePlainWordsWithoutPersonalData() {
        let e = UppsokError.Invalid(field: "minutes", rule: "must be between 1 and 1440 (got 0)")
        XCTAssertEqual(Messages.of(e, .sv), "Ange mellan 1 och 1440 minuter.")
        XCTAssertEqual(Messages.of(e, .en), "minutes: must be between 1 and 1440 (got 0)")
        XCTAssertTrue(Messages.of(UppsokError.Network(reason: "timeout"), .en).hasPrefix("Could not reach"))
        // A foreign error's own text never reaches the screen.
        XCTAssertEqual(Messages.of(OddError(), .sv), "Något gick fel. Försök igen.")
        XCTAssertFalse(Messages.of(UppsokError.Storage(reason: "disk I/O error at /var/secret"), .sv).contains("secret"))
    }

    func testLabelsForTheVisitForm() {
        XCTAssertEqual(Labels.contact(.faceToFace, .sv), "Personligt möte")
        XCTAssertEqual(Labels.contact(.attempted, .en), "Attempted, not reached")
        XCTAssertEqual(Labels.setting(.community, .sv), "Ute i samhället")
    }
}
