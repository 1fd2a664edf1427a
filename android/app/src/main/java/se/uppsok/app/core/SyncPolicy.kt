// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.UppsokException
import kotlin.math.min

/** What the background sync should do after an attempt. */
enum class SyncAction {
    /** Done; the next periodic sync comes as usual. */
    DONE,
    /** A passing failure (no network, server busy): try again with backoff. */
    RETRY,
    /** The phone was signed out: stop syncing and send the user to enrolment. */
    REENROL,
    /** The data was wiped (by the server's order or the user): back to the start screen. */
    WIPED,
    /** The app is too old for the server: stop and ask for an update. */
    UPDATE_APP,
    /** The store is locked or damaged: stop until the user opens the app. */
    NEEDS_USER,
}

/**
 * When the phone syncs: WorkManager (Android) and BGTaskScheduler (iOS) schedule by these
 * numbers, and the tests pin them down. Phones are offline for hours; a sync must never drain
 * the battery retrying in a dead zone, and a change should leave soon after the network returns.
 */
object SyncPolicy {
    /** Periodic background sync (WorkManager's floor is 15 min). */
    const val PERIODIC_MINUTES = 30L
    /** After a save, wait this long so a burst of edits goes in one request. */
    const val AFTER_SAVE_DELAY_MS = 10_000L
    /** First retry after a failure; doubled per attempt up to [MAX_BACKOFF_MS]. */
    const val BASE_BACKOFF_MS = 30_000L
    const val MAX_BACKOFF_MS = 60 * 60_000L

    /**
     * The delay before retry number [attempt] (0-based): 30 s, 1 min, 2 min … capped at 1 h, with
     * up to ±20 % jitter ([jitter] in -1..1) so a team's phones do not all call at once.
     */
    fun backoffMs(attempt: Int, jitter: Double = 0.0): Long {
        val exp = min(attempt.coerceAtLeast(0), 20)
        val base = min(BASE_BACKOFF_MS shl min(exp, 16), MAX_BACKOFF_MS)
        val j = jitter.coerceIn(-1.0, 1.0) * 0.2
        return (base * (1.0 + j)).toLong().coerceIn(1_000L, MAX_BACKOFF_MS + MAX_BACKOFF_MS / 5)
    }

    fun classify(error: Throwable?): SyncAction = when (error) {
        null -> SyncAction.DONE
        is UppsokException.Network -> SyncAction.RETRY
        is UppsokException.Storage -> SyncAction.RETRY
        is UppsokException.Revoked, is UppsokException.NotEnrolled -> SyncAction.REENROL
        is UppsokException.Wiped -> SyncAction.WIPED
        is UppsokException.Outdated -> SyncAction.UPDATE_APP
        is UppsokException.WrongKey, is UppsokException.KeyProvider, is UppsokException.Tampered,
        is UppsokException.NoStore -> SyncAction.NEEDS_USER
        else -> SyncAction.RETRY
    }

    /** Whether a save should also schedule a prompt one-off sync (it does when enrolled). */
    fun syncAfterSave(enrolled: Boolean, waiting: Long): Boolean = enrolled && waiting > 0

    /**
     * Whether the status line should warn: changes have waited longer than a working day
     * (the user may be out of coverage and should know nothing has reached the team).
     */
    fun isStale(waiting: Long, lastSyncMs: Long?, nowMs: Long): Boolean =
        waiting > 0 && (lastSyncMs == null || nowMs - lastSyncMs > 8 * 3_600_000L)
}
