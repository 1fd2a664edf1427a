#!/usr/bin/env node
'use strict';
// The PouchDB peer of Uppsök's sync benchmark: replicates N visit documents from an
// in-memory PouchDB to an in-memory express-pouchdb server (push), then into a fresh in-memory
// PouchDB (pull), and measures wall time, HTTP requests and bytes on the wire for each.
//
// Two processes, as phone and server would be: this one replicates; a child (this file with
// --serve-child) runs express-pouchdb behind a byte-counting TCP relay, so bytes are counted on
// the wire (HTTP headers and bodies, both directions) and requests at the server.
//
//   replicator ──► [--proxy-cmd / --target: e.g. faultproxy] ──► counting relay ──► express-pouchdb
//
// Output: one JSON object on stdout; progress and a summary on stderr. See README.md.

const path = require('path');
const net = require('net');
const http = require('http');
const { fork, spawn } = require('child_process');

const USAGE = `usage: node peer.js [options]
  --docs N            visit documents to replicate (default 10000)
  --seed S            seed of the document generator (default 1)
  --label NAME        name of the link case, copied into the JSON (default "loopback")
  --batch-size N      PouchDB replication batch_size (default: PouchDB's own, 100)
  --proxy-cmd CMD     start a proxy with 'sh -c CMD' in front of the server: {upstream} in CMD
                      (and $UPSTREAM) is the server's host:port; the proxy must print
                      'listening on HOST:PORT' as a line on stdout (faultproxy does); it is
                      stopped with SIGTERM at the end
  --target URL        replicate through this base URL instead (a proxy you started yourself,
                      pointing at --listen-port)
  --listen-port P     port of the counting relay in front of the server (default: any free one)
  --timeout-s T       give up after T seconds (default 3600)
  --dump-docs FILE    also write the documents as JSON lines to FILE (for other peers)
  --help`;

function parseArgs(argv) {
  const opts = {
    docs: 10000, seed: '1', label: 'loopback', batchSize: null, proxyCmd: null, target: null,
    listenPort: 0, timeoutS: 3600, dumpDocs: null, serveChild: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) die(`${a} needs a value\n${USAGE}`);
      return argv[++i];
    };
    const num = (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) die(`${a}: not a whole number: ${v}`);
      return n;
    };
    switch (a) {
      case '--docs': opts.docs = num(val()); break;
      case '--seed': opts.seed = val(); break;
      case '--label': opts.label = val(); break;
      case '--batch-size': opts.batchSize = num(val()); break;
      case '--proxy-cmd': opts.proxyCmd = val(); break;
      case '--target': opts.target = val(); break;
      case '--listen-port': opts.listenPort = num(val()); break;
      case '--timeout-s': opts.timeoutS = num(val()); break;
      case '--dump-docs': opts.dumpDocs = val(); break;
      case '--serve-child': opts.serveChild = true; break;
      case '-h': case '--help': process.stdout.write(USAGE + '\n'); process.exit(0); break;
      default: die(`unknown option ${a}\n${USAGE}`);
    }
  }
  if (opts.proxyCmd && opts.target) die('give --proxy-cmd or --target, not both');
  if (opts.docs < 1) die('--docs must be at least 1');
  return opts;
}

function die(msg) {
  process.stderr.write(`peer.js: ${msg}\n`);
  process.exit(2);
}

function log(msg) {
  process.stderr.write(`[pouchdb] ${msg}\n`);
}

function loadPouchDB() {
  const PouchDB = require('pouchdb');
  PouchDB.plugin(require('pouchdb-adapter-memory'));
  return PouchDB;
}

// ---------------------------------------------------------------------------------------------
// Server child: express-pouchdb (in memory) on 127.0.0.1:0, a counting TCP relay in front of it.

