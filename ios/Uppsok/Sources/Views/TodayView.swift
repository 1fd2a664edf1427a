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

/// Names of the choices, Swedish first (same as Labels.kt).
enum Labels {
    static func contact(_ c: ContactKind, _ lang: Lang) -> String {
        switch c {
        case .faceToFace: return lang == .sv ? "Personligt möte" : "Face to face"
        case .phone: return lang == .sv ? "Telefon" : "Phone"
        case .video: return "Video"
        case .message: return lang == .sv ? "Meddelande" : "Message"
        case .attempted: return lang == .sv ? "Sökt, ej anträffad" : "Attempted, not reached"
        }
    }

    static func setting(_ s: Setting, _ lang: Lang) -> String {
        switch s {
        case .home: return lang == .sv ? "Hemma" : "Home"
        case .community: return lang == .sv ? "Ute i samhället" : "In the community"
        case .office: return lang == .sv ? "Mottagningen" : "Office"
        case .inpatient: return lang == .sv ? "Avdelning" : "Inpatient ward"
        }
    }
}
