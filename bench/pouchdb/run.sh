#!/usr/bin/env bash
# The PouchDB half of the sync benchmark: push and pull of N visit documents between
# PouchDB and an express-pouchdb server, on loopback and over the fault proxy set to a rural link
# (no faults, 150 ms each way ≈ 300 ms round trip, 125,000 B/s = 1 Mbit/s each way).
#
#   bench/pouchdb/run.sh [--docs N] [--seed S] [--skip-rural] [--out FILE]
#
# Writes the two cases as one JSON object to FILE (default bench/results/pouchdb.json) and
# prints it on stdout; progress goes to stderr. Environment:
#   FAULTPROXY=path       use this faultproxy binary instead of building it
#                         (cargo build --release -p uppsok-faultproxy --bin faultproxy)
#   RURAL_LATENCY_MS=150  RURAL_BANDWIDTH_BPS=125000   the rural link's settings
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

docs=10000
seed=1
rural=1
out="$root/bench/results/pouchdb.json"
latency_ms="${RURAL_LATENCY_MS:-150}"
bandwidth_bps="${RURAL_BANDWIDTH_BPS:-125000}"

while [ $# -gt 0 ]; do
  case "$1" in
    --docs) docs="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --skip-rural) rural=0; shift ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[pouchdb run] %s\n' "$*" >&2; }

command -v node >/dev/null || { log "node is not installed (Node 18+ needed)"; exit 1; }

# Node dependencies, pinned by package-lock.json, from the npm registry only.
if [ ! -f "$here/node_modules/.package-lock.json" ] \
   || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  log "installing node dependencies (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

log "loopback: $docs docs"
node "$here/peer.js" --docs "$docs" --seed "$seed" --label loopback >"$tmp/loopback.json"

if [ "$rural" = 1 ]; then
  fp="${FAULTPROXY:-}"
  if [ -z "$fp" ]; then
    log "building faultproxy (cargo build --release -p uppsok-faultproxy --bin faultproxy)"
    (cd "$root" && nice -n 10 cargo build --release --quiet -p uppsok-faultproxy --bin faultproxy >&2)
    fp="${CARGO_TARGET_DIR:-$root/target}/release/faultproxy"
  fi
  [ -x "$fp" ] || { log "no faultproxy binary at $fp"; exit 1; }
  log "rural link: $docs docs through $fp, ${latency_ms} ms each way, ${bandwidth_bps} B/s each way (takes minutes)"
  node "$here/peer.js" --docs "$docs" --seed "$seed" --label rural \
    --proxy-cmd "$fp --listen 127.0.0.1:0 --upstream {upstream} --latency-ms $latency_ms --bandwidth-bps $bandwidth_bps --stats-every 0" \
    >"$tmp/rural.json"
fi

mkdir -p "$(dirname "$out")"
node - "$tmp" "$out" "$docs" "$seed" "$latency_ms" "$bandwidth_bps" <<'EOF'
const fs = require('fs');
const path = require('path');
const [dir, out, docs, seed, latency, bandwidth] = process.argv.slice(2);
const read = (name) => {
  const f = path.join(dir, `${name}.json`);
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : null;
};
const loopback = read('loopback');
const rural = read('rural');
const brief = (r) => r && {
  push: (({ wall_s, requests, bytes, bytes_up, bytes_down, bytes_per_doc }) =>
    ({ wall_s, requests, bytes, bytes_up, bytes_down, bytes_per_doc }))(r.push),
  pull: (({ wall_s, requests, bytes, bytes_up, bytes_down, bytes_per_doc }) =>
    ({ wall_s, requests, bytes, bytes_up, bytes_down, bytes_per_doc }))(r.pull),
};
const result = {
  peer: 'pouchdb',
  docs: Number(docs),
  seed,
  pouchdb: loopback.pouchdb,
  express_pouchdb: loopback.express_pouchdb,
  node: loopback.node,
  finished: new Date().toISOString(),
  // The figures the comparison reads: per case, per direction.
  loopback: brief(loopback),
  rural: rural ? { link: { latency_ms_each_way: Number(latency), bandwidth_bps_each_way: Number(bandwidth), fault_rate: 0 }, ...brief(rural) } : null,
  // Everything peer.js reported, per-endpoint breakdown included.
  detail: { loopback, rural },
};
fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
process.stdout.write(JSON.stringify(result) + '\n');
const line = (name, r) => r && ['push', 'pull'].forEach((d) => process.stderr.write(
  `[pouchdb run] ${name.padEnd(8)} ${d}: ${String(r[d].wall_s).padStart(8)} s  ` +
  `${String(r[d].requests).padStart(4)} requests  ${String(r[d].bytes_per_doc).padStart(6)} B/doc\n`));
line('loopback', loopback);
line('rural', rural);
process.stderr.write(`[pouchdb run] wrote ${out}\n`);
EOF
