// swift-tools-version:5.9
// The Rust core for the iOS app: the uniffi-generated Swift bindings (module UppsokCore) over an
// XCFramework of the static library (module UppsokCoreFFI), plus the plain Swift app layer
// (UppsokAppCore: formatting, messages, labels, sync policy, calling the store off the main actor,
// background sync) that the SwiftUI app uses, and its XCTests (the sync tests start the `uppsok`
// binary named by UPPSOK_BIN). tests/swift/Package.swift is the same package for Linux.
// Run ./build-xcframework.sh on a Mac first: it builds UppsokCoreFFI.xcframework and writes
// Sources/UppsokCore/UppsokCore.swift.
import PackageDescription

let package = Package(
    name: "UppsokCore",
    defaultLocalization: "sv",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "UppsokCore", targets: ["UppsokCore", "UppsokAppCore"]),
    ],
    targets: [
        .binaryTarget(name: "UppsokCoreFFI", path: "UppsokCoreFFI.xcframework"),
        .target(name: "UppsokCore", dependencies: ["UppsokCoreFFI"], path: "Sources/UppsokCore"),
        .target(name: "UppsokAppCore", dependencies: ["UppsokCore"], path: "Sources/UppsokAppCore"),
        .testTarget(name: "UppsokCoreTests", dependencies: ["UppsokCore", "UppsokAppCore"], path: "Tests/UppsokCoreTests"),
    ]
)
