// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.SyncStatus
import java.net.URI
import java.time.Instant

/**
 * The diagnostics export IT support asks for: versions, enrolment, the sync's state and the
 * refused changes by kind and code, the records that could not be read. Never personal data:
 * no client, code, name, note, place, user name or record id, and the server by host only. The
 * same text on iOS (UppsokAppCore `Diagnostics`).
 */
object Diagnostics {
    fun text(status: SyncStatus, coreVersion: String, app: String, damagedRecords: Long, nowMs: Long): String {
        fun time(ms: Long?) = ms?.let { Instant.ofEpochMilli(it).toString() } ?: "-"
        val host = status.serverUrl?.let { runCatching { URI(it).host }.getOrNull() } ?: "-"
        val refused = status.rejected.groupingBy { "${it.entity}/${it.code}" }.eachCount().toSortedMap()
        return buildString {
            appendLine("Uppsök diagnostics")
            appendLine("created: ${time(nowMs)}")
            appendLine("app: $app")
            appendLine("core: $coreVersion")
            appendLine("server host: $host")
            appendLine("enrolled: ${status.enrolled}")
            appendLine("revoked: ${status.revoked}")
            appendLine("waiting: ${status.waiting}")
            appendLine("last sync: ${time(status.lastSyncMs)}")
            appendLine("last attempt failed: ${status.lastError != null}")
            appendLine("failures in a row: ${status.failures}")
            appendLine("next attempt: ${time(status.nextAttemptMs)}")
            appendLine("refused: ${if (refused.isEmpty()) "none" else refused.entries.joinToString(", ") { "${it.key} ×${it.value}" }}")
            appendLine("unreadable records: $damagedRecords")
        }
    }
}
