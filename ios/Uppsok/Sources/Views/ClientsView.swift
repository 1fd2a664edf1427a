import SwiftUI
import UIKit
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
                        Text(Labels.client(c, model.lang))
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

/// One client: phase and closure, admission and referral, contact person and deputy, protected
/// identity, consent, next planned contact (ClientForm, saved with editClient), and its visits.
/// The form starts from the whole client, read through the core (ClientPage: logged as an
/// opening of the client), so what it does not show is saved unchanged. "Visa äldre" fetches
/// contacts and outcomes from before the phone's window; "Registrera utfall" opens the
/// client's outcomes (OutcomesView).
struct ClientDetail: View {
    @EnvironmentObject var model: AppModel
    let client: ClientItem
    @State private var form = ClientForm.new(today: "")
    @State private var planned = false
    @State private var next = Date()
    /// The page as the core serves it (ClientPage.load: logged as an opening of the client).
    @State private var page: ClientPageState?

    private let phases: [Phase] = [.intake, .active, .stable, .closed]
    private let consents: [ConsentState] = [.notRecorded, .given, .withdrawn]
    private let closures: [ClosureReason] = [.goalReached, .steppedDown, .moved, .declined, .died, .transferred, .other]
    private let referrals: [Referral] = [.psychiatry, .socialServices, .addictionCare, .primaryCare, .probation, .selfReferral, .relative, .other]
    private var today: String { Reminders.isoDay(Format.nowMs()) }

    private struct Person {
        let username: String
        let name: String
    }

    /// The team list, plus names already on the client (a colleague who has left stays shown).
    private var people: [Person] {
        let team = model.team.map { Person(username: $0.username, name: $0.name) }
        let kept = [form.contactPerson, form.deputy].compactMap { $0 }.filter { u in !team.contains { $0.username == u } }
        return team + kept.map { Person(username: $0, name: $0) }
    }

    var body: some View {
        let problems = form.problems(model.lang, today: today)
        Form {
            let shown = page?.client ?? client
            if shown.protectedIdentity { Text("\(shown.code) · \(shown.name)").font(.headline) }
            TextField("client.code", text: Binding(get: { form.code }, set: { form.code = $0.uppercased() }))
            TextField("client.name", text: Binding(get: { form.name }, set: { form.name = $0 }))
            Picker("client.phase", selection: Binding(get: { form.phase }, set: { form = form.withPhase($0, today: today) })) {
                ForEach(phases, id: \.self) { p in Text(Labels.phase(p, model.lang)).tag(p) }
            }
            if form.phase == .closed {
                Picker("client.closure", selection: Binding(get: { form.closure }, set: { r in if let r { form = form.withClosure(r) } })) {
                    ForEach(closures, id: \.self) { r in Text(Labels.closure(r, model.lang)).tag(Optional(r)) }
                }
                TextField("client.closed_reason", text: Binding(get: { form.closedReason ?? "" }, set: { form.closedReason = $0 }))
                TextField("client.closed_on", text: Binding(get: { form.closedOn ?? "" }, set: { form.closedOn = $0.isEmpty ? nil : $0 }))
            }
            Section {
                TextField("client.admitted", text: Binding(get: { form.admitted ?? "" }, set: { form = form.withAdmitted($0) }))
                if let flag = form.admissionFlag(model.lang) {
                    HStack {
                        Text(flag).font(.caption).foregroundStyle(.secondary)
                        Spacer()
                        Button("client.admitted_confirm") { form = form.confirmAdmission() }
                    }
                }
                Picker("client.referral", selection: Binding(get: { form.referral }, set: { form.referral = $0 })) {
                    Text("—").tag(Referral?.none)
                    ForEach(referrals, id: \.self) { r in Text(Labels.referral(r, model.lang)).tag(Optional(r)) }
                }
            }
            Section {
                Picker("client.contact_person", selection: Binding(get: { form.contactPerson }, set: { form = form.withContactPerson($0) })) {
                    Text("—").tag(String?.none)
                    ForEach(people, id: \.username) { p in Text(p.name).tag(Optional(p.username)) }
                }
                Picker("client.deputy", selection: Binding(get: { form.deputy }, set: { form = form.withDeputy($0) })) {
                    Text("—").tag(String?.none)
                    ForEach(people.filter { $0.username != form.contactPerson }, id: \.username) { p in Text(p.name).tag(Optional(p.username)) }
                }
                Toggle("client.protected", isOn: Binding(get: { form.protectedIdentity }, set: { form.protectedIdentity = $0 }))
                Text(ClientForm.protectedWarning(model.lang)).font(.caption)
                    .foregroundStyle(form.protectedIdentity ? Color.red : Color.secondary)
            }
            Picker("client.consent", selection: Binding(get: { form.consent }, set: { form = form.withConsent($0, today: today) })) {
                ForEach(consents, id: \.self) { c in Text(Labels.consent(c, model.lang)).tag(c) }
            }
            Toggle("client.next", isOn: $planned)
            if planned {
                DatePicker("client.next", selection: $next, displayedComponents: .date)
            }
            ForEach(problems, id: \.field) { p in Text(p.text).font(.caption).foregroundStyle(.red) }
            Button("save") { Task { await save() } }.disabled(!problems.isEmpty)
            // Outcomes (a stay in care, housing, the yearly satisfaction answer) on their own page.
            NavigationLink("outcome.add") { OutcomesView(client: client) }
            // The last 30 days' contacts as text for the journal system (the core logs the export).
            Button(model.lang == .sv ? "Kopiera till journalen" : "Copy for the journal") {
                Task { if let text = await model.journalText(client.id) { UIPasteboard.general.string = text } }
            }
            Section("client.history") {
                ForEach((page?.visits ?? []) + (page?.older.visits ?? []), id: \.id) { v in
                    Text(visitLine(v))
                }
                // "Visa äldre": contacts and outcomes from before the phone's window, from the server.
                ForEach(page?.older.outcomes ?? [], id: \.id) { o in
                    Text("\(o.day) · \(OutcomeLabels.kind(o.kind, model.lang))")
                }
                if let error = page?.older.error { Text(error).font(.caption).foregroundStyle(.red) }
                if let p = page, p.canShowOlder, let window = p.window {
                    Button(ClientPage.olderLabel(window, model.lang)) {
                        Task { page = await model.olderHistory(p) }
                    }
                }
            }
            // The driver's trips to the client (linked to its contacts or naming its code), newest first.
            if let trips = page?.trips, !trips.isEmpty {
                Section("client.trips") {
                    ForEach(trips.suffix(10).reversed(), id: \.id) { t in
                        Text(ClientPage.tripLine(t, model.lang))
                    }
                }
            }
        }
        .navigationTitle(Text(client.code))
        .task {
            page = await model.clientPage(client.id)
            let shown = page?.client ?? client
            form = ClientForm.edit(shown)
            planned = shown.nextContact != nil
        }
    }

    private func visitLine(_ v: VisitItem) -> String {
        let kind = !v.clientPresent ? " · \(Labels.clientAbsent(model.lang))" : (v.group ? " · \(Labels.groupContact(model.lang))" : "")
        return "\(Reminders.isoDay(v.startMs)) \(Format.clock(v.startMs)) · \(Labels.contact(v.contact, model.lang))\(kind) · \(Format.minutes(v.minutes, model.lang))"
    }

    private func save() async {
        var f = form
        f.nextContact = planned ? Reminders.isoDay(Int64(next.timeIntervalSince1970 * 1000)) : nil
        await model.saveClient(f.toInput())
    }
}
