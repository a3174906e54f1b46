"""sentineltest.py -- Debian's unmodified redis-sentinel watching castor (or
redis-server) data servers, for tests/interop/test_sentinel.py.

    SentinelGroup(base_dir, master_port, n=3, quorum=2, ...)
        .start()                 n sentinels, each with its own sentinel.conf
                                 in base_dir/sentinelN, on free ports
        .stop()                  SIGTERM each by pid (then SIGKILL)
        .call(i, *args)          a command on sentinel i (str replies)
        .master_addr(i)          SENTINEL get-master-addr-by-name -> port
        .master_state(i)         SENTINEL MASTER as a {field: str} dict
        .replicas(i)             SENTINEL REPLICAS as a list of dicts
        .wait_monitoring(...)    every sentinel knows the master, its
                                 replicas (with their priorities) and the
                                 other sentinels
        .wait_master(port)       every sentinel reports port as the master,
                                 its failover finished
        .event_counts(event)     how often each sentinel logged an event
        .py_sentinel()           a redis.sentinel.Sentinel on all of them
    kill9(server)                SIGKILL a data server on purpose
    restart(server)              start it again on the same port, dir, config
    Writer(client)               a thread writing INCR/SET (+ WAIT) and
                                 recording which writes were acknowledged
    missing(client, keys)        the keys of a list that client lacks

Sentinel's timing is tightened with SENTINEL DEBUG (a Redis 7.0 sentinel
command): INFO every second, hello messages and PINGs every half second;
down-after-milliseconds (1500) and failover-timeout (5000) are per master
in the config file. Nothing here sleeps as synchronisation.
"""

import os
import threading
import time

import pytest
import redis
import redis.sentinel

from castortest import Server, wait_for

SENTINEL_BIN = os.environ.get("REDIS_SENTINEL") or "/usr/bin/redis-sentinel"
MASTER_NAME = "mymaster"
DOWN_AFTER_MS = 1500
FAILOVER_TIMEOUT_MS = 5000
# PINGs every 0.5 s. With down-after equal to the ping period, a sentinel
# can flag a just-promoted master down: after +switch-master it reconnects
# only one ping period after its last attempt on the dead master, and the
# clock of the new link starts at the switch (Redis 7.0 behaviour). A
# second, spurious failover follows, since the other sentinels' "down"
# votes about the old master are still fresh. down-after = 3 ping periods
# leaves a full second for that reconnection.
DEBUG_TIMING = ("info-period", "1000", "publish-period", "500", "ping-period", "500")


@pytest.fixture
def sentinels(start_server, tmp_path):
    """sentinels(master, n=3, quorum=2, ...) -> a started SentinelGroup;
    stopped before the data servers (import it into a test module)."""
    made = []

    def make(master, **kw):
        g = SentinelGroup(tmp_path / ("sentinels%d" % len(made)), master.port, **kw)
        made.append(g)
        return g.start()

    yield make
    for g in made:
        g.stop()


def _pairs(reply):
    """A flat [k1, v1, k2, v2, ...] reply -> {k1: v1, ...}."""
    return dict(zip(reply[0::2], reply[1::2]))


