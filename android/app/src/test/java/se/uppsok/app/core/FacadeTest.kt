package se.uppsok.app.core

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import se.uppsok.core.Phase
import se.uppsok.core.ConsentState
import se.uppsok.core.ContactKind
import se.uppsok.core.KeyProviderException
import se.uppsok.core.TripDistance
import se.uppsok.core.TripInput
import se.uppsok.core.DistanceSource
import se.uppsok.core.UppsokException
import se.uppsok.core.UppsokStore
import se.uppsok.core.Setting
import se.uppsok.core.coreVersion
import se.uppsok.core.generateDeviceKey
import se.uppsok.core.searchGazetteer
import se.uppsok.core.storeExists
import se.uppsok.core.wipeStoreAt
import java.io.File

/** Every facade object and method, called from Kotlin against the real library. */
class FacadeTest {
    private val hour = 3_600_000L

    @Test
    fun `keys and version`() {
        val k = generateDeviceKey()
        assertEquals(32, k.size)
        assertFalse(k.contentEquals(generateDeviceKey()))
        assertTrue(coreVersion().matches(Regex("""\d+\.\d+\.\d+.*""")))
    }

    @Test
    fun `create, open, wrong key and failing key providers are typed exceptions`() {
        val keys = TestKeys()
        val (store, path) = newStore(keys = keys)
        assertEquals("anna", store.profile().username)
        assertFalse(store.profile().enrolled)
        store.close()
        assertTrue(storeExists(path))
        assertThrows(UppsokException.AlreadyExists::class.java) { UppsokStore.create(path, "anna", keys) }
        assertThrows(UppsokException.WrongKey::class.java) { UppsokStore.open(path, TestKeys()) }
        // The provider's own exceptions, mapped.
        assertThrows(UppsokException.WrongKey::class.java) {
            UppsokStore.open(path, ThrowingKeys(KeyProviderException.WrongKey()))
        }
        val locked = assertThrows(UppsokException.KeyProvider::class.java) {
            UppsokStore.open(path, ThrowingKeys(KeyProviderException.Unavailable("keystore locked")))
        }
        assertEquals("keystore locked", locked.reason)
        // Any other throwable from the app's code: a typed exception, not a crash.
        val odd = assertThrows(UppsokException.KeyProvider::class.java) {
            UppsokStore.open(path, ThrowingKeys(IllegalStateException("secret 1234")))
        }
        assertFalse(odd.reason.contains("1234"), "the platform's text is not passed on")
        assertThrows(UppsokException.KeyProvider::class.java) {
            UppsokStore.open(path, TestKeys(ByteArray(31)))
        }
        assertThrows(UppsokException.NoStore::class.java) {
            UppsokStore.open(File(tempDir(), "none.db").path, keys)
        }
        assertThrows(UppsokException.Invalid::class.java) {
            UppsokStore.create(File(tempDir(), "x.db").path, "Anna Berg", keys)
        }
        UppsokStore.open(path, keys).use { assertEquals("anna", it.profile().username) }
        assertTrue(keys.calls.get() >= 2)
    }

    @Test
    fun `clients - add, edit, get, list with days since contact, recent first`() {
        val (store, _) = newStore()
        store.use {
            val a = store.addClient(clientInput("K-017", "Aino Niemi"))
            val b = store.addClient(clientInput("K-002").copy(nextContact = "2026-12-01"))
            assertEquals("Aino Niemi", store.client(a.id).name)
            assertNull(a.daysSinceContact)
            val edited = store.editClient(
                store.client(a.id).let {
                    clientInput(it.code, it.name).copy(
                        id = it.id, consent = ConsentState.GIVEN, consentDate = "2026-11-01",
                    )
                },
            )
            assertEquals(ConsentState.GIVEN, edited.consent)
            assertEquals("2026-11-01", edited.consentDate)
            store.logVisit(visitInput(a.id, System.currentTimeMillis() - 3 * 24 * hour))
            store.logVisit(visitInput(b.id, System.currentTimeMillis() - 30 * 24 * hour))
            val list = store.clients()
            assertEquals(listOf("K-002", "K-017"), list.map { it.code })
            assertEquals(3L, list.first { it.id == a.id }.daysSinceContact)
            assertEquals(listOf("K-017", "K-002"), store.recentClients(10).map { it.code })
            assertEquals(1, store.recentClients(1).size)
            val bad = assertThrows(UppsokException.Invalid::class.java) { store.addClient(clientInput("Anna")) }
            assertEquals("code", bad.field)
            assertFalse(bad.rule.contains("Anna"), "the rule does not echo the value")
            assertEquals("code", assertThrows(UppsokException.Invalid::class.java) { store.addClient(clientInput("K-017")) }.field)
            assertEquals("id", assertThrows(UppsokException.Invalid::class.java) { store.editClient(clientInput("K-003")) }.field)
            assertThrows(UppsokException.NotFound::class.java) {
                store.client("0190a0b0-0000-7000-8000-000000000000")
            }
            val closed = assertThrows(UppsokException.Invalid::class.java) {
                store.editClient(clientInput("K-002").copy(id = b.id, phase = Phase.CLOSED))
            }
            assertEquals("closure", closed.field)
        }
    }

