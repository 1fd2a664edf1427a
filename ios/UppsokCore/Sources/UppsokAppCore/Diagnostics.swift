// The diagnostics export IT support asks for, without personal data (no client, code, name,
// note, place, user name or record id; the server by host only); the same text as
// Diagnostics.kt on Android.
import Foundation
import UppsokCore

public enum Diagnostics {
    public static func text(_ status: SyncStatus, coreVersion: String, app: String, damagedRecords: Int64, nowMs: Int64) -> String {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func time(_ ms: Int64?) -> String {
            guard let ms = ms else { return "-" }
            return iso.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
        }
        let host = status.serverUrl.flatMap { URLComponents(string: $0)?.host } ?? "-"
        var refused: [String: Int] = [:]
        for r in status.rejected { refused["\(r.entity)/\(r.code)", default: 0] += 1 }
        let refusedText = refused.isEmpty ? "none" : refused.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        return [
            "Uppsök diagnostics",
            "created: \(time(nowMs))",
            "app: \(app)",
            "core: \(coreVersion)",
            "server host: \(host)",
            "enrolled: \(status.enrolled)",
            "revoked: \(status.revoked)",
            "waiting: \(status.waiting)",
            "last sync: \(time(status.lastSyncMs))",
            "last attempt failed: \(status.lastError != nil)",
            "failures in a row: \(status.failures)",
            "next attempt: \(time(status.nextAttemptMs))",
            "refused: \(refusedText)",
            "unreadable records: \(damagedRecords)",
        ].joined(separator: "\n") + "\n"
    }
}