async function serveChild(opts) {
  const express = require('express');
  const expressPouchDB = require('express-pouchdb');
  const PouchDB = loadPouchDB();
  const MemPouch = PouchDB.defaults({ adapter: 'memory' });

  const stats = { requests: 0, byEndpoint: {}, bytesUp: 0, bytesDown: 0, connections: 0 };

  const app = express();
  // Count every request that reaches the server, by method and kind of path (doc ids folded),
  // with its bytes: request line, headers and body; status line, headers and body as sent
  // (after compression, which runs inside express-pouchdb and so writes through our wrapper).
  // The relay's totals are the exact figures; these split them by endpoint.
  app.use((req, res, next) => {
    stats.requests++;
    const key = `${req.method} ${endpointOf(req.path)}`;
    const e = stats.byEndpoint[key] || (stats.byEndpoint[key] = { requests: 0, bytes_up: 0, bytes_down: 0 });
    e.requests++;
    let up = Buffer.byteLength(`${req.method} ${req.originalUrl} HTTP/${req.httpVersion}\r\n\r\n`);
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      up += Buffer.byteLength(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`);
    }
    up += Number(req.headers['content-length'] || 0);
    e.bytes_up += up;
    let body = 0;
    const write = res.write;
    const end = res.end;
    const count = (chunk, enc) => {
      if (chunk && typeof chunk !== 'function') {
        body += Buffer.isBuffer(chunk) ? chunk.length : Buffer.byteLength(chunk, typeof enc === 'string' ? enc : 'utf8');
      }
    };
    res.write = function (chunk, enc, cb) { count(chunk, enc); return write.call(this, chunk, enc, cb); };
    res.end = function (chunk, enc, cb) { count(chunk, enc); return end.call(this, chunk, enc, cb); };
    res.on('finish', () => {
      const head = res._header ? Buffer.byteLength(res._header) : 0;
      const chunked = /transfer-encoding: chunked/i.test(res._header || '');
      e.bytes_down += head + body + (chunked ? 12 : 0); // chunk framing, roughly
    });
    next();
  });
  // 'minimumForPouchDB' is what PouchDB replication needs; the default 'fullCouchDB' mode adds
  // Fauxton, auth, config and log files on disk, none of which replication uses.
  app.use(expressPouchDB(MemPouch, { mode: 'minimumForPouchDB' }));

  const server = http.createServer(app);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const serverPort = server.address().port;

  // The relay: every byte between the client side (replicator or a proxy) and the server passes
  // here and is counted, so the figures are HTTP on the wire (headers, bodies, chunk framing).
  const relay = net.createServer((client) => {
    stats.connections++;
    const upstream = net.connect(serverPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (b) => { stats.bytesUp += b.length; });
    upstream.on('data', (b) => { stats.bytesDown += b.length; });
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise((resolve, reject) => {
    relay.once('error', reject);
    relay.listen(opts.listenPort, '127.0.0.1', resolve);
  });

  process.on('message', (msg) => {
    if (msg && msg.cmd === 'stats') {
      process.send({ reply: 'stats', id: msg.id, stats: JSON.parse(JSON.stringify(stats)) });
    } else if (msg && msg.cmd === 'stop') {
      relay.close();
      server.close();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ reply: 'ready', relayPort: relay.address().port, serverPort });
}

function endpointOf(p) {
  const parts = p.split('/').filter(Boolean);
  if (parts.length === 0) return '/';
  const out = parts.map((seg, i) => {
    if (i === 0) return seg.startsWith('_') ? seg : '{db}';
    if (seg.startsWith('_')) return seg;
    return i === 2 && parts[1] === '_local' ? '{checkpoint}' : '{doc}';
  });
  return '/' + out.join('/');
}

// ---------------------------------------------------------------------------------------------
// Replicator (the parent).

function startServerChild(opts) {
  const args = ['--serve-child', '--listen-port', String(opts.listenPort)];
  const child = fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 0;
  const waiting = new Map();
  let onReady;
  const ready = new Promise((resolve, reject) => {
    onReady = resolve;
    child.once('exit', (code) => reject(new Error(`server child exited early (${code})`)));
  });
  child.on('message', (msg) => {
    if (msg.reply === 'ready') onReady(msg);
    if (msg.reply === 'stats' && waiting.has(msg.id)) {
      waiting.get(msg.id)(msg.stats);
      waiting.delete(msg.id);
    }
  });
  return {
    ready,
    stats() {
      const id = nextId++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        child.send({ cmd: 'stats', id });
      });
    },
    stop() {
      if (child.connected) child.send({ cmd: 'stop' });
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    },
    child,
  };
}

function startProxy(cmd, upstream) {
  const line = cmd.split('{upstream}').join(upstream);
  log(`proxy: ${line}`);
  const proc = spawn('sh', ['-c', `exec ${line}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, UPSTREAM: upstream },
  });
  let out = '';
  let finalStats = null;
  const addr = new Promise((resolve, reject) => {
    let found = false;
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      let nl;
      while ((nl = out.indexOf('\n')) >= 0) {
        const l = out.slice(0, nl).trim();
        out = out.slice(nl + 1);
        const m = /^listening on (\S+)/.exec(l);
        if (m && !found) {
          found = true;
          resolve(m[1]);
        } else if (l.startsWith('{')) {
          try { finalStats = JSON.parse(l); } catch (_) { /* not the counters */ }
        } else if (l) {
          log(`proxy: ${l}`);
        }
      }
    });
    proc.once('exit', (code, sig) => {
      if (!found) reject(new Error(`proxy command exited (${code ?? sig}) before 'listening on'`));
    });
    proc.once('error', reject);
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  return {
    addr,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      return finalStats;
    },
  };
}

