"""Streams between castor and Debian's redis-server 7.0.15: RDB files both
ways, replication both ways (full sync and the live stream of effects), the
effects Redis propagates for consumer groups (so that a promoted replica has
the same pending lists and last-delivered IDs), approximate trimming made
exact, blocking XREAD / XREADGROUP, and corrupt stream payloads.

State is compared with DEBUG DIGEST (entries), XINFO STREAM FULL (groups,
PELs, consumers; delivery and seen times blanked) and XPENDING.
"""

import os
import subprocess
import time

import pytest

import repltest as rt
from repltest import start_server  # noqa: F401  (replicas stop before masters)
from castortest import CASTOR_SERVER, REDIS_SERVER, Server
from resp import RespConn

FAST = {"repl-diskless-sync-delay": "0"}


def start(start_server, binary, **directives):
    name = "castor" if binary == CASTOR_SERVER else "redis"
    return start_server(directives=dict(FAST, **directives), binary=binary, name=name)


def populate_streams(c):
    """Streams with several nodes, deletions, groups, PELs, consumers."""
    c.config_set("stream-node-max-entries", 7)
    for i in range(1, 60):
        c.xadd("s1", {"a": i, "b": "x" * (i % 5)}, id="%d-%d" % (i, i % 3))
    for i in range(1, 10):
        c.xadd("s2", {"f%d" % i: i}, id="5-%d" % i)
    c.xdel("s1", "3-0", "10-1", "58-1")
    c.xgroup_create("s1", "g1", id="0")
    c.xgroup_create("s1", "g2", id="20-0")
    c.xreadgroup("g1", "alice", {"s1": ">"}, count=5)
    c.xreadgroup("g1", "bob", {"s1": ">"}, count=3)
    c.xreadgroup("g2", "carol", {"s1": ">"}, count=4, noack=True)
    c.xack("s1", "g1", "1-1")
    c.execute_command("XGROUP", "CREATECONSUMER", "s1", "g1", "idle")
    c.xadd("empty", {"a": 1}, id="1-1")
    c.xdel("empty", "1-1")
    c.execute_command("XGROUP", "CREATE", "made", "g", "$", "MKSTREAM")
    c.execute_command("XSETID", "s2", "99-0", "ENTRIESADDED", "50", "MAXDELETEDID", "6-0")


def _blank(v):
    if isinstance(v, list):
        out = [_blank(x) for x in v]
        for i in range(len(out) - 1):
            if out[i] in (b"radix-tree-nodes", b"radix-tree-keys", b"seen-time"):
                out[i + 1] = 0
        return out
    if isinstance(v, int) and v > 10 ** 12:
        return 0
    return v


def _no_counters(v):
    """Without entries-read and lag: Redis 7.0 propagates a group read as
    XCLAIM ... LASTID, which leaves a replica's entries-read unknown."""
    if isinstance(v, list):
        out = [_no_counters(x) for x in v]
        for i in range(len(out) - 1):
            if out[i] in (b"entries-read", b"lag"):
                out[i + 1] = 0
        return out
    return v


def stream_state(c, key, counters=True):
    full = c.execute_command("XINFO", "STREAM", key, "FULL", "COUNT", "0")
    groups = c.execute_command("XINFO", "GROUPS", key)
    state = _blank(full), groups
    return state if counters else _no_counters(list(state))


def assert_same_streams(a, b, keys=("s1", "s2", "empty", "made"), counters=True):
    for k in keys:
        assert stream_state(a, k, counters) == stream_state(b, k, counters), k
    assert a.execute_command("DEBUG", "DIGEST") == b.execute_command("DEBUG", "DIGEST")


# ---- RDB files ---------------------------------------------------------------------------------

@pytest.mark.parametrize("src_bin,dst_bin", [(REDIS_SERVER, CASTOR_SERVER),
                                             (CASTOR_SERVER, REDIS_SERVER)],
                         ids=["redis-to-castor", "castor-to-redis"])
def test_rdb_with_streams_loads_both_ways(start_server, tmp_path, src_bin, dst_bin):
    src = start(start_server, src_bin)
    sc = src.client()
    populate_streams(sc)
    assert sc.save()
    data = open(os.path.join(src.workdir, "dump.rdb"), "rb").read()
    d = tmp_path / "load"
    d.mkdir()
    (d / "dump.rdb").write_bytes(data)
    dst = Server(d, binary=dst_bin, name="load", directives={"dbfilename": "dump.rdb"})
    dst.start()
    try:
        assert_same_streams(sc, dst.client())
    finally:
        dst.stop()


