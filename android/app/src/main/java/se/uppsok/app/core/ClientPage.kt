// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.ClientItem
import se.uppsok.core.HistoryWindow
import se.uppsok.core.OutcomeItem
import se.uppsok.core.TripItem
import se.uppsok.core.UppsokException
import se.uppsok.core.UppsokStore
import se.uppsok.core.VisitItem

/**
 * What "Visa äldre" has fetched so far: contacts and outcomes from before the phone's window,
 * from the server, held here in memory only (the core stores nothing of them).
 */
data class OlderHistoryPart(
    val visits: List<VisitItem> = emptyList(),
    val outcomes: List<OutcomeItem> = emptyList(),
    /** Where the next part starts; null with [fetched]: nothing older is left. */
    val nextBefore: String? = null,
    val fetched: Boolean = false,
    /** Why the last fetch failed, in the app's language. */
    val error: String? = null,
)

/**
 * The client page as it is shown: the client, its contacts and trips on the phone and older
 * history.
 */
data class ClientPageState(
    val client: ClientItem,
    val visits: List<VisitItem>,
    /** The driver's trips to the client: linked to its contacts, or naming its code. */
    val trips: List<TripItem> = emptyList(),
    /** The phone's window of history; null before a server named one (the phone keeps all). */
    val window: HistoryWindow?,
    val older: OlderHistoryPart = OlderHistoryPart(),
) {
    /** "Visa äldre" is offered while the server may hold more than the phone. */
    val canShowOlder: Boolean get() = window != null && (!older.fetched || older.nextBefore != null)
}

/**
 * The client page reads everything through the core, so the access log sees what the page
 * shows: [load] opens the client (`client`: an opening of the client), its contacts and its
 * trips (`visitsForClient`, `tripsForClient`: an opening of its history, logged once) — not the
 * client from the list, which the log would not see. [older] is "Visa äldre": the next part of the history from before the phone's
 * window, from the server while online (the server logs that opening).
 */
object ClientPage {
    fun load(store: UppsokStore, clientId: String): ClientPageState = ClientPageState(
        client = store.client(clientId),
        visits = store.visitsForClient(clientId),
        trips = store.tripsForClient(clientId),
        window = store.historyWindow(),
    )

    /** A row of the client's trips: "12 nov · Kalix → Töre · 25,3 km (GPS)". */
    fun tripLine(trip: TripItem, lang: Lang, zone: java.time.ZoneId): String {
        val day = java.time.Instant.ofEpochMilli(trip.startMs).atZone(zone).toLocalDate()
        val date = Format.shortDate(day.toString(), lang) ?: day.toString()
        return "$date · ${trip.fromPlace} → ${trip.toPlace} · ${Format.km(trip.km, lang)} (${Format.distanceSource(trip.source, lang)})"
    }

    fun older(store: UppsokStore, page: ClientPageState, lang: Lang): ClientPageState {
        val before = if (page.older.fetched) page.older.nextBefore ?: return page else null
        return try {
            val part = store.olderHistory(page.client.id, before)
            page.copy(
                older = OlderHistoryPart(
                    visits = page.older.visits + part.visits,
                    outcomes = page.older.outcomes + part.outcomes,
                    nextBefore = part.nextBefore,
                    fetched = true,
                ),
            )
        } catch (e: UppsokException) {
            page.copy(older = page.older.copy(error = olderError(e, lang)))
        }
    }

    /**
     * "Kopiera till journalen": the client's contacts of the last [days] days up to [today] as
     * plain text for the organisation's journal system — the code, never the name. The core
     * logs it as an export of the client's data.
     */
    fun journalText(store: UppsokStore, clientId: String, today: java.time.LocalDate, days: Long = 30): String =
        store.clientSummary(clientId, today.minusDays(days).toString(), today.toString())

    /** The button: "Visa äldre än 6 juni". */
    fun olderLabel(window: HistoryWindow, lang: Lang): String {
        val day = Format.shortDate(window.firstDay, lang) ?: window.firstDay
        return if (lang == Lang.SV) "Visa äldre än $day" else "Show older than $day"
    }

    /** Why older history could not be fetched; offline is the usual case and says what to do. */
    fun olderError(e: Throwable, lang: Lang): String {
        val sv = lang == Lang.SV
        return when (e) {
            is UppsokException.Network ->
                if (sv) "Äldre historik finns bara på servern och telefonen når den inte nu. Försök igen när du har nät."
                else "Older history is kept on the server only, and the phone cannot reach it now. Try again when you have a connection."
            is UppsokException.NotFound ->
                if (sv) "Servern visar inte längre den här klienten för dig." else "The server no longer shows you this client."
            is UppsokException.NotEnrolled ->
                if (sv) "Telefonen är inte kopplad till servern, så äldre historik kan inte hämtas."
                else "The phone is not enrolled with a server, so older history cannot be fetched."
            else -> Messages.of(e, lang)
        }
    }
}
