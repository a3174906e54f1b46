"""A master and two replicas converge to the same data under a randomized
workload of every type while links are cut, replicas die and restart, the
backlog is too small for a partial resync, and the master evicts.

The workload is seeded (CASTOR_REPL_SEED=<n> replays the commands; fault
timing is wall-clock, so a replay is close, not identical). Pass/fail is
decided only by the final comparison (DEBUG DIGEST and key-by-key equality
on all three nodes) and by no server having crashed. The numbers of full and
partial resyncs the master served are printed as

    RESYNCS full=N partial=M partial_err=K

(to the terminal even without -s, and to resyncs.txt in the test's tmp dir).

With CASTOR_SERVER=/usr/bin/redis-server the same test runs on three
redis-servers, which validates it."""

import os
import random
import signal
import time

from castortest import wait_for
from repltest import assert_same_data, digest, info, kv, repl, wait_for_sync
from resp import Err, RespConn

DBS = (0, 1, 2)
KEYS_PER_KIND = 24
PHASE = 1.5            # seconds of workload between two faults
SYNC_BOUND = 60.0      # final catch-up, and every wait for a link
SHORT_TTL_MS = 2000    # short TTLs are at most this; long ones at least 1000 s
BACKLOG = "32mb"       # covers a restart's gap: those resyncs are meant to be partial


