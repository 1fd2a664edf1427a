import SwiftUI
import UppsokAppCore
import UppsokCore

/// The start screen: today's planned contacts and clients not reached for long (TodayPlan), the
/// sync line, today's visits (swipe to edit or delete), and "log a visit".
struct TodayView: View {
    @EnvironmentObject var model: AppModel
    @State private var logging = false
    @State private var editing: VisitItem? = nil

    var body: some View {
        let today = Reminders.isoDay(Format.nowMs())
        List {
            if let s = model.sync {
                Section {
                    Button(Format.waiting(s.waiting, model.lang) + " · " + Format.lastSync(s.lastSyncMs, nowMs: Format.nowMs(), model.lang)) {
                        Task { await model.syncNow() }
                    }
                }
            }
            let planned = TodayPlan.planned(model.clients, today: today)
            if !planned.isEmpty {
                Section("today.planned") {
                    ForEach(planned, id: \.id) { c in Text("\(c.code) · \(c.name)") }
                }
            }
            let overdue = TodayPlan.overdue(model.clients, today: today)
            if !overdue.isEmpty {
                Section("today.overdue") {
                    ForEach(overdue, id: \.id) { c in
                        Text("\(c.code) · \(c.name) · \(Format.daysAgo(c.daysSinceContact, model.lang))")
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
                    .swipeActions {
                        Button("delete", role: .destructive) { Task { await model.deleteVisit(v.id) } }
                        Button("edit") { editing = v }
                    }
                }
            }
        }
        .navigationTitle(Text("today.title"))
        .toolbar {
            Button { logging = true } label: { Label("visit.log", systemImage: "plus") }
        }
        .sheet(isPresented: $logging) { LogVisitView() }
        .sheet(item: Binding(get: { editing.map(EditedVisit.init) }, set: { editing = $0?.visit })) { e in
            LogVisitView(editing: e.visit)
        }
        .refreshable { await model.refresh() }
    }
}

/// A visit as a sheet's item (VisitItem is not Identifiable).
struct EditedVisit: Identifiable {
    let visit: VisitItem
    var id: String { visit.id }
}
