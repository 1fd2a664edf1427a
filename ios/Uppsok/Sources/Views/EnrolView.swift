import AuthenticationServices
import SwiftUI
import UppsokAppCore

/// First run, a retry after a failed enrolment, or a re-enrolment after a sign-out: the server
/// address and the one-time code from `uppsok admin enrol`, typed or filled in by an
/// `uppsok://enrol` link; the gate's notice says why enrolment shows again. "Logga in med
/// organisationens inloggning" runs the server's `/enrol/oidc` in an ASWebAuthenticationSession;
/// the `uppsok://enrol` link it ends in fills in the form like any other link.
struct EnrolView: View {
    @EnvironmentObject var model: AppModel
    @State private var username = ""
    @State private var server = "https://"
    @State private var code = ""
    @State private var webLogin: ASWebAuthenticationSession?
    private let anchor = WebLoginAnchor()

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
                Button("enrol.oidc") { startWebLogin() }
                    .disabled(Enrolment.oidcStartURL(server: server) == nil)
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

    private func startWebLogin() {
        guard let url = Enrolment.oidcStartURL(server: server) else { return }
        let session = ASWebAuthenticationSession(url: url, callbackURLScheme: "uppsok") { callback, _ in
            // Cancelled or refused: the server's page said why; the form stays as it was.
            if let callback = callback {
                Task { @MainActor in model.openLink(callback) }
            }
            Task { @MainActor in webLogin = nil }
        }
        session.presentationContextProvider = anchor
        webLogin = session
        session.start()
    }
}

/// The window the login sheet is shown over.
final class WebLoginAnchor: NSObject, ASWebAuthenticationPresentationContextProviding {
    func presentationAnchor(for session: ASWebAuthenticationSession) -> ASPresentationAnchor {
        let scenes = UIApplication.shared.connectedScenes.compactMap { $0 as? UIWindowScene }
        return scenes.flatMap(\.windows).first(where: \.isKeyWindow) ?? ASPresentationAnchor()
    }
}
