"""HyperLogLogs and geo sets moving between castor and Debian's
redis-server 7.0.15: through RDB files, DUMP/RESTORE and replication, each
in both directions. After each move both servers hold the same bytes
(DEBUG DIGEST, every value), count the same (PFCOUNT of each key and of
unions) and find the same (GEOSEARCH/GEORADIUS/GEOPOS/GEODIST answers
compared exactly). Over replication the writes made while attached are
the interesting part: PFCOUNT's cache refresh and PFDEBUG's conversion
travel as commands, GEOADD as ZADD, STORE searches as themselves.

"HyperLogLogs are encoded as Redis strings ... you can also DUMP / RESTORE
them, or use RDB files and replication." (Redis HyperLogLog documentation)
"""

import os
import random

import pytest

import repltest as rt
from castortest import CASTOR_SERVER, REDIS_SERVER, Server
from repltest import start_server  # noqa: F401  (replicas stop before masters)
from resp import RespConn, normalize

FAST = {"repl-diskless-sync-delay": "0"}


# ---- The data set and the questions asked of it ---------------------------------------------

def populate(c, seed=5):
    """HyperLogLogs in every state (empty, sparse, near the sparse limit,
    dense, cached, stale, merged) and geo sets in both encodings."""
    rnd = random.Random(seed)
    c.pfadd("hll:empty")
    c.pfadd("hll:small", *["a%d" % i for i in range(20)])
    c.pfadd("hll:sparse", *["s%d" % i for i in range(900)])
    c.pfadd("hll:dense", *["d%d" % i for i in range(30000)])
    c.pfadd("hll:cached", *["c%d" % i for i in range(300)])
    c.pfcount("hll:cached")
    c.pfmerge("hll:merged", "hll:small", "hll:dense")
    c.pfadd("hll:todense", "x", "y")
    c.execute_command("PFDEBUG", "TODENSE", "hll:todense")
    c.pfadd("hll:ttl", "t")
    c.expire("hll:ttl", 10000)
    c.geoadd("geo:sicily", [13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania"])
    pts = []
    for i in range(500):
        pts += [rnd.uniform(-10, 30), rnd.uniform(35, 60), "city:%d" % i]
    c.geoadd("geo:europe", pts)
    c.geoadd("geo:small", [2.35, 48.85, "paris", 13.40, 52.52, "berlin", -0.12, 51.5, "london"])
    rt.raw_call(c, "GEOSEARCHSTORE", "geo:near", "geo:europe", "FROMLONLAT", 10, 50,
                      "BYRADIUS", 400, "km", "STOREDIST")


def write_while_attached(c, seed):
    """Writes whose effects must reach a replica: new registers, cache
    refreshes, conversions, merges, geo adds and stores."""
    rnd = random.Random(seed)
    for i in range(60):
        c.pfadd("hll:live", *["l%d-%d" % (seed, rnd.getrandbits(32)) for _ in range(rnd.randint(1, 60))])
        if i % 5 == 0:
            c.pfcount("hll:live")
    c.pfcount("hll:sparse")
    c.pfadd("hll:cached", "new")
    c.pfcount("hll:cached")
    c.execute_command("PFDEBUG", "GETREG", "hll:small")
    c.pfmerge("hll:merged", "hll:live", "hll:sparse")
    c.geoadd("geo:small", [12.49, 41.9, "rome", 2.35, 48.86, "paris"])
    c.geoadd("geo:small", [2.35, 48.87, "paris"], xx=True, ch=True)
    rt.raw_call(c, "GEORADIUS", "geo:europe", 5, 45, 300, "km", "STORE", "geo:store1")
    rt.raw_call(c, "GEORADIUSBYMEMBER", "geo:europe", "city:7", 500, "km", "COUNT", 5,
                      "STOREDIST", "geo:store2")
    rt.raw_call(c, "GEOSEARCHSTORE", "geo:store3", "geo:europe", "FROMLONLAT", 0, 50,
                      "BYBOX", 800, 300, "km", "DESC", "COUNT", 20)
    rt.raw_call(c, "GEOSEARCHSTORE", "geo:near", "geo:europe", "FROMLONLAT", 170, 0,
                      "BYRADIUS", 1, "km")   # nothing found: the key goes


QUESTIONS = [
    ("PFCOUNT", "hll:empty"), ("PFCOUNT", "hll:small"), ("PFCOUNT", "hll:sparse"),
    ("PFCOUNT", "hll:dense"), ("PFCOUNT", "hll:cached"), ("PFCOUNT", "hll:merged"),
    ("PFCOUNT", "hll:todense"), ("PFCOUNT", "hll:small", "hll:dense", "hll:sparse"),
    ("GEOPOS", "geo:sicily", "Palermo", "Catania", "nope"), ("GEOHASH", "geo:small", "paris"),
    ("GEODIST", "geo:sicily", "Palermo", "Catania", "km"),
    ("GEOSEARCH", "geo:europe", "FROMLONLAT", 10, 50, "BYRADIUS", 300, "km", "WITHDIST",
     "WITHCOORD", "WITHHASH", "ASC"),
    ("GEOSEARCH", "geo:europe", "FROMMEMBER", "city:3", "BYBOX", 500, 200, "km", "COUNT", 7),
    ("GEORADIUS_RO", "geo:small", 5, 50, 1000, "km", "WITHDIST", "DESC"),
    ("ZRANGE", "geo:near", 0, -1, "WITHSCORES"),
]


# PFDEBUG is a write command: not for a replica.
DEBUG_QUESTIONS = [("PFDEBUG", "ENCODING", "hll:sparse"), ("PFDEBUG", "DECODE", "hll:small"),
                   ("PFDEBUG", "ENCODING", "hll:merged")]


def same_answers(a, b, replica=False):
    """DEBUG DIGEST and every value equal, then the same replies to
    QUESTIONS (which may refresh caches: asked of both alike)."""
    rt.assert_same_digest(a, b)
    rt.assert_same_data(a, b, dbs=[0])
    ca, cb = (RespConn(rt.host_port(x)[1]) for x in (a, b))
    try:
        for q in QUESTIONS + ([] if replica else DEBUG_QUESTIONS):
            na, nb = ca.call_node(*q), cb.call_node(*q)
            assert normalize(na) == normalize(nb), "%r\n %r\n %r" % (q, na, nb)
    finally:
        ca.close()
        cb.close()
    rt.assert_same_digest(a, b)


def start(start_server, binary, **directives):
    name = "castor" if binary == CASTOR_SERVER else "redis"
    return start_server(directives=dict(FAST, **directives), binary=binary, name=name)


# ---- RDB ------------------------------------------------------------------------------------

def save_and_load(tmp_path, src, binary):
    """SAVE on src, start a 'binary' server on a copy of its file."""
    c = src.client()
    assert c.save()
    data = open(os.path.join(src.workdir, "dump.rdb"), "rb").read()
    d = tmp_path / ("load-" + os.path.basename(binary))
    d.mkdir()
    (d / "dump.rdb").write_bytes(data)
    s = Server(d, binary=binary, name="loaded", directives={"dbfilename": "dump.rdb"})
    s.start()
    return s


@pytest.mark.parametrize("direction", ["castor-to-redis", "redis-to-castor"])
def test_rdb_file_both_ways(start_server, tmp_path, direction):
    src_bin, dst_bin = ((CASTOR_SERVER, REDIS_SERVER) if direction == "castor-to-redis"
                        else (REDIS_SERVER, CASTOR_SERVER))
    src = start(start_server, src_bin)
    populate(src.client())
    dst = save_and_load(tmp_path, src, dst_bin)
    try:
        same_answers(src.client(), dst.client())
        # Both go on identically from the loaded state.
        for s in (src, dst):
            write_while_attached(s.client(), seed=9)
        same_answers(src.client(), dst.client())
    finally:
        dst.stop()


# ---- DUMP / RESTORE -------------------------------------------------------------------------

@pytest.mark.parametrize("direction", ["castor-to-redis", "redis-to-castor"])
def test_dump_restore_both_ways(start_server, direction):
    a = start(start_server, CASTOR_SERVER if direction == "castor-to-redis" else REDIS_SERVER)
    b = start(start_server, REDIS_SERVER if direction == "castor-to-redis" else CASTOR_SERVER)
    ca, cb = a.client(), b.client()
    populate(ca)
    for k in ca.scan_iter(count=1000):
        cb.restore(k, max(ca.pttl(k), 0), ca.dump(k))
    same_answers(ca, cb)
    # And back: the restored copy dumps to a payload the first server takes.
    for k in cb.scan_iter(count=1000):
        ca.restore(k, max(cb.pttl(k), 0), cb.dump(k), replace=True)
    same_answers(ca, cb)


# ---- Replication ----------------------------------------------------------------------------

@pytest.mark.parametrize("direction", ["castor-master", "redis-master"])
def test_replication_both_ways(start_server, direction):
    master = start(start_server, CASTOR_SERVER if direction == "castor-master" else REDIS_SERVER)
    replica = start(start_server, REDIS_SERVER if direction == "castor-master" else CASTOR_SERVER)
    mc, rc = master.client(), replica.client()
    populate(mc)
    assert rt.replicaof(rc, master) == "OK"
    rt.wait_for_sync(mc, rc)
    same_answers(mc, rc, replica=True)
    write_while_attached(mc, seed=1)
    rt.wait_for_sync(mc, rc)
    rt.assert_same_digest(mc, rc)
    rt.assert_same_data(mc, rc, dbs=[0])
    # The reads on the master refresh caches; the refreshes replicate too.
    write_while_attached(mc, seed=2)
    for q in QUESTIONS:
        rt.raw_call(mc, *q)
    rt.wait_for_sync(mc, rc)
    rt.assert_same_digest(mc, rc)
    rt.assert_same_data(mc, rc, dbs=[0])
