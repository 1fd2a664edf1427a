// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.ClientItem
import se.uppsok.core.Phase
import se.uppsok.core.ContactKind
import se.uppsok.core.SyncStatus
import se.uppsok.core.MonthPay
import se.uppsok.core.TripItem
import se.uppsok.core.VisitItem
import java.time.Instant
import java.time.LocalDate
import java.time.YearMonth
import java.time.ZoneId

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
                // Met when a contact reached the client on the day before the plan or later (the
                // same rule as the reminders).
                val lastContact = c.daysSinceContact?.let { today.minusDays(it) }
                val met = next != null && lastContact != null && !lastContact.isBefore(next.minusDays(1))
                ClientRow(
                    id = c.id,
                    code = c.code,
                    name = c.name,
                    lastContact = Format.daysAgo(c.daysSinceContact, lang),
                    nextContact = Format.shortDate(c.nextContact, lang),
                    due = next != null && !next.isAfter(today) && !met,
                    overdue = (c.daysSinceContact ?: Long.MAX_VALUE) > OVERDUE_DAYS,
                )
            }
}

/**
 * The start screen's lists: the planned contacts due today or missed (not met yet), and the
 * clients not reached for longer than [ClientList.OVERDUE_DAYS] without a plan due.
 */
data class TodayPlan(val planned: List<ClientRow>, val overdue: List<ClientRow>) {
    companion object {
        fun of(rows: List<ClientRow>): TodayPlan =
            TodayPlan(planned = rows.filter { it.due }, overdue = rows.filter { it.overdue && !it.due })
    }
}

/** A month's trips as the payroll office adds them up: kilometres and number of trips. */
data class MonthTotals(val km: Double, val trips: Int) {
    companion object {
        fun of(trips: List<TripItem>, month: YearMonth, zone: ZoneId): MonthTotals {
            val inMonth = trips.filter { YearMonth.from(Instant.ofEpochMilli(it.startMs).atZone(zone)) == month }
            return MonthTotals(inMonth.sumOf { it.km }, inMonth.size)
        }

        /**
         * The month's amount as the payroll office will pay it (the core prices the trips with
         * the organisation's rates and the driver's home–workplace distance, as the payroll
         * file does): "Ersättning 178,74 kr, varav 146,50 kr skattefritt". Null before a sync
         * brought the rates; a fuel allowance for a benefit car is named apart.
         */
        fun amountLine(pay: MonthPay?, lang: Lang): String? {
            pay ?: return null
            val sv = lang == Lang.SV
            val amount = Format.kronor(pay.amountOre, lang)
            val free = Format.kronor(pay.taxFreeOre, lang)
            val line = if (sv) "Ersättning $amount, varav $free skattefritt" else "Reimbursement $amount, of which $free tax-free"
            if (pay.fuelAllowanceOre == 0L) return line
            val fuel = Format.kronor(pay.fuelAllowanceOre, lang)
            return line + if (sv) " (därav bilersättning förmånsbil $fuel)" else " (of which benefit-car fuel allowance $fuel)"
        }
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
        /**
         * Why the server refused a change, by its code: in Swedish the server's English reason
         * is not shown (only the field it names is used); in English it is (it names the field and
         * the rule, never a value).
         */
        fun rejectReason(code: String, reason: String, lang: Lang): String = when {
            lang == Lang.EN -> reason
            // "minutes: must be …": the field's own Swedish rule when there is one.
            code == "invalid_record" -> Messages.svRules[reason.substringBefore(':').trim()]
                ?: "uppgifterna följer inte en regel. Rätta posten och försök igen, eller ta bort ändringen."
            code == "forbidden" -> "du får inte ändra posten (den tillhör en annan användare eller ett annat team). Ta bort ändringen."
            code == "unknown_reference" -> "posten hänvisar till något som servern inte känner till eller som inte delas med dig."
            code == "mismatched_id" -> "ändringen är felaktig och kan bara tas bort."
            else -> "servern godtog inte ändringen."
        }

        fun of(s: SyncStatus, nowMs: Long, lang: Lang, damagedRecords: Long = 0): SyncStatusView = SyncStatusView(
            line = Format.waiting(s.waiting, lang),
            lastSync = Format.lastSync(s.lastSyncMs, nowMs, lang),
            // The core's last error is English for the logs; the screen says it in its own words.
            error = when {
                s.revoked -> GateNotice.REENROL.text(lang)
                s.lastError == null -> null
                lang == Lang.SV -> "Senaste synkningen misslyckades. Ändringarna finns kvar på telefonen och skickas vid nästa försök."
                else -> "The last sync failed. Your changes stay on the phone and are sent at the next attempt."
            },
            rejected = s.rejected.map { r ->
                val what = when (r.entity) {
                    "visit" -> if (lang == Lang.SV) "Besök" else "Visit"
                    "trip" -> if (lang == Lang.SV) "Resa" else "Trip"
                    "client" -> if (lang == Lang.SV) "Klient" else "Client"
                    else -> if (lang == Lang.SV) "Ort" else "Place"
                }
                val why = if (lang == Lang.SV) "avvisades" else "was refused"
                "$what $why: ${rejectReason(r.code, r.reason, lang)}"
            },
            stale = SyncPolicy.isStale(s.waiting, s.lastSyncMs, nowMs),
            damaged = Format.damaged(damagedRecords, lang),
        )
    }
}
