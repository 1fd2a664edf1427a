// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.DistanceSource
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.time.temporal.ChronoUnit
import kotlin.math.abs
import kotlin.math.roundToLong

/** The app's two languages; Swedish first. */
enum class Lang {
    SV, EN;

    companion object {
        /** Swedish unless the phone asks for English (the team works in Swedish). */
        fun of(languageTag: String): Lang = if (languageTag.lowercase().startsWith("en")) EN else SV
    }
}

/**
 * How numbers, times and "how long ago" are written on the screens. Swedish uses a decimal comma
 * and a non-breaking space before units; English a decimal point.
 */
object Format {
    private const val NBSP = "\u00A0"

    /** "i dag", "i går", "för 3 dagar sedan", "aldrig" (days since the last contact). */
    fun daysAgo(days: Long?, lang: Lang): String = when {
        days == null -> if (lang == Lang.SV) "aldrig" else "never"
        days <= 0L -> if (lang == Lang.SV) "i dag" else "today"
        days == 1L -> if (lang == Lang.SV) "i går" else "yesterday"
        else -> if (lang == Lang.SV) "för $days dagar sedan" else "$days days ago"
    }

    /** "för 5 minuter sedan", "för 2 timmar sedan", or the days form. */
    fun ago(thenMs: Long?, nowMs: Long, lang: Lang, zone: ZoneId = ZoneId.systemDefault()): String {
        if (thenMs == null) return daysAgo(null, lang)
        val minutes = (nowMs - thenMs).coerceAtLeast(0L) / 60_000L
        return when {
            minutes < 1L -> if (lang == Lang.SV) "nyss" else "just now"
            minutes == 1L -> if (lang == Lang.SV) "för 1 minut sedan" else "1 minute ago"
            minutes < 60L -> if (lang == Lang.SV) "för $minutes minuter sedan" else "$minutes minutes ago"
            minutes < 120L -> if (lang == Lang.SV) "för 1 timme sedan" else "1 hour ago"
            minutes < 24 * 60L -> {
                val h = minutes / 60L
                if (lang == Lang.SV) "för $h timmar sedan" else "$h hours ago"
            }
            else -> daysAgo(daysBetween(thenMs, nowMs, zone), lang)
        }
    }

    /** Whole calendar days from [thenMs] to [nowMs] in [zone]. */
    fun daysBetween(thenMs: Long, nowMs: Long, zone: ZoneId): Long {
        val a = Instant.ofEpochMilli(thenMs).atZone(zone).toLocalDate()
        val b = Instant.ofEpochMilli(nowMs).atZone(zone).toLocalDate()
        return ChronoUnit.DAYS.between(a, b)
    }

    /** "25,3 km" / "25.3 km": one decimal under 100 km, none above. */
    fun km(km: Double, lang: Lang): String {
        val text = if (abs(km) < 100.0) {
            val tenths = (km * 10.0).roundToLong()
            "${tenths / 10}${if (lang == Lang.SV) "," else "."}${abs(tenths % 10)}"
        } else {
            km.roundToLong().toString()
        }
        return "$text${NBSP}km"
    }

    /** "45 min", "1 tim 30 min" / "1 h 30 min". */
    fun minutes(minutes: Int, lang: Lang): String {
        val h = minutes / 60
        val m = minutes % 60
        val hour = if (lang == Lang.SV) "tim" else "h"
        return when {
            h == 0 -> "$m${NBSP}min"
            m == 0 -> "$h$NBSP$hour"
            else -> "$h$NBSP$hour $m${NBSP}min"
        }
    }

    /** "09:30" in the phone's zone. */
    fun clock(ms: Long, zone: ZoneId = ZoneId.systemDefault()): String =
        DateTimeFormatter.ofPattern("HH:mm").format(Instant.ofEpochMilli(ms).atZone(zone))

