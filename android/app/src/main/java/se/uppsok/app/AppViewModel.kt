package se.uppsok.app

import android.Manifest
import android.app.Application
import android.content.pm.PackageManager
import androidx.core.content.ContextCompat
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import se.uppsok.app.core.ClientList
import se.uppsok.app.core.ClientPage
import se.uppsok.app.core.ClientPageState
import se.uppsok.app.core.ConfirmOutcome
import se.uppsok.app.core.ClientRow
import se.uppsok.app.core.Diagnostics
import se.uppsok.app.core.Enrolment
import se.uppsok.app.core.EnrolmentLink
import se.uppsok.app.core.FinishOutcome
import se.uppsok.app.core.Format
import se.uppsok.app.core.Gate
import se.uppsok.app.core.GateEvent
import se.uppsok.app.core.GateState
import se.uppsok.app.core.Lang
import se.uppsok.app.core.LocationGrant
import se.uppsok.app.core.Messages
import se.uppsok.app.core.Reminders
import se.uppsok.app.core.SuggestedKm
import se.uppsok.app.core.SyncAction
import se.uppsok.app.core.SyncPolicy
import se.uppsok.app.core.SyncStatusView
import se.uppsok.app.core.TodayPlan
import se.uppsok.app.core.TodaySummary
import se.uppsok.app.core.TripDecision
import se.uppsok.app.core.TripFlow
import se.uppsok.app.core.TripForm
import se.uppsok.app.core.TripResume
import se.uppsok.app.core.VisitForm
import se.uppsok.core.ClientInput
import se.uppsok.core.ClientItem
import se.uppsok.core.OutcomeInput
import se.uppsok.core.OutcomeItem
import se.uppsok.core.PlaceItem
import se.uppsok.core.ProfileInfo
import se.uppsok.core.TeamMemberItem
import se.uppsok.core.MonthPay
import se.uppsok.core.TripItem
import se.uppsok.core.TripStart
import se.uppsok.core.VisitItem
import java.time.LocalDate
import java.time.YearMonth
import java.time.ZoneId
import java.util.Locale

data class UiState(
    val gate: GateState = GateState(),
    val today: List<VisitItem> = emptyList(),
    val todaySummary: String = "",
    val todayPlan: TodayPlan = TodayPlan(emptyList(), emptyList()),
    /** Every client on the phone; the picker and the caseload search them (ClientPicker). */
    val clients: List<ClientItem> = emptyList(),
    val recentIds: List<String> = emptyList(),
    val clientRows: List<ClientRow> = emptyList(),
    val team: List<TeamMemberItem> = emptyList(),
    val places: List<PlaceItem> = emptyList(),
    val trips: List<TripItem> = emptyList(),
    /** This month's trips priced as payroll will pay them; null before a sync brought the rates. */
    val monthPay: MonthPay? = null,
    val recordingKm: String? = null,
    /** A finish that needs the odometer (or a place): the trip screen asks; null otherwise. */
    val tripFinish: FinishOutcome? = null,
    /** Why a trip is not recording (location refused, approximate, or lost while recording). */
    val tripNotice: String? = null,
    /** The suggested km for the trip form's two places (SuggestedKm.label), once asked for. */
    val tripSuggestion: String? = null,
    val sync: SyncStatusView? = null,
    /** Change ids of the refused changes, in the order of `sync.rejected`. */
    val syncRejectedIds: List<String> = emptyList(),
    val profile: ProfileInfo? = null,
    /** What an enrolment link filled in, for the enrolment form. */
    val enrolPrefill: EnrolmentLink? = null,
    /** Bumped when a notification asks for the trips screen. */
    val showTrips: Int = 0,
    val message: String? = null,
)

/**
 * The screens' state. Thin glue: every core call goes through
 * [se.uppsok.app.core.CoreRepository], off the main thread; the rules and wording come from the
 * plain-Kotlin layer (AppGate, TripFlow, ClientPicker, Reminders, the forms).
 */
class AppViewModel(app: Application) : AndroidViewModel(app) {
    private val uppsokApp = app as UppsokApplication
    private val core = uppsokApp.core
    val lang = Lang.of(Locale.getDefault().toLanguageTag())
    private val _state = MutableStateFlow(UiState())
    val state: StateFlow<UiState> = _state.asStateFlow()

    init {
        viewModelScope.launch {
            uppsokApp.gate.collect { g -> _state.update { it.copy(gate = g) } }
        }
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
        val status = core.syncStatus()
        uppsokApp.gateEvent(GateEvent.Unlocked(status.enrolled, status.revoked))
        if (uppsokApp.gate.value.gate == Gate.OPEN) refresh()
    }

    fun noScreenLock() = uppsokApp.gateEvent(GateEvent.NoScreenLock)

