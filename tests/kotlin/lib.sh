# Shared steps of tests/kotlin/run and tests/kotlin/bench; source it, don't run it.
#
# build_ffi [FEATURES]: builds the facade library (`uppsok-core-ffi`, libuppsok_core; with
#   FEATURES such as `bench` for the benchmark) and the `uniffi-bindgen` binary in SEPARATE cargo
#   commands (one command would unify features and bloat the library), copies the library to
#   $FFI_LIB_DIR (so that another build with other features cannot swap it underneath the
#   tests), and generates the Kotlin and Swift bindings in library mode into $BINDINGS_DIR.
# compile_kotlin OUT_DIR: compiles the generated Kotlin, the plain-Kotlin app layer and the JVM
#   tests/benchmark into OUT_DIR.

source "$(dirname "${BASH_SOURCE[0]}")/../tools/lib.sh"
cd "$REPO_ROOT"

TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
FFI_LIB_DIR="$TARGET_DIR/uniffi/lib"
BINDINGS_DIR="$TARGET_DIR/bindings"
LIB_NAME=libuppsok_core.so
APP_CORE_SRC="$REPO_ROOT/android/app/src/main/java/se/uppsok/app/core"
APP_TEST_SRC="$REPO_ROOT/android/app/src/test/java"

# True when the library exports SYMBOL (Not `grep -q`: under pipefail, nm's SIGPIPE from an
# early exit would fail the pipeline).
has_symbol() {
  local symbols
  symbols=$(nm -D --defined-only "$1" 2>/dev/null) || return 1
  grep -c "$2" <<<"$symbols" >/dev/null
}

build_ffi() {
  local features=${1:-} tries
  local want=uniffi_uppsok_core_fn_constructor_uppsokstore_create
  [ -z "$features" ] || want=uniffi_uppsok_core_fn_func_bench_feed_fixes
  for tries in 1 2 3; do
    echo "+ cargo build -p uppsok-core-ffi ${features:+--features $features}" >&2
    cargo build -p uppsok-core-ffi ${features:+--features "$features"} >&2
    mkdir -p "$FFI_LIB_DIR"
    cp "$TARGET_DIR/debug/$LIB_NAME" "$FFI_LIB_DIR/.$LIB_NAME.$$"
    if has_symbol "$FFI_LIB_DIR/.$LIB_NAME.$$" "$want"; then
      mv "$FFI_LIB_DIR/.$LIB_NAME.$$" "$FFI_LIB_DIR/$LIB_NAME"
      break
    fi
    # A concurrent build of the facade with other features replaced the file meanwhile.
    rm -f "$FFI_LIB_DIR/.$LIB_NAME.$$"
    log "target/debug/$LIB_NAME lacks $want (rebuilt with other features?); again ($tries)"
    [ "$tries" -lt 3 ] || die "could not get a library with $want"
  done
  echo "+ cargo build -p uniffi-bindgen" >&2
  cargo build -p uniffi-bindgen >&2
  local lang tmp
  mkdir -p "$BINDINGS_DIR"
  for lang in kotlin swift; do
    echo "+ uniffi-bindgen generate --no-format --language $lang" >&2
    # Into a fresh directory, swapped in whole: tests/kotlin/run and tests/swift/run may run at
    # once, and one must not read the other's half-written bindings. Library mode finds
    # core/ffi/uniffi.toml through cargo metadata.
    tmp=$(mktemp -d "$BINDINGS_DIR/.$lang.XXXXXX")
    "$TARGET_DIR/debug/uniffi-bindgen" generate --no-format "$FFI_LIB_DIR/$LIB_NAME" \
      --language "$lang" --out-dir "$tmp" >&2
    rm -rf "$BINDINGS_DIR/$lang"
    mv "$tmp" "$BINDINGS_DIR/$lang"
  done
}

# compile_kotlin OUT_DIR [bench]: the tests leave the benchmark out (its functions are only in a
# library built with the bench feature).
compile_kotlin() {
  local out=$1 with_bench=${2:-}
  eval "$("$TESTS_DIR/tools/ensure-kotlin")"
  local sources=()
  mapfile -t sources < <(find "$BINDINGS_DIR/kotlin" "$APP_CORE_SRC" "$APP_TEST_SRC" -name '*.kt' \
    | { if [ -n "$with_bench" ]; then cat; else grep -v '/se/uppsok/app/bench/'; fi; } | sort)
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
