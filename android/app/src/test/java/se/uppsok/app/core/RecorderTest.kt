package se.uppsok.app.core

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import se.uppsok.core.FixInput
import se.uppsok.core.QualityGrade
import se.uppsok.core.DistanceSource
import se.uppsok.core.TripStart
import se.uppsok.core.UppsokException
import se.uppsok.core.UppsokStore

/** Recording a trip from fixes through the facade, including a restart of the app mid-trip. */
class RecorderTest {
    private val start = TripStart(
        serviceCar = null, fromPlace = "Kalix", purpose = "Hembesök", visited = "K-017", visitIds = emptyList(), odometerStart = null,
    )

    @Test
    fun `record a trip from fixes, survive a restart, finish with the GPS distance`() {
        val keys = TestKeys()
        val (store, path) = newStore(keys = keys)
        val fixes = drive(600) // 10 minutes at 20 m/s: about 11.98 km
        val c = store.addClient(clientInput("K-017"))
        val v = store.logVisit(visitInput(c.id))
        val rec = store.startTrip(start.copy(visitIds = listOf(v.id)))
        val id = rec.tripId()
        assertEquals("trip", assertThrows(UppsokException.Invalid::class.java) { store.startTrip(start) }.field)
        var accepted = 0
        for (f in fixes.take(300)) if (rec.feedFix(f)) accepted++
        assertTrue(accepted >= 295, "accepted $accepted of 300")
        assertFalse(rec.feedFix(FixInput(0.0, 0.0, -1.0, fixes[299].timeMs + 500, null)), "bad accuracy is dropped")
        val halfway = rec.currentKm()
        assertTrue(halfway in 5.7..6.2, "halfway $halfway km")
        rec.save()
        // The app is killed: open the store again and pick the trip up.
        rec.close()
        store.close()
        val reopened = UppsokStore.open(path, keys)
        val resumed = requireNotNull(reopened.activeTrip())
        assertEquals(id, resumed.tripId())
        assertEquals(halfway, resumed.currentKm(), 0.05)
        assertEquals(300, resumed.feedFixes(fixes.drop(300)))
        val p = resumed.progress()
        assertEquals(QualityGrade.GOOD, p.quality)
        assertTrue(p.fixesUsed >= 595, p.toString())
        assertEquals(1L, p.fixesDropped)
        assertTrue(p.durationS in 590.0..600.0, p.toString())
        val trip = resumed.finish("Töre", null, null)
        assertEquals(id, trip.id)
        assertEquals(DistanceSource.GPS, trip.source)
        assertTrue(trip.km in 11.7..12.2, "km ${trip.km}")
        assertEquals(listOf(v.id), trip.visitIds)
        assertNotNull(trip.gps)
        // With Doppler speed and dense fixes the recorder vouches for the km: no mark.
        assertEquals(QualityGrade.GOOD, trip.gps?.grade)
        assertNull(trip.gpsDoubt)
        assertEquals(emptyList<String>(), SuggestedKm.marks(trip, Lang.SV))
        assertNull(reopened.activeTrip())
        assertThrows(UppsokException.NotFound::class.java) { resumed.feedFix(fixes[0]) }
        assertEquals(listOf(trip.id), reopened.tripsBetween(0, System.currentTimeMillis() + 3_600_000).map { it.id })
        reopened.close()
    }

    @Test
    fun `a trip from positions without speed is marked as a GPS distance in doubt`() {
        val (store, _) = newStore()
        store.use {
            val rec = store.startTrip(start)
            rec.feedFixes(drive(300).map { it.copy(speedMps = null) })
            val trip = rec.finish("Töre", null, null)
            assertEquals(QualityGrade.FAIR, trip.gps?.grade)
            assertEquals(QualityGrade.FAIR, trip.gpsDoubt)
            assertEquals(listOf("GPS kan vara några procent fel"), SuggestedKm.marks(trip, Lang.SV))
            assertEquals(listOf("GPS may be a few per cent off"), SuggestedKm.marks(trip, Lang.EN))
            // The list the trips screen shows carries the mark too.
            val listed = store.tripsBetween(0, System.currentTimeMillis() + 3_600_000).single()
            assertEquals(QualityGrade.FAIR, listed.gpsDoubt)
        }
    }

