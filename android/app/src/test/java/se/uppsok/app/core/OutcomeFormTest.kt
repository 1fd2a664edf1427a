package se.uppsok.app.core

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import se.uppsok.core.Care
import se.uppsok.core.Housing
import se.uppsok.core.Occupation
import se.uppsok.core.OutcomeKind
import se.uppsok.core.OutcomeSource
import se.uppsok.core.Respondent
import se.uppsok.core.UppsokException
import java.time.LocalDate

/** "Registrera utfall": the plain-Kotlin form and its wording, saved through the real library. */
class OutcomeFormTest {
    private val today = LocalDate.of(2026, 11, 22)

    @Test
    fun `a new outcome starts today from the client and asks for the kind first`() {
        val f = OutcomeForm.new("c1", today)
        assertEquals("2026-11-22", f.day)
        assertEquals(OutcomeSource.CLIENT, f.source)
        assertEquals("Uppgift från klienten", OutcomeLabels.source(f.source, Lang.SV))
        assertNull(f.toInput(), "nothing to save before a kind is picked")
        assertEquals(listOf("kind"), f.problems(Lang.SV, today).map { it.field })
        assertEquals(
            "Välj vad som hänt: slutenvård, akutbesök, boende, sysselsättning eller nöjdhet.",
            f.problems(Lang.SV, today).single().text,
        )
        // An emergency-room visit needs nothing more.
        val er = f.withKind(OutcomeKind.EMERGENCY)
        assertEquals(emptyList<OutcomeField>(), er.fields())
        assertTrue(er.problems(Lang.SV, today).isEmpty())
        assertEquals(
            listOf("Inskrivning i slutenvård", "Besök på akutmottagning", "Boende", "Sysselsättning", "Nöjdhet (årlig fråga)"),
            OutcomeLabels.kinds.map { OutcomeLabels.kind(it, Lang.SV) },
        )
    }

    @Test
    fun `an inpatient stay - care needed, discharge optional, the switch named by the law`() {
        val stay = OutcomeForm.new("c1", today).withKind(OutcomeKind.INPATIENT)
        assertEquals(listOf(OutcomeField.CARE, OutcomeField.DISCHARGED, OutcomeField.COMPULSORY), stay.fields())
        assertEquals(listOf("care"), stay.problems(Lang.SV, today).map { it.field })
        assertEquals("Välj psykiatrisk slutenvård eller beroendevård.", stay.problems(Lang.SV, today).single().text)
        assertEquals("Tvångsvård enligt LPT/LVM", stay.compulsoryLabel(Lang.SV))
        val psych = stay.withCare(Care.PSYCHIATRIC)
        assertEquals("Tvångsvård enligt LPT", psych.compulsoryLabel(Lang.SV))
        assertEquals("Compulsory care under LVM", psych.withCare(Care.ADDICTION).compulsoryLabel(Lang.EN))
        assertTrue(psych.problems(Lang.SV, today).isEmpty(), "still admitted: no discharge day")
        // The discharge: not before the admission, not after tomorrow; blank means still there.
        val admitted = psych.withDay("2026-11-10")
        assertEquals(listOf("discharged"), admitted.withDischarged("2026-11-09").problems(Lang.SV, today).map { it.field })
        assertEquals(listOf("discharged"), admitted.withDischarged("2026-11-24").problems(Lang.SV, today).map { it.field })
        assertEquals(listOf("discharged"), admitted.withDischarged("9 nov").problems(Lang.SV, today).map { it.field })
        assertNull(admitted.withDischarged("  ").discharged)
        assertTrue(admitted.withDischarged("2026-11-10").problems(Lang.SV, today).isEmpty(), "out the same day")
        // The day itself: not after tomorrow, not before 1990.
        assertEquals(listOf("day"), psych.withDay("2026-11-24").problems(Lang.SV, today).map { it.field })
        assertTrue(psych.withDay("2026-11-23").problems(Lang.SV, today).isEmpty())
        assertEquals(listOf("day"), psych.withDay("1989-12-31").problems(Lang.SV, today).map { it.field })
        assertEquals(
            "Ange dagen som ÅÅÅÅ-MM-DD, inte i framtiden och inte före 1990.",
            psych.withDay("").problems(Lang.SV, today).single().text,
        )
    }

