import SwiftUI
import UppsokAppCore
import UppsokCore

/// Clients, the longest without contact first, with the next planned contact.
struct ClientsView: View {
    @EnvironmentObject var model: AppModel
    @State private var code = ""
    @State private var name = ""

    private var sorted: [ClientItem] {
        model.clients
            .filter { $0.phase != .closed }
            .sorted { ($0.daysSinceContact ?? Int64.max, $1.code) > ($1.daysSinceContact ?? Int64.max, $0.code) }
    }

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
            ForEach(sorted, id: \.id) { c in
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
        .navigationTitle(Text("nav.clients"))
        .refreshable { await model.refresh() }
    }
}
