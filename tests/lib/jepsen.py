"""jepsen.py -- a bounded Jepsen-style run on loopback, under Debian's
redis-sentinel: do acknowledged writes survive failovers?
(tests/interop/test_jepsen.py in make test, bench/bench.py section
`jepsen` for the longer runs and the comparison with redis-server).

    run(start_server, make_sentinels, kind, mode, rounds, ...) -> Result

A master and two replicas (castor or redis-server), three sentinels
(sentineltest.SentinelGroup), CLIENTS writer threads, each writing unique
keys j<t>:<n> through Sentinel.master_for and recording which writes were
acknowledged:

    mode "ack"   castor's durability mode (min-replicas-to-ack 1): the OK
                 reply of the SET is the acknowledgement
    mode "wait"  SET, then WAIT 1 <ms> on the same connection: acknowledged
                 when WAIT returned >= 1 (what careful Redis users do).
                 Redis's WAIT counts replicas that acknowledged the
                 connection's own last write, so each writer keeps one
                 connection and a WAIT on any other (after a reconnection)
                 acknowledges nothing
    mode "async" the OK reply of the SET, nothing else (plain replication)

Faults, one per round, in turn: kill -9 of the master (restarted after the
promotion: sentinel makes it a replica), SIGSTOP of the master for twice
down-after-milliseconds then SIGCONT (the old master comes back believing
it is still the master), CLIENT KILL TYPE replica on the master (every
replica link cut), and, inside a private network namespace only, a network
partition: the master is cut from its replicas and the sentinels (nftables
rules drop 127.0.0.1:<port> both ways) while the writers, which reach every
server at 127.0.0.2, keep writing to it; healed once a replica was
promoted. After each round, once the group settled, the checker reads
every acknowledged key from the current master: the ones missing are lost.

Partitions run only in a network namespace of their own (run_in_netns():
`unshare --net`, its own loopback, so no rule can touch anything outside),
which needs root, unshare, ip and nft (scripts/install-deps.sh test);
netns_unavailable() says why not when the machine does not allow it.

CASTOR_JEPSEN_TRACE=<dir> writes <dir>/<kind>-<mode>-<pid>/trace.json (each
write: time, key, SET's reply, port and connection serial, WAIT's reply,
port and serial, error; the rounds' events with every server's INFO
replication; the lost keys) and copies the servers' and sentinels' logs
there; CASTOR_JEPSEN_FAULTS=kill9,partition picks the faults.

Nothing here sleeps as synchronisation: waits poll with a bound; the fault
durations are the fault itself."""

import itertools
import os
import shutil
import signal
import subprocess
import threading
import time

import redis
import redis.sentinel

import repltest as rt
import sentineltest as st
from castortest import CASTOR_SERVER, REDIS_SERVER, wait_for

CLIENTS = 3
# Bounds, not delays: a loaded 2-core machine makes everything slower. A
# failover attempt Sentinel aborts (failover-timeout) is retried no sooner
# than twice failover-timeout after it began: PROMOTE covers two of them.
SETTLE = 60.0
PROMOTE = st.DOWN_AFTER_MS / 1000.0 + 2 * (2 * st.FAILOVER_TIMEOUT_MS / 1000.0) + 4.0
FAULTS = ("kill9", "sigstop", "kill_replica_links")
NETNS_ENV = "CASTOR_JEPSEN_NETNS"   # the namespace run_in_netns() was called from
CLIENT_HOST = "127.0.0.2"           # writers reach servers here; partitions cut 127.0.0.1
NFT_TABLE = "castor_jepsen"
TRACE_ENV = "CASTOR_JEPSEN_TRACE"   # a directory: run() writes a per-write trace there


def in_netns():
    """True when this process was started by run_in_netns() and really is in
    a network namespace other than init's (never touch the host's rules)."""
    outside = os.environ.get(NETNS_ENV)
    if not outside:
        return False
    try:
        return os.readlink("/proc/self/ns/net") != outside
    except OSError:
        return False


def faults():
    """The fault of each round, in turn (partitions only in a namespace);
    CASTOR_JEPSEN_FAULTS=kind,kind picks some."""
    every = FAULTS + (("partition",) if in_netns() else ())
    picked = os.environ.get("CASTOR_JEPSEN_FAULTS")
    return tuple(f for f in picked.split(",") if f in every) if picked else every


