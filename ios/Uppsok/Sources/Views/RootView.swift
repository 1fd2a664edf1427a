import SwiftUI
import UppsokAppCore

/// Enrolment, the lock, or the tabs.
struct RootView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        Group {
            switch model.gate {
            case .loading, .enrol:
                EnrolView()
            case .locked:
                LockView()
            case .open:
                TabView {
                    NavigationStack { TodayView() }
                        .tabItem { Label("nav.today", systemImage: "calendar") }
                    NavigationStack { ClientsView() }
                        .tabItem { Label("nav.clients", systemImage: "person.2") }
                    NavigationStack { TripsView() }
                        .tabItem { Label("nav.trips", systemImage: "car") }
                    NavigationStack { SyncView() }
                        .tabItem { Label("nav.sync", systemImage: "arrow.triangle.2.circlepath") }
                    NavigationStack { SettingsView() }
                        .tabItem { Label("nav.settings", systemImage: "gear") }
                }
            }
        }
        .alert(
            model.message ?? "",
            isPresented: Binding(get: { model.message != nil }, set: { shown in if !shown { model.message = nil } })
        ) {
            Button("OK", role: .cancel) {}
        }
    }
}
