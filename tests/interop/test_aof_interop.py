"""Append-only files moved between castor and redis-server 7.0, both ways.

"An appendonlydir written by redis-server 7.0.15 loads in castor, and
castor's loads in redis-server" (issue #5). Each test writes a mixed
dataset on one server with appendonly yes, with a BGREWRITEAOF in the
middle so the folder holds an RDB base with data and an incr file of
commands (MULTI/EXEC, PEXPIREAT, SELECT, the effects of INCRBYFLOAT, SPOP,
LPOP ...), stops it, starts the other server on a copy of the folder and
compares DEBUG DIGEST and the databases' sizes."""

import os
import shutil

import pytest

from castortest import CASTOR_SERVER, REDIS_SERVER, Server, wait_for

DBS = (0, 2, 9)


def write_dataset(r):
    """Half before the rewrite (into the base), half after (the incr file)."""
    r.execute_command("SELECT", 0)
    r.set("s:short", "hello")
    r.set("s:int", 12345)
    r.set("s:big", "x" * 50000)
    r.set(b"s:bin\x00\xff", b"\x00\x01\xfe\xff")
    r.rpush("l:small", "a", "b", 1, 2)
    r.rpush("l:large", *["e%d" % i for i in range(2000)])
    r.hset("h:small", mapping={"f1": "v1", "f2": 2})
    r.hset("h:large", mapping={"f%d" % i: i for i in range(600)})
    r.sadd("set:int", 1, 2, 3, 2**40)
    r.sadd("set:str", *["m%d" % i for i in range(700)])
    r.zadd("z:small", {"a": 1, "b": 2.5, "c": -3.25})
    r.zadd("z:large", {"m%d" % i: i * 1.5 for i in range(300)})
    r.set("ttl:s", "v", ex=100000)
    r.execute_command("SELECT", 2)
    r.set("db2:s", "two")
    r.sadd("db2:set", *range(100))


def write_more(r):
    """Commands whose propagated effects differ from what was sent."""
    r.execute_command("SELECT", 0)
    r.expire("l:small", 50000)
    r.incrbyfloat("s:float", "2.5")
    r.incrbyfloat("s:float", "0.25")
    r.spop("set:str", 5)
    r.lpop("l:large", 3)
    r.hincrbyfloat("h:small", "f3", "1.5")
    r.getdel("s:short")
    r.setex("ttl:new", 80000, "x")
    p = r.pipeline(transaction=True)
    p.incr("ctr")
    p.rpush("l:tx", "a", "b")
    p.zincrby("z:small", 10, "a")
    p.execute()
    r.delete("h:large")
    r.execute_command("SELECT", 9)
    r.set("db9:s", "nine")
    r.lpush("db9:l", "x", "y")
    r.execute_command("SELECT", 2)
    r.srem("db2:set", 1, 2, 3)
    r.execute_command("SELECT", 0)


def state_of(s):
    r = s.client()
    sizes = {}
    for db in DBS:
        r.execute_command("SELECT", db)
        sizes[db] = r.dbsize()
    r.execute_command("SELECT", 0)
    ttl = r.ttl("l:small")
    return r.execute_command("DEBUG", "DIGEST"), sizes, ttl


@pytest.fixture
def servers():
    made = []
    yield made
    for s in made:
        s.stop()
        assert not s.sanitizer_report(), s.diagnostics()


def start(servers, binary, workdir, name, **directives):
    d = {"appendonly": "yes"}
    d.update(directives)
    s = Server(workdir, binary=binary, name=name, directives=d)
    servers.append(s)
    return s.start()


def rewrite(s):
    s.client().execute_command("BGREWRITEAOF")
    wait_for(lambda: s.info("persistence")["aof_rewrite_in_progress"] == 0
             and s.info("persistence")["aof_rewrites"] >= 1, timeout=20, msg="BGREWRITEAOF")


def write_on(servers, binary, workdir, name, **directives):
    s = start(servers, binary, workdir, name, **directives)
    r = s.client()
    write_dataset(r)
    rewrite(s)
    write_more(r)
    want = state_of(s)
    assert s.stop() == 0
    return want


def copy_aof(src, dst):
    os.makedirs(dst, exist_ok=True)
    shutil.copytree(os.path.join(src, "appendonlydir"), os.path.join(dst, "appendonlydir"))


def assert_same(got, want):
    assert got[0] == want[0], "DEBUG DIGEST differs"
    assert got[1] == want[1]
    assert abs(got[2] - want[2]) < 60


def test_redis_appendonlydir_loads_in_castor(servers, tmp_path):
    want = write_on(servers, REDIS_SERVER, tmp_path / "redis", "redis")
    kinds = sorted(n.split(".")[-2] if n.count(".") > 2 else n
                   for n in os.listdir(tmp_path / "redis" / "appendonlydir"))
    assert "base" in kinds and "incr" in kinds
    copy_aof(tmp_path / "redis", tmp_path / "castor")
    c = start(servers, CASTOR_SERVER, tmp_path / "castor", "castor")
    assert_same(state_of(c), want)
    assert "DB loaded from append only file" in c.logfile


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_castor_appendonlydir_loads_in_redis(servers, tmp_path, preamble):
    want = write_on(servers, CASTOR_SERVER, tmp_path / "castor", "castor",
                    **{"aof-use-rdb-preamble": preamble})
    copy_aof(tmp_path / "castor", tmp_path / "redis")
    r = start(servers, REDIS_SERVER, tmp_path / "redis", "redis")
    assert_same(state_of(r), want)
    assert "DB loaded from append only file" in r.logfile
    # And back: what redis-server appends after loading ours loads in castor.
    r.client().set("from-redis", "1")
    want = state_of(r)
    assert r.stop() == 0
    copy_aof(tmp_path / "redis", tmp_path / "castor2")
    c = start(servers, CASTOR_SERVER, tmp_path / "castor2", "castor")
    assert_same(state_of(c), want)
