package se.uppsok.app

import android.app.Application
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.ProcessLifecycleOwner
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.update
import se.uppsok.app.core.AppGate
import se.uppsok.app.core.CoreRepository
import se.uppsok.app.core.GateEvent
import se.uppsok.app.core.GateState
import java.io.File

/**
 * Holds the one core repository and the gate for the whole process. The process lifecycle
 * observer is added here, once per process (an activity's onCreate runs again on every rotation).
 */
class UppsokApplication : Application() {
    lateinit var keys: KeystoreKeyProvider
        private set
    lateinit var core: CoreRepository
        private set
    private val rules = AppGate()
    val gate = MutableStateFlow(GateState())

    fun gateEvent(e: GateEvent) = gate.update { rules.reduce(it, e) }

    override fun onCreate() {
        super.onCreate()
        keys = KeystoreKeyProvider(this)
        // noBackupFilesDir: the store must never be part of a backup (its key cannot be).
        core = CoreRepository(File(noBackupFilesDir, "uppsok.db").path, keys)
        gateEvent(GateEvent.Launched(core.exists()))
        ProcessLifecycleOwner.get().lifecycle.addObserver(object : DefaultLifecycleObserver {
            override fun onStop(owner: LifecycleOwner) = gateEvent(GateEvent.Background(System.currentTimeMillis()))
            override fun onStart(owner: LifecycleOwner) = gateEvent(GateEvent.Foreground(System.currentTimeMillis()))
        })
        SyncScheduler.schedulePeriodic(this)
    }
}

val android.content.Context.uppsok: UppsokApplication
    get() = applicationContext as UppsokApplication
