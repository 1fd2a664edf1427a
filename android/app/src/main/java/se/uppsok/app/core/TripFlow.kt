// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.TripDistance
import se.uppsok.core.TripInput
import se.uppsok.core.TripItem
import se.uppsok.core.TripRecording
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
                        distance = TripDistance.Odometer(a, endReading),
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
