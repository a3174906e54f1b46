"""repltest.py -- helpers for the replication tests (tests/integration/
test_replication.py, tests/interop/test_repl_interop.py and the convergence
tests).

Every helper takes redis-py clients (redis.Redis, as returned by
Server.client()); a castortest.Server is accepted too and gets a client of
its own. Nothing here sleeps as synchronisation: waits poll with a bound.

    info(c, "replication")        INFO section -> {field: str}, raw values
    kv(text)                      "ip=..,port=..,state=online" -> dict
    repl(c) / stats(c)            info(c, "replication") / info(c, "stats")
    offset(c)                     master_repl_offset as int
    sync_counts(c)                (sync_full, sync_partial_ok) from INFO stats
    digest(c)                     DEBUG DIGEST as str
    is_castor(c)                  the server is castor (INFO has castor_version)
    replicaof(c, master)          REPLICAOF host port of master
    wait_link_up(replica)         master_link_status:up
    wait_for_sync(m, *replicas)   link up and every offset equal m's, quiet
    assert_same_data(*cs)         every key's TYPE, TTL presence, value equal
    assert_same_digest(*cs)       DEBUG DIGEST equal on all
    fill_all_types(c, ...)        a dataset of every type (and encodings)
    workload(c, ...)              writes of every data type, deterministic
    db_client(c, n)               a client of the same server on db n
    wait_stats(c, full, partial)  wait for sync_full / sync_partial_ok values
    wait_offsets_equal(*cs)       master_repl_offset equal on all (a chain)
    raw_call(c, *args)            a reply without redis-py's callbacks
    client_of(x), host_port(x)    the client / (host, port) behind x
    ReverseStopper(start_server)  stops replicas before masters at teardown
    slow_load_sync(m, r)          a full sync whose load outlasts repl-timeout: once
"""

import random
import re
import time

import pytest
import redis

from castortest import WaitTimeout, wait_for

SYNC_TIMEOUT = 30.0


def client_of(x):
    """x itself if it is a redis.Redis; for a castortest.Server, one client
    of its own made once and reused (it reconnects after a restart)."""
    if isinstance(x, redis.Redis):
        return x
    c = getattr(x, "_repltest_client", None)
    if c is None:
        c = x.client()
        x._repltest_client = c
    return c


def host_port(x):
    """(host, port) of the server behind client or Server x."""
    if isinstance(x, redis.Redis):
        kw = x.connection_pool.connection_kwargs
        return kw.get("host", "127.0.0.1"), int(kw.get("port", 6379))
    return "127.0.0.1", x.port


def raw_call(c, *args):
    """Send one command on a pool connection of c and return the reply
    without redis-py's response callbacks (INFO stays text, ROLE stays a
    list as sent)."""
    c = client_of(c)
    pool = c.connection_pool
    conn = pool.get_connection(args[0])
    try:
        conn.send_command(*args)
        reply = conn.read_response()
    except BaseException:
        conn.disconnect()
        raise
    finally:
        pool.release(conn)
    return reply


def _text(v):
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


def info(c, section=None):
    """INFO [section] as one flat {field: value} dict of str, values exactly
    as the server sent them (no int conversion; 'slave0' stays
    'ip=...,port=...'; use kv() on it)."""
    text = _text(raw_call(c, "INFO", section) if section else raw_call(c, "INFO"))
    out = {}
    for line in text.split("\r\n"):
        if not line or line.startswith("#"):
            continue
        k, sep, v = line.partition(":")
        if sep:
            out[k] = v
    return out


def kv(text):
    """'ip=127.0.0.1,port=7000,state=online' -> {'ip': '127.0.0.1', ...}."""
    out = {}
    for part in text.split(","):
        k, _, v = part.partition("=")
        out[k] = v
    return out


def repl(c):
    """info(c, 'replication')."""
    return info(c, "replication")


def stats(c):
    """info(c, 'stats')."""
    return info(c, "stats")


def offset(c):
    """master_repl_offset of c (on a replica: the offset it has applied)."""
    return int(repl(c)["master_repl_offset"])


def sync_counts(c):
    """(sync_full, sync_partial_ok) from INFO stats of c."""
    s = stats(c)
    return int(s["sync_full"]), int(s["sync_partial_ok"])


def digest(c):
    """DEBUG DIGEST of c's whole dataset, as a 40-char hex str."""
    return _text(raw_call(c, "DEBUG", "DIGEST"))


def is_castor(c):
    """True when c is a castor server (its INFO server has castor_version),
    False for redis-server."""
    return "castor_version" in info(c, "server")


