import BackgroundTasks
import Foundation
import UppsokAppCore

/// Background sync with BGTaskScheduler: an app-refresh task about every 30 minutes (iOS decides
/// the real moment), asking the core whether its backoff allows a try, then syncing.
enum BackgroundSync {
    static let identifier = "se.uppsok.app.sync"

    /// Call once at launch, before the app finishes launching.
    static func register(path: String, keys: KeychainKeyProvider) {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            schedule(after: SyncPolicy.periodicSeconds)
            let work = Task.detached {
                let done = StoreCalls.backgroundSync(path: path, keys: keys)
                task.setTaskCompleted(success: done)
            }
            task.expirationHandler = { work.cancel() }
        }
    }

    static func schedule(after seconds: TimeInterval) {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: seconds)
        try? BGTaskScheduler.shared.submit(request)
    }

    /// After a save: soon, so the change leaves while the phone still has coverage.
    static func scheduleSoon() {
        schedule(after: 10)
    }
}
