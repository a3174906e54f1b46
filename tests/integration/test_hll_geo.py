"""HyperLogLog and geo commands against the ASan+UBSan server: hostile values
and arguments, and what the effect stream (AOF) makes of them.

The comparisons with redis-server live in tests/interop (test_diff_hll.py,
test_diff_geo.py, test_hllgeo_interop.py); here castor alone is driven with
values a client can craft (SET, SETRANGE, RESTORE of a tampered payload)
and arguments at the edges of the number types, and must answer with an
error or a result, never a stray memory access (the sanitizers fail the
test on any), a hang or a crash. "A corrupt or crafted HLL gets
-INVALIDOBJ ... never an out-of-bounds read or write" (issue #14).
"""

import random

import pytest
import redis

import repltest as rt
from castortest import CASTOR_SERVER, Server, wait_for
from repltest import start_server  # noqa: F401  (replicas stop before masters)
from resp import RespConn

INVALIDOBJ = "INVALIDOBJ Corrupted HLL object detected"
READERS = [("PFCOUNT", "h"), ("PFCOUNT", "h", "h"), ("PFMERGE", "m", "h"), ("PFADD", "h", "x"),
           ("PFDEBUG", "DECODE", "h"), ("PFDEBUG", "GETREG", "h"), ("PFDEBUG", "TODENSE", "h"),
           ("PFDEBUG", "ENCODING", "h")]


def sparse(body, card=b"\x00" * 7 + b"\x80"):
    return b"HYLL\x01\x00\x00\x00" + card + body


def call(conn, *args):
    """The reply, or the error text (RespConn returns errors as values)."""
    return conn.call(*args)


@pytest.mark.parametrize("body", [
    b"\x7f\xff" * 262145 + b"\x83\x83\x83",    # register index past 2^31, then VAL runs
    b"\x7f\xff" * 131073 + b"\x80",
    b"\x40\x00" * 70000 + b"\xff",
    b"\x7f\xfe\x83" * 1000,
    b"\xff" * 5000,
    b"\x7f",
], ids=["wrap31", "wrap-half", "many-xzero1", "val-overruns", "vals", "half-xzero"])
def test_crafted_sparse_bodies_never_touch_memory_outside(server, body):
    c = RespConn(server.port)
    for cmd in READERS:
        assert call(c, "SET", "h", sparse(body)) == "OK"
        reply = call(c, *cmd)
        if cmd[0] == "PFCOUNT" and len(body) > 1000:
            assert str(reply) == INVALIDOBJ, (cmd, reply)
    assert call(c, "PING") == "PONG"


def test_random_corruption_fuzz(server):
    """The suite's fuzzer, longer: random bytes over sparse and dense values,
    then every command that reads or writes them."""
    c = RespConn(server.port)
    rnd = random.Random(1414)
    for j in range(400):
        call(c, "DEL", "h")
        n = rnd.choice([3, 30, 300, 3000])
        call(c, "PFADD", "h", *[str(rnd.random()) for _ in range(n)])
        for _ in range(rnd.randint(1, 8)):
            length = call(c, "STRLEN", "h")
            call(c, "SETRANGE", "h", rnd.randrange(length), bytes([rnd.getrandbits(8)]))
        if j % 7 == 0:
            call(c, "APPEND", "h", bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 9))))
        for cmd in READERS:
            call(c, *cmd)
    assert call(c, "PING") == "PONG"


def test_restore_of_a_tampered_hll_payload(server):
    """A DUMP payload is checked by its CRC, not by HLL rules: RESTORE takes
    a corrupt HyperLogLog, and the readers must still refuse it."""
    r = server.client()
    r.set("h", sparse(b"\x7f\xff" * 40000 + b"\x83"))
    payload = r.dump("h")
    r.delete("h")
    r.restore("h", 0, payload)
    with pytest.raises(redis.ResponseError, match="^" + INVALIDOBJ):
        r.pfcount("h")
    with pytest.raises(redis.ResponseError, match="^" + INVALIDOBJ):
        r.pfmerge("m", "h")
    assert r.ping()


