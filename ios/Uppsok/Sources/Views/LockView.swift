import SwiftUI

/// The app lock: Face ID / Touch ID or the passcode, asked at once.
struct LockView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        VStack(spacing: 16) {
            Image(systemName: "lock.fill").font(.largeTitle)
            Text("lock.title").font(.title2)
            Button("lock.unlock") { Task { await unlock() } }
        }
        .task { await unlock() }
    }

    private func unlock() async {
        if await AppLock.authenticate(reason: String(localized: "lock.subtitle")) {
            await model.unlock()
        }
    }
}
