import LocalAuthentication
import SwiftUI
import UppsokAppCore

@main
struct UppsokApp: App {
    @StateObject private var model = AppModel()
    @Environment(\.scenePhase) private var phase
    @State private var backgroundSince: Date? = nil

    init() {
        let keys = KeychainKeyProvider()
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        BackgroundSync.register(path: dir.appendingPathComponent("uppsok.db").path, keys: keys)
    }

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(model)
        }
        .onChange(of: phase) { newPhase in
            switch newPhase {
            case .background:
                backgroundSince = Date()
                BackgroundSync.schedule(after: SyncPolicy.periodicSeconds)
            case .active:
                // The app lock: five minutes in the background locks it again.
                if let since = backgroundSince, Date().timeIntervalSince(since) >= 5 * 60 {
                    model.lock()
                }
                backgroundSince = nil
            default:
                break
            }
        }
    }
}

/// Asks for Face ID / Touch ID or the device passcode.
enum AppLock {
    static func authenticate(reason: String) async -> Bool {
        let context = LAContext()
        do {
            return try await context.evaluatePolicy(.deviceOwnerAuthentication, localizedReason: reason)
        } catch {
            return false
        }
    }
}
