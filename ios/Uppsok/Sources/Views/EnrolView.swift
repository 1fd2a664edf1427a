import SwiftUI
import UppsokAppCore

/// First run: the server address and the one-time code from `uppsok admin enrol`.
struct EnrolView: View {
    @EnvironmentObject var model: AppModel
    @State private var username = ""
    @State private var server = "https://"
    @State private var code = ""

    var body: some View {
        NavigationStack {
            Form {
                TextField("enrol.username", text: $username)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                TextField("enrol.server", text: $server)
                    .keyboardType(.URL)
                    .textInputAutocapitalization(.never)
                TextField("enrol.code", text: $code)
                    .textInputAutocapitalization(.characters)
                Button("enrol.button") {
                    let cleaned = code.filter { $0.isLetter || $0.isNumber }.uppercased()
                    Task { await model.enrol(username: username, server: server, code: cleaned) }
                }
                .disabled(username.count < 2 || code.isEmpty)
            }
            .navigationTitle(Text("enrol.title"))
        }
    }
}
