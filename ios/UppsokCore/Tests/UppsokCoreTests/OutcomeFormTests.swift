// "Registrera utfall" on iOS: the outcome form's kinds, defaults, rules and wording, and an
// outcome saved, edited and deleted through the real library. Mirrors OutcomeFormTest.kt.
import Foundation
import UppsokAppCore
import UppsokCore
import XCTest

final class OutcomeFormTests: XCTestCase {
    let today = "2026-11-22"

    func testANewOutcomeStartsTodayFromTheClientAndAsksForTheKindFirst() {
        let f = OutcomeForm.new(clientId: "c1", today: today)
        XCTAssertEqual(f.day, "2026-11-22")
        XCTAssertEqual(f.source, .client)
        XCTAssertEqual(OutcomeLabels.source(f.source, .sv), "Uppgift från klienten")
        XCTAssertNil(f.toInput(), "nothing to save before a kind is picked")
        XCTAssertEqual(f.problems(.sv, today: today).map(\.field), ["kind"])
        let er = f.withKind(.emergency)
        XCTAssertEqual(er.fields(), [])
        XCTAssertEqual(er.problems(.sv, today: today), [])
        XCTAssertEqual(OutcomeLabels.kinds.map { OutcomeLabels.kind($0, .sv) },
                       ["Inskrivning i slutenvård", "Besök på akutmottagning", "Boende", "Sysselsättning", "Nöjdhet (årlig fråga)"])
    }

    func testAnInpatientStayNeedsCareTheDischargeIsOptionalAndTheSwitchNamesTheLaw() {
        let stay = OutcomeForm.new(clientId: "c1", today: today).withKind(.inpatient)
        XCTAssertEqual(stay.fields(), [.care, .discharged, .compulsory])
        XCTAssertEqual(stay.problems(.sv, today: today).map(\.text), ["Välj psykiatrisk slutenvård eller beroendevård."])
        XCTAssertEqual(stay.compulsoryLabel(.sv), "Tvångsvård enligt LPT/LVM")
        var psych = stay
        psych.care = .psychiatric
        XCTAssertEqual(psych.compulsoryLabel(.sv), "Tvångsvård enligt LPT")
        var addiction = psych
        addiction.care = .addiction
        XCTAssertEqual(addiction.compulsoryLabel(.en), "Compulsory care under LVM")
        XCTAssertEqual(psych.problems(.sv, today: today), [], "still admitted: no discharge day")
        var admitted = psych
        admitted.day = "2026-11-10"
        XCTAssertEqual(admitted.withDischarged("2026-11-09").problems(.sv, today: today).map(\.field), ["discharged"])
        XCTAssertEqual(admitted.withDischarged("2026-11-24").problems(.sv, today: today).map(\.field), ["discharged"])
        XCTAssertEqual(admitted.withDischarged("9 nov").problems(.sv, today: today).map(\.field), ["discharged"])
        XCTAssertNil(admitted.withDischarged("  ").discharged)
        XCTAssertEqual(admitted.withDischarged("2026-11-10").problems(.sv, today: today), [], "out the same day")
        var late = psych
        late.day = "2026-11-24"
        XCTAssertEqual(late.problems(.sv, today: today).map(\.field), ["day"])
        late.day = "2026-11-23"
        XCTAssertEqual(late.problems(.sv, today: today), [])
        late.day = "1989-12-31"
        XCTAssertEqual(late.problems(.sv, today: today).map(\.text), ["Ange dagen som ÅÅÅÅ-MM-DD, inte i framtiden och inte före 1990."])
    }

    func testChangingTheKindDropsTheOldKindsFields() {
        var stay = OutcomeForm.new(clientId: "c1", today: today).withKind(.inpatient).withDischarged("2026-11-20")
        stay.care = .addiction
        stay.compulsory = true
        stay.source = .inpatientCare
        stay.day = "2026-11-01"
        var moved = stay.withKind(.housing)
        XCTAssertEqual(moved.day, "2026-11-01", "day and source stay")
        XCTAssertEqual(moved.source, .inpatientCare)
        XCTAssertNil(moved.care)
        XCTAssertNil(moved.discharged)
        XCTAssertFalse(moved.compulsory)
        XCTAssertEqual(moved.problems(.sv, today: today).map(\.field), ["housing"])
        moved.housing = .supported
        let input = moved.toInput()!
        XCTAssertEqual(input.kind, .housing)
        XCTAssertEqual(input.housing, .supported)
        XCTAssertNil(input.care)
        XCTAssertEqual(input.answers, [])
        XCTAssertEqual(stay.withKind(.occupation).problems(.sv, today: today).map(\.field), ["occupation"])
    }