function delta(before, after) {
  const byEndpoint = {};
  for (const [k, v] of Object.entries(after.byEndpoint)) {
    const b = before.byEndpoint[k] || { requests: 0, bytes_up: 0, bytes_down: 0 };
    if (v.requests > b.requests) {
      byEndpoint[k] = {
        requests: v.requests - b.requests,
        bytes_up: v.bytes_up - b.bytes_up,
        bytes_down: v.bytes_down - b.bytes_down,
      };
    }
  }
  return {
    requests: after.requests - before.requests,
    bytesUp: after.bytesUp - before.bytesUp,
    bytesDown: after.bytesDown - before.bytesDown,
    connections: after.connections - before.connections,
    byEndpoint,
  };
}

async function measure(name, server, docs, run) {
  const before = await server.stats();
  const t0 = process.hrtime.bigint();
  const info = await run();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  // Let the last response's bytes reach the relay's counters (they already have: the client
  // has read them; this only drains the IPC ordering).
  const after = await server.stats();
  const d = delta(before, after);
  const bytes = d.bytesUp + d.bytesDown;
  const result = {
    wall_s: round(wall, 3),
    requests: d.requests,
    bytes,
    bytes_up: d.bytesUp,
    bytes_down: d.bytesDown,
    bytes_per_doc: round(bytes / docs, 1),
    requests_per_1000_docs: round((d.requests * 1000) / docs, 1),
    docs_per_s: round(docs / wall, 1),
    connections: d.connections,
    docs_written: info.docs_written,
    by_endpoint: sortEndpoints(d.byEndpoint, docs),
  };
  log(`${name}: ${docs} docs in ${result.wall_s} s, ${result.requests} requests, ` +
    `${bytes} bytes (${result.bytes_up} up, ${result.bytes_down} down) = ` +
    `${result.bytes_per_doc} B/doc, ${result.connections} connection(s)`);
  for (const [k, v] of Object.entries(result.by_endpoint)) {
    log(`${name}:   ${k.padEnd(32)} ${String(v.requests).padStart(5)} requests  ` +
      `${String(v.bytes_per_doc).padStart(6)} B/doc (${v.bytes_up} up, ${v.bytes_down} down)`);
  }
  return result;
}

function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function sortEndpoints(o, docs) {
  return Object.fromEntries(Object.entries(o)
    .sort((a, b) => (b[1].bytes_up + b[1].bytes_down) - (a[1].bytes_up + a[1].bytes_down))
    .map(([k, v]) => [k, { ...v, bytes_per_doc: round((v.bytes_up + v.bytes_down) / docs, 1) }]));
}