    /** "Inga ändringar väntar", "1 ändring väntar", "3 ändringar väntar". */
    fun waiting(n: Long, lang: Lang): String = when (lang) {
        Lang.SV -> when (n) {
            0L -> "Inga ändringar väntar"
            1L -> "1 ändring väntar"
            else -> "$n ändringar väntar"
        }
        Lang.EN -> when (n) {
            0L -> "No changes waiting"
            1L -> "1 change waiting"
            else -> "$n changes waiting"
        }
    }

    /** "1 post kunde inte läsas", "3 poster kunde inte läsas"; null when there are none. */
    fun damaged(n: Long, lang: Lang): String? = when {
        n <= 0L -> null
        lang == Lang.SV -> if (n == 1L) "1 post kunde inte läsas" else "$n poster kunde inte läsas"
        else -> if (n == 1L) "1 record could not be read" else "$n records could not be read"
    }

    /** "Senast synkad för 5 minuter sedan" / "Never synced". */
    fun lastSync(lastMs: Long?, nowMs: Long, lang: Lang, zone: ZoneId = ZoneId.systemDefault()): String =
        when {
            lastMs == null -> if (lang == Lang.SV) "Aldrig synkad" else "Never synced"
            lang == Lang.SV -> "Senast synkad ${ago(lastMs, nowMs, lang, zone)}"
            else -> "Last synced ${ago(lastMs, nowMs, lang, zone)}"
        }

    /** A `YYYY-MM-DD` date as "22 nov." / "22 Nov", or null if it does not parse. */
    fun shortDate(isoDate: String?, lang: Lang): String? {
        val d = isoDate?.let { runCatching { LocalDate.parse(it) }.getOrNull() } ?: return null
        val sv = arrayOf("jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "dec.")
        val en = arrayOf("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
        val month = (if (lang == Lang.SV) sv else en)[d.monthValue - 1]
        return "${d.dayOfMonth} $month"
    }

    /** Parses a typed time, "9:30", "09.30" or "930", to (hour, minute); null if it is not one. */
    fun parseClock(text: String): Pair<Int, Int>? {
        val t = text.trim()
        val m = Regex("""^(\d{1,2})[:.]?(\d{2})$""").matchEntire(t) ?: return null
        val h = m.groupValues[1].toInt()
        val min = m.groupValues[2].toInt()
        return if (h in 0..23 && min in 0..59) h to min else null
    }

    /** "1 234,50 kr" / "1,234.50 kr": whole öre, as the payroll file prints them. */
    fun kronor(ore: Long, lang: Lang): String {
        val sign = if (ore < 0) "-" else ""
        val abs = abs(ore)
        val whole = (abs / 100).toString().reversed().chunked(3).joinToString(if (lang == Lang.SV) NBSP else ",").reversed()
        val cents = (abs % 100).toString().padStart(2, '0')
        return "$sign$whole${if (lang == Lang.SV) "," else "."}$cents${NBSP}kr"
    }

    /** How a trip's distance is known, as the trip list and the edit form name it. */
    fun distanceSource(source: DistanceSource, lang: Lang): String {
        val sv = lang == Lang.SV
        return when (source) {
            DistanceSource.GPS -> "GPS"
            DistanceSource.ODOMETER -> if (sv) "mätarställning" else "odometer"
            DistanceSource.MANUAL -> if (sv) "inskrivet" else "typed"
            DistanceSource.SUGGESTED -> if (sv) "förslag" else "suggested"
        }
    }

    /** "25,3" / "25.3" for a form's km field: one decimal, no unit, no grouping. */
    fun kmField(km: Double, lang: Lang): String {
        val tenths = (km * 10.0).roundToLong()
        return "${tenths / 10}${if (lang == Lang.SV) "," else "."}${abs(tenths % 10)}"
    }

    /** Parses "25,3" or "25.3" (what people type on either keyboard); null if not a number. */
    fun parseDecimal(text: String): Double? =
        text.trim().replace('\u00A0', ' ').replace(" ", "").replace(',', '.').toDoubleOrNull()
}
