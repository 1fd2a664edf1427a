// swift-tools-version:5.9
// The Rust core for the iOS app: the uniffi-generated Swift bindings (module UppsokCore) over an
// XCFramework of the static library (module UppsokCoreFFI), plus the plain Swift app layer
// (UppsokAppCore: formatting, messages, sync policy) that the SwiftUI app uses.
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
    ]
)
