package se.uppsok.app.core

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import se.uppsok.core.ClosureReason
import se.uppsok.core.ConsentScope
import se.uppsok.core.Referral
import se.uppsok.core.Phase
import se.uppsok.core.ConsentState
import se.uppsok.core.ContactKind
import se.uppsok.core.RejectedChange
import se.uppsok.core.SyncStatus
import se.uppsok.core.TripDistance
import se.uppsok.core.UppsokException
import se.uppsok.core.VisitItem
import se.uppsok.core.Setting
import java.time.LocalDate
import java.time.ZoneId

/** The plain-Kotlin app layer: formatting, forms, policies, screen state. */
class AppLogicTest {
    private val zone = ZoneId.of("Europe/Stockholm")
    private val nbsp = "\u00A0"

    @Test
    fun `kronor as payroll prints them`() {
        assertEquals("0,05\u00A0kr", Format.kronor(5, Lang.SV))
        assertEquals("1\u00A0234,50\u00A0kr", Format.kronor(123_450, Lang.SV))
        assertEquals("1,234.50\u00A0kr", Format.kronor(123_450, Lang.EN))
        assertEquals("-12,00\u00A0kr", Format.kronor(-1_200, Lang.SV))
        val pay = se.uppsok.core.MonthPay(year = 2026, month = 12, trips = 2, centiKm = 5_860, amountOre = 123_450,
            taxFreeOre = 100_000, taxableOre = 23_450, fuelAllowanceOre = 2_000)
        assertEquals(
            "Ersättning 1\u00A0234,50\u00A0kr, varav 1\u00A0000,00\u00A0kr skattefritt (därav bilersättning förmånsbil 20,00\u00A0kr)",
            MonthTotals.amountLine(pay, Lang.SV),
        )
    }

    @Test
    fun `how long ago, in Swedish and English`() {
        assertEquals("för 3 dagar sedan", Format.daysAgo(3, Lang.SV))
        assertEquals("i går", Format.daysAgo(1, Lang.SV))
        assertEquals("i dag", Format.daysAgo(0, Lang.SV))
        assertEquals("aldrig", Format.daysAgo(null, Lang.SV))
        assertEquals("3 days ago", Format.daysAgo(3, Lang.EN))
        val now = 1_763_800_000_000L
        assertEquals("nyss", Format.ago(now - 10_000, now, Lang.SV, zone))
        assertEquals("för 5 minuter sedan", Format.ago(now - 5 * 60_000, now, Lang.SV, zone))
        assertEquals("för 2 timmar sedan", Format.ago(now - 2 * 3_600_000, now, Lang.SV, zone))
        assertEquals("för 3 dagar sedan", Format.ago(now - 3 * 86_400_000L, now, Lang.SV, zone))
        assertEquals("Senast synkad för 5 minuter sedan", Format.lastSync(now - 5 * 60_000, now, Lang.SV, zone))
        assertEquals("Never synced", Format.lastSync(null, now, Lang.EN, zone))
    }

    @Test
    fun `numbers, waiting changes and dates`() {
        assertEquals("25,3${nbsp}km", Format.km(25.34, Lang.SV))
        assertEquals("25.3${nbsp}km", Format.km(25.34, Lang.EN))
        assertEquals("150${nbsp}km", Format.km(149.6, Lang.SV))
        assertEquals("45${nbsp}min", Format.minutes(45, Lang.SV))
        assertEquals("1${nbsp}tim 30${nbsp}min", Format.minutes(90, Lang.SV))
        assertEquals("2${nbsp}h", Format.minutes(120, Lang.EN))
        assertEquals("Inga ändringar väntar", Format.waiting(0, Lang.SV))
        assertEquals("1 ändring väntar", Format.waiting(1, Lang.SV))
        assertEquals("3 ändringar väntar", Format.waiting(3, Lang.SV))
        assertEquals("3 changes waiting", Format.waiting(3, Lang.EN))
        assertEquals("1 dec.", Format.shortDate("2026-12-01", Lang.SV))
        assertNull(Format.shortDate("nonsense", Lang.SV))
        assertEquals(25.3, Format.parseDecimal(" 25,3 ")!!, 1e-9)
        assertNull(Format.parseDecimal("abc"))
        assertEquals(9 to 30, Format.parseClock("9:30"))
        assertEquals(9 to 30, Format.parseClock("09.30"))
        assertEquals(9 to 30, Format.parseClock("930"))
        assertNull(Format.parseClock("25:00"))
        assertNull(Format.parseClock("halv tio"))
        assertEquals(Lang.EN, Lang.of("en-GB"))
        assertEquals(Lang.SV, Lang.of("sv-SE"))
        assertEquals(Lang.SV, Lang.of("fi"))
    }

