import SwiftUI
import UppsokAppCore
import UppsokCore

/// Start/stop a GPS trip, or log one with typed km or odometer readings; the month's trips.
struct TripsView: View {
    @EnvironmentObject var model: AppModel
    @State private var from = ""
    @State private var to = ""
    @State private var purpose = String(localized: "trip.purpose.default")
    @State private var serviceCar = ""
    @State private var byOdometer = false
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
            }
            Section {
                if let km = model.recordingKm {
                    Text("trip.recording \(km)")
                    Button("trip.stop") { Task { await model.finishTrip(to: to) } }
                } else {
                    Button("trip.start") {
                        Task { await model.startTrip(from: from, purpose: purpose, serviceCar: serviceCar.isEmpty ? nil : serviceCar) }
                    }
                }
            }
            Section {
                Toggle("trip.odometer", isOn: $byOdometer)
                if byOdometer {
                    TextField("trip.odometer_start", text: $odometerStart).keyboardType(.numberPad)
                    TextField("trip.odometer_end", text: $odometerEnd).keyboardType(.numberPad)
                } else {
                    TextField("trip.km", text: $km).keyboardType(.decimalPad)
                }
                Button("save") { Task { await logManual() } }
            }
            Section {
                ForEach(model.trips, id: \.id) { t in
                    VStack(alignment: .leading) {
                        Text("\(t.fromPlace) → \(t.toPlace)")
                        Text("\(Format.km(t.km, model.lang)) · \(t.purpose)").font(.caption)
                    }
                }
            }
        }
        .navigationTitle(Text("nav.trips"))
    }

    private func logManual() async {
        let distance: TripDistance
        if byOdometer {
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
            visited: nil, visitIds: [], distance: distance
        )
        await model.logTrip(input)
    }
}