def netns_unavailable():
    """None when this machine lets us run in a private network namespace with
    nftables rules, else the reason why not (for pytest.skip)."""
    if os.geteuid() != 0:
        return "not root: a private network namespace needs CAP_SYS_ADMIN and CAP_NET_ADMIN"
    for tool in ("unshare", "ip", "nft"):
        if shutil.which(tool) is None:
            return "%s is not installed (scripts/install-deps.sh test installs it)" % tool
    probe = subprocess.run(["unshare", "--net", "--", "sh", "-c",
                            "ip link set lo up && nft add table inet %s" % NFT_TABLE],
                           capture_output=True, text=True, timeout=20)
    if probe.returncode != 0:
        return "unshare --net with nftables is not allowed here: %s" % (
            probe.stderr.strip() or "exit %d" % probe.returncode)
    return None


def run_in_netns(argv, env, timeout):
    """Run argv (a list) in a new network namespace whose loopback is up and
    holds 127.0.0.1 and 127.0.0.2 (127/8); returns the CompletedProcess."""
    env = dict(env, **{NETNS_ENV: os.readlink("/proc/self/ns/net")})
    cmd = ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"] + argv
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def _nft(*args):
    assert in_netns(), "nftables rules only inside our own network namespace"
    subprocess.run(["nft"] + list(args), check=True, capture_output=True, timeout=10)


class Partition:
    """For the block: packets to or from 127.0.0.1:<port> are dropped, so the
    server on that port is cut from the replicas and sentinels (who reach it
    there) while the writers (CLIENT_HOST) still reach it."""

    def __init__(self, port):
        self.port = port

    def __enter__(self):
        _nft("add", "table", "inet", NFT_TABLE)
        _nft("add", "chain", "inet", NFT_TABLE, "out",
             "{ type filter hook output priority 0; policy accept; }")
        _nft("add", "rule", "inet", NFT_TABLE, "out", "ip", "daddr", "127.0.0.1", "tcp", "dport",
             str(self.port), "drop")
        _nft("add", "rule", "inet", NFT_TABLE, "out", "ip", "saddr", "127.0.0.1", "tcp", "sport",
             str(self.port), "drop")
        return self

    def __exit__(self, *exc):
        _nft("delete", "table", "inet", NFT_TABLE)


_serials = itertools.count(1)


class _Connection(redis.sentinel.SentinelManagedConnection):
    """A writer's connection to the master Sentinel names. Numbered
    (self.serial, one per connect), so a WAIT is taken only on the
    connection of its SET. In a namespace, it dials CLIENT_HOST instead of
    127.0.0.1 (the path partitions leave open) while self.host stays the
    address Sentinel gave: redis-py's pool owns a connection only when its
    host is the master's address and closes the others when released, so a
    rewritten host made every command a new connection (and WAIT, on a
    connection that never wrote, returned at once: the Redis WAIT 1 losses
    once reported here)."""

    serial = 0

    def connect_to(self, address):
        super().connect_to(address)
        self.serial = next(_serials)

    def _connect(self):
        host = self.host
        if in_netns() and host == "127.0.0.1":
            self.host = CLIENT_HOST
        try:
            return super()._connect()
        finally:
            self.host = host


class Result:
    def __init__(self, kind, mode):
        self.kind, self.mode = kind, mode
        self.rounds = []          # (fault, acked so far, lost so far, seconds)
        self.acked = 0
        self.lost = set()
        self.unacked = 0
        self.errors = 0

    def line(self):
        return ("JEPSEN kind=%s mode=%s rounds=%d acked=%d lost_acked=%d unacked=%d errors=%d "
                "faults=%s" % (self.kind, self.mode, len(self.rounds), self.acked,
                               len(self.lost), self.unacked, self.errors,
                               ",".join("%s:%d/%d" % (r[0], r[2], r[1]) for r in self.rounds)))