def test_hll_effects_replay_from_the_aof(tmp_path):
    """PFADD, PFMERGE, PFCOUNT's cache refresh and PFDEBUG's conversion are
    effects: after a restart the values are the same bytes."""
    s = Server(tmp_path, binary=CASTOR_SERVER, directives={"appendonly": "yes"}, name="castor")
    try:
        s.start()
        r = s.client()
        r.pfadd("a", *range(100))
        r.pfadd("b", *range(50, 5000))
        r.pfcount("a")
        r.pfmerge("m", "a", "b")
        r.execute_command("PFDEBUG", "TODENSE", "a")
        r.pfcount("m")
        before = {k: r.get(k) for k in (b"a", b"b", b"m")}
        assert before[b"a"][4] == 0 and before[b"m"][15] & 0x80 == 0
        s.stop()
        s.start()
        r = s.client()
        assert {k: r.get(k) for k in (b"a", b"b", b"m")} == before
    finally:
        s.stop()


def test_geo_effects_replay_from_the_aof(tmp_path):
    """GEOADD goes to the AOF as ZADD, a STORE search as itself."""
    s = Server(tmp_path, binary=CASTOR_SERVER, directives={"appendonly": "yes"}, name="castor")
    try:
        s.start()
        r = s.client()
        r.execute_command("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269",
                          "37.502669", "Catania")
        c = RespConn(s.port)
        assert call(c, "GEORADIUS", "g", 15, 37, 200, "km", "STOREDIST", "d") == 2
        assert call(c, "GEOSEARCHSTORE", "e", "g", "FROMMEMBER", "Palermo", "BYRADIUS", 1, "km") == 1
        c.close()
        before = (r.zrange("g", 0, -1, withscores=True), r.zrange("d", 0, -1, withscores=True),
                  r.zrange("e", 0, -1, withscores=True))
        def aof():
            return b"".join(p.read_bytes() for p in (tmp_path / "appendonlydir").glob("*.incr.aof"))
        # With appendfsync everysec a write may wait for a background fsync
        # (as Redis: up to 2 s) after the reply went out: poll for it.
        wait_for(lambda: b"GEOSEARCHSTORE" in aof().upper(), 5, msg="the AOF never got the search")
        assert b"zadd" in aof() and b"GEOADD" not in aof().upper().replace(b"ZADD", b"")
        assert aof().upper().count(b"GEORADIUS") == 1
        s.stop()
        s.start()
        r = s.client()
        after = (r.zrange("g", 0, -1, withscores=True), r.zrange("d", 0, -1, withscores=True),
                 r.zrange("e", 0, -1, withscores=True))
        assert after == before
    finally:
        s.stop()


EXTREME_ARGS = [
    ("GEORADIUS", "z", "0", "0", "inf", "km", "WITHDIST", "WITHHASH", "WITHCOORD"),
    ("GEORADIUS", "z", "0", "0", "1e308", "mi", "COUNT", "9223372036854775807", "ANY"),
    ("GEORADIUS", "z", "180", "85.05112878", "0", "m"),
    ("GEORADIUS", "z", "-180", "-85.05112878", "1e-320", "ft", "ASC"),
    ("GEOSEARCH", "z", "FROMLONLAT", "0", "0", "BYBOX", "inf", "inf", "km", "DESC", "COUNT", "3"),
    ("GEOSEARCH", "z", "FROMLONLAT", "0", "0", "BYBOX", "1e308", "0", "m"),
    ("GEOSEARCH", "z", "FROMMEMBER", "huge", "BYRADIUS", "20000", "km", "WITHCOORD"),
    ("GEOSEARCHSTORE", "d", "z", "FROMMEMBER", "neg", "BYRADIUS", "1e300", "km", "STOREDIST"),
    ("GEOPOS", "z", "huge", "ninf", "pinf", "neg", "tiny"),
    ("GEOHASH", "z", "huge", "ninf", "pinf", "neg", "tiny"),
    ("GEODIST", "z", "huge", "ninf", "km"),
    ("GEOADD", "z", "1e-320", "-1e-320", "denormal"),
]


