import LocalAuthentication
import SwiftUI
import UppsokAppCore

@main
struct UppsokApp: App {
    @StateObject private var model = AppModel()
    @Environment(\.scenePhase) private var phase

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
                // The privacy screen: the app switcher's snapshot is taken when the scene leaves
                // .active, so client names are covered by then.
                .overlay { if phase != .active { PrivacyCover() } }
                .onOpenURL { model.openLink($0) }
                // A trip recording left by a killed app restarts its location updates at launch.
                .task { await model.resumeTrip() }
        }
        .onChange(of: phase) { newPhase in
            let now = Format.nowMs()
            switch newPhase {
            case .background:
                model.event(.background(nowMs: now))
                BackgroundSync.schedule(after: SyncPolicy.periodicSeconds)
            case .active:
                // The app lock's timeout is AppGate's rule.
                model.event(.foreground(nowMs: now))
            default:
                break
            }
        }
    }
}

/// Covers the screen while the app is not active (app switcher, notification centre).
struct PrivacyCover: View {
    var body: some View {
        ZStack {
            Rectangle().fill(.background)
            Image(systemName: "lock.fill").font(.largeTitle)
        }
        .ignoresSafeArea()
    }
}

/// Asks for Face ID / Touch ID or the device passcode.
enum AppLock {
    /// Whether a passcode (or biometrics) is set: without one the policy cannot be evaluated.
    static var available: Bool {
        LAContext().canEvaluatePolicy(.deviceOwnerAuthentication, error: nil)
    }

    static func authenticate(reason: String) async -> Bool {
        let context = LAContext()
        do {
            return try await context.evaluatePolicy(.deviceOwnerAuthentication, localizedReason: reason)
        } catch {
            return false
        }
    }
}
