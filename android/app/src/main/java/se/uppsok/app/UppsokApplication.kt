package se.uppsok.app

import android.app.Application
import se.uppsok.app.core.AppLockPolicy
import se.uppsok.app.core.CoreRepository
import java.io.File

/** Holds the one core repository and the app lock for the whole process. */
class UppsokApplication : Application() {
    lateinit var keys: KeystoreKeyProvider
        private set
    lateinit var core: CoreRepository
        private set
    val lock = AppLockPolicy()

    override fun onCreate() {
        super.onCreate()
        keys = KeystoreKeyProvider(this)
        // noBackupFilesDir: the store must never be part of a backup (its key cannot be).
        core = CoreRepository(File(noBackupFilesDir, "uppsok.db").path, keys)
        SyncScheduler.schedulePeriodic(this)
    }
}

val android.content.Context.uppsok: UppsokApplication
    get() = applicationContext as UppsokApplication