class Client(threading.Thread):
    """One writer: SET j<t>:<n> <n> on one connection to the sentinel's
    master (a new one, asked of Sentinel, after an error), and in mode
    "wait" WAIT 1 500 on that same connection: WAIT counts the replicas
    that acknowledged the connection's own last write, so on any other
    connection it says nothing about the SET."""

    def __init__(self, sentinel, tid, mode):
        super().__init__(daemon=True)
        self.r = sentinel.master_for(st.MASTER_NAME, socket_timeout=3, connection_class=_Connection)
        self.tid, self.mode = tid, mode
        self.acked, self.unacked = [], 0
        self.errors = 0
        self.halt = threading.Event()
        self.lock = threading.Lock()
        self.exc = None
        # With CASTOR_JEPSEN_TRACE: [time, key, SET ok, port, connection serial,
        # WAIT reply, port, serial, error] per write.
        self.trace = [] if os.environ.get(TRACE_ENV) else None

    def run(self):
        pool = self.r.connection_pool
        conn = None
        n = 0
        try:
            while not self.halt.is_set():
                key = "j%d:%d" % (self.tid, n)
                n += 1
                rec = [time.monotonic(), key, None, None, None, None, None, None, None]
                try:
                    if conn is None:
                        conn = pool.get_connection("SET")
                    conn.send_command("SET", key, n)
                    ok = conn.read_response() in (b"OK", "OK")
                    rec[2:5] = [ok, conn.port, conn.serial]
                    if ok and self.mode == "wait":
                        serial = conn.serial
                        conn.send_command("WAIT", 1, 500)
                        acks = conn.read_response()
                        rec[5:8] = [acks, conn.port, conn.serial]
                        ok = acks >= 1 and conn.serial == serial
                except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError) as e:
                    ok = False
                    rec[8] = "%s: %s" % (type(e).__name__, e)
                    self.errors += 1
                    if conn is not None and not isinstance(e, redis.ResponseError):
                        conn.disconnect()   # the next command asks Sentinel again
                    self.halt.wait(0.05)  # back-off before retrying
                with self.lock:
                    if self.trace is not None:
                        self.trace.append(rec)
                    if ok:
                        self.acked.append(key)
                    else:
                        self.unacked += 1
        except BaseException as e:  # surfaced by stop()
            self.exc = e
        finally:
            if conn is not None:
                pool.release(conn)

    def stop(self):
        self.halt.set()
        self.join(15)
        assert not self.is_alive(), "writer thread did not stop"
        if self.exc is not None:
            raise self.exc

    def acked_keys(self):
        with self.lock:
            return list(self.acked)


def _role(server):
    try:
        return rt.repl(server).get("role")
    except redis.RedisError:
        return None


def _settled(g, servers):
    """Every sentinel names the same master; it is a master and every
    other server follows it with its link up. Returns the master."""
    try:
        ports = {g.master_addr(i) for i in range(g.n)}
    except redis.RedisError:
        return None
    if len(ports) != 1:
        return None
    port = ports.pop()
    m = next((s for s in servers if s.port == port), None)
    if m is None or _role(m) != "master":
        return None
    for s in servers:
        if s is m or s.proc is None:
            continue
        try:
            i = rt.repl(s)
        except redis.RedisError:
            return None
        if i.get("master_port") != str(port) or i.get("master_link_status") != "up":
            return None
    return m


def wait_settled(g, servers, timeout=SETTLE):
    return wait_for(lambda: _settled(g, servers), timeout, interval=0.1,
                    msg="the group to settle on one master\n" + g.logs())


def _current_master(g, servers):
    port = g.master_addr(0)
    return next(s for s in servers if s.port == port)


