import SwiftUI
import UppsokAppCore
import UppsokCore

/// A client's outcomes ("Utfall"), newest first, and "Registrera utfall": the kind first, then
/// the fields OutcomeForm says it needs. Reached from the client's page. The user's own outcomes
/// can be edited and deleted; the core refuses the others'.
struct OutcomesView: View {
    @EnvironmentObject var model: AppModel
    let client: ClientItem
    @State private var outcomes: [OutcomeItem] = []
    @State private var form: OutcomeForm? = nil

    private var today: String { Reminders.isoDay(Format.nowMs()) }

    var body: some View {
        Form {
            if let editing = form {
                OutcomeEditor(form: Binding(get: { editing }, set: { form = $0 }), lang: model.lang, today: today,
                              onSave: { input in Task { await save(input) } }, onCancel: { form = nil })
            } else {
                Button("outcome.add") { form = OutcomeForm.new(clientId: client.id, today: today) }
            }
            Section("outcomes.title") {
                if outcomes.isEmpty { Text("outcomes.none") }
                ForEach(outcomes, id: \.id) { o in
                    VStack(alignment: .leading) {
                        Text(OutcomeLabels.line(o, model.lang))
                        if o.author == model.profile?.username {
                            HStack {
                                Button("edit") { form = OutcomeForm.edit(o) }.buttonStyle(.borderless)
                                Button("delete", role: .destructive) { Task { await delete(o.id) } }.buttonStyle(.borderless)
                            }
                        }
                    }
                }
            }
        }
        .navigationTitle(Text(Labels.client(client, model.lang)))
        .task { outcomes = await model.outcomes(for: client.id) }
    }

    private func save(_ input: OutcomeInput) async {
        if await model.saveOutcome(input) { form = nil }
        outcomes = await model.outcomes(for: client.id)
    }

    private func delete(_ id: String) async {
        await model.deleteOutcome(id)
        outcomes = await model.outcomes(for: client.id)
    }
}

/// The outcome form's fields for the chosen kind, each bound to the plain-Swift OutcomeForm.
private struct OutcomeEditor: View {
    @Binding var form: OutcomeForm
    let lang: Lang
    let today: String
    let onSave: (OutcomeInput) -> Void
    let onCancel: () -> Void

    var body: some View {
        let problems = form.problems(lang, today: today)
        Section {
            Picker("outcome.kind", selection: Binding(get: { form.kind }, set: { k in if let k { form = form.withKind(k) } })) {
                Text("—").tag(OutcomeKind?.none)
                ForEach(OutcomeLabels.kinds, id: \.self) { k in Text(OutcomeLabels.kind(k, lang)).tag(Optional(k)) }
            }
            TextField("outcome.day", text: $form.day)
            Picker("outcome.source", selection: $form.source) {
                ForEach(OutcomeLabels.sources, id: \.self) { s in Text(OutcomeLabels.source(s, lang)).tag(s) }
            }
        }
        Section {
            ForEach(form.fields(), id: \.self) { field in
                switch field {
                case .care:
                    Picker("outcome.care", selection: $form.care) {
                        Text("—").tag(Care?.none)
                        ForEach(OutcomeLabels.cares, id: \.self) { c in Text(OutcomeLabels.care(c, lang)).tag(Optional(c)) }
                    }
                case .discharged:
                    TextField("outcome.discharged", text: Binding(get: { form.discharged ?? "" }, set: { form = form.withDischarged($0) }))
                case .compulsory:
                    Toggle(form.compulsoryLabel(lang), isOn: $form.compulsory)
                case .housing:
                    Picker("outcome.housing", selection: $form.housing) {
                        Text("—").tag(Housing?.none)
                        ForEach(OutcomeLabels.housings, id: \.self) { h in Text(OutcomeLabels.housing(h, lang)).tag(Optional(h)) }
                    }
                case .occupation:
                    Picker("outcome.occupation", selection: $form.occupation) {
                        Text("—").tag(Occupation?.none)
                        ForEach(OutcomeLabels.occupations, id: \.self) { o in Text(OutcomeLabels.occupation(o, lang)).tag(Optional(o)) }
                    }
                case .respondent:
                    Picker("outcome.respondent", selection: $form.respondent) {
                        ForEach(OutcomeLabels.respondents, id: \.self) { r in Text(OutcomeLabels.respondent(r, lang)).tag(Optional(r)) }
                    }
                case .answers:
                    Text(OutcomeForm.scaleHint(lang)).font(.caption)
                    ForEach(Array(OutcomeForm.questions(lang).enumerated()), id: \.offset) { i, question in
                        // "—" skips the question.
                        Picker(question, selection: Binding(get: { form.answers[i] }, set: { form = form.withAnswer(i, $0) })) {
                            Text("—").tag(Int32?.none)
                            ForEach(OutcomeForm.scale, id: \.self) { v in Text("\(v)").tag(Optional(v)) }
                        }
                        .pickerStyle(.segmented)
                    }
                }
            }
        }
        ForEach(problems, id: \.field) { p in Text(p.text).font(.caption).foregroundStyle(.red) }
        HStack {
            Button("save") { if let input = form.toInput() { onSave(input) } }.disabled(!problems.isEmpty)
            Spacer()
            Button("cancel", role: .cancel) { onCancel() }
        }
        .buttonStyle(.borderless)
    }
}