    @Test
    fun `sync policy - backoff, classification, staleness`() {
        assertEquals(30_000L, SyncPolicy.backoffMs(0))
        assertEquals(60_000L, SyncPolicy.backoffMs(1))
        assertEquals(120_000L, SyncPolicy.backoffMs(2))
        assertEquals(SyncPolicy.MAX_BACKOFF_MS, SyncPolicy.backoffMs(30))
        assertEquals(36_000L, SyncPolicy.backoffMs(0, jitter = 1.0))
        assertEquals(24_000L, SyncPolicy.backoffMs(0, jitter = -1.0))
        assertEquals(SyncAction.DONE, SyncPolicy.classify(null))
        assertEquals(SyncAction.RETRY, SyncPolicy.classify(UppsokException.Network("timeout")))
        assertEquals(SyncAction.REENROL, SyncPolicy.classify(UppsokException.Revoked()))
        assertEquals(SyncAction.REENROL, SyncPolicy.classify(UppsokException.NotEnrolled()))
        assertEquals(SyncAction.WIPED, SyncPolicy.classify(UppsokException.Wiped()))
        assertEquals(SyncAction.UPDATE_APP, SyncPolicy.classify(UppsokException.Outdated("426")))
        assertEquals(SyncAction.NEEDS_USER, SyncPolicy.classify(UppsokException.WrongKey()))
        assertTrue(SyncPolicy.syncAfterSave(enrolled = true, waiting = 1))
        assertFalse(SyncPolicy.syncAfterSave(enrolled = false, waiting = 1))
        val now = 1_763_800_000_000L
        assertTrue(SyncPolicy.isStale(2, now - 9 * 3_600_000L, now))
        assertFalse(SyncPolicy.isStale(0, null, now))
        assertFalse(SyncPolicy.isStale(2, now - 60_000L, now))
    }

    @Test
    fun `app lock after five minutes in the background`() {
        val gate = AppGate()
        var s = gate.reduce(GateState(), GateEvent.Launched(storeExists = true))
        assertEquals(Gate.LOCKED, s.gate)
        s = gate.reduce(s, GateEvent.Unlocked(enrolled = true, revoked = false))
        s = gate.reduce(gate.reduce(s, GateEvent.Background(0)), GateEvent.Foreground(60_000))
        assertEquals(Gate.OPEN, s.gate)
        s = gate.reduce(gate.reduce(s, GateEvent.Background(100_000)), GateEvent.Foreground(100_000 + 5 * 60_000))
        assertEquals(Gate.LOCKED, s.gate)
    }

    @Test
    fun `enrolment codes typed or scanned`() {
        assertEquals("ABCD1234", Enrolment.normaliseCode(" abcd-12 34 "))
        assertEquals(EnrolmentLink(null, "ABCD1234"), Enrolment.parseScan("abcd-1234"))
        assertEquals(EnrolmentLink("https://uppsok.kalix.se", "ABCD1234"),
            Enrolment.parseScan("uppsok://enrol?server=https%3A%2F%2Fuppsok.kalix.se&code=abcd-1234"))
        assertNull(Enrolment.parseScan("hi"))
        assertNull(Enrolment.serverProblem("https://uppsok.kalix.se", Lang.SV))
        assertNull(Enrolment.serverProblem("http://127.0.0.1:8080", Lang.SV))
        assertTrue(Enrolment.serverProblem("http://uppsok.kalix.se", Lang.SV)!!.contains("https://"))
        assertTrue(Enrolment.request("https://x.se/", "ab", Lang.SV).isFailure)
        assertEquals(EnrolmentRequest("https://x.se", "ABCDEF12"), Enrolment.request("https://x.se/", "abcd-ef12", Lang.SV).getOrThrow())
    }