def run(start_server, make_sentinels, kind="castor", mode="ack", rounds=3, writes_per_round=150,
        fault_list=None):
    """fault_list: the faults to cycle through (default faults())."""
    fault_list = fault_list or faults()
    assert "partition" not in fault_list or in_netns(), "partitions need run_in_netns()"
    binary = CASTOR_SERVER if kind == "castor" else REDIS_SERVER
    directives = {"repl-diskless-sync-delay": "0"}
    if in_netns():
        directives["bind"] = ["127.0.0.1", CLIENT_HOST]
    if mode == "ack":
        directives.update({"min-replicas-to-ack": "1", "min-replicas-max-lag": "2"})
    config = "# jepsen.py: sentinel's CONFIG REWRITE keeps this file\n"
    servers = [start_server(directives=dict(directives), config=config, binary=binary, name=kind)
               for _ in range(3)]
    m = servers[0]
    for r in servers[1:]:
        rt.replicaof(r, m)
    rt.wait_for_sync(m, *servers[1:])
    g = make_sentinels(m)
    g.wait_monitoring({s.port: None for s in servers[1:]})
    snt = g.py_sentinel()
    res = Result(kind, mode)
    events = []    # (monotonic time, what, detail) for the trace

    def note(what, cut=None, **detail):
        """Trace an event with every server's INFO replication (but the
        one behind a partition, 'cut': its reply would not come)."""
        if os.environ.get(TRACE_ENV):
            detail["servers"] = {s.port: _repl_brief(s) for s in servers
                                 if s.proc is not None and s.port != cut}
            events.append((time.monotonic(), what, detail))

    clients = [Client(snt, t, mode) for t in range(CLIENTS)]
    for c in clients:
        c.start()
    try:
        for rnd in range(rounds):
            fault = fault_list[rnd % len(fault_list)]
            t0 = time.monotonic()
            base = sum(len(c.acked_keys()) for c in clients)
            wait_for(lambda: sum(len(c.acked_keys()) for c in clients) >= base + writes_per_round,
                     SETTLE, interval=0.01, msg="writes acknowledged before the fault")
            master = _current_master(g, servers)
            note("fault", fault=fault, round=rnd, master=master.port)
            if fault == "kill9":
                st.kill9(master)
                g.wait_master_change(master.port, PROMOTE)
                st.restart(master)
            elif fault == "sigstop":
                os.kill(master.pid, signal.SIGSTOP)
                try:
                    # Past down-after: the sentinels promote a replica meanwhile.
                    g.wait_master_change(master.port, PROMOTE)
                finally:
                    os.kill(master.pid, signal.SIGCONT)
                note("resumed", old=master.port, new=g.master_addr(0))
            elif fault == "partition":
                with Partition(master.port):
                    # The writers keep writing to it; the sentinels promote a replica.
                    g.wait_master_change(master.port, PROMOTE)
                    note("promoted", cut=master.port, new=g.master_addr(0))
                note("healed")
            else:
                master.client().execute_command("CLIENT", "KILL", "TYPE", "replica")
            wait_settled(g, servers)
            # Writes go on after the fault before the check.
            base = sum(len(c.acked_keys()) for c in clients)
            wait_for(lambda: sum(len(c.acked_keys()) for c in clients) >= base + 20,
                     SETTLE, interval=0.01, msg="writes acknowledged after the fault")
            now = wait_settled(g, servers)
            keys = [k for c in clients for k in c.acked_keys()]
            lost = set(st.missing(now.client(), keys))
            note("checked", round=rnd, read_from=now.port, lost_now=sorted(lost - res.lost))
            res.lost |= lost
            res.rounds.append((fault, len(keys), len(res.lost), time.monotonic() - t0))
    finally:
        for c in clients:
            c.stop()
    res.acked = sum(len(c.acked_keys()) for c in clients)
    res.unacked = sum(c.unacked for c in clients)
    res.errors = sum(c.errors for c in clients)
    now = wait_settled(g, servers)
    res.lost |= set(st.missing(now.client(), [k for c in clients for k in c.acked_keys()]))
    if os.environ.get(TRACE_ENV):
        _write_trace(os.environ[TRACE_ENV], res, events, clients, servers, g)
    return res


def _repl_brief(server):
    """role, offsets and replica lines of INFO replication (for the trace)."""
    try:
        i = rt.repl(server)
    except redis.RedisError as e:
        return {"error": str(e)}
    keep = ("role", "master_port", "master_link_status", "master_repl_offset",
            "slave_repl_offset", "master_replid", "master_replid2", "second_repl_offset")
    out = {k: i[k] for k in keep if k in i}
    out.update({k: v for k, v in i.items() if k.startswith("slave") and k[5:].isdigit()})
    return out


def _write_trace(where, res, events, clients, servers, g):
    """where/<kind>-<mode>-<pid>/: trace.json (every write: monotonic time,
    key, SET ok, its connection's port and serial, WAIT's reply, port and
    serial, error; the events; the lost keys) and the logs."""
    import json
    d = os.path.join(where, "%s-%s-%d" % (res.kind, res.mode, os.getpid()))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "trace.json"), "w") as f:
        json.dump({"line": res.line(), "lost": sorted(res.lost), "events": events,
                   "writes": [r for c in clients for r in c.trace]}, f)
    for s in servers:
        shutil.copy(s.logfile_path, os.path.join(d, "server-%d.log" % s.port))
    for i, s in enumerate(g.nodes):
        shutil.copy(s.logfile_path, os.path.join(d, "sentinel%d.log" % i))