    @Test
    fun `cancel drops the recording, finish without fixes is refused`() {
        val (store, _) = newStore()
        store.use {
            val rec = store.startTrip(start)
            val e = assertThrows(UppsokException.Invalid::class.java) { rec.finish("Töre", null, null) }
            assertEquals("km", e.field)
            assertEquals(rec.tripId(), store.activeTrip()?.tripId(), "a refused finish keeps recording")
            rec.cancel()
            assertNull(store.activeTrip())
            assertThrows(UppsokException.NotFound::class.java) { rec.cancel() }
            assertEquals("place", assertThrows(UppsokException.Invalid::class.java) {
                store.startTrip(start.copy(fromPlace = "Storgatan 5"))
            }.field)
            assertEquals(0L, store.syncStatus().waiting, "nothing of a cancelled trip is synced")
        }
    }

    @Test
    fun `odometer readings override GPS at finish`() {
        val (store, _) = newStore()
        store.use {
            val rec = store.startTrip(start.copy(serviceCar = "ABC123", odometerStart = 12_000))
            assertTrue(rec.feedPosition(65.85, 23.15, 5.0, System.currentTimeMillis(), Double.NaN))
            val trip = rec.finish("Töre", null, 12_025)
            assertEquals(DistanceSource.ODOMETER, trip.source)
            assertEquals(25.0, trip.km, 1e-9)
            assertEquals(12_025, trip.odometerEnd)
            assertEquals("odometer_start", assertThrows(UppsokException.Invalid::class.java) {
                store.startTrip(start.copy(odometerStart = -1))
            }.field)
        }
    }

    @Test
    fun `PositionFeed goes through the C entry point, survives a kill, and throws the typed errors`() {
        val keys = TestKeys()
        val (store, path) = newStore(keys = keys)
        val rec = store.startTrip(start)
        val feed = PositionFeed(rec)
        assertEquals(rec.positionSink(), rec.positionSink(), "one sink number per recording object")
        val all = drive(100)
        val fixes = all.take(95)
        var accepted = 0
        for (f in fixes) if (feed.feed(f.lat, f.lon, f.accuracyM, f.timeMs, f.speedMps ?: Double.NaN)) accepted++
        assertEquals(95, accepted)
        assertFalse(feed.feed(65.0, 23.0, -1.0, fixes.last().timeMs + 500), "bad accuracy is dropped, not an error")
        val km = rec.currentKm()
        // Killed without a save: the recorder sealed its state every 10 fixes, so the trip is
        // there with at most the last 10 fixes (here 6) missing.
        rec.close()
        store.close()
        val reopened = UppsokStore.open(path, keys)
        val resumed = requireNotNull(reopened.activeTrip())
        val lost = km - resumed.currentKm()
        assertTrue(lost in -1e-9..0.25, "lost $lost km of $km (at most 10 fixes at 20 m/s)")
        assertTrue(resumed.progress().fixesUsed >= 85, resumed.progress().toString())
        assertThrows(IllegalStateException::class.java, { feed.feed(65.0, 23.0, 5.0, 0) }, "the old object is closed")
        val again = PositionFeed(resumed)
        val next = all[95]
        assertTrue(again.feed(next.lat, next.lon, next.accuracyM, next.timeMs, 20.0), "the resumed recording goes on")
        resumed.cancel()
        assertEquals("trip recording", assertThrows(UppsokException.NotFound::class.java) {
            again.feed(all[96].lat, all[96].lon, 5.0, all[96].timeMs)
        }.what, "a cancelled recording gives the same typed error as feedPosition")
        reopened.close()
    }

    @Test
    fun `tracker glue and the Rust-side timing helpers`() {
        val (store, _) = newStore()
        store.use {
            val rec = store.startTrip(start)
            val tracker = TripTracker(rec, Lang.SV)
            for (f in drive(120)) tracker.onLocation(f.lat, f.lon, f.accuracyM.toFloat(), f.timeMs, f.speedMps?.toFloat())
            tracker.onLocation(65.0, 23.0, null, System.currentTimeMillis(), null)
            assertEquals(1, tracker.dropped)
            assertEquals(120, tracker.accepted)
            assertTrue(tracker.notificationText(System.currentTimeMillis()).matches(Regex("""2,\d.km · \d+.min""")),
                tracker.notificationText(System.currentTimeMillis()))
            rec.cancel()
            assertNull(store.activeTrip(), "a cancelled recording is gone")
        }
    }
}
