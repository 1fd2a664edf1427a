import CoreLocation
import Foundation
import UppsokAppCore
import UppsokCore

/// Feeds location fixes into the core's trip recorder while a trip records, in the background
/// too (location background mode). Thin glue: whether to record is TripFlow's decision from the
/// `LocationGrant` this reports; the recording lives in the encrypted store, so an app killed
/// mid-trip restarts the updates at launch (AppModel.resumeTrip).
final class TripLocation: NSObject, CLLocationManagerDelegate {
    static let shared = TripLocation()

    private let manager = CLLocationManager()
    private var recording: TripRecording? = nil
    private let queue = DispatchQueue(label: "se.uppsok.trip")
    private var waiting: ((LocationGrant) -> Void)? = nil
    private(set) var updating = false

    override init() {
        super.init()
        manager.delegate = self
    }

    /// What the app may do now, without asking.
    var grant: LocationGrant {
        let status = manager.authorizationStatus
        let authorised = status == .authorizedAlways || status == .authorizedWhenInUse
        return LocationGrant.of(authorised: authorised, fullAccuracy: manager.accuracyAuthorization == .fullAccuracy,
                                canAskAgain: status == .notDetermined)
    }

    /// Asks when iOS has not asked yet; answers with the grant either way.
    func ask(_ answer: @escaping (LocationGrant) -> Void) {
        if manager.authorizationStatus == .notDetermined {
            waiting = answer
            manager.requestWhenInUseAuthorization()
        } else {
            answer(grant)
        }
    }

    func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        guard manager.authorizationStatus != .notDetermined, let answer = waiting else { return }
        waiting = nil
        answer(grant)
    }

    func start(recording: TripRecording) {
        self.recording = recording
        manager.desiredAccuracy = kCLLocationAccuracyBest
        manager.activityType = .automotiveNavigation
        manager.allowsBackgroundLocationUpdates = true
        manager.pausesLocationUpdatesAutomatically = false
        manager.showsBackgroundLocationIndicator = true
        manager.startUpdatingLocation()
        updating = true
    }

    func stop() {
        manager.stopUpdatingLocation()
        updating = false
        let rec = recording
        queue.async { try? rec?.save() }
        recording = nil
    }

    func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        guard let rec = recording else { return }
        let fixes = locations.map { loc in
            FixInput(
                lat: loc.coordinate.latitude,
                lon: loc.coordinate.longitude,
                accuracyM: loc.horizontalAccuracy,
                timeMs: Int64(loc.timestamp.timeIntervalSince1970 * 1000),
                speedMps: loc.speed >= 0 ? loc.speed : nil
            )
        }
        // Off the main thread: feeding may seal the recorder's state to disk.
        queue.async {
            if fixes.count == 1 {
                // Plain numbers cross the FFI without a buffer: the once-a-second call. Swift
                // calls uniffi's C functions directly with the call status on the stack, so this
                // is already the cheap path (Android needs `uppsok_feed_position` to avoid JNA's
                // per-call structures; see docs/phones.md).
                let f = fixes[0]
                _ = try? rec.feedPosition(lat: f.lat, lon: f.lon, accuracyM: f.accuracyM, timeMs: f.timeMs, speedMps: f.speedMps ?? .nan)
            } else {
                _ = try? rec.feedFixes(fixes: fixes)
            }
        }
    }
}
