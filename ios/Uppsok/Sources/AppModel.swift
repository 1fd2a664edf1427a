import Foundation
import SwiftUI
import UppsokAppCore
import UppsokCore
import UserNotifications

/// The screens' state. Thin glue: every core call blocks (SQLite with fsync, the keychain, the
/// network), so each runs in a detached task off the main actor (StoreCalls); the rules and the
/// wording come from UppsokAppCore (AppGate, Enrolment, TripFlow, ClientPicker, Reminders).
@MainActor
final class AppModel: ObservableObject {
    @Published var gateState = GateState()
    @Published var today: [VisitItem] = []
    @Published var recentIds: [String] = []
    @Published var clients: [ClientItem] = []
    @Published var team: [TeamMemberItem] = []
    @Published var places: [PlaceItem] = []
    @Published var trips: [TripItem] = []
    /// This month's trips priced as payroll will pay them; nil before a sync brought the rates.
    @Published var monthPay: MonthPay? = nil
    @Published var recordingKm: String? = nil
    /// A finish that needs the odometer or a destination; nil otherwise.
    @Published var tripFinish: FinishOutcome? = nil
    /// Why a trip is not recording.
    @Published var tripNotice: String? = nil
    /// The suggested km for the trip form's two places (SuggestedKm.label), once asked for.
    @Published var tripSuggestion: String? = nil
    @Published var sync: SyncStatus? = nil
    /// Records the lists left out because they could not be read (damaged storage).
    @Published var damaged: Int64 = 0
    @Published var profile: ProfileInfo? = nil
    @Published var enrolPrefill: EnrolmentLink? = nil
    @Published var message: String? = nil

    let lang = Lang.current
    let keys = KeychainKeyProvider()
    private let rules = AppGate()
    private var store: UppsokStore? = nil
    private let path: String = {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        return dir.appendingPathComponent("uppsok.db").path
    }()

    init() {
        gateState = rules.reduce(GateState(), .launched(storeExists: storeExists(path: path)))
    }

    var gate: Gate { gateState.gate }

    func event(_ e: GateEvent) {
        gateState = rules.reduce(gateState, e)
    }

    /// Runs `work` with the store off the main thread; errors become a message.
    private func run<T: Sendable>(_ work: @escaping @Sendable (UppsokStore) throws -> T) async -> T? {
        guard let store = store else { return nil }
        do {
            return try await StoreCalls.detached(store, work)
        } catch {
            message = Messages.of(error, lang)
            return nil
        }
    }

    func unlock() async {
        do {
            // The store may be open already (a trip resumed at launch): one store object per
            // process, so that one recorder holds the trip.
            let opened: UppsokStore
            if let existing = store {
                opened = existing
            } else {
                opened = try await StoreCalls.open(path: path, keys: keys)
            }
            store = opened
            let status = try await StoreCalls.detached(opened) { try $0.syncStatus() }
            event(.unlocked(enrolled: status.enrolled, revoked: status.revoked))
            if gate == .open { await refresh() }
        } catch {
            message = Messages.of(error, lang)
        }
    }

    func lock() { event(.lockNow) }

    func openLink(_ url: URL) {
        if let link = Enrolment.parseLink(url.absoluteString) { enrolPrefill = link }
    }

    func refresh() async {
        let now = Format.nowMs()
        today = await run { try $0.visitsToday() } ?? []
        recentIds = await run { try $0.recentClients(limit: 20).map(\.id) } ?? []
        clients = await run { try $0.clients() } ?? []
        team = await run { try $0.teamMembers() } ?? []
        places = await run { try $0.places() } ?? []
        trips = (await run { try $0.tripsBetween(fromMs: now - 31 * 86_400_000, beforeMs: now + 86_400_000) } ?? []).reversed()
        let month = Calendar(identifier: .gregorian).dateComponents([.year, .month], from: Date())
        let (y, m) = (Int32(month.year ?? 2000), Int32(month.month ?? 1))
        monthPay = await run { try $0.monthPay(year: y, month: m) } ?? nil
        sync = await run { try $0.syncStatus() }
        damaged = await run { try $0.damagedRecords(fullScan: false) } ?? 0
        profile = await run { try $0.profile() }
        let km = await run { try $0.activeTrip()?.currentKm() }
        recordingKm = km.flatMap { $0 }.map { Format.km($0, lang) }
        await applyReminders(Reminders.plan(clients, nowMs: now, zone: TimeZone.current, lang))
        await resumeTrip()
    }