class SentinelGroup:
    def __init__(self, base_dir, master_port, n=3, quorum=2, down_after=DOWN_AFTER_MS,
                 failover_timeout=FAILOVER_TIMEOUT_MS, parallel_syncs=1, name=MASTER_NAME,
                 master_host="127.0.0.1"):
        self.base_dir = str(base_dir)
        self.master_port = master_port
        self.master_host = master_host
        self.n = n
        self.quorum = quorum
        self.down_after = down_after
        self.failover_timeout = failover_timeout
        self.parallel_syncs = parallel_syncs
        self.name = name
        self.nodes = []
        self._clients = {}

    def config_text(self, workdir):
        return "\n".join([
            "bind 127.0.0.1",
            "daemonize no",
            "dir %s" % workdir,
            "logfile %s" % os.path.join(workdir, "sentinel.log"),
            "sentinel resolve-hostnames no",
            "sentinel announce-hostnames no",
            "sentinel monitor %s %s %d %d" % (self.name, self.master_host, self.master_port,
                                              self.quorum),
            "sentinel down-after-milliseconds %s %d" % (self.name, self.down_after),
            "sentinel failover-timeout %s %d" % (self.name, self.failover_timeout),
            "sentinel parallel-syncs %s %d" % (self.name, self.parallel_syncs),
            "",
        ])

    def start(self):
        try:
            for i in range(self.n):
                workdir = os.path.join(self.base_dir, "sentinel%d" % i)
                os.makedirs(workdir, exist_ok=True)
                s = Server(workdir, binary=SENTINEL_BIN, config=self.config_text(workdir),
                           defaults=False, name="sentinel%d" % i)
                s.logfile_path = os.path.join(workdir, "sentinel.log")
                self.nodes.append(s)
                s.start()
                assert self.call(i, "SENTINEL", "DEBUG", *DEBUG_TIMING) == "OK"
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for c in self._clients.values():
            c.close()
        self._clients = {}
        for s in self.nodes:
            s.stop()

    # -- queries

    def client(self, i):
        c = self._clients.get(i)
        if c is None:
            c = redis.Redis(host="127.0.0.1", port=self.nodes[i].port, decode_responses=True,
                            socket_timeout=5)
            self._clients[i] = c
        return c

    def call(self, i, *args):
        return self.client(i).execute_command(*args)

    def addresses(self):
        return [("127.0.0.1", s.port) for s in self.nodes]

    def master_addr(self, i=0):
        """The master's port as sentinel i reports it (get-master-addr-by-name)."""
        host, port = self.call(i, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.name)
        assert host == "127.0.0.1", host
        return int(port)

    def master_state(self, i=0):
        return _pairs(self.call(i, "SENTINEL", "MASTER", self.name))

    def replicas(self, i=0):
        return [_pairs(r) for r in self.call(i, "SENTINEL", "REPLICAS", self.name)]

    def py_sentinel(self, **kw):
        kw.setdefault("socket_timeout", 2)
        return redis.sentinel.Sentinel(self.addresses(), sentinel_kwargs={"socket_timeout": 2},
                                       **kw)

    # -- waits

    def wait_monitoring(self, replicas, timeout=20.0):
        """Wait until every sentinel sees the master up (flags exactly
        'master'), knows the n-1 other sentinels, and lists exactly the
        replicas given as {port: expected slave-priority or None}, each with
        flags 'slave' and master-link-status ok."""
        want = {int(p): prio for p, prio in dict(replicas).items()}
        last = {}

        def ok():
            for i in range(self.n):
                m = self.master_state(i)
                reps = {int(r["port"]): r for r in self.replicas(i)}
                last[i] = (m.get("flags"), m.get("num-other-sentinels"),
                           {p: (r["flags"], r.get("master-link-status"), r.get("slave-priority"))
                            for p, r in reps.items()})
                if m.get("flags") != "master" or int(m["num-other-sentinels"]) != self.n - 1:
                    return False
                if set(reps) != set(want):
                    return False
                for p, prio in want.items():
                    r = reps[p]
                    if r["flags"] != "slave" or r.get("master-link-status") != "ok":
                        return False
                    if prio is not None and int(r["slave-priority"]) != prio:
                        return False
            return True

        try:
            wait_for(ok, timeout, interval=0.05, msg="sentinels monitoring")
        except AssertionError:
            raise AssertionError("sentinels not ready after %.0fs; per sentinel (master flags, "
                                 "other sentinels, {replica port: (flags, link, priority)}): "
                                 "%r\n%s" % (timeout, last, self.logs()))

    def wait_master(self, port, timeout):
        """Wait until every sentinel reports port as the master's address
        (get-master-addr-by-name and SENTINEL MASTER) with no failover in
        progress any more (flags exactly 'master': the leader has finished
        reconfiguring the replicas). Returns the monotonic time it was seen."""
        last = {}

        def ok():
            for i in range(self.n):
                m = self.master_state(i)
                last[i] = (self.master_addr(i), m.get("port"), m.get("flags"))
                if last[i] != (port, str(port), "master"):
                    return False
            return True
        try:
            wait_for(ok, timeout, interval=0.02, msg="sentinels settled on master %d" % port)
        except AssertionError:
            raise AssertionError("sentinels not settled on master port %d after %.0fs: "
                                 "(addr, port, flags) per sentinel %r\n%s"
                                 % (port, timeout, last, self.logs()))
        return time.monotonic()

    def wait_master_change(self, old_port, timeout):
        """Wait until some sentinel reports a master other than old_port;
        returns (new port, monotonic time seen)."""
        found = {}

        def changed():
            for i in range(self.n):
                p = self.master_addr(i)
                if p != old_port:
                    found["port"] = p
                    return True
            return False
        try:
            wait_for(changed, timeout, interval=0.02, msg="a new master")
        except AssertionError:
            raise AssertionError("no sentinel promoted a replica within %.1fs\n%s"
                                 % (timeout, self.logs()))
        return found["port"], time.monotonic()

    def event_counts(self, event):
        """How many times each sentinel logged event (e.g. '+switch-master')."""
        return [sum(1 for line in s.logfile.splitlines() if (" %s " % event) in line)
                for s in self.nodes]

    def logs(self, lines=25):
        out = []
        for s in self.nodes:
            text = s.logfile.splitlines()[-lines:]
            out.append("--- %s (port %s) ---\n%s" % (s.name, s.port, "\n".join(text)))
        return "\n".join(out)


# ---- data servers --------------------------------------------------------------------------

def kill9(server):
    """SIGKILL a data server on purpose. Its Server object forgets the
    process, so the fixture teardown does not report it as a crash;
    restart() brings it back on the same port, dir and config file."""
    server.kill()
    server.proc = None


def restart(server, timeout=20.0):
    """Start a killed server again with the same port, dir and config file
    (no port change, unlike Server.start)."""
    server.spawn()
    server.wait_ready(timeout)
    return server


# ---- a writer ------------------------------------------------------------------------------

