#!/usr/bin/env bash
# The sync benchmark: Uppsök's sync against the PouchDB peer, same 10,000 visits, same
# links (loopback, and the fault proxy as a rural link: 150 ms each way ≈ 300 ms round trip,
# 125,000 B/s = 1 Mbit/s each way, no faults), then the server's load on SQLite and, when
# UPPSOK_TEST_POSTGRES is set, PostgreSQL: 500 devices in teams of 10, each pushing 25 visits
# (gzip, as phones send them) every 4 s ± 20 % on its own schedule (open loop: 3,125 changes/s
# offered, latency from each sync's scheduled start), then the same devices back to back
# (closed loop: the saturation throughput). Release builds.
#
#   bench/sync.sh [--visits N] [--pouchdb-json FILE] [--skip-pouchdb] [--skip-load]
#                       [--load-only] [--load-args "syncbench load options"]
#
# --pouchdb-json reuses a result of bench/pouchdb/run.sh instead of running it (it takes
# about five minutes on the rural link). Results: bench/results/sync-*.json and a table.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
results="$here/results"
mkdir -p "$results"

visits=10000
pouch_json=""
run_pouch=1
run_load=1
run_pushpull=1
load_args=""
while [ $# -gt 0 ]; do
  case "$1" in
    --visits) visits="$2"; shift 2 ;;
    --pouchdb-json) pouch_json="$2"; shift 2 ;;
    --skip-pouchdb) run_pouch=0; shift ;;
    --skip-load) run_load=0; shift ;;
    --load-only) run_pushpull=0; run_pouch=0; shift ;;
    --load-args) load_args="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "sync.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
log() { printf '[sync bench] %s\n' "$*" >&2; }

if [ -z "${UPPSOK_BENCH_PREBUILT:-}" ]; then
  log "building release binaries"
  (cd "$root" && cargo build --release -q -p uppsok --bin uppsok \
     && cargo build --release -q -p uppsok-bench --bin syncbench \
     && cargo build --release -q -p uppsok-faultproxy --bin faultproxy)
fi
bin="${CARGO_TARGET_DIR:-$root/target}/release"

work="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# Start `uppsok serve` on DATABASE; sets $server_url and $server_pid.
start_server() {
  local db="$1"
  "$bin/uppsok" serve --bind 127.0.0.1:0 --database "$db" --data-dir "$work" \
      > "$work/serve.out" 2> "$work/serve.err" &
  server_pid=$!
  for _ in $(seq 100); do
    if grep -q '^listening on' "$work/serve.out" 2>/dev/null; then break; fi
    sleep 0.1
  done
  server_url="$(sed -n 's/^listening on //p' "$work/serve.out" | head -1)"
  [ -n "$server_url" ] || { cat "$work/serve.err" >&2; exit 1; }
}
stop_server() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

# 1. Uppsök push/pull on loopback and the rural link (SQLite).
if [ "$run_pushpull" = 1 ]; then
  db="sqlite://$work/bench.db"
  start_server "$db"
  log "uppsok push/pull of $visits visits (loopback, rural) at $server_url"
  "$bin/syncbench" --server "$server_url" --database "$db" pushpull --visits "$visits" \
    > "$results/sync-uppsok.json"
  stop_server
fi

# 2. The PouchDB peer.
if [ -n "$pouch_json" ]; then
  cp "$pouch_json" "$work/pouchdb.json"
elif [ "$run_pouch" = 1 ]; then
  log "PouchDB peer (bench/pouchdb/run.sh)"
  FAULTPROXY="$bin/faultproxy" "$here/pouchdb/run.sh" --docs "$visits" --out "$work/pouchdb.json" >/dev/null
else
  echo '{}' > "$work/pouchdb.json"
fi
cp "$work/pouchdb.json" "$results/sync-pouchdb.json" 2>/dev/null || true

# 3. Load: 500 devices, paced (the target statement) then closed loop, SQLite and PostgreSQL.
# Each run gets a fresh server and database.
load_case() { # BACKEND-LABEL DATABASE MODE
  start_server "$2"
  log "load on $1, $3"
  # shellcheck disable=SC2086
  "$bin/syncbench" --server "$server_url" --database "$2" load --mode "$3" $load_args \
    > "$results/sync-load-$1-$3.json"
  stop_server
}
if [ "$run_load" = 1 ]; then
  for mode in paced closed; do
    rm -f "$work"/load.db*
    load_case sqlite "sqlite://$work/load.db" "$mode"
    if [ -n "${UPPSOK_TEST_POSTGRES:-}" ]; then
      name="uppsok_bench_$$"
      base="${UPPSOK_TEST_POSTGRES%/*}"
      psql "$UPPSOK_TEST_POSTGRES" -qc "CREATE DATABASE $name" >/dev/null
      load_case postgres "$base/$name" "$mode"
      psql "$UPPSOK_TEST_POSTGRES" -qc "DROP DATABASE $name WITH (FORCE)" >/dev/null || true
    fi
  done
fi

# 4. The table.
python3 - "$results" <<'PY'
import json, sys, os
d = sys.argv[1]
try:
    u = json.load(open(os.path.join(d, "sync-uppsok.json")))
except Exception:
    u = {}
try:
    p = json.load(open(os.path.join(d, "sync-pouchdb.json")))
except Exception:
    p = {}
def row(link, part, uc, pc):
    if not uc: return
    pcw = pc.get("wall_s") if pc else None
    def ratio(a, b): return f"{a/b:.3f}" if (a is not None and b) else "-"
    print(f"{link:<9}{part:<5} {uc['wall_s']:>8.2f} s {uc['requests']:>6} req {uc['bytes_per_doc']:>7.1f} B/visit | "
          + (f"{pc['wall_s']:>8.2f} s {pc['requests']:>6} req {pc['bytes_per_doc']:>7.1f} B/doc | " if pc else "   (no PouchDB figures)   | ")
          + f"speed-up {ratio(pcw, uc['wall_s'])}x  bytes {ratio(uc['bytes_per_doc'], pc.get('bytes_per_doc') if pc else None)}x  requests {ratio(uc['requests'], pc.get('requests') if pc else None)}x")
print("link     part       Uppsök                            |       PouchDB                      | ratios (Uppsök vs PouchDB)")
for link in ("loopback", "rural"):
    uc = u.get(link) if link == "loopback" else (u.get("rural") or {}).get("case")
    pc = p.get(link) or {}
    for part in ("push", "pull"):
        row(link, part, (uc or {}).get(part), pc.get(part))
for link in ("loopback", "rural"):
    uc = u.get(link) if link == "loopback" else (u.get("rural") or {}).get("case")
    if uc and uc.get("idle"):
        i = uc["idle"]
        print(f"idle sync on {link}: {i['requests']} request(s), {i['bytes']} bytes ({i['bytes_up']} up, {i['bytes_down']} down), {i['wall_s']*1000:.0f} ms")
for b in ("sqlite", "postgres"):
    for mode in ("paced", "closed"):
        f = os.path.join(d, f"sync-load-{b}-{mode}.json")
        if not os.path.exists(f):
            continue
        l = json.load(open(f))
        offered = f", offered {l['offered_changes_per_s']:.0f}/s" if l.get("offered_changes_per_s") else ""
        print(f"load {b} {mode}: {l['devices']} devices{offered}, {l['changes_applied']} changes in {l['wall_s']:.1f} s = {l['changes_per_s']:.0f}/s, "
              f"p50 {l['latency_ms']['p50']:.0f} ms p99 {l['latency_ms']['p99']:.0f} ms, errors {l['errors']}"
              + (f" {l['error_kinds']}" if l['errors'] else ""))
PY