    private fun client(code: String, days: Long?, next: String? = null, phase: Phase = Phase.ACTIVE) = clientItem(code, days, next, phase)

    @Test
    fun `visit form - a few taps, instant checks`() {
        val f = VisitForm(client = client("K-017", 3), minutes = 45)
        assertTrue(f.problems(Lang.SV).isEmpty())
        val phone = f.withContact(ContactKind.PHONE)
        assertNull(phone.setting)
        assertTrue(phone.problems(Lang.SV).isEmpty())
        assertEquals(Setting.HOME, phone.withContact(ContactKind.FACE_TO_FACE).setting)
        assertEquals(listOf("client"), VisitForm().problems(Lang.SV).map { it.field })
        assertEquals(listOf("minutes"), f.copy(minutes = 0).problems(Lang.SV).map { it.field })
        assertEquals(listOf("place"), f.copy(place = "Storgatan 5").problems(Lang.SV).map { it.field })
        val input = f.copy(place = " Töre ", note = "  ").toInput()
        assertEquals("Töre", input.place)
        assertNull(input.note)
        assertEquals("K-017", input.clientId)
    }

    @Test
    fun `visit form - a network-only contact is never an attempt`() {
        val f = VisitForm(client = client("K-017", 3), contact = ContactKind.ATTEMPTED)
        assertTrue(ContactKind.ATTEMPTED in f.contactChoices())
        val absent = f.withClientPresent(false)
        assertEquals(ContactKind.PHONE, absent.contact)
        assertNull(absent.setting)
        assertTrue(absent.network, "a contact with the network alone is a network contact")
        assertFalse(ContactKind.ATTEMPTED in absent.contactChoices())
        assertTrue(absent.problems(Lang.SV).isEmpty())
        // Choosing an attempt brings the client back; the flags reach the input.
        assertTrue(absent.withContact(ContactKind.ATTEMPTED).clientPresent)
        assertEquals(listOf("network"), absent.copy(network = false).problems(Lang.SV).map { it.field })
        assertEquals(listOf("client_present"), absent.copy(contact = ContactKind.ATTEMPTED).problems(Lang.SV).map { it.field })
        val input = absent.copy(group = true).toInput()
        assertFalse(input.clientPresent)
        assertTrue(input.group && input.network)
        assertEquals("Klienten var inte med (nätverkskontakt)", Labels.clientAbsent(Lang.SV))
        assertEquals("Gruppkontakt", Labels.groupContact(Lang.SV))
    }

