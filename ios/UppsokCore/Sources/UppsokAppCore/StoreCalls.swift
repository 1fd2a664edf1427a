// Calling the core from the app without blocking the UI, and the background sync: the parts of
// AppModel and BackgroundSync (SwiftUI / BackgroundTasks glue, parse-checked only) that need no
// Apple framework, kept here so that the Linux build compiles them in Swift 5 and 6 modes and
// the XCTests run them against the real library and server.
import Foundation
import UppsokCore

public enum StoreCalls {
    /// Runs `work` with `store` in a detached task: every core call blocks (SQLite with fsync, the
    /// key provider, the network), so none may run on the main actor. The result crosses back to
    /// the caller's actor, so it must be `Sendable` (Swift 6 refuses a plain generic `T` here).
    public static func detached<T: Sendable>(
        _ store: UppsokStore, _ work: @escaping @Sendable (UppsokStore) throws -> T
    ) async throws -> T {
        try await Task.detached(priority: .userInitiated) { try work(store) }.value
    }

    /// Opens the store at `path` off the caller's actor (the key provider may wait for the
    /// keychain).
    public static func open(path: String, keys: PlatformKeyProvider) async throws -> UppsokStore {
        try await Task.detached(priority: .userInitiated) { try UppsokStore.open(path: path, keys: keys) }.value
    }

    /// Opens the store, or creates it for `username` when there is none yet.
    public static func openOrCreate(path: String, username: String, keys: PlatformKeyProvider) async throws -> UppsokStore {
        try await Task.detached(priority: .userInitiated) { () throws -> UppsokStore in
            if storeExists(path: path) { return try UppsokStore.open(path: path, keys: keys) }
            return try UppsokStore.create(path: path, username: username, keys: keys)
        }.value
    }

    /// One background sync (BGAppRefreshTask): syncs if the store can be opened and the core's
    /// backoff allows a try now. Returns whether the task is done (`false`: iOS should try again
    /// later, for failures that may pass, such as no network).
    public static func backgroundSync(path: String, keys: PlatformKeyProvider) -> Bool {
        guard storeExists(path: path), let store = try? UppsokStore.open(path: path, keys: keys) else { return true }
        guard (try? store.syncDue()) ?? false else { return true }
        do {
            _ = try store.syncNow()
            return true
        } catch {
            return SyncPolicy.classify(error) != .retry
        }
    }
}
