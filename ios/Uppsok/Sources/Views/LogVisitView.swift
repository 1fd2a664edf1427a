import SwiftUI
import UppsokAppCore
import UppsokCore

/// Log a visit, or edit one (`editing`): any client of the caseload (searched with ClientPicker, none chosen until the
/// user chooses), contact kind, setting, the time it began, minutes, colleagues from the team
/// list, place from the team's list or the gazetteer. @SceneStorage keeps the draft across
/// dismissals of the scene and process death; @State across tab switches (the sheet stays).
struct LogVisitView: View {
    @EnvironmentObject var model: AppModel
    @Environment(\.dismiss) private var dismiss
    /// The visit being edited (same id), or nil for a new one.
    var editing: VisitItem? = nil
    @SceneStorage("visit.clientId") private var clientId: String = ""
    @State private var query = ""
    @State private var contact: ContactKind = .faceToFace
    @State private var setting: Setting? = .home
    @SceneStorage("visit.minutes") private var minutes: Int = 30
    @State private var start = Date()
    @SceneStorage("visit.place") private var place: String = ""
    @State private var placeQuery = ""
    @State private var staff: Set<String> = []
    @State private var network = false
    @SceneStorage("visit.note") private var note: String = ""

    private let contacts: [ContactKind] = [.faceToFace, .phone, .video, .message, .attempted]
    private let settings: [Setting] = [.home, .community, .office, .inpatient]
    private let minuteChoices: [Int] = [15, 30, 45, 60, 90, 120]

    var body: some View {
        NavigationStack {
            Form {
                Section("visit.client") {
                    TextField("visit.search", text: $query)
                    ForEach(ClientPicker.search(model.clients, query: query, recentIds: model.recentIds).prefix(12), id: \.id) { c in
                        Button { clientId = c.id } label: {
                            HStack {
                                Text("\(c.code) · \(c.name)")
                                if c.id == clientId { Spacer(); Image(systemName: "checkmark") }
                            }
                        }
                    }
                }
                Section("visit.contact") {
                    Picker("visit.contact", selection: $contact) {
                        ForEach(contacts, id: \.self) { k in Text(Labels.contact(k, model.lang)).tag(k) }
                    }
                    .onChange(of: contact) { k in
                        if k == .phone || k == .video || k == .message { setting = nil }
                        if k == .faceToFace && setting == nil { setting = .home }
                    }
                    if contact == .faceToFace || contact == .attempted {
                        Picker("visit.setting", selection: $setting) {
                            ForEach(settings, id: \.self) { s in Text(Labels.setting(s, model.lang)).tag(Optional(s)) }
                        }
                    }
                }
                Section("visit.time") {
                    DatePicker("visit.time", selection: $start, in: ...Date().addingTimeInterval(300))
                    Picker("visit.minutes", selection: $minutes) {
                        ForEach(minuteChoices, id: \.self) { m in Text(Format.minutes(Int32(m), model.lang)).tag(m) }
                    }
                    .pickerStyle(.segmented)
                }
                Section("visit.place") {
                    TextField("visit.place_search", text: $placeQuery)
                    let team = model.places.map(\.name).filter { placeQuery.isEmpty || ClientPicker.fold($0).hasPrefix(ClientPicker.fold(placeQuery)) }
                    let gazetteer = placeQuery.count >= 2 ? searchGazetteer(prefix: placeQuery, limit: 8).map(\.name) : []
                    ForEach(Array(NSOrderedSet(array: team + gazetteer)).compactMap { $0 as? String }.prefix(12), id: \.self) { name in
                        Button { place = place == name ? "" : name } label: {
                            HStack {
                                Text(name)
                                if place == name { Spacer(); Image(systemName: "checkmark") }
                            }
                        }
                    }
                }
                if !model.team.isEmpty {
                    Section("visit.staff") {
                        ForEach(model.team.filter { $0.username != model.profile?.username }, id: \.username) { m in
                            Toggle(m.name, isOn: Binding(
                                get: { staff.contains(m.username) },
                                set: { on in if on { staff.insert(m.username) } else { staff.remove(m.username) } }
                            ))
                        }
                    }
                }
                Section {
                    Toggle("visit.network", isOn: $network)
                    TextField("visit.note", text: $note, axis: .vertical)
                }
            }
            .navigationTitle(Text("visit.log"))
            .onAppear {
                guard let v = editing else { return }
                clientId = v.clientId
                contact = v.contact
                setting = v.setting
                minutes = Int(v.minutes)
                start = Date(timeIntervalSince1970: Double(v.startMs) / 1000)
                place = v.place ?? ""
                staff = Set(v.staff.filter { $0 != v.author })
                network = v.network
                note = v.note ?? ""
            }
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("cancel") { dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    Button("save") { Task { await save() } }.disabled(clientId.isEmpty)
                }
            }
        }
    }

    private func save() async {
        guard !clientId.isEmpty else { return }
        let input = VisitInput(
            id: editing?.id, clientId: clientId, staff: staff.sorted(), startMs: Int64(start.timeIntervalSince1970 * 1000),
            minutes: Int32(minutes), contact: contact, setting: setting, network: network,
            place: place.isEmpty ? nil : place, note: note.isEmpty ? nil : note
        )
        if await model.logVisit(input) {
            clientId = ""
            note = ""
            place = ""
            dismiss()
        }
    }
}
