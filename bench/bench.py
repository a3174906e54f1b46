#!/usr/bin/python3
"""bench.py -- castor against Debian's redis-server, side by side, as ratios.

Starts both servers with the same settings on free loopback ports in a temp
dir (persistence off), drives them in alternation with the same load, and
prints one greppable line per figure: castor value, redis value, ratio
castor/redis. See bench/README.md for how to read the figures.

Sections are plain functions listed in SECTIONS; to add one, write
`def section_foo(ctx)` and append a Section entry. Load that redis-benchmark
can generate is described by a Suite (tests x pipelines x value sizes) and run
through ctx.run_suite(), which caches results so the throughput and cpu
sections share the same runs.

Run with /usr/bin/python3 (stdlib only; redis-py is not needed).
"""

import argparse
import atexit
import contextlib
import csv
import ctypes
import io
import itertools
import json
import math
import os
import platform
import random
import selectors
import shlex
import shutil
import signal
import statistics
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zlib
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASTOR_DEFAULT = os.path.join(ROOT, "build", "castor-server")
REDIS_DEFAULT = "/usr/bin/redis-server"
BENCH_DEFAULT = "/usr/bin/redis-benchmark"

CLIENTS = 50
KEYSPACE = 100000
BENCH_TIMEOUT_S = 180       # one redis-benchmark run; a hung server fails the run
START_TIMEOUT_S = 10
STABLE_PCT = 5              # two best runs this close: the best is a clean window
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """A figure could not be measured; the section reports it and the run continues."""


# ---- Servers ----------------------------------------------------------------

def free_port(taken):
    """Return a free loopback port, never 6379 and never one in 'taken';
    from CASTOR_TEST_PORTS ("LO-HI") when set, as the tests do (a shared
    machine gives each engineer a range)."""
    lo, sep, hi = os.environ.get("CASTOR_TEST_PORTS", "").partition("-")
    candidates = iter(range(int(lo), int(hi) + 1)) if sep else None
    while True:
        port = next(candidates) if candidates else 0
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            port = s.getsockname()[1] if port == 0 else port
            s.close()
        if port != 6379 and port not in taken:
            return port


def die_with_parent():
    """preexec_fn: SIGTERM the child if this script dies (even by SIGKILL)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Server:
    """One server process (castor or redis) plus a tiny RESP client to it."""

    def __init__(self, name, binary, workdir, port, cpu, extra_args):
        self.name = name
        self.binary = binary
        self.port = port
        self.cpu = cpu
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = os.path.join(self.dir, "server.log")
        self.args = [binary, "--port", str(port), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", self.dir,
                     "--enable-debug-command", "yes"] + extra_args
        self.proc = None
        self.sock = None

    def start(self):
        log = open(self.log_path, "ab")
        cpu = self.cpu

        def preexec():
            die_with_parent()
            if cpu is not None:
                os.sched_setaffinity(0, {cpu})

        self.proc = subprocess.Popen(self.args, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                     cwd=self.dir, preexec_fn=preexec)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.proc.returncode} at start-up\n"
                                 + self.log_tail())
            try:
                if self.call("PING") == "PONG":
                    return
            except OSError:
                self.close_conn()
            except BenchError as e:     # -LOADING while a dataset loads: not yet
                if "LOADING" not in str(e):
                    raise
            time.sleep(0.05)
        raise BenchError(f"{self.name} did not answer PING within {START_TIMEOUT_S}s\n"
                         + self.log_tail())

    def stop(self):
        """Stop by pid: SIGTERM, then SIGKILL after 5 s. Safe to call twice."""
        self.close_conn()
        p, self.proc = self.proc, None
        if p is None or p.poll() is not None:
            return
        try:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def check_alive(self):
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            raise BenchError(f"{self.name} is not running (exit {code})\n" + self.log_tail())

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as f:
                tail = f.read().decode(errors="replace").splitlines()[-lines:]
            return "\n".join(f"    | {l}" for l in tail)
        except OSError:
            return "    | (no log)"

    # -- minimal RESP client (stdlib only, so a missing redis-py never matters) --

    def conn(self):
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.rfile = self.sock.makefile("rb")
        return self.sock

    def close_conn(self):
        if self.sock is not None:
            try:
                self.rfile.close()
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    def call(self, *argv):
        """Send one command and return its reply decoded (str/int/list/None)."""
        self.conn().sendall(encode_command(argv))
        return self.read_reply()

    def read_reply(self):
        line = self.rfile.readline()
        if not line.endswith(b"\r\n"):
            self.close_conn()
            raise OSError(f"{self.name}: connection closed")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise BenchError(f"{self.name}: {rest.decode(errors='replace')}")
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.rfile.read(n + 2)
            return data[:-2].decode(errors="replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read_reply() for _ in range(n)]
        raise BenchError(f"{self.name}: unexpected reply {line!r}")

    def info(self, section):
        out = {}
        for l in self.call("INFO", section).splitlines():
            if ":" in l and not l.startswith("#"):
                k, v = l.split(":", 1)
                out[k] = v
        return out

    # -- /proc --

    def cpu_ns(self):
        """CPU time of the process so far, in ns: the sum over its threads of
        /proc/PID/task/TID/schedstat (on-cpu time, user+kernel, ns resolution),
        or utime+stime in clock ticks (10 ms resolution) where that is missing.
        Threads that exited are not counted; neither server starts short-lived ones.
        """
        pid = self.proc.pid
        try:
            total = 0
            for tid in os.listdir(f"/proc/{pid}/task"):
                try:
                    with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                        total += int(f.read().split()[0])
                except FileNotFoundError:
                    pass
            if total:
                return total
        except (OSError, ValueError, IndexError):
            pass
        return self.cpu_ticks() * 1e9 / CLK_TCK

    def cpu_ticks(self):
        """utime+stime of the whole process (all threads), in clock ticks."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()  # comm may contain spaces
        return int(fields[11]) + int(fields[12])      # fields 14, 15 of stat(5)

    def vm_rss(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for l in f:
                if l.startswith("VmRSS:"):
                    return int(l.split()[1]) * 1024
        raise BenchError(f"{self.name}: no VmRSS")


def encode_command(argv):
    out = [b"*%d\r\n" % len(argv)]
    for a in argv:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def binary_version(path):
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired) as e:
        return f"(version unknown: {e})"


# ---- Load generated by redis-benchmark -------------------------------------

@dataclass
class Suite:
    """A matrix of redis-benchmark runs: every test at every pipeline and size.

    'tests' pairs our short label with redis-benchmark's -t name. 'requests'
    gives -n for (test label, pipeline, size) before --quick scaling. Tests run in
    list order on the same data, so put fillers before the tests that read.
    A test given as a list instead of a -t name is a command line of its own
    (redis-benchmark replaces each __rand_int__ with a random 12-digit number
    below 'keyspace'). 'setup(ctx, srv)', if set, runs on each server after the
    FLUSHALL that starts each (pipeline, size) group, to load data to read.
    """
    name: str
    tests: List[tuple]
    pipelines: List[int]
    sizes: List[int]
    requests: Callable[[str, int, int], int]
    keyspace: int = KEYSPACE
    setup: Optional[Callable] = None
    # Labels whose cells also run the no-op reference server (noop_server.c).
    reference: tuple = ()


def core_requests(test, pipeline, size):
    # About 1-1.5 s per run on a 2-cpu VM: short runs, repeated in alternation,
    # beat long ones on a host whose speed drifts. Both servers get the same -n.
    if test == "MSET":          # 10 keys per request
        return 60000 if size > 100 else (100000 if pipeline == 1 else 200000)
    if pipeline == 1:
        return 100000
    return 500000 if size > 100 else 800000


# Light single-key commands at P1 (PFADD, PFCOUNT, GEOADD, XADD): about 1 s
# per run as in the core suite. At 0.3 s the first quarter second of a run
# (new connections, castor's io-coalesce probe: see README) outweighed the
# steady state that the figure is meant to show.
LIGHT_P1_REQUESTS = 100000


def collection_requests(test, pipeline, size):
    # Shorter runs than the core suite (about 0.3-0.5 s) to keep the default run
    # short; the cpu figures (ns resolution) hardly suffer, ops/s is rougher.
    if test.startswith("LRANGE"):
        return 10000 if pipeline == 1 else 40000
    return 30000 if pipeline == 1 else 250000


CORE = Suite("core", [("SET", "set"), ("GET", "get"), ("INCR", "incr"), ("MSET", "mset")],
             pipelines=[1, 16], sizes=[3, 1024], requests=core_requests, reference=("SET", "GET"))

COLLECTIONS = Suite("collections",
                    [("LPUSH", "lpush"), ("LPOP", "lpop"), ("RPUSH", "rpush"), ("RPOP", "rpop"),
                     ("SADD", "sadd"), ("SPOP", "spop"), ("HSET", "hset"), ("ZADD", "zadd"),
                     ("ZPOPMIN", "zpopmin"), ("LRANGE_100", "lrange_100")],
                    pipelines=[1, 16], sizes=[3], requests=collection_requests)


# Scripts: EVALSHA of a small script (INCR + EXPIRE, what rate limiters
# and locks do) and of a ten-command one, both loaded by the suite's setup.
SCRIPT_SMALL = ("redis.call('incr', KEYS[1]) "
                "return redis.call('expire', KEYS[1], ARGV[1])")
SCRIPT_TEN = ("local k = KEYS[1] "
              "redis.call('incr', k) redis.call('expire', k, ARGV[1]) "
              "redis.call('set', k .. ':s', ARGV[1]) redis.call('get', k .. ':s') "
              "redis.call('hset', k .. ':h', 'f', ARGV[1]) redis.call('hget', k .. ':h', 'f') "
              "redis.call('lpush', k .. ':l', ARGV[1]) redis.call('ltrim', k .. ':l', 0, 9) "
              "redis.call('sadd', k .. ':z', ARGV[1]) return redis.call('scard', k .. ':z')")


def script_sha(body):
    import hashlib
    return hashlib.sha1(body.encode()).hexdigest()


def scripting_requests(test, pipeline, size):
    if test == "EVALSHA10":
        return 20000 if pipeline == 1 else 60000
    return 50000 if pipeline == 1 else 200000


def scripting_setup(ctx, srv):
    for body in (SCRIPT_SMALL, SCRIPT_TEN):
        srv.call("SCRIPT", "LOAD", body)


SCRIPTING = Suite("scripting",
                  [("EVALSHA", ["EVALSHA", script_sha(SCRIPT_SMALL), "1", "rl:__rand_int__", "100"]),
                   ("EVALSHA10", ["EVALSHA", script_sha(SCRIPT_TEN), "1", "s:__rand_int__", "100"])],
                  pipelines=[1, 16], sizes=[0], requests=scripting_requests, setup=scripting_setup)


# ACL: SET/GET as a user with 20 key patterns (the key matches the last
# one, the worst case), beside the same load as the default user, which
# the dispatcher does not check at all.
ACL_PATTERNS = ["~app%d:*" % i for i in range(19)] + ["~key:*"]
ACL_AUTH = ["--user", "benchacl", "-a", "benchpw"]


def acl_setup(ctx, srv):
    srv.call("ACL", "SETUSER", "benchacl", "reset", "on", ">benchpw", "+@all", *ACL_PATTERNS)


ACL_TESTS = [("SET", ["-t", "set"]), ("GET", ["-t", "get"])]
ACL_REPS = 11           # interleaved rounds (quick: 1): P1 rounds spread +-20%


def acl_load(count, chunk=10000):
    """SET key:%012d xxx for i < count: redis-benchmark's keys and its
    3-byte value, so that every SET of a run overwrites and every GET hits,
    whichever run comes first (runs see the same keyspace)."""
    fmt = b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$3\r\nxxx\r\n"
    return chunked(lambda a, b: b"".join([fmt % i for i in range(a, b)]), count, chunk)


@dataclass
class Run:
    ops: float          # requests per second as redis-benchmark reports it
    cpu_us: float       # server CPU microseconds per request
    seconds: float      # wall time of the redis-benchmark process


@dataclass
class Cell:
    """All runs of one (test, pipeline, size) on both servers."""
    test: str
    pipeline: int
    size: int
    n: int
    runs: Dict[str, List[Run]] = field(default_factory=dict)
    error: Dict[str, str] = field(default_factory=dict)
    noisy: bool = False         # the best ops/s of a side was never confirmed

    def is_stable(self, who):
        top = sorted((r.ops for r in self.runs.get(who, [])), reverse=True)[:2]
        return len(top) == 2 and top[1] >= top[0] * (1 - STABLE_PCT / 100)

    def best_ops(self, who):
        return max((r.ops for r in self.runs.get(who, [])), default=None)

    def best_cpu(self, who):
        return min((r.cpu_us for r in self.runs.get(who, [])), default=None)


# ---- Context ----------------------------------------------------------------

@dataclass
class Section:
    name: str
    func: Callable
    default: bool
    help: str


class Context:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.min_reps = args.reps or (1 if args.quick else 3)
        self.max_reps = max(self.min_reps, args.max_reps or (1 if args.quick else 5))
        self.extend_until = time.monotonic() + args.budget
        self.castor_bin = os.environ.get("CASTOR_SERVER", CASTOR_DEFAULT)
        self.redis_bin = os.environ.get("REDIS_SERVER", REDIS_DEFAULT)
        self.bench_bin = os.environ.get("REDIS_BENCHMARK", BENCH_DEFAULT)
        self.sentinel_bin = os.environ.get("REDIS_SENTINEL", SENTINEL_DEFAULT)
        ncpu = len(os.sched_getaffinity(0))
        self.pin = (not args.no_pin) and ncpu >= 2
        cpus = sorted(os.sched_getaffinity(0))
        self.server_cpu = cpus[0] if self.pin else None
        self.bench_cpu = cpus[1] if self.pin else None
        self.workdir = tempfile.mkdtemp(prefix="castor-bench-")
        self.servers: Dict[str, Server] = {}
        self.noop: Optional[Server] = None      # started by noop_server() when first needed
        self.noop_error: Optional[str] = None
        self.suites: Dict[str, List[Cell]] = {}
        self.suite_errors: Dict[str, str] = {}
        self.figures: List[dict] = []   # everything printed, for --json
        self.failed = False

    # -- server lifetime --

    def start_servers(self):
        """Start (or restart) both servers fresh, same settings, distinct ports.
        Fresh means empty: files an earlier section left (the persistence
        section's 1 GB dump.rdb, an AOF) would otherwise be loaded."""
        self.stop_servers()
        for who in ("castor", "redis"):
            d = os.path.join(self.workdir, who)
            if os.path.isdir(d):
                for name in ("dump.rdb", "appendonlydir"):
                    path = os.path.join(d, name)
                    if os.path.isdir(path):
                        shutil.rmtree(path, ignore_errors=True)
                    elif os.path.exists(path):
                        os.unlink(path)
        taken = set()
        for who, binary, extra in (("castor", self.castor_bin, self.args.castor_args),
                                   ("redis", self.redis_bin, self.args.redis_args)):
            last = None
            for _ in range(3):          # a port grabbed by someone else: try another
                port = free_port(taken)
                srv = Server(who, binary, self.workdir, port, self.server_cpu, extra)
                try:
                    srv.start()
                    break
                except BenchError as e:
                    srv.stop()
                    last = e
            else:
                raise last
            taken.add(port)
            self.servers[who] = srv

    def stop_servers(self):
        for srv in self.servers.values():
            srv.stop()
        self.servers = {}

    def noop_server(self):
        """The no-op reference server (bench/noop_server.c), built and
        started on first use, pinned like the servers; None if it cannot be."""
        if self.noop is not None or self.noop_error:
            return self.noop
        src = os.path.join(ROOT, "bench", "noop_server.c")
        binary = os.path.join(self.workdir, "noop_server")
        cc = subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", binary, src],
                            capture_output=True, text=True)
        if cc.returncode != 0:
            self.noop_error = "no-op server not built: " + cc.stderr.strip()[:200]
            print(f"# {self.noop_error}", flush=True)
            return None
        srv = Server("noop", binary, self.workdir, free_port({s.port for s in self.servers.values()}),
                     self.server_cpu, [])
        srv.args = [binary, str(srv.port)]
        try:
            srv.start()
        except BenchError as e:
            srv.stop()
            self.noop_error = "no-op server did not start: " + str(e).splitlines()[0]
            print(f"# {self.noop_error}", flush=True)
            return None
        self.noop = srv
        return srv

    def cleanup(self):
        self.stop_servers()
        if self.noop is not None:
            self.noop.stop()
        if not self.args.keep and os.path.isdir(self.workdir):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def pair(self):
        if not self.servers:
            self.start_servers()
        return self.servers["castor"], self.servers["redis"]

    # -- redis-benchmark --

    def bench_once(self, srv, test, n, pipeline, size, keyspace=KEYSPACE):
        """One redis-benchmark run. 'test' is a -t name or a command line (list)."""
        srv.check_alive()
        # A server with bench_port/bench_args (the tls section) is driven there.
        cmd = [self.bench_bin, "-h", "127.0.0.1", "-p", str(getattr(srv, "bench_port", srv.port)),
               "-c", str(CLIENTS), "-n", str(n), "-P", str(pipeline), "-d", str(max(size, 1)),
               "-r", str(keyspace), "--csv"] + getattr(srv, "bench_args", [])
        if isinstance(test, str):
            cmd += ["-t", test]
            test = "-t " + test
        else:
            cmd += [str(a) for a in test]
            test = " ".join(cmd[-len(test):])
        cpu = self.bench_cpu

        def pre():
            die_with_parent()
            if cpu is not None:
                os.sched_setaffinity(0, {cpu})
        t0 = srv.cpu_ns()
        w0 = time.monotonic()
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=BENCH_TIMEOUT_S,
                                 preexec_fn=pre)
        except subprocess.TimeoutExpired:
            raise BenchError(f"{srv.name}: redis-benchmark {test} timed out")
        wall = time.monotonic() - w0
        t1 = srv.cpu_ns()
        errs = [l for l in (out.stderr + out.stdout).splitlines() if "rror" in l]
        if out.returncode != 0 or errs:
            raise BenchError(f"{srv.name}: redis-benchmark {test} exit {out.returncode}: "
                             + (errs[0] if errs else out.stderr.strip()[:200]))
        ops = None
        for row in csv.reader(io.StringIO(out.stdout)):
            if row and row[0] != "test" and len(row) > 1:
                ops = float(row[1])     # the last row is the test itself (after fillers)
        if ops is None:
            raise BenchError(f"{srv.name}: no CSV result from redis-benchmark {test}")
        cpu_us = (t1 - t0) / 1e3 / n
        return Run(ops=ops, cpu_us=cpu_us, seconds=wall)

    def run_suite(self, suite: Suite, on_cell: Optional[Callable] = None) -> List[Cell]:
        """Run (once) every cell of 'suite', castor and redis in alternation.

        Each (pipeline, size) group starts from FLUSHALL on both servers. Within
        a test the order is ABBA across repetitions (castor, redis, redis,
        castor, ...) so slow drift on the host hits both sides alike.
        on_cell(cell) is called as each cell completes (for live printing).
        """
        if suite.name in self.suites:
            cells = self.suites[suite.name]
            if on_cell:
                for c in cells:
                    on_cell(c)
            if suite.name in self.suite_errors:
                raise BenchError(f"suite {suite.name} incomplete: {self.suite_errors[suite.name]}")
            return cells
        castor, redis = self.pair()
        cells = self.suites[suite.name] = []    # partial results survive a failure
        for pipeline in suite.pipelines:
            for size in suite.sizes:
                for srv in (castor, redis):
                    try:
                        srv.call("FLUSHALL")
                        if suite.setup:
                            suite.setup(self, srv)
                    except (OSError, BenchError):
                        srv.check_alive()
                        raise
                for label, test in suite.tests:
                    n = suite.requests(label, pipeline, size)
                    if self.quick:
                        n = max(n // 10, 5000)
                    cell = Cell(label, pipeline, size, n)
                    cells.append(cell)
                    ref = self.noop_server() if label in suite.reference else None
                    try:
                        self.run_cell(cell, test, suite.keyspace, ref)
                    except BenchError:
                        self.suite_errors[suite.name] = "a server died"
                        raise
                    finally:
                        if on_cell:
                            on_cell(cell)
        return cells

    def run_cell(self, cell: Cell, test, keyspace=KEYSPACE, ref: Optional[Server] = None):
        """Run one cell on both servers until each side's best run is confirmed.

        Repetitions alternate ABBA. After min_reps, stop once each server's two
        best runs are within STABLE_PCT of each other (a clean window was seen
        on both sides); otherwise go on up to max_reps, or until the --budget
        for extra runs is spent, and mark the cell noisy.
        A test one server rejects is recorded in cell.error; a dead server raises.
        'ref', the no-op server, takes its turn in the same alternation.
        """
        castor, redis = self.servers["castor"], self.servers["redis"]
        order = (castor, redis) + ((ref,) if ref else ())

        def settled():
            return all(cell.is_stable(w) for w in cell.runs if w not in cell.error)
        for rep in range(self.max_reps):
            if rep >= self.min_reps and (settled() or time.monotonic() > self.extend_until):
                break
            for srv in (order if rep % 2 == 0 else order[::-1]):
                if srv.name in cell.error:
                    continue
                try:
                    run = self.bench_once(srv, test, cell.n, cell.pipeline, cell.size, keyspace)
                    cell.runs.setdefault(srv.name, []).append(run)
                except (BenchError, OSError) as e:
                    msg = str(e).splitlines()[0].strip()
                    cell.error[srv.name] = msg.split(": ", 1)[-1]
                    srv.check_alive()   # a dead server raises, with its log tail
        cell.noisy = self.max_reps > 1 and not settled()

    @contextlib.contextmanager
    def on_bench_cpu(self):
        """Run a client loop of this process on the clients' CPU, as
        redis-benchmark runs: unpinned, a sequential client lands on the
        server's CPU in some runs (a cheap same-CPU wake-up) and on the other
        in the rest (a cross-CPU one, about twice the server's CPU per round
        trip on this VM), and a best-of-three mixed the two."""
        if self.bench_cpu is None:
            yield
            return
        before = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {self.bench_cpu})
        try:
            yield
        finally:
            os.sched_setaffinity(0, before)

    # -- output --

    def figure(self, section, label, unit, castor, redis, fmt, note="", noisy=False):
        """Print one aligned line: label, castor value, redis value, ratio."""
        def val(v):
            return f"{v:>{fmt}}" if v is not None else f"{'n/a':>{fmt.split('.')[0]}}"
        ratio = castor / redis if castor is not None and redis else None
        r = f"{ratio:5.2f}" if ratio is not None else "  n/a"
        line = f"{label}  castor {val(castor)} {unit}  redis {val(redis)} {unit}  ratio {r}"
        if note:
            line += f"  # {note}"
        print(line, flush=True)
        self.figures.append({"section": section, "label": " ".join(label.split()),
                             "unit": unit, "castor": castor, "redis": redis, "ratio": ratio,
                             "noisy": noisy})


