// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.ClientItem
import se.uppsok.core.Phase
import java.time.Instant
import java.time.LocalDate
import java.time.LocalTime
import java.time.ZoneId

/** When a reminder of a planned contact shows. */
enum class ReminderKind { EVENING_BEFORE, MORNING_OF }

/**
 * One local notification. [key] names it to the platform (WorkManager's unique work name,
 * UNNotificationRequest's identifier) so it can be replaced or cancelled; the texts carry no
 * client name or code: they show on the lock screen.
 */
data class Reminder(val key: String, val clientId: String, val date: LocalDate, val kind: ReminderKind, val atMs: Long, val title: String, val text: String)

/** What to change in what the platform has scheduled. */
data class ReminderChanges(val schedule: List<Reminder>, val cancel: Set<String>)

/**
 * Reminders of planned contacts (a client's next planned contact), scheduled on the phone with
 * no network: one the evening before at 18:00 and one on the morning at 07:30, in the phone's
 * zone; none once the time has passed. A contact that reached the client on the day before the
 * planned day or later (the client's last contact, which the core keeps) means the plan was
 * met, and its reminders go. Both apps recompute the plan after every refresh and hand the
 * difference to the platform (UppsokAppCore `Reminders` on iOS).
 */
object Reminders {
    val EVENING: LocalTime = LocalTime.of(18, 0)
    val MORNING: LocalTime = LocalTime.of(7, 30)

    fun key(clientId: String, date: LocalDate, kind: ReminderKind): String =
        "uppsok-reminder/$clientId/$date/${if (kind == ReminderKind.EVENING_BEFORE) "e" else "m"}"

    /** Whether [key] is one of ours (the platform lists other work too). */
    fun isReminderKey(key: String): Boolean = key.startsWith("uppsok-reminder/")

    fun plan(clients: List<ClientItem>, nowMs: Long, zone: ZoneId, lang: Lang): List<Reminder> {
        val out = mutableListOf<Reminder>()
        for (c in clients) {
            if (c.phase == Phase.CLOSED) continue
            val date = c.nextContact?.let { runCatching { LocalDate.parse(it) }.getOrNull() } ?: continue
            val lastContact = c.lastContactMs?.let { Instant.ofEpochMilli(it).atZone(zone).toLocalDate() }
            if (lastContact != null && !lastContact.isBefore(date.minusDays(1))) continue
            val evening = date.minusDays(1).atTime(EVENING).atZone(zone).toInstant().toEpochMilli()
            val morning = date.atTime(MORNING).atZone(zone).toInstant().toEpochMilli()
            if (evening > nowMs) out += reminder(c.id, date, ReminderKind.EVENING_BEFORE, evening, lang)
            if (morning > nowMs) out += reminder(c.id, date, ReminderKind.MORNING_OF, morning, lang)
        }
        return out.sortedBy { it.atMs }
    }

    private fun reminder(clientId: String, date: LocalDate, kind: ReminderKind, atMs: Long, lang: Lang): Reminder {
        val sv = lang == Lang.SV
        val title = when (kind) {
            ReminderKind.EVENING_BEFORE -> if (sv) "Planerad kontakt i morgon" else "Planned contact tomorrow"
            ReminderKind.MORNING_OF -> if (sv) "Planerad kontakt i dag" else "Planned contact today"
        }
        val text = if (sv) "Öppna Uppsök för att se vem." else "Open Uppsök to see who."
        return Reminder(key(clientId, date, kind), clientId, date, kind, atMs, title, text)
    }

    /**
     * What to schedule and cancel, given the [desired] plan and the keys the platform has
     * [scheduled]: every desired reminder is (re)scheduled, so a moved time or new wording
     * replaces the old one; every scheduled key not desired any more is cancelled.
     */
    fun changes(desired: List<Reminder>, scheduled: Set<String>): ReminderChanges {
        val keys = desired.map { it.key }.toSet()
        return ReminderChanges(desired, scheduled.filter { isReminderKey(it) && it !in keys }.toSet())
    }
}