def test_geo_on_scores_and_arguments_at_the_edges(server):
    """Sorted sets whose scores are no geohash (infinities, huge and
    negative values), radii and boxes of 0, denormals and infinity, counts
    at LLONG_MAX: answers, no undefined behaviour (UBSan)."""
    c = RespConn(server.port)
    call(c, "ZADD", "z", "1e300", "huge", "-inf", "ninf", "inf", "pinf", "-5", "neg",
         "5e-324", "tiny", "4503599627370495", "top")
    for args in EXTREME_ARGS:
        call(c, *args)
    assert call(c, "PING") == "PONG"


def test_big_searches_are_bounded(server):
    """20,000 points, a search of the whole world with every option, sorted
    and partially sorted: the reply arrives whole."""
    r = server.client()
    rnd = random.Random(2)
    args = []
    for i in range(20000):
        args += [rnd.uniform(-180, 180), rnd.uniform(-85, 85), "p%d" % i]
    r.execute_command("GEOADD", "w", *args)
    c = RespConn(server.port)
    assert len(call(c, "GEOSEARCH", "w", "FROMLONLAT", 0, 0, "BYRADIUS", 25000, "km", "ASC")) == 20000
    got = call(c, "GEOSEARCH", "w", "FROMLONLAT", 0, 0, "BYBOX", 40000, 20000, "km",
               "WITHDIST", "WITHHASH", "WITHCOORD", "DESC", "COUNT", 5000)
    assert len(got) == 5000
    dists = [float(x[1]) for x in got]
    assert dists == sorted(dists, reverse=True)


def test_pfcount_is_held_by_client_pause_write(server):
    """PFCOUNT may write (its cache) and propagate: Redis 7.0 flags it
    may-replicate, and CLIENT PAUSE WRITE holds it (the suite's "special
    commands are paused by RO"); PFCOUNT of several keys too."""
    admin, rd = server.raw(), server.raw()
    assert admin.call("PFADD", "h", "a", "b") == 1
    assert admin.call("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    rd.send("PFCOUNT", "h")

    def held():
        lines = admin.call("CLIENT", "LIST").decode().splitlines()
        return any(" cmd=pfcount " in l and " flags=b " in l for l in lines)
    wait_for(held, 5, msg="PFCOUNT held by the pause")
    assert admin.call("GEOPOS", "nokey", "m") == [None]   # reads still run
    assert admin.call("CLIENT", "UNPAUSE") == "OK"
    assert rd.read() == 2


def test_geoadd_scores_reach_a_replica_attached_later(start_server):
    """GEOADD formats its ZADD effect's score texts only when something reads
    effects: before a replica is attached it skips them, after it the
    replica gets every score (options and several points included)."""
    fast = {"repl-diskless-sync-delay": "0"}
    master = start_server(directives=fast)
    m = master.client()
    assert m.execute_command("GEOADD", "g", "13.361389", "38.115556", "Palermo") == 1
    replica = start_server(directives=fast)
    r = replica.client()
    assert rt.replicaof(r, master) == "OK"
    rt.wait_for_sync(m, r)
    assert m.execute_command("GEOADD", "g", "15.087269", "37.502669", "Catania",
                             "2.349014", "48.864716", "Paris") == 2
    assert m.execute_command("GEOADD", "g", "XX", "CH", "13.4", "38.1", "Palermo") == 1
    assert m.execute_command("GEOADD", "g", "NX", "-122.4194", "37.7749", "SF", "0", "0",
                             "Palermo") == 1
    assert m.execute_command("GEOADD", "g", "-180", "-85.05112878", "corner") == 1
    rt.wait_for_sync(m, r)
    want = m.zrange("g", 0, -1, withscores=True)
    assert len(want) == 5
    assert r.zrange("g", 0, -1, withscores=True) == want
