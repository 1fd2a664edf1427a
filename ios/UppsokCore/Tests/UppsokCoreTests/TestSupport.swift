// Shared pieces of the XCTests: key providers implemented in Swift (as the Keychain one is),
// temporary stores, inputs, a simulated drive, and a real `uppsok serve` set up with
// `uppsok admin` (tests/swift/run passes the binary's path in UPPSOK_BIN). The same helpers as
// TestSupport.kt on Android.
import Foundation
import UppsokCore
import XCTest

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A key provider like the app's, holding one random key (as the Keychain would).
final class TestKeys: PlatformKeyProvider, @unchecked Sendable {
    let keyBytes: Data
    private let lock = NSLock()
    private var _calls = 0
    var calls: Int { lock.lock(); defer { lock.unlock() }; return _calls }

    init(_ key: Data? = nil) {
        keyBytes = try! key ?? generateDeviceKey()
    }

    func key(salt: Data) throws -> Data {
        lock.lock()
        _calls += 1
        lock.unlock()
        return keyBytes
    }
}

/// A provider whose keychain fails: with its own error, or with any other Swift error.
final class ThrowingKeys: PlatformKeyProvider, @unchecked Sendable {
    private let error: Error
    init(_ error: Error) { self.error = error }
    func key(salt: Data) throws -> Data { throw error }
}

struct OddError: Error, CustomStringConvertible {
    var description: String { "secret 1234" }
}

func tempDir(_ prefix: String = "uppsok-test") -> String {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
}

func newStore(_ user: String = "anna", keys: PlatformKeyProvider = TestKeys()) throws -> (UppsokStore, String) {
    let path = tempDir() + "/store.db"
    return (try UppsokStore.create(path: path, username: user, keys: keys), path)
}

func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

func clientInput(_ code: String, _ name: String? = nil, id: String? = nil, nextContact: String? = nil,
                 consent: ConsentState = .notRecorded, consentDate: String? = nil,
                 contactPerson: String? = nil, deputy: String? = nil, admitted: String? = nil) -> ClientInput {
    ClientInput(id: id, code: code, name: name ?? "Testperson \(code)", phase: .active, closure: nil, closedOn: nil,
                closedReason: nil, nextContact: nextContact, consent: consent, consentDate: consentDate,
                consentScope: .contacts, consentUntil: nil, admitted: admitted, referral: nil,
                contactPerson: contactPerson, deputy: deputy, protectedIdentity: false)
}

func visitInput(_ clientId: String, startMs: Int64 = nowMs() - 3_600_000, id: String? = nil, minutes: Int32 = 45,
                staff: [String] = [], contact: ContactKind = .faceToFace, setting: Setting? = .home,
                place: String? = "Töre", note: String? = "Mådde bättre") -> VisitInput {
    VisitInput(id: id, clientId: clientId, staff: staff, startMs: startMs, minutes: minutes, contact: contact,
               setting: setting, network: false, clientPresent: true, group: false, place: place, note: note)
}

/// A drive north from Kalix at 20 m/s, one fix a second, with a few metres of deterministic
/// noise: `seconds` fixes covering about 20·(seconds−1) m.
func drive(_ seconds: Int, startMs: Int64? = nil) -> [FixInput] {
    let start = startMs ?? nowMs() - Int64(seconds) * 1000
    let lat0 = 65.85, lon0 = 23.15
    let mPerDegLat = 111_320.0
    let mPerDegLon = 111_320.0 * cos(lat0 * .pi / 180)
    var seed: UInt64 = 7
    func noise() -> Double { // a small LCG in −3…3 m: the same fixes on every run
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (Double(seed >> 11) / Double(1 << 53)) * 6 - 3
    }
    return (0..<seconds).map { i in
        let north = 20.0 * Double(i) + noise()
        let east = noise()
        return FixInput(lat: lat0 + north / mPerDegLat, lon: lon0 + east / mPerDegLon, accuracyM: 5,
                        timeMs: start + Int64(i) * 1000, speedMps: 20)
    }
}

/// A real `uppsok serve` on a free loopback port over a fresh SQLite database, with an
/// organisation, a team and a case manager set up through `uppsok admin`.
final class TestServer {
    let dir = tempDir("uppsok-server")
    let bin = ProcessInfo.processInfo.environment["UPPSOK_BIN"] ?? "target/debug/uppsok"
    lazy var database = "sqlite://\(dir)/uppsok.db"
    let port = freePort()
    var url: String { "http://127.0.0.1:\(port)" }
    private var process: Process?

