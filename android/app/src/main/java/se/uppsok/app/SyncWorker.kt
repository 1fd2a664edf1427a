package se.uppsok.app

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import se.uppsok.app.core.SyncAction
import se.uppsok.app.core.SyncPolicy
import java.util.concurrent.TimeUnit

/**
 * Background sync. WorkManager runs it only with a network, retries with exponential backoff
 * (the numbers come from [SyncPolicy], which the JVM tests pin down), and survives reboots.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = applicationContext.uppsok
        if (!app.core.exists()) return Result.success()
        val error = runCatching { app.core.syncNow() }.exceptionOrNull()
        return when (SyncPolicy.classify(error)) {
            SyncAction.DONE -> Result.success()
            SyncAction.RETRY -> Result.retry()
            SyncAction.WIPED -> {
                app.keys.forget()
                Result.success()
            }
            // Nothing a retry can fix; the status screen shows why.
            SyncAction.REENROL, SyncAction.UPDATE_APP, SyncAction.NEEDS_USER -> Result.failure()
        }
    }
}

object SyncScheduler {
    private const val PERIODIC = "uppsok-sync-periodic"
    private const val SOON = "uppsok-sync-soon"

    private val online = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

    fun schedulePeriodic(context: Context) {
        val request = PeriodicWorkRequestBuilder<SyncWorker>(SyncPolicy.PERIODIC_MINUTES, TimeUnit.MINUTES)
            .setConstraints(online)
            .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, SyncPolicy.BASE_BACKOFF_MS, TimeUnit.MILLISECONDS)
            .build()
        WorkManager.getInstance(context).enqueueUniquePeriodicWork(PERIODIC, ExistingPeriodicWorkPolicy.KEEP, request)
    }

    /** After a save: one sync shortly, so a burst of edits goes in one request. */
    fun syncSoon(context: Context) {
        val request = OneTimeWorkRequestBuilder<SyncWorker>()
            .setConstraints(online)
            .setInitialDelay(SyncPolicy.AFTER_SAVE_DELAY_MS, TimeUnit.MILLISECONDS)
            .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, SyncPolicy.BASE_BACKOFF_MS, TimeUnit.MILLISECONDS)
            .build()
        WorkManager.getInstance(context).enqueueUniqueWork(SOON, ExistingWorkPolicy.REPLACE, request)
    }
}