    fun lockNow() = uppsokApp.gateEvent(GateEvent.LockNow)

    fun enrolmentLink(text: String) {
        Enrolment.parseLink(text)?.let { link -> _state.update { it.copy(enrolPrefill = link) } }
    }

    fun showTrips() = _state.update { it.copy(showTrips = it.showTrips + 1) }

    fun refresh() = launchCatching {
        val today = core.today()
        val clients = core.clients()
        val status = core.syncStatus()
        val rec = core.activeTrip()
        val now = System.currentTimeMillis()
        val rows = ClientList.rows(clients, LocalDate.now(), lang)
        _state.update {
            it.copy(
                today = today,
                todaySummary = TodaySummary.of(today).text(lang),
                todayPlan = TodayPlan.of(rows),
                clients = clients,
                recentIds = core.recentClients(20).map { c -> c.id },
                clientRows = rows,
                team = core.call { s -> s.teamMembers() },
                places = core.call { s -> s.places() },
                trips = core.call { s -> s.tripsBetween(now - 31L * 86_400_000L, now + 86_400_000L) }.reversed(),
                monthPay = YearMonth.now().let { ym -> core.call { s -> s.monthPay(ym.year, ym.monthValue) } },
                recordingKm = rec?.let { r -> Format.km(r.currentKm(), lang) },
                sync = SyncStatusView.of(status, now, lang, core.damagedRecords()),
                syncRejectedIds = status.rejected.map { r -> r.changeId },
                profile = core.call { s -> s.profile() },
            )
        }
        ReminderScheduler.apply(getApplication(), Reminders.plan(clients, now, ZoneId.systemDefault(), lang))
        // A recording whose service died with the process: restart it from the open app.
        when (val resume = TripFlow.onAppOpened(rec != null, TripRecordingService.running, grant(), lang)) {
            TripResume.Restart -> TripRecordingService.start(getApplication())
            is TripResume.Paused -> _state.update { it.copy(tripNotice = resume.text) }
            null -> Unit
        }
    }

    /** Location as granted now (no question asked). */
    private fun grant(): LocationGrant {
        fun has(p: String) = ContextCompat.checkSelfPermission(getApplication(), p) == PackageManager.PERMISSION_GRANTED
        return LocationGrant.of(has(Manifest.permission.ACCESS_FINE_LOCATION), has(Manifest.permission.ACCESS_COARSE_LOCATION), canAskAgain = true)
    }