class Workload:
    """Random writes from several raw connections to the master, each with
    its own selected db; a few more connections sit in BLPOP/BLMOVE until a
    later push serves them. Errors (WRONGTYPE, OOM under maxmemory, ...)
    are expected and only counted."""

    def __init__(self, port, seed, nconns=3, nblockers=2):
        self.rnd = random.Random(seed)
        self.port = port
        self.conns = [RespConn(port) for _ in range(nconns)]
        self.db = [0] * nconns
        self.blockers = [RespConn(port) for _ in range(nblockers)]
        self.blocked = [None] * nblockers      # the key a blocker waits on
        self.short_ttls = True
        self.big_values = False
        self.commands = 0
        self.errors = {}
        self.served = 0

    # -- picking keys and values

    def key(self, kind):
        return "%s:%d" % (kind, self.rnd.randrange(KEYS_PER_KIND))

    def val(self):
        r = self.rnd.random()
        if self.big_values and r < 0.5:
            return "B" * self.rnd.randrange(2000, 8000)
        if r < 0.05:
            return "v" * self.rnd.randrange(500, 3000)
        if r < 0.3:
            return str(self.rnd.randrange(-1000, 100000))
        return "v%d" % self.rnd.randrange(1000)

    def member(self):
        return ("m%d" % self.rnd.randrange(30) if self.rnd.random() < 0.7
                else str(self.rnd.randrange(60)))

    def ttl_args(self):
        """An expiry option for SET: short (expires during the run) or long."""
        rnd = self.rnd
        if self.short_ttls and rnd.random() < 0.6:
            return ["PX", str(rnd.randrange(50, SHORT_TTL_MS))] if rnd.random() < 0.5 \
                else ["EX", "1"]
        return ["EX", str(rnd.randrange(1000, 5000))]

    # -- commands

    def gen_string(self):
        rnd, k = self.rnd, self.key("str")
        c = rnd.randrange(9)
        if c == 0:
            args = ["SET", k, self.val()]
            x = rnd.random()
            if x < 0.35:
                args += self.ttl_args()
            elif x < 0.5:
                args.append("KEEPTTL")
            if rnd.random() < 0.2:
                args.append(rnd.choice(["NX", "XX", "GET"]))
            return args
        if c == 1:
            return ["INCRBY", self.key("num"), str(rnd.randrange(-100, 100))]
        if c == 2:
            return ["APPEND", k, self.val()]
        if c == 3:
            return ["SETRANGE", k, str(rnd.randrange(40)), "sr%d" % rnd.randrange(99)]
        if c == 4:
            return ["GETDEL", k]
        if c == 5:
            args = ["MSET"]
            for _ in range(rnd.randrange(1, 4)):
                args += [self.key("str"), self.val()]
            return args
        if c == 6:
            return ["INCRBYFLOAT", self.key("num"), rnd.choice(["0.1", "1.5", "-2.25", "3"])]
        if c == 7:
            return ["SETNX", k, self.val()]
        return ["GETEX", k] + self.ttl_args()

    def gen_list(self):
        rnd, k = self.rnd, self.key("list")
        c = rnd.randrange(10)
        if c < 2:
            vals = [self.val() for _ in range(rnd.randrange(1, 5))]
            return [rnd.choice(["LPUSH", "RPUSH"]), k] + vals
        if c == 2:
            return ["LPOP", k, str(rnd.randrange(1, 4))]
        if c == 3:
            return ["RPOP", k]
        if c == 4:
            return ["LMOVE", k, self.key("list"), rnd.choice(["LEFT", "RIGHT"]),
                    rnd.choice(["LEFT", "RIGHT"])]
        if c == 5:
            return ["LTRIM", k, str(rnd.randrange(3)), str(rnd.randrange(-3, 12))]
        if c == 6:
            return ["LREM", k, str(rnd.randrange(-2, 3)), self.val()]
        if c == 7:
            return ["LINSERT", k, rnd.choice(["BEFORE", "AFTER"]), self.val(), self.val()]
        if c == 8:
            return ["LSET", k, str(rnd.randrange(-2, 3)), self.val()]
        return ["RPUSHX", k, self.val()]

    def gen_hash(self):
        rnd, k = self.rnd, self.key("hash")
        f = "f%d" % rnd.randrange(12)
        c = rnd.randrange(6)
        if c < 2:
            args = ["HSET", k]
            for _ in range(rnd.randrange(1, 4)):
                args += ["f%d" % rnd.randrange(12), self.val()]
            return args
        if c == 2:
            return ["HDEL", k, f, "f%d" % rnd.randrange(12)]
        if c == 3:
            return ["HINCRBY", k, "n" + f, str(rnd.randrange(-50, 50))]
        if c == 4:
            return ["HINCRBYFLOAT", k, "x" + f, rnd.choice(["0.1", "2.5", "-1.75"])]
        return ["HSETNX", k, f, self.val()]

    def gen_set(self):
        rnd, k = self.rnd, self.key("set")
        c = rnd.randrange(8)
        if c < 2:
            return ["SADD", k] + [self.member() for _ in range(rnd.randrange(1, 5))]
        if c == 2:
            return ["SREM", k, self.member(), self.member()]
        if c == 3:
            return ["SPOP", k] + ([str(rnd.randrange(1, 4))] if rnd.random() < 0.5 else [])
        if c == 4:
            return ["SMOVE", k, self.key("set"), self.member()]
        if c == 5:
            return ["SINTERSTORE", self.key("set"), k, self.key("set")]
        if c == 6:
            return ["SUNIONSTORE", self.key("set"), k, self.key("set")]
        return ["SDIFFSTORE", self.key("set"), k, self.key("set")]

    def gen_zset(self):
        rnd, k = self.rnd, self.key("zset")
        c = rnd.randrange(9)
        score = str(rnd.choice([rnd.randrange(-50, 50), rnd.randrange(100) / 4.0]))
        if c < 2:
            flags = rnd.choice([[], [], ["NX"], ["XX"], ["GT"], ["LT"], ["CH"], ["XX", "CH"],
                                ["GT", "CH"]])
            args = ["ZADD", k] + flags
            for _ in range(rnd.randrange(1, 4)):
                args += [str(rnd.randrange(-50, 50) / 2.0), self.member()]
            return args
        if c == 2:
            return ["ZADD", k, "INCR", score, self.member()]
        if c == 3:
            return ["ZINCRBY", k, rnd.choice(["1", "0.5", "-2.25"]), self.member()]
        if c == 4:
            return ["ZREM", k, self.member(), self.member()]
        if c == 5:
            return [rnd.choice(["ZPOPMIN", "ZPOPMAX"]), k] + \
                ([str(rnd.randrange(1, 4))] if rnd.random() < 0.5 else [])
        if c == 6:
            return rnd.choice([["ZRANGESTORE", self.key("zset"), k, "0", str(rnd.randrange(-1, 6))],
                               ["ZRANGESTORE", self.key("zset"), k, "(0", "+inf", "BYSCORE"]])
        if c == 7:
            return ["ZUNIONSTORE", self.key("zset"), "2", k, self.key("zset"), "WEIGHTS", "1",
                    "2", "AGGREGATE", rnd.choice(["SUM", "MIN", "MAX"])]
        return ["ZREMRANGEBYSCORE", k, "-inf", str(rnd.randrange(-50, 0))]

    def any_key(self):
        return self.key(self.rnd.choice(["str", "num", "list", "hash", "set", "zset"]))

    def gen_keyspace(self, i):
        rnd, k = self.rnd, self.any_key()
        c = rnd.randrange(12)
        if c < 3:
            if self.short_ttls and rnd.random() < 0.6:
                return rnd.choice([["EXPIRE", k, "1"],
                                   ["PEXPIRE", k, str(rnd.randrange(50, SHORT_TTL_MS))]])
            return [rnd.choice(["EXPIRE", "PEXPIRE"]), k, str(rnd.randrange(1000, 5000) * 1000)]
        if c == 3:
            return ["PERSIST", k]
        if c == 4:
            return [rnd.choice(["DEL", "UNLINK"]), k, self.any_key()]
        if c == 5:
            return [rnd.choice(["RENAME", "RENAMENX"]), k, self.key(k.split(":")[0])]
        if c == 6:
            args = ["COPY", k, self.key(k.split(":")[0])]
            if rnd.random() < 0.5:
                args += ["DB", str(rnd.choice(DBS))]
            if rnd.random() < 0.5:
                args.append("REPLACE")
            return args
        if c == 7:
            return ["MOVE", k, str(rnd.choice([d for d in DBS if d != self.db[i]]))]
        if c == 8 and rnd.random() < 0.02:
            return ["FLUSHDB"]
        return ["EXISTS", k]                   # a read: no effect, no stream

    def gen(self, i):
        c = self.rnd.randrange(100)
        if c < 20:
            return self.gen_string()
        if c < 36:
            return self.gen_list()
        if c < 50:
            return self.gen_hash()
        if c < 64:
            return self.gen_set()
        if c < 80:
            return self.gen_zset()
        return self.gen_keyspace(i)

    # -- running

    def batch(self):
        """One pipelined batch of commands on one random connection, maybe
        with a SELECT and a MULTI/EXEC block inside."""
        rnd = self.rnd
        i = rnd.randrange(len(self.conns))
        cmds = []
        if rnd.random() < 0.15:
            self.db[i] = rnd.choice(DBS)
            cmds.append(["SELECT", str(self.db[i])])
        for _ in range(rnd.randrange(5, 20)):
            if rnd.random() < 0.05:
                cmds.append(["MULTI"])
                cmds += [self.gen(i) for _ in range(rnd.randrange(1, 6))]
                cmds.append(["DISCARD"] if rnd.random() < 0.1 else ["EXEC"])
            else:
                cmds.append(self.gen(i))
        for node in self.conns[i].pipeline(cmds):
            if node[0] == "-":
                code = node[1].split(b" ", 1)[0].decode()
                self.errors[code] = self.errors.get(code, 0) + 1
        self.commands += len(cmds)

    def block_or_serve(self):
        """Put an idle blocker into BLPOP/BLMOVE (db 0), or serve a blocked
        one with a push from a workload connection."""
        rnd = self.rnd
        j = rnd.randrange(len(self.blockers))
        if self.blocked[j] is None:
            key = "bl:%d" % j
            if rnd.random() < 0.5:
                self.blockers[j].send("BLPOP", key, "0")
            else:
                self.blockers[j].send("BLMOVE", key, "list:%d" % rnd.randrange(KEYS_PER_KIND),
                                      "LEFT", rnd.choice(["LEFT", "RIGHT"]), "0")
            self.blocked[j] = key
        else:
            self.serve(j)

    def serve(self, j):
        c = self.conns[0]
        _, pushed = c.pipeline([["SELECT", "0"],
                                ["RPUSH", self.blocked[j], "pushed%d" % self.served]])
        self.db[0] = 0
        if pushed[0] != ":":
            return                           # OOM under maxmemory: still blocked
        reply = self.blockers[j].read()      # bounded by the connection timeout
        assert reply is not None, "blocked pop on %s returned nil" % self.blocked[j]
        self.blocked[j] = None
        self.served += 1

    def run(self, seconds, until=None, max_seconds=SYNC_BOUND):
        """Run for 'seconds'; then, if until is given, go on until until()
        holds (bounded by max_seconds, then raise)."""
        start = time.monotonic()
        n = 0
        while True:
            now = time.monotonic()
            if now - start >= seconds and (until is None or until()):
                return
            if now - start >= max_seconds:
                raise AssertionError("condition %s not reached within %.0fs"
                                     % (getattr(until, "__name__", until), max_seconds))
            if self.rnd.random() < 0.1:
                self.block_or_serve()
            else:
                self.batch()
            n += 1

    def big_write(self, nbytes):
        """Write about nbytes of payload at once (overflows a tiny backlog)."""
        c = self.conns[1]
        chunk = "W" * 8000
        cmds = [["SET", "big:%d" % (n % 8), chunk] for n in range(nbytes // len(chunk) + 1)]
        c.pipeline(cmds)
        self.commands += len(cmds)

    def finish(self):
        for j in range(len(self.blockers)):
            if self.blocked[j] is not None:
                self.serve(j)
        for c in self.conns + self.blockers:
            c.close()


def short_ttl_keys(master):
    """Keys of the master (dbs 0-2) with a TTL under 10 s. PTTL also makes
    the master delete (and propagate) any that already expired."""
    found = []
    for d in DBS:
        with RespConn(master.port) as c:
            c.call("SELECT", str(d))
            cursor, keys = "0", []
            while True:
                cursor, batch = c.call("SCAN", cursor, "COUNT", "500")
                keys += batch
                if cursor in (b"0", "0"):
                    break
            if keys:
                ttls = c.pipeline([["PTTL", k] for k in keys])
                found += [(d, k) for k, t in zip(keys, ttls) if 0 < t[1] < 10000]
    return found


def total_keys(c):
    return sum(int(kv(v)["keys"]) for v in info(c, "keyspace").values())


def link_up(replica):
    def up():
        return repl(replica).get("master_link_status") == "up"
    up.__name__ = "%s link up" % replica.name
    return up


def kill_link_on_replica(replica):
    with RespConn(replica.port) as c:
        return c.call("CLIENT", "KILL", "TYPE", "master")


def test_master_and_two_replicas_converge_under_faults(start_server, tmp_path, capsys):
    seed = int(os.environ.get("CASTOR_REPL_SEED") or random.randrange(1 << 30))
    print("seed=%d (replay with CASTOR_REPL_SEED=%d)" % (seed, seed))
    t0 = time.monotonic()
    master = start_server(directives={"repl-diskless-sync": "yes",
                                      "repl-diskless-sync-delay": "0",
                                      "repl-backlog-size": BACKLOG},
                          name="master")
    target = ["127.0.0.1", str(master.port)]
    # A: RDB (a save point, so SIGTERM saves); loads the payload from disk.
    ra = start_server(directives=[("replicaof", target), ("save", "3600 1"),
                                  ("repl-diskless-load", "disabled")], name="replicaA")
    # B: AOF, and loads the payload while serving the old data (swapdb).
    rb = start_server(directives=[("replicaof", target), ("appendonly", "yes"),
                                  ("repl-diskless-load", "swapdb")], name="replicaB")
    nodes = (master, ra, rb)
    mc = master.client()
    w = Workload(master.port, seed)
    log = []

    def fault(what):
        st = info(mc, "stats")
        log.append("%.1fs [full=%s partial=%s keys=%s] %s"
                   % (time.monotonic() - t0, st.get("sync_full"), st.get("sync_partial_ok"),
                      total_keys(mc), what))

    def down_then_up(replica, stop):
        """stop() the replica, keep writing, restart it, write until linked."""
        stop()
        w.run(PHASE / 2)
        replica.start()
        w.run(PHASE, until=link_up(replica))

    try:
        wait_for_sync(master, ra, rb, timeout=SYNC_BOUND)
        w.run(2 * PHASE)

        fault("CLIENT KILL TYPE master on A")
        w.run(0, until=link_up(ra))
        kill_link_on_replica(ra)
        w.run(PHASE)

        fault("CLIENT KILL TYPE replica on the master")
        w.run(0, until=lambda: link_up(ra)() and link_up(rb)())
        mc.execute_command("CLIENT", "KILL", "TYPE", "replica")
        w.run(PHASE)

        fault("SIGTERM A (saves an RDB), restart")
        w.run(0, until=link_up(ra))
        def stop_a():
            assert ra.stop() == 0, "replica A did not shut down cleanly\n" + ra.diagnostics()
        down_then_up(ra, stop_a)

        fault("kill -9 B (AOF), restart")
        down_then_up(rb, rb.kill)

        fault("repl-backlog-size 16384; stop A, cut both links, write past the backlog")
        w.run(0, until=link_up(ra))
        mc.config_set("repl-backlog-size", 16384)
        w.big_write(256 * 1024)         # let the backlog shrink to its new size
        w.run(PHASE / 3)                # (Redis trims a big one in steps)
        # A replica reconnects at once after a cut (Redis 7 does), so A is
        # kept from reconnecting by SIGSTOP until the master wrote past it.
        os.kill(ra.pid, signal.SIGSTOP)
        try:
            mc.execute_command("CLIENT", "KILL", "TYPE", "replica")
            w.big_write(512 * 1024)
        finally:
            os.kill(ra.pid, signal.SIGCONT)
        w.run(PHASE, until=lambda: link_up(ra)() and link_up(rb)())

        # Still with the tiny backlog, whose memory counts for maxmemory and
        # would otherwise grow under the limit and evict everything.
        fault("maxmemory allkeys-lru on the master")
        used = int(info(mc, "memory")["used_memory"])
        mc.config_set("maxmemory-policy", "allkeys-lru")
        mc.config_set("maxmemory", used + 256 * 1024)   # big values soon pass it
        w.big_values = True
        w.run(PHASE)
        w.big_values = False
        mc.config_set("maxmemory", 0)
        fault("maxmemory lifted; evicted_keys=%s" % info(mc, "stats").get("evicted_keys"))
        mc.config_set("repl-backlog-size", BACKLOG)
        w.run(PHASE / 2)

        fault("disk-based sync; SAVE on A then kill -9 A, restart")
        mc.config_set("repl-diskless-sync", "no")
        w.run(PHASE / 2, until=link_up(ra))
        ra.client().execute_command("SAVE")
        w.run(PHASE / 4)
        down_then_up(ra, ra.kill)

        fault("CLIENT KILL TYPE master on B, then on A")
        w.run(0, until=link_up(rb))
        kill_link_on_replica(rb)
        w.run(PHASE / 2)
        kill_link_on_replica(ra)
        w.run(PHASE)

        fault("drain: no more short TTLs")
        w.short_ttls = False
        w.run(PHASE)
        w.finish()
        # The keys with a short TTL all expire on the master (which DELs them
        # on the stream) before the comparison; the rest keep TTLs of 1000 s+.
        wait_for(lambda: not short_ttl_keys(master), 15, interval=0.1,
                 msg="short-TTL keys expired on the master")

        fault("final: wait for offsets")
        for s in nodes:
            assert s.alive(), "%s died\n%s" % (s.name, s.diagnostics())
        wait_for_sync(master, ra, rb, timeout=SYNC_BOUND)
        digests = [digest(s.client()) for s in nodes]
        assert digests[0] == digests[1] == digests[2], "DEBUG DIGEST differs: %r" % digests
        assert_same_data(master.client(), ra.client(), rb.client(), dbs=range(16))
    except Exception as e:
        raise AssertionError("%s: %s\nseed=%d (replay with CASTOR_REPL_SEED=%d)\nfaults:\n  %s"
                             % (type(e).__name__, e, seed, seed, "\n  ".join(log))) from e
    finally:
        try:
            st = info(mc, "stats")
        except Exception:
            st = {}
        line = "RESYNCS full=%s partial=%s partial_err=%s" % (
            st.get("sync_full"), st.get("sync_partial_ok"), st.get("sync_partial_err"))
        try:
            nkeys = total_keys(mc)
        except Exception:
            nkeys = None
        try:
            moff = repl(mc).get("master_repl_offset")
        except Exception:
            moff = None
        extra = ("stream_bytes=%s keys=%s seed=%d commands=%d served_blocked=%d "
                 "evicted_keys=%s expired_keys=%s errors=%r runtime=%.1fs"
                 % (moff, nkeys, seed, w.commands, w.served, st.get("evicted_keys"),
                    st.get("expired_keys"), w.errors, time.monotonic() - t0))
        with open(os.path.join(str(tmp_path), "resyncs.txt"), "w") as f:
            f.write(line + "\n" + extra + "\n" + "\n".join(log) + "\n")
        print(line)
        print(extra)
        with capsys.disabled():
            print("\n" + line + "\n" + extra + "\n  " + "\n  ".join(log))


def test_master_restarted_from_older_snapshot_while_replica_ahead_converges(start_server):
    """The master saves, writes on (its replica follows), dies and restarts
    from that older snapshot; the replica, restarted from its own newer
    RDB, must not continue partially from where it was: a master that
    adopts a history from a file continues it under a new replication ID
    (replid2 valid up to the file's offset). Ends with equal digests."""
    seed = int(os.environ.get("CASTOR_REPL_SEED") or random.randrange(1 << 30))
    master = start_server(directives={"repl-diskless-sync-delay": "0"}, name="master")
    ra = start_server(directives=[("replicaof", ["127.0.0.1", str(master.port)]),
                                  ("save", "3600 1")], name="replicaA")
    try:
        wait_for_sync(master, ra, timeout=SYNC_BOUND)
        w = Workload(master.port, seed, nblockers=1)
        w.short_ttls = False
        w.run(PHASE)
        mc = master.client()
        wait_for(lambda: info(mc, "persistence")["rdb_bgsave_in_progress"] == "0", 10)
        mc.execute_command("SAVE")
        w.run(PHASE)                          # the replica goes past the snapshot
        w.finish()
        ahead = wait_for_sync(master, ra, timeout=SYNC_BOUND)
        assert ra.stop() == 0                 # saves its RDB (ahead of the master's)
        master.kill()
        master.start()
        w = Workload(master.port, seed + 1, nblockers=1)
        w.short_ttls = False
        # Write past the replica's offset: under the old ID its PSYNC would
        # then find its offset in the backlog and continue on other data.
        w.run(PHASE / 2, until=lambda: int(repl(master.client())["master_repl_offset"]) > ahead)
        ra.start()
        w.run(PHASE / 2, until=link_up(ra))
        w.finish()
        wait_for_sync(master, ra, timeout=SYNC_BOUND)
        assert digest(master.client()) == digest(ra.client())
        assert_same_data(master.client(), ra.client(), dbs=range(16))
        assert int(info(master.client(), "stats")["sync_partial_ok"]) == 0
    except Exception as e:
        raise AssertionError("%s: %s\nseed=%d" % (type(e).__name__, e, seed)) from e


def test_role_changes_with_blocked_clients_converge(start_server):
    """Clients blocked in BLPOP, BLMOVE, BZPOPMIN and WAIT on the master
    while the two nodes swap roles (REPLICAOF NO ONE + REPLICAOF, then
    FAILOVER) under a workload that pushes to those keys: every blocked
    client is unblocked with -UNBLOCKED at the role change, so none pops
    from the replicated stream. Ends with equal digests."""
    seed = int(os.environ.get("CASTOR_REPL_SEED") or random.randrange(1 << 30))
    a = start_server(directives={"repl-diskless-sync-delay": "0"}, name="A")
    b = start_server(directives={"repl-diskless-sync-delay": "0"}, name="B")
    unblocked = []

    def block_clients(node):
        # What the last round pushed for them is still there (unless the
        # workload's FLUSHDB hit db 0): with it the pops would not block.
        # The workload's own blocker may still be blocked: count ours only.
        node.client().delete("bl:1", "bl:2", "bl:3", "bl:4", "bz:1", "bz:2")
        before = int(info(node.client(), "clients")["blocked_clients"])
        conns = []
        for cmd in (["BLPOP", "bl:1", "bl:2", "0"],
                    ["BLMOVE", "bl:3", "bl:4", "LEFT", "RIGHT", "0"],
                    ["BZPOPMIN", "bz:1", "bz:2", "0"],
                    ["WAIT", "5", "0"]):
            c = RespConn(node.port)
            c.send(*cmd)
            conns.append(c)
        wait_for(lambda: int(info(node.client(), "clients")["blocked_clients"]) == before + len(conns),
                 10)
        return conns

    def collect(conns):
        for c in conns:
            reply = c.read()
            unblocked.append(reply)
            c.close()

    try:
        b.client().execute_command("REPLICAOF", "127.0.0.1", str(a.port))
        wait_for_sync(a, b, timeout=SYNC_BOUND)
        master, replica = a, b
        for rnd in range(4):
            w = Workload(master.port, seed + rnd, nblockers=1)
            w.short_ttls = False
            w.run(PHASE / 2)
            w.finish()
            wait_for_sync(master, replica, timeout=SYNC_BOUND)
            conns = block_clients(master)
            if rnd % 2 == 0:
                replica.client().execute_command("REPLICAOF", "NO", "ONE")
                master.client().execute_command("REPLICAOF", "127.0.0.1", str(replica.port))
            else:
                master.client().execute_command("FAILOVER")
                wait_for(lambda: repl(master).get("role") == "slave", 10)
                # The target is promoted when it reads PSYNC ... FAILOVER, which
                # may come after the old master already says "slave".
                wait_for(lambda: repl(replica).get("role") == "master", 10)
            collect(conns)
            master, replica = replica, master
            # What the blocked clients waited for arrives on the new master:
            # on the new replica only its stream may apply it.
            master.client().rpush("bl:1", "x%d" % rnd)
            master.client().rpush("bl:3", "y%d" % rnd)
            master.client().zadd("bz:1", {"z%d" % rnd: rnd})
            w = Workload(master.port, seed + 10 + rnd, nblockers=1)
            w.short_ttls = False
            w.run(PHASE / 2, until=link_up(replica))
            w.finish()
        wait_for_sync(master, replica, timeout=SYNC_BOUND)
        assert all(r == Err("UNBLOCKED force unblock from blocking operation, instance state "
                            "changed (master -> replica?)") for r in unblocked), unblocked
        assert len(unblocked) == 16
        assert digest(master.client()) == digest(replica.client())
        assert_same_data(master.client(), replica.client(), dbs=range(16))
    except Exception as e:
        raise AssertionError("%s: %s\nseed=%d" % (type(e).__name__, e, seed)) from e