    @Test
    fun `client form - admission, closure, contact person and deputy`() {
        val today = LocalDate.of(2026, 11, 22)
        val f = ClientForm.new(today).copy(input = ClientForm.new(today).input.copy(code = "K-017", name = "Aino"))
        assertEquals("2026-11-22", f.input.admitted, "a new client is admitted today")
        assertNull(f.admissionFlag(Lang.SV))
        assertTrue(f.problems(Lang.SV, today).isEmpty())
        // Closing asks for the reason and takes today as the last day; "Annat" needs words.
        val closing = f.withPhase(Phase.CLOSED, today)
        assertEquals("2026-11-22", closing.input.closedOn)
        assertEquals(listOf("closure"), closing.problems(Lang.SV, today).map { it.field })
        val other = closing.withClosure(ClosureReason.OTHER)
        assertEquals(listOf("closed_reason"), other.problems(Lang.SV, today).map { it.field })
        assertTrue(other.copy(input = other.input.copy(closedReason = "Flyttade till vårdboende")).problems(Lang.SV, today).isEmpty())
        assertEquals(listOf("closed_on"), closing.withClosure(ClosureReason.MOVED).withAdmitted("2026-11-23").problems(Lang.SV, today).map { it.field })
        val reopened = other.withPhase(Phase.ACTIVE, today)
        assertEquals(listOf(null, null, null), listOf(reopened.input.closure, reopened.input.closedOn, reopened.input.closedReason))
        // The deputy needs a contact person, and someone else.
        assertEquals(listOf("deputy"), f.withDeputy("bo").problems(Lang.SV, today).map { it.field })
        val both = f.withContactPerson("anna").withDeputy("bo")
        assertTrue(both.problems(Lang.SV, today).isEmpty())
        assertNull(both.withContactPerson("bo").input.deputy, "the deputy became the contact person")
        assertEquals("Annat", Labels.closure(ClosureReason.OTHER, Lang.SV))
        assertEquals("Socialtjänsten", Labels.referral(Referral.SOCIAL_SERVICES, Lang.SV))
        assertTrue(ClientForm.protectedWarning(Lang.SV).contains("aldrig i listor"))
        // A consent given today starts with contacts only and no end.
        val given = f.withConsent(ConsentState.GIVEN, today)
        assertEquals("2026-11-22", given.input.consentDate)
        assertEquals(ConsentScope.CONTACTS, given.input.consentScope)
    }

    @Test
    fun `client picker - my clients first, under their heading`() {
        val clients = listOf(
            clientItem("K-001"), clientItem("K-002", mine = true), clientItem("K-003"),
            clientItem("K-004", mine = true, name = "Aino Niemi", protectedIdentity = true),
        )
        assertEquals(listOf("K-002", "K-004", "K-003", "K-001"), ClientPicker.search(clients, "", listOf("K-003")).map { it.code })
        val sections = ClientPicker.sections(clients, "", listOf("K-004"), Lang.SV)
        assertEquals(listOf("Mina klienter", "Övriga klienter"), sections.map { it.title })
        assertEquals(listOf("K-004", "K-002"), sections[0].clients.map { it.code })
        // With a query, or without own clients: one list, no heading.
        assertEquals(listOf(null), ClientPicker.sections(clients, "k3", emptyList(), Lang.SV).map { it.title })
        assertEquals(listOf(null), ClientPicker.sections(clients.filter { !it.mine }, "", emptyList(), Lang.SV).map { it.title })
        // A protected identity shows as its code in lists.
        assertEquals("K-004 (skyddad)", Labels.client(clients[3], Lang.SV))
        assertEquals("K-001 · N", Labels.client(clients[0], Lang.SV))
    }

    @Test
    fun `trip form - manual km with a decimal comma, odometer`() {
        val f = TripForm(fromPlace = "Kalix", toPlace = "Töre", kmText = "25,3")
        assertEquals(TripDistance.Manual(25.3), f.distance())
        assertTrue(f.problems(Lang.SV).isEmpty())
        val odo = f.copy(entry = TripEntry.ODOMETER, odometerStartText = "12 000", odometerEndText = "12 041")
        assertEquals(TripDistance.Odometer(12_000, 12_041), odo.distance())
        assertEquals(listOf("odometer_end"), odo.copy(odometerEndText = "11 000").problems(Lang.SV).map { it.field })
        assertEquals(listOf("km"), f.copy(kmText = "x").problems(Lang.SV).map { it.field })
        assertEquals("Töre", odo.toInput().toPlace)
    }

