package se.uppsok.app

import android.Manifest
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import androidx.core.app.NotificationCompat
import androidx.core.content.ContextCompat
import androidx.work.ExistingWorkPolicy
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.Worker
import androidx.work.WorkerParameters
import androidx.work.workDataOf
import se.uppsok.app.core.Reminder
import se.uppsok.app.core.Reminders
import java.util.concurrent.TimeUnit

/**
 * Local reminders of planned contacts, offline: each [Reminder] of the plan
 * ([se.uppsok.app.core.Reminders]) is a one-off WorkManager job under its key (survives
 * reboots, no network needed); the keys scheduled are kept in private preferences so the ones
 * no longer planned can be cancelled. Thin glue: what and when is decided in the plain layer.
 */
object ReminderScheduler {
    private const val PREFS = "uppsok_reminders"
    private const val KEYS = "keys"

    fun apply(context: Context, desired: List<Reminder>) {
        val prefs = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)
        val scheduled = prefs.getStringSet(KEYS, emptySet()).orEmpty()
        val changes = Reminders.changes(desired, scheduled)
        val work = WorkManager.getInstance(context)
        changes.cancel.forEach { work.cancelUniqueWork(it) }
        val now = System.currentTimeMillis()
        for (r in changes.schedule) {
            val request = OneTimeWorkRequestBuilder<ReminderWorker>()
                .setInitialDelay((r.atMs - now).coerceAtLeast(0L), TimeUnit.MILLISECONDS)
                .setInputData(workDataOf(ReminderWorker.TITLE to r.title, ReminderWorker.TEXT to r.text, ReminderWorker.ID to r.key.hashCode()))
                .build()
            work.enqueueUniqueWork(r.key, ExistingWorkPolicy.REPLACE, request)
        }
        prefs.edit().putStringSet(KEYS, changes.schedule.map { it.key }.toSet()).apply()
    }
}

/** Shows one reminder: the texts name no client (they show on the lock screen). */
class ReminderWorker(context: Context, params: WorkerParameters) : Worker(context, params) {
    override fun doWork(): Result {
        val granted = ContextCompat.checkSelfPermission(applicationContext, Manifest.permission.POST_NOTIFICATIONS) ==
            PackageManager.PERMISSION_GRANTED || android.os.Build.VERSION.SDK_INT < 33
        if (!granted) return Result.success()
        val nm = applicationContext.getSystemService(Context.NOTIFICATION_SERVICE) as NotificationManager
        nm.createNotificationChannel(
            NotificationChannel(CHANNEL, applicationContext.getString(R.string.reminder_channel), NotificationManager.IMPORTANCE_DEFAULT),
        )
        val open = PendingIntent.getActivity(
            applicationContext, 0, Intent(applicationContext, MainActivity::class.java),
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
        val notification = NotificationCompat.Builder(applicationContext, CHANNEL)
            .setSmallIcon(android.R.drawable.ic_popup_reminder)
            .setContentTitle(inputData.getString(TITLE))
            .setContentText(inputData.getString(TEXT))
            .setContentIntent(open)
            .setAutoCancel(true)
            .setVisibility(NotificationCompat.VISIBILITY_PRIVATE)
            .build()
        nm.notify(inputData.getInt(ID, 0), notification)
        return Result.success()
    }

    companion object {
        const val CHANNEL = "reminders"
        const val TITLE = "title"
        const val TEXT = "text"
        const val ID = "id"
    }
}
