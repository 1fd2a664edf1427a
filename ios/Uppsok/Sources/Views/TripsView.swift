import SwiftUI
import UppsokAppCore
import UppsokCore

/// Start, finish or cancel a GPS trip (TripFlow: precise location or a reason; a finish GPS
/// cannot make asks for the odometer, with cancel always there); log one by km or odometer;
/// this month's trips (swipe to delete).
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
                    }
                }
            }
        }
        .navigationTitle(Text("nav.trips"))
    }

    private func logManual() async {
        let distance: TripDistance
        if bySuggestion && !byOdometer {
            distance = .suggested(confirmed: suggestionOk)
        } else if byOdometer {
            guard let a = Int32(odometerStart.filter(\.isNumber)), let b = Int32(odometerEnd.filter(\.isNumber)) else { return }
            distance = .odometer(start: a, end: b)
        } else {
            guard let value = Format.parseDecimal(km) else { return }
            distance = .manual(km: value)
        }
        let now = Format.nowMs()
        let input = TripInput(
            id: nil, serviceCar: serviceCar.isEmpty ? nil : serviceCar, startMs: now, endMs: nil,
            fromPlace: from, toPlace: to, fromAddress: nil, toAddress: nil, purpose: purpose,
            visited: nil, visitIds: [], distance: distance, fromHome: fromHome
        )
        await model.logTrip(input)
    }
}
