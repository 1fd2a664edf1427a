// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import se.uppsok.core.ClientInput
import se.uppsok.core.ClientItem
import se.uppsok.core.PlatformKeyProvider
import se.uppsok.core.SyncReport
import se.uppsok.core.SyncStatus
import se.uppsok.core.TripInput
import se.uppsok.core.TripItem
import se.uppsok.core.TripRecording
import se.uppsok.core.TripStart
import se.uppsok.core.UppsokStore
import se.uppsok.core.VisitInput
import se.uppsok.core.VisitItem
import se.uppsok.core.storeExists

/**
 * The one door from the screens to the Rust core. Every core call blocks (SQLite with fsync, the
 * keystore, the network), so each runs on [io] and the screens only ever suspend. One store
 * object is shared by the whole app; the core is thread-safe.
 */
class CoreRepository(
    private val path: String,
    private val keys: PlatformKeyProvider,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    @Volatile
    private var store: UppsokStore? = null

    fun exists(): Boolean = storeExists(path)

    private fun open(): UppsokStore = store ?: synchronized(this) {
        store ?: UppsokStore.open(path, keys).also { store = it }
    }

    /** First run: create the store for [username]. */
    suspend fun create(username: String): Unit = withContext(io) {
        synchronized(this@CoreRepository) {
            store = UppsokStore.create(path, username, keys)
        }
    }

    /** Unlock (open) the store; throws `UppsokException.WrongKey` / `KeyProvider`. */
    suspend fun unlock(): Unit = withContext(io) { open(); Unit }

    suspend fun <T> call(block: (UppsokStore) -> T): T = withContext(io) { block(open()) }

    suspend fun today(): List<VisitItem> = call { it.visitsToday() }
    suspend fun recentClients(limit: Int = 8): List<ClientItem> = call { it.recentClients(limit) }
    suspend fun clients(): List<ClientItem> = call { it.clients() }
    suspend fun saveClient(input: ClientInput): ClientItem =
        call { if (input.id == null) it.addClient(input) else it.editClient(input) }
    suspend fun logVisit(input: VisitInput): VisitItem = call { it.logVisit(input) }
    suspend fun logTrip(input: TripInput): TripItem = call { it.logTrip(input) }
    suspend fun startTrip(start: TripStart): TripRecording = call { it.startTrip(start) }
    suspend fun activeTrip(): TripRecording? = call { it.activeTrip() }
    suspend fun syncStatus(): SyncStatus = call { it.syncStatus() }
    suspend fun syncNow(): SyncReport = call { it.syncNow() }
    /** Records the lists left out because they could not be read (cheap: no full scan). */
    suspend fun damagedRecords(): Long = call { it.damagedRecords(false) }
    /** Rewrites or removes damaged records; the next sync brings the server's copies. */
    suspend fun repairDamaged(): Long = call { it.repairDamaged() }

    /** Wipe everything and forget the store object. */
    suspend fun wipe(): Unit = withContext(io) {
        synchronized(this@CoreRepository) {
            store?.wipe() ?: se.uppsok.core.wipeStoreAt(path)
            store?.close()
            store = null
        }
    }
}
