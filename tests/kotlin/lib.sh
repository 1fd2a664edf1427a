# Shared steps of tests/kotlin/run and tests/kotlin/bench; source it, don't run it.
#
# build_ffi: builds the facade library (`uppsok-device --features ffi`) and the `uniffi-bindgen`
#   binary in SEPARATE cargo commands (one command would unify features and bloat the library,
#   see tests/README.md and docs/phones.md), copies the library to $FFI_LIB_DIR (so another
#   build of the workspace without the feature cannot swap it underneath the tests), and
#   generates the Kotlin and Swift bindings in library mode into $BINDINGS_DIR.
# compile_kotlin OUT_DIR: compiles the generated Kotlin, the plain-Kotlin app layer and the JVM
#   tests/benchmark into OUT_DIR.

source "$(dirname "${BASH_SOURCE[0]}")/../tools/lib.sh"
cd "$REPO_ROOT"

TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
FFI_LIB_DIR="$TARGET_DIR/uniffi/lib"
BINDINGS_DIR="$TARGET_DIR/bindings"
LIB_NAME=libuppsok_device.so
APP_CORE_SRC="$REPO_ROOT/android/app/src/main/java/se/uppsok/app/core"
APP_TEST_SRC="$REPO_ROOT/android/app/src/test/java"

# True when the library exports the facade's scaffolding (a build without `ffi` does not).
has_ffi_symbols() {
  # Not `grep -q`: under pipefail, nm's SIGPIPE from an early exit would fail the pipeline.
  local symbols
  symbols=$(nm -D --defined-only "$1" 2>/dev/null) || return 1
  grep -c 'uniffi_uppsok_device_fn_constructor_uppsokstore_create' <<<"$symbols" >/dev/null
}

build_ffi() {
  local tries
  for tries in 1 2 3; do
    echo "+ cargo build -p uppsok-device --features ffi" >&2
    cargo build -p uppsok-device --features ffi >&2
    mkdir -p "$FFI_LIB_DIR"
    cp "$TARGET_DIR/debug/$LIB_NAME" "$FFI_LIB_DIR/.$LIB_NAME.$$"
    if has_ffi_symbols "$FFI_LIB_DIR/.$LIB_NAME.$$"; then
      mv "$FFI_LIB_DIR/.$LIB_NAME.$$" "$FFI_LIB_DIR/$LIB_NAME"
      break
    fi
    # Another build of the workspace (without the feature) replaced the file meanwhile.
    rm -f "$FFI_LIB_DIR/.$LIB_NAME.$$"
    log "target/debug/$LIB_NAME lacks the ffi symbols (rebuilt without --features ffi?); again ($tries)"
    [ "$tries" -lt 3 ] || die "could not get a library built with --features ffi"
  done
  echo "+ cargo build -p uniffi-bindgen" >&2
  cargo build -p uniffi-bindgen >&2
  local lang tmp
  mkdir -p "$BINDINGS_DIR"
  for lang in kotlin swift; do
    echo "+ uniffi-bindgen generate --no-format --language $lang" >&2
    # Into a fresh directory, swapped in whole: tests/kotlin/run and tests/swift/run may run at
    # once, and one must not read the other's half-written bindings. Library mode finds
    # core/device/uniffi.toml through cargo metadata.
    tmp=$(mktemp -d "$BINDINGS_DIR/.$lang.XXXXXX")
    "$TARGET_DIR/debug/uniffi-bindgen" generate --no-format "$FFI_LIB_DIR/$LIB_NAME" \
      --language "$lang" --out-dir "$tmp" >&2
    rm -rf "$BINDINGS_DIR/$lang"
    mv "$tmp" "$BINDINGS_DIR/$lang"
  done
}

compile_kotlin() {
  local out=$1
  eval "$("$TESTS_DIR/tools/ensure-kotlin")"
  local sources=()
  mapfile -t sources < <(find "$BINDINGS_DIR/kotlin" "$APP_CORE_SRC" "$APP_TEST_SRC" -name '*.kt' | sort)
  rm -rf "$out"
  mkdir -p "$out"
  echo "+ kotlinc -jvm-target 17 (${#sources[@]} files) -d $out" >&2
  # C1 only: halves kotlinc's own start-up and compile time on two cores. Without tiering the
  # JVM reserves only 48 MB for compiled code, which kotlinc can fill ("CodeCache is full",
  # then a crash in method-handle linking: seen once in a CI run), so reserve more.
  JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m" "$KOTLINC" -jvm-target 17 -nowarn -cp "$KOTLIN_CP" \
    "${sources[@]}" -d "$out" >&2
  # The run needs the same jars plus the stdlib (kotlinc adds it when compiling only).
  RUN_CP="$out:$KOTLIN_CP:$KOTLIN_STDLIB"
}
