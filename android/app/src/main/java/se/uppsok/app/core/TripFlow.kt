// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.QualityGrade
import se.uppsok.core.TripDistance
import se.uppsok.core.TripInput
import se.uppsok.core.TripItem
import se.uppsok.core.TripRecording
import se.uppsok.core.TripSuggestion
import se.uppsok.core.UppsokException
import se.uppsok.core.UppsokStore

/** What the phone lets the app know about where it is. */
enum class LocationGrant {
    /** Precise location: a trip can be measured. */
    PRECISE,
    /** Approximate only (Android 12+ "ungefärlig", iOS "exakt plats" off): kilometres off. */
    APPROXIMATE,
    /** No location; the system may still ask the user again. */
    DENIED,
    /** No location, and the system will not ask again: only the phone's settings can change it. */
    DENIED_FOR_GOOD,
    ;

    companion object {
        /**
         * From a permission answer: [fine] and [coarse] granted, and whether the system would
         * still show its question ([canAskAgain]: Android's shouldShowRequestPermissionRationale
         * after a refusal; iOS: status not determined).
         */
        fun of(fine: Boolean, coarse: Boolean, canAskAgain: Boolean): LocationGrant = when {
            fine -> PRECISE
            coarse -> APPROXIMATE
            canAskAgain -> DENIED
            else -> DENIED_FOR_GOOD
        }
    }
}

/** What the trip screen does after asking for location. */
sealed interface TripDecision {
    /** Record: precise location is there. */
    data object Start : TripDecision
    /** Do not record; say why, and offer to ask again (or the settings when [settings]). */
    data class Explain(val text: String, val settings: Boolean) : TripDecision
}

/** How a finish went. */
sealed interface FinishOutcome {
    data class Saved(val trip: TripItem) : FinishOutcome
    /** The destination is missing or not a place name; nothing changed. */
    data class NeedsPlace(val text: String) : FinishOutcome
    /**
     * Too few GPS positions for a distance: ask for the odometer (both readings unless the
     * start reading was given when the trip started: [startKnown]) or cancel. Still recording.
     */
    data class NeedsOdometer(val text: String, val startKnown: Boolean) : FinishOutcome
    /** Refused for another reason (the message says which field); still recording. */
    data class Failed(val text: String) : FinishOutcome
}

/**
 * A trip recorded by GPS, from the permission question to the saved trip, on both phones
 * (UppsokAppCore `TripFlow` on iOS): precise location or no recording, with a reason; a
 * recording that GPS cannot finish is finished with odometer readings or cancelled, never left
 * to block the next trip; an open app resumes a recording the system had stopped.
 */
object TripFlow {
    /** After the permission question. Approximate and refused location never start a trip. */
    fun decide(grant: LocationGrant, lang: Lang): TripDecision {
        val sv = lang == Lang.SV
        return when (grant) {
            LocationGrant.PRECISE -> TripDecision.Start
            LocationGrant.APPROXIMATE -> TripDecision.Explain(
                if (sv) "Resan spelas inte in: Uppsök har bara ungefärlig plats, som ger fel sträcka. Slå på Exakt plats för Uppsök, eller lägg in resan för hand."
                else "Not recording: Uppsök has only approximate location, which gives the wrong distance. Turn on Precise location for Uppsök, or add the trip by hand.",
                settings = false,
            )
            LocationGrant.DENIED -> TripDecision.Explain(
                if (sv) "Resan spelas inte in: Uppsök behöver platsåtkomst för att mäta sträckan. Tillåt exakt plats, eller lägg in resan för hand."
                else "Not recording: Uppsök needs location to measure the distance. Allow precise location, or add the trip by hand.",
                settings = false,
            )
            LocationGrant.DENIED_FOR_GOOD -> TripDecision.Explain(
                if (sv) "Resan spelas inte in: platsåtkomst är avstängd för Uppsök. Slå på exakt plats i telefonens inställningar, eller lägg in resan för hand."
                else "Not recording: location is turned off for Uppsök. Turn on precise location in the phone's settings, or add the trip by hand.",
                settings = true,
            )
        }
    }

