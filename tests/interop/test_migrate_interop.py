"""MIGRATE between castor and Debian's redis-server 7.0.15, both ways: every
type in both of its encodings, large values (the pipeline goes out in 64 KB
pieces), TTLs, a target database and a password. After each move the
target's DEBUG DIGEST-VALUE of every key equals what the source had, the source is empty (or
unchanged with COPY) and TTLs survive."""

import random

import pytest

from castortest import CASTOR_SERVER, REDIS_SERVER, Server
from resp import RespConn


@pytest.fixture
def servers(tmp_path):
    made = {
        "castor": Server(tmp_path / "c", binary=CASTOR_SERVER, name="castor",
                         directives={"requirepass": "pw1"}),
        "redis": Server(tmp_path / "r", binary=REDIS_SERVER, name="redis",
                        directives={"requirepass": "pw2"}),
    }
    try:
        for s in made.values():
            s.start()
        yield made
    finally:
        for s in made.values():
            s.stop()


def populate(c):
    rnd = random.Random(7)
    keys = []

    def add(key, *cmd):
        c.call(*cmd)
        keys.append(key)
    add("s:small", "SET", "s:small", "v")
    add("s:int", "SET", "s:int", "12345")
    add("s:big", "SET", "s:big", bytes(rnd.getrandbits(8) for _ in range(300000)))
    add("l:small", "RPUSH", "l:small", "a", "b", "1")
    add("l:big", "RPUSH", "l:big", *["e%d" % i for i in range(3000)])
    add("h:small", "HSET", "h:small", "f", "v", "n", "1")
    add("h:big", "HSET", "h:big", *[x for i in range(1000) for x in ("f%d" % i, "v%d" % i)])
    add("z:small", "ZADD", "z:small", "1", "a", "-2.5", "b")
    add("z:big", "ZADD", "z:big", *[x for i in range(500) for x in (str(i / 3), "m%d" % i)])
    add("set:int", "SADD", "set:int", "1", "2", "3")
    add("set:small", "SADD", "set:small", "a", "b")
    add("set:big", "SADD", "set:big", *["m%d" % i for i in range(1000)])
    add("hll", "PFADD", "hll", *["x%d" % i for i in range(5000)])
    add("ttl", "SET", "ttl", "t")
    c.call("PEXPIRE", "ttl", "500000")
    return keys


def one_way(src, dst, dst_pw, db):
    s = RespConn(src.port, password=src.password)
    keys = populate(s)
    digest = s.call("DEBUG", "DIGEST-VALUE", *keys)  # DIGEST would mix in the db number
    assert b"0" * 40 not in digest
    r = s.call("MIGRATE", "127.0.0.1", str(dst.port), "", str(db), "5000", "AUTH", dst_pw,
               "KEYS", *keys)
    assert r == "OK", r
    assert s.call("DBSIZE") == 0
    d = RespConn(dst.port, password=dst.password)
    d.call("SELECT", str(db))
    assert d.call("DEBUG", "DIGEST-VALUE", *keys) == digest
    assert 400000 < d.call("PTTL", "ttl") <= 500000
    assert d.call("OBJECT", "ENCODING", "set:int") == b"intset"
    assert d.call("OBJECT", "ENCODING", "h:big") == b"hashtable"
    # And back again, as a copy this time.
    r = d.call("MIGRATE", "127.0.0.1", str(src.port), "", "0", "5000", "COPY",
               "AUTH2", "default", src.password, "KEYS", *keys)
    assert r == "OK", r
    assert d.call("DBSIZE") == len(keys)
    assert s.call("DEBUG", "DIGEST-VALUE", *keys) == digest
    s.close()
    d.close()


def test_migrate_castor_to_redis_and_back(servers):
    one_way(servers["castor"], servers["redis"], "pw2", 3)


def test_migrate_redis_to_castor_and_back(servers):
    one_way(servers["redis"], servers["castor"], "pw1", 7)
