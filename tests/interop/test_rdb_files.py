"""RDB files moved between castor and redis-server 7.0, in both directions.

A user must be able to copy dump.rdb from Redis to castor and back (issue
#5). Each test builds one dataset with every type in its small and large
encodings, integer and long strings, TTLs and three databases, saves it on
one server, starts the other on a copy of the file and compares DEBUG DIGEST
(which covers every value and which keys have a TTL), the size of each
database and the TTLs themselves. The file castor writes must also pass
Debian's redis-check-rdb."""

import os
import shutil
import subprocess

import pytest

from castortest import CASTOR_SERVER, REDIS_SERVER, Server, wait_for

REDIS_CHECK_RDB = "/usr/bin/redis-check-rdb"
DBS = (0, 3, 15)


def build_dataset(r):
    """Every type and encoding Redis 7.0 writes, in databases 0, 3 and 15."""
    r.execute_command("SELECT", 0)
    # Strings: short, integer-encoded (8/16/32/64 bit, negative), long
    # compressible (LZF) and long incompressible, empty, binary.
    r.set("s:short", "hello")
    for i, v in enumerate([0, 7, -100, 300, -40000, 70000, 2**31 - 1, -2**31, 2**40, -2**62]):
        r.set("s:int:%d" % i, v)
    r.set("s:zeros", "0" * 100000)
    r.set("s:random", os.urandom(30000))
    r.set("s:empty", "")
    r.set(b"s:bin\x00\xff", b"\x00\x01\xfe\xff")
    r.set("s:float", "3.14159")
    r.set("s:notint", "0123")
    # Lists: one small listpack node, a long quicklist, big elements.
    r.rpush("l:small", "a", "b", 1, 2, -3)
    r.rpush("l:large", *["elem-%d" % i for i in range(5000)])
    r.rpush("l:bigelems", "y" * 10000, "z" * 70000, 42)
    # Hashes: listpack (few short fields) and hashtable (many / long).
    r.hset("h:small", mapping={"f1": "v1", "f2": 2, "f3": ""})
    r.hset("h:large", mapping={"field:%d" % i: i for i in range(1000)})
    r.hset("h:longval", mapping={"a": "x" * 100, "b": "short"})
    # Sets: intset small/large, string small/large.
    r.sadd("set:int:small", 1, 2, 3, -5, 2**40)
    r.sadd("set:int:large", *range(2000))
    r.sadd("set:str:small", "a", "b", "c")
    r.sadd("set:str:large", *["m%d" % i for i in range(1000)])
    # Sorted sets: listpack and skiplist, odd scores.
    r.zadd("z:small", {"a": 1, "b": 2.5, "c": -3.25, "d": 0})
    r.zadd("z:large", {"m%d" % i: i * 1.5 for i in range(1000)})
    r.zadd("z:longmember", {"x" * 100: 1, "y": float("inf"), "z": float("-inf")})
    # TTLs, far in the future so nothing expires during the test.
    r.set("ttl:s", "v", ex=100000)
    r.rpush("ttl:l", "a")
    r.pexpire("ttl:l", 200000000)
    r.hset("ttl:h", "f", "v")
    r.expire("ttl:h", 86400 * 365)
    r.execute_command("SELECT", 3)
    r.set("db3:s", "three")
    r.sadd("db3:set", *range(600))
    r.zadd("db3:z", {"a": 1})
    r.expire("db3:z", 5000)
    r.execute_command("SELECT", 15)
    r.hset("db15:h", mapping={"k%d" % i: "v" * i for i in range(100)})
    r.lpush("db15:l", "x")
    r.execute_command("SELECT", 0)


def snapshot_of(s):
    """(digest, {db: dbsize}, {(db, key): pttl}) of a running server."""
    r = s.client()
    sizes, ttls = {}, {}
    for db in DBS:
        r.execute_command("SELECT", db)
        sizes[db] = r.dbsize()
        for key in r.keys("*"):
            t = r.pttl(key)
            if t >= 0:
                ttls[(db, key)] = t
    r.execute_command("SELECT", 0)
    return r.execute_command("DEBUG", "DIGEST"), sizes, ttls


def assert_same(a, b):
    assert a[0] == b[0], "DEBUG DIGEST differs"
    assert a[1] == b[1]
    assert a[2].keys() == b[2].keys()
    for k, t in a[2].items():
        assert abs(t - b[2][k]) < 60000, (k, t, b[2][k])


@pytest.fixture
def servers():
    made = []
    yield made
    for s in made:
        s.stop()
        assert not s.sanitizer_report(), s.diagnostics()


def start(servers, binary, workdir, name):
    s = Server(workdir, binary=binary, name=name)
    servers.append(s)
    return s.start()


def save_and_copy(s, src_dir, dst_dir):
    r = s.client()
    assert r.execute_command("SAVE")
    os.makedirs(dst_dir, exist_ok=True)
    shutil.copy(os.path.join(src_dir, "dump.rdb"), os.path.join(dst_dir, "dump.rdb"))


def test_castor_file_loads_in_redis(servers, tmp_path):
    c = start(servers, CASTOR_SERVER, tmp_path / "castor", "castor")
    build_dataset(c.client())
    want = snapshot_of(c)
    save_and_copy(c, tmp_path / "castor", tmp_path / "redis")
    r = start(servers, REDIS_SERVER, tmp_path / "redis", "redis")
    assert "Done loading RDB" in r.logfile
    assert_same(snapshot_of(r), want)


def test_redis_file_loads_in_castor(servers, tmp_path):
    r = start(servers, REDIS_SERVER, tmp_path / "redis", "redis")
    build_dataset(r.client())
    want = snapshot_of(r)
    save_and_copy(r, tmp_path / "redis", tmp_path / "castor")
    c = start(servers, CASTOR_SERVER, tmp_path / "castor", "castor")
    assert "DB loaded from disk" in c.logfile
    assert_same(snapshot_of(c), want)


def test_round_trip_through_both_keeps_the_dataset(servers, tmp_path):
    """redis -> castor (BGSAVE) -> redis: the file castor writes after loading
    Redis's holds the same dataset."""
    r = start(servers, REDIS_SERVER, tmp_path / "r1", "redis1")
    build_dataset(r.client())
    want = snapshot_of(r)
    save_and_copy(r, tmp_path / "r1", tmp_path / "c")
    c = start(servers, CASTOR_SERVER, tmp_path / "c", "castor")
    cr = c.client()
    assert cr.execute_command("BGSAVE")
    wait_for(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, timeout=30)
    assert c.info("persistence")["rdb_last_bgsave_status"] == "ok"
    os.makedirs(tmp_path / "r2")
    shutil.copy(tmp_path / "c" / "dump.rdb", tmp_path / "r2" / "dump.rdb")
    r2 = start(servers, REDIS_SERVER, tmp_path / "r2", "redis2")
    assert_same(snapshot_of(r2), want)


@pytest.mark.skipif(not os.path.exists(REDIS_CHECK_RDB), reason="redis-check-rdb not installed")
def test_castor_file_passes_redis_check_rdb(servers, tmp_path):
    c = start(servers, CASTOR_SERVER, tmp_path / "castor", "castor")
    build_dataset(c.client())
    assert c.client().execute_command("SAVE")
    p = subprocess.run([REDIS_CHECK_RDB, str(tmp_path / "castor" / "dump.rdb")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "RDB looks OK!" in p.stdout, p.stdout
