package se.uppsok.app.core

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import se.uppsok.core.ContactKind
import se.uppsok.core.DistanceSource
import se.uppsok.core.Phase
import se.uppsok.core.TripStart
import se.uppsok.core.UppsokException
import java.io.File
import java.time.LocalDate
import java.time.ZoneId
import java.time.ZonedDateTime

/**
 * The flows of a case manager's day, through the plain layer against the real library (and a
 * real `uppsok serve` for enrolment): the gate from a fresh install, enrolment retried, the
 * trip from the permission answer to a saved or cancelled trip, the client picker over a whole
 * caseload, a visit logged later than it happened, and reminders of planned contacts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlowsTest {
    private lateinit var server: TestServer
    private val zone = ZoneId.of("Europe/Stockholm")

    @BeforeAll
    fun startServer() {
        server = TestServer()
        server.setUpTeam("anna")
        server.start()
    }

    @AfterAll
    fun stopServer() = server.close()

    @Test
    fun `the gate - enrolment beats the lock, the lock after five minutes, no screen lock`() {
        val gate = AppGate()
        // A fresh install: no store, so enrolment, and coming to the foreground never locks it.
        var s = gate.reduce(GateState(), GateEvent.Launched(storeExists = false))
        assertEquals(Gate.ENROL, s.gate)
        s = gate.reduce(s, GateEvent.Foreground(1_000))
        s = gate.reduce(gate.reduce(s, GateEvent.Background(2_000)), GateEvent.Foreground(2_000 + 60 * 60_000L))
        s = gate.reduce(s, GateEvent.LockNow)
        assertEquals(Gate.ENROL, s.gate)
        s = gate.reduce(s, GateEvent.Enrolled)
        assertEquals(Gate.OPEN, s.gate)
        // Four minutes away: still open; five: locked.
        s = gate.reduce(gate.reduce(s, GateEvent.Background(0)), GateEvent.Foreground(4 * 60_000L))
        assertEquals(Gate.OPEN, s.gate)
        s = gate.reduce(gate.reduce(s, GateEvent.Background(10_000)), GateEvent.Foreground(10_000 + AppGate.LOCK_AFTER_MS))
        assertEquals(Gate.LOCKED, s.gate)
        // No screen lock: the lock stays, with a message that says what to do.
        s = gate.reduce(s, GateEvent.NoScreenLock)
        assertEquals(Gate.LOCKED, s.gate)
        assertTrue(s.notice!!.text(Lang.SV).contains("skärmlås"))
        s = gate.reduce(s, GateEvent.Unlocked(enrolled = true, revoked = false))
        assertEquals(Gate.OPEN, s.gate)
        assertNull(s.notice)
        // Signed out by an administrator: back to enrolment, the store kept.
        s = gate.reduce(s, GateEvent.Revoked)
        assertEquals(Gate.ENROL, s.gate)
        assertTrue(s.storeExists)
        assertEquals(GateNotice.REENROL, s.notice)
        // Signed out while locked: the lock stays until the unlock, which then enrols again.
        var locked = gate.reduce(GateState(), GateEvent.Launched(storeExists = true))
        locked = gate.reduce(locked, GateEvent.Revoked)
        assertEquals(Gate.LOCKED, locked.gate)
        assertEquals(Gate.ENROL, gate.reduce(locked, GateEvent.Unlocked(enrolled = true, revoked = true)).gate)
        assertEquals(Gate.ENROL, gate.reduce(s, GateEvent.Wiped).gate)
        assertFalse(gate.reduce(s, GateEvent.Wiped).storeExists)
    }

    @Test
    fun `a fresh install reaches enrolment, a failed enrolment is retried, also after a restart`() = runBlocking {
        val keys = TestKeys()
        val path = File(tempDir(), "store.db").path
        val gate = AppGate()
        var core = CoreRepository(path, keys, Dispatchers.IO)
        var s = gate.reduce(GateState(), GateEvent.Launched(core.exists()))
        assertEquals(Gate.ENROL, s.gate)

        // A wrong code: refused, the store is kept, the gate stays on enrolment with a notice.
        val bad = Enrolment.request(server.url, "WRONG-CODE-1", Lang.SV).getOrThrow()
        val (failed, error) = Enrolment.enrol(core, "anna", bad, "JVM test")
        assertTrue(error is UppsokException, error.toString())
        s = gate.reduce(s, failed)
        assertEquals(Gate.ENROL, s.gate)
        assertEquals(GateNotice.ENROL_FAILED, s.notice)
        assertTrue(s.storeExists)
        assertTrue(core.exists())

        // The app is killed and opened again: the store exists, so the lock first; it opens
        // unenrolled, so enrolment again, not the main screens.
        core = CoreRepository(path, keys, Dispatchers.IO)
        s = gate.reduce(GateState(), GateEvent.Launched(core.exists()))
        assertEquals(Gate.LOCKED, s.gate)
        core.unlock()
        val status = core.syncStatus()
        s = gate.reduce(s, GateEvent.Unlocked(status.enrolled, status.revoked))
        assertEquals(Gate.ENROL, s.gate)

        // The right code: enrolled and open.
        val good = Enrolment.request(server.url, server.enrolmentCode("anna"), Lang.SV).getOrThrow()
        val (ok, noError) = Enrolment.enrol(core, "anna", good, "JVM test")
        assertNull(noError)
        s = gate.reduce(s, ok)
        assertEquals(Gate.OPEN, s.gate)
        assertTrue(core.call { it.profile() }.enrolled)
        core.wipe()
    }

    @Test
    fun `enrolment links and scanned codes`() {
        assertEquals(EnrolmentLink("https://uppsok.kalix.se", "ABCD1234"),
            Enrolment.parseLink("uppsok://enrol?server=https%3A%2F%2Fuppsok.kalix.se%2F&code=abcd-1234"))
        assertEquals(EnrolmentLink(null, "ABCD1234"), Enrolment.parseLink("UPPSOK://enrol?code=abcd1234"))
        // Another host, no code, a short code, a server without https: not an enrolment link.
        assertNull(Enrolment.parseLink("uppsok://wipe?code=abcd1234"))
        assertNull(Enrolment.parseLink("uppsok://enrol?server=https%3A%2F%2Fx.se"))
        assertNull(Enrolment.parseLink("uppsok://enrol?code=ab1"))
        assertNull(Enrolment.parseLink("uppsok://enrol?server=http%3A%2F%2Fevil.example&code=abcd1234"))
        assertNull(Enrolment.parseLink("https://uppsok.kalix.se/enrol?code=abcd1234"))
        assertEquals(EnrolmentLink(null, "ABCD1234"), Enrolment.parseScan("abcd-1234"))
        assertEquals("ABCD1234", Enrolment.parseScan("uppsok://enrol?code=abcd1234")!!.code)
    }

    @Test
    fun `the organisation's login starts at the server and ends in a link the form reads`() {
        assertEquals("https://uppsok.kalix.se/enrol/oidc", Enrolment.oidcStartUrl(" https://uppsok.kalix.se/ "))
        assertEquals("https://uppsok.kalix.se/enrol/oidc?org=4f0c%2F1",
            Enrolment.oidcStartUrl("https://uppsok.kalix.se", "4f0c/1"))
        assertEquals("http://10.0.2.2:8080/enrol/oidc", Enrolment.oidcStartUrl("http://10.0.2.2:8080", " "))
        // No usable server yet (the form's "https://"), or one without https: no button.
        assertNull(Enrolment.oidcStartUrl("https://"))
        assertNull(Enrolment.oidcStartUrl("http://uppsok.kalix.se"))
        // What the server redirects to after the login (server/src/dashboard/phone_enrol.rs).
        assertEquals(EnrolmentLink("https://uppsok.kalix.se", "ABCDEFGHJKLM"),
            Enrolment.parseLink("uppsok://enrol?server=https%3A%2F%2Fuppsok.kalix.se&code=ABCD-EFGH-JKLM"))
    }

    @Test
    fun `denied and approximate location never start a trip and say why`() {
        assertEquals(LocationGrant.PRECISE, LocationGrant.of(fine = true, coarse = true, canAskAgain = true))
        assertEquals(LocationGrant.APPROXIMATE, LocationGrant.of(fine = false, coarse = true, canAskAgain = true))
        assertEquals(LocationGrant.DENIED, LocationGrant.of(fine = false, coarse = false, canAskAgain = true))
        assertEquals(LocationGrant.DENIED_FOR_GOOD, LocationGrant.of(fine = false, coarse = false, canAskAgain = false))
        assertEquals(TripDecision.Start, TripFlow.decide(LocationGrant.PRECISE, Lang.SV))
        val approx = TripFlow.decide(LocationGrant.APPROXIMATE, Lang.SV) as TripDecision.Explain
        assertTrue(approx.text.contains("ungefärlig plats"))
        val denied = TripFlow.decide(LocationGrant.DENIED, Lang.SV) as TripDecision.Explain
        assertTrue(denied.text.contains("platsåtkomst"))
        assertFalse(denied.settings)
        assertTrue((TripFlow.decide(LocationGrant.DENIED_FOR_GOOD, Lang.SV) as TripDecision.Explain).settings)
        // Opening the app with a recording and no service: restart it, or say why it cannot.
        assertEquals(TripResume.Restart, TripFlow.onAppOpened(true, false, LocationGrant.PRECISE, Lang.SV))
        assertTrue(TripFlow.onAppOpened(true, false, LocationGrant.APPROXIMATE, Lang.SV) is TripResume.Paused)
        assertNull(TripFlow.onAppOpened(true, true, LocationGrant.PRECISE, Lang.SV))
        assertNull(TripFlow.onAppOpened(false, false, LocationGrant.PRECISE, Lang.SV))
    }

    @Test
    fun `a trip too thin for GPS is finished with odometer readings or cancelled`() {
        val (store, path) = newStore()
        try {
            // Started without an odometer reading, one fix only: GPS gives no distance.
            val rec = store.startTrip(TripStart(null, "Kalix", "Hembesök", null, emptyList(), null))
            drive(1).forEach { rec.feedFix(it) }
            // No destination (the field was lost): asked for, nothing changed.
            assertTrue(TripFlow.finish(rec, "  ", Lang.SV) is FinishOutcome.NeedsPlace)
            val thin = TripFlow.finish(rec, "Töre", Lang.SV) as FinishOutcome.NeedsOdometer
            assertFalse(thin.startKnown)
            assertTrue(thin.text.contains("mätarställningen vid start"))
            assertNotNull(store.activeTrip(), "still recording after the refusal")
            // Without the start reading it asks again; with both it saves the trip.
            assertTrue(TripFlow.finishWithOdometer(store, rec, "Töre", null, 12_345, Lang.SV, System.currentTimeMillis()) is FinishOutcome.NeedsOdometer)
            val saved = TripFlow.finishWithOdometer(store, rec, "Töre", 12_300, 12_345, Lang.SV, System.currentTimeMillis()) as FinishOutcome.Saved
            assertEquals(45.0, saved.trip.km, 1e-9)
            assertEquals(DistanceSource.ODOMETER, saved.trip.source)
            assertEquals("Kalix", saved.trip.fromPlace)
            assertEquals("Hembesök", saved.trip.purpose)
            assertNull(store.activeTrip(), "the recording is gone, a new trip can start")

            // Started with a reading: only the end one is needed, and the core's finish takes it.
            val rec2 = store.startTrip(TripStart(null, "Töre", "Hembesök", null, emptyList(), 12_345))
            assertTrue((TripFlow.finish(rec2, "Kalix", Lang.SV) as FinishOutcome.NeedsOdometer).startKnown)
            val back = TripFlow.finishWithOdometer(store, rec2, "Kalix", null, 12_390, Lang.SV, System.currentTimeMillis()) as FinishOutcome.Saved
            assertEquals(45.0, back.trip.km, 1e-9)

            // A third, killed and resumed after the store was reopened, then cancelled.
            store.startTrip(TripStart(null, "Kalix", "Hembesök", null, emptyList(), null))
            store.close()
            val reopened = se.uppsok.core.UppsokStore.open(path, TestKeys(storeKey))
            reopened.use {
                val again = it.activeTrip()!!
                assertEquals("Kalix", again.started().fromPlace)
                assertTrue(TripFlow.finish(again, "Töre", Lang.SV) is FinishOutcome.NeedsOdometer)
                again.cancel()
                assertNull(it.activeTrip())
                assertEquals(2, it.tripsBetween(0, Long.MAX_VALUE).size)
            }
        } finally {
            store.close()
        }
    }

    @Test
    fun `a saved trip is edited without losing its distance, and shows on its client's page`() {
        val (store, _) = newStore()
        store.use {
            val k17 = it.addClient(clientInput("K-017", "Aino Niemi"))
            val k18 = it.addClient(clientInput("K-018", "Bo Berg"))
            val contact = it.logVisit(visitInput(k17.id))
            val hour = 3_600_000L
            // Logged by odometer, linked to the contact.
            val saved = it.logTrip(
                TripForm(entry = TripEntry.ODOMETER, fromPlace = "Kalix", toPlace = "Töre", odometerStartText = "12 000",
                    odometerEndText = "12 041", startMs = System.currentTimeMillis() - 2 * hour,
                    visitIds = listOf(contact.id)).toInput(),
            )
            assertEquals(41.0, saved.km, 1e-9)

            // The edit starts from the trip: its id, times, links and distance as saved.
            val form = TripForm.edit(saved, Lang.SV)
            assertEquals(saved.id, form.id)
            assertEquals(TripEntry.AS_SAVED, form.entry)
            assertEquals("41,0\u00A0km (mätarställning)", form.savedDistance)
            assertEquals("41,0", form.kmText)
            assertSame(form, form.forSave(System.currentTimeMillis()), "an edit keeps its start")
            val changed = form.copy(toPlace = "Sangis", purpose = "Läkarbesök med klient")
            assertTrue(changed.problems(Lang.SV).isEmpty())
            val edited = it.logTrip(changed.forSave(System.currentTimeMillis()).toInput())
            assertEquals(saved.id, edited.id)
            assertEquals("Sangis", edited.toPlace)
            assertEquals(DistanceSource.ODOMETER, edited.source)
            assertEquals(41.0, edited.km, 1e-9)
            assertEquals(12_041, edited.odometerEnd)
            assertEquals(saved.startMs, edited.startMs)
            assertEquals(listOf(contact.id), edited.visitIds)
            assertEquals(1, it.tripsBetween(0, Long.MAX_VALUE).size, "edited, not added")
            // Typed km instead: the distance is replaced.
            val typed = it.logTrip(TripForm.edit(edited, Lang.SV).copy(entry = TripEntry.MANUAL, kmText = "43,5").toInput())
            assertEquals(DistanceSource.MANUAL, typed.source)
            assertEquals(43.5, typed.km, 1e-9)
            // A new trip cannot keep a distance it never had.
            assertNull(TripForm(entry = TripEntry.AS_SAVED).distance())
            assertEquals(listOf("distance"), TripForm(entry = TripEntry.AS_SAVED, fromPlace = "Kalix", toPlace = "Töre").problems(Lang.SV).map { p -> p.field })
            val fresh = TripForm(fromPlace = "Kalix", toPlace = "Töre", kmText = "5", startMs = 0)
            assertEquals(1234L, fresh.forSave(1234).startMs, "a new trip starts when saved")

            // The client's page lists the trips to it: by its contact, or by its code as typed.
            val byCode = it.logTrip(TripForm(fromPlace = "Töre", toPlace = "Kalix", kmText = "25,3", visited = "k17",
                startMs = System.currentTimeMillis() - hour).toInput())
            it.logTrip(TripForm(fromPlace = "Kalix", toPlace = "Sangis", kmText = "30", visited = "K-018",
                startMs = System.currentTimeMillis() - hour / 2).toInput())
            val page = ClientPage.load(it, k17.id)
            assertEquals(listOf(saved.id, byCode.id), page.trips.map { t -> t.id })
            assertEquals(1, ClientPage.load(it, k18.id).trips.size)
            val line = ClientPage.tripLine(page.trips[0], Lang.SV, ZoneId.systemDefault())
            assertTrue(line.endsWith(" · Kalix → Sangis · 43,5\u00A0km (inskrivet)"), line)
        }
    }

    @Test
    fun `a trip from home with a suggested distance the driver confirms`() {
        val (store, _) = newStore()
        store.use {
            // The suggestion for two places the phone knows (the gazetteer): a straight line.
            val s = it.suggestKm("Kalix", "Töre")!!
            assertEquals(0, s.earlierTrips)
            assertTrue(s.km > s.straightKm!!, "the road is longer than the straight line")
            assertTrue(SuggestedKm.label(s, Lang.SV).startsWith("Förslag: "), SuggestedKm.label(s, Lang.SV))
            assertTrue(SuggestedKm.label(s, Lang.SV).contains("fågelvägen"))
            assertNull(it.suggestKm("Kalix", "Ingenstansby"))

            // Saved from the form as a suggestion from home, not yet confirmed.
            val form = TripForm(entry = TripEntry.SUGGESTED, fromPlace = "Kalix", toPlace = "Töre", fromHome = true, startMs = System.currentTimeMillis() - 3_600_000)
            assertTrue(form.problems(Lang.SV).isEmpty())
            val trip = it.logTrip(form.toInput())
            assertEquals(DistanceSource.SUGGESTED, trip.source)
            assertEquals(s.km, trip.km, 1e-9)
            assertTrue(trip.fromHome)
            assertTrue(trip.awaitsConfirmation)
            val typed = it.logTrip(TripForm(fromPlace = "Töre", toPlace = "Kalix", kmText = "25,3", startMs = System.currentTimeMillis() - 1_800_000).toInput())
            assertFalse(typed.fromHome, "from the workplace unless marked")
            val trips = it.tripsBetween(0, Long.MAX_VALUE)
            assertEquals(listOf(trip.id), SuggestedKm.awaiting(trips).map { t -> t.id })
            assertEquals(
                "1 resa har en föreslagen sträcka som du inte har bekräftat. Månaden kan inte attesteras förrän du bekräftar eller skriver in rätt km.",
                SuggestedKm.banner(trips, Lang.SV),
            )
            assertEquals(listOf("från bostaden", "föreslagen sträcka – bekräfta"), SuggestedKm.marks(trip, Lang.SV))

            // The driver confirms it; the banner goes; typed km cannot be "confirmed".
            val confirmed = SuggestedKm.confirm(it, trip, Lang.SV) as ConfirmOutcome.Confirmed
            assertTrue(confirmed.trip.distanceConfirmed)
            assertFalse(confirmed.trip.awaitsConfirmation)
            assertTrue(confirmed.trip.fromHome, "confirming keeps the rest of the trip")
            assertNull(SuggestedKm.banner(it.tripsBetween(0, Long.MAX_VALUE), Lang.SV))
            val refused = SuggestedKm.confirm(it, typed, Lang.SV) as ConfirmOutcome.Failed
            assertTrue(refused.text.contains("Bara en föreslagen sträcka bekräftas"), refused.text)

            // Confirmed straight from the form: saved confirmed.
            val direct = it.logTrip(form.copy(suggestionConfirmed = true, fromHome = false).toInput())
            assertTrue(direct.distanceConfirmed && !direct.awaitsConfirmation && !direct.fromHome)

            // No place the phone knows: the core says so in Swedish, nothing saved.
            val unknown = assertThrows(UppsokException.Invalid::class.java) {
                it.logTrip(form.copy(toPlace = "Ingenstansby").toInput())
            }
            assertEquals("Ingen sträcka kan föreslås mellan de här platserna; skriv in km.", Messages.of(unknown, Lang.SV))
            assertEquals(3, it.tripsBetween(0, Long.MAX_VALUE).size)

            // A recording from home keeps the mark through started().
            val rec = it.startTrip(TripStart(null, "Kalix", "Hembesök", null, emptyList(), null, fromHome = true))
            assertTrue(rec.started().fromHome)
            rec.cancel()
        }
    }

    /** One key for this class's stores, so a test can open its store again. */
    private val storeKey = se.uppsok.core.generateDeviceKey()

    private fun newStore(): Pair<se.uppsok.core.UppsokStore, String> {
        val path = File(tempDir(), "store.db").path
        return se.uppsok.core.UppsokStore.create(path, "anna", TestKeys(storeKey)) to path
    }

    @Test
    fun `every client can be picked - the 9th, the 20th and the 50th`() {
        val (store, _) = newStore()
        store.use {
            val added = (1..50).map { n -> it.addClient(clientInput("K-%03d".format(n), "Person$n Östlund")) }
            // The first eight have visits: they are the "recent" ones the old form offered.
            added.take(8).forEach { c -> it.logVisit(visitInput(c.id)) }
            val recent = it.recentClients(8).map { c -> c.id }
            val all = it.clients()
            val offered = ClientPicker.search(all, "", recent)
            assertEquals(50, offered.size)
            assertEquals(recent.toSet(), offered.take(8).map { c -> c.id }.toSet())
            for (n in listOf(9, 20, 50)) {
                val code = "K-%03d".format(n)
                assertEquals(code, ClientPicker.search(all, code, recent).first().code)
                assertEquals(code, ClientPicker.search(all, "k$n", recent).first().code, "k$n")
                assertEquals(listOf(code), ClientPicker.search(all, "person$n ", recent).map { c -> c.code }.filter { c -> c == code })
            }
            // Accents and case do not matter; a closed client is not offered.
            assertEquals(50, ClientPicker.search(all, "ostlund", recent).size)
            val closed = it.editClient(clientInput("K-050", "Person50 Östlund").copy(id = added[49].id, phase = Phase.CLOSED, closure = se.uppsok.core.ClosureReason.MOVED))
            assertTrue(ClientPicker.search(it.clients(), "K-050", recent).none { c -> c.id == closed.id })
            // The visit form starts with no client chosen.
            assertNull(VisitForm().client)
        }
    }

    @Test
    fun `my clients first, and an edit of the next contact keeps the contact person`() {
        val (store, _) = newStore()
        store.use {
            val other = it.addClient(clientInput("K-001"))
            val deputyOf = it.addClient(clientInput("K-002").copy(contactPerson = "bo", deputy = "anna"))
            val own = it.addClient(clientInput("K-003").copy(contactPerson = "anna", admitted = "2026-02-03"))
            it.logVisit(visitInput(other.id))
            val recent = it.recentClients(20).map { c -> c.id }
            assertEquals(listOf(deputyOf.id, own.id, other.id), recent)
            val sections = ClientPicker.sections(it.clients(), "", recent, Lang.SV)
            assertEquals(listOf("Mina klienter", "Övriga klienter"), sections.map { s -> s.title })
            assertEquals(listOf("K-002", "K-003"), sections[0].clients.map { c -> c.code })
            assertEquals(listOf("K-002", "K-003"), it.myClients().map { c -> c.code })

            // The form changes the next contact only: contact person, deputy and admission stay.
            val form = ClientForm.edit(it.client(deputyOf.id))
            assertEquals("uppskattat", form.admissionFlag(Lang.SV), "no admission recorded yet")
            val saved = it.editClient(form.toInput().copy(nextContact = "2026-12-24"))
            assertEquals("bo", saved.contactPerson)
            assertEquals("anna", saved.deputy)
            assertEquals("2026-12-24", saved.nextContact)
            assertNull(saved.admitted, "an estimate nobody confirmed is not saved")
            assertTrue(saved.admissionEstimated)
            val confirmed = it.editClient(ClientForm.edit(saved).confirmAdmission().toInput())
            assertEquals(saved.admission, confirmed.admitted)
            assertEquals("2026-02-03", ClientForm.edit(it.client(own.id)).input.admitted)
            assertNull(ClientForm.edit(it.client(own.id)).admissionFlag(Lang.SV))
        }
    }

    @Test
    fun `a network-only contact is logged and does not count as reaching the client`() {
        val (store, _) = newStore()
        store.use {
            val c = it.addClient(clientInput("K-017"))
            val form = VisitForm(client = c, contact = ContactKind.ATTEMPTED, minutes = 15).withClientPresent(false)
            assertEquals(ContactKind.PHONE, form.contact)
            assertTrue(form.network && form.problems(Lang.SV).isEmpty())
            val v = it.logVisit(form.toInput())
            assertFalse(v.clientPresent)
            assertNull(it.client(c.id).daysSinceContact, "the client was not reached")
            val edit = VisitForm.edit(v, c)
            assertFalse(edit.clientPresent)
            assertEquals(
                "client_present",
                assertThrows(UppsokException.Invalid::class.java) {
                    it.logVisit(edit.copy(contact = ContactKind.ATTEMPTED).toInput())
                }.field,
            )
            val group = it.logVisit(VisitForm(client = c, group = true, minutes = 60).toInput())
            assertTrue(group.group && group.clientPresent)
            assertEquals(0L, it.client(c.id).daysSinceContact)
        }
    }

    @Test
    fun `a visit logged at 12 00 for 09 30 carries 09 30`() {
        val (store, _) = newStore()
        store.use {
            val c = it.addClient(clientInput("K-017"))
            val today = LocalDate.now(zone)
            val noon = ZonedDateTime.of(today, java.time.LocalTime.NOON, zone).toInstant().toEpochMilli()
            val form = VisitForm(client = c, startMs = noon, contact = ContactKind.PHONE, setting = null).atTime(9, 30, zone)
            assertTrue(form.problems(Lang.SV, nowMs = noon).isEmpty())
            val v = it.logVisit(form.toInput())
            val stored = it.visitsForClient(c.id).single { x -> x.id == v.id }
            assertEquals("09:30", Format.clock(stored.startMs, zone))
            assertEquals(today, java.time.Instant.ofEpochMilli(stored.startMs).atZone(zone).toLocalDate())
            // Later than now is refused on the form, before the core.
            assertEquals(listOf("start"), form.atTime(13, 0, zone).problems(Lang.SV, nowMs = noon).map { p -> p.field })
            // Yesterday at 16:00, also possible.
            val y = form.onDate(today.minusDays(1), zone).atTime(16, 0, zone)
            assertEquals(today.minusDays(1).atTime(16, 0).atZone(zone).toInstant().toEpochMilli(), y.toInput().startMs)
            // Edited later: the same visit, the new length, the time kept.
            val edited = VisitForm.edit(stored, c).copy(minutes = 60)
            assertEquals(v.id, edited.toInput().id)
            it.logVisit(edited.toInput())
            val after = it.visitsForClient(c.id)
            assertEquals(listOf(60), after.map { x -> x.minutes })
            assertEquals(stored.startMs, after.single().startMs)
            // Colleagues ticked from the team list.
            assertEquals(listOf("bertil"), form.withStaff("bertil", true).withStaff("bertil", true).staff)
            assertTrue(form.withStaff("bertil", true).withStaff("bertil", false).staff.isEmpty())
        }
    }

    @Test
    fun `a reminder is scheduled for a planned contact and cancelled when the contact is logged`() {
        val (store, _) = newStore()
        store.use {
            val now = System.currentTimeMillis()
            val tomorrow = LocalDate.now(zone).plusDays(1)
            val c = it.addClient(clientInput("K-017", "Aino Niemi").copy(nextContact = tomorrow.toString()))
            it.addClient(clientInput("K-018"))
            val plan = Reminders.plan(it.clients(), now, zone, Lang.SV)
            assertEquals(listOf(c.id), plan.map { r -> r.clientId }.distinct())
            val morning = plan.single { r -> r.kind == ReminderKind.MORNING_OF }
            assertEquals(tomorrow.atTime(7, 30).atZone(zone).toInstant().toEpochMilli(), morning.atMs)
            // The evening reminder is there unless 18:00 today has passed.
            val evening = tomorrow.minusDays(1).atTime(18, 0).atZone(zone).toInstant().toEpochMilli()
            assertEquals(evening > now, plan.any { r -> r.kind == ReminderKind.EVENING_BEFORE })
            // Nothing that names the client on the lock screen.
            plan.forEach { r -> assertFalse("${r.title} ${r.text}".contains("Aino") || "${r.title} ${r.text}".contains("K-017")) }
            val scheduled = Reminders.changes(plan, emptySet())
            assertEquals(plan.map { r -> r.key }.toSet(), scheduled.schedule.map { r -> r.key }.toSet())
            assertTrue(scheduled.cancel.isEmpty())

            // The contact is logged (a phone call that reached the client): the reminders go.
            it.logVisit(visitInput(c.id, startMs = now - 60_000L).copy(contact = ContactKind.PHONE, setting = null, place = null))
            val after = Reminders.plan(it.clients(), now, zone, Lang.SV)
            assertTrue(after.isEmpty(), after.toString())
            val changes = Reminders.changes(after, plan.map { r -> r.key }.toSet() + "uppsok-sync-periodic")
            assertEquals(plan.map { r -> r.key }.toSet(), changes.cancel)

            // An attempt that did not reach the client keeps them.
            val d = it.addClient(clientInput("K-019").copy(nextContact = tomorrow.toString()))
            it.logVisit(visitInput(d.id, startMs = now - 60_000L).copy(contact = ContactKind.ATTEMPTED))
            assertTrue(Reminders.plan(it.clients(), now, zone, Lang.SV).any { r -> r.clientId == d.id })
        }
    }

    @Test
    fun `the diagnostics export carries no personal data`() {
        val (store, _) = newStore()
        store.use {
            val c = it.addClient(clientInput("K-017", "Aino Niemi"))
            it.logVisit(visitInput(c.id))
            val status = it.syncStatus().copy(
                serverUrl = "https://uppsok.kalix.se/v1",
                rejected = listOf(
                    se.uppsok.core.RejectedChange("ch1", "visit", c.id, "forbidden", "another author's visit"),
                    se.uppsok.core.RejectedChange("ch2", "visit", c.id, "forbidden", "another author's visit"),
                ),
            )
            val text = Diagnostics.text(status, se.uppsok.core.coreVersion(), "0.1.0", 1, System.currentTimeMillis())
            assertTrue(text.contains("waiting: 2"), text)
            assertTrue(text.contains("server host: uppsok.kalix.se"), text)
            assertTrue(text.contains("refused: visit/forbidden ×2"), text)
            assertTrue(text.contains("unreadable records: 1"), text)
            for (secret in listOf("Aino", "Niemi", "K-017", "Mådde", "Töre", "anna", c.id)) {
                assertFalse(text.contains(secret), "the export names $secret")
            }
        }
    }
}