    /**
     * When the app opens with a recording in the store: whether to start location updates again
     * (the process had died), or why not. Null when nothing records or all is well.
     */
    fun onAppOpened(recording: Boolean, serviceRunning: Boolean, grant: LocationGrant, lang: Lang): TripResume? = when {
        !recording || serviceRunning -> null
        grant == LocationGrant.PRECISE -> TripResume.Restart
        else -> TripResume.Paused(
            if (lang == Lang.SV) "En resa spelas in men platsen saknas, så sträckan mäts inte. Tillåt exakt plats, eller avsluta resan med mätarställning eller avbryt den."
            else "A trip is recording but location is missing, so the distance is not measured. Allow precise location, or finish the trip with the odometer, or cancel it.",
        )
    }

    private fun placeProblem(to: String, lang: Lang): String? =
        if (to.isBlank() || to.any { it.isDigit() }) {
            if (lang == Lang.SV) "Ange vart du körde: ort eller by, utan gatuadress." else "Say where you drove to: a town or village, no street address."
        } else null

    private fun needsOdometer(startKnown: Boolean, lang: Lang) = FinishOutcome.NeedsOdometer(
        when {
            lang == Lang.EN -> if (startKnown) "Too few GPS positions for a distance. Give the odometer reading now, or cancel the trip." else "Too few GPS positions for a distance. Give the odometer readings at the start and now, or cancel the trip."
            startKnown -> "För få GPS-positioner för en sträcka. Ange mätarställningen nu, eller avbryt resan."
            else -> "För få GPS-positioner för en sträcka. Ange mätarställningen vid start och nu, eller avbryt resan."
        },
        startKnown,
    )

    /** Finish by GPS, with the destination [to]. Blocks (call it off the main thread). */
    fun finish(recording: TripRecording, to: String, lang: Lang): FinishOutcome {
        placeProblem(to, lang)?.let { return FinishOutcome.NeedsPlace(it) }
        return try {
            FinishOutcome.Saved(recording.finish(to.trim(), null, null))
        } catch (e: UppsokException.Invalid) {
            if (e.field == "km" || e.field == "gps") needsOdometer(recording.started().odometerStart != null, lang)
            else FinishOutcome.Failed(Messages.of(e, lang))
        }
    }

    /**
     * Finish with odometer readings: [startReading] is used only when the trip started without
     * one. The core's finish takes the end reading when the start one was given at the start;
     * otherwise the trip is saved as entered after the fact (same start time, places, errand and
     * car, both readings) and the recording is cancelled, in that order, so a refusal changes
     * nothing.
     */
    fun finishWithOdometer(store: UppsokStore, recording: TripRecording, to: String, startReading: Int?, endReading: Int, lang: Lang, nowMs: Long): FinishOutcome {
        placeProblem(to, lang)?.let { return FinishOutcome.NeedsPlace(it) }
        return try {
            val started = recording.started()
            if (started.odometerStart != null) {
                FinishOutcome.Saved(recording.finish(to.trim(), null, endReading))
            } else {
                val a = startReading ?: return needsOdometer(false, lang)
                val trip = store.logTrip(
                    TripInput(
                        id = null, serviceCar = started.serviceCar, startMs = recording.progress().startedMs, endMs = nowMs,
                        fromPlace = started.fromPlace, toPlace = to.trim(), fromAddress = null, toAddress = null,
                        purpose = started.purpose, visited = started.visited, visitIds = started.visitIds,
                        distance = TripDistance.Odometer(a, endReading), fromHome = started.fromHome,
                    ),
                )
                recording.cancel()
                FinishOutcome.Saved(trip)
            }
        } catch (e: UppsokException) {
            FinishOutcome.Failed(Messages.of(e, lang))
        }
    }
}

/** What an opened app does about a recording found in the store. */
sealed interface TripResume {
    /** Start the location updates again (Android: the foreground service, from the open app). */
    data object Restart : TripResume
    /** Location is missing: show [text] with the finish and cancel buttons. */
    data class Paused(val text: String) : TripResume
}

