import SwiftUI
import UppsokAppCore
import UppsokCore

/// Who is signed in, the server, the version; lock now; the diagnostics export (no personal
/// data); wipe the phone.
struct SettingsView: View {
    @EnvironmentObject var model: AppModel
    @State private var confirmWipe = false

    var body: some View {
        List {
            if let p = model.profile {
                Text("settings.user \(p.username)")
                Text("settings.server \(p.serverUrl ?? "–")")
            }
            Text("settings.version \(coreVersion())")
            Button("settings.lock") { model.lock() }
            if let s = model.sync {
                ShareLink(item: Diagnostics.text(s, coreVersion: coreVersion(), app: Bundle.main.object(forInfoDictionaryKey: "CFBundleShortVersionString") as? String ?? "?",
                                                 damagedRecords: model.damaged, nowMs: Format.nowMs())) {
                    Text("settings.diagnostics")
                }
            }
            Button("settings.wipe", role: .destructive) { confirmWipe = true }
        }
        .navigationTitle(Text("nav.settings"))
        .confirmationDialog("settings.wipe.confirm", isPresented: $confirmWipe) {
            Button("settings.wipe.yes", role: .destructive) { Task { await model.wipe() } }
        }
    }
}