def test_check_rdb_accepts_streams(start_server):
    r = start(start_server, REDIS_SERVER)
    populate_streams(r.client())
    assert r.client().save()
    check = os.path.join(os.path.dirname(CASTOR_SERVER), "castor-check-rdb")
    p = subprocess.run([check, os.path.join(r.workdir, "dump.rdb")], capture_output=True,
                       timeout=60)
    assert p.returncode == 0, p.stdout


# ---- Replication -------------------------------------------------------------------------------

@pytest.mark.parametrize("master_bin,replica_bin", [(REDIS_SERVER, CASTOR_SERVER),
                                                    (CASTOR_SERVER, REDIS_SERVER)],
                         ids=["redis-master", "castor-master"])
def test_replication_of_streams_and_group_effects(start_server, master_bin, replica_bin):
    master = start(start_server, master_bin)
    replica = start(start_server, replica_bin)
    mc, rc = master.client(), replica.client()
    populate_streams(mc)
    assert rt.replicaof(rc, master) == "OK"
    rt.wait_for_sync(mc, rc)
    assert_same_streams(mc, rc)
    # Live effects: auto IDs, approximate trims, group reads, claims, acks.
    mc.config_set("stream-node-max-entries", 5)
    for i in range(40):
        mc.xadd("live", {"n": i}, maxlen=10, approximate=True)
    mc.xadd("live", {"n": "min"}, minid="0-1", approximate=True, limit=5)
    mc.xtrim("s1", maxlen=30, approximate=True)
    mc.xgroup_create("live", "g", id="0")
    mc.xreadgroup("g", "c1", {"live": ">"}, count=4)
    mc.xreadgroup("g", "c2", {"live": ">"}, count=2, noack=True)
    # (A history read, XREADGROUP ... 0, is not propagated by 7.0: its
    # delivery counts stay on the master. Not exercised here.)
    mc.xautoclaim("live", "g", "c3", 0, "0-0", count=2)
    mc.xclaim("live", "g", "c4", 0, [mc.xpending_range("live", "g", "-", "+", 1)[0]["message_id"]])
    mc.xdel("s1", "40-1")
    mc.xautoclaim("s1", "g1", "zed", 0, "0-0", count=50)
    mc.xack("live", "g", mc.xpending_range("live", "g", "-", "+", 1)[0]["message_id"])
    mc.execute_command("XGROUP", "SETID", "live", "g", "$")
    mc.execute_command("XGROUP", "DELCONSUMER", "s1", "g1", "bob")
    mc.execute_command("XGROUP", "DESTROY", "s1", "g2")
    rt.wait_for_sync(mc, rc)
    assert_same_streams(mc, rc, keys=("s1", "s2", "live", "made"), counters=False)
    assert mc.xpending("live", "g") == rc.xpending("live", "g")
    assert rc.xlen("live") == mc.xlen("live")


def test_promoted_replica_continues_the_group(start_server):
    """After failover, a castor replica hands out what the master would have."""
    master = start(start_server, REDIS_SERVER)
    replica = start(start_server, CASTOR_SERVER)
    mc, rc = master.client(), replica.client()
    assert rt.replicaof(rc, master) == "OK"
    rt.wait_for_sync(mc, rc)
    for i in range(1, 21):
        mc.xadd("q", {"job": i}, id="%d-0" % i)
    mc.xgroup_create("q", "workers", id="0")
    mc.xreadgroup("workers", "w1", {"q": ">"}, count=6)
    mc.xack("q", "workers", "1-0", "2-0")
    rt.wait_for_sync(mc, rc)
    assert rc.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    assert rc.xreadgroup("workers", "w2", {"q": ">"}, count=1)[0][1][0][0] == b"7-0"
    pend = rc.xpending("q", "workers")
    assert pend["pending"] == 5 and pend["min"] == b"3-0"


# ---- Blocking ----------------------------------------------------------------------------------

def blocked(port, *args, proto=2):
    c = RespConn(port, protocol=proto, timeout=5)
    c.send(*args)
    return c


