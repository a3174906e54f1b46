"""UNLINK and FLUSHALL ASYNC against redis-server 7.0.15: which values go
to the lazy free thread (Redis's free effort above 64 allocations), as
INFO lazyfreed_objects counts them (unit/lazyfree)."""

import time

import pytest


def lazyfreed(conn):
    deadline = time.monotonic() + 10
    while True:
        info = conn.call("INFO", "memory")
        info = info.decode() if isinstance(info, bytes) else info
        fields = dict(line.split(":", 1) for line in info.split("\r\n") if ":" in line)
        if fields["lazyfree_pending_objects"] == "0":
            return int(fields["lazyfreed_objects"])
        assert time.monotonic() < deadline, "lazy free never finished"
        time.sleep(0.01)


def build(pair, kind, n):
    if kind == "set":
        pair.check("SADD", "k", *("m%d" % i for i in range(n)))
    elif kind == "hash":
        pair.check("HSET", "k", *[x for i in range(n) for x in ("f%d" % i, "v")])
    elif kind == "zset":
        pair.check("ZADD", "k", *[x for i in range(n) for x in (str(i), "m%d" % i)])
    elif kind == "list":
        pair.check("RPUSH", "k", *("x" * 1000 for _ in range(n)))
    elif kind == "stream":
        pair.check("CONFIG", "SET", "stream-node-max-entries", "5")
        for i in range(n):
            pair.check("XADD", "k", "%d-1" % (i + 1), "f", str(i))
        pair.check("XGROUP", "CREATE", "k", "g", "0")


@pytest.mark.parametrize("kind,n", [("set", 64), ("set", 65), ("hash", 100), ("hash", 200),
                                    ("zset", 100), ("zset", 200), ("list", 10), ("list", 600),
                                    ("stream", 10), ("stream", 400)])
def test_unlink_counts_lazy_frees_as_redis(pair, kind, n):
    build(pair, kind, n)
    pair.check("OBJECT", "ENCODING", "k")
    pair.check("CONFIG", "RESETSTAT")
    pair.check("UNLINK", "k")
    counts = [lazyfreed(pair.conn(side)) for side in ("castor", "redis")]
    assert counts[0] == counts[1], "castor %d, redis %d" % tuple(counts)


def test_flushall_async_counts_every_key_as_redis(pair):
    pair.check("DEBUG", "POPULATE", "300")
    pair.check("SELECT", "2")
    pair.check("DEBUG", "POPULATE", "50")
    pair.check("CONFIG", "RESETSTAT")
    pair.check("FLUSHALL", "ASYNC")
    pair.check("DBSIZE")
    counts = [lazyfreed(pair.conn(side)) for side in ("castor", "redis")]
    assert counts == [350, 350], counts
    pair.check("SELECT", "0")