    @Test
    fun `visits - log, edit, list by client, range and today, delete`() {
        val (store, _) = newStore()
        store.use {
            val c = store.addClient(clientInput("K-017"))
            val now = System.currentTimeMillis()
            val v = store.logVisit(visitInput(c.id, now - hour).copy(staff = listOf("bertil")))
            assertEquals("anna", v.author)
            assertEquals(listOf("anna", "bertil"), v.staff)
            assertEquals("K-017", v.clientCode)
            val phone = store.logVisit(
                visitInput(c.id, now - 2 * hour).copy(contact = ContactKind.PHONE, setting = null, place = null, note = null),
            )
            val edited = store.logVisit(visitInput(c.id, now - hour).copy(id = v.id, minutes = 60))
            assertEquals(v.id, edited.id)
            assertEquals(listOf(phone.id, v.id), store.visitsForClient(c.id).map { it.id })
            assertEquals(60, store.visitsForClient(c.id).last().minutes)
            assertEquals(1, store.visitsBetween(now - 90 * 60_000L, now).size)
            assertTrue(store.visitsToday().all { it.startMs >= now - 24 * hour })
            store.deleteVisit(phone.id)
            assertEquals(listOf(v.id), store.visitsForClient(c.id).map { it.id })
            assertThrows(UppsokException.NotFound::class.java) { store.deleteVisit(phone.id) }

            val cases = listOf(
                "minutes" to visitInput(c.id).copy(minutes = 0),
                "setting" to visitInput(c.id).copy(setting = null),
                "setting" to visitInput(c.id).copy(contact = ContactKind.VIDEO, setting = Setting.HOME),
                "start" to visitInput(c.id, now + 48 * hour),
                "place" to visitInput(c.id).copy(place = "Storgatan 5"),
                "client" to visitInput("0190a0b0-0000-7000-8000-000000000000"),
                "client" to visitInput("not-an-id"),
                "note" to visitInput(c.id).copy(note = "hemligt ".repeat(600)),
            )
            for ((field, input) in cases) {
                val e = assertThrows(UppsokException.Invalid::class.java) { store.logVisit(input) }
                assertEquals(field, e.field, e.rule)
                assertFalse(e.rule.contains("hemligt") || e.rule.contains("Storgatan"), "no values in errors")
                assertTrue(Messages.of(e, Lang.SV).isNotBlank())
            }
        }
    }

    @Test
    fun `trips - manual and odometer, list, delete`() {
        val (store, _) = newStore()
        store.use {
            val now = System.currentTimeMillis()
            val base = TripInput(
                id = null, serviceCar = null, startMs = now - 2 * hour, endMs = now - hour,
                fromPlace = "Kalix", toPlace = "Töre", fromAddress = null, toAddress = null,
                purpose = "Hembesök", visited = "K-017", visitIds = emptyList(), distance = TripDistance.Manual(25.3),
            )
            val manual = store.logTrip(base)
            assertEquals(DistanceSource.MANUAL, manual.source)
            assertEquals(25.3, manual.km, 1e-9)
            val odo = store.logTrip(
                base.copy(serviceCar = "abc 123", startMs = now - hour, endMs = now, distance = TripDistance.Odometer(12_000, 12_041)),
            )
            assertEquals(41.0, odo.km, 1e-9)
            assertEquals(DistanceSource.ODOMETER, odo.source)
            assertEquals("ABC123", odo.serviceCar)
            assertEquals(12_000, odo.odometerStart)
            assertEquals(listOf(manual.id, odo.id), store.tripsBetween(now - 3 * hour, now + hour).map { it.id })
            assertEquals("odometer_end", assertThrows(UppsokException.Invalid::class.java) {
                store.logTrip(base.copy(distance = TripDistance.Odometer(12_000, 11_000)))
            }.field)
            assertEquals("km", assertThrows(UppsokException.Invalid::class.java) {
                store.logTrip(base.copy(distance = TripDistance.Manual(5000.0)))
            }.field)
            assertEquals("vehicle", assertThrows(UppsokException.Invalid::class.java) {
                store.logTrip(base.copy(serviceCar = "ÅÄÖ!"))
            }.field)
            store.deleteTrip(manual.id)
            assertEquals(listOf(odo.id), store.tripsBetween(0, now + hour).map { it.id })
        }
    }

