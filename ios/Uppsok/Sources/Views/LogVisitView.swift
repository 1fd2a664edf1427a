import SwiftUI
import UppsokAppCore
import UppsokCore

/// Log a visit, or edit one (`editing`): any client of the caseload (searched with ClientPicker, "Mina klienter"
/// first, none chosen until the user chooses), contact kind, setting, whether the client took part (a network-only
/// contact is never an attempt) and whether it was a group contact, the time it began, minutes, colleagues from the team
/// list, place from the team's list or the gazetteer. @SceneStorage keeps the draft across
/// dismissals of the scene and process death — the client, minutes, place and note each, the
/// rest as one VisitDraft string — and @State across tab switches (the sheet stays).
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
    @State private var clientPresent = true
    @State private var group = false
    @SceneStorage("visit.note") private var note: String = ""
    /// Contact, setting, start, colleagues (VisitDraft.encoded), written on every change.
    @SceneStorage("visit.draft") private var draft: String = ""

    private let settings: [Setting] = [.home, .community, .office, .inpatient]
    private let minuteChoices: [Int] = [15, 30, 45, 60, 90, 120]

    var body: some View {
        NavigationStack {
            Form {
                Section("visit.client") {
                    TextField("visit.search", text: $query)
                    // "Mina klienter" (contact person or deputy) first, under their heading.
                    ForEach(Array(ClientPicker.sections(model.clients, query: query, recentIds: model.recentIds, model.lang).enumerated()), id: \.offset) { _, section in
                        if let title = section.title { Text(title).font(.caption).foregroundStyle(.secondary) }
                        ForEach(section.clients.prefix(12), id: \.id) { c in
                            Button { clientId = c.id } label: {
                                HStack {
                                    Text(Labels.client(c, model.lang))
                                    if c.id == clientId { Spacer(); Image(systemName: "checkmark") }
                                }
                            }
                        }
                    }
                }
                Section("visit.contact") {
                    // No attempt for a network-only contact (VisitContact).
                    Picker("visit.contact", selection: Binding(get: { contact }, set: { apply(current.withContact($0)) })) {
                        ForEach(current.choices, id: \.self) { k in Text(Labels.contact(k, model.lang)).tag(k) }
                    }
                    Toggle(Labels.clientAbsent(model.lang), isOn: Binding(get: { !clientPresent }, set: { apply(current.withClientPresent(!$0)) }))
                    Toggle(Labels.groupContact(model.lang), isOn: $group)
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
                    ForEach(current.problems(model.lang), id: \.field) { p in Text(p.text).font(.caption).foregroundStyle(.red) }
                    TextField("visit.note", text: $note, axis: .vertical)
                }
            }
            .navigationTitle(Text("visit.log"))
            .onChange(of: currentDraft.encoded()) { text in draft = text }
            .onAppear {
                // A draft of this same form (new, or an edit of the same visit) left when the
                // app was killed comes back whole; an edit otherwise starts from the visit.
                if let d = VisitDraft.decode(draft, nowMs: Format.nowMs()), d.editingId == editing?.id {
                    apply(d.contact)
                    group = d.contact.group
                    start = Date(timeIntervalSince1970: Double(d.startMs) / 1000)
                    staff = Set(d.staff)
                    return
                }
                guard let v = editing else { return }
                clientId = v.clientId
                contact = v.contact
                setting = v.setting
                minutes = Int(v.minutes)
                start = Date(timeIntervalSince1970: Double(v.startMs) / 1000)
                place = v.place ?? ""
                staff = Set(v.staff.filter { $0 != v.author })
                network = v.network
                clientPresent = v.clientPresent
                group = v.group
                note = v.note ?? ""
            }
            .toolbar {
                // Cancel throws the draft's time and contact away (the start is "now" next time).
                ToolbarItem(placement: .cancellationAction) { Button("cancel") { draft = ""; dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    Button("save") { Task { await save() } }.disabled(clientId.isEmpty)
                }
            }
        }
    }

    /// The contact part of the form, whose rules live in UppsokAppCore.
    private var current: VisitContact {
        VisitContact(contact: contact, setting: setting, network: network, clientPresent: clientPresent, group: group)
    }

    /// What @SceneStorage keeps of the form beyond its four single fields.
    private var currentDraft: VisitDraft {
        VisitDraft(contact: current, startMs: Int64(start.timeIntervalSince1970 * 1000), staff: staff.sorted(), editingId: editing?.id)
    }

    private func apply(_ v: VisitContact) {
        contact = v.contact
        setting = v.setting
        network = v.network
        clientPresent = v.clientPresent
    }

    private func save() async {
        guard !clientId.isEmpty else { return }
        let input = VisitInput(
            id: editing?.id, clientId: clientId, staff: staff.sorted(), startMs: Int64(start.timeIntervalSince1970 * 1000),
            minutes: Int32(minutes), contact: contact, setting: setting, network: network,
            clientPresent: clientPresent, group: group,
            place: place.isEmpty ? nil : place, note: note.isEmpty ? nil : note
        )
        if await model.logVisit(input) {
            clientId = ""
            note = ""
            place = ""
            draft = ""
            dismiss()
        }
    }
}
