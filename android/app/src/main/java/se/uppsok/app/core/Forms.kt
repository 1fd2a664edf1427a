// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.ClientItem
import se.uppsok.core.ContactKind
import se.uppsok.core.TripDistance
import se.uppsok.core.TripInput
import se.uppsok.core.TripItem
import se.uppsok.core.VisitInput
import se.uppsok.core.VisitItem
import se.uppsok.core.Setting
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId

/** One problem on a form, shown under its field. */
data class FieldProblem(val field: String, val text: String)

/**
 * The "log a visit" form: a few taps from the recent clients, with quick choices. Checks here are
 * the instant feedback; the core checks the same rules again (and is the one that counts).
 */
data class VisitForm(
    val client: ClientItem? = null,
    val contact: ContactKind = ContactKind.FACE_TO_FACE,
    val setting: Setting? = Setting.HOME,
    val minutes: Int = 30,
    val place: String? = null,
    val staff: List<String> = emptyList(),
    val network: Boolean = false,
    /** False: a network-only contact ("Klienten var inte med (nätverkskontakt)"). */
    val clientPresent: Boolean = true,
    /** A group contact ("Gruppkontakt"). */
    val group: Boolean = false,
    val note: String = "",
    val startMs: Long = System.currentTimeMillis(),
    /** The visit being edited; null for a new one. */
    val id: String? = null,
) {
    companion object {
        /** The form for editing [visit] (of [client]): every field as logged, the same id. */
        fun edit(visit: VisitItem, client: ClientItem?): VisitForm = VisitForm(
            client = client, contact = visit.contact, setting = visit.setting, minutes = visit.minutes,
            place = visit.place, staff = visit.staff.filter { it != visit.author }, network = visit.network,
            clientPresent = visit.clientPresent, group = visit.group,
            note = visit.note ?: "", startMs = visit.startMs, id = visit.id,
        )

        /** The minute choices offered as chips. */
        val MINUTE_CHOICES = listOf(15, 30, 45, 60, 90, 120)
        const val NOTE_MAX = 4000
        /** A clock a few minutes ahead must not refuse "now". */
        const val FUTURE_SLACK_MS = 5 * 60_000L
    }

    /**
     * Choosing a contact kind fixes up the setting: phone, video and message have none. An
     * attempt is an attempt to reach the client, so it is never a network-only contact.
     */
    fun withContact(c: ContactKind): VisitForm = copy(
        contact = c,
        setting = when (c) {
            ContactKind.FACE_TO_FACE -> setting ?: Setting.HOME
            ContactKind.ATTEMPTED -> setting
            else -> null
        },
        clientPresent = clientPresent || c == ContactKind.ATTEMPTED,
    )

    /**
     * "Klienten var inte med (nätverkskontakt)": a contact with the network alone, so the
     * network took part; an attempt becomes a phone call (the kind most network contacts are).
     */
    fun withClientPresent(present: Boolean): VisitForm = when {
        present -> copy(clientPresent = true)
        contact == ContactKind.ATTEMPTED -> withContact(ContactKind.PHONE).copy(clientPresent = false, network = true)
        else -> copy(clientPresent = false, network = true)
    }

    /** The contact kinds the form offers: no attempt for a network-only contact. */
    fun contactChoices(): List<ContactKind> =
        ContactKind.entries.filter { clientPresent || it != ContactKind.ATTEMPTED }

    /**
     * The visit began at [hour]:[minute] on the day it is set for (today unless changed), in
     * [zone]: a visit logged at lunch for the morning carries the morning's time.
     */
    fun atTime(hour: Int, minute: Int, zone: ZoneId): VisitForm {
        val day = Instant.ofEpochMilli(startMs).atZone(zone).toLocalDate()
        return copy(startMs = day.atTime(hour, minute).atZone(zone).toInstant().toEpochMilli())
    }

    /** The visit was on [date] (at the time already chosen). */
    fun onDate(date: LocalDate, zone: ZoneId): VisitForm {
        val time = Instant.ofEpochMilli(startMs).atZone(zone).toLocalTime()
        return copy(startMs = date.atTime(time).atZone(zone).toInstant().toEpochMilli())
    }

    /** A colleague from the team list ticked or unticked as present. */
    fun withStaff(username: String, present: Boolean): VisitForm =
        copy(staff = if (present) (staff + username).distinct() else staff - username)

    fun problems(lang: Lang, nowMs: Long = System.currentTimeMillis()): List<FieldProblem> {
        val out = mutableListOf<FieldProblem>()
        fun add(field: String) = out.add(FieldProblem(field, Messages.invalid(field, "", lang)))
        if (startMs > nowMs + FUTURE_SLACK_MS) {
            out.add(FieldProblem("start", if (lang == Lang.SV) "Besöket kan inte ha börjat senare än nu." else "The visit cannot start later than now."))
        }
        if (client == null) {
            out.add(FieldProblem("client", if (lang == Lang.SV) "Välj klient." else "Choose a client."))
        }
        if (minutes !in 1..1440) add("minutes")
        if (contact == ContactKind.FACE_TO_FACE && setting == null) add("setting")
        if (contact in setOf(ContactKind.PHONE, ContactKind.VIDEO, ContactKind.MESSAGE) && setting != null) add("setting")
        if (place != null && place.any { it.isDigit() }) add("place")
        if (note.length > NOTE_MAX) add("note")
        if (staff.size > 9) add("staff")
        if (!clientPresent && contact == ContactKind.ATTEMPTED) add("client_present")
        if (!clientPresent && !network) add("network")
        return out
    }

    fun toInput(): VisitInput {
        val c = requireNotNull(client) { "choose a client first" }
        return VisitInput(
            id = id, clientId = c.id, staff = staff, startMs = startMs, minutes = minutes,
            contact = contact, setting = setting, network = network, clientPresent = clientPresent, group = group,
            place = place?.trim()?.ifEmpty { null }, note = note.trim().ifEmpty { null },
        )
    }
}