def cell_label(prefix, c: Cell):
    size = f"d{c.size:<5}" if c.size else " " * 6     # 0: a command line of its own
    return f"{prefix}{c.test:<10} P{c.pipeline:<3} {size}"


def cell_note(c: Cell, ops=True):
    notes = [f"{k}: {v}" for k, v in sorted(c.error.items())]
    if ops and c.noisy:         # CPU per request hardly moves with host noise
        runs = {w: len(rs) for w, rs in c.runs.items()}
        notes.append(f"noisy after {max(runs.values(), default=0)} runs")
    return "; ".join(notes)


# ---- Sections ---------------------------------------------------------------

def print_ops(ctx, section, prefix=""):
    def show(c: Cell):
        ctx.figure(section, cell_label(prefix, c), "ops/s",
                   c.best_ops("castor"), c.best_ops("redis"), "10.0f", cell_note(c), c.noisy)
    return show


def suite_cells(ctx, suite):
    """Cells of 'suite' (run now if needed), plus the error that cut it short."""
    try:
        return ctx.run_suite(suite), None
    except BenchError as e:
        return ctx.suites.get(suite.name, []), e


def paired_cpu_note(c: Cell):
    """The spread of the cell's castor/redis CPU ratios run by run: the i-th
    run of each side ran next to each other (ABBA), under the same host
    weather. The headline figure divides each side's best run; on a host
    where one lucky run moves a side by 20% this shows how far to trust it."""
    pairs = [a.cpu_us / b.cpu_us for a, b in zip(c.runs.get("castor", []), c.runs.get("redis", []))
             if b.cpu_us > 0]
    if len(pairs) < 2:
        return ""
    return f"paired runs {min(pairs):.2f}-{max(pairs):.2f}, median {statistics.median(pairs):.2f}"


def noop_note(c: Cell):
    """The no-op server's best CPU per request in the same alternation:
    what any server pays on this host (see noop_server.c)."""
    best, redis = c.best_cpu("noop"), c.best_cpu("redis")
    if best is None:
        return ""
    return f"a no-op server {best:.3f}" + (f" ({best / redis:.2f} of redis)" if redis else "")


def print_cpu(ctx, section, cells, prefix="CPU "):
    for c in cells:
        notes = (cell_note(c, ops=False), paired_cpu_note(c), noop_note(c))
        note = "; ".join(n for n in notes if n)
        ctx.figure(section, cell_label(prefix, c), "us/req",
                   c.best_cpu("castor"), c.best_cpu("redis"), "8.3f", note)


def section_throughput(ctx):
    """redis-benchmark ops/s, higher is better."""
    ctx.run_suite(CORE, on_cell=print_ops(ctx, "throughput"))


def section_cpu(ctx):
    """Server CPU time (user+kernel) per request during the same runs, lower is better."""
    cells, err = suite_cells(ctx, CORE)
    print_cpu(ctx, "cpu", cells)
    if err:
        raise err


def section_scripting(ctx):
    """EVALSHA of a small script (INCR + EXPIRE) and of a ten-command one at
    P1 and P16: ops/s, then server CPU per call, lower is better."""
    cells, err = suite_cells(ctx, SCRIPTING)
    for c in cells:
        print_ops(ctx, "scripting")(c)
    print_cpu(ctx, "scripting", cells)
    if err:
        raise err


def section_collections(ctx):
    """List/set/hash/zset redis-benchmark tests: ops/s, then server CPU per request."""
    try:
        ctx.run_suite(COLLECTIONS, on_cell=print_ops(ctx, "collections"))
    finally:
        print_cpu(ctx, "collections", ctx.suites.get(COLLECTIONS.name, []))


def string_load(count, chunk=10000):
    """RESP for SET key:%012d val:%012d, i < count, in chunks of 'chunk' commands.

    Built once before timing and shared by both servers.
    """
    fmt = b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$16\r\nval:%012d\r\n"
    return [(min(chunk, count - base),
             b"".join([fmt % (i, i) for i in range(base, min(base + chunk, count))]))
            for base in range(0, count, chunk)]


def pipe_load(srv: Server, chunks, reply=b"+OK\r\n"):
    """Send each chunk over one socket and check that every reply is 'reply'.

    With reply=None, any one-line reply that is not an error will do (for
    commands that answer a varying integer, such as RPUSH).
    Returns the wall time. A server that answered errors here would otherwise
    look small and fast.
    """
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t0 = time.monotonic()
    try:
        for k, payload in chunks:
            sock.sendall(payload)
            want = reply * k if reply is not None else None
            got = bytearray()
            while (len(got) < len(want)) if want is not None else (got.count(b"\r\n") < k):
                data = sock.recv(1 << 20)
                if not data:
                    raise BenchError(f"{srv.name}: connection closed during load")
                got += data
            if (got != want) if want is not None else (got[:1] == b"-" or b"\n-" in got):
                lines = bytes(got).split(b"\r\n")
                bad = next((b for b in lines if b and (b[:1] == b"-" or b + b"\r\n" != reply)),
                           b"?")
                raise BenchError(f"{srv.name}: load got {bad.decode(errors='replace')[:200]!r}")
    finally:
        sock.close()
    return time.monotonic() - t0


def memory_snapshot(srv: Server):
    # Redis refreshes used_memory_rss from its cron (every 100 ms at hz 10):
    # give it two periods so the figure belongs to the state we just made.
    time.sleep(0.3)
    mem = srv.info("memory")

    def num(k):     # a field castor does not report yet prints as n/a
        try:
            return int(mem[k])
        except (KeyError, ValueError):
            return None
    return {"used_memory": num("used_memory"), "used_memory_rss": num("used_memory_rss"),
            "vmrss": srv.vm_rss()}


def section_memory(ctx):
    """Bytes per key for 16-byte keys with 16-byte values, lower is better."""
    count = 100000 if ctx.quick else 1000000
    ctx.start_servers()     # fresh processes: earlier sections leave freed pages in RSS
    chunks = string_load(count)
    per_key, load_ops = {}, {}
    for srv in ctx.pair():
        srv.call("FLUSHALL")
        before = memory_snapshot(srv)
        wall = pipe_load(srv, chunks)
        dbsize = srv.call("DBSIZE")
        if dbsize != count:
            raise BenchError(f"{srv.name}: DBSIZE {dbsize} after loading {count} keys")
        after = memory_snapshot(srv)
        per_key[srv.name] = {k: (after[k] - before[k]) / count if after[k] and before[k] else None
                             for k in before}
        load_ops[srv.name] = count / wall
    tag = f"{count // 1000}k" if count < 1000000 else f"{count // 1000000}M"
    for key, label in (("used_memory", "used_memory"), ("vmrss", "VmRSS"),
                       ("used_memory_rss", "used_memory_rss")):
        ctx.figure("memory", f"MEM {label + '/key':<20} {tag:<4}", "B/key",
                   per_key["castor"][key], per_key["redis"][key], "8.1f")
    ctx.figure("memory", f"MEM {'load SET (pipelined)':<20} {tag:<4}", "ops/s",
               load_ops["castor"], load_ops["redis"], "8.0f",
               "python client; a floor, not a peak")


# ---- Collections: memory per key and big-collection operations (issue #3) ----

def chunked(cmds, count, chunk):
    """[(k, payload)] from cmds(base, end) -> bytes of commands base..end-1."""
    return [(min(chunk, count - base), cmds(base, min(base + chunk, count)))
            for base in range(0, count, chunk)]


def hash_load(count, chunk=5000):
    """HSET key:%012d f0 value000 .. f9 value009: 10 small fields, 8-byte values."""
    fields = b"".join(b"$2\r\nf%d\r\n$8\r\nvalue%03d\r\n" % (j, j) for j in range(10))
    fmt = b"*22\r\n$4\r\nHSET\r\n$16\r\nkey:%012d\r\n" + fields.replace(b"%", b"%%")
    return chunked(lambda a, b: b"".join([fmt % i for i in range(a, b)]), count, chunk)


def set_load(count, chunk=5000):
    """SADD key:%012d with 10 integers of 8 digits (intset of int32), distinct per key."""
    fmt = (b"*12\r\n$4\r\nSADD\r\n$16\r\nkey:%012d\r\n"
           + b"".join(b"$8\r\n%%07d%d\r\n" % j for j in range(10)))
    return chunked(lambda a, b: b"".join([fmt % ((i,) + (1000000 + i % 9000000,) * 10)
                                          for i in range(a, b)]), count, chunk)


def zset_cmds(key, base, end, per_cmd=1000):
    """ZADD key i member:%012d for base <= i < end, 'per_cmd' members per command."""
    out = []
    for a in range(base, end, per_cmd):
        b = min(a + per_cmd, end)
        out.append(b"*%d\r\n$4\r\nZADD\r\n$%d\r\n%s\r\n" % (2 + 2 * (b - a), len(key), key))
        out.append(b"".join([b"$%d\r\n%d\r\n$19\r\nmember:%012d\r\n" % (len(str(i)), i, i)
                             for i in range(a, b)]))
    return b"".join(out)


def zset_load(key, count, per_cmd=1000, cmds_per_chunk=10):
    step = per_cmd * cmds_per_chunk
    return [(len(range(a, min(a + step, count), per_cmd)),
             zset_cmds(key, a, min(a + step, count), per_cmd)) for a in range(0, count, step)]


def encoding_note(castor, redis, key):
    encs = []
    for srv in (castor, redis):
        try:
            encs.append(f"{srv.name} {srv.call('OBJECT', 'ENCODING', key)}")
        except (BenchError, OSError):
            encs.append(f"{srv.name} ?")
    return "encoding " + ", ".join(encs)


def section_collmem(ctx):
    """Bytes per key of 1M hashes (10 fields) and 1M sets (10 ints), per member of a 1M zset."""
    count = 100000 if ctx.quick else 1000000
    tag = f"{count // 1000}k" if count < 1000000 else f"{count // 1000000}M"
    datasets = [
        ("hash10", "key", lambda: hash_load(count), b":10\r\n", "key:000000000001",
         lambda srv: srv.call("DBSIZE")),
        ("set10", "key", lambda: set_load(count), b":10\r\n", "key:000000000001",
         lambda srv: srv.call("DBSIZE") if srv.call("SCARD", "key:000000000001") == 10 else -1),
        ("zset", "member", lambda: zset_load(b"bigzset", count), b":1000\r\n", "bigzset",
         lambda srv: srv.call("ZCARD", "bigzset")),
    ]
    for name, per, build, reply, sample, counted in datasets:
        chunks = build()
        ctx.start_servers()     # fresh processes, so RSS deltas hold only this data set
        castor, redis = ctx.pair()
        per_unit, err = {}, {}
        for srv in (castor, redis):
            per_unit[srv.name] = {}
            try:
                before = memory_snapshot(srv)
                pipe_load(srv, chunks, reply)
                got = counted(srv)
                if got != count:
                    raise BenchError(f"{srv.name}: count {got} after loading {count}")
            except (BenchError, OSError) as e:     # a type castor lacks: n/a, go on
                err[srv.name] = str(e).splitlines()[0].split(": ", 1)[-1]
                srv.check_alive()
                continue
            after = memory_snapshot(srv)
            per_unit[srv.name] = {k: (after[k] - before[k]) / count if after[k] and before[k]
                                  else None for k in before}
        note = ("; ".join(f"{k}: {v}" for k, v in sorted(err.items()))
                or encoding_note(castor, redis, sample))
        del chunks
        for key, label in (("used_memory", "used_memory"), ("vmrss", "VmRSS")):
            ctx.figure("collmem", f"MEM {name:<7} {label + '/' + per:<22} {tag:<4}", f"B/{per}",
                       per_unit["castor"].get(key), per_unit["redis"].get(key), "8.1f", note)
    ctx.stop_servers()      # the next section starts a small fresh pair


BIG = 1000000


def big_load(n):
    """Chunks for a list, a hash and a sorted set of n elements each (replies vary)."""
    def rpush(a, b):
        return (b"*%d\r\n$5\r\nRPUSH\r\n$7\r\nbiglist\r\n" % (2 + b - a)
                + b"".join([b"$17\r\nelem:%012d\r\n" % i for i in range(a, b)]))

    def hset(a, b):
        return (b"*%d\r\n$4\r\nHSET\r\n$7\r\nbighash\r\n" % (2 + 2 * (b - a))
                + b"".join([b"$18\r\nfield:%012d\r\n$8\r\nv%07d\r\n" % (i, i % 10000000)
                            for i in range(a, b)]))
    per_cmd = 1000
    out = []
    for f in (rpush, hset):
        for a in range(0, n, per_cmd * 10):
            e = min(a + per_cmd * 10, n)
            out.append((len(range(a, e, per_cmd)),
                        b"".join(f(x, min(x + per_cmd, e)) for x in range(a, e, per_cmd))))
    out += zset_load(b"bigzset", n, per_cmd)
    return out


