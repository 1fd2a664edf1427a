import SwiftUI
import UppsokAppCore
import UppsokCore

/// The caseload: every active client searched by code or name (ClientPicker); a new client; a
/// client's phase, consent, next planned contact and visits (ClientDetail).
struct ClientsView: View {
    @EnvironmentObject var model: AppModel
    @State private var code = ""
    @State private var name = ""
    @State private var query = ""

    var body: some View {
        List {
            Section {
                TextField("client.code", text: $code).textInputAutocapitalization(.characters)
                TextField("client.name", text: $name)
                Button("client.add") {
                    Task { await model.addClient(code: code, name: name) }
                    code = ""
                    name = ""
                }
            }
            ForEach(ClientPicker.search(model.clients, query: query, recentIds: model.recentIds), id: \.id) { c in
                NavigationLink {
                    ClientDetail(client: c)
                } label: {
                    VStack(alignment: .leading) {
                        Text("\(c.code) · \(c.name)")
                        Text("clients.last_contact \(Format.daysAgo(c.daysSinceContact, model.lang))").font(.caption)
                        if let next = c.nextContact {
                            Text("clients.next_contact \(next)").font(.caption)
                        }
                        if (c.daysSinceContact ?? Int64.max) > 14 {
                            Text("clients.overdue").font(.caption).foregroundStyle(.red)
                        }
                    }
                }
            }
        }
        .searchable(text: $query, prompt: Text("visit.search"))
        .navigationTitle(Text("nav.clients"))
        .refreshable { await model.refresh() }
    }
}

/// One client: phase, consent, next planned contact (saved with editClient), and its visits.
struct ClientDetail: View {
    @EnvironmentObject var model: AppModel
    let client: ClientItem
    @State private var phase: Phase = .active
    @State private var consent: ConsentState = .notRecorded
    @State private var planned = false
    @State private var next = Date()
    @State private var visits: [VisitItem] = []

    private let phases: [Phase] = [.intake, .active, .stable]
    private let consents: [ConsentState] = [.notRecorded, .given, .withdrawn]

    var body: some View {
        Form {
            Picker("client.phase", selection: $phase) {
                ForEach(phases, id: \.self) { p in Text(Labels.phase(p, model.lang)).tag(p) }
            }
            Picker("client.consent", selection: $consent) {
                ForEach(consents, id: \.self) { c in Text(Labels.consent(c, model.lang)).tag(c) }
            }
            Toggle("client.next", isOn: $planned)
            if planned {
                DatePicker("client.next", selection: $next, displayedComponents: .date)
            }
            Button("save") { Task { await save() } }
            Section("client.history") {
                ForEach(visits, id: \.id) { v in
                    Text("\(Reminders.isoDay(v.startMs)) \(Format.clock(v.startMs)) · \(Labels.contact(v.contact, model.lang)) · \(Format.minutes(v.minutes, model.lang))")
                }
            }
        }
        .navigationTitle(Text(client.code))
        .task {
            phase = client.phase
            consent = client.consent
            planned = client.nextContact != nil
            visits = await model.visits(for: client.id)
        }
    }

    private func save() async {
        let date: String? = planned ? Reminders.isoDay(Int64(next.timeIntervalSince1970 * 1000)) : nil
        let consentDate: String? = consent == .notRecorded ? nil
            : (consent == client.consent ? client.consentDate : Reminders.isoDay(Format.nowMs()))
        let input = ClientInput(id: client.id, code: client.code, name: client.name, phase: phase,
                                closedReason: client.closedReason, nextContact: date, consent: consent, consentDate: consentDate)
        await model.saveClient(input)
    }
}
