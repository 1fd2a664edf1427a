import SwiftUI
import UppsokAppCore
import UppsokCore

/// Today's visits, the sync line, and "log a visit".
struct TodayView: View {
    @EnvironmentObject var model: AppModel
    @State private var logging = false

    var body: some View {
        List {
            if let s = model.sync {
                Section {
                    Button(Format.waiting(s.waiting, model.lang) + " · " + Format.lastSync(s.lastSyncMs, nowMs: Format.nowMs(), model.lang)) {
                        Task { await model.syncNow() }
                    }
                }
            }
            Section {
                if model.today.isEmpty {
                    Text("today.empty")
                }
                ForEach(model.today, id: \.id) { v in
                    VStack(alignment: .leading) {
                        Text("\(v.clientCode ?? "?") · \(Labels.contact(v.contact, model.lang))")
                        Text([Format.clock(v.startMs), Format.minutes(v.minutes, model.lang), v.place ?? ""].joined(separator: " · "))
                            .font(.caption)
                    }
                }
            }
        }
        .navigationTitle(Text("today.title"))
        .toolbar {
            Button { logging = true } label: { Label("visit.log", systemImage: "plus") }
        }
        .sheet(isPresented: $logging) { LogVisitView() }
        .refreshable { await model.refresh() }
    }
}