    @Test
    fun `changing the kind drops the old kind's fields`() {
        val stay = OutcomeForm.new("c1", today).withKind(OutcomeKind.INPATIENT).withCare(Care.ADDICTION)
            .withCompulsory(true).withDischarged("2026-11-20").withSource(OutcomeSource.INPATIENT_CARE).withDay("2026-11-01")
        val moved = stay.withKind(OutcomeKind.HOUSING)
        assertEquals("2026-11-01", moved.day, "day and source stay")
        assertEquals(OutcomeSource.INPATIENT_CARE, moved.source)
        assertEquals(listOf(null, null, false), listOf(moved.care, moved.discharged, moved.compulsory))
        assertEquals(listOf("housing"), moved.problems(Lang.SV, today).map { it.field })
        val input = moved.withHousing(Housing.SUPPORTED).toInput()!!
        assertEquals(OutcomeKind.HOUSING, input.kind)
        assertEquals(Housing.SUPPORTED, input.housing)
        assertNull(input.care)
        assertEquals(emptyList<Int?>(), input.answers)
        assertEquals(listOf("occupation"), stay.withKind(OutcomeKind.OCCUPATION).problems(Lang.SV, today).map { it.field })
    }

    @Test
    fun `satisfaction - four questions from the core, each 1 to 5 or skipped, one at least`() {
        assertEquals(4, OutcomeForm.QUESTIONS)
        assertEquals("Jag får hjälp med det som är viktigt för mig", OutcomeForm.questions(Lang.SV)[0])
        assertEquals("It is easy to reach the staff", OutcomeForm.questions(Lang.EN)[1])
        val form = OutcomeForm.new("c1", today).withKind(OutcomeKind.SATISFACTION)
        assertEquals(listOf(OutcomeField.RESPONDENT, OutcomeField.ANSWERS), form.fields())
        assertEquals(Respondent.CLIENT, form.respondent, "most answers are the client's own")
        assertEquals(listOf("answers"), form.problems(Lang.SV, today).map { it.field })
        assertEquals("Svara på minst en fråga, 1–5; de andra kan hoppas över.", form.problems(Lang.SV, today).single().text)
        val answered = form.withAnswer(0, 4).withAnswer(3, 2)
        assertTrue(answered.problems(Lang.SV, today).isEmpty())
        assertEquals(listOf(4, null, null, 2), answered.toInput()!!.answers)
        assertEquals(listOf(null, null, null, 2), answered.withAnswer(0, null).answers, "skipped again")
        assertEquals(listOf("answers"), answered.withAnswer(1, 6).problems(Lang.SV, today).map { it.field })
        assertThrows(IllegalArgumentException::class.java) { answered.withAnswer(4, 3) }
        assertEquals("Närstående", OutcomeLabels.respondent(Respondent.RELATIVE, Lang.SV))
    }

    @Test
    fun `saved through the core, listed newest first, edited by the author`() {
        val (store, _) = newStore()
        val client = store.addClient(clientInput("K-017"))
        val stay = OutcomeForm.new(client.id, today).withKind(OutcomeKind.INPATIENT).withDay("2026-03-02")
            .withCare(Care.PSYCHIATRIC).withSource(OutcomeSource.INPATIENT_CARE)
        val saved = store.saveOutcome(stay.toInput()!!)
        assertEquals("anna", saved.author)
        assertNull(saved.discharged)
        store.saveOutcome(
            OutcomeForm.new(client.id, today).withKind(OutcomeKind.OCCUPATION).withDay("2026-05-01")
                .withOccupation(Occupation.WORK_TRAINING).toInput()!!,
        )
        // The discharge and the LPT recorded later, on the same outcome.
        val edit = OutcomeForm.edit(saved).withDischarged("2026-03-16").withCompulsory(true)
        assertEquals(saved.id, edit.id)
        val edited = store.saveOutcome(edit.toInput()!!)
        assertEquals("LPT", edited.compulsoryLaw)
        val listed = store.outcomesForClient(client.id)
        assertEquals(listOf("2026-05-01", "2026-03-02"), listed.map { it.day })
        assertEquals(
            "2026-03-02 Inskrivning i slutenvård: Psykiatrisk slutenvård, LPT, t.o.m. 2026-03-16 (Från slutenvården)",
            OutcomeLabels.line(listed[1], Lang.SV),
        )
        assertEquals(
            "2026-05-01 Sysselsättning: Arbetsträning (Uppgift från klienten)",
            OutcomeLabels.line(listed[0], Lang.SV),
        )
        // The core says the same as the form when a rule is broken, in the same words.
        val bad = stay.withDischarged("2026-03-01").toInput()!!
        val e = assertThrows(UppsokException.Invalid::class.java) { store.saveOutcome(bad) }
        assertEquals("discharged", e.field)
        assertEquals(
            "Utskrivningsdagen får inte ligga före inskrivningen eller i framtiden; lämna tomt om klienten är kvar.",
            Messages.of(e, Lang.SV),
        )
        store.deleteOutcome(listed[0].id)
        assertEquals(listOf(saved.id), store.outcomesForClient(client.id).map { it.id })
        assertFalse(store.outcomesForClient(client.id).any { it.kind == OutcomeKind.OCCUPATION })
        store.close()
    }
}