    func testSatisfactionHasFourQuestionsEachOneToFiveOrSkippedOneAtLeast() {
        XCTAssertEqual(OutcomeForm.questionCount, 4)
        XCTAssertEqual(OutcomeForm.questions(.sv)[0], "Jag får hjälp med det som är viktigt för mig")
        XCTAssertEqual(OutcomeForm.questions(.en)[1], "It is easy to reach the staff")
        let form = OutcomeForm.new(clientId: "c1", today: today).withKind(.satisfaction)
        XCTAssertEqual(form.fields(), [.respondent, .answers])
        XCTAssertEqual(form.respondent, .client, "most answers are the client's own")
        XCTAssertEqual(form.problems(.sv, today: today).map(\.text), ["Svara på minst en fråga, 1–5; de andra kan hoppas över."])
        let answered = form.withAnswer(0, 4).withAnswer(3, 2)
        XCTAssertEqual(answered.problems(.sv, today: today), [])
        XCTAssertEqual(answered.toInput()!.answers, [4, nil, nil, 2])
        XCTAssertEqual(answered.withAnswer(0, nil).answers, [nil, nil, nil, 2], "skipped again")
        XCTAssertEqual(answered.withAnswer(1, 6).problems(.sv, today: today).map(\.field), ["answers"])
        XCTAssertEqual(answered.withAnswer(4, 3).answers, answered.answers, "no fifth question")
        XCTAssertEqual(OutcomeLabels.respondent(.relative, .sv), "Närstående")
    }

    func testSavedThroughTheCoreListedNewestFirstEditedByTheAuthor() throws {
        let (store, _) = try newStore()
        let client = try store.addClient(input: clientInput("K-017"))
        var stay = OutcomeForm.new(clientId: client.id, today: today).withKind(.inpatient)
        stay.day = "2026-03-02"
        stay.care = .psychiatric
        stay.source = .inpatientCare
        let saved = try store.saveOutcome(input: stay.toInput()!)
        XCTAssertEqual(saved.author, "anna")
        XCTAssertNil(saved.discharged)
        var work = OutcomeForm.new(clientId: client.id, today: today).withKind(.occupation)
        work.day = "2026-05-01"
        work.occupation = .workTraining
        _ = try store.saveOutcome(input: work.toInput()!)
        // The discharge and the LPT recorded later, on the same outcome.
        var edit = OutcomeForm.edit(saved).withDischarged("2026-03-16")
        edit.compulsory = true
        XCTAssertEqual(edit.id, saved.id)
        let edited = try store.saveOutcome(input: edit.toInput()!)
        XCTAssertEqual(edited.compulsoryLaw, "LPT")
        let listed = try store.outcomesForClient(clientId: client.id)
        XCTAssertEqual(listed.map(\.day), ["2026-05-01", "2026-03-02"])
        XCTAssertEqual(OutcomeLabels.line(listed[1], .sv),
                       "2026-03-02 Inskrivning i slutenvård: Psykiatrisk slutenvård, LPT, t.o.m. 2026-03-16 (Från slutenvården)")
        XCTAssertEqual(OutcomeLabels.line(listed[0], .sv), "2026-05-01 Sysselsättning: Arbetsträning (Uppgift från klienten)")
        // The core says the same as the form when a rule is broken, in the same words.
        XCTAssertThrowsError(try store.saveOutcome(input: stay.withDischarged("2026-03-01").toInput()!)) { e in
            guard case let .Invalid(field, _)? = e as? UppsokError else { return XCTFail("expected Invalid, got \(e)") }
            XCTAssertEqual(field, "discharged")
            XCTAssertEqual(Messages.of(e, .sv),
                           "Utskrivningsdagen får inte ligga före inskrivningen eller i framtiden; lämna tomt om klienten är kvar.")
        }
        try store.deleteOutcome(id: listed[0].id)
        XCTAssertEqual(try store.outcomesForClient(clientId: client.id).map(\.id), [saved.id])
    }
}
