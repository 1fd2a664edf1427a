import Foundation
import SwiftUI
import UppsokAppCore
import UppsokCore

enum Gate {
    case enrol, locked, open
}

/// The screens' state. Every core call blocks (SQLite with fsync, the keychain, the network), so
/// each runs in a detached task off the main actor; the wording comes from UppsokAppCore.
@MainActor
final class AppModel: ObservableObject {
    @Published var gate: Gate = .locked
    @Published var today: [VisitItem] = []
    @Published var recentClients: [ClientItem] = []
    @Published var clients: [ClientItem] = []
    @Published var places: [PlaceItem] = []
    @Published var trips: [TripItem] = []
    @Published var recordingKm: String? = nil
    @Published var sync: SyncStatus? = nil
    /// Records the lists left out because they could not be read (damaged storage).
    @Published var damaged: Int64 = 0
    @Published var profile: ProfileInfo? = nil
    @Published var message: String? = nil

    let lang = Lang.current
    let keys = KeychainKeyProvider()
    private var store: UppsokStore? = nil
    private let path: String = {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        return dir.appendingPathComponent("uppsok.db").path
    }()

    init() {
        gate = storeExists(path: path) ? .locked : .enrol
    }

    /// Runs `work` with the store off the main thread (StoreCalls.detached); errors become a
    /// message.
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
        let path = self.path
        let keys = self.keys
        do {
            store = try await StoreCalls.open(path: path, keys: keys)
            gate = .open
            await refresh()
        } catch {
            message = Messages.of(error, lang)
        }
    }

    func lock() {
        gate = .locked
    }

    func refresh() async {
        let now = Format.nowMs()
        today = await run { try $0.visitsToday() } ?? []
        recentClients = await run { try $0.recentClients(limit: 8) } ?? []
        clients = await run { try $0.clients() } ?? []
        places = await run { try $0.places() } ?? []
        trips = (await run { try $0.tripsBetween(fromMs: now - 31 * 86_400_000, beforeMs: now + 86_400_000) } ?? []).reversed()
        sync = await run { try $0.syncStatus() }
        damaged = await run { try $0.damagedRecords(fullScan: false) } ?? 0
        profile = await run { try $0.profile() }
        let km = await run { try $0.activeTrip()?.currentKm() }
        recordingKm = km.flatMap { $0 }.map { Format.km($0, lang) }
    }

    func enrol(username: String, server: String, code: String) async {
        let path = self.path
        let keys = self.keys
        do {
            let store = try await StoreCalls.openOrCreate(path: path, username: username, keys: keys)
            self.store = store
            _ = try await StoreCalls.detached(store) { try $0.enrol(serverUrl: server, code: code, deviceName: "iPhone") }
            gate = .open
            await syncNow()
        } catch {
            message = Messages.of(error, lang)
        }
    }

    func logVisit(_ input: VisitInput) async -> Bool {
        let ok = await run { try $0.logVisit(input: input) } != nil
        BackgroundSync.scheduleSoon()
        await refresh()
        return ok
    }

    /// Rewrites or removes damaged records; the next sync brings the server's copies.
    func repairDamaged() async {
        _ = await run { try $0.repairDamaged() }
        BackgroundSync.scheduleSoon()
        await refresh()
    }

    func addClient(code: String, name: String) async {
        let input = ClientInput(id: nil, code: code, name: name, phase: .intake, closedReason: nil,
                                nextContact: nil, consent: .notRecorded, consentDate: nil)
        _ = await run { try $0.addClient(input: input) }
        await refresh()
    }

    func logTrip(_ input: TripInput) async {
        _ = await run { try $0.logTrip(input: input) }
        BackgroundSync.scheduleSoon()
        await refresh()
    }

    func startTrip(from: String, purpose: String, serviceCar: String?) async {
        let start = TripStart(serviceCar: serviceCar, fromPlace: from, purpose: purpose, visited: nil, visitIds: [], odometerStart: nil)
        if let rec = await run({ try $0.startTrip(start: start) }) {
            TripLocation.shared.start(recording: rec, lang: lang)
        }
        await refresh()
    }

    func finishTrip(to: String) async {
        TripLocation.shared.stop()
        _ = await run { store -> TripItem? in try store.activeTrip()?.finish(toPlace: to, toAddress: nil, odometerEnd: nil) }
        await refresh()
    }

    func syncNow() async {
        _ = await run { try $0.syncNow() }
        await refresh()
    }

    func retry(_ changeId: String) async {
        _ = await run { try $0.retryRejected(changeId: changeId) }
        await refresh()
    }

    func wipe() async {
        _ = await run { try $0.wipe() }
        keys.forget()
        store = nil
        gate = .enrol
    }

    var storePath: String { path }
}
