import SwiftUI
import UppsokAppCore
import UppsokCore

/// Log a visit in a few taps: recent client, contact kind, setting, minutes, place.
struct LogVisitView: View {
    @EnvironmentObject var model: AppModel
    @Environment(\.dismiss) private var dismiss
    @State private var clientId: String? = nil
    @State private var contact: ContactKind = .faceToFace
    @State private var setting: Setting? = .home
    @State private var minutes: Int32 = 30
    @State private var place: String? = nil
    @State private var staff = ""
    @State private var network = false
    @State private var note = ""

    private let contacts: [ContactKind] = [.faceToFace, .phone, .video, .message, .attempted]
    private let settings: [Setting] = [.home, .community, .office, .inpatient]
    private let minuteChoices: [Int32] = [15, 30, 45, 60, 90, 120]

    var body: some View {
        NavigationStack {
            Form {
                Section("visit.recent") {
                    Picker("visit.client", selection: $clientId) {
                        ForEach(model.recentClients, id: \.id) { c in
                            Text(c.code).tag(Optional(c.id))
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
                Section("visit.minutes") {
                    Picker("visit.minutes", selection: $minutes) {
                        ForEach(minuteChoices, id: \.self) { m in Text(Format.minutes(m, model.lang)).tag(m) }
                    }
                    .pickerStyle(.segmented)
                }
                Section("visit.place") {
                    Picker("visit.place", selection: $place) {
                        Text("–").tag(String?.none)
                        ForEach(model.places, id: \.id) { p in Text(p.name).tag(Optional(p.name)) }
                    }
                }
                Section {
                    TextField("visit.staff", text: $staff)
                    Toggle("visit.network", isOn: $network)
                    TextField("visit.note", text: $note, axis: .vertical)
                }
            }
            .navigationTitle(Text("visit.log"))
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("cancel") { dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    Button("save") { Task { await save() } }.disabled(clientId == nil)
                }
            }
            .onAppear { clientId = clientId ?? model.recentClients.first?.id }
        }
    }

    private func save() async {
        guard let clientId = clientId else { return }
        let others = staff.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        let input = VisitInput(
            id: nil, clientId: clientId, staff: others, startMs: Format.nowMs(), minutes: minutes,
            contact: contact, setting: setting, network: network, place: place,
            note: note.isEmpty ? nil : note
        )
        if await model.logVisit(input) { dismiss() }
    }
}
