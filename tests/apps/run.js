#!/usr/bin/env node
// run.js -- run every app scenario against Debian's redis-server and against
// castor, compare what each observed, print a table and a closing line
//   apps: N passed, M failed
// A scenario passes when it succeeds on both servers and its outcome (a JSON
// value the scenario builds from what the client library saw) is the same.
// Each scenario gets a fresh server of each kind (or a fresh cluster).
//   node run.js [filter...]      only scenarios whose name contains a filter
// Env: CASTOR_SERVER, REDIS_SERVER (binaries), APPS_SERIAL=1 (one server kind
// at a time instead of both at once), APPS_VERBOSE=1 (print outcomes).
'use strict';

const util = require('util');
const { Server, startCluster, stopAll } = require('./lib/servers');

const FILES = ['bullmq', 'ioredis', 'noderedis', 'others'];
const KINDS = ['redis', 'castor'];
const TIMEOUT_MS = parseInt(process.env.APPS_SCENARIO_TIMEOUT || '180000', 10);

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => {
    t = setTimeout(() => rej(new Error(what + ' timed out after ' + ms + ' ms')), ms);
  })]).finally(() => clearTimeout(t));
}

async function runOne(sc, kind) {
  const servers = [];
  let result;
  const env = {
    kind,
    // extra servers of the same kind (replicas, sentinels' masters ...)
    startServer: async (args = []) => {
      const s = await new Server(kind, args).start();
      servers.push(s);
      return s;
    },
    startCluster: async (n, replicas, extra) => {
      const nodes = await startCluster(kind, n, replicas, extra);
      servers.push(...nodes);
      return nodes;
    },
    servers,
  };
  try {
    if (!sc.noServer) {
      env.server = await env.startServer(sc.args || []);
      env.port = env.server.port;
    }
    const t0 = Date.now();
    const outcome = await withTimeout(sc.run(env), sc.timeout || TIMEOUT_MS, sc.name);
    result = { ok: true, outcome, ms: Date.now() - t0 };
  } catch (e) {
    const tail = servers.length ? '\n  server log tail:\n' + servers[0].tail(8) : '';
    const where = e && e.stack ? '\n' + e.stack.split('\n').filter((l) => /^\s+at /.test(l))
      .slice(0, 3).join('\n') : '';
    result = { ok: false, error: String(e && e.message ? e.message : e) + where + tail };
  } finally {
    for (const s of servers) {
      // a server that died on its own, or (ASan build) wrote a sanitizer
      // report, fails the scenario however the client fared
      const died = s.proc && (s.proc.signalCode || s.proc.exitCode !== null) && !s.killed;
      await s.stop();
      const report = s.sanitizerReport();
      if (died || report) {
        result = { ok: false, error: kind + ' server ' + s.port + (died ? ' died' : '') +
                   (report ? ' wrote a sanitizer report:\n' + report : '') };
      }
      if (process.env.APPS_KEEP === '1') console.log('  kept ' + s.kind + ' ' + s.port + ' ' + s.dir);
      if (process.env.APPS_KEEP !== '1') s.cleanup();
      else if (died) console.log('  kept ' + s.dir);
    }
  }
  return result;
}

function same(a, b) {
  return util.isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

// Where a and b first differ: 'path: a-value vs b-value'.
function firstDiff(a, b, at = '') {
  if (typeof a === 'string' && typeof b === 'string') {
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    return at + ' @' + i + ': ' + JSON.stringify(a.slice(Math.max(0, i - 40), i + 80)) + ' vs ' +
           JSON.stringify(b.slice(Math.max(0, i - 40), i + 80));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!util.isDeepStrictEqual(a[k], b[k])) return firstDiff(a[k], b[k], at + '/' + k);
    }
  }
  return at + ': ' + short(a) + ' vs ' + short(b);
}

function short(v) {
  const s = JSON.stringify(v);
  return s && s.length > 400 ? s.slice(0, 400) + '...' : s;
}

async function main() {
  const filters = process.argv.slice(2);
  const scenarios = [];
  for (const f of FILES) {
    for (const sc of require('./scenarios/' + f)) {
      const name = f + '/' + sc.name;
      if (filters.length && !filters.some((x) => name.includes(x))) continue;
      scenarios.push({ ...sc, name });
    }
  }
  const rows = [];
  let passed = 0;
  let failed = 0;
  for (const sc of scenarios) {
    const t0 = Date.now();
    let res;
    if (process.env.APPS_SERIAL === '1' || sc.serial) {
      res = {};
      for (const k of KINDS) res[k] = await runOne(sc, k);
    } else {
      const r = await Promise.all(KINDS.map((k) => runOne(sc, k)));
      res = { redis: r[0], castor: r[1] };
    }
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    let verdict;
    let why = '';
    if (!res.redis.ok) {
      verdict = 'FAIL';
      why = 'redis-server: ' + res.redis.error;
    } else if (!res.castor.ok) {
      verdict = 'FAIL';
      why = 'castor: ' + res.castor.error;
    } else if (!same(res.redis.outcome, res.castor.outcome)) {
      verdict = 'FAIL';
      why = 'outcomes differ\n  redis-server: ' + short(res.redis.outcome) + '\n  castor:       ' +
            short(res.castor.outcome) +
            '\n  first difference (redis-server vs castor) at ' +
            firstDiff(JSON.parse(JSON.stringify(res.redis.outcome)),
                      JSON.parse(JSON.stringify(res.castor.outcome)));
    } else {
      verdict = 'PASS';
    }
    if (verdict === 'PASS') passed++;
    else failed++;
    const line = verdict.padEnd(5) + sc.name.padEnd(40) + ' ' + secs.padStart(6) + ' s';
    console.log(line + (why ? '\n  ' + why : ''));
    if (process.env.APPS_VERBOSE === '1' && res.castor.ok) {
      console.log('  outcome: ' + short(res.castor.outcome));
      console.log('  run time: redis-server ' + res.redis.ms + ' ms, castor ' + res.castor.ms + ' ms');
    }
    rows.push({ verdict, name: sc.name });
  }
  await stopAll();
  console.log('apps: ' + passed + ' passed, ' + failed + ' failed');
  process.exit(failed ? 1 : 0);
}

process.on('SIGINT', async () => {
  await stopAll();
  process.exit(130);
});

main().catch(async (e) => {
  console.error(e);
  await stopAll();
  console.log('apps: 0 passed, 1 failed');
  process.exit(1);
});
