// servers.js -- start castor / redis-server / redis-sentinel for the app
// scenarios: each on a free 127.0.0.1 port in its own temp dir, stopped by
// pid (never by name), removed afterwards. Also a cluster of n nodes made by
// redis-cli --cluster create, as tests/integration/test_cluster.py does.
'use strict';

const { spawn, execFile } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BINARIES = {
  castor: process.env.CASTOR_SERVER || path.join(ROOT, 'build', 'castor-server'),
  redis: process.env.REDIS_SERVER || '/usr/bin/redis-server',
};
const REDIS_CLI = process.env.REDIS_CLI || '/usr/bin/redis-cli';
const SENTINEL = process.env.REDIS_SENTINEL || '/usr/bin/redis-sentinel';

const SANITIZER_MARKERS = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:',
                           'ERROR: UndefinedBehaviorSanitizer'];
const live = new Set();
const handedOut = new Set();

function bindable(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

// A port free a moment ago whose cluster bus port (+10000) is free too.
async function freePort() {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 35000);
    if (port === 6379 || handedOut.has(port)) continue;
    if ((await bindable(port)) && (await bindable(port + 10000))) {
      handedOut.add(port);
      return port;
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls cond() (sync or async) until true; throws msg after timeoutMs.
async function waitFor(cond, timeoutMs, msg, intervalMs = 20) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let ok = false;
    try {
      ok = await cond();
    } catch (e) {
      ok = false;
    }
    if (ok) return;
    if (Date.now() > end) throw new Error('timed out waiting for ' + (msg || 'condition'));
    await sleep(intervalMs);
  }
}

// One raw command over a fresh connection (RESP2 inline-free encoding);
// resolves to the raw reply text. Enough for PING/readiness and CLUSTER INFO.
function rawCommand(port, args, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = '';
    const t = setTimeout(() => {
      sock.destroy();
      reject(new Error('raw command timeout'));
    }, timeoutMs);
    sock.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    sock.on('data', (d) => {
      buf += d.toString();
      if (complete(buf)) {
        clearTimeout(t);
        sock.end();
        resolve(buf);
      }
    });
    sock.write(args.reduce((s, a) => s + '$' + Buffer.byteLength(String(a)) + '\r\n' + a + '\r\n',
                           '*' + args.length + '\r\n'));
  });
}

// Is buf one whole reply? (simple/error/int lines and one bulk string)
function complete(buf) {
  if (buf.length === 0 || !buf.endsWith('\r\n')) return false;
  if (buf[0] !== '$') return true;
  const nl = buf.indexOf('\r\n');
  const len = parseInt(buf.slice(1, nl), 10);
  return len < 0 || buf.length >= nl + 2 + len + 2;
}