class Writer(threading.Thread):
    """Writes through a redis-py client (plain, or Sentinel.master_for)
    until stop(): each round INCR <prefix>:counter and SET <prefix>:<n> <n>;
    every wait_every rounds (1: after every round) a WAIT 1 wait_ms on the
    same connection. The writes since the previous WAIT are 'acked' when WAIT
    returned >= 1, otherwise (WAIT 0, an error, a reconnection, or stop)
    'unacked'. Errors are counted and retried after a short pause; with
    stop_on_readonly a READONLY reply ends the thread (a plain client has
    nowhere else to go).

    Recorded: self.writes = [(key, port, t, counter_value, acked)], in the
    order they were answered OK; t is time.monotonic() of the reply."""

    def __init__(self, client, prefix="w", wait_every=4, wait_ms=200, pause=0.001,
                 stop_on_readonly=False):
        super().__init__(daemon=True)
        self.client = client
        self.prefix = prefix
        self.wait_every = wait_every
        self.wait_ms = wait_ms
        self.pause = pause
        self.stop_on_readonly = stop_on_readonly
        self.writes = []
        self.errors = []
        self.lock = threading.Lock()
        self._halt = threading.Event()
        self.exc = None

    @property
    def counter_key(self):
        return "%s:counter" % self.prefix

    def run(self):
        try:
            self._run()
        except BaseException as e:  # surfaced by stop()
            self.exc = e

    def _flush(self, pending, acked):
        with self.lock:
            for w in pending:
                self.writes.append(w + (acked,))
        pending.clear()

    def _run(self):
        pool = self.client.connection_pool
        conn = pool.get_connection("SET")
        pending = []
        n = 0
        try:
            while not self._halt.is_set():
                try:
                    conn.send_command("INCR", self.counter_key)
                    v = conn.read_response()
                    port = int(conn.port)
                    t = time.monotonic()
                    pending.append((self.counter_key, port, t, v))
                    key = "%s:%d" % (self.prefix, n)
                    conn.send_command("SET", key, n)
                    r = conn.read_response()
                    assert r in (b"OK", "OK"), r
                    pending.append((key, port, time.monotonic(), None))
                    n += 1
                    if n % self.wait_every == 0:
                        conn.send_command("WAIT", 1, self.wait_ms)
                        acks = conn.read_response()
                        self._flush(pending, acks >= 1)
                except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError) as e:
                    self._flush(pending, False)
                    with self.lock:
                        self.errors.append((time.monotonic(), type(e).__name__, str(e)))
                    conn.disconnect()
                    if self.stop_on_readonly and isinstance(e, redis.ReadOnlyError):
                        return
                    self._halt.wait(0.02)   # back-off before retrying
                    continue
                if self.pause:
                    self._halt.wait(self.pause)
            self._flush(pending, False)
        finally:
            pool.release(conn)

    def stop(self, timeout=15.0):
        self._halt.set()
        self.join(timeout)
        assert not self.is_alive(), "writer thread did not stop"
        if self.exc is not None:
            raise self.exc

    # -- what was written

    def snapshot(self):
        with self.lock:
            return list(self.writes)

    def keys(self, acked=None, port=None, ports=None):
        """The SET keys answered OK (filtered by acked / port)."""
        return [w[0] for w in self.snapshot() if w[3] is None
                and (acked is None or w[4] == acked)
                and (port is None or w[1] == port)
                and (ports is None or w[1] in ports)]

    def count(self, port=None, acked=None, after=None):
        return sum(1 for w in self.snapshot() if w[3] is None
                   and (port is None or w[1] == port) and (acked is None or w[4] == acked)
                   and (after is None or w[2] > after))

    def first_ok(self, port, after):
        """monotonic time of the first write answered by port after 'after'."""
        ts = [w[2] for w in self.snapshot() if w[1] == port and w[2] > after]
        return min(ts) if ts else None

    def counter_values(self, port=None, acked=None):
        return [w[3] for w in self.snapshot() if w[3] is not None
                and (port is None or w[1] == port) and (acked is None or w[4] == acked)]

    def wait_writes(self, port, count, after=None, timeout=20.0):
        """Wait until at least count SETs were answered by port (after
        'after', a monotonic time)."""
        def enough():
            if self.exc is not None:
                raise self.exc
            return self.count(port=port, after=after) >= count
        wait_for(enough, timeout, interval=0.01,
                 msg="%d writes answered by port %d (errors: %r)"
                 % (count, port, self.errors[-3:]))

    def wait_acked(self, count, timeout=20.0):
        def enough():
            if self.exc is not None:
                raise self.exc
            return self.count(acked=True) >= count
        wait_for(enough, timeout, interval=0.01,
                 msg="%d acknowledged writes (errors: %r)" % (count, self.errors[-3:]))


def missing(client, keys, chunk=500):
    """The keys of 'keys' that do not exist on client."""
    out = []
    for i in range(0, len(keys), chunk):
        part = keys[i:i + chunk]
        vals = client.mget(part)
        out += [k for k, v in zip(part, vals) if v is None]
    return out
