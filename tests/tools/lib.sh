# Shared shell helpers for tests/run and tests/tools/ensure-*; source it, don't run it.
#
# Conventions: progress and errors go to stderr, so that an ensure-* script's stdout is only
# KEY=value lines that a caller can `eval`. Every install is idempotent and checks what is already
# there first, so a warm run costs a few file tests.

TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$TESTS_DIR/.." && pwd)"
CACHE_DIR="$TESTS_DIR/.cache"

log() { printf '%s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root (CI), through sudo otherwise.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*' (not root, and no sudo)"
  fi
}

# apt-get install, with one `apt-get update` per process tree (a fresh CI image has no lists).
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand (this needs Debian or Ubuntu)"
  if [ -z "${UPPSOK_APT_UPDATED:-}" ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
    export UPPSOK_APT_UPDATED=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=300 -y -qq --no-install-recommends "$@" >&2 \
    || die "apt-get install $* failed"
}