def replicaof(c, master):
    """REPLICAOF host port of 'master' (a client or Server) on c; returns the
    reply as str."""
    host, port = host_port(master)
    return _text(raw_call(c, "REPLICAOF", host, str(port)))


def wait_link_up(replica, timeout=SYNC_TIMEOUT):
    """Wait until replica's INFO says master_link_status:up."""
    def up():
        return repl(replica).get("master_link_status") == "up"
    wait_for(up, timeout, interval=0.02, msg="master_link_status:up")


def _replica_states(master):
    """{listening port: state} of master's slaveN lines."""
    out = {}
    for k, v in repl(master).items():
        if re.fullmatch(r"slave\d+", k):
            f = kv(v)
            out[int(f.get("port", -1))] = f.get("state")
    return out


def _sync_state(master, replicas):
    m1 = offset(master)
    seen = []
    for r in replicas:
        i = repl(r)
        seen.append((i.get("master_link_status"), i.get("slave_repl_offset"),
                     i.get("master_sync_in_progress")))
    states = _replica_states(master)
    m2 = offset(master)
    ok = m1 == m2 and all(s[0] == "up" and s[2] == "0" and s[1] is not None and int(s[1]) == m1
                          for s in seen)
    # A direct replica must also be online in the master's view (after a
    # diskless sync a Redis master starts streaming on the first ACK).
    ports = [host_port(r)[1] for r in replicas]
    ok = ok and all(states[p] == "online" for p in ports if p in states)
    return ok, m1, seen + [states]


def wait_for_sync(master, *replicas, timeout=SYNC_TIMEOUT):
    """Wait until every replica has its link up, no sync in progress, and
    slave_repl_offset equal to master's master_repl_offset (read before and
    after the replicas, so the stream is quiet). Works for chained replicas
    too (offsets are the same along a chain). A replica attached directly
    to master must also show state=online in master's slaveN line. Note: a
    Redis master may start streaming to a diskless-synced replica only at
    its next periodic ACK (up to a second later); a WAIT 1 returns once that
    happened. Returns the offset. Raises WaitTimeout with the last state seen."""
    deadline = time.monotonic() + timeout
    while True:
        ok, m, seen = _sync_state(master, replicas)
        if ok:
            return m
        if time.monotonic() >= deadline:
            raise WaitTimeout("replicas not in sync after %.1fs: master offset %s, replicas "
                              "(link, offset, sync_in_progress), then the master's "
                              "{port: state}: %r" % (timeout, m, seen))
        time.sleep(0.02)


def wait_offsets_equal(*cs, timeout=SYNC_TIMEOUT):
    """Wait until master_repl_offset is the same on every server (a chain
    once quiet). Returns it."""
    def same():
        offs = [offset(c) for c in cs]
        return offs[0] if len(set(offs)) == 1 and offs[0] > 0 else None
    return wait_for(same, timeout, interval=0.02, msg="equal master_repl_offset")


def db_client(c, n):
    """A new redis.Redis on the same server as c, selected on db n (the
    caller should close it)."""
    c = client_of(c)
    kw = dict(c.connection_pool.connection_kwargs)
    kw["db"] = n
    kw.pop("connection_class", None)
    return redis.Redis(**{k: v for k, v in kw.items()
                          if k in ("host", "port", "password", "socket_timeout", "db",
                                   "username")})


def _scan_keys(r):
    return sorted(r.scan_iter(count=1000))


def _snapshot(r):
    """{key: (type, has_ttl, value)} of r's selected db."""
    keys = _scan_keys(r)
    p = r.pipeline(transaction=False)
    for k in keys:
        p.type(k)
        p.pttl(k)
    res = p.execute()
    types = {k: _text(res[2 * i]) for i, k in enumerate(keys)}
    ttls = {k: res[2 * i + 1] for i, k in enumerate(keys)}
    p = r.pipeline(transaction=False)
    for k in keys:
        t = types[k]
        if t == "string":
            p.get(k)
        elif t == "list":
            p.lrange(k, 0, -1)
        elif t == "hash":
            p.hgetall(k)
        elif t == "set":
            p.smembers(k)
        elif t == "zset":
            p.zrange(k, 0, -1, withscores=True)
        elif t == "stream":
            p.xrange(k)
        else:
            p.dump(k)
    vals = p.execute()
    out = {}
    for k, v in zip(keys, vals):
        t = types[k]
        if t == "set":
            v = sorted(v)
        elif t == "hash":
            v = sorted(v.items())
        out[k] = (t, ttls[k] is not None and ttls[k] >= 0, v)
    return out


