// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.ClientItem
import se.uppsok.core.Phase
import se.uppsok.core.ContactKind
import se.uppsok.core.SyncStatus
import se.uppsok.core.VisitItem
import java.time.LocalDate

/** The headline of the "today" screen: "3 besök · 1 sökt · 2 tim 15 min". */
data class TodaySummary(val reached: Int, val attempts: Int, val minutes: Int) {
    fun text(lang: Lang): String {
        val visits = if (lang == Lang.SV) "$reached besök" else "$reached ${if (reached == 1) "visit" else "visits"}"
        val tried = if (lang == Lang.SV) "$attempts sökt" else "$attempts attempted"
        return "$visits · $tried · ${Format.minutes(minutes, lang)}"
    }

    companion object {
        fun of(visits: List<VisitItem>): TodaySummary = TodaySummary(
            reached = visits.count { it.contact != ContactKind.ATTEMPTED },
            attempts = visits.count { it.contact == ContactKind.ATTEMPTED },
            minutes = visits.sumOf { it.minutes },
        )
    }
}

/** One row of the client list. */
data class ClientRow(
    val id: String,
    val code: String,
    val name: String,
    val lastContact: String,
    val nextContact: String?,
    /** The next planned contact is today or past. */
    val due: Boolean,
    /** Not reached for longer than the team's limit. */
    val overdue: Boolean,
)

/** The client list: who has not been reached the longest first, closed clients hidden. */
object ClientList {
    const val OVERDUE_DAYS = 14L

    fun rows(clients: List<ClientItem>, today: LocalDate, lang: Lang): List<ClientRow> =
        clients
            .filter { it.phase != Phase.CLOSED }
            .sortedWith(compareByDescending<ClientItem> { it.daysSinceContact ?: Long.MAX_VALUE }.thenBy { it.code })
            .map { c ->
                val next = c.nextContact?.let { runCatching { LocalDate.parse(it) }.getOrNull() }
                ClientRow(
                    id = c.id,
                    code = c.code,
                    name = c.name,
                    lastContact = Format.daysAgo(c.daysSinceContact, lang),
                    nextContact = Format.shortDate(c.nextContact, lang),
                    due = next != null && !next.isAfter(today),
                    overdue = (c.daysSinceContact ?: Long.MAX_VALUE) > OVERDUE_DAYS,
                )
            }
}

/** The sync status screen and the status line on every screen. */
data class SyncStatusView(
    val line: String,
    val lastSync: String,
    val error: String?,
    val rejected: List<String>,
    val stale: Boolean,
    /** "2 poster kunde inte läsas" (damaged storage), with a repair button; null when none. */
    val damaged: String? = null,
) {
    companion object {
        fun of(s: SyncStatus, nowMs: Long, lang: Lang, damagedRecords: Long = 0): SyncStatusView = SyncStatusView(
            line = Format.waiting(s.waiting, lang),
            lastSync = Format.lastSync(s.lastSyncMs, nowMs, lang),
            error = s.lastError?.let {
                if (lang == Lang.SV) "Senaste försöket misslyckades: kunde inte nå servern." else "The last attempt failed: $it"
            },
            rejected = s.rejected.map { r ->
                val what = when (r.entity) {
                    "visit" -> if (lang == Lang.SV) "Besök" else "Visit"
                    "trip" -> if (lang == Lang.SV) "Resa" else "Trip"
                    "client" -> if (lang == Lang.SV) "Klient" else "Client"
                    else -> if (lang == Lang.SV) "Ort" else "Place"
                }
                val why = if (lang == Lang.SV) "avvisades" else "was refused"
                "$what $why: ${r.reason}"
            },
            stale = SyncPolicy.isStale(s.waiting, s.lastSyncMs, nowMs),
            damaged = Format.damaged(damagedRecords, lang),
        )
    }
}
