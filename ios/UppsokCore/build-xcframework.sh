#!/usr/bin/env bash
# Builds UppsokCoreFFI.xcframework (device + simulator) from the Rust core and generates the Swift
# bindings, on a Mac with Xcode and rustup. Run from anywhere:
#   ios/UppsokCore/build-xcframework.sh [--debug]
#
# Targets: aarch64-apple-ios (devices), aarch64-apple-ios-sim and x86_64-apple-ios (simulators on
# Apple silicon and Intel; merged with lipo into one simulator slice).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
profile=release
[ "${1:-}" = "--debug" ] && profile=debug
flag=(--release)
[ "$profile" = debug ] && flag=()
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)

cd "$root"
rustup target add "${targets[@]}"
for t in "${targets[@]}"; do
  cargo build "${flag[@]}" -p uppsok-core-ffi --target "$t"
done

# Swift bindings and the C header, from a host build of the same code. The generator is built in
# its own cargo command: building it with the library unifies features and bloats the library.
cargo build -p uppsok-core-ffi
cargo build -p uniffi-bindgen
gen="$root/target/bindings/swift"
rm -rf "$gen" && mkdir -p "$gen"
host_lib="$root/target/debug/libuppsok_core.dylib"
[ -f "$host_lib" ] || host_lib="$root/target/debug/libuppsok_core.so"
"$root/target/debug/uniffi-bindgen" generate --no-format "$host_lib" --language swift --out-dir "$gen"

# The XCFramework wants headers + a module map named module.modulemap per slice.
headers="$root/target/uniffi/xcframework-headers"
rm -rf "$headers" && mkdir -p "$headers"
cp "$gen/UppsokCoreFFI.h" "$headers/"
cp "$gen/UppsokCoreFFI.modulemap" "$headers/module.modulemap"

sim="$root/target/uniffi/ios-sim"
mkdir -p "$sim"
lipo -create \
  "$root/target/aarch64-apple-ios-sim/$profile/libuppsok_core.a" \
  "$root/target/x86_64-apple-ios/$profile/libuppsok_core.a" \
  -output "$sim/libuppsok_core.a"

rm -rf "$here/UppsokCoreFFI.xcframework"
xcodebuild -create-xcframework \
  -library "$root/target/aarch64-apple-ios/$profile/libuppsok_core.a" -headers "$headers" \
  -library "$sim/libuppsok_core.a" -headers "$headers" \
  -output "$here/UppsokCoreFFI.xcframework"

# A fresh clone has no Sources/UppsokCore (the generated file is not committed).
mkdir -p "$here/Sources/UppsokCore"
cp "$gen/UppsokCore.swift" "$here/Sources/UppsokCore/UppsokCore.swift"
echo "built $here/UppsokCoreFFI.xcframework and Sources/UppsokCore/UppsokCore.swift"
