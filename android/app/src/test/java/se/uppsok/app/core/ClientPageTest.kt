package se.uppsok.app.core

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
import se.uppsok.core.UppsokException

/**
 * The client page through the plain layer against the real library and a real `uppsok serve`:
 * the page loads the client through the core (not from the list), a contact older than the
 * phone's window has left the phone at sync, and "Visa äldre" brings it back from the server
 * without storing it; offline and unenrolled phones get a sentence that says what to do.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientPageTest {
    private lateinit var server: TestServer
    private lateinit var annaCode: String

    @BeforeAll
    fun startServer() {
        server = TestServer()
        annaCode = server.setUpTeam("anna")
        server.start()
    }

    @AfterAll
    fun stopServer() = server.close()

    @Test
    fun `the page loads the client through the core and shows older history from the server`() {
        val (store, _) = newStore("anna")
        store.use {
            store.enrol(server.url, annaCode, "JVM test")
            val c = store.addClient(clientInput("K-017", "Aino Niemi"))
            val day = 86_400_000L
            val recent = store.logVisit(visitInput(c.id))
            val old = store.logVisit(visitInput(c.id, startMs = System.currentTimeMillis() - 200 * day))
            assertNull(store.historyWindow(), "no window before the server named one")
            store.syncNow()
            assertNotNull(store.historyWindow())
            val window = store.historyWindow()!!
            assertEquals(183, window.days)

            val page = ClientPage.load(store, c.id)
            assertEquals(c.id, page.client.id)
            assertEquals(listOf(recent.id), page.visits.map { it.id }, "the old contact left at sync")
            assertTrue(page.canShowOlder)
            assertTrue(ClientPage.olderLabel(window, Lang.SV).startsWith("Visa äldre än "))

            val shown = ClientPage.older(store, page, Lang.SV)
            assertNull(shown.older.error)
            assertEquals(listOf(old.id), shown.older.visits.map { it.id })
            assertEquals("Mådde bättre", shown.older.visits[0].note, "the own organisation's note")
            assertFalse(shown.canShowOlder, "nothing older is left")
            assertSame(shown, ClientPage.older(store, shown, Lang.SV), "no request once all is shown")
            // Shown, not stored: the phone's lists are as before.
            assertEquals(listOf(recent.id), store.visitsForClient(c.id).map { it.id })
            assertThrows(UppsokException.NotFound::class.java) { store.client("01900000-0000-7000-8000-000000000000") }
        }
    }

    @Test
    fun `the journal text names the code and the contacts, never the client`() {
        val (store, _) = newStore("cissi")
        store.use {
            val c = store.addClient(clientInput("K-019", "Hemlig Persson"))
            store.logVisit(visitInput(c.id))
            val text = ClientPage.journalText(store, c.id, java.time.LocalDate.now())
            assertTrue(text.startsWith("Klient K-019: kontakter"), text)
            assertTrue(text.contains("Mådde bättre"), text)
            assertFalse(text.contains("Hemlig") || text.contains("Persson"), text)
        }
    }

    @Test
    fun `offline and unenrolled phones are told in Swedish what to do`() {
        val offline = ClientPage.olderError(UppsokException.Network("could not connect"), Lang.SV)
        assertTrue(offline.startsWith("Äldre historik finns bara på servern"), offline)
        val (store, _) = newStore("bo")
        store.use {
            val c = store.addClient(clientInput("K-018"))
            val page = ClientPage.load(store, c.id)
            assertFalse(page.canShowOlder, "no window: the phone holds everything")
            val failed = ClientPage.older(store, page, Lang.SV)
            assertEquals("Telefonen är inte kopplad till servern, så äldre historik kan inte hämtas.", failed.older.error)
            assertFalse(failed.older.fetched)
        }
    }
}