def section_bigcoll(ctx):
    """Reads and updates on a 1M-element list, zset and hash: -P 16 ops/s, then CPU per op."""
    n = 100000 if ctx.quick else BIG
    chunks = []

    def setup(ctx, srv):
        if not chunks:
            chunks.extend(big_load(n))
        pipe_load(srv, chunks, None)
        sizes = (srv.call("LLEN", "biglist"), srv.call("HLEN", "bighash"),
                 srv.call("ZCARD", "bigzset"))
        if sizes != (n, n, n):
            raise BenchError(f"{srv.name}: LLEN/HLEN/ZCARD {sizes} after loading {n} each")

    def requests(test, pipeline, size):
        # ~0.2-0.4 s per run: 200k cheap lookups, 100k O(log n) ones, a few O(n) ones
        return {"ZADD_UPD": 100000, "ZRANK": 100000, "LINDEX_MID": 20000}.get(test, 200000)
    suite = Suite("bigcoll",
                  [("LINDEX_0", ["LINDEX", "biglist", "0"]),
                   ("LINDEX_-1", ["LINDEX", "biglist", "-1"]),
                   ("LINDEX_MID", ["LINDEX", "biglist", str(n // 2)]),    # (no __rand_int__:
                   # its leading zeros are no integer to LINDEX)
                   ("ZADD_UPD", ["ZADD", "bigzset", "__rand_int__", "member:__rand_int__"]),
                   ("ZRANK", ["ZRANK", "bigzset", "member:__rand_int__"]),
                   ("ZSCORE", ["ZSCORE", "bigzset", "member:__rand_int__"]),
                   ("HGET", ["HGET", "bighash", "field:__rand_int__"])],
                  pipelines=[16], sizes=[0], requests=requests, keyspace=n, setup=setup)
    try:
        ctx.run_suite(suite, on_cell=print_ops(ctx, "bigcoll", "BIG "))
    finally:
        chunks.clear()
        print_cpu(ctx, "bigcoll", ctx.suites.get(suite.name, []), "CPU BIG ")
        ctx.stop_servers()      # free the big data sets; the next section starts afresh


# ---- HyperLogLog and geo (issue #14) ----------------------------------------

def hll_load():
    """Three dense HyperLogLogs of 20000 elements each (one shared third)."""
    out = []
    for key, base in ((b"hll:dense", 0), (b"hll:a", 10000), (b"hll:b", 20000)):
        for a in range(base, base + 20000, 1000):
            out.append((1, encode_command([b"PFADD", key] + [b"e%d" % i for i in range(a, a + 1000)])))
    return out


def section_hll(ctx):
    """PFADD (dense key; new sparse keys) and PFCOUNT (cached; union of 3), P1/P16: ops/s, CPU."""
    chunks = hll_load()

    def setup(ctx, srv):
        pipe_load(srv, chunks, None)
        srv.call("PFCOUNT", "hll:dense")

    def requests(test, pipeline, size):
        if test == "PFCOUNT_3":     # three 12 KB registers sets merged per request
            return 5000 if pipeline == 1 else 10000
        return LIGHT_P1_REQUESTS if pipeline == 1 else 250000
    suite = Suite("hll",
                  [("PFADD", ["PFADD", "hll:dense", "__rand_int__"]),
                   ("PFADD_NEW", ["PFADD", "hll:__rand_int__", "__rand_int__"]),
                   ("PFCOUNT", ["PFCOUNT", "hll:dense"]),
                   ("PFCOUNT_3", ["PFCOUNT", "hll:dense", "hll:a", "hll:b"])],
                  pipelines=[1, 16], sizes=[0], requests=requests, setup=setup,
                  reference=("PFADD", "PFADD_NEW", "PFCOUNT"))
    try:
        ctx.run_suite(suite, on_cell=print_ops(ctx, "hll"))
    finally:
        print_cpu(ctx, "hll", ctx.suites.get(suite.name, []))


GEO_POINTS = 100000


def geo_load():
    """GEO_POINTS members m:%012d (what __rand_int__ names with -r GEO_POINTS)
    spread over a 1x1 degree square in Sicily, 1000 per GEOADD."""
    rnd = random.Random(14)
    out = []
    for a in range(0, GEO_POINTS, 1000):
        args = []
        for i in range(a, a + 1000):
            args += [b"%.6f" % (13 + rnd.random()), b"%.6f" % (37 + rnd.random()), b"m:%012d" % i]
        out.append((1, encode_command([b"GEOADD", b"geo"] + args)))
    return out


def section_geo(ctx):
    """GEOADD and GEOSEARCH (radius ~30 results sorted; box of ~160, COUNT 10), P1/P16."""
    chunks = geo_load()

    def setup(ctx, srv):
        pipe_load(srv, chunks, None)
        if srv.call("ZCARD", "geo") != GEO_POINTS:
            raise BenchError(f"{srv.name}: ZCARD geo after loading {GEO_POINTS} points")

    def requests(test, pipeline, size):
        if test.startswith("GEOSEARCH"):
            return 20000 if pipeline == 1 else 50000
        return LIGHT_P1_REQUESTS if pipeline == 1 else 250000
    suite = Suite("geo",
                  [("GEOADD", ["GEOADD", "geo:new", "13.__rand_int__", "37.__rand_int__",
                               "m:__rand_int__"]),
                   ("GEOSEARCH", ["GEOSEARCH", "geo", "FROMMEMBER", "m:__rand_int__",
                                  "BYRADIUS", "1", "km", "ASC"]),
                   ("GEOSEARCH_B", ["GEOSEARCH", "geo", "FROMMEMBER", "m:__rand_int__",
                                    "BYBOX", "4", "4", "km", "COUNT", "10", "WITHDIST"])],
                  pipelines=[1, 16], sizes=[0], requests=requests, keyspace=GEO_POINTS,
                  setup=setup, reference=("GEOADD",))
    try:
        ctx.run_suite(suite, on_cell=print_ops(ctx, "geo"))
    finally:
        print_cpu(ctx, "geo", ctx.suites.get(suite.name, []))


# ---- Streams (issue #16) ------------------------------------------------------

def stream_load(key, count, chunk=5000):
    """XADD key i-1 a <i> b vv for 1 <= i <= count (explicit IDs)."""
    def cmds(a, b):
        return b"".join([encode_command([b"XADD", key, b"%d-1" % i, b"a", b"%d" % i, b"b", b"vv"])
                         for i in range(a + 1, b + 1)])
    return chunked(cmds, count, chunk)


def stream_pipe_load(srv: Server, chunks):
    """pipe_load for replies of any shape (XADD answers bulk IDs): each chunk
    must get k replies, none an error."""
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
    try:
        for k, payload in chunks:
            sock.sendall(payload)
            buf, at, got = bytearray(), 0, 0
            while got < k:
                end = _resp_end(buf, at)
                if end is None:
                    data = sock.recv(1 << 20)
                    if not data:
                        raise BenchError(f"{srv.name}: connection closed during load")
                    buf += data
                    continue
                if buf[at:at + 1] == b"-":
                    raise BenchError(f"{srv.name}: load got {bytes(buf[at:end])[:200]!r}")
                at, got = end, got + 1
    finally:
        sock.close()


def group_loop(srv: Server, rounds, batch=10):
    """XREADGROUP GROUP g c COUNT batch STREAMS xg > then XACK of what it
    read, one round trip each: (messages per second, server CPU ns per message)."""
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    read = encode_command([b"XREADGROUP", b"GROUP", b"g", b"c", b"COUNT", str(batch).encode(),
                           b"STREAMS", b"xg", b">"])
    buf = bytearray()

    def reply():
        nonlocal buf
        while True:
            end = _resp_end(buf, 0)
            if end is not None:
                out, buf = bytes(buf[:end]), buf[end:]
                return out
            data = sock.recv(1 << 20)
            if not data:
                raise BenchError(f"{srv.name}: connection closed in the group loop")
            buf += data
    cpu0, t0, n = srv.cpu_ns(), time.monotonic(), 0
    try:
        for _ in range(rounds):
            sock.sendall(read)
            r = reply()
            ids = [line for line in r.split(b"\r\n") if b"-1" in line and line[:1].isdigit()]
            if not ids:
                raise BenchError(f"{srv.name}: XREADGROUP returned nothing: {r[:100]!r}")
            sock.sendall(encode_command([b"XACK", b"xg", b"g"] + ids))
            if reply() != b":%d\r\n" % len(ids):
                raise BenchError(f"{srv.name}: XACK did not ack {len(ids)}")
            n += len(ids)
    finally:
        sock.close()
    wall, cpu = time.monotonic() - t0, srv.cpu_ns() - cpu0
    return n / wall, cpu / n


# The group loop: GROUP_ALTS alternations of GROUP_ROUNDS rounds (~0.5 s each).
GROUP_ALTS = 10
GROUP_ROUNDS = 2000


def _resp_end(b, i):
    """Index just past the RESP value starting at b[i], or None if incomplete."""
    j = b.find(b"\r\n", i)
    if j < 0:
        return None
    t, head = b[i:i + 1], b[i + 1:j]
    if t in (b"+", b"-", b":"):
        return j + 2
    n = int(head)
    if t == b"$":
        return j + 2 + n + 2 if n >= 0 and len(b) >= j + 2 + n + 2 else (j + 2 if n < 0 else None)
    k = j + 2
    for _ in range(max(n, 0)):
        k = _resp_end(b, k)
        if k is None:
            return None
    return k


def section_streams(ctx):
    """XADD (P1/P16), XRANGE of 100 entries, a consumer-group XREADGROUP+XACK
    loop, and bytes per entry of 1M entries of 2 small fields."""
    def setup(ctx, srv):
        stream_pipe_load(srv, stream_load(b"xr", 1000))

    def requests(test, pipeline, size):
        if test == "XRANGE_100":
            return 10000 if pipeline == 1 else 40000
        return LIGHT_P1_REQUESTS if pipeline == 1 else 250000
    suite = Suite("streams",
                  [("XADD", ["XADD", "xs", "*", "a", "__rand_int__", "b", "vv"]),
                   ("XRANGE_100", ["XRANGE", "xr", "-", "+", "COUNT", "100"])],
                  pipelines=[1, 16], sizes=[0], requests=requests, setup=setup)
    err = None
    try:
        ctx.run_suite(suite, on_cell=print_ops(ctx, "streams"))
    except BenchError as e:
        err = e
    finally:
        print_cpu(ctx, "streams", ctx.suites.get(suite.name, []))
    # Consumer group: read 10, ack them. One connection waiting for each
    # reply: the server sleeps and wakes twice a round, and that kernel
    # work, equal for both servers, is most of the CPU and drifts with the
    # host over seconds (best-of-three of 10,000-round runs gave 0.61-0.92
    # on one machine in one evening). So: many short alternations, each
    # side's median (with the client on the clients' CPU, on_bench_cpu).
    alts = 2 if ctx.quick else GROUP_ALTS
    rounds = 1000 if ctx.quick else GROUP_ROUNDS
    runs = {}
    for rep in range(alts):
        for srv in (ctx.pair() if rep % 2 == 0 else ctx.pair()[::-1]):
            srv.call("FLUSHALL")
            stream_pipe_load(srv, stream_load(b"xg", rounds * 10))
            srv.call("XGROUP", "CREATE", "xg", "g", "0")
            with ctx.on_bench_cpu():
                runs.setdefault(srv.name, []).append(group_loop(srv, rounds))
    med = {who: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs))
           for who, rs in runs.items()}
    ctx.figure("streams", f"{'XREADGROUP+XACK (10/round)':<28}", "msg/s", med["castor"][0],
               med["redis"][0], "8.0f", "python client, one round trip each")
    ctx.figure("streams", f"CPU {'XREADGROUP+XACK':<24}", "ns/msg", med["castor"][1],
               med["redis"][1], "8.0f", f"median of {alts} alternations of {rounds} rounds")
    # Memory of 1M entries (100k with --quick) of 2 small fields.
    count = 100000 if ctx.quick else 1000000
    tag = f"{count // 1000}k" if count < 1000000 else f"{count // 1000000}M"
    ctx.start_servers()
    chunks = stream_load(b"xm", count)
    per = {}
    for srv in ctx.pair():
        srv.call("FLUSHALL")
        before = memory_snapshot(srv)
        stream_pipe_load(srv, chunks)
        if srv.call("XLEN", "xm") != count:
            raise BenchError(f"{srv.name}: XLEN after loading {count} entries")
        after = memory_snapshot(srv)
        per[srv.name] = {k: (after[k] - before[k]) / count if after[k] and before[k] else None
                         for k in before}
    for key, label in (("used_memory", "used_memory"), ("vmrss", "VmRSS")):
        ctx.figure("streams", f"MEM stream {label + '/entry':<17} {tag:<4}", "B",
                   per["castor"][key], per["redis"][key], "8.2f")
    if err:
        raise err


# ---- Pub/Sub fan-out (issue #4) ----------------------------------------------

_pubsub_cache = {}


def pubsub_payload(chan, nmsgs, size, batch):
    """(PUBLISH batches, message frame length, CRC32 of one subscriber's whole stream)."""
    key = (chan, nmsgs, size, batch)
    if key not in _pubsub_cache:
        _pubsub_cache.clear()
        frame = (b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n" % (len(chan), chan, size)
                 + b"%0" + str(size).encode() + b"d\r\n")
        crc = 0
        for a in range(0, nmsgs, 10000):
            crc = zlib.crc32(b"".join([frame % i for i in range(a, min(a + 10000, nmsgs))]), crc)
        pub = (b"*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n$%d\r\n" % (len(chan), chan, size)
               + b"%0" + str(size).encode() + b"d\r\n")
        batches = [b"".join([pub % i for i in range(a, min(a + batch, nmsgs))])
                   for a in range(0, nmsgs, batch)]
        _pubsub_cache[key] = (batches, len(frame % 0), crc)
    return _pubsub_cache[key]


def pubsub_once(srv, nsubs, nmsgs, size, batch=100, window=2000):
    """PUBLISH nmsgs messages of 'size' bytes to nsubs subscribers of one channel.

    The publisher pipelines batches of PUBLISH while every subscriber stays
    within 'window' messages (so no output buffer limit is near). Each
    subscriber's byte stream is checked against the expected one (length and
    CRC32: every message, in order, intact), and each PUBLISH reply must be
    :nsubs. Returns (wall seconds, server cpu ns) from first PUBLISH to last byte.
    """
    chan = b"bench:chan"
    batches, flen, want_crc = pubsub_payload(chan, nmsgs, size, batch)
    ack = b":%d\r\n" % nsubs
    confirm = b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(chan), chan)

    def connect():
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s
    subs, sel = [], selectors.DefaultSelector()
    pub = None
    deadline = time.monotonic() + 10
    while srv.call("PUBSUB", "NUMSUB", chan)[1] != 0:    # the last run's subscribers
        if time.monotonic() > deadline:
            raise BenchError(f"{srv.name}: subscribers of the last run still there after 10 s")
        time.sleep(0.01)
    try:
        for i in range(nsubs):
            s = connect()
            subs.append(s)
            s.sendall(encode_command(["SUBSCRIBE", chan]))
            got = b""
            while len(got) < len(confirm):
                d = s.recv(4096)
                if not d:
                    raise BenchError(f"{srv.name}: subscriber closed")
                got += d
            if got != confirm:
                raise BenchError(f"{srv.name}: SUBSCRIBE answered {got[:100]!r}")
        pub = connect()
        if srv.call("PUBSUB", "NUMSUB", chan)[1] != nsubs:
            raise BenchError(f"{srv.name}: PUBSUB NUMSUB is not {nsubs}")
        nbytes = [0] * nsubs
        crcs = [0] * nsubs
        for i, s in enumerate(subs):
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, i)
        pub.setblocking(False)
        sel.register(pub, selectors.EVENT_READ, -1)
        acks = bytearray()
        sent = 0
        total = nmsgs * flen
        progress, deadline = None, 0
        c0, w0 = srv.cpu_ns(), time.monotonic()
        while len(acks) < nmsgs * len(ack) or min(nbytes) < total:
            if (len(acks), min(nbytes)) != progress:
                progress, deadline = (len(acks), min(nbytes)), time.monotonic() + 10
            elif time.monotonic() > deadline:
                raise BenchError(f"{srv.name}: pubsub stalled: {len(acks) // len(ack)} acks, "
                                 f"slowest subscriber at {min(nbytes) // flen}/{nmsgs}")
            slowest = min(nbytes) // flen
            if sent < len(batches) and sent * batch - min(slowest, len(acks) // len(ack)) < window:
                pub.setblocking(True)
                pub.sendall(batches[sent])
                pub.setblocking(False)
                sent += 1
                timeout = 0
            else:
                timeout = 1
            for key, _ in sel.select(timeout):
                i = key.data
                while True:
                    try:
                        d = key.fileobj.recv(1 << 18)
                    except BlockingIOError:
                        break
                    if not d:
                        raise BenchError(f"{srv.name}: {'publisher' if i < 0 else 'subscriber'}"
                                         " connection closed")
                    if i < 0:
                        if d[:1] == b"-" or b"\n-" in d or (acks[-1:] == b"\n" and d[:1] == b"-"):
                            err = (bytes(acks[-200:]) + b"\n" + d).split(b"\n-", 1)[1]
                            err = err.split(b"\r")[0]
                            raise BenchError(f"{srv.name}: PUBLISH answered "
                                             f"{err.decode(errors='replace')[:200]}")
                        acks += d
                    else:
                        nbytes[i] += len(d)
                        crcs[i] = zlib.crc32(d, crcs[i])
                    if len(d) < (1 << 18):
                        break
        wall, cpu = time.monotonic() - w0, srv.cpu_ns() - c0
        if acks != ack * nmsgs:
            bad = next((l for l in bytes(acks).split(b"\r\n") if l and l + b"\r\n" != ack), b"?")
            raise BenchError(f"{srv.name}: PUBLISH answered {bad[:100]!r}, not {ack!r}")
        short = [i for i in range(nsubs) if nbytes[i] != total or crcs[i] != want_crc]
        if short:
            raise BenchError(f"{srv.name}: {len(short)} of {nsubs} subscribers did not get every "
                             f"message intact (first: {nbytes[short[0]] / flen:.1f}/{nmsgs})")
        return wall, cpu
    finally:
        sel.close()
        for s in subs + ([pub] if pub else []):
            s.close()


def section_pubsub(ctx):
    """PUBLISH fan-out, every delivery checked: messages delivered/s, then CPU per delivery."""
    castor, redis = ctx.pair()
    reps = 1 if ctx.quick else 2
    for nsubs, nmsgs, size in ((50, 200000, 16), (1, 1000000, 16)):
        if ctx.quick:
            nmsgs //= 10
        best = {"castor": (None, None), "redis": (None, None)}
        err = {}
        for rep in range(reps):
            for srv in ((castor, redis) if rep % 2 == 0 else (redis, castor)):
                if srv.name in err:
                    continue
                try:
                    wall, cpu = pubsub_once(srv, nsubs, nmsgs, size)
                except (BenchError, OSError) as e:
                    err[srv.name] = str(e).splitlines()[0].split(": ", 1)[-1]
                    srv.check_alive()
                    continue
                rate, cpu_us = nsubs * nmsgs / wall, cpu / 1e3 / (nsubs * nmsgs)
                r0, c0 = best[srv.name]
                best[srv.name] = (max(rate, r0 or 0), min(cpu_us, c0 or cpu_us))
        note = "; ".join(f"{k}: {v}" for k, v in sorted(err.items()))
        label = f"{nsubs:>3} subs x {nmsgs // 1000}k  d{size:<3}"
        ctx.figure("pubsub", f"PUBSUB {label}", "msg/s", best["castor"][0], best["redis"][0],
                   "10.0f", note or "delivered; python subscribers, a floor")
        ctx.figure("pubsub", f"CPU PUBSUB {label}", "us/msg", best["castor"][1],
                   best["redis"][1], "8.3f", note)
    _pubsub_cache.clear()


# ---- Eviction hit rate (issue #4) -------------------------------------------

def zipf_sequence(nkeys, nops, s=1.0, seed=20240601):
    """Seeded Zipf(s) key indices; rank r -> a fixed random key, same on every call."""
    rnd = random.Random(seed)
    cum = list(itertools.accumulate(1.0 / (r ** s) for r in range(1, nkeys + 1)))
    perm = list(range(nkeys))
    rnd.shuffle(perm)
    return [perm[r] for r in rnd.choices(range(nkeys), cum_weights=cum, k=nops)]


def cache_run(srv, seq, vsize, batch=100):
    """GET each key of seq in pipelined batches; SET the misses (once per batch).

    Returns (hits, hits after the first third of seq).
    """
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rf = sock.makefile("rb")
    pad = b"v" * vsize
    gets = {}
    hits = warm_hits = 0
    warm_from = len(seq) // 3
    try:
        for a in range(0, len(seq), batch):
            keys = seq[a:a + batch]
            sock.sendall(b"".join([gets.get(k) or gets.setdefault(
                k, b"*2\r\n$3\r\nGET\r\n$16\r\nkey:%012d\r\n" % k) for k in keys]))
            missed = []
            for j, k in enumerate(keys):
                line = rf.readline()
                if line == b"$-1\r\n":
                    missed.append(k)
                elif line[:1] == b"$":
                    n = int(line[1:-2])
                    if len(rf.read(n + 2)) != n + 2:
                        raise BenchError(f"{srv.name}: connection closed")
                    hits += 1
                    if a + j >= warm_from:
                        warm_hits += 1
                else:
                    raise BenchError(f"{srv.name}: GET answered {line[:100]!r}")
            missed = list(dict.fromkeys(missed))
            if missed:
                sock.sendall(b"".join([b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$%d\r\n%012d%s\r\n"
                                       % (k, vsize, k, pad[12:]) for k in missed]))
                for _ in missed:
                    line = rf.readline()
                    if line != b"+OK\r\n":
                        raise BenchError(f"{srv.name}: SET answered {line[:100]!r}")
    finally:
        rf.close()
        sock.close()
    return hits, warm_hits


def section_eviction(ctx):
    """Hit rate of one seeded Zipf GET/SET-on-miss sequence under maxmemory, LRU and LFU."""
    nkeys, nops, vsize = (20000, 60000, 1024) if ctx.quick else (100000, 300000, 1024)
    # ~30% of the keyspace on redis: a 1 KB value takes a 1280-byte jemalloc
    # class there, plus ~70 bytes of key, object and dict entry.
    maxmem = int(0.30 * nkeys * 1350) + (1 << 20)
    seq = zipf_sequence(nkeys, nops)
    distinct = len(set(seq))
    print(f"# {nops} ops over {nkeys} keys ({distinct} distinct touched), values {vsize} B, "
          f"maxmemory {maxmem} on both, GET batches of 100, SET on miss", flush=True)
    for policy in ("allkeys-lru", "allkeys-lfu"):
        ctx.start_servers()     # empty and fresh: same start for both
        castor, redis = ctx.pair()
        res, held, evicted, err = {}, {}, {}, {}
        for srv in (castor, redis):
            try:
                srv.call("CONFIG", "SET", "maxmemory-policy", policy)
                srv.call("CONFIG", "SET", "maxmemory", str(maxmem))
                t = time.monotonic()
                hits, warm = cache_run(srv, seq, vsize)
                res[srv.name] = (100.0 * hits / nops, 100.0 * warm / (nops - nops // 3),
                                 time.monotonic() - t)
                held[srv.name] = srv.call("DBSIZE")
                evicted[srv.name] = srv.info("stats").get("evicted_keys", "?")
            except (BenchError, OSError) as e:
                err[srv.name] = str(e).splitlines()[0].split(": ", 1)[-1]
                srv.check_alive()

        def get(who, i):
            return res[who][i] if who in res else None
        note = "; ".join(f"{k}: {v}" for k, v in sorted(err.items()))
        detail = note or ("keys held castor %s redis %s, evicted castor %s redis %s" % (
            held.get("castor"), held.get("redis"), evicted.get("castor"), evicted.get("redis")))
        ctx.figure("eviction", f"EVICT {policy:<12} hit rate all ", "%", get("castor", 0),
                   get("redis", 0), "8.2f", detail)
        ctx.figure("eviction", f"EVICT {policy:<12} hit rate warm", "%", get("castor", 1),
                   get("redis", 1), "8.2f", note or "after the first third of the ops")
    ctx.stop_servers()


def mixed_load(count, vsize=100, chunk=2000):
    """count keys of every type, distinct key prefixes and 12-digit numbers
    (so that redis-benchmark's __rand_int__ names the same keys): 60% strings
    of vsize bytes, 15% hashes, 10% lists, 10% sets, 5% sorted sets, of 5
    elements of vsize // 10 bytes each. Values are slices of one random pool,
    so LZF cannot shrink them to nothing and the file size means something."""
    pool = random.Random(20241124).randbytes(1 << 20)
    esize = max(vsize // 10, 1)

    def blob(i, n):
        off = (i * 7919) % (len(pool) - n)
        return pool[off:off + n]

    def cmd(i):
        r = i % 20
        if r < 12:
            return encode_command([b"SET", b"s:%012d" % i, blob(i, vsize)])
        if r < 15:
            return encode_command([b"HSET", b"h:%012d" % i] + [x for j in range(5)
                                  for x in (b"f%d" % j, blob(i + j, esize))])
        if r < 17:
            return encode_command([b"RPUSH", b"l:%012d" % i] + [blob(i + j, esize) for j in range(5)])
        if r < 19:
            return encode_command([b"SADD", b"t:%012d" % i] + [b"%d" % j + blob(i + j, esize)
                                                              for j in range(5)])
        return encode_command([b"ZADD", b"z:%012d" % i] + [x for j in range(5)
                              for x in (b"%d" % j, blob(i + j, esize))])
    return chunked(lambda a, b: b"".join(cmd(i) for i in range(a, b)), count, chunk)


def family_pss(pid):
    """Proportional set size of pid and its children, in bytes: a fork child's
    copy-on-write pages are counted once, shared pages split between them."""
    total = 0
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(x) for x in f.read().split()]
    except OSError:
        kids = []
    for p in [pid] + kids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for l in f:
                    if l.startswith("Pss:"):
                        total += int(l.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total


def bgsave_under_writes(ctx, srv, count, vsize):
    """BGSAVE while redis-benchmark overwrites random string keys at full
    speed; returns (peak PSS of server+child, PSS before, seconds, COW bytes)."""
    cmd = [ctx.bench_bin, "-h", "127.0.0.1", "-p", str(srv.port), "-c", str(CLIENTS),
           "-n", "100000000", "-P", "16", "-r", str(count), "-q",
           "SET", "s:__rand_int__", "v" * vsize]
    cpu = ctx.bench_cpu

    def pre():
        die_with_parent()
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
    before = family_pss(srv.proc.pid)
    load = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=pre)
    try:
        time.sleep(0.5)         # the write load is running before the fork
        t0 = time.monotonic()
        srv.call("BGSAVE")
        peak = family_pss(srv.proc.pid)
        deadline = t0 + 300
        while time.monotonic() < deadline:
            peak = max(peak, family_pss(srv.proc.pid))
            if srv.info("persistence").get("rdb_bgsave_in_progress") == "0":
                break
            time.sleep(0.02)
        else:
            raise BenchError(f"{srv.name}: BGSAVE did not end in 300 s")
        secs = time.monotonic() - t0
    finally:
        load.kill()
        load.wait()
    p = srv.info("persistence")
    if p.get("rdb_last_bgsave_status") != "ok":
        raise BenchError(f"{srv.name}: BGSAVE status {p.get('rdb_last_bgsave_status')}")
    return peak, before, secs, int(p.get("rdb_last_cow_size", 0))


def best_time(fn, reps):
    best = None
    for _ in range(reps):
        t0 = time.monotonic()
        fn()
        t = time.monotonic() - t0
        best = t if best is None else min(best, t)
    return best


def wait_loaded(srv, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if srv.info("persistence").get("loading") == "0":
                return
        except BenchError:      # -LOADING
            pass
        time.sleep(0.01)
    raise BenchError(f"{srv.name}: still loading after {timeout} s")


def section_persistence(ctx):
    """SAVE, DEBUG RELOAD and load-at-start time and RDB size for 1M mixed keys
    (~1 GB); peak memory during BGSAVE under a write load."""
    count, vsize = (100000, 1400) if ctx.quick else (1000000, 1400)
    tag = f"{count // 1000}k" if count < 1000000 else f"{count // 1000000}M"
    chunks = mixed_load(count, vsize)
    ctx.start_servers()
    castor, redis = ctx.pair()
    res = {}
    for srv in (castor, redis):
        r = res[srv.name] = {}
        try:
            pipe_load(srv, chunks, None)
            if srv.call("DBSIZE") != count:
                raise BenchError(f"{srv.name}: DBSIZE after load")
            r["used"] = int(srv.info("memory")["used_memory"]) / 1e6
            r["save"] = best_time(lambda: srv.call("SAVE"), 3)   # disk noise: best of 3
            r["size"] = os.path.getsize(os.path.join(srv.dir, "dump.rdb")) / 1e6
            r["reload"] = best_time(lambda: srv.call("DEBUG", "RELOAD"), 2)
            if srv.call("DBSIZE") != count:
                raise BenchError(f"{srv.name}: DBSIZE after DEBUG RELOAD")
            srv.stop()
            t0 = time.monotonic()
            srv.start()       # loads dump.rdb; Redis may answer PING while loading
            wait_loaded(srv)
            r["load"] = time.monotonic() - t0
            if srv.call("DBSIZE") != count:
                raise BenchError(f"{srv.name}: DBSIZE after reload")
            peak, before, secs, cow = bgsave_under_writes(ctx, srv, count, vsize)
            r.update(peak=peak / 1e6, before=before / 1e6, bgsave=secs, cow=cow / 1e6)
        except (BenchError, OSError) as e:
            r["error"] = str(e).splitlines()[0]
    del chunks
    note = "; ".join(f"{k}: {v['error']}" for k, v in sorted(res.items()) if "error" in v)
    for key, label, unit, fmt in (("used", "used_memory loaded", "MB", "8.1f"),
                                  ("save", "RDB SAVE time", "s", "8.3f"),
                                  ("reload", "DEBUG RELOAD time", "s", "8.3f"),
                                  ("load", "RDB load at start", "s", "8.3f"),
                                  ("size", "RDB file size", "MB", "8.1f"),
                                  ("before", "PSS before BGSAVE", "MB", "8.1f"),
                                  ("peak", "peak PSS in BGSAVE+SET", "MB", "8.1f"),
                                  ("cow", "BGSAVE COW reported", "MB", "8.1f"),
                                  ("bgsave", "BGSAVE time under SET", "s", "8.3f")):
        ctx.figure("persistence", f"{label:<22} {tag:<4}", unit, res["castor"].get(key),
                   res["redis"].get(key), fmt, note)
    ctx.stop_servers()


def section_aof(ctx):
    """SET ops/s and server CPU per request with appendonly yes, appendfsync
    everysec and always, pipeline 1 and 16."""
    for fsync, pipeline in (("everysec", 1), ("always", 1), ("everysec", 16), ("always", 16)):
        n = (30000 if ctx.quick else 200000) * (4 if pipeline > 1 else 1)
        ctx.start_servers()
        castor, redis = ctx.pair()
        runs, err = {}, {}
        for srv in (castor, redis):
            try:
                srv.call("CONFIG", "SET", "appendfsync", fsync)
                srv.call("CONFIG", "SET", "appendonly", "yes")
                deadline = time.monotonic() + 30
                while (srv.info("persistence").get("aof_rewrite_in_progress") != "0"
                       and time.monotonic() < deadline):
                    time.sleep(0.05)
            except (BenchError, OSError) as e:
                err[srv.name] = str(e).splitlines()[0]
        # Best of min_reps runs, the servers alternating (ABBA), as elsewhere:
        # one P1 run on this host is as noisy as the difference measured.
        for rep in range(ctx.min_reps):
            for srv in ((castor, redis) if rep % 2 == 0 else (redis, castor)):
                if srv.name in err:
                    continue
                try:
                    run = ctx.bench_once(srv, "set", n, pipeline, 3)
                    best = runs.get(srv.name)
                    if best is None or run.ops > best.ops:
                        runs[srv.name] = run
                except (BenchError, OSError) as e:
                    err[srv.name] = str(e).splitlines()[0]
        note = "; ".join(f"{k}: {v}" for k, v in sorted(err.items()))
        c, r = runs.get("castor"), runs.get("redis")
        ctx.figure("aof", f"SET appendfsync {fsync:<8} P{pipeline:<2}", "ops/s",
                   c.ops if c else None, r.ops if r else None, "10.0f", note)
        ctx.figure("aof", f"CPU SET appendfsync {fsync:<8} P{pipeline:<2}", "us/req",
                   c.cpu_us if c else None, r.cpu_us if r else None, "8.3f", note)
        ctx.stop_servers()


# ---- Replication: full sync, write throughput with replicas, lag ------------
#
# Each master replicates to replicas of its own kind (castor -> castor, redis
# -> redis): Server objects with the master's binary and flags, on fresh ports
# and in fresh dirs (a dir that held a dump.rdb would be loaded at start-up).
# CPU pinning: the master AND its replicas all run on the server cpu, like
# every other server of the bench. On a 2-cpu box the only other cpu belongs to
# redis-benchmark and this script; an unpinned replica would take time from the
# load generator instead, and how much would depend on the scheduler, so the
# ops/s figures would mix the replicas' cost with the client's. Pinned, the
# with/without ratio is the whole server-side cost of replication (the
# master's feeding plus its replicas' applying) on one cpu, for both kinds
# alike; the master's own cost is the CPU us/req line, the replicas' their own.

_replica_ids = itertools.count(1)


def repl_load(count, vsize=100, chunk=5000):
    """SET key:%012d <vsize bytes>: slices of one seeded random pool, so the RDB
    (and the full sync) cannot shrink them with LZF."""
    pool = random.Random(20241124).randbytes(1 << 20)
    head = b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$" + str(vsize).encode() + b"\r\n"

    def cmds(a, b):
        out = []
        for i in range(a, b):
            off = (i * 7919) % (len(pool) - vsize)
            out.append(head % i + pool[off:off + vsize] + b"\r\n")
        return b"".join(out)
    return chunked(cmds, count, chunk)


def repl_spawn(ctx, who, live, tls=None):
    """Start a new empty server of kind 'who' (the master's binary and flags) on
    the server cpu; it is appended to 'live' before it starts, so the caller's
    finally stops it whatever happens. With tls (make_certs' files) it also
    serves TLS on srv.tls_port and replicates over TLS."""
    binary, extra = ((ctx.castor_bin, ctx.args.castor_args) if who == "castor"
                     else (ctx.redis_bin, ctx.args.redis_args))
    last = None
    for _ in range(3):          # a port grabbed by someone else: try another
        taken = {s.port for s in list(ctx.servers.values()) + live}
        taken |= {getattr(s, "tls_port", 0) for s in live}
        port = free_port(taken)
        more, tls_port = [], None
        if tls:
            tls_port = free_port(taken | {port})
            more = ["--tls-port", str(tls_port), "--tls-cert-file", tls["server.crt"],
                    "--tls-key-file", tls["server.key"], "--tls-ca-cert-file", tls["ca.crt"],
                    "--tls-replication", "yes"]
        srv = Server(f"{who}-replica{next(_replica_ids)}", binary, ctx.workdir,
                     port, ctx.server_cpu, extra + more)
        srv.tls_port = tls_port
        live.append(srv)
        try:
            srv.start()
            return srv
        except BenchError as e:
            repl_stop(ctx, srv, live)
            last = e
    raise last


def repl_stop(ctx, srv, live):
    """Stop a replica by pid and drop its RDB files (~130 MB each at 1M keys)."""
    srv.stop()
    if srv in live:
        live.remove(srv)
    if not ctx.args.keep:
        for f in os.listdir(srv.dir):
            if f.endswith(".rdb"):
                try:
                    os.remove(os.path.join(srv.dir, f))
                except OSError:
                    pass


def repl_info(srv):
    """INFO replication of srv ({} while it answers -LOADING)."""
    try:
        return srv.info("replication")
    except BenchError as e:
        if "LOADING" in str(e):
            return {}
        raise


def repl_wait_up(master, replica, t0, timeout, poll=0.01, stall=15):
    """Poll the replica every 'poll' s until master_link_status:up and
    master_sync_in_progress:0; return the seconds since t0. A link that is
    neither up nor syncing for 'stall' s (a failing handshake, retried
    forever) fails at once, with the replica's last log lines."""
    idle_since = t0
    while True:
        i = repl_info(replica)
        now = time.monotonic()
        if i.get("master_link_status") == "up" and i.get("master_sync_in_progress") == "0":
            return now - t0
        if i.get("master_sync_in_progress") == "1":
            idle_since = now
        elif now - idle_since > stall:
            raise BenchError(f"{replica.name}: no sync from {master.name} started in {stall} s "
                             f"(master_link_status {i.get('master_link_status')})\n"
                             + replica.log_tail(3))
        if now - t0 > timeout:
            raise BenchError(f"{replica.name}: link to {master.name} not up after {timeout} s "
                             f"(master_link_status {i.get('master_link_status')}, "
                             f"master_sync_in_progress {i.get('master_sync_in_progress')})")
        master.check_alive()
        replica.check_alive()
        time.sleep(poll)


def repl_offset(srv, field_name):
    try:
        return int(repl_info(srv)[field_name])
    except (KeyError, ValueError):
        raise BenchError(f"{srv.name}: no {field_name} in INFO replication")


def repl_caught_up(master, replicas, timeout=120, poll=0.005):
    """Read the master's master_repl_offset once, then poll until every
    replica's slave_repl_offset reached it; return the monotonic time then."""
    target = repl_offset(master, "master_repl_offset")
    deadline = time.monotonic() + timeout
    pending = list(replicas)
    while True:
        pending = [r for r in pending if repl_offset(r, "slave_repl_offset") < target]
        now = time.monotonic()
        if not pending:
            return now
        if now > deadline:
            raise BenchError(f"{pending[0].name}: slave_repl_offset still short of the master's "
                             f"{target} after {timeout} s")
        for s in [master] + pending:
            s.check_alive()
        time.sleep(poll)


def repl_attach(ctx, master, count, live, timeout=60):
    """Start 'count' new replicas of master's kind, REPLICAOF, wait until each
    link is up and the master lists them all as online."""
    replicas = []
    for _ in range(count):
        r = repl_spawn(ctx, master.name, live)
        replicas.append(r)
        r.call("REPLICAOF", "127.0.0.1", master.port)
    t0 = time.monotonic()
    for r in replicas:
        repl_wait_up(master, r, t0, timeout)
    while True:
        info = repl_info(master)
        online = sum(1 for k, v in info.items() if k.startswith("slave") and k[5:].isdigit()
                     and "state=online" in v)
        if online == count:
            return replicas
        if time.monotonic() - t0 > timeout:
            raise BenchError(f"{master.name}: {online} of {count} replicas online after "
                             f"{timeout} s")
        time.sleep(0.01)


def repl_label(text):
    return f"{text:<38}"


def repl_error(e):
    return str(e).splitlines()[0].strip()


def repl_deaths(servers, died):
    """Record (once) every server of 'servers' that exited on its own."""
    for s in servers:
        if s.proc is not None and s.proc.poll() is not None and s.name not in died:
            died[s.name] = f"{s.name} exited with {s.proc.returncode}\n{s.log_tail()}"


def repl_full_sync(ctx, live, died):
    """Figure 1: seconds from REPLICAOF on a new empty replica to its link up
    and no sync in progress, against a master holding 'count' 100-byte strings."""
    count = 100000 if ctx.quick else 1000000
    tag = f"{count // 1000}k" if count < 1000000 else f"{count // 1000000}M"
    reps = 1 if ctx.quick else 2
    chunks = repl_load(count)
    ctx.start_servers()
    masters = dict(zip(("castor", "redis"), ctx.pair()))
    err, best = {}, {}
    for who, m in masters.items():
        try:
            pipe_load(m, chunks)
            if m.call("DBSIZE") != count:
                raise BenchError(f"{who}: DBSIZE after loading {count} keys")
        except (BenchError, OSError) as e:
            err[who] = repl_error(e)
            repl_deaths([m], died)
    del chunks
    sample = "key:%012d" % (count // 2)
    for rep in range(reps):
        for mode, diskless in (("disk", "no"), ("diskless", "yes")):
            order = ("castor", "redis") if rep % 2 == 0 else ("redis", "castor")
            for who in order:
                if who in err:
                    continue
                m = masters[who]
                r = None
                try:
                    m.call("CONFIG", "SET", "repl-diskless-sync", diskless)
                    m.call("CONFIG", "SET", "repl-diskless-sync-delay", "0")
                    r = repl_spawn(ctx, who, live)
                    t0 = time.monotonic()
                    r.call("REPLICAOF", "127.0.0.1", m.port)
                    secs = repl_wait_up(m, r, t0, 60 if ctx.quick else 120)
                    got = r.call("DBSIZE")
                    if got != count:
                        raise BenchError(f"{r.name}: DBSIZE {got} after the sync, not {count}")
                    if r.call("GET", sample) != m.call("GET", sample):
                        raise BenchError(f"{r.name}: {sample} differs from the master's")
                    best[(who, mode)] = min(secs, best.get((who, mode), secs))
                except (BenchError, OSError) as e:
                    err[who] = repl_error(e)
                    repl_deaths([m] + live, died)
                finally:
                    if r is not None:
                        repl_stop(ctx, r, live)
    note = "; ".join(f"{k}: {v}" for k, v in sorted(err.items()))
    for mode in ("disk", "diskless"):
        ctx.figure("replication", repl_label(f"REPL full sync {mode:<8} {tag}"), "s",
                   best.get(("castor", mode)), best.get(("redis", mode)), "8.3f",
                   note or f"new replica, {count} x 100 B, best of {reps}; DBSIZE checked")
    ctx.stop_servers()


def repl_lag_once(ctx, master, replicas, n, period=0.02):
    """Figure 3, one server: SET -P 16 at full speed against master; every
    'period' s read master_repl_offset, then each replica's slave_repl_offset.
    Returns (lags in bytes, seconds from the end of the load to every replica
    at the master's offset, ops/s of the load, stream bytes/s)."""
    repl_caught_up(master, replicas)
    mo_start = repl_offset(master, "master_repl_offset")
    cmd = [ctx.bench_bin, "-h", "127.0.0.1", "-p", str(master.port), "-c", str(CLIENTS),
           "-n", str(n), "-P", "16", "-d", "3", "-r", str(KEYSPACE), "--csv", "-t", "set"]
    cpu = ctx.bench_cpu

    def pre():
        die_with_parent()
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
    out_path = os.path.join(ctx.workdir, f"lag-{master.name}.csv")
    lags = []
    with open(out_path, "w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=pre)
        try:
            t0 = time.monotonic()
            while proc.poll() is None:
                tick = time.monotonic()
                if tick - t0 > BENCH_TIMEOUT_S:
                    raise BenchError(f"{master.name}: redis-benchmark SET -P 16 timed out")
                mo = repl_offset(master, "master_repl_offset")
                lags += [max(mo - repl_offset(r, "slave_repl_offset"), 0) for r in replicas]
                try:
                    proc.wait(timeout=max(0.0, tick + period - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
            t_end = time.monotonic()
            wall = t_end - t0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        out.seek(0)
        text = out.read()
    errs = [l for l in text.splitlines() if "rror" in l]
    if proc.returncode != 0 or errs:
        raise BenchError(f"{master.name}: redis-benchmark SET -P 16 exit {proc.returncode}: "
                         + (errs[0] if errs else text.strip()[:200]))
    caught = repl_caught_up(master, replicas) - t_end
    rate = (repl_offset(master, "master_repl_offset") - mo_start) / wall
    ops = None
    for row in csv.reader(io.StringIO(text)):
        if row and row[0] != "test" and len(row) > 1:
            ops = float(row[1])
    return lags, caught, ops or n / wall, rate


def repl_throughput_lag(ctx, live, died):
    """Figures 2 and 3 on fresh masters: SET P1/P16 with no replica, then with
    two; then the lag of those two replicas under SET -P 16 at full speed."""
    nrep = 2
    reps = ctx.min_reps         # 3, quick 1, or --reps
    base_n = {1: 100000, 16: 800000}
    ctx.start_servers()
    masters = dict(zip(("castor", "redis"), ctx.pair()))
    replicas = {"castor": [], "redis": []}
    runs, err, resync = {}, {}, {}
    err_none = {}       # errors before any replica was attached
    for who, m in masters.items():
        try:
            m.call("CONFIG", "SET", "repl-diskless-sync-delay", "0")    # attach at once
        except (BenchError, OSError) as e:
            err[who] = err_none[who] = repl_error(e)
    for cond in ("none", "with"):
        if cond == "with":
            for who, m in masters.items():
                if who in err:
                    continue
                try:
                    m.call("FLUSHALL")
                    replicas[who] = repl_attach(ctx, m, nrep, live)
                except (BenchError, OSError) as e:
                    err[who] = repl_error(e)
                    repl_deaths([m] + live, died)
        for p in (1, 16):
            n = max(base_n[p] // 10, 5000) if ctx.quick else base_n[p]
            for rep in range(reps):
                for who in (("castor", "redis") if rep % 2 == 0 else ("redis", "castor")):
                    if who in err:
                        continue
                    m, rs = masters[who], replicas[who]
                    try:
                        if rs:
                            repl_caught_up(m, rs)
                            full0 = int(m.info("stats").get("sync_full", 0))
                            c0 = sum(r.cpu_ns() for r in rs)
                        run = ctx.bench_once(m, "set", n, p, 3)
                        rcpu = None
                        if rs:
                            repl_caught_up(m, rs)
                            rcpu = (sum(r.cpu_ns() for r in rs) - c0) / 1e3 / n
                            again = int(m.info("stats").get("sync_full", 0)) - full0
                            if again:
                                resync[who] = resync.get(who, 0) + again
                        runs.setdefault((who, cond, p), []).append((run.ops, run.cpu_us, rcpu))
                    except (BenchError, OSError) as e:
                        err[who] = repl_error(e)
                        if cond == "none":
                            err_none[who] = err[who]
                        repl_deaths([m] + live, died)

    def best(who, cond, p, i):
        vals = [r[i] for r in runs.get((who, cond, p), []) if r[i] is not None]
        if not vals:
            return None
        return max(vals) if i == 0 else min(vals)

    def per(who, p, i):
        w, o = best(who, "with", p, i), best(who, "none", p, i)
        return w / o if w is not None and o else None
    notes = [f"{k}: {v}" for k, v in sorted(err.items())]
    notes += [f"{k}: {v} full resync(s) during the runs" for k, v in sorted(resync.items())]
    note = "; ".join(notes)
    note_none = "; ".join(f"{k}: {v}" for k, v in sorted(err_none.items()))
    for p in (1, 16):
        lab = f"SET P{p:<2} d3"
        ctx.figure("replication", repl_label(f"REPL {lab} {nrep} replicas"), "ops/s",
                   best("castor", "with", p, 0), best("redis", "with", p, 0), "10.0f", note)
        ctx.figure("replication", repl_label(f"REPL {lab} no replica"), "ops/s",
                   best("castor", "none", p, 0), best("redis", "none", p, 0), "10.0f", note_none)
        ctx.figure("replication", repl_label(f"REPL {lab} with/without"), "x",
                   per("castor", p, 0), per("redis", p, 0), "8.2f",
                   note or "ops/s with replicas over ops/s without, per server")
        ctx.figure("replication", repl_label(f"CPU REPL master {lab} {nrep} replicas"), "us/req",
                   best("castor", "with", p, 1), best("redis", "with", p, 1), "8.3f", note)
        ctx.figure("replication", repl_label(f"CPU REPL master {lab} no replica"), "us/req",
                   best("castor", "none", p, 1), best("redis", "none", p, 1), "8.3f", note_none)
        ctx.figure("replication", repl_label(f"CPU REPL master {lab} with/without"), "x",
                   per("castor", p, 1), per("redis", p, 1), "8.2f", note)
        ctx.figure("replication", repl_label(f"CPU REPL replicas {lab} {nrep} (sum)"), "us/req",
                   best("castor", "with", p, 2), best("redis", "with", p, 2), "8.3f",
                   note or "both replicas' CPU per master request, until caught up")

    # Figure 3: lag under the full write rate, one run per server.
    n = 300000 if ctx.quick else 2000000
    lag, lag_err = {}, {}
    for who in ("castor", "redis"):
        if who in err:
            lag_err[who] = err[who]
            continue
        try:
            lag[who] = repl_lag_once(ctx, masters[who], replicas[who], n)
        except (BenchError, OSError) as e:
            lag_err[who] = repl_error(e)
            repl_deaths([masters[who]] + live, died)

    def get(who, f):
        return f(lag[who]) if who in lag and lag[who][0] else None
    note = "; ".join(f"{k}: {v}" for k, v in sorted(lag_err.items()))
    detail = note or "; ".join(
        f"{who} {lag[who][2]:.0f} ops/s, {len(lag[who][0]) // nrep} samples"
        for who in ("castor", "redis") if who in lag)
    lab = f"SET P16 d3 {n // 1000}k"
    ctx.figure("replication", repl_label(f"REPL lag max  {lab}"), "B",
               get("castor", lambda x: max(x[0])), get("redis", lambda x: max(x[0])), "10.0f",
               detail)
    ctx.figure("replication", repl_label(f"REPL lag mean {lab}"), "B",
               get("castor", lambda x: sum(x[0]) / len(x[0])),
               get("redis", lambda x: sum(x[0]) / len(x[0])), "10.0f",
               note or "master offset minus each replica's, every 20 ms")
    # Bytes of lag at a faster write rate are fewer milliseconds of writes:
    # the mean lag divided by the master's stream rate is the lag in time.
    ctx.figure("replication", repl_label(f"REPL lag mean time {lab}"), "ms",
               get("castor", lambda x: sum(x[0]) / len(x[0]) / x[3] * 1e3),
               get("redis", lambda x: sum(x[0]) / len(x[0]) / x[3] * 1e3), "8.2f",
               note or "mean lag in bytes / the master's stream bytes per second")
    ctx.figure("replication", repl_label(f"REPL catch-up {lab}"), "ms",
               get("castor", lambda x: x[1] * 1e3), get("redis", lambda x: x[1] * 1e3), "8.1f",
               note or "end of the load to every replica at the master's offset")
    ctx.stop_servers()


def section_replication(ctx):
    """Full sync of 1M 100-byte keys to a new replica (disk, diskless); SET
    ops/s and master CPU with 2 replicas vs none; replica lag under SET -P 16."""
    live: List[Server] = []     # replicas running now: stopped by pid in finally
    died: Dict[str, str] = {}   # servers that exited on their own
    try:
        for part in (repl_full_sync, repl_throughput_lag):
            try:
                part(ctx, live, died)
            finally:
                repl_deaths(list(ctx.servers.values()) + live, died)
                for r in list(live):
                    repl_stop(ctx, r, live)
                ctx.stop_servers()
    finally:
        for r in list(live):
            repl_stop(ctx, r, live)
    if died:
        raise BenchError("server(s) died: " + "\n".join(died.values()))


# ---- TLS ----------------------------------------------------------------------
#
# Both servers serve TLS on a second port with the same throwaway certificates
# (openssl CLI, in the temp dir), client certificates required as by default;
# redis-benchmark --tls drives that port. The cells are the core suite's SET
# and GET at P1 and P16: what TLS costs per request on top of the protocol.

def tls_requests(test, pipeline, size):
    return 40000 if pipeline == 1 else 200000


TLS_SUITE = Suite("tls", [("SET", "set"), ("GET", "get")], pipelines=[1, 16], sizes=[3],
                  requests=tls_requests)


def make_certs(d):
    """Throwaway CA, server and client certificates in d (openssl CLI);
    bench/callgrind.py --tls uses them too."""
    def ssl(*a):
        subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True)
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=bench CA")
    for name in ("server", "client"):
        ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
            name + ".csr", "-subj", "/CN=bench " + name)
        ssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-out", name + ".crt")
    return {k: os.path.join(d, k) for k in ("ca.crt", "server.crt", "server.key", "client.crt",
                                              "client.key")}


def tls_certs(ctx):
    d = os.path.join(ctx.workdir, "tls")
    os.makedirs(d, exist_ok=True)
    return make_certs(d)


def section_tls(ctx):
    """SET and GET at P1 and P16 over TLS (both servers with tls-port,
    redis-benchmark --tls): ops/s and server CPU per request."""
    try:
        f = tls_certs(ctx)
    except (OSError, subprocess.CalledProcessError) as e:
        raise BenchError(f"can't make certificates with openssl: {e}")
    ctx.stop_servers()
    taken = set()
    try:
        for who, binary, extra in (("castor", ctx.castor_bin, ctx.args.castor_args),
                                   ("redis", ctx.redis_bin, ctx.args.redis_args)):
            port, tls_port = free_port(taken), None
            taken.add(port)
            tls_port = free_port(taken)
            taken.add(tls_port)
            srv = Server(who, binary, ctx.workdir, port, ctx.server_cpu, extra + [
                "--tls-port", str(tls_port), "--tls-cert-file", f["server.crt"],
                "--tls-key-file", f["server.key"], "--tls-ca-cert-file", f["ca.crt"]])
            srv.bench_port = tls_port
            srv.bench_args = ["--tls", "--cacert", f["ca.crt"], "--cert", f["client.crt"],
                              "--key", f["client.key"]]
            ctx.servers[who] = srv
            srv.start()
        cells, err = suite_cells(ctx, TLS_SUITE)
        for c in cells:
            print_ops(ctx, "tls", "TLS ")(c)
        print_cpu(ctx, "tls", cells, prefix="CPU TLS ")
        if err:
            raise err
    finally:
        ctx.stop_servers()      # later sections start plain servers afresh


# ---- Failover under Sentinel --------------------------------------------------
#
# Per kind alike: a master and two replicas of that kind (new processes, each
# started with a config file so that sentinel's CONFIG REWRITE has somewhere
# to write), three of Debian's unmodified redis-sentinel watching them, and a
# writer thread that finds the master through the sentinels. The master is
# killed with SIGKILL in the middle of the load.

SENTINEL_DEFAULT = "/usr/bin/redis-sentinel"
FO_MASTER = "benchmaster"
FO_DOWN_AFTER_MS = 1500
FO_FAILOVER_TIMEOUT_MS = 5000
# Sentinel's polling tightened as tests/lib/sentineltest.py does (SENTINEL
# DEBUG, Redis 7.0): INFO every second, hellos and PINGs every half second.
FO_DEBUG_TIMING = ("info-period", "1000", "publish-period", "500", "ping-period", "500")
FO_BATCH = 10               # SETs per batch, pipelined, then WAIT 1 FO_WAIT_MS
FO_WAIT_MS = 100
FO_BEFORE = 2000            # acknowledged writes before the kill
FO_AFTER = 200              # writes answered by the new master before the writer stops
# A failover takes 2-4 s; a split vote makes sentinel retry after
# 2 x failover-timeout, which this bound still allows.
FO_PROMOTE_TIMEOUT = FO_DOWN_AFTER_MS / 1e3 + 2 * FO_FAILOVER_TIMEOUT_MS / 1e3 + 5
FO_SETTLE_TIMEOUT = 20

_fo_ids = itertools.count(1)


class Conn(Server):
    """A RESP connection to a loopback port, no process of its own (the
    writer's connections, the loss check): Server's client, short timeout."""

    def __init__(self, name, port, timeout=5.0):
        self.name, self.port, self.timeout = name, port, timeout
        self.proc = None
        self.sock = None

    def conn(self):
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.rfile = self.sock.makefile("rb")
        return self.sock


def fo_pairs(reply):
    """A flat [k1, v1, k2, v2, ...] reply -> {k1: v1, ...}."""
    return dict(zip(reply[0::2], reply[1::2]))


def fo_spawn(ctx, kind, role, live, master_port=None):
    """Start one process on the server cpu: a data server of kind 'castor' or
    'redis' (that kind's binary and extra flags, with a config file first on
    its command line), or with role 'sentinel' a redis-sentinel monitoring
    master_port (quorum 2). It is appended to 'live' before it starts, so the
    caller's finally stops it by pid whatever happens."""
    last = None
    for _ in range(3):          # a port grabbed by someone else: try another
        taken = {s.port for s in list(ctx.servers.values()) + live}
        port = free_port(taken)
        name = f"fo{next(_fo_ids)}-{kind}-{role}"
        if role == "sentinel":
            srv = Server(name, ctx.sentinel_bin, ctx.workdir, port, ctx.server_cpu, [])
            conf = os.path.join(srv.dir, "sentinel.conf")
            text = [f"port {port}", "bind 127.0.0.1", "daemonize no", f"dir {srv.dir}",
                    "sentinel resolve-hostnames no", "sentinel announce-hostnames no",
                    f"sentinel monitor {FO_MASTER} 127.0.0.1 {master_port} 2",
                    f"sentinel down-after-milliseconds {FO_MASTER} {FO_DOWN_AFTER_MS}",
                    f"sentinel failover-timeout {FO_MASTER} {FO_FAILOVER_TIMEOUT_MS}",
                    f"sentinel parallel-syncs {FO_MASTER} 1"]
            srv.args = [ctx.sentinel_bin, conf]
        else:
            binary, extra = ((ctx.castor_bin, ctx.args.castor_args) if kind == "castor"
                             else (ctx.redis_bin, ctx.args.redis_args))
            srv = Server(name, binary, ctx.workdir, port, ctx.server_cpu, extra)
            conf = os.path.join(srv.dir, "server.conf")
            text = ["# bench.py failover: sentinel's CONFIG REWRITE keeps this file up to date",
                    "repl-diskless-sync-delay 0"]
            srv.args = [binary, conf] + srv.args[1:]
        with open(conf, "w") as f:
            f.write("\n".join(text) + "\n")
        live.append(srv)
        try:
            srv.start()
            if role == "sentinel" and srv.call("SENTINEL", "DEBUG", *FO_DEBUG_TIMING) != "OK":
                raise BenchError(f"{name}: SENTINEL DEBUG refused")
            return srv
        except BenchError as e:
            repl_stop(ctx, srv, live)
            last = e
    raise last


def fo_sentinel_logs(sentinels, lines=4):
    return "\n".join(f"  {s.name}:\n{s.log_tail(lines)}" for s in sentinels)


def fo_wait_monitoring(master, replicas, sentinels, timeout=30):
    """Poll until every sentinel sees the master up (flags exactly 'master'),
    knows the other sentinels and lists both replicas, their link ok."""
    want = sorted(r.port for r in replicas)
    t0 = time.monotonic()
    while True:
        state, ready = [], True
        for s in sentinels:
            m = fo_pairs(s.call("SENTINEL", "MASTER", FO_MASTER))
            reps = [fo_pairs(r) for r in s.call("SENTINEL", "REPLICAS", FO_MASTER)]
            state.append((m.get("flags"), m.get("num-other-sentinels"),
                          [(r.get("flags"), r.get("master-link-status")) for r in reps]))
            ready = ready and (
                m.get("flags") == "master"
                and m.get("num-other-sentinels") == str(len(sentinels) - 1)
                and sorted(int(r["port"]) for r in reps) == want
                and all(r.get("flags") == "slave" and r.get("master-link-status") == "ok"
                        for r in reps))
        if ready:
            return
        if time.monotonic() - t0 > timeout:
            raise BenchError(f"sentinels not monitoring {master.name} and its replicas after "
                             f"{timeout} s: (master flags, other sentinels, replicas) {state}\n"
                             + fo_sentinel_logs(sentinels))
        for s in [master] + list(replicas) + list(sentinels):
            s.check_alive()
        time.sleep(0.05)


class FoWriter(threading.Thread):
    """Writes SET fo:<i> <i> in pipelined batches of FO_BATCH, each followed
    by WAIT 1 FO_WAIT_MS on the same connection, until stop(). The master is
    whatever the sentinels answer to SENTINEL get-master-addr-by-name (after a
    failed connection, an answer other than the port that failed wins). A
    batch's writes answered +OK are 'acked' when its WAIT returned >= 1, else
    (WAIT 0, an error, a closed connection) 'unacked'.

    self.writes: [(i, port, t answered, acked)] in the order answered."""

    def __init__(self, sentinel_ports):
        super().__init__(daemon=True)
        self.sentinels = [Conn(f"writer-sentinel{n}", p) for n, p in enumerate(sentinel_ports)]
        self.writes = []
        self.errors = 0
        self.last_error = ""
        self.exc = None
        self.lock = threading.Lock()
        self.halt = threading.Event()

    def run(self):
        try:
            self._run()
        except BaseException as e:      # surfaced by stop()
            self.exc = e

    def discover(self, avoid):
        ports = []
        for s in self.sentinels:
            try:
                ports.append(int(s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", FO_MASTER)[1]))
            except (OSError, BenchError, TypeError, IndexError, ValueError):
                s.close_conn()
        other = [p for p in ports if p != avoid]
        return other[0] if other else (ports[0] if ports else None)

    def _run(self):
        i, conn, bad = 0, None, None
        while not self.halt.is_set():
            if conn is None:
                port = self.discover(bad)
                if port is None:
                    self.halt.wait(0.01)
                    continue
                conn = Conn("writer", port)
            keys = range(i, i + FO_BATCH)
            i += FO_BATCH
            payload = b"".join(encode_command(("SET", f"fo:{k}", k)) for k in keys)
            done, acked, failed = [], False, None
            try:
                conn.conn().sendall(payload + encode_command(("WAIT", 1, FO_WAIT_MS)))
                for k in keys:
                    try:
                        if conn.read_reply() == "OK":
                            done.append((k, time.monotonic()))
                    except BenchError as e:     # -READONLY, -LOADING: not written
                        failed = e
                acked = conn.read_reply() >= 1 and failed is None
            except (OSError, BenchError) as e:  # refused, closed, WAIT refused
                failed = e
            with self.lock:
                self.writes += [(k, port, t, acked) for k, t in done]
                if failed is not None:
                    self.errors += 1
                    self.last_error = str(failed).splitlines()[0][:120]
            if failed is not None:
                conn.close_conn()
                conn, bad = None, port
                self.halt.wait(0.01)
        if conn is not None:
            conn.close_conn()
        for s in self.sentinels:
            s.close_conn()

    def stop(self):
        self.halt.set()
        self.join(15)
        if self.is_alive():
            raise BenchError("the failover writer thread did not stop")
        if self.exc is not None:
            raise self.exc

    def snapshot(self):
        with self.lock:
            return list(self.writes)

    def count(self, port=None, acked=None, after=None):
        return sum(1 for w in self.snapshot() if (port is None or w[1] == port)
                   and (acked is None or w[3] == acked) and (after is None or w[2] > after))

    def wait(self, cond, timeout, what, servers):
        """Poll cond(self.snapshot()) every 10 ms; a dead server or the writer's
        own exception ends the wait early."""
        t0 = time.monotonic()
        while True:
            if self.exc is not None:
                raise BenchError(f"failover writer: {type(self.exc).__name__}: {self.exc}")
            got = cond(self.snapshot())
            if got:
                return got
            if time.monotonic() - t0 > timeout:
                raise BenchError(f"{what} within {timeout:.0f} s (writer's last error: "
                                 f"{self.last_error or 'none'})")
            for s in servers:
                s.check_alive()
            time.sleep(0.01)


def fo_missing(port, writes, chunk=1000):
    """Writes of 'writes' ((i, ...) tuples) whose key fo:<i> lacks value <i>
    on the server at port."""
    c = Conn("check", port, timeout=30)
    lost = 0
    try:
        for a in range(0, len(writes), chunk):
            part = [w[0] for w in writes[a:a + chunk]]
            vals = c.call("MGET", *[f"fo:{k}" for k in part])
            lost += sum(1 for k, v in zip(part, vals) if v != str(k))
    finally:
        c.close_conn()
    return lost


def fo_count_log(srv, event):
    try:
        with open(srv.log_path, "rb") as f:
            return sum(1 for l in f.read().decode(errors="replace").splitlines()
                       if f" {event} " in l)
    except OSError:
        return 0


def failover_once(ctx, who, live, died):
    """One kill -9 of a 'who' master under its sentinels and the writer.
    Returns a dict: kill_to_write (s), promoted (s: the writer's first
    sentinel answer naming another master), lost_acked, lost_unacked, and
    counts of the writes."""
    m = fo_spawn(ctx, who, "master", live)
    replicas = [fo_spawn(ctx, who, "replica", live) for _ in range(2)]
    for r in replicas:
        r.call("REPLICAOF", "127.0.0.1", m.port)
    t0 = time.monotonic()
    for r in replicas:
        repl_wait_up(m, r, t0, 30)
    sentinels = [fo_spawn(ctx, who, "sentinel", live, m.port) for _ in range(3)]
    fo_wait_monitoring(m, replicas, sentinels)
    everyone = [m] + replicas + sentinels
    writer = FoWriter([s.port for s in sentinels])
    writer.start()
    try:
        writer.wait(lambda ws: sum(1 for w in ws if w[3]) >= FO_BEFORE, 30,
                    f"no {FO_BEFORE} acknowledged writes on {m.name}", everyone)
        t_kill = time.monotonic()
        m.proc.kill()               # SIGKILL, on purpose: no longer a live server
        m.proc.wait()
        m.proc = None
        others = replicas + sentinels

        def first_new(ws):
            ts = [(w[2], w[1]) for w in ws if w[1] != m.port and w[2] > t_kill]
            return min(ts) if ts else None
        t_first, new_port = writer.wait(first_new, FO_PROMOTE_TIMEOUT,
                                        "no write answered by a new master", others)
        writer.wait(lambda ws: sum(1 for w in ws if w[1] == new_port) >= FO_AFTER,
                    FO_SETTLE_TIMEOUT, f"not {FO_AFTER} writes on the new master", others)
    except BenchError as e:
        raise BenchError(f"{e}\n" + fo_sentinel_logs(sentinels)) from None
    finally:
        writer.stop()
    if new_port not in [r.port for r in replicas]:
        raise BenchError(f"writes went to port {new_port}, not one of the replicas")
    ws = writer.snapshot()
    on_new = [w for w in ws if w[1] == new_port]
    acked = [w for w in ws if w[3]]
    unacked = [w for w in ws if not w[3]]
    switches = [fo_count_log(s, "+switch-master") for s in sentinels]
    return {"kill_to_write": t_first - t_kill,
            "lost_acked": fo_missing(new_port, acked),
            "lost_unacked": fo_missing(new_port, unacked),
            "writes_old": len(ws) - len(on_new), "writes_new": len(on_new),
            "acked": len(acked), "unacked_old": sum(1 for w in unacked if w[1] == m.port),
            "acked_new": sum(1 for w in on_new if w[3]),
            "switches": max(switches)}


def section_failover(ctx):
    """kill -9 of a master (2 replicas of its kind, 3 redis-sentinel) under a
    WAIT 1 writer: seconds to the first write on the new master, writes lost."""
    ctx.stop_servers()          # only this section's processes run meanwhile
    reps = 1 if ctx.quick else 2
    runs: Dict[str, List[dict]] = {"castor": [], "redis": []}
    err: Dict[str, str] = {}
    died: Dict[str, str] = {}   # servers that exited on their own
    for rep in range(reps):
        for who in (("castor", "redis") if rep % 2 == 0 else ("redis", "castor")):
            if who in err:
                continue
            live: List[Server] = []
            try:
                runs[who].append(failover_once(ctx, who, live, died))
            except (BenchError, OSError) as e:
                err[who] = repl_error(e)
                print(f"# failover {who}: {e}", flush=True)
            finally:
                repl_deaths(live, died)
                for s in reversed(list(live)):      # the sentinels first
                    repl_stop(ctx, s, live)

    def agg(who, key, f):
        vals = [r[key] for r in runs[who]]
        return f(vals) if vals else None
    notes = [f"{k}: {v}" for k, v in sorted(err.items())]
    notes += [f"{w}: {max(r['switches'] for r in runs[w])} failovers in a run (sentinel log)"
              for w in runs if runs[w] and max(r["switches"] for r in runs[w]) > 1]
    note = "; ".join(notes)

    def each(key, fmt):
        return ", ".join(f"{w} " + " ".join(format(r[key], fmt) for r in runs[w])
                         for w in ("castor", "redis") if runs[w])
    label = lambda t: f"{t:<30}"     # noqa: E731
    ctx.figure("failover", label("FAILOVER kill to first write"), "s",
               agg("castor", "kill_to_write", min), agg("redis", "kill_to_write", min), "8.2f",
               note or f"SIGKILL to the first SET answered +OK by the promoted replica, "
                       f"best of {reps} (runs: {each('kill_to_write', '.2f')})")
    ctx.figure("failover", label("FAILOVER acked writes lost"), "count",
               agg("castor", "lost_acked", max), agg("redis", "lost_acked", max), "8.0f",
               note or f"writes WAIT 1 acknowledged, missing on the new master; worst of "
                       f"{reps} (acked writes per run: {each('acked', 'd')})")
    ctx.figure("failover", label("FAILOVER unacked writes lost"), "count",
               agg("castor", "lost_unacked", max), agg("redis", "lost_unacked", max), "8.0f",
               note or f"answered +OK by the old master, not acknowledged, missing on the new "
                       f"one; worst of {reps} (such writes per run: {each('unacked_old', 'd')})")
    if died:
        raise BenchError("server(s) died: " + "\n".join(died.values()))


def acl_runs(ctx, reps):
    """CPU per request of each (server, test, pipeline, user) over 'reps'
    rounds. The default user's and the ACL user's runs of a test follow
    each other (in alternating order, servers in alternating order too),
    so each round gives a ratio of two runs a few seconds apart: host
    drift moves both. Returns {(who, test, pipeline, acl): [cpu_us...]}
    in round order."""
    castor, redis = ctx.pair()
    chunks = acl_load(KEYSPACE)
    for srv in (castor, redis):
        srv.call("FLUSHALL")
        acl_setup(ctx, srv)
        pipe_load(srv, chunks)
    out = {}
    turn = 0
    for rnd in range(reps):
        for pipeline in (1, 16):
            n = 50000 if pipeline == 1 else 200000
            if ctx.quick:
                n //= 10
            for test, argv in ACL_TESTS:
                for acl in ((False, True) if turn % 2 == 0 else (True, False)):
                    for srv in ((castor, redis) if turn % 4 < 2 else (redis, castor)):
                        run = ctx.bench_once(srv, (ACL_AUTH if acl else []) + argv, n, pipeline,
                                             3, KEYSPACE)
                        out.setdefault((srv.name, test, pipeline, acl), []).append(run.cpu_us)
                turn += 1
    return out


def section_acl(ctx):
    """SET/GET as an ACL user with 20 key patterns against the same as the
    default user, interleaved over rounds on a keyspace loaded beforehand:
    server CPU per request of each (median), then the ACL user's over the
    default user's: the median of the rounds' ratios, with their range
    (issue 17 asks castor's within 5%)."""
    reps = 1 if ctx.quick else ACL_REPS
    runs = acl_runs(ctx, reps)
    for test, _ in ACL_TESTS:
        for pipeline in (1, 16):
            for acl in (False, True):
                med = {w: statistics.median(runs[(w, test, pipeline, acl)])
                       for w in ("castor", "redis")}
                who = "ACL user" if acl else "default"
                ctx.figure("acl", f"CPU {test:<4} P{pipeline:<3} {who:<8}", "us/req",
                           med["castor"], med["redis"], "8.3f", f"median of {reps} runs")
    for test, _ in ACL_TESTS:
        for pipeline in (1, 16):
            ratio, spread = {}, {}
            for w in ("castor", "redis"):
                r = sorted(a / d for a, d in zip(runs[(w, test, pipeline, True)],
                                                 runs[(w, test, pipeline, False)]))
                ratio[w] = statistics.median(r)
                spread[w] = f"{r[0]:.3f}-{r[-1]:.3f}"
            ctx.figure("acl", f"ACL/default {test:<4} P{pipeline:<3}", "x",
                       ratio["castor"], ratio["redis"], "8.3f",
                       f"median of {reps} rounds; castor {spread['castor']}, "
                       f"redis {spread['redis']}")


# ---- issue 18: full syncs under a burst, the durability mode, Jepsen rounds ----

def burst_proc(ctx, srv, seconds, vsize=1024):
    """redis-benchmark SET -P 16 of vsize-byte values at full rate for about
    'seconds' (-n sized generously; killed by the caller)."""
    cmd = [ctx.bench_bin, "-h", "127.0.0.1", "-p", str(srv.port), "-c", str(CLIENTS),
           "-n", str(10 ** 9), "-P", "16", "-d", str(vsize), "-r", "1000000", "-q", "-t", "set"]
    cpu = ctx.bench_cpu

    def pre():
        die_with_parent()
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, preexec_fn=pre)


def slow_call(srv, timeout, *argv):
    """srv.call(*argv) with a socket timeout of 'timeout' seconds."""
    srv.conn().settimeout(timeout)
    try:
        return srv.call(*argv)
    finally:
        if srv.sock is not None:
            srv.sock.settimeout(60)


def fullsync_once(ctx, who, count, limit, timeout, live, tls=None):
    """A master of 'who' holding count x 1 KB, client-output-buffer-limit
    'limit', SET -P 16 1 KB at full rate throughout: a new replica's sync.
    Returns (full syncs the master counted, (seconds to the link up, to the
    replica caught up) or None when it never finished within 'timeout',
    digests equal, peaks) with peaks the largest stream the master held for
    its replicas during the sync (mem_clients_slaves) and the largest the
    replica buffered on its side (castor: total, of it in its file), in
    bytes. With tls (make_certs' files) both replicate over TLS. A failure
    names the step it happened in."""
    step = ["load"]
    try:
        return _fullsync_steps(ctx, who, count, limit, timeout, live, step, tls)
    except (BenchError, OSError) as e:
        raise BenchError(f"{step[0]}: {repl_error(e) or type(e).__name__}") from e


def _fullsync_steps(ctx, who, count, limit, timeout, live, step, tls):
    m = repl_spawn(ctx, who, live, tls)
    pipe_load(m, repl_load(count, vsize=1024))
    m.call("CONFIG", "SET", "client-output-buffer-limit", f"replica {limit}")
    m.call("CONFIG", "SET", "repl-diskless-sync", "no")
    r = repl_spawn(ctx, who, live, tls)
    burst = burst_proc(ctx, m, timeout)
    try:
        time.sleep(1)   # the burst is running when the sync starts
        step[0] = "sync under the burst"
        t0 = time.monotonic()
        r.call("REPLICAOF", "127.0.0.1", m.tls_port if tls else m.port)
        secs = None
        peaks = {"master": 0, "replica": 0, "file": 0}
        while time.monotonic() - t0 < timeout:
            i = repl_info(r)
            peaks["master"] = max(peaks["master"],
                                  int(m.info("memory").get("mem_clients_slaves", 0)))
            peaks["replica"] = max(peaks["replica"],
                                   int(i.get("master_sync_stream_buffered_bytes", 0)))
            peaks["file"] = max(peaks["file"], int(i.get("master_sync_stream_file_bytes", 0)))
            if i.get("master_link_status") == "up" and i.get("master_sync_in_progress") == "0":
                secs = time.monotonic() - t0
                break
            m.check_alive()
            r.check_alive()
            time.sleep(0.05)
    finally:
        burst.kill()
        burst.wait()
    step[0] = "after the sync"
    syncs = int(m.info("stats").get("sync_full", 0))
    same = None
    if secs is not None:
        step[0] = f"replica catching up after the burst (sync took {secs:.1f} s)"
        repl_caught_up(m, [r], timeout=300)
        caught = time.monotonic() - t0
        step[0] = "DEBUG DIGEST"
        # A digest of 1 GB blocks each server for a while on a loaded VM: no
        # replica timeout meanwhile, and a socket timeout to match.
        for s in (m, r):
            s.call("CONFIG", "SET", "repl-timeout", "3600")
        same = slow_call(m, 1800, "DEBUG", "DIGEST") == slow_call(r, 1800, "DEBUG", "DIGEST")
        secs = (secs, caught)
    return syncs, secs, same, peaks


def section_fullsync(ctx, tls=False):
    """Full sync of a new replica under a SET -P 16 1 KB burst, with
    client-output-buffer-limit replica 64mb 16mb 10: full syncs the master
    started and seconds to the link up (castor's split sync vs Redis 7.0)."""
    ctx.stop_servers()
    certs = tls_certs(ctx) if tls else None
    section = "fullsync-tls" if tls else "fullsync"
    count = 100000 if ctx.quick else 1000000     # x 1 KB: 100 MB quick, 1 GB in full
    timeout = 60 if ctx.quick else 360
    live: List[Server] = []
    res, err = {}, {}
    for who in ("castor", "redis"):
        try:
            res[who] = fullsync_once(ctx, who, count, "64mb 16mb 10", timeout, live, certs)
        except (BenchError, OSError) as e:
            err[who] = repl_error(e)
        finally:
            for s in reversed(list(live)):
                repl_stop(ctx, s, live)
    tag = f"{count * 1024 // 1000000} MB" + (" TLS" if tls else "")
    note = "; ".join(f"{k}: {v}" for k, v in sorted(err.items()))
    label = lambda t: f"{t:<38}"     # noqa: E731
    get = lambda w, i: res[w][i] if w in res else None   # noqa: E731
    unfinished = [w for w in res if res[w][1] is None]
    ctx.figure(section, label(f"FULLSYNC under burst {tag}: syncs"), "count",
               get("castor", 0), get("redis", 0), "8.0f",
               note or (f"full syncs started in {timeout} s; never finished: "
                        f"{', '.join(unfinished) or 'none'}; digests equal: "
                        f"{', '.join(w for w in res if res[w][2]) or 'none'}"))
    up = lambda w: res[w][1][0] if w in res and res[w][1] else None    # noqa: E731
    caught = lambda w: res[w][1][1] if w in res and res[w][1] else None    # noqa: E731
    ctx.figure(section, label(f"FULLSYNC under burst {tag}: time"), "s",
               up("castor"), up("redis"), "8.2f",
               note or f"REPLICAOF to link up (n/a: not within {timeout} s); to caught up "
                       f"after the burst stopped: castor {caught('castor') or 0:.1f} s, redis "
                       f"{caught('redis') or 0:.1f} s")
    peak = lambda w, k: res[w][3][k] / 1e6 if w in res else None    # noqa: E731
    ctx.figure(section, label(f"FULLSYNC under burst {tag}: master MB"), "MB",
               peak("castor", "master"), peak("redis", "master"), "8.1f",
               note or "peak stream the master held for its replicas during the sync "
                       "(mem_clients_slaves); castor's replica buffered up to "
                       f"{peak('castor', 'replica') or 0:.0f} MB itself "
                       f"({peak('castor', 'file') or 0:.0f} MB of it in its file)")


def section_fullsync_tls(ctx):
    """The fullsync section with both servers replicating over TLS
    (tls-replication; castor's stream link is a TLS link too)."""
    section_fullsync(ctx, tls=True)


class AckDriver:
    """'conns' connections, each sending 'pipeline' requests per round trip
    for 'seconds'; a request is SET (and WAIT 1 1000 when wait=True).
    Returns requests per second. One thread, selectors: the same driver for
    every configuration, so ratios compare the servers."""

    def __init__(self, port, pipeline, wait, conns=8):
        self.port, self.pipeline, self.wait, self.conns = port, pipeline, wait, conns

    def run(self, seconds):
        sel = selectors.DefaultSelector()
        req = b"*3\r\n$3\r\nSET\r\n$6\r\nkey:%02d\r\n$3\r\nval\r\n"
        waitcmd = b"*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$4\r\n1000\r\n"
        per = 2 if self.wait else 1
        socks = []
        for i in range(self.conns):
            s = socket.create_connection(("127.0.0.1", self.port))
            s.setblocking(False)
            batch = b"".join(req % i + (waitcmd if self.wait else b"")
                             for _ in range(self.pipeline))
            st = {"sock": s, "batch": batch, "want": self.pipeline * per, "got": 0, "buf": b""}
            socks.append(st)
            s.sendall(batch)
            sel.register(s, selectors.EVENT_READ, st)
        done = 0
        end = time.monotonic() + seconds
        t0 = time.monotonic()
        while time.monotonic() < end:
            for key, _ in sel.select(timeout=1.0):
                st = key.data
                data = st["sock"].recv(1 << 16)
                if not data:
                    raise BenchError("connection closed by the server")
                st["got"] += data.count(b"\r\n")
                if b"-" in data[:1] or b"\r\n-" in data:
                    raise BenchError("error reply: " + data[:120].decode("utf-8", "replace"))
                if st["got"] >= st["want"]:
                    done += self.pipeline
                    st["got"] -= st["want"]
                    st["sock"].sendall(st["batch"])
        wall = time.monotonic() - t0
        for st in socks:
            st["sock"].close()
        return done / wall


def durable_once(ctx, who, mode, pipeline, seconds, live):
    """(ops/s, master CPU us per request) for SET with one replica:
    mode 'ack' (castor's min-replicas-to-ack 1), 'off', 'wait' (WAIT 1)."""
    m = repl_spawn(ctx, who, live)
    r = repl_spawn(ctx, who, live)
    r.call("REPLICAOF", "127.0.0.1", m.port)
    repl_wait_up(m, r, time.monotonic(), 60)
    if mode == "ack":
        m.call("CONFIG", "SET", "min-replicas-to-ack", "1")
    cpu0 = m.cpu_ns()
    t0 = time.monotonic()
    ops = AckDriver(m.port, pipeline, mode == "wait").run(seconds)
    wall = time.monotonic() - t0
    cpu = (m.cpu_ns() - cpu0) / 1000.0 / max(ops * wall, 1)
    return ops, cpu


def section_durable(ctx):
    """SET with one replica: castor with min-replicas-to-ack 1, castor
    without, redis-server with WAIT 1 after each SET and without it; ops/s
    and master CPU per request at P1 and P16 (one Python driver, 8
    connections)."""
    ctx.stop_servers()
    seconds = 3 if ctx.quick else 10
    label = lambda t: f"{t:<38}"     # noqa: E731
    runs = (("castor", "ack"), ("castor", "off"), ("redis", "wait"), ("redis", "off"))
    for pipeline in (1, 16):
        res, err = {}, {}
        for who, mode in runs:
            live: List[Server] = []
            try:
                res[(who, mode)] = durable_once(ctx, who, mode, pipeline, seconds, live)
            except (BenchError, OSError) as e:
                err[f"{who} {mode}"] = repl_error(e)
            finally:
                for s in reversed(list(live)):
                    repl_stop(ctx, s, live)
        note = "; ".join(f"{k}: {v}" for k, v in sorted(err.items()))
        g = lambda w, m, i: res[(w, m)][i] if (w, m) in res else None    # noqa: E731
        pairs = (("ack", "wait", "ack vs redis WAIT", "ack vs WAIT",
                  "castor min-replicas-to-ack 1 vs redis SET+WAIT 1 1000",
                  "master CPU per request (a SET; with WAIT, SET+WAIT)"),
                 ("off", "off", "both off", "both off", "SET with one replica, no mode, no WAIT",
                  "master CPU per request"))
        for cm, rm, ops_tag, cpu_tag, ops_note, cpu_note in pairs:
            ctx.figure("durable", label(f"DURABLE SET P{pipeline} ops ({ops_tag})"), "ops/s",
                       g("castor", cm, 0), g("redis", rm, 0), "10.0f", note or ops_note)
            ctx.figure("durable", label(f"DURABLE SET P{pipeline} cpu/req ({cpu_tag})"), "us",
                       g("castor", cm, 1), g("redis", rm, 1), "8.2f", note or cpu_note)


def section_jepsen(ctx):
    """tests/interop/test_jepsen.py's counting runs (3 redis-sentinel, a master
    and 2 replicas, kill -9 / SIGSTOP / CLIENT KILL rounds, and network
    partitions when the machine allows a private network namespace):
    acknowledged writes lost by castor with min-replicas-to-ack 1, castor
    without (OK = ack) and redis-server with WAIT 1 after each write."""
    ctx.stop_servers()
    sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
    import jepsen   # noqa: E402  (tests/lib: the same namespace check as the test)
    netns_why = jepsen.netns_unavailable()
    rounds = (4 if ctx.quick else 12) if netns_why is None else (3 if ctx.quick else 9)
    env = dict(os.environ, CASTOR_SERVER=ctx.castor_bin, REDIS_SERVER=ctx.redis_bin,
               CASTOR_JEPSEN_ALL="1", CASTOR_JEPSEN_ROUNDS=str(rounds))
    cmd = ["/usr/bin/python3", "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
           "--basetemp", os.path.join(ctx.workdir, "jepsen"),
           os.path.join(ROOT, "tests", "interop", "test_jepsen.py"), "-k", "count_losses"]
    t0 = time.monotonic()
    if netns_why is None:
        out = jepsen.run_in_netns(cmd, env, timeout=2400).stdout
    else:
        print(f"# jepsen: no partition rounds ({netns_why})")
        out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True,
                             timeout=1800).stdout
    lines = {}
    for l in out.splitlines():
        if l.startswith("JEPSEN "):
            kv = dict(x.split("=", 1) for x in l.split()[1:])
            lines[(kv["kind"], kv["mode"])] = kv
    label = lambda t: f"{t:<38}"     # noqa: E731
    g = lambda k, m, f: int(lines[(k, m)][f]) if (k, m) in lines else None  # noqa: E731

    def by_fault(k, m):
        """'kill9 0, sigstop 89, ...': acknowledged writes lost per fault
        kind (the JEPSEN line's faults= holds running totals per round)."""
        if (k, m) not in lines:
            return "n/a"
        lost, prev = {}, 0
        for r in lines[(k, m)]["faults"].split(","):
            fault, counts = r.split(":")
            total = int(counts.split("/")[0])
            lost[fault] = lost.get(fault, 0) + total - prev
            prev = total
        return ", ".join(f"{f} {n}" for f, n in lost.items())

    secs = time.monotonic() - t0
    where = " (partitions too)" if netns_why is None else ""
    for mode in ("ack", "async"):
        ctx.figure("jepsen", label(f"JEPSEN castor {mode} vs redis WAIT 1: lost"), "count",
                   g("castor", mode, "lost_acked"), g("redis", "wait", "lost_acked"), "8.0f",
                   f"{rounds} rounds{where}; acked: castor {g('castor', mode, 'acked')}, redis "
                   f"{g('redis', 'wait', 'acked')}; lost per fault: castor {mode}: "
                   f"{by_fault('castor', mode)}; redis WAIT 1: {by_fault('redis', 'wait')}; "
                   f"{secs:.0f} s")
    ctx.figure("jepsen", label("JEPSEN castor WAIT 1 vs redis WAIT 1: lost"), "count",
               g("castor", "wait", "lost_acked"), g("redis", "wait", "lost_acked"), "8.0f",
               f"acked: castor {g('castor', 'wait', 'acked')}, redis {g('redis', 'wait', 'acked')}; "
               f"lost per fault: castor {by_fault('castor', 'wait')}; redis "
               f"{by_fault('redis', 'wait')}. WAIT's losses are Redis's own: a SIGSTOPped "
               f"master resumes as master, its other replica (not yet told of the promotion) "
               f"acknowledges new writes, then Sentinel points it at the new master and a "
               f"full sync drops them (bench/README.md)")


# ---- cluster -----------------------------------------------------------------

CL_NODE_TIMEOUT_MS = 2000
CL_RESHARD_SLOTS = 1000
CL_CLI = "/usr/bin/redis-cli"
_cl_ids = itertools.count(1)


def cl_crc16(data: bytes):
    """Redis Cluster's key hash: CRC16-CCITT (XMODEM), as in the cluster spec."""
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def cl_slot_tags(nslots):
    """A hash tag for each of slots 0..nslots-1."""
    tags, i = {}, 0
    while len(tags) < nslots:
        t = b"t%d" % i
        slot = cl_crc16(t) & 16383
        if slot < nslots and slot not in tags:
            tags[slot] = t
        i += 1
    return [tags[s] for s in range(nslots)]


def cl_load(count, nslots, chunk=10000):
    """RESP for count SETs whose keys fall evenly into slots 0..nslots-1."""
    tags = cl_slot_tags(nslots)
    out = []
    for base in range(0, count, chunk):
        cmds = []
        for i in range(base, min(base + chunk, count)):
            key = b"{%s}:%d" % (tags[i % nslots], i)
            cmds.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\nval:%012d\r\n" % (len(key), key, i))
        out.append((len(cmds), b"".join(cmds)))
    return out


def cl_free_port(taken):
    """A free port whose cluster bus port (+10000) is free too."""
    while True:
        port = free_port(taken)
        if port + 10000 > 65535 or port + 10000 in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


def cl_spawn(ctx, who, live):
    """Six nodes of one kind (cluster mode, node timeout 2 s) on the server cpu."""
    binary, extra = ((ctx.castor_bin, ctx.args.castor_args) if who == "castor"
                     else (ctx.redis_bin, ctx.args.redis_args))
    nodes = []
    for _ in range(6):
        last = None
        for _ in range(3):          # a port grabbed by someone else: try another
            taken = {s.port for s in list(ctx.servers.values()) + live}
            taken |= {p + 10000 for p in taken}
            srv = Server(f"cl{next(_cl_ids)}-{who}", binary, ctx.workdir, cl_free_port(taken),
                         ctx.server_cpu, extra + ["--cluster-enabled", "yes",
                                                  "--cluster-node-timeout",
                                                  str(CL_NODE_TIMEOUT_MS)])
            live.append(srv)
            try:
                srv.start()
                break
            except BenchError as e:
                repl_stop(ctx, srv, live)
                last = e
        else:
            raise last
        nodes.append(srv)
    return nodes


def cl_cli(ctx, *args, timeout=600):
    cpu = ctx.bench_cpu

    def pre():
        die_with_parent()
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
    out = subprocess.run([CL_CLI, "--cluster"] + [str(a) for a in args], capture_output=True,
                         text=True, timeout=timeout, preexec_fn=pre, stdin=subprocess.DEVNULL)
    if out.returncode != 0:
        raise BenchError(f"redis-cli --cluster {args[0]}: exit {out.returncode}: "
                         + (out.stdout + out.stderr).strip()[-300:])
    return out.stdout


def cl_wait(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cond():
                return
        except (BenchError, OSError):
            pass
        time.sleep(0.02)
    raise BenchError(f"timed out waiting for {what}")


def cl_state_ok(nodes):
    return all("cluster_state:ok" in n.call("CLUSTER", "INFO") for n in nodes)


def cl_myself(n):
    """(id, role, master id, slots) of n from its CLUSTER NODES."""
    line = [l for l in n.call("CLUSTER", "NODES").splitlines() if "myself" in l][0].split()
    return line[0], ("master" if "master" in line[2] else "slave"), line[3], line[8:]


def cl_bench(ctx, nodes, test, n):
    """redis-benchmark --cluster -t test at P16: (ops/s, us of CPU per request
    summed over the six nodes: masters serving, replicas applying SETs)."""
    cmd = [ctx.bench_bin, "--cluster", "-h", "127.0.0.1", "-p", str(nodes[0].port),
           "-c", str(CLIENTS), "-n", str(n), "-P", "16", "-d", "16", "-r", str(KEYSPACE),
           "-t", test, "--csv"]
    cpu = ctx.bench_cpu

    def pre():
        die_with_parent()
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
    t0 = sum(s.cpu_ns() for s in nodes)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=BENCH_TIMEOUT_S,
                         preexec_fn=pre)
    t1 = sum(s.cpu_ns() for s in nodes)
    errs = [l for l in (out.stderr + out.stdout).splitlines() if "rror" in l]
    if out.returncode != 0 or errs:
        raise BenchError(f"redis-benchmark --cluster -t {test}: exit {out.returncode}: "
                         + (errs[0] if errs else out.stderr.strip()[:200]))
    ops = None
    for row in csv.reader(io.StringIO(out.stdout)):
        if row and row[0] != "test" and len(row) > 1:
            ops = float(row[1])
    if ops is None:
        raise BenchError(f"no CSV result from redis-benchmark --cluster -t {test}")
    return ops, (t1 - t0) / 1e3 / n


def cluster_once(ctx, who, load, nkeys, live):
    """One 3-master, 3-replica cluster of one kind: GET/SET P16 through
    redis-benchmark --cluster, reshard of slots 0..999 holding nkeys keys,
    then kill -9 of a master to the first SET its promoted replica takes."""
    res = {}
    nodes = cl_spawn(ctx, who, live)
    cl_cli(ctx, "create", *[f"127.0.0.1:{n.port}" for n in nodes], "--cluster-replicas", 1,
           "--cluster-yes", timeout=120)
    cl_wait(lambda: cl_state_ok(nodes), 60, f"{who} cluster_state:ok")
    # Replicas fully synced before timing (a sync would be billed as CPU).
    cl_wait(lambda: all(n.info("replication").get("master_link_status") == "up"
                        for n in nodes if cl_myself(n)[1] == "slave"), 60, "replicas in sync")
    n = 100000 if ctx.quick else 1000000
    res["cell_err"] = {}
    for test in ("set", "get"):
        res[test], e = cl_bench_cell(ctx, nodes, test, n, who)
        if e:
            res["cell_err"][test] = e
    for s in nodes:
        if cl_myself(s)[1] == "master":
            s.call("FLUSHALL")
    # Reshard: slots 0..999 (all on the master of slot 0) to the next master.
    src = next(s for s in nodes if cl_myself(s)[1] == "master" and
               any(r.split("-")[0] == "0" for r in cl_myself(s)[3]))
    dst = next(s for s in nodes if cl_myself(s)[1] == "master" and s is not src)
    pipe_load(src, load)
    if src.call("DBSIZE") != nkeys:
        raise BenchError(f"{who}: {src.call('DBSIZE')} keys loaded, not {nkeys}")
    cl_wait(lambda: all(s.info("replication").get("master_link_status") == "up"
                        for s in nodes if cl_myself(s)[1] == "slave"), 60, "replicas in sync")
    c0 = sum(s.cpu_ns() for s in nodes)
    t0 = time.monotonic()
    cl_cli(ctx, "reshard", f"127.0.0.1:{src.port}", "--cluster-from", cl_myself(src)[0],
           "--cluster-to", cl_myself(dst)[0], "--cluster-slots", CL_RESHARD_SLOTS,
           "--cluster-yes", timeout=900)
    res["reshard_s"] = time.monotonic() - t0
    res["reshard_cpu"] = (sum(s.cpu_ns() for s in nodes) - c0) / 1e3 / nkeys
    moved = dst.call("DBSIZE")
    if moved != nkeys or src.call("DBSIZE") != 0:
        raise BenchError(f"{who}: reshard left {src.call('DBSIZE')} keys behind, "
                         f"{moved} on the target")
    res["reshard"] = nkeys / res["reshard_s"]
    # Failover: kill -9 the other master; SET on its replica until +OK.
    victim = next(s for s in nodes if cl_myself(s)[1] == "master" and s not in (src, dst))
    vid = cl_myself(victim)[0]
    replica = next(s for s in nodes if cl_myself(s)[1] == "slave" and cl_myself(s)[2] == vid)
    ranges = [tuple(map(int, (r.split("-") * 2)[:2] if "-" not in r else r.split("-")))
              for r in cl_myself(victim)[3]]
    tag = next(t for t in (b"f%d" % i for i in itertools.count())
               if any(lo <= (cl_crc16(t) & 16383) <= hi for lo, hi in ranges)).decode()
    key = "{%s}fo" % tag
    writer = Conn(f"{who}-writer", replica.port, timeout=2.0)
    t0 = time.monotonic()
    victim.proc.kill()
    victim.proc.wait()
    deadline = t0 + 60
    while True:
        try:
            if writer.call("SET", key, "1") == "OK":
                break
        except BenchError:          # MOVED while a replica, CLUSTERDOWN while failing
            pass
        except OSError:
            writer.close_conn()
        if time.monotonic() > deadline:
            raise BenchError(f"{who}: no write accepted 60 s after the kill")
        time.sleep(0.005)
    res["failover_s"] = time.monotonic() - t0
    writer.close_conn()
    return res


def cl_bench_cell(ctx, nodes, test, n, who):
    """The best of ctx.min_reps runs of cl_bench, a failed or timed-out run
    retried once: ((ops/s, us/req), None), or (None, why) when no run gave a
    figure (the cell is reported failed, the section's other figures stay)."""
    best, why, retried, done = None, None, False, 0
    while done < ctx.min_reps:
        try:
            r = cl_bench(ctx, nodes, test, n)
        except (BenchError, OSError, subprocess.TimeoutExpired) as e:
            why = (str(e).splitlines() or ["?"])[0][:200]
            print(f"# cluster {who} {test}: {why}" + ("" if retried else " (retrying once)"),
                  flush=True)
            if retried:
                break
            retried = True
            continue
        done += 1
        if best is None or r[0] > best[0]:
            best = r
    return best, (None if best else why)


def section_cluster(ctx):
    """3 masters + 3 replicas of each kind, node timeout 2 s: GET/SET P16
    through redis-benchmark --cluster (ops/s, CPU per request of all six),
    keys/s moved by redis-cli --cluster reshard of 1000 slots holding 1M keys
    (100k with --quick), and kill -9 of a master to the first write on its slots."""
    ctx.stop_servers()          # only this section's processes run meanwhile
    nkeys = 100000 if ctx.quick else 1000000
    load = cl_load(nkeys, CL_RESHARD_SLOTS)
    res, err = {}, {}
    for who in ("castor", "redis"):
        live: List[Server] = []
        try:
            res[who] = cluster_once(ctx, who, load, nkeys, live)
        except (BenchError, OSError, subprocess.TimeoutExpired) as e:
            err[who] = (str(e).splitlines() or ["?"])[0][:200]
            print(f"# cluster {who}: {e}", flush=True)
        finally:
            for s in reversed(list(live)):
                repl_stop(ctx, s, live)
    note = "; ".join(f"{k}: {v}" for k, v in sorted(err.items()))
    g = lambda who, k, i=None: (None if who not in res or res[who][k] is None else  # noqa: E731
                                res[who][k] if i is None else res[who][k][i])

    def cl_note(test, default):
        """A failed redis-benchmark cell says why; the others keep their note."""
        why = "; ".join(f"{who}: {res[who]['cell_err'][test]}" for who in sorted(res)
                        if test in res[who]["cell_err"])
        return "; ".join(x for x in (note, why) if x) or default
    label = lambda t: f"{t:<30}"     # noqa: E731
    for test in ("set", "get"):
        ctx.figure("cluster", label(f"CLUSTER {test.upper()} P16"), "ops/s",
                   g("castor", test, 0), g("redis", test, 0), "10.0f",
                   cl_note(test, "redis-benchmark --cluster, 50 clients, 3 masters on one cpu"))
    for test in ("set", "get"):
        ctx.figure("cluster", label(f"CLUSTER CPU {test.upper()} P16"), "us/req",
                   g("castor", test, 1), g("redis", test, 1), "8.3f",
                   cl_note(test, "CPU of all six nodes (masters and replicas) per request"))
    ctx.figure("cluster", label("CLUSTER reshard 1000 slots"), "keys/s",
               g("castor", "reshard"), g("redis", "reshard"), "10.0f",
               note or f"{nkeys} keys moved by redis-cli --cluster reshard (pipeline 10); "
                       f"castor {g('castor', 'reshard_s') or 0:.1f} s, "
                       f"redis {g('redis', 'reshard_s') or 0:.1f} s")
    ctx.figure("cluster", label("CLUSTER CPU reshard"), "us/key",
               g("castor", "reshard_cpu"), g("redis", "reshard_cpu"), "8.2f",
               note or "CPU of all six nodes during the reshard, per key moved")
    ctx.figure("cluster", label("CLUSTER failover kill to write"), "s",
               g("castor", "failover_s"), g("redis", "failover_s"), "8.2f",
               note or f"kill -9 of a master to the first SET +OK from its replica, "
                       f"cluster-node-timeout {CL_NODE_TIMEOUT_MS}")


SECTIONS = [
    Section("throughput", section_throughput, True, section_throughput.__doc__),
    Section("cpu", section_cpu, True, section_cpu.__doc__),
    Section("memory", section_memory, True, section_memory.__doc__),
    Section("collections", section_collections, True, section_collections.__doc__),
    Section("scripting", section_scripting, True, section_scripting.__doc__),
    Section("collmem", section_collmem, True, section_collmem.__doc__),
    Section("bigcoll", section_bigcoll, True, section_bigcoll.__doc__),
    Section("hll", section_hll, True, section_hll.__doc__),
    Section("geo", section_geo, True, section_geo.__doc__),
    Section("streams", section_streams, True, section_streams.__doc__),
    Section("pubsub", section_pubsub, True, section_pubsub.__doc__),
    Section("eviction", section_eviction, True, section_eviction.__doc__),
    Section("persistence", section_persistence, True, section_persistence.__doc__),
    Section("aof", section_aof, True, section_aof.__doc__),
    Section("replication", section_replication, True, section_replication.__doc__),
    Section("failover", section_failover, True, section_failover.__doc__),
    Section("tls", section_tls, True, section_tls.__doc__),
    Section("acl", section_acl, True, section_acl.__doc__),


    Section("fullsync", section_fullsync, False, section_fullsync.__doc__),
    Section("fullsync-tls", section_fullsync_tls, False, section_fullsync_tls.__doc__),
    Section("durable", section_durable, True, section_durable.__doc__),
    Section("jepsen", section_jepsen, False, section_jepsen.__doc__),
    Section("cluster", section_cluster, False, section_cluster.__doc__),
]


# ---- Main -------------------------------------------------------------------

def parse_args(argv):
    names = [s.name for s in SECTIONS]
    p = argparse.ArgumentParser(
        description="Benchmark castor against redis-server side by side; prints ratios "
                    "castor/redis. Env: CASTOR_SERVER (default build/castor-server), "
                    "REDIS_SERVER, REDIS_BENCHMARK, REDIS_SENTINEL.",
        epilog="sections: " + "; ".join(
            f"{s.name}{'' if s.default else ' (off by default)'}: {s.help}" for s in SECTIONS))
    p.add_argument("--quick", action="store_true",
                   help="smoke test: -n/10, one repetition, 100k keys for memory")
    p.add_argument("--only", action="append", default=[], metavar="SECTION[,SECTION]",
                   help=f"run only these sections ({', '.join(names)})")
    p.add_argument("--with", dest="with_", action="append", default=[], metavar="SECTION",
                   help="also run a section that is off by default")
    p.add_argument("--reps", type=int, default=0,
                   help="least runs per server per cell, best one kept (default 3, quick 1)")
    p.add_argument("--max-reps", type=int, default=0,
                   help=f"most runs per server per cell while the two best differ by more "
                        f"than {STABLE_PCT}%% (default 5, quick 1)")
    p.add_argument("--budget", type=float, default=180, metavar="SECONDS",
                   help="no runs beyond --reps once the bench has run this long (default 180)")
    p.add_argument("--no-pin", action="store_true",
                   help="do not pin servers and redis-benchmark to separate CPUs")
    p.add_argument("--json", metavar="FILE", help="also write every figure to FILE as JSON")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (server logs)")
    p.add_argument("--castor-args", action="append", default=[], metavar="'ARGS'",
                   help="extra arguments for castor-server only, shell-quoted "
                        "(e.g. --castor-args='--io-threads 2')")
    p.add_argument("--redis-args", action="append", default=[], metavar="'ARGS'",
                   help="extra arguments for redis-server only, shell-quoted")
    args = p.parse_args(argv)
    args.castor_args = [a for x in args.castor_args for a in shlex.split(x)]
    args.redis_args = [a for x in args.redis_args for a in shlex.split(x)]

    def split(vals):
        return [v for x in vals for v in x.split(",") if v]
    only, extra = split(args.only), split(args.with_)
    for n in only + extra:
        if n not in names:
            p.error(f"unknown section {n!r} (have: {', '.join(names)})")
    if only:
        args.sections = [s for s in SECTIONS if s.name in only]
    else:
        args.sections = [s for s in SECTIONS if s.default or s.name in extra]
    return args


def print_header(ctx):
    castor, _ = ctx.pair()
    try:
        ci = castor.info("server")
    except (BenchError, OSError):
        ci = {}
    print("# castor bench " + time.strftime("%Y-%m-%d %H:%M:%S"))
    print(f"# castor: {ctx.castor_bin}: {binary_version(ctx.castor_bin)}"
          f" (INFO redis_version {ci.get('redis_version', '?')})")
    print(f"# redis:  {ctx.redis_bin}: {binary_version(ctx.redis_bin)}")
    print(f"# load:   {binary_version(ctx.bench_bin)}, {CLIENTS} clients, -r {KEYSPACE}, "
          f"best of {ctx.min_reps}-{ctx.max_reps} runs, castor/redis alternating ABBA"
          f"{', quick' if ctx.quick else ''}")
    pin = (f"servers on cpu {ctx.server_cpu}, redis-benchmark on cpu {ctx.bench_cpu}"
           if ctx.pin else "no cpu pinning")
    print(f"# host:   {platform.node()}, {os.cpu_count()} cpus, Linux {platform.release()}, {pin}, "
          f"loadavg {os.getloadavg()[0]:.2f} (other work on the host skews ops/s)")
    print("# ratio = castor/redis; ops/s higher is better, us/req and B/key lower is better")
    print(f"# sections: {', '.join(s.name for s in ctx.args.sections)}", flush=True)


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def main(argv):
    args = parse_args(argv)
    binaries = [(os.environ.get("CASTOR_SERVER", CASTOR_DEFAULT), "castor-server"),
                (os.environ.get("REDIS_SERVER", REDIS_DEFAULT), "redis-server"),
                (os.environ.get("REDIS_BENCHMARK", BENCH_DEFAULT), "redis-benchmark")]
    if any(s.name == "failover" for s in args.sections):
        binaries.append((os.environ.get("REDIS_SENTINEL", SENTINEL_DEFAULT), "redis-sentinel"))
    for path, what in binaries:
        if not os.access(path, os.X_OK):
            print(f"bench: {what} not found at {path} (build first, or set the env var)",
                  file=sys.stderr)
            return 2

    ctx = Context(args)
    atexit.register(ctx.cleanup)

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)      # unwinds through finally: servers stop
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    t0 = time.monotonic()
    if ctx.pin:     # our own client work (memory load) stays off the servers' cpu
        os.sched_setaffinity(0, {ctx.bench_cpu})
    try:
        ctx.start_servers()
        print_header(ctx)
        for sec in args.sections:
            print(f"\n== {sec.name}: {sec.help}", flush=True)
            t = time.monotonic()
            try:
                sec.func(ctx)
            except (BenchError, OSError) as e:
                ctx.failed = True
                print(f"SECTION {sec.name} FAILED: {e}", flush=True)
            except Exception as e:          # a bug in one section must not hide the others
                ctx.failed = True
                print(f"SECTION {sec.name} FAILED: {type(e).__name__}: {e}", flush=True)
                traceback.print_exc()
            if any(s.proc is None or s.proc.poll() is not None for s in ctx.servers.values()):
                ctx.stop_servers()      # a server died: the next section starts a fresh pair
            print(f"# {sec.name} took {time.monotonic() - t:.1f} s", flush=True)
        print("\n== summary: geometric mean of ratios castor/redis, per section and unit")
        for name in [s.name for s in args.sections]:
            units = []
            for f in ctx.figures:
                if f["section"] == name and f["unit"] not in units:
                    units.append(f["unit"])
            for unit in units:
                figs = [f for f in ctx.figures if f["section"] == name and f["unit"] == unit]
                rs = [f["ratio"] for f in figs if f["ratio"]]
                g = f"{geomean(rs):5.2f}" if rs else "  n/a"
                na = len(figs) - len(rs)
                noisy = sum(1 for f in figs if f["noisy"])
                print(f"SUMMARY {name:<12} {unit:<8}  geomean ratio {g}  ({len(rs)} figures"
                      + (f", {na} n/a" if na else "") + (f", {noisy} noisy" if noisy else "")
                      + ")")
        print(f"# total {time.monotonic() - t0:.1f} s, loadavg {os.getloadavg()[0]:.2f}", flush=True)
        if args.json:
            with open(args.json, "w") as f:
                runs = {name: [{"test": c.test, "pipeline": c.pipeline, "size": c.size,
                                "n": c.n, "errors": c.error, "noisy": c.noisy,
                                "runs": {who: [vars(r) for r in rs] for who, rs in c.runs.items()}}
                               for c in cells]
                        for name, cells in ctx.suites.items()}
                json.dump({"figures": ctx.figures, "runs": runs, "quick": ctx.quick,
                           "reps": [ctx.min_reps, ctx.max_reps], "failed": ctx.failed}, f, indent=1)
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        ctx.failed = True
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        ctx.cleanup()
    return 1 if ctx.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
