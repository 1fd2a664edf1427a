package se.uppsok.app

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import se.uppsok.app.core.ClientList
import se.uppsok.app.core.ClientRow
import se.uppsok.app.core.Enrolment
import se.uppsok.app.core.Lang
import se.uppsok.app.core.Messages
import se.uppsok.app.core.SyncPolicy
import se.uppsok.app.core.SyncStatusView
import se.uppsok.app.core.TodaySummary
import se.uppsok.app.core.TripForm
import se.uppsok.app.core.VisitForm
import se.uppsok.core.ClientInput
import se.uppsok.core.ClientItem
import se.uppsok.core.PlaceItem
import se.uppsok.core.ProfileInfo
import se.uppsok.core.TripItem
import se.uppsok.core.TripStart
import se.uppsok.core.VisitItem
import java.time.LocalDate
import java.util.Locale

/** Which part of the app shows: set-up, the lock, or the main screens. */
enum class Gate { LOADING, ENROL, LOCKED, OPEN }

data class UiState(
    val gate: Gate = Gate.LOADING,
    val today: List<VisitItem> = emptyList(),
    val todaySummary: String = "",
    val recentClients: List<ClientItem> = emptyList(),
    val clientRows: List<ClientRow> = emptyList(),
    val places: List<PlaceItem> = emptyList(),
    val trips: List<TripItem> = emptyList(),
    val recordingKm: String? = null,
    val sync: SyncStatusView? = null,
    /** Change ids of the refused changes, in the order of `sync.rejected`. */
    val syncRejectedIds: List<String> = emptyList(),
    val profile: ProfileInfo? = null,
    val message: String? = null,
)

/**
 * The screens' state. Every core call goes through [se.uppsok.app.core.CoreRepository], which
 * runs it off the main thread; the wording comes from the plain-Kotlin layer.
 */
class AppViewModel(app: Application) : AndroidViewModel(app) {
    private val uppsokApp = app as UppsokApplication
    private val core = uppsokApp.core
    val lang = Lang.of(Locale.getDefault().toLanguageTag())
    private val _state = MutableStateFlow(UiState())
    val state: StateFlow<UiState> = _state.asStateFlow()

    init {
        _state.update { it.copy(gate = if (core.exists()) Gate.LOCKED else Gate.ENROL) }
    }

    private fun launchCatching(block: suspend () -> Unit) = viewModelScope.launch {
        try {
            block()
        } catch (e: Exception) {
            _state.update { it.copy(message = Messages.of(e, lang)) }
        }
    }

    fun dismissMessage() = _state.update { it.copy(message = null) }

    fun unlocked() = launchCatching {
        core.unlock()
        uppsokApp.lock.onUnlocked()
        _state.update { it.copy(gate = Gate.OPEN) }
        refresh()
    }

    fun lockNow() {
        uppsokApp.lock.lockNow()
        _state.update { it.copy(gate = Gate.LOCKED) }
    }

    fun refresh() = launchCatching {
        val today = core.today()
        val clients = core.clients()
        val status = core.syncStatus()
        val rec = core.activeTrip()
        val profile = core.call { it.profile() }
        val places = core.call { it.places() }
        val now = System.currentTimeMillis()
        val trips = core.call { it.tripsBetween(now - 31L * 86_400_000L, now + 86_400_000L) }
        _state.update {
            it.copy(
                today = today,
                todaySummary = TodaySummary.of(today).text(lang),
                recentClients = core.recentClients(),
                clientRows = ClientList.rows(clients, LocalDate.now(), lang),
                places = places,
                trips = trips.reversed(),
                recordingKm = rec?.let { r -> se.uppsok.app.core.Format.km(r.currentKm(), lang) },
                sync = SyncStatusView.of(status, now, lang, core.damagedRecords()),
                syncRejectedIds = status.rejected.map { r -> r.changeId },
                profile = profile,
            )
        }
    }

    fun enrol(username: String, server: String, code: String) = launchCatching {
        val request = Enrolment.request(server, code, lang).getOrElse { e ->
            _state.update { s -> s.copy(message = e.message) }
            return@launchCatching
        }
        if (!core.exists()) core.create(username.trim())
        core.call { it.enrol(request.serverUrl, request.code, android.os.Build.MODEL) }
        uppsokApp.lock.onUnlocked()
        _state.update { it.copy(gate = Gate.OPEN) }
        syncNow()
    }

    fun logVisit(form: VisitForm, onDone: () -> Unit) = launchCatching {
        val problems = form.problems(lang)
        if (problems.isNotEmpty()) {
            _state.update { it.copy(message = problems.joinToString("\n") { p -> p.text }) }
            return@launchCatching
        }
        core.logVisit(form.toInput())
        afterSave()
        onDone()
    }

    fun saveClient(input: ClientInput) = launchCatching {
        core.saveClient(input)
        afterSave()
    }

    fun logTrip(form: TripForm, onDone: () -> Unit) = launchCatching {
        val problems = form.problems(lang)
        if (problems.isNotEmpty()) {
            _state.update { it.copy(message = problems.joinToString("\n") { p -> p.text }) }
            return@launchCatching
        }
        core.logTrip(form.toInput())
        afterSave()
        onDone()
    }

    fun startTrip(from: String, purpose: String, serviceCar: String?) = launchCatching {
        core.startTrip(TripStart(serviceCar?.ifBlank { null }, from, purpose, null, emptyList(), null))
        TripRecordingService.start(getApplication())
        refresh()
    }

    fun finishTrip(to: String) = launchCatching {
        val rec = core.activeTrip() ?: return@launchCatching
        TripRecordingService.stop(getApplication())
        core.call { rec.finish(to, null, null) }
        afterSave()
    }

    fun syncNow() = launchCatching {
        try {
            core.syncNow()
        } finally {
            refresh()
        }
    }

    fun retryRejected(changeId: String) = launchCatching {
        core.call { it.retryRejected(changeId) }
        SyncScheduler.syncSoon(getApplication())
        refresh()
    }

    fun repairDamaged() = launchCatching {
        core.repairDamaged()
        SyncScheduler.syncSoon(getApplication())
        refresh()
    }

    fun wipe() = launchCatching {
        core.wipe()
        uppsokApp.keys.forget()
        _state.value = UiState(gate = Gate.ENROL)
    }

    private suspend fun afterSave() {
        val status = core.syncStatus()
        if (SyncPolicy.syncAfterSave(status.enrolled, status.waiting)) SyncScheduler.syncSoon(getApplication())
        refresh()
    }
}