class Server {
  // kind: 'castor' | 'redis'; args: extra ['--name', 'value', ...].
  constructor(kind, args = [], opts = {}) {
    this.kind = kind;
    this.binary = opts.binary || BINARIES[kind];
    this.args = args;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'castor-apps-' + kind + '-'));
    this.port = null;
    this.proc = null;
  }

  async start() {
    if (!fs.existsSync(this.binary)) throw new Error('server binary not found: ' + this.binary);
    for (let attempt = 0; attempt < 5; attempt++) {
      this.port = this.fixedPort || (await freePort());
      const argv = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
                    '--save', '', '--appendonly', 'no', '--logfile',
                    path.join(this.dir, 'server.log'), '--daemonize', 'no',
                    '--enable-debug-command', 'yes', ...this.args];
      const err = fs.openSync(path.join(this.dir, 'stderr.log'), 'a');
      this.proc = spawn(this.binary, argv, { cwd: this.dir, stdio: ['ignore', err, err] });
      fs.closeSync(err);
      live.add(this);
      this.exited = new Promise((r) => this.proc.once('exit', (code, sig) => r({ code, sig })));
      try {
        await waitFor(async () => (await rawCommand(this.port, ['PING'])).startsWith('+PONG'),
                      20000, this.kind + ' answering PING');
        return this;
      } catch (e) {
        await this.stop();
        if (attempt === 4) throw new Error(this.kind + ' did not start: ' + this.tail());
      }
    }
    return this;
  }

  // Stop (SIGTERM: a save point or the AOF is written) and start again in
  // the same directory, on a new port.
  async restart(samePort = false) {
    await this.stop();
    if (samePort) this.fixedPort = this.port;
    try {
      return await this.start();
    } finally {
      this.fixedPort = null;
    }
  }

  get pid() {
    return this.proc ? this.proc.pid : null;
  }

  tail(n = 20) {
    try {
      const lines = fs.readFileSync(path.join(this.dir, 'server.log'), 'utf8').split('\n');
      return lines.slice(-n).join('\n');
    } catch (e) {
      return '(no log)';
    }
  }

  // SIGTERM by pid, SIGKILL after 10 s.
  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) {
      live.delete(this);
      return;
    }
    process.kill(this.proc.pid, signal);
    const t = setTimeout(() => {
      try {
        process.kill(this.proc.pid, 'SIGKILL');
      } catch (e) { /* gone */ }
    }, 10000);
    await this.exited;
    clearTimeout(t);
    live.delete(this);
  }

  async kill() {
    this.killed = true; // on purpose: not a crash
    await this.stop('SIGKILL');
  }

  // stderr if it holds a sanitizer report (the ASan build), else ''.
  sanitizerReport() {
    let text = '';
    try {
      text = fs.readFileSync(path.join(this.dir, 'stderr.log'), 'utf8');
    } catch (e) {
      return '';
    }
    return SANITIZER_MARKERS.some((m) => text.includes(m)) ? text.slice(0, 3000) : '';
  }

  cleanup() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function run(cmd, args, timeoutMs = 120000) {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ code: err ? (err.code || 1) : 0, out: stdout + stderr }));
  });
}

// n cluster nodes of one kind, redis-cli --cluster create, every node ok.
async function startCluster(kind, n, replicas, extra = []) {
  const nodes = [];
  for (let i = 0; i < n; i++) {
    nodes.push(await new Server(kind, ['--cluster-enabled', 'yes', '--cluster-node-timeout',
                                       '1000', ...extra]).start());
  }
  const res = await run(REDIS_CLI, ['--cluster', 'create',
                                    ...nodes.map((s) => '127.0.0.1:' + s.port),
                                    '--cluster-replicas', String(replicas), '--cluster-yes']);
  if (res.code !== 0 || !res.out.includes('[OK] All 16384 slots covered.')) {
    throw new Error('redis-cli --cluster create failed: ' + res.out.slice(-2000));
  }
  for (const s of nodes) {
    await waitFor(async () => (await rawCommand(s.port, ['CLUSTER', 'INFO'])).includes(
      'cluster_state:ok'), 30000, 'cluster_state:ok on ' + s.port, 50);
  }
  return nodes;
}

// One Debian redis-sentinel watching master port `port` as "mymaster".
async function startSentinel(port) {
  const s = new Server('redis', [], { binary: SENTINEL });
  s.start = async function () {
    this.port = await freePort();
    const conf = path.join(this.dir, 'sentinel.conf');
    fs.writeFileSync(conf, ['port ' + this.port, 'bind 127.0.0.1', 'dir ' + this.dir,
                            'logfile ' + path.join(this.dir, 'sentinel.log'),
                            'sentinel resolve-hostnames no',
                            'sentinel monitor mymaster 127.0.0.1 ' + port + ' 1',
                            'sentinel down-after-milliseconds mymaster 1000'].join('\n') + '\n');
    this.proc = spawn(this.binary, [conf], { cwd: this.dir, stdio: 'ignore' });
    live.add(this);
    this.exited = new Promise((r) => this.proc.once('exit', (code, sig) => r({ code, sig })));
    await waitFor(async () => (await rawCommand(this.port, ['PING'])).startsWith('+PONG'),
                  20000, 'sentinel answering PING');
    return this;
  };
  return s.start();
}

async function stopAll() {
  await Promise.all([...live].map((s) => s.stop()));
}

module.exports = { Server, startCluster, startSentinel, stopAll, waitFor, sleep, freePort,
                   rawCommand, BINARIES, ROOT };