def assert_same_data(*clients, dbs=range(16)):
    """Assert that every server holds the same keys in each db of dbs, and
    for each key the same TYPE, the same TTL presence (PTTL >= 0 or not) and
    the same value (read type-aware: GET, LRANGE, HGETALL, SMEMBERS, ZRANGE
    WITHSCORES, XRANGE; DUMP for anything else). The first client is the
    reference; the message names the first differences."""
    assert len(clients) >= 2
    clients = [client_of(c) for c in clients]
    for n in dbs:
        snaps = []
        for c in clients:
            r = db_client(c, n)
            try:
                snaps.append(_snapshot(r))
            finally:
                r.close()
        ref = snaps[0]
        for i, s in enumerate(snaps[1:], 1):
            if s == ref:
                continue
            only_ref = sorted(set(ref) - set(s))[:5]
            only_s = sorted(set(s) - set(ref))[:5]
            diff = [(k, ref[k], s[k]) for k in sorted(set(ref) & set(s)) if ref[k] != s[k]][:5]
            raise AssertionError(
                "db %d: server #%d (%s:%d) differs from server #0 (%s:%d): %d vs %d keys; "
                "only on #0: %r; only on #%d: %r; different: %r"
                % (n, i, *host_port(clients[i]), *host_port(clients[0]), len(ref), len(s),
                   only_ref, i, only_s, diff))


def assert_same_digest(*clients):
    """Assert DEBUG DIGEST is the same on every server (and return it)."""
    ds = [digest(c) for c in clients]
    assert len(set(ds)) == 1, "DEBUG DIGEST differs: %r" % ds
    return ds[0]


def fill_all_types(c, dbs=(0, 1, 9), n=40, prefix="fill", ttl_every=7):
    """Write a dataset of every type into each db of dbs: strings (raw,
    embstr and int-encoded), lists (small listpack and a long quicklist),
    hashes (small and >128 fields), sets (intset, listpack, hashtable),
    zsets (small and skiplist), and keys with a TTL (every ttl_every-th key
    gets EXPIRE 1000-ish seconds). Returns the number of keys written."""
    total = 0
    for d in dbs:
        r = db_client(c, d)
        try:
            p = r.pipeline(transaction=False)
            pre = "%s:%d:" % (prefix, d)
            for i in range(n):
                p.set(pre + "s:%d" % i, "value-%d-%s" % (i, "x" * (i % 50)))
                p.set(pre + "int:%d" % i, str(i * 1000 - 7))
                p.rpush(pre + "l:%d" % i, *["e%d" % j for j in range(i % 9 + 1)])
                p.hset(pre + "h:%d" % i,
                       mapping={"f%d" % j: "v%d" % (j * i) for j in range(i % 6 + 1)})
                p.sadd(pre + "si:%d" % i, *range(i % 8 + 1))            # intset
                p.sadd(pre + "ss:%d" % i, *["m%d" % j for j in range(i % 8 + 1)])
                p.zadd(pre + "z:%d" % i, {"z%d" % j: j * 1.5 - i for j in range(i % 7 + 1)})
                total += 7
                if i % ttl_every == 0:
                    p.expire(pre + "s:%d" % i, 1000 + i)
                    p.pexpire(pre + "h:%d" % i, 2000000 + i)
            p.rpush(pre + "biglist", *["item-%d" % j for j in range(600)])
            p.hset(pre + "bighash", mapping={"field-%d" % j: "v%d" % j for j in range(300)})
            p.sadd(pre + "bigintset", *range(0, 1500, 3))
            p.sadd(pre + "bigset", *["member-%d" % j for j in range(300)])
            p.zadd(pre + "bigzset", {"m-%d" % j: j / 7.0 for j in range(300)})
            p.set(pre + "bigstr", "B" * 20000)
            p.set(pre + "neg", "-123456789012")
            total += 7
            p.execute()
        finally:
            r.close()
    return total