    @Test
    fun `places - team list and gazetteer search`() {
        val hits = searchGazetteer("tore", 5)
        assertTrue(hits.any { it.name == "Töre" }, hits.toString())
        assertTrue(searchGazetteer("LULEA", 3).first().name == "Luleå")
        assertTrue(searchGazetteer("zzzz", 5).isEmpty())
        val (store, _) = newStore()
        store.use {
            val t = hits.first { it.name == "Töre" }
            val p = store.addPlace(t.name, t.lat, t.lon)
            assertTrue(p.teamAdded)
            store.addPlace("Morjärv", 66.06, 22.70)
            assertEquals(listOf("Morjärv", "Töre"), store.places().map { it.name })
            assertEquals("lat", assertThrows(UppsokException.Invalid::class.java) { store.addPlace("X", 91.0, 0.0) }.field)
        }
    }

    @Test
    fun `sync status counts waiting changes, sync without enrolment says so`() {
        val (store, _) = newStore()
        store.use {
            val c = store.addClient(clientInput("K-017"))
            store.logVisit(visitInput(c.id))
            val s = store.syncStatus()
            assertEquals(2L, s.waiting)
            assertTrue(s.rejected.isEmpty())
            assertFalse(s.enrolled)
            assertNull(s.lastSyncMs)
            assertFalse(s.revoked)
            assertEquals(0, s.failures)
            assertThrows(UppsokException.NotEnrolled::class.java) { store.syncNow() }
            assertNotNull(store.syncStatus().lastError, "the failure is remembered for the status screen")
            assertTrue(store.syncDue())
            assertEquals(0L, store.damagedRecords(true), "a sound store has no damaged records")
            assertEquals(0L, store.repairDamaged())
            assertEquals("change_id", assertThrows(UppsokException.Invalid::class.java) { store.retryRejected("x") }.field)
            assertEquals("change_id", assertThrows(UppsokException.Invalid::class.java) { store.discardRejected("x") }.field)
            assertEquals("code", assertThrows(UppsokException.Invalid::class.java) {
                store.enrol("http://127.0.0.1:9", "", null)
            }.field)
            assertEquals("server_url", assertThrows(UppsokException.Invalid::class.java) {
                store.enrol("ftp://example", "ABCDEF", null)
            }.field)
        }
    }

    @Test
    fun `wipe destroys the store and later calls say Wiped`() {
        val keys = TestKeys()
        val (store, path) = newStore(keys = keys)
        store.addClient(clientInput("K-017"))
        store.wipe()
        assertFalse(storeExists(path))
        assertThrows(UppsokException.Wiped::class.java) { store.clients() }
        assertThrows(UppsokException.Wiped::class.java) { store.syncStatus() }
        assertThrows(UppsokException.NoStore::class.java) { UppsokStore.open(path, keys) }
        store.close()
        // Without the key (a reset keystore): wipe by path.
        val (other, otherPath) = newStore()
        other.close()
        wipeStoreAt(otherPath)
        assertFalse(storeExists(otherPath))
    }

    @Test
    fun `error messages are plain words in Swedish and English`() {
        val e = UppsokException.Invalid("minutes", "must be between 1 and 1440 (got 0)")
        assertEquals("Ange mellan 1 och 1440 minuter.", Messages.of(e, Lang.SV))
        assertEquals("Minutes: must be between 1 and 1440 (got 0)", Messages.of(e, Lang.EN))
        assertTrue(Messages.of(UppsokException.WrongKey(), Lang.SV).startsWith("Nyckeln passar inte"))
        assertTrue(Messages.of(UppsokException.Network("timeout"), Lang.EN).startsWith("Could not reach"))
        // A damaged device token says what to do; other damage sends to IT support.
        assertTrue(Messages.of(UppsokException.Tampered("device token"), Lang.SV).contains("Välj Reparera"))
        assertTrue(Messages.of(UppsokException.Tampered("record"), Lang.SV).contains("Kontakta IT-supporten"))
    }
}
