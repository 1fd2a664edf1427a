import SwiftUI
import UppsokAppCore

/// The app lock: Face ID / Touch ID or the passcode, asked at once; a phone without a passcode
/// gets the gate's notice instead of a prompt that cannot show.
struct LockView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        VStack(spacing: 16) {
            Image(systemName: "lock.fill").font(.largeTitle)
            Text("lock.title").font(.title2)
            if let notice = model.gateState.notice {
                Text(notice.text(model.lang)).padding(.horizontal)
            }
            Button("lock.unlock") { Task { await unlock() } }
        }
        .task { await unlock() }
    }

    private func unlock() async {
        guard AppLock.available else {
            model.event(.noScreenLock)
            return
        }
        if await AppLock.authenticate(reason: String(localized: "lock.subtitle")) {
            await model.unlock()
        }
    }
}