def workload(c, rounds=200, dbs=(0, 1, 9), seed=1, prefix="wl"):
    """Deterministic writes of every data type (strings incl. INCR/APPEND/
    SETRANGE, lists, hashes, sets, zsets, EXPIRE/PERSIST, DEL, RENAME,
    SELECT of several dbs via per-db clients) applied on c. Returns the number
    of commands sent."""
    rnd = random.Random(seed)
    clients = {d: db_client(c, d) for d in dbs}
    sent = 0
    try:
        pipes = {d: clients[d].pipeline(transaction=False) for d in dbs}
        for i in range(rounds):
            d = dbs[i % len(dbs)]
            p = pipes[d]
            k = rnd.randrange(20)
            pre = "%s:%d:" % (prefix, d)
            op = i % 16
            if op == 0:
                p.set(pre + "s%d" % k, "v%d" % i)
            elif op == 1:
                p.incrby(pre + "n%d" % k, rnd.randrange(-50, 50))
            elif op == 2:
                p.append(pre + "s%d" % k, "+%d" % i)
            elif op == 3:
                p.lpush(pre + "l%d" % k, "a%d" % i, "b%d" % i)
            elif op == 4:
                p.rpop(pre + "l%d" % k)
            elif op == 5:
                p.hset(pre + "h%d" % k, "f%d" % (i % 5), i)
            elif op == 6:
                p.hincrby(pre + "h%d" % k, "cnt", 3)
            elif op == 7:
                p.sadd(pre + "set%d" % k, rnd.randrange(100), "m%d" % i)
            elif op == 8:
                p.srem(pre + "set%d" % k, rnd.randrange(100))
            elif op == 9:
                p.zadd(pre + "z%d" % k, {"m%d" % (i % 11): i * 0.25})
            elif op == 10:
                p.zincrby(pre + "z%d" % k, 2, "m%d" % (i % 11))
            elif op == 11:
                p.expire(pre + "s%d" % k, 5000)
            elif op == 12:
                p.persist(pre + "s%d" % k)
            elif op == 13:
                p.delete(pre + "l%d" % ((k + 3) % 20))
            elif op == 14:
                p.setrange(pre + "r%d" % k, i % 13, "xy")
            else:
                p.set(pre + "tmp", i)
                p.rename(pre + "tmp", pre + "renamed%d" % k)
                sent += 1
            sent += 1
            if i % 50 == 49:
                for pp in pipes.values():
                    pp.execute()
        for pp in pipes.values():
            pp.execute()
    finally:
        for r in clients.values():
            r.close()
    return sent


def wait_stats(c, full=None, partial=None, timeout=SYNC_TIMEOUT):
    """Wait until c's INFO stats shows sync_full == full and/or
    sync_partial_ok == partial (None: not checked). Returns (full, partial)
    as last seen."""
    def ok():
        f, p = sync_counts(c)
        return (full is None or f == full) and (partial is None or p == partial)
    try:
        wait_for(ok, timeout, interval=0.02, msg="sync counters")
    except WaitTimeout:
        raise WaitTimeout("wanted sync_full=%s sync_partial_ok=%s, have %r"
                          % (full, partial, sync_counts(c)))
    return sync_counts(c)


class ReverseStopper:
    """Wraps a start_server factory (castorfixtures) and records what it
    starts; stop_all() stops them newest first, so replicas go before their
    masters (a Redis 7.0 master delays its shutdown until its replicas ACK,
    up to a second). The factory's own teardown still checks every server
    for crashes and sanitizer reports afterwards.

    In a test module:

        @pytest.fixture
        def start_server(start_server):
            stopper = rt.ReverseStopper(start_server)
            yield stopper
            stopper.stop_all()
    """

    def __init__(self, start):
        self._start = start
        self.made = []

    def __call__(self, *args, **kw):
        s = self._start(*args, **kw)
        self.made.append(s)
        return s

    def stop_all(self):
        for s in reversed(self.made):
            s.stop()


@pytest.fixture
def start_server(start_server):
    """castorfixtures' start_server, stopping replicas before masters.
    Import it into a test module to override the plain one there."""
    stopper = ReverseStopper(start_server)
    yield stopper
    stopper.stop_all()


def slow_load_sync(master, replica, timeout=2):
    """master and replica are castortest.Servers, the replica castor: with
    repl-timeout `timeout` on both, the replica loads a 20000-key snapshot
    slowly (key-load-delay: 6 s or more) and must keep its link throughout:
    no timeout on either side, exactly one full sync and no partial one, a
    write made after the load arrives, equal digests."""
    mc = client_of(master)
    mc.execute_command("DEBUG", "POPULATE", 20000, "key", 100)
    mc.config_set("repl-timeout", timeout)
    rc = replica.client(socket_timeout=60)
    rc.config_set("repl-timeout", timeout)
    rc.config_set("key-load-delay", 300)
    replicaof(rc, mc)
    wait_for(lambda: repl(rc).get("master_link_status") == "up", 120, interval=0.1)
    mc.set("after", "the load")
    wait_for_sync(mc, rc)
    assert "MASTER timeout" not in replica.logfile
    assert "Disconnecting timedout replica" not in master.logfile
    assert sync_counts(mc) == (1, 0)
    assert rc.get("after") == b"the load"
    assert_same_digest(mc, rc)
