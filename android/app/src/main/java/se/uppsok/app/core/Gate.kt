// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

/** Which part of the app shows: set-up, the lock, or the main screens. */
enum class Gate { LOADING, ENROL, LOCKED, OPEN }

/** Why the gate shows what it shows, beyond the plain screen (a line of text on it). */
enum class GateNotice {
    /** The phone has no screen lock: the app lock cannot ask, so the data stays closed. */
    NO_SCREEN_LOCK,
    /** An administrator signed the phone out; enrol again with a new code (changes stay). */
    REENROL,
    /** The last enrolment did not go through; the store is kept and it can be tried again. */
    ENROL_FAILED,
    ;

    fun text(lang: Lang): String = when (this) {
        NO_SCREEN_LOCK ->
            if (lang == Lang.SV) "Telefonen har inget skärmlås. Ställ in en PIN-kod, ett lösenord eller ett fingeravtryck i telefonens inställningar; Uppsök öppnas bara bakom skärmlåset."
            else "This phone has no screen lock. Set a PIN, password or fingerprint in the phone's settings; Uppsök opens only behind the screen lock."
        REENROL ->
            if (lang == Lang.SV) "Telefonen har loggats ut av en administratör. Be om en ny kod och registrera telefonen igen; ändringar som väntar finns kvar."
            else "An administrator signed this phone out. Ask for a new code and enrol the phone again; changes waiting stay on the phone."
        ENROL_FAILED ->
            if (lang == Lang.SV) "Registreringen gick inte igenom. Kontrollera adressen och koden och försök igen."
            else "Enrolment did not go through. Check the address and the code and try again."
    }
}

/** Everything that moves the gate; the platforms translate their callbacks into these. */
sealed interface GateEvent {
    /** The process started: is there a store on disk? */
    data class Launched(val storeExists: Boolean) : GateEvent
    data class Background(val nowMs: Long) : GateEvent
    data class Foreground(val nowMs: Long) : GateEvent
    /** The user asked to lock now. */
    data object LockNow : GateEvent
    /** The platform lock passed and the store opened: is it enrolled, was it signed out? */
    data class Unlocked(val enrolled: Boolean, val revoked: Boolean) : GateEvent
    /** The platform lock cannot ask: no PIN, pattern, password or biometrics are set. */
    data object NoScreenLock : GateEvent
    data object Enrolled : GateEvent
    /** Enrolment failed; [storeExists] says whether the store was created before it failed. */
    data class EnrolFailed(val storeExists: Boolean) : GateEvent
    /** A sync said the phone was signed out (or never enrolled). */
    data object Revoked : GateEvent
    /** The store was wiped (by the user or the server's order). */
    data object Wiped : GateEvent
}

/**
 * The gate as a value: which screen, whether a store exists, and since when the app is in the
 * background (for the lock's timeout). Reduced by [AppGate.reduce]; both apps run the same rules
 * (UppsokAppCore `AppGate` on iOS).
 */
data class GateState(
    val gate: Gate = Gate.LOADING,
    val storeExists: Boolean = false,
    val backgroundSinceMs: Long? = null,
    val notice: GateNotice? = null,
)

/**
 * The rules: enrolment beats the lock (a phone with nothing on it has nothing to lock, so a
 * foreground event never turns enrolment into the lock screen); a store that exists is locked at
 * launch and after [timeoutMs] in the background; a store that opens but is not enrolled (a
 * failed enrolment, an app killed during one) goes back to enrolment, as does a signed-out phone,
 * keeping the store and its waiting changes; a wipe starts over.
 */
class AppGate(private val timeoutMs: Long = LOCK_AFTER_MS) {
    companion object {
        const val LOCK_AFTER_MS = 5 * 60_000L
    }

    fun reduce(s: GateState, e: GateEvent): GateState = when (e) {
        is GateEvent.Launched ->
            GateState(gate = if (e.storeExists) Gate.LOCKED else Gate.ENROL, storeExists = e.storeExists)
        is GateEvent.Background ->
            if (s.gate == Gate.OPEN) s.copy(backgroundSinceMs = s.backgroundSinceMs ?: e.nowMs) else s
        is GateEvent.Foreground -> {
            val since = s.backgroundSinceMs
            val expired = s.gate == Gate.OPEN && since != null && e.nowMs - since >= timeoutMs
            s.copy(gate = if (expired) Gate.LOCKED else s.gate, backgroundSinceMs = null)
        }
        GateEvent.LockNow -> if (s.gate == Gate.OPEN) s.copy(gate = Gate.LOCKED, backgroundSinceMs = null) else s
        is GateEvent.Unlocked -> when {
            s.gate != Gate.LOCKED -> s
            e.revoked -> s.copy(gate = Gate.ENROL, notice = GateNotice.REENROL)
            !e.enrolled -> s.copy(gate = Gate.ENROL, notice = null)
            else -> s.copy(gate = Gate.OPEN, notice = null)
        }
        GateEvent.NoScreenLock -> if (s.gate == Gate.LOCKED) s.copy(notice = GateNotice.NO_SCREEN_LOCK) else s
        GateEvent.Enrolled -> GateState(gate = Gate.OPEN, storeExists = true)
        is GateEvent.EnrolFailed -> s.copy(gate = Gate.ENROL, storeExists = e.storeExists, notice = GateNotice.ENROL_FAILED)
        // While locked, the lock stays: the notice waits for the unlock, which sees the store
        // signed out too (Unlocked.revoked) and then shows enrolment.
        GateEvent.Revoked ->
            if (s.gate == Gate.LOCKED) s.copy(notice = GateNotice.REENROL)
            else s.copy(gate = Gate.ENROL, notice = GateNotice.REENROL, backgroundSinceMs = null)
        GateEvent.Wiped -> GateState(gate = Gate.ENROL, storeExists = false)
    }
}