async function replicator(opts) {
  const { makeVisits } = require('./visits');
  const PouchDB = loadPouchDB();
  const pouchVersion = require('pouchdb/package.json').version;
  const expressPouchVersion = require('express-pouchdb/package.json').version;

  const docs = makeVisits(opts.docs, opts.seed);
  if (opts.dumpDocs) {
    require('fs').writeFileSync(opts.dumpDocs, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
    log(`wrote ${docs.length} documents to ${opts.dumpDocs}`);
  }
  const avgJson = docs.reduce((s, d) => s + Buffer.byteLength(JSON.stringify(d)), 0) / docs.length;

  const server = startServerChild(opts);
  let proxy = null;
  const cleanup = async () => {
    let proxyStats = null;
    if (proxy) proxyStats = await proxy.stop().catch(() => null);
    server.stop();
    return proxyStats;
  };
  const timer = setTimeout(async () => {
    log(`timed out after ${opts.timeoutS} s`);
    await cleanup();
    process.exit(1);
  }, opts.timeoutS * 1000);
  timer.unref();

  try {
    const { relayPort } = await server.ready;
    const upstream = `127.0.0.1:${relayPort}`;
    let base;
    if (opts.proxyCmd) {
      proxy = startProxy(opts.proxyCmd, upstream);
      base = `http://${await proxy.addr}`;
    } else if (opts.target) {
      base = opts.target;
    } else {
      base = `http://${upstream}`;
    }
    base = base.replace(/\/+$/, '');
    log(`pouchdb ${pouchVersion}, express-pouchdb ${expressPouchVersion}, ${opts.docs} docs ` +
      `(avg ${round(avgJson, 1)} B of JSON each), server behind ${upstream}, replicating via ${base}`);

    // The phone's database, filled locally before anything is measured.
    const local = new PouchDB('phone-push', { adapter: 'memory' });
    for (let i = 0; i < docs.length; i += 1000) {
      const res = await local.bulkDocs(docs.slice(i, i + 1000));
      const bad = res.filter((r) => r.error);
      if (bad.length) throw new Error(`local write failed: ${JSON.stringify(bad[0])}`);
    }
    const replOpts = opts.batchSize ? { batch_size: opts.batchSize } : {};

    // Push: phone → server. The remote database is created by the replication itself, as an app
    // would do on its first sync.
    const push = await measure('push', server, opts.docs, async () => {
      const remote = new PouchDB(`${base}/visits`);
      const r = await local.replicate.to(remote, replOpts);
      if (!r.ok || r.doc_write_failures) throw new Error(`push failed: ${JSON.stringify(r)}`);
      await remote.close();
      return { docs_written: r.docs_written };
    });
    await local.destroy();

    // Pull: a fresh phone gets them all back.
    const fresh = new PouchDB('phone-pull', { adapter: 'memory' });
    const pull = await measure('pull', server, opts.docs, async () => {
      const remote = new PouchDB(`${base}/visits`);
      const r = await fresh.replicate.from(remote, replOpts);
      if (!r.ok || r.doc_write_failures) throw new Error(`pull failed: ${JSON.stringify(r)}`);
      await remote.close();
      return { docs_written: r.docs_written };
    });

    // Check that the pull brought back exactly the documents that were pushed.
    const all = await fresh.allDocs({ include_docs: true });
    if (all.rows.length !== docs.length) {
      throw new Error(`pulled ${all.rows.length} documents, expected ${docs.length}`);
    }
    const byId = new Map(all.rows.map((row) => [row.id, row.doc]));
    for (const d of docs) {
      const got = byId.get(d._id);
      if (!got) throw new Error(`document ${d._id} missing after pull`);
      const { _rev, ...rest } = got;
      if (canonical(rest) !== canonical(d)) {
        throw new Error(`document ${d._id} differs after pull`);
      }
    }
    log(`verified: all ${docs.length} documents came back unchanged`);
    await fresh.destroy();

    const proxyStats = await cleanup();
    proxy = null;
    clearTimeout(timer);
    const out = {
      peer: 'pouchdb',
      label: opts.label,
      docs: opts.docs,
      seed: opts.seed,
      pouchdb: pouchVersion,
      express_pouchdb: expressPouchVersion,
      node: process.version,
      batch_size: opts.batchSize || 100,
      avg_doc_json_bytes: round(avgJson, 1),
      via: opts.proxyCmd ? 'proxy-cmd' : opts.target ? 'target' : 'direct',
      push,
      pull,
    };
    if (proxyStats) out.proxy_stats = proxyStats;
    process.stdout.write(JSON.stringify(out) + '\n');
  } catch (err) {
    log(`failed: ${err && err.stack ? err.stack : err}`);
    await cleanup();
    process.exit(1);
  }
}

const opts = parseArgs(process.argv.slice(2));
if (opts.serveChild) {
  serveChild(opts).catch((err) => {
    process.stderr.write(`[pouchdb server] ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
} else {
  replicator(opts);
}