    /// `uppsok admin ARGS…`; returns stdout (stderr, which names the database, goes to a file).
    @discardableResult
    func admin(_ args: [String], stdin: String? = nil) throws -> String {
        try checkBinary()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["admin", "--database", database, "--data-dir", dir] + args
        let out = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardInput = input
        FileManager.default.createFile(atPath: dir + "/admin.err", contents: nil)
        p.standardError = FileHandle(forWritingAtPath: dir + "/admin.err")
        try p.run()
        if let stdin = stdin { input.fileHandleForWriting.write(stdin.data(using: .utf8)!) }
        try input.fileHandleForWriting.close()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let err = (try? String(contentsOfFile: dir + "/admin.err", encoding: .utf8)) ?? ""
            throw NSError(domain: "uppsok admin \(args.joined(separator: " ")) failed: \(text) \(err)", code: 1)
        }
        return text
    }

    /// Creates org, team (code pattern `pattern`) and `username`; returns a fresh enrolment code.
    func setUpTeam(_ username: String = "anna", pattern: String = "K-###") throws -> String {
        try admin(["init"])
        try admin(["org", "add", "--name", "Kalix kommun", "--kind", "municipality"])
        try admin(["team", "add", "--name", "ACT Kalix", "--org", "Kalix kommun", "--code-pattern", pattern])
        try addUser(username, "Anna Berg")
        return try enrolmentCode(username)
    }

    func addUser(_ username: String, _ name: String) throws {
        try admin(["user", "add", "--username", username, "--name", name, "--role", "case_manager",
                   "--org", "Kalix kommun", "--team", "ACT Kalix", "--password-stdin"],
                  stdin: "correct horse battery staple\n")
    }

    func enrolmentCode(_ username: String) throws -> String {
        let lines = try admin(["enrol", username, "--no-qr"]).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard lines.count > 1 else { throw NSError(domain: "no enrolment code in: \(lines)", code: 1) }
        return lines[1]
    }

    private func checkBinary() throws {
        guard FileManager.default.isExecutableFile(atPath: bin) else {
            throw NSError(domain: "no uppsok binary at \(bin) (set UPPSOK_BIN)", code: 1)
        }
    }

    func start() throws {
        try checkBinary()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["serve", "--bind", "127.0.0.1:\(port)", "--database", database, "--data-dir", dir]
        FileManager.default.createFile(atPath: dir + "/server.log", contents: nil)
        let log = FileHandle(forWritingAtPath: dir + "/server.log")
        p.standardOutput = log
        p.standardError = log
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            guard p.isRunning else { throw NSError(domain: "uppsok serve exited: \(serverLog())", code: 1) }
            if canConnect(port) { return }
            usleep(100_000)
        }
        throw NSError(domain: "uppsok serve did not listen within 60 s: \(serverLog())", code: 1)
    }

    func serverLog() -> String { (try? String(contentsOfFile: dir + "/server.log", encoding: .utf8)) ?? "" }

    func stop() {
        guard let p = process, p.isRunning else { return }
        p.terminate()
        p.waitUntilExit()
    }
}

private func loopback(_ port: UInt16) -> sockaddr_in {
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_port = port.bigEndian
    a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return a
}

#if canImport(Glibc)
private let streamSocket = Int32(SOCK_STREAM.rawValue)
#else
private let streamSocket = SOCK_STREAM
#endif

/// A port the kernel has just handed out on 127.0.0.1 (the socket is closed again).
func freePort() -> UInt16 {
    let fd = socket(AF_INET, streamSocket, 0)
    defer { close(fd) }
    var a = loopback(0)
    let ok = withUnsafePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    precondition(ok == 0, "bind to 127.0.0.1:0 failed")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return UInt16(bigEndian: a.sin_port)
}

func canConnect(_ port: UInt16) -> Bool {
    let fd = socket(AF_INET, streamSocket, 0)
    defer { close(fd) }
    var a = loopback(port)
    return withUnsafePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// XCTAssertThrowsError that hands back the typed error for more asserts.
func assertThrows<T>(_ body: @autoclosure () throws -> T, _ message: String = "", file: StaticString = #filePath,
                     line: UInt = #line) -> UppsokError? {
    var caught: Error?
    XCTAssertThrowsError(try body(), message, file: file, line: line) { caught = $0 }
    guard let e = caught else { return nil }
    guard let typed = e as? UppsokError else {
        XCTFail("expected an UppsokError, got \(type(of: e)): \(e)", file: file, line: line)
        return nil
    }
    return typed
}

/// The field of an `Invalid` error, or nil.
func invalidField(_ e: UppsokError?) -> String? {
    if case let .Invalid(field, _)? = e { return field }
    return nil
}