    /// A recording left by a killed app: restart the location updates (or say why not).
    func resumeTrip() async {
        // At launch the app is still locked: open the store (the keychain item is readable
        // after the first unlock) only to find the recording; nothing is shown until unlock.
        if store == nil, storeExists(path: path) {
            store = try? await StoreCalls.open(path: path, keys: keys)
        }
        let rec = await run { store -> TripRecordingBox? in try store.activeTrip().map(TripRecordingBox.init) }
        let recording = rec.flatMap { $0 }
        switch TripFlow.onAppOpened(recording: recording != nil, updating: TripLocation.shared.updating,
                                    grant: TripLocation.shared.grant, lang) {
        case .restart?:
            if let r = recording { TripLocation.shared.start(recording: r.recording) }
        case let .paused(text)?:
            tripNotice = text
        case nil:
            break
        }
    }

    /// Hands the reminder plan's changes to the notification centre (identifier = key).
    private func applyReminders(_ plan: [Reminder]) async {
        let center = UNUserNotificationCenter.current()
        _ = try? await center.requestAuthorization(options: [.alert, .sound])
        let pending = Set(await center.pendingNotificationRequests().map(\.identifier))
        let changes = Reminders.changes(desired: plan, scheduled: pending)
        center.removePendingNotificationRequests(withIdentifiers: Array(changes.cancel))
        for r in changes.schedule {
            let content = UNMutableNotificationContent()
            content.title = r.title
            content.body = r.text
            let date = Date(timeIntervalSince1970: Double(r.atMs) / 1000)
            let parts = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute], from: date)
            let request = UNNotificationRequest(identifier: r.key, content: content,
                                                trigger: UNCalendarNotificationTrigger(dateMatching: parts, repeats: false))
            try? await center.add(request)
        }
    }

    func enrol(username: String, server: String, code: String) async {
        if let problem = Enrolment.serverProblem(server, lang) {
            message = problem
            return
        }
        let outcome = await Enrolment.enrol(path: path, username: username, serverUrl: server, code: code,
                                            deviceName: "iPhone", keys: keys)
        if let s = outcome.store { store = s }
        event(outcome.event)
        if let error = outcome.error {
            message = Messages.of(error, lang)
        } else {
            enrolPrefill = nil
            await syncNow()
        }
    }

    func logVisit(_ input: VisitInput) async -> Bool {
        if let problem = VisitTime.problem(startMs: input.startMs, nowMs: Format.nowMs(), lang) {
            message = problem
            return false
        }
        let ok = await run { try $0.logVisit(input: input) } != nil
        BackgroundSync.scheduleSoon()
        await refresh()
        return ok
    }

    func deleteVisit(_ id: String) async {
        _ = await run { try $0.deleteVisit(id: id) }
        BackgroundSync.scheduleSoon()
        await refresh()
    }

    /// The client page, read through the core (logged as an opening of the client).
    func clientPage(_ clientId: String) async -> ClientPageState? {
        await run { try ClientPage.load($0, clientId: clientId) }
    }

    /// "Kopiera till journalen": the last 30 days' contacts as text (logged as an export).
    func journalText(_ clientId: String) async -> String? {
        let today = Reminders.isoDay(Format.nowMs())
        return await run { try ClientPage.journalText($0, clientId: clientId, today: today) }
    }

    /// "Visa äldre": the next part of the client's history from the server, kept in memory.
    func olderHistory(_ page: ClientPageState) async -> ClientPageState {
        let lang = self.lang
        return await run { ClientPage.older($0, page, lang) } ?? page
    }

    func outcomes(for clientId: String) async -> [OutcomeItem] {
        await run { try $0.outcomesForClient(clientId: clientId) } ?? []
    }

    /// Save an outcome from OutcomeForm (whose checks ran on the screen); the core checks again.
    func saveOutcome(_ input: OutcomeInput) async -> Bool {
        let ok = await run { try $0.saveOutcome(input: input) } != nil
        BackgroundSync.scheduleSoon()
        await refresh()
        return ok
    }

    func deleteOutcome(_ id: String) async {
        _ = await run { try $0.deleteOutcome(id: id) }
        BackgroundSync.scheduleSoon()
        await refresh()
    }

    /// Rewrites or removes damaged records; the next sync brings the server's copies.
    func repairDamaged() async {
        _ = await run { try $0.repairDamaged() }
        BackgroundSync.scheduleSoon()
        await refresh()
    }

    func addClient(code: String, name: String) async {
        // Admitted today; the rest is set on the client's page.
        var form = ClientForm.new(today: Reminders.isoDay(Format.nowMs()))
        form.code = code
        form.name = name
        let input = form.toInput()
        _ = await run { try $0.addClient(input: input) }
        await refresh()
    }

    func saveClient(_ input: ClientInput) async {
        _ = await run { try $0.editClient(input: input) }
        BackgroundSync.scheduleSoon()
        await refresh()
    }

    /// Saves a trip (new, or an edit with its id); true when the core took it, else the reason
    /// is in `message`.
    @discardableResult
    func logTrip(_ input: TripInput) async -> Bool {
        let saved = await run { try $0.logTrip(input: input) }
        BackgroundSync.scheduleSoon()
        await refresh()
        return saved != nil
    }

    /// The suggestion for the form's places, shown before the driver saves or confirms it.
    func suggestKm(from: String, to: String) async {
        let s = await run { try $0.suggestKm(fromPlace: from, toPlace: to) }
        if let s = s ?? nil {
            tripSuggestion = SuggestedKm.label(s, lang)
        } else {
            tripSuggestion = Messages.invalid(field: "distance", rule: "", lang)
        }
    }

    /// The driver confirms a trip's suggested km (SuggestedKm.confirm).
    func confirmTrip(_ trip: TripItem) async {
        let lang = self.lang
        let outcome = await run { SuggestedKm.confirm($0, trip, lang) }
        if case let .failed(text)? = outcome { message = text }
        BackgroundSync.scheduleSoon()
        await refresh()
    }

    func deleteTrip(_ id: String) async {
        _ = await run { try $0.deleteTrip(id: id) }
        BackgroundSync.scheduleSoon()
        await refresh()
    }

    /// Asks for location, then records only with precise location (TripFlow.decide).
    func startTrip(from: String, purpose: String, serviceCar: String?, odometerStart: Int32?, fromHome: Bool) {
        TripLocation.shared.ask { [weak self] grant in
            Task { @MainActor in await self?.startTrip(grant: grant, from: from, purpose: purpose, serviceCar: serviceCar, odometerStart: odometerStart, fromHome: fromHome) }
        }
    }

    private func startTrip(grant: LocationGrant, from: String, purpose: String, serviceCar: String?, odometerStart: Int32?, fromHome: Bool) async {
        switch TripFlow.decide(grant, lang) {
        case let .explain(text, _):
            tripNotice = text
        case .start:
            let start = TripStart(serviceCar: serviceCar, fromPlace: from, purpose: purpose, visited: nil, visitIds: [], odometerStart: odometerStart, fromHome: fromHome)
            if let rec = await run({ store -> TripRecordingBox in TripRecordingBox(try store.startTrip(start: start)) }) {
                tripNotice = nil
                TripLocation.shared.start(recording: rec.recording)
            }
            await refresh()
        }
    }

    func finishTrip(to: String) async {
        TripLocation.shared.stop()
        let lang = self.lang
        let outcome = await run { store -> FinishOutcomeBox? in
            try store.activeTrip().map { FinishOutcomeBox(TripFlow.finish($0, to: to, lang)) }
        }
        await afterFinish(outcome.flatMap { $0 }?.outcome)
    }

    func finishTrip(to: String, odometerStart: Int32?, odometerEnd: Int32) async {
        TripLocation.shared.stop()
        let lang = self.lang
        let outcome = await run { store -> FinishOutcomeBox? in
            try store.activeTrip().map {
                FinishOutcomeBox(TripFlow.finishWithOdometer(store, $0, to: to, startReading: odometerStart, endReading: odometerEnd, lang, nowMs: Format.nowMs()))
            }
        }
        await afterFinish(outcome.flatMap { $0 }?.outcome)
    }

    private func afterFinish(_ outcome: FinishOutcome?) async {
        switch outcome {
        case .saved?:
            tripFinish = nil
            tripNotice = nil
            BackgroundSync.scheduleSoon()
        case let .failed(text)?:
            message = text
        default:
            tripFinish = outcome
        }
        await refresh()
    }

    func cancelTrip() async {
        TripLocation.shared.stop()
        _ = await run { store -> Bool in
            try store.activeTrip()?.cancel()
            return true
        }
        tripFinish = nil
        tripNotice = nil
        await refresh()
    }

    func syncNow() async {
        guard let store = store else { return }
        do {
            _ = try await StoreCalls.detached(store) { store -> Bool in
                _ = try store.syncNow()
                return true
            }
        } catch {
            switch SyncPolicy.classify(error) {
            case .reenrol: event(.revoked)
            case .wiped:
                keys.forget()
                self.store = nil
                event(.wiped)
                return
            default: break
            }
        }
        await refresh()
    }

    func retry(_ changeId: String) async {
        _ = await run { try $0.retryRejected(changeId: changeId) }
        await refresh()
    }

    func discard(_ changeId: String) async {
        _ = await run { try $0.discardRejected(changeId: changeId) }
        await refresh()
    }

    func wipe() async {
        TripLocation.shared.stop()
        _ = await run { try $0.wipe() }
        keys.forget()
        store = nil
        await applyReminders([])
        event(.wiped)
    }

    var storePath: String { path }
}

/// Carries a recording handle out of a detached task (uniffi objects are thread-safe).
struct TripRecordingBox: @unchecked Sendable {
    let recording: TripRecording
    init(_ recording: TripRecording) { self.recording = recording }
}

/// Carries a finish outcome (which holds a TripItem) out of a detached task.
struct FinishOutcomeBox: @unchecked Sendable {
    let outcome: FinishOutcome
    init(_ outcome: FinishOutcome) { self.outcome = outcome }
}