/**
 * How the trip form takes its distance: typed, odometer readings, the phone's suggestion, or
 * (editing a saved trip) the distance as it was saved — measured by GPS, read or typed.
 */
enum class TripEntry { MANUAL, ODOMETER, SUGGESTED, AS_SAVED }

/**
 * The form for a trip logged by hand: typed km, two odometer readings, or the suggested km
 * ([suggestionConfirmed]: the driver has checked the suggestion against the road). [fromHome]:
 * the trip starts at home, so the home–workplace part is not paid. [edit] fills it from a saved
 * trip: its id, times and links to contacts are kept, and its distance stays as saved
 * ([TripEntry.AS_SAVED]: a GPS trip keeps what it measured) until the driver picks another way.
 */
data class TripForm(
    val id: String? = null,
    val entry: TripEntry = TripEntry.MANUAL,
    val kmText: String = "",
    val odometerStartText: String = "",
    val odometerEndText: String = "",
    val fromPlace: String = "",
    val toPlace: String = "",
    val purpose: String = "Hembesök",
    val visited: String? = null,
    val serviceCar: String? = null,
    val startMs: Long = System.currentTimeMillis(),
    val endMs: Long? = null,
    val fromHome: Boolean = false,
    val suggestionConfirmed: Boolean = false,
    val visitIds: List<String> = emptyList(),
    /** The saved distance, shown while [entry] keeps it: "12,3 km (GPS)". */
    val savedDistance: String? = null,
) {
    companion object {
        /** Editing [trip]: every field as saved, the distance kept until another is chosen. */
        fun edit(trip: TripItem, lang: Lang): TripForm = TripForm(
            id = trip.id,
            entry = TripEntry.AS_SAVED,
            kmText = Format.kmField(trip.km, lang),
            odometerStartText = trip.odometerStart?.toString() ?: "",
            odometerEndText = trip.odometerEnd?.toString() ?: "",
            fromPlace = trip.fromPlace,
            toPlace = trip.toPlace,
            purpose = trip.purpose,
            visited = trip.visited,
            serviceCar = trip.serviceCar,
            startMs = trip.startMs,
            endMs = trip.endMs,
            fromHome = trip.fromHome,
            suggestionConfirmed = trip.distanceConfirmed,
            visitIds = trip.visitIds,
            savedDistance = "${Format.km(trip.km, lang)} (${Format.distanceSource(trip.source, lang)})",
        )
    }

    /** The form as saved at [nowMs]: a new trip starts then, an edited one keeps its times. */
    fun forSave(nowMs: Long): TripForm = if (id == null) copy(startMs = nowMs) else this

    private fun reading(t: String): Int? = t.filter { it.isDigit() }.takeIf { it.isNotEmpty() && it.length <= 9 }?.toInt()

    /** The distance the form would save, or null while it is incomplete. */
    fun distance(): TripDistance? = when (entry) {
        TripEntry.MANUAL -> Format.parseDecimal(kmText)?.takeIf { it in 0.0..2000.0 }?.let { TripDistance.Manual(it) }
        TripEntry.ODOMETER -> {
            val a = reading(odometerStartText)
            val b = reading(odometerEndText)
            if (a != null && b != null && b >= a) TripDistance.Odometer(a, b) else null
        }
        TripEntry.SUGGESTED -> TripDistance.Suggested(suggestionConfirmed)
        TripEntry.AS_SAVED -> if (id != null) TripDistance.AsSaved else null
    }

    fun problems(lang: Lang): List<FieldProblem> {
        val out = mutableListOf<FieldProblem>()
        fun add(field: String) = out.add(FieldProblem(field, Messages.invalid(field, "", lang)))
        if (fromPlace.isBlank() || fromPlace.any { it.isDigit() }) add("place")
        if (toPlace.isBlank() || toPlace.any { it.isDigit() }) if (out.none { it.field == "place" }) add("place")
        if (purpose.isBlank()) add("purpose")
        when (entry) {
            TripEntry.MANUAL -> if (distance() == null) add("km")
            TripEntry.ODOMETER -> if (distance() == null) add("odometer_end")
            // The core works the suggestion out on saving and says so when it has none.
            TripEntry.SUGGESTED -> Unit
            TripEntry.AS_SAVED -> if (distance() == null) add("distance")
        }
        return out
    }

    fun toInput(): TripInput = TripInput(
        id = id, serviceCar = serviceCar?.trim()?.ifEmpty { null }, startMs = startMs, endMs = endMs,
        fromPlace = fromPlace.trim(), toPlace = toPlace.trim(), fromAddress = null, toAddress = null,
        purpose = purpose.trim(), visited = visited?.trim()?.ifEmpty { null }, visitIds = visitIds,
        distance = requireNotNull(distance()) { "the distance is incomplete" },
        fromHome = fromHome,
    )
}
