// When the phone syncs; the same numbers as SyncPolicy.kt on Android.
import Foundation
import UppsokCore

public enum SyncAction {
    case done, retry, reenrol, wiped, updateApp, needsUser
}

public enum SyncPolicy {
    /// BGAppRefreshTask earliest begin date after the last run.
    public static let periodicSeconds: TimeInterval = 30 * 60
    public static let baseBackoffSeconds: TimeInterval = 30
    public static let maxBackoffSeconds: TimeInterval = 60 * 60

    /// 30 s, 1 min, 2 min … capped at 1 h, with up to ±20 % jitter (jitter in -1...1).
    public static func backoff(attempt: Int, jitter: Double = 0) -> TimeInterval {
        let exp = min(max(attempt, 0), 16)
        let base = min(baseBackoffSeconds * pow(2, Double(exp)), maxBackoffSeconds)
        return base * (1 + max(-1, min(1, jitter)) * 0.2)
    }

    public static func classify(_ error: Error?) -> SyncAction {
        guard let error = error else { return .done }
        guard let e = error as? UppsokError else { return .retry }
        switch e {
        case .Network, .Storage: return .retry
        case .Revoked, .NotEnrolled: return .reenrol
        case .Wiped: return .wiped
        case .Outdated: return .updateApp
        case .WrongKey, .KeyProvider, .Tampered, .NoStore: return .needsUser
        default: return .retry
        }
    }

    public static func isStale(waiting: Int64, lastSyncMs: Int64?, nowMs: Int64) -> Bool {
        guard waiting > 0 else { return false }
        guard let last = lastSyncMs else { return true }
        return nowMs - last > 8 * 3_600_000
    }
}