    fun enrol(username: String, server: String, code: String) = launchCatching {
        val request = Enrolment.request(server, code, lang).getOrElse { e ->
            _state.update { s -> s.copy(message = e.message) }
            return@launchCatching
        }
        val (event, error) = Enrolment.enrol(core, username, request, android.os.Build.MODEL)
        uppsokApp.gateEvent(event)
        if (error != null) {
            _state.update { it.copy(message = Messages.of(error, lang)) }
        } else {
            _state.update { it.copy(enrolPrefill = null) }
            syncNow()
        }
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

    fun deleteVisit(id: String) = launchCatching {
        core.call { it.deleteVisit(id) }
        afterSave()
    }

    fun saveClient(input: ClientInput) = launchCatching {
        core.saveClient(input)
        afterSave()
    }

    fun addPlace(name: String, lat: Double, lon: Double) = launchCatching {
        core.call { it.addPlace(name, lat, lon) }
        afterSave()
    }

    /** The client page, read through the core (logged as an opening of the client). */
    suspend fun clientPage(clientId: String): ClientPageState = core.call { ClientPage.load(it, clientId) }

    /** "Kopiera till journalen": the last 30 days' contacts as text (logged as an export). */
    suspend fun journalText(clientId: String): String = core.call { ClientPage.journalText(it, clientId, LocalDate.now()) }

    /** "Visa äldre": the next part of the client's history from the server, kept in memory. */
    suspend fun olderHistory(page: ClientPageState): ClientPageState = core.call { ClientPage.older(it, page, lang) }

    suspend fun outcomesFor(clientId: String): List<OutcomeItem> = core.call { it.outcomesForClient(clientId) }

    /** Save an outcome from OutcomeForm (whose checks ran on the screen); the core checks again. */
    fun saveOutcome(input: OutcomeInput, onDone: () -> Unit) = launchCatching {
        core.call { it.saveOutcome(input) }
        afterSave()
        onDone()
    }

    fun deleteOutcome(id: String, onDone: () -> Unit) = launchCatching {
        core.call { it.deleteOutcome(id) }
        afterSave()
        onDone()
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

    /** The suggestion for the form's places, shown before the driver saves or confirms it. */
    fun suggestKm(from: String, to: String) = launchCatching {
        val s = core.call { it.suggestKm(from.trim(), to.trim()) }
        val text = s?.let { SuggestedKm.label(it, lang) }
            ?: Messages.invalid("distance", "", lang)
        _state.update { it.copy(tripSuggestion = text) }
    }

    /** The driver confirms a trip's suggested km (SuggestedKm.confirm). */
    fun confirmTrip(trip: TripItem) = launchCatching {
        when (val r = core.call { SuggestedKm.confirm(it, trip, lang) }) {
            is ConfirmOutcome.Confirmed -> afterSave()
            is ConfirmOutcome.Failed -> _state.update { it.copy(message = r.text) }
        }
    }

    fun deleteTrip(id: String) = launchCatching {
        core.call { it.deleteTrip(id) }
        afterSave()
    }

    /** After the location question: record, or say why not (TripFlow.decide). */
    fun startTrip(grant: LocationGrant, form: TripForm) = launchCatching {
        when (val d = TripFlow.decide(grant, lang)) {
            is TripDecision.Explain -> _state.update { it.copy(tripNotice = d.text) }
            TripDecision.Start -> {
                val odometer = form.odometerStartText.filter { it.isDigit() }.toIntOrNull()
                core.startTrip(TripStart(form.serviceCar?.ifBlank { null }, form.fromPlace, form.purpose, null, emptyList(), odometer, form.fromHome))
                _state.update { it.copy(tripNotice = null) }
                TripRecordingService.start(getApplication())
                refresh()
            }
        }
    }

    fun finishTrip(to: String) = launchCatching {
        val rec = core.activeTrip() ?: return@launchCatching
        TripRecordingService.stop(getApplication())
        val outcome = core.call { TripFlow.finish(rec, to, lang) }
        afterFinish(outcome)
    }

    fun finishTripWithOdometer(to: String, start: Int?, end: Int) = launchCatching {
        val rec = core.activeTrip() ?: return@launchCatching
        TripRecordingService.stop(getApplication())
        val outcome = core.call { s -> TripFlow.finishWithOdometer(s, rec, to, start, end, lang, System.currentTimeMillis()) }
        afterFinish(outcome)
    }

    private suspend fun afterFinish(outcome: FinishOutcome) {
        when (outcome) {
            is FinishOutcome.Saved -> {
                _state.update { it.copy(tripFinish = null, tripNotice = null) }
                afterSave()
            }
            is FinishOutcome.Failed -> _state.update { it.copy(tripFinish = outcome, message = outcome.text) }
            else -> _state.update { it.copy(tripFinish = outcome) }
        }
    }

    fun cancelTrip() = launchCatching {
        val rec = core.activeTrip() ?: return@launchCatching
        TripRecordingService.stop(getApplication())
        core.call { rec.cancel() }
        _state.update { it.copy(tripFinish = null, tripNotice = null) }
        refresh()
    }

    fun syncNow() = launchCatching {
        val error = try {
            core.syncNow()
            null
        } catch (e: Exception) {
            e
        }
        when (SyncPolicy.classify(error)) {
            SyncAction.REENROL -> uppsokApp.gateEvent(GateEvent.Revoked)
            SyncAction.WIPED -> {
                uppsokApp.keys.forget()
                uppsokApp.gateEvent(GateEvent.Wiped)
                return@launchCatching
            }
            else -> Unit
        }
        refresh()
    }

    fun retryRejected(changeId: String) = launchCatching {
        core.call { it.retryRejected(changeId) }
        SyncScheduler.syncSoon(getApplication())
        refresh()
    }

    fun discardRejected(changeId: String) = launchCatching {
        core.call { it.discardRejected(changeId) }
        refresh()
    }

    fun repairDamaged() = launchCatching {
        core.repairDamaged()
        SyncScheduler.syncSoon(getApplication())
        refresh()
    }

    /** The diagnostics text (no personal data: Diagnostics), handed to [share]. */
    fun diagnostics(share: (String) -> Unit) = launchCatching {
        val status = core.syncStatus()
        val app = getApplication<Application>()
        val version = app.packageManager.getPackageInfo(app.packageName, 0).versionName ?: "?"
        share(Diagnostics.text(status, se.uppsok.core.coreVersion(), version, core.damagedRecords(), System.currentTimeMillis()))
    }

    fun wipe() = launchCatching {
        TripRecordingService.stop(getApplication())
        core.wipe()
        uppsokApp.keys.forget()
        ReminderScheduler.apply(getApplication(), emptyList())
        _state.value = UiState()
        uppsokApp.gateEvent(GateEvent.Wiped)
    }

    private suspend fun afterSave() {
        val status = core.syncStatus()
        if (SyncPolicy.syncAfterSave(status.enrolled, status.waiting)) SyncScheduler.syncSoon(getApplication())
        refresh()
    }
}