/** How confirming a suggested distance went. */
sealed interface ConfirmOutcome {
    data class Confirmed(val trip: TripItem) : ConfirmOutcome
    data class Failed(val text: String) : ConfirmOutcome
}

/**
 * Suggested distances on both phones (UppsokAppCore `SuggestedKm` on iOS): the phone suggests
 * km for two places, and a suggestion must be confirmed by the driver before the month can be
 * approved for payment; a wrong one is replaced by typing the km.
 */
object SuggestedKm {
    /**
     * What the form shows beside the suggestion: "Förslag: 25,3 km (mittvärdet av 4 tidigare
     * resor)" or "Förslag: 25,3 km (fågelvägen 22,0 km + 15 % för vägen)".
     */
    fun label(s: TripSuggestion, lang: Lang): String {
        val sv = lang == Lang.SV
        val km = Format.km(s.km, lang)
        val straight = s.straightKm
        val why = when {
            s.earlierTrips > 1 -> if (sv) "mittvärdet av ${s.earlierTrips} tidigare resor" else "the median of ${s.earlierTrips} earlier trips"
            s.earlierTrips == 1 -> if (sv) "som en tidigare resa" else "as one earlier trip"
            straight != null -> if (sv) "fågelvägen ${Format.km(straight, lang)} + 15 % för vägen" else "straight line ${Format.km(straight, lang)} + 15 % for the road"
            else -> if (sv) "uppskattad" else "estimated"
        }
        return if (sv) "Förslag: $km ($why)" else "Suggestion: $km ($why)"
    }

    /** The trips whose suggested km the driver has not confirmed, oldest first. */
    fun awaiting(trips: List<TripItem>): List<TripItem> = trips.filter { it.awaitsConfirmation }.sortedBy { it.startMs }

    /** The reminder above the trip list, or null when nothing waits. */
    fun banner(trips: List<TripItem>, lang: Lang): String? {
        val n = awaiting(trips).size
        if (n == 0) return null
        return if (lang == Lang.SV) {
            val resor = if (n == 1) "1 resa har en föreslagen sträcka" else "$n resor har en föreslagen sträcka"
            "$resor som du inte har bekräftat. Månaden kan inte attesteras förrän du bekräftar eller skriver in rätt km."
        } else {
            val trips = if (n == 1) "1 trip has a suggested distance" else "$n trips have a suggested distance"
            "$trips you have not confirmed. The month cannot be approved until you confirm it or type the right km."
        }
    }

    /**
     * The marks a trip row carries: from home, a suggestion and whether it is confirmed, and a GPS
     * distance the recorder could not vouch for (the supervisor's mileage page lists it too).
     */
    fun marks(trip: TripItem, lang: Lang): List<String> {
        val sv = lang == Lang.SV
        val out = mutableListOf<String>()
        if (trip.fromHome) out += if (sv) "från bostaden" else "from home"
        if (trip.awaitsConfirmation) out += if (sv) "föreslagen sträcka – bekräfta" else "suggested distance – confirm"
        else if (trip.distanceConfirmed) out += if (sv) "föreslagen sträcka, bekräftad" else "suggested distance, confirmed"
        when (trip.gpsDoubt) {
            QualityGrade.POOR -> out += if (sv) "GPS osäker – jämför med mätaren" else "GPS uncertain – compare with the odometer"
            QualityGrade.FAIR -> out += if (sv) "GPS kan vara några procent fel" else "GPS may be a few per cent off"
            else -> {}
        }
        return out
    }

    /** The driver confirms [trip]'s suggested km. Blocks (call it off the main thread). */
    fun confirm(store: UppsokStore, trip: TripItem, lang: Lang): ConfirmOutcome = try {
        ConfirmOutcome.Confirmed(store.confirmTrip(trip.id))
    } catch (e: UppsokException) {
        ConfirmOutcome.Failed(Messages.of(e, lang))
    }
}
