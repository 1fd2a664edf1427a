import SwiftUI
import UppsokAppCore
import UppsokCore

/// "N ändringar väntar", the last sync, the last error in the app's words, and the refused
/// changes with reasons: retry or discard.
struct SyncView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        List {
            if let s = model.sync {
                Section {
                    Text(Format.waiting(s.waiting, model.lang))
                        .foregroundStyle(SyncPolicy.isStale(waiting: s.waiting, lastSyncMs: s.lastSyncMs, nowMs: Format.nowMs()) ? .red : .primary)
                    Text(Format.lastSync(s.lastSyncMs, nowMs: Format.nowMs(), model.lang))
                    if let error = Messages.syncError(s, model.lang) {
                        Text(error).foregroundStyle(.red)
                    }
                    if let damaged = Format.damaged(model.damaged, model.lang) {
                        Text(damaged).foregroundStyle(.red)
                        Button("sync.repair") { Task { await model.repairDamaged() } }
                    }
                }
                if !s.rejected.isEmpty {
                    Section("sync.rejected") {
                        ForEach(s.rejected, id: \.changeId) { r in
                            VStack(alignment: .leading) {
                                Text(r.entity).font(.headline)
                                Text(Messages.rejectReason(code: r.code, reason: r.reason, model.lang))
                                Button("sync.retry") { Task { await model.retry(r.changeId) } }
                                Button("sync.discard", role: .destructive) { Task { await model.discard(r.changeId) } }
                            }
                        }
                    }
                }
            }
            Button("sync.now") { Task { await model.syncNow() } }
        }
        .navigationTitle(Text("nav.sync"))
    }
}
