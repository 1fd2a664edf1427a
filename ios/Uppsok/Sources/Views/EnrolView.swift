import SwiftUI
import UppsokAppCore

/// First run, a retry after a failed enrolment, or a re-enrolment after a sign-out: the server
/// address and the one-time code from `uppsok admin enrol`, typed or filled in by an
/// `uppsok://enrol` link; the gate's notice says why enrolment shows again.
struct EnrolView: View {
    @EnvironmentObject var model: AppModel
    @State private var username = ""
    @State private var server = "https://"
    @State private var code = ""

    var body: some View {
        NavigationStack {
            Form {
                if let notice = model.gateState.notice {
                    Text(notice.text(model.lang)).foregroundStyle(.red)
                }
                TextField("enrol.username", text: $username)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                TextField("enrol.server", text: $server)
                    .keyboardType(.URL)
                    .textInputAutocapitalization(.never)
                TextField("enrol.code", text: $code)
                    .textInputAutocapitalization(.characters)
                Button("enrol.button") {
                    Task { await model.enrol(username: username, server: server, code: code) }
                }
                .disabled(username.count < 2 || code.isEmpty)
            }
            .navigationTitle(Text("enrol.title"))
            .onChange(of: model.enrolPrefill) { link in
                if let link = link {
                    if let s = link.server { server = s }
                    code = link.code
                }
            }
        }
    }
}
