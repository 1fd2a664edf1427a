// swift-tools-version:5.9
// The Swift side as tests/swift/run builds it on Linux (in a Debian trixie chroot with swiftlang):
// the generated bindings (module UppsokCore) over the generated C header and modulemap (module
// UppsokCoreFFI) linked against the real libuppsok_core.so, the plain Swift app layer
// (UppsokAppCore) and its XCTests. The script copies this file and the sources into
// target/swift/pkg; ios/UppsokCore/Package.swift is the same package for Xcode, with the
// XCFramework in place of the system library.
import PackageDescription

let package = Package(
    name: "UppsokCore",
    targets: [
        .systemLibrary(name: "UppsokCoreFFI", path: "Sources/UppsokCoreFFI"),
        .target(
            name: "UppsokCore", dependencies: ["UppsokCoreFFI"], path: "Sources/UppsokCore",
            linkerSettings: [.linkedLibrary("uppsok_core")]
        ),
        .target(name: "UppsokAppCore", dependencies: ["UppsokCore"], path: "Sources/UppsokAppCore"),
        .testTarget(
            name: "UppsokCoreTests", dependencies: ["UppsokCore", "UppsokAppCore"],
            path: "Tests/UppsokCoreTests"
        ),
    ]
)
