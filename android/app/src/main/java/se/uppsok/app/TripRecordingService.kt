package se.uppsok.app

import android.Manifest
import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.app.Service
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.content.pm.ServiceInfo
import android.os.IBinder
import android.os.Looper
import androidx.core.app.NotificationCompat
import androidx.core.app.ServiceCompat
import androidx.core.content.ContextCompat
import com.google.android.gms.location.LocationCallback
import com.google.android.gms.location.LocationRequest
import com.google.android.gms.location.LocationResult
import com.google.android.gms.location.LocationServices
import com.google.android.gms.location.Priority
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import se.uppsok.app.core.Lang
import se.uppsok.app.core.TripTracker
import java.util.Locale

/**
 * The foreground service that records a trip: one location fix a second into the core's trip
 * recorder (through [TripTracker]), with an ongoing notification showing the distance. The
 * recording itself lives in the encrypted store, so the service can be killed and restarted.
 */
class TripRecordingService : Service() {
    // One at a time: the tracker is not thread-safe, and fixes must reach the recorder in order.
    @OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO.limitedParallelism(1))
    private var tracker: TripTracker? = null
    private val client by lazy { LocationServices.getFusedLocationProviderClient(this) }

    private val callback = object : LocationCallback() {
        override fun onLocationResult(result: LocationResult) {
            val t = tracker ?: return
            // Off the main thread: feeding a fix may seal the recorder's state to disk. Usually
            // one fix a second; each goes to the recorder in its own (cheap) call.
            scope.launch {
                for (loc in result.locations) {
                    runCatching {
                        t.onLocation(
                            loc.latitude, loc.longitude,
                            if (loc.hasAccuracy()) loc.accuracy else null,
                            loc.time,
                            if (loc.hasSpeed()) loc.speed else null,
                        )
                    }
                }
                runCatching { notify(t.notificationText(System.currentTimeMillis())) }
            }
        }
    }

    override fun onBind(intent: Intent?): IBinder? = null

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        if (intent?.action == ACTION_STOP) {
            stopSelf()
            return START_NOT_STICKY
        }
        // The permission first: startForeground with the location type throws a
        // SecurityException on Android 14+ without it. The callers ask TripFlow before starting,
        // so this only guards a permission withdrawn in between.
        val granted = ContextCompat.checkSelfPermission(this, Manifest.permission.ACCESS_FINE_LOCATION) ==
            PackageManager.PERMISSION_GRANTED
        val started = granted && runCatching {
            ServiceCompat.startForeground(
                this, NOTIFICATION_ID, notification(getString(R.string.trip_recording)),
                ServiceInfo.FOREGROUND_SERVICE_TYPE_LOCATION,
            )
        }.isSuccess
        if (!started) {
            stopSelf()
            return START_NOT_STICKY
        }
        scope.launch {
            val rec = runCatching { uppsok.core.activeTrip() }.getOrNull()
            if (rec == null) {
                stopSelf()
                return@launch
            }
            tracker = TripTracker(rec, Lang.of(Locale.getDefault().toLanguageTag()))
            startUpdates()
        }
        // Not sticky: a restart by the system from the background would get no location (it is
        // a while-in-use permission); the open app restarts the service instead (TripFlow).
        return START_NOT_STICKY
    }

    @android.annotation.SuppressLint("MissingPermission") // checked in onStartCommand
    private fun startUpdates() {
        val request = LocationRequest.Builder(Priority.PRIORITY_HIGH_ACCURACY, 1_000L)
            .setMinUpdateIntervalMillis(1_000L)
            .build()
        client.requestLocationUpdates(request, callback, Looper.getMainLooper())
        running = true
    }

    override fun onDestroy() {
        running = false
        client.removeLocationUpdates(callback)
        // Queued behind the fixes still on their way (the scope runs one job at a time); the
        // scope ends once the last fix is in and the state sealed.
        scope.launch { runCatching { uppsok.core.activeTrip()?.save() } }
            .invokeOnCompletion { scope.cancel() }
        super.onDestroy()
    }

    private fun notification(text: String): Notification {
        val nm = getSystemService(Context.NOTIFICATION_SERVICE) as NotificationManager
        nm.createNotificationChannel(
            NotificationChannel(CHANNEL, getString(R.string.trip_notification_channel), NotificationManager.IMPORTANCE_LOW),
        )
        // A tap opens the trips screen; "Avsluta" too, since finishing asks where the trip ended.
        val open = PendingIntent.getActivity(
            this, 0, Intent(this, MainActivity::class.java).putExtra(EXTRA_FINISH, true)
                .addFlags(Intent.FLAG_ACTIVITY_SINGLE_TOP or Intent.FLAG_ACTIVITY_CLEAR_TOP),
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
        return NotificationCompat.Builder(this, CHANNEL)
            .setSmallIcon(android.R.drawable.ic_menu_mylocation)
            .setContentTitle(getString(R.string.trip_notification_title))
            .setContentText(text)
            .setContentIntent(open)
            .addAction(0, getString(R.string.trip_notification_finish), open)
            .setOngoing(true)
            .setOnlyAlertOnce(true)
            .build()
    }

    private fun notify(text: String) {
        val nm = getSystemService(Context.NOTIFICATION_SERVICE) as NotificationManager
        nm.notify(NOTIFICATION_ID, notification(text))
    }

    companion object {
        private const val CHANNEL = "trip"
        private const val NOTIFICATION_ID = 17
        private const val ACTION_STOP = "se.uppsok.app.STOP_TRIP"
        const val EXTRA_FINISH = "se.uppsok.app.FINISH_TRIP"

        /** Whether location updates are running in this process (the app restarts them if not). */
        @Volatile
        var running = false
            private set

        fun start(context: Context) {
            ContextCompat.startForegroundService(context, Intent(context, TripRecordingService::class.java))
        }

        fun stop(context: Context) {
            context.startService(Intent(context, TripRecordingService::class.java).setAction(ACTION_STOP))
        }
    }
}