def wait_blocked(client, n=1):
    deadline = time.time() + 10
    while time.time() < deadline:
        if int(rt.info(client, "clients")["blocked_clients"]) >= n:
            return
        time.sleep(0.01)
    raise AssertionError("client did not block")


@pytest.mark.parametrize("binary", [CASTOR_SERVER, REDIS_SERVER], ids=["castor", "redis"])
def test_blocking_reads(start_server, binary):
    """The same scenarios on both servers; each asserts Redis 7.0's replies."""
    s = start(start_server, binary)
    c = s.client()
    c.xadd("s", {"a": 1}, id="1-0")
    c.xgroup_create("s", "g", id="$")
    # XREAD $ is served by the next XADD, in arrival order, one key at a time.
    r1 = blocked(s.port, "XREAD", "BLOCK", "0", "STREAMS", "s", "t", "$", "$")
    r2 = blocked(s.port, "XREAD", "BLOCK", "0", "COUNT", "5", "STREAMS", "s", "$", proto=3)
    g1 = blocked(s.port, "XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 3)
    c.xadd("s", {"b": 2}, id="2-0")
    assert r1.read() == [[b"s", [[b"2-0", [b"b", b"2"]]]]]
    assert r2.read() == {b"s": [[b"2-0", [b"b", b"2"]]]}
    assert g1.read() == [[b"s", [[b"2-0", [b"b", b"2"]]]]]
    assert c.xpending("s", "g")["pending"] == 1
    # Timeouts reply a null array.
    t = blocked(s.port, "XREAD", "BLOCK", "50", "STREAMS", "s", "$")
    assert t.read() is None
    # Deleting the key wakes group readers with -UNBLOCKED; XREAD stays.
    g2 = blocked(s.port, "XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "STREAMS", "s", ">")
    x = blocked(s.port, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(c, 2)
    c.delete("s")
    err = g2.read()
    assert isinstance(err, Exception) and str(err).startswith("UNBLOCKED the stream key no longer")
    c.xadd("s", {"c": 3}, id="3-0")
    assert x.read() == [[b"s", [[b"3-0", [b"c", b"3"]]]]]
    # Destroying the group: -NOGROUP.
    c.xgroup_create("s", "h", id="$")
    g3 = blocked(s.port, "XREADGROUP", "GROUP", "h", "c", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    c.execute_command("XGROUP", "DESTROY", "s", "h")
    err = g3.read()
    assert isinstance(err, Exception) and str(err).startswith("NOGROUP the consumer group")
    # FLUSHALL and SWAPDB take the key away from group readers too.
    for how in (("FLUSHALL",), ("SWAPDB", "0", "1")):
        c.execute_command("XGROUP", "CREATE", "f", "g", "$", "MKSTREAM")
        gf = blocked(s.port, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "f", ">")
        wait_blocked(c, 1)
        c.execute_command(*how)
        err = gf.read()
        assert isinstance(err, Exception) and str(err).startswith("UNBLOCKED"), (how, err)
        gf.close()
    c.execute_command("FLUSHALL")
    c.xadd("s", {"c": 3}, id="3-0")
    # Inside MULTI a blocking read answers at once.
    m = RespConn(s.port)
    m.call("MULTI")
    m.call("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    assert m.call("EXEC") == [None]
    for conn in (r1, r2, g1, t, g2, x, g3, m):
        conn.close()


def test_blocked_group_read_is_propagated(start_server):
    """A blocked XREADGROUP served by an XADD propagates its XCLAIM: the
    replica's PEL matches."""
    master = start(start_server, CASTOR_SERVER)
    replica = start(start_server, REDIS_SERVER)
    mc, rc = master.client(), replica.client()
    assert rt.replicaof(rc, master) == "OK"
    rt.wait_for_sync(mc, rc)
    mc.xgroup_create("s", "g", id="$", mkstream=True)
    g = blocked(master.port, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(mc, 1)
    mc.xadd("s", {"a": 1}, id="5-0")
    assert g.read() == [[b"s", [[b"5-0", [b"a", b"1"]]]]]
    g.close()
    rt.wait_for_sync(mc, rc)
    assert rc.xpending("s", "g")["pending"] == 1
    assert rc.xinfo_groups("s")[0]["last-delivered-id"] == b"5-0"


# ---- Corrupt payloads --------------------------------------------------------------------------

def test_corrupt_stream_payloads_are_rejected(pair):
    r = pair.redis.client()
    c = pair.castor.client()
    r.xadd("s", {"a": 1, "b": 2}, id="1-1")
    r.xadd("s", {"a": 3, "b": 4}, id="1-2")
    r.xgroup_create("s", "g", id="0")
    r.xreadgroup("g", "c", {"s": ">"})
    good = r.dump("s")
    assert c.restore("ok", 0, good)
    # Past the checksum, so that the loader itself meets the damage.
    c.execute_command("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1")
    # Every single-byte change and truncation either loads a consistent
    # stream or is refused; castor never crashes.
    for i in range(len(good) - 10):
        for delta in (1, 0x7f, 0xff):
            bad = bytearray(good)
            bad[i] = (bad[i] + delta) & 0xff
            try:
                c.restore("k", 0, bytes(bad), replace=True)
                c.execute_command("XINFO", "STREAM", "k", "FULL")
                c.xrange("k")
                c.xrevrange("k")
            except Exception as e:   # an error reply, not a dropped connection
                assert "ERR" in str(e) or "Bad data format" in str(e) or "WRONGTYPE" in str(e) \
                    or "checksum" in str(e), e
    assert c.ping()
    c.execute_command("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0")


# ---- Hand-made stream payloads (type 19) -------------------------------------------------------

import struct  # noqa: E402

import rdblib  # noqa: E402


def node(master, entries, fields=("a",)):
    """A node listpack: master entry, then (ms, seq, values, flags) entries
    with the master's fields (SAMEFIELDS)."""
    live = sum(1 for e in entries if not (e[3] & 1))
    vals = [live, len(entries) - live, len(fields), *fields, 0]
    for ms, seq, values, flags in entries:
        vals += [flags | 2, ms - master[0], seq - master[1], *values, len(values) + 3]
    key = struct.pack(">QQ", *master)
    return rdblib.string(key) + rdblib.string(rdblib.listpack(vals))


def stream_payload(nodes, length, last, groups, rdb_type=19):
    """A DUMP payload of RDB type 15 (Redis 5-6.2), 19 (7.0) or 21 (7.2:
    consumers' active time)."""
    body = rdblib.length(len(nodes)) + b"".join(nodes)
    body += rdblib.length(length) + rdblib.length(last[0]) + rdblib.length(last[1])
    if rdb_type != 15:
        body += rdblib.length(1) + rdblib.length(1) + b"\x00\x00" + rdblib.length(length)
    body += rdblib.length(len(groups))
    for name, gid, pel, consumers in groups:
        body += rdblib.string(name) + rdblib.length(gid[0]) + rdblib.length(gid[1])
        if rdb_type != 15:
            body += rdblib.length(len(pel))   # entries-read
        body += rdblib.length(len(pel))
        for ms, seq in pel:
            body += struct.pack(">QQ", ms, seq) + struct.pack("<q", 1000) + rdblib.length(1)
        body += rdblib.length(len(consumers))
        for cname, ids in consumers:
            body += rdblib.string(cname) + struct.pack("<q", 1000)
            if rdb_type == 21:
                body += struct.pack("<q", 2000)   # active time (7.2)
            body += rdblib.length(len(ids))
            for ms, seq in ids:
                body += struct.pack(">QQ", ms, seq)
    return rdblib.payload(rdb_type, body, version=10)


GOOD_NODES = [node((1, 1), [(1, 1, ["x"], 0), (1, 2, ["y"], 0)])]


CORRUPT = {
    "pel-owned-by-two-consumers":
        stream_payload(GOOD_NODES, 2, (1, 2),
                       [("g", (1, 2), [(1, 1)], [("c1", [(1, 1)]), ("c2", [(1, 1)])])]),
    "pel-owned-twice-by-one":
        stream_payload(GOOD_NODES, 2, (1, 2), [("g", (1, 2), [(1, 1)], [("c1", [(1, 1), (1, 1)])])]),
    "consumer-id-not-in-group-pel":
        stream_payload(GOOD_NODES, 2, (1, 2), [("g", (1, 2), [(1, 1)], [("c1", [(1, 2)])])]),
    "duplicate-group":
        stream_payload(GOOD_NODES, 2, (1, 2), [("g", (1, 2), [], []), ("g", (1, 2), [], [])]),
    "length-lies":
        stream_payload(GOOD_NODES, 5, (1, 2), []),
    "last-id-below-entries":
        stream_payload(GOOD_NODES, 2, (1, 1), []),
    "entries-out-of-order":
        stream_payload([node((1, 1), [(1, 3, ["x"], 0), (1, 2, ["y"], 0)])], 2, (1, 3), []),
    "nodes-out-of-order":
        stream_payload([node((2, 1), [(2, 1, ["x"], 0)]), node((1, 1), [(1, 1, ["y"], 0)])],
                       2, (2, 1), []),
    "lp-count-lies":
        stream_payload([node((1, 1), [(1, 1, ["x"], 0), (1, 2, ["y"], 0)], ())], 2, (1, 2), []),
}


def test_handmade_valid_stream_payload_loads_in_both(pair):
    good = stream_payload(GOOD_NODES, 2, (1, 2), [("g", (1, 1), [(1, 1)], [("c1", [(1, 1)])])])
    for side in ("castor", "redis"):
        conn = pair.conn(side)
        assert conn.call("RESTORE", "k", "0", good) == "OK"
    pair.check("XRANGE", "k", "-", "+")
    pair.check("XPENDING", "k", "g")


def test_older_and_newer_stream_types_load(pair):
    """Type 15 (Redis <= 6.2: no first/max-deleted IDs, entries-read
    estimated) loads like redis-server loads it; type 21 (7.2, which 7.0
    cannot read) loads in castor with the same state."""
    nodes = [node((1, 1), [(1, 1, ["x"], 0), (1, 2, ["y"], 1), (2, 5, ["z"], 0)])]
    groups = [("g", (1, 1), [(1, 1)], [("c1", [(1, 1)]), ("c2", [])])]
    v1 = stream_payload(nodes, 2, (2, 5), groups, rdb_type=15)
    for side in ("castor", "redis"):
        assert pair.conn(side).call("RESTORE", "v1", "0", v1) == "OK"
    pair.check("XINFO", "GROUPS", "v1")
    pair.check("XRANGE", "v1", "-", "+")
    info = pair.check("XINFO", "STREAM", "v1")
    assert info[info.index(b"entries-added") + 1] == 2
    c = pair.conn("castor")
    v3 = stream_payload(nodes, 2, (2, 5), groups, rdb_type=21)
    assert c.call("RESTORE", "v3", "0", v3) == "OK"
    assert c.call("XPENDING", "v3", "g")[0] == 1
    assert [x[1] for x in c.call("XINFO", "CONSUMERS", "v3", "g")] == [b"c1", b"c2"]


@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_corrupt_stream_payload_is_refused(pair, name):
    """castor refuses each (sanitize-dump-payload or not); redis-server,
    with sanitize-dump-payload yes, refuses the ones 7.0 checks."""
    c = pair.conn("castor")
    for sanitize in ("no", "yes"):
        c.call("CONFIG", "SET", "sanitize-dump-payload", sanitize)
        reply = c.call_node("RESTORE", "k", "0", CORRUPT[name])
        assert reply[0] == "-" and b"Bad data format" in reply[1], (sanitize, reply)
        assert c.call("EXISTS", "k") == 0
    c.call("CONFIG", "SET", "sanitize-dump-payload", "no")
    assert c.call("PING") == "PONG"


# ---- AOF rewrite -------------------------------------------------------------------------------

@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_rewrite_keeps_streams(start_server, preamble):
    """BGREWRITEAOF (RDB preamble, or commands: RESTORE of each stream's
    DUMP) then DEBUG LOADAOF gives back the same streams and groups."""
    s = start(start_server, CASTOR_SERVER, appendonly="yes", **{"aof-use-rdb-preamble": preamble})
    c = s.client()
    populate_streams(c)
    assert c.bgrewriteaof()
    rt_deadline = time.time() + 30
    while int(rt.info(c, "persistence")["aof_rewrite_in_progress"]) and time.time() < rt_deadline:
        time.sleep(0.05)
    c.xadd("s2", {"after": 1}, id="100-0")   # in the incr file, after the base
    c.execute_command("XDEL", "s2", "100-0")
    before = {k: stream_state(c, k) for k in ("s1", "s2", "empty", "made")}
    digest = c.execute_command("DEBUG", "DIGEST")
    assert c.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert {k: stream_state(c, k) for k in before} == before
    assert c.execute_command("DEBUG", "DIGEST") == digest