    @Test
    fun `client list - longest without contact first, due and overdue flags`() {
        val today = LocalDate.of(2026, 11, 22)
        val rows = ClientList.rows(
            listOf(
                client("K-001", 2, next = "2026-11-22"),
                client("K-002", 20),
                client("K-003", null),
                client("K-004", 1, phase = Phase.CLOSED),
            ),
            today, Lang.SV,
        )
        assertEquals(listOf("K-003", "K-002", "K-001"), rows.map { it.code })
        assertEquals("för 20 dagar sedan", rows[1].lastContact)
        assertTrue(rows[1].overdue && !rows[2].overdue)
        assertTrue(rows[2].due)
        assertEquals("22 nov.", rows[2].nextContact)
        // Reached yesterday for today's plan: met, not due; the start screen lists the rest.
        val met = ClientList.rows(listOf(client("K-005", 1, next = "2026-11-22"), client("K-006", 3, next = "2026-11-21")), today, Lang.SV)
        assertEquals(listOf(false, true), met.sortedBy { it.code }.map { it.due })
        val plan = TodayPlan.of(rows + met)
        assertEquals(listOf("K-001", "K-006"), plan.planned.map { it.code }.sorted())
        assertEquals(listOf("K-003", "K-002"), plan.overdue.map { it.code })
    }

    @Test
    fun `the month's trips as payroll adds them up`() {
        fun trip(startMs: Long, km: Double) = se.uppsok.core.TripItem(
            "t$startMs", "anna", null, startMs, null, "Kalix", "Töre", null, null, "Hembesök", null, emptyList(), km,
            se.uppsok.core.DistanceSource.MANUAL, null, null, null,
        )
        val nov30 = java.time.ZonedDateTime.of(2026, 11, 30, 23, 30, 0, 0, zone).toInstant().toEpochMilli()
        val dec1 = java.time.ZonedDateTime.of(2026, 12, 1, 0, 30, 0, 0, zone).toInstant().toEpochMilli()
        val totals = MonthTotals.of(listOf(trip(nov30, 10.0), trip(dec1, 12.5), trip(dec1 + 1, 2.5)), java.time.YearMonth.of(2026, 12), zone)
        assertEquals(MonthTotals(15.0, 2), totals)
    }

    @Test
    fun `today summary and sync status screen`() {
        fun v(contact: ContactKind, minutes: Int) = VisitItem(
            "id", "c", "K-1", "anna", listOf("anna"), 0, minutes, contact, null, false, true, false, null, null,
        )
        val s = TodaySummary.of(listOf(v(ContactKind.FACE_TO_FACE, 45), v(ContactKind.ATTEMPTED, 30), v(ContactKind.PHONE, 15)))
        assertEquals("2 besök · 1 sökt · 1${nbsp}tim 30${nbsp}min", s.text(Lang.SV))
        val now = 1_763_800_000_000L
        val status = SyncStatus(
            waiting = 3,
            rejected = listOf(RejectedChange("c1", "visit", "r1", "invalid_record", "minutes: must be between 1 and 1440")),
            lastSyncMs = now - 10 * 3_600_000L, lastError = "could not reach the server: timeout", failures = 1,
            nextAttemptMs = null, enrolled = true, revoked = false, serverUrl = null,
        )
        val view = SyncStatusView.of(status, now, Lang.SV)
        assertEquals("3 ändringar väntar", view.line)
        assertEquals("Senast synkad för 10 timmar sedan", view.lastSync)
        assertEquals(listOf("Besök avvisades: ${Messages.invalid("minutes", "", Lang.SV)}"), view.rejected)
        assertEquals(listOf("Visit was refused: minutes: must be between 1 and 1440"), SyncStatusView.of(status, now, Lang.EN).rejected)
        assertTrue(SyncStatusView.rejectReason("forbidden", "x", Lang.SV).startsWith("du får inte"))
        // The core's English error never reaches a Swedish screen.
        assertFalse(view.error!!.contains("timeout"))
        assertTrue(SyncStatusView.of(status.copy(revoked = true), now, Lang.SV).error!!.contains("registrera telefonen igen"))
        assertTrue(view.stale)
        assertTrue(view.error!!.isNotBlank())
        assertNull(view.damaged, "nothing damaged, nothing said")
        assertEquals("2 poster kunde inte läsas", SyncStatusView.of(status, now, Lang.SV, 2).damaged)
        assertEquals("1 record could not be read", SyncStatusView.of(status, now, Lang.EN, 1).damaged)
    }
}
