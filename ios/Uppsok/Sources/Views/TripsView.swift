import SwiftUI
import UppsokAppCore
import UppsokCore

/// Start, finish or cancel a GPS trip (TripFlow: precise location or a reason; a finish GPS
/// cannot make asks for the odometer, with cancel always there); log one by km or odometer
/// (TripForm); this month's trips (swipe to edit or delete: an edit keeps the distance as
/// saved unless another way is chosen).
struct TripsView: View {
    @EnvironmentObject var model: AppModel
    @SceneStorage("trip.from") private var from = ""
    @SceneStorage("trip.to") private var to = ""
    @State private var purpose = String(localized: "trip.purpose.default")
    @SceneStorage("trip.car") private var serviceCar = ""
    @State private var byOdometer = false
    @State private var bySuggestion = false
    @State private var suggestionOk = false
    @SceneStorage("trip.from_home") private var fromHome = false
    @State private var km = ""
    @State private var odometerStart = ""
    @State private var odometerEnd = ""
    /// The saved trip being edited (TripForm.edit keeps its id, times, links and distance).
    @State private var editing: TripItem?
    @State private var keepSaved = false

    var body: some View {
        Form {
            Section {
                TextField("trip.from", text: $from)
                TextField("trip.to", text: $to)
                TextField("trip.purpose", text: $purpose)
                TextField("trip.service_car", text: $serviceCar)
                Toggle("trip.from_home", isOn: $fromHome)
            }
            if let notice = model.tripNotice {
                Section {
                    Text(notice).foregroundStyle(.red)
                    Button("trip.open_settings") {
                        if let url = URL(string: UIApplication.openSettingsURLString) { UIApplication.shared.open(url) }
                    }
                }
            }
            Section {
                if let km = model.recordingKm {
                    Text("trip.recording \(km)")
                    switch model.tripFinish {
                    case let .needsPlace(text)?:
                        Text(text).foregroundStyle(.red)
                    case let .needsOdometer(text, startKnown)?:
                        Text(text).foregroundStyle(.red)
                        if !startKnown {
                            TextField("trip.odometer_start", text: $odometerStart).keyboardType(.numberPad)
                        }
                        TextField("trip.odometer_end", text: $odometerEnd).keyboardType(.numberPad)
                        Button("trip.finish_odometer") {
                            guard let end = Int32(odometerEnd.filter(\.isNumber)) else { return }
                            let start = Int32(odometerStart.filter(\.isNumber))
                            Task { await model.finishTrip(to: to, odometerStart: start, odometerEnd: end) }
                        }
                    default:
                        EmptyView()
                    }
                    Button("trip.stop") { Task { await model.finishTrip(to: to) } }
                    Button("trip.cancel", role: .destructive) { Task { await model.cancelTrip() } }
                } else {
                    Button("trip.start") {
                        model.startTrip(from: from, purpose: purpose, serviceCar: serviceCar.isEmpty ? nil : serviceCar,
                                        odometerStart: Int32(odometerStart.filter(\.isNumber)), fromHome: fromHome)
                    }
                }
            }
            Section {
                if let t = editing {
                    HStack {
                        Text("\(String(localized: "edit")): \(t.fromPlace) → \(t.toPlace)").font(.headline)
                        Spacer()
                        Button("trip.new") { fill(TripForm(), editing: nil) }
                    }
                    Toggle("trip.as_saved", isOn: $keepSaved)
                    if keepSaved, let saved = TripForm.edit(t, model.lang).savedDistance { Text(saved) }
                }
                Toggle("trip.odometer", isOn: $byOdometer)
                Toggle("trip.suggested", isOn: $bySuggestion)
                    .onChange(of: bySuggestion) { on in
                        suggestionOk = false
                        if on { Task { await model.suggestKm(from: from, to: to) } }
                    }
                if bySuggestion && !byOdometer {
                    if let s = model.tripSuggestion { Text(s) }
                    Toggle("trip.suggestion_ok", isOn: $suggestionOk)
                } else if byOdometer {
                    TextField("trip.odometer_start", text: $odometerStart).keyboardType(.numberPad)
                    TextField("trip.odometer_end", text: $odometerEnd).keyboardType(.numberPad)
                } else {
                    TextField("trip.km", text: $km).keyboardType(.decimalPad)
                }
                Button("save") { Task { await logManual() } }
            }
            Section {
                if let banner = SuggestedKm.banner(model.trips, model.lang) {
                    Text(banner).foregroundStyle(.red)
                }
                let month = MonthTotals.of(model.trips, nowMs: Format.nowMs())
                Text("trips.month \(Format.km(month.km, model.lang)) \(month.trips)")
                // The amount as payroll will pay it (the core prices the month with the synced rates).
                if let line = MonthTotals.amountLine(model.monthPay, model.lang) { Text(line).font(.subheadline) }
                ForEach(model.trips, id: \.id) { t in
                    VStack(alignment: .leading) {
                        Text("\(t.fromPlace) → \(t.toPlace)")
                        Text(([ "\(Format.km(t.km, model.lang)) · \(t.purpose)"] + SuggestedKm.marks(t, model.lang)).joined(separator: " · "))
                            .font(.caption)
                        if t.awaitsConfirmation {
                            Button("trip.confirm") { Task { await model.confirmTrip(t) } }
                        }
                    }
                    .swipeActions {
                        Button("delete", role: .destructive) { Task { await model.deleteTrip(t.id) } }
                        Button("edit") { fill(TripForm.edit(t, model.lang), editing: t) }
                    }
                }
            }
        }
        .navigationTitle(Text("nav.trips"))
    }

    /// The form as the fields show it, on top of the trip being edited (if any).
    private var form: TripForm {
        var f = editing.map { TripForm.edit($0, model.lang) } ?? TripForm()
        f.entry = keepSaved && editing != nil ? .asSaved : (bySuggestion && !byOdometer ? .suggested : (byOdometer ? .odometer : .manual))
        f.kmText = km
        f.odometerStartText = odometerStart
        f.odometerEndText = odometerEnd
        f.fromPlace = from
        f.toPlace = to
        f.purpose = purpose
        f.serviceCar = serviceCar
        f.fromHome = fromHome
        f.suggestionConfirmed = suggestionOk
        return f
    }

    /// Puts `f` in the fields: a saved trip to edit, or an empty form for a new one.
    private func fill(_ f: TripForm, editing trip: TripItem?) {
        editing = trip
        keepSaved = f.entry == .asSaved
        byOdometer = f.entry == .odometer
        bySuggestion = f.entry == .suggested
        km = f.kmText
        odometerStart = f.odometerStartText
        odometerEnd = f.odometerEndText
        from = f.fromPlace
        to = f.toPlace
        purpose = f.purpose
        serviceCar = f.serviceCar ?? ""
        fromHome = f.fromHome
        suggestionOk = f.suggestionConfirmed
    }

    @MainActor private func logManual() async {
        let f = form.forSave(nowMs: Format.nowMs())
        if let problem = f.problems(model.lang).first {
            model.message = problem.text
            return
        }
        guard let input = f.toInput() else { return }
        if await model.logTrip(input), editing != nil { fill(TripForm(), editing: nil) }
    }
}
