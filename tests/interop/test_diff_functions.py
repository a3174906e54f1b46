"""FUNCTION and FCALL, differential against redis-server 7.0.15, and
functions as data across castor and redis-server in both directions:
DUMP/RESTORE payloads, RDB files, full sync and the replication stream
(FUNCTION LOAD/DELETE/FLUSH/RESTORE propagate as sent), and the AOF."""

import os
import shutil

import pytest
import redis

import repltest as rt
from repltest import start_server  # noqa: F401  (replicas stop before masters)
from castortest import CASTOR_SERVER, REDIS_SERVER, Server, wait_for

LIB1 = """#!lua name=lib1
redis.register_function('f1', function(keys, args) return {keys, args} end)
redis.register_function{function_name='f2', callback=function() return redis.call('incr', 'c') end,
                        description='counts', flags={'allow-oom'}}
redis.register_function{function_name='ro', callback=function(k) return redis.call('get', k[1]) end,
                        flags={'no-writes'}}
"""

LIB2 = """#!lua name=lib2
redis.register_function('g1', function() return 'g' end)
"""


def load(pair, code, *opts):
    return pair.check("FUNCTION", "LOAD", *opts, code)


def test_load_and_call(pair):
    load(pair, LIB1)
    pair.check("FCALL", "f1", "2", "k1", "k2", "a1")
    pair.check("FCALL", "f2", "0")
    pair.check("FCALL", "F2", "0")
    pair.check("FCALL", "ro", "1", "c")
    pair.check("FCALL_RO", "ro", "1", "c")
    pair.check("FCALL_RO", "f2", "0")
    pair.check("FCALL", "nosuch", "0")
    pair.check("FCALL", "f1", "x")
    pair.check("FCALL", "f1", "5", "a")
    pair.check("FCALL", "f1", "-1")
    pair.check("FCALL", "f1", "0", proto=3)
    pair.check("FUNCTION", "LIST", unordered=True)
    pair.check("FUNCTION", "LIST", "WITHCODE", unordered=True)
    pair.check("FUNCTION", "LIST", "LIBRARYNAME", "lib*", unordered=True)
    pair.check("FUNCTION", "LIST", "LIBRARYNAME", "nomatch")
    pair.check("FUNCTION", "LIST", proto=3, unordered=True)
    pair.check("FUNCTION", "STATS")
    pair.check("FUNCTION", "STATS", proto=3)


LOAD_ERRORS = [
    "#!lua\nreturn 1",
    "#!lua name=a name=b\nreturn 1",
    "#!lua foo=a\nreturn 1",
    "#!lua name\nreturn 1",
    "#!lux name=a\nreturn 1",
    "return 1",
    "#!lua name=a b\nreturn 1",
    "#!lua name=a",
    "#!lua name=a-b\nreturn 1",
    "#!lua name=\nreturn 1",
    "#!lua name=x\nreturn 1",
    "#!lua name=x\nreturn +",
    "#!lua name=x\nredis.register_function('a-b', function() end)",
    "#!lua name=x\nredis.register_function('', function() end)",
    "#!lua name=x\nredis.register_function('ab', function() end) redis.register_function('ab', function() end)",
    "#!lua name=x\nredis.register_function('f')",
    "#!lua name=x\nredis.register_function(1, 2)",
    "#!lua name=x\nredis.register_function({}, 2)",
    "#!lua name=x\nredis.register_function('a', function() end, 3)",
    "#!lua name=x\nredis.register_function{function_name='x'}",
    "#!lua name=x\nredis.register_function{callback=function() end}",
    "#!lua name=x\nredis.register_function{function_name='x', callback=function() end, flags={'bad'}}",
    "#!lua name=x\nredis.register_function{function_name='x', callback=function() end, foo=1}",
    "#!lua name=x\nredis.register_function{function_name='x', callback=function() end, flags='no-writes'}",
    "#!lua name=x\nredis.register_function{function_name='x', callback=1}",
    "#!lua name=x\nredis.register_function{function_name={}, callback=function() end}",
    "#!lua name=x\nredis.register_function{function_name='x', description={}, callback=function() end}",
    "#!lua name=x\nredis.register_function{[1]='x', callback=function() end}",
    "#!lua name=x\nlocal a = 1 while true do a = a + 1 end",
    "#!lua name=x\nreturn math.random()",
    "#!lua name=x\nreturn redis.call('ping')",
    "#!lua name=x\nreturn redis.setresp(3)",
    "#!lua name=x\nreturn redis.set_repl(redis.REPL_NONE)",
    "#!lua name=x\nredis.math.random()",
    "#!lua name=x\nredis.redis.call('ping')",
    "#!lua name=x\na = 1",
    "#!lua name=x\nmt = getmetatable(_G)",
    "#!lua name=x\nlocal t = string",
    "#!lua name=x\nredis.register_function = 1",
    "#!lua name=x\nerror('boom')",
    "#!lua name=x\nerror({err='CODE boom'})",
    "#! name=x\nredis.register_function('foo', function() return 1 end)",
]


@pytest.mark.parametrize("code", LOAD_ERRORS)
def test_load_errors(pair, code):
    load(pair, code)
    pair.check("FUNCTION", "LIST")


def test_load_rules(pair):
    load(pair, LIB1)
    load(pair, LIB1)
    load(pair, LIB1, "REPLACE")
    load(pair, LIB1, "REPLACE", "REPLACE")
    pair.check("FUNCTION", "LOAD", "foo", LIB1)
    pair.check("FUNCTION", "LOAD")
    # A function name taken by another library.
    load(pair, "#!lua name=other\nredis.register_function('f1', function() return 1 end)")
    # Replacing keeps the old library when the new one fails.
    load(pair, "#!lua name=lib1\nredis.register_function('x', function() return 1 end) error('no')", "REPLACE")
    pair.check("FCALL", "f1", "0")
    load(pair, '#!lua name="quoted"\nredis.register_function("q", function() return 1 end)')
    pair.check("FUNCTION", "LIST", "LIBRARYNAME", "quoted")
    load(pair, LIB2)
    pair.check("FUNCTION", "DELETE", "lib2")
    pair.check("FUNCTION", "DELETE", "lib2")
    pair.check("FCALL", "g1", "0")
    pair.check("FUNCTION", "DELETE")
    pair.check("FUNCTION", "FLUSH", "bad")
    pair.check("FUNCTION", "FLUSH", "a", "b")
    pair.check("FUNCTION", "FLUSH", "SYNC")
    pair.check("FUNCTION", "LIST")
    pair.check("FUNCTION", "LIST", "bad")
    pair.check("FUNCTION", "LIST", "WITHCODE", "WITHCODE")
    pair.check("FUNCTION", "LIST", "LIBRARYNAME")
    pair.check("FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b")
    pair.check("FUNCTION", "NOSUCH")
    pair.check("FUNCTION", "KILL")
    pair.check("FUNCTION", "STATS")


RUNTIME = [
    "return redis.register_function('x', function() end)",
    "local lib = redis lib.x = 1",
    "redis.call = 1",
    "return redis.call('set', 'k', 'v')",
    "return redis.call('nosuch')",
    "error('in function')",
    "return {KEYS, ARGV}",
    "return type(_G)",
    "local t={} for k,v in pairs(redis) do t[#t+1]=k end table.sort(t) return t",
    "return math.floor(1.5)",
    "return cjson.encode({1})",
    "mt = getmetatable(_G)",
    "local mt = getmetatable(_G) local g = mt.__index g.redis = 1",
    "return redis.setresp(3)",
]


@pytest.mark.parametrize("body", RUNTIME)
def test_function_runtime_environment(pair, body):
    code = "#!lua name=rt\nredis.register_function('f', function(keys, args) %s end)" % body
    load(pair, code, "REPLACE")
    pair.check("FCALL", "f", "1", "key", "arg")


def test_malicious_library_api(pair):
    """The library API is only reachable while loading, and read-only."""
    load(pair, """#!lua name=lib1
local lib = redis
lib.register_function('f1', function() lib.redis = redis lib.math = math return {ok='OK'} end)
lib.register_function('f2', function()
    lib.register_function('f1', function() return {ok='OK'} end)
end)
""")
    pair.check("FCALL", "f1", "0")
    pair.check("FCALL", "f2", "0")


def test_flags_on_readonly_calls_and_oom(make_pair):
    p = make_pair(directives={"maxmemory": "1"})
    load(p, LIB1)
    p.check("FCALL", "f1", "0")
    p.check("FCALL", "f2", "0")
    p.check("FCALL", "ro", "1", "x")
    p.check("FCALL_RO", "f1", "0")


# ---- DUMP and RESTORE ----

def test_dump_restore_errors(pair):
    load(pair, LIB1)
    dump = pair.check("FUNCTION", "DUMP")
    pair.check("FUNCTION", "RESTORE", dump)
    pair.check("FUNCTION", "RESTORE", dump, "APPEND")
    pair.check("FUNCTION", "RESTORE", dump, "BAD")
    pair.check("FUNCTION", "RESTORE", dump, "REPLACE", "x")
    pair.check("FUNCTION", "RESTORE", b"bad payload")
    pair.check("FUNCTION", "RESTORE", dump[:-1] + bytes([dump[-1] ^ 1]))
    pair.check("FUNCTION", "RESTORE", dump, "REPLACE")
    pair.check("FUNCTION", "RESTORE", dump, "FLUSH")
    pair.check("FUNCTION", "LIST", unordered=True)
    load(pair, "#!lua name=clash\nredis.register_function('f1', function() return 1 end)")
    pair.check("FUNCTION", "FLUSH")
    load(pair, "#!lua name=clash\nredis.register_function('f1', function() return 1 end)")
    pair.check("FUNCTION", "RESTORE", dump, "REPLACE")
    pair.check("FUNCTION", "RESTORE", dump, "FLUSH")
    pair.check("FCALL", "f1", "0")


def test_dump_crosses_both_ways(pair):
    c, r = pair.clients()
    c.execute_command("FUNCTION", "LOAD", LIB1)
    r.execute_command("FUNCTION", "LOAD", LIB2)
    from_castor = c.execute_command("FUNCTION", "DUMP")
    from_redis = r.execute_command("FUNCTION", "DUMP")
    assert r.execute_command("FUNCTION", "RESTORE", from_castor) == b"OK"
    assert c.execute_command("FUNCTION", "RESTORE", from_redis) == b"OK"
    for x in (c, r):
        assert x.execute_command("FCALL", "g1", "0") == b"g"
        assert x.execute_command("FCALL", "f1", "1", "k", "a") == [[b"k"], [b"a"]]
    # The same libraries give the same payload bytes.
    c.execute_command("FUNCTION", "FLUSH")
    r.execute_command("FUNCTION", "FLUSH")
    c.execute_command("FUNCTION", "LOAD", LIB1)
    r.execute_command("FUNCTION", "LOAD", LIB1)
    assert c.execute_command("FUNCTION", "DUMP") == r.execute_command("FUNCTION", "DUMP")


# ---- RDB files both ways ----

def _save_and_copy(src, dst_dir):
    assert src.client().save()
    os.makedirs(dst_dir, exist_ok=True)
    shutil.copy(os.path.join(src.workdir, "dump.rdb"), os.path.join(dst_dir, "dump.rdb"))


@pytest.mark.parametrize("direction", ["castor-to-redis", "redis-to-castor"])
def test_rdb_with_functions_loads_in_the_other_server(start_server, tmp_path, direction):
    src_bin, dst_bin = ((CASTOR_SERVER, REDIS_SERVER) if direction == "castor-to-redis"
                        else (REDIS_SERVER, CASTOR_SERVER))
    src = start_server(binary=src_bin, name="src")
    s = src.client()
    s.execute_command("FUNCTION", "LOAD", LIB1)
    s.execute_command("FUNCTION", "LOAD", LIB2)
    s.set("key", "value")
    dst_dir = str(tmp_path / "dst")
    _save_and_copy(src, dst_dir)
    dst = Server(dst_dir, binary=dst_bin, name="dst")
    try:
        dst.start()
        d = dst.client()
        assert d.get("key") == b"value"
        assert d.execute_command("FCALL", "g1", "0") == b"g"
        assert d.execute_command("FCALL", "f2", "0") == 1
        assert sorted(x[1] for x in d.execute_command("FUNCTION", "LIST")) == [b"lib1", b"lib2"]
    finally:
        dst.stop()


def test_debug_reload_keeps_functions(pair):
    load(pair, LIB1)
    pair.check("DEBUG", "RELOAD")
    pair.check("FUNCTION", "STATS")
    pair.check("FCALL", "f1", "0")


# ---- Replication both ways ----

def _functions(c):
    return sorted((x[1], sorted(f[1] for f in x[5])) for x in c.execute_command("FUNCTION", "LIST"))


@pytest.mark.parametrize("direction", ["redis-master", "castor-master"])
def test_functions_replicate_at_full_sync_and_by_stream(start_server, direction):
    m_bin, r_bin = ((REDIS_SERVER, CASTOR_SERVER) if direction == "redis-master"
                    else (CASTOR_SERVER, REDIS_SERVER))
    master = start_server(binary=m_bin, name="master", directives={"repl-diskless-sync-delay": "0"})
    replica = start_server(binary=r_bin, name="replica")
    mc, rc = master.client(), replica.client()
    mc.execute_command("FUNCTION", "LOAD", LIB1)
    # The replica's own library goes: the master's set replaces it.
    rc.execute_command("FUNCTION", "LOAD", LIB2)
    rt.replicaof(rc, master)
    rt.wait_for_sync(mc, rc)
    assert _functions(rc) == _functions(mc)
    # Then every FUNCTION write goes down the stream.
    mc.execute_command("FUNCTION", "LOAD", LIB2)
    mc.execute_command("FUNCTION", "LOAD", "REPLACE", LIB1.replace("'f1'", "'f1b'"))
    rt.wait_for_sync(mc, rc)
    assert _functions(rc) == _functions(mc)
    assert rc.execute_command("FCALL_RO", "ro", "1", "c") is None
    mc.execute_command("FUNCTION", "DELETE", "lib2")
    rt.wait_for_sync(mc, rc)
    assert _functions(rc) == _functions(mc)
    dump = mc.execute_command("FUNCTION", "DUMP")
    mc.execute_command("FUNCTION", "FLUSH")
    rt.wait_for_sync(mc, rc)
    assert _functions(rc) == []
    mc.execute_command("FUNCTION", "RESTORE", dump)
    rt.wait_for_sync(mc, rc)
    assert _functions(rc) == _functions(mc) != []
    # FCALL's effects replicate, not the FCALL.
    mc.execute_command("FCALL", "f2", "0")
    rt.wait_for_sync(mc, rc)
    assert rc.get("c") == mc.get("c") == b"1"
    # A read-only replica refuses a function that may write.
    with pytest.raises(redis.ReadOnlyError):
        rc.execute_command("FCALL", "f2", "0")


# ---- The AOF ----

@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_functions_survive_aof_restart_and_rewrite(start_server, preamble):
    s = start_server(directives={"appendonly": "yes", "aof-use-rdb-preamble": preamble})
    c = s.client()
    c.execute_command("FUNCTION", "LOAD", LIB1)
    c.execute_command("FUNCTION", "LOAD", LIB2)
    c.execute_command("FUNCTION", "DELETE", "lib2")
    c.execute_command("FCALL", "f2", "0")
    s.stop()
    s.start()
    c = s.client()
    assert _functions(c) == [(b"lib1", [b"f1", b"f2", b"ro"])]
    assert c.get("c") == b"1"
    c.bgrewriteaof()
    wait_for(lambda: c.info("persistence")["aof_rewrite_in_progress"] == 0
             and c.info("persistence")["aof_rewrites"] >= 1, timeout=20, msg="BGREWRITEAOF")
    s.stop()
    s.start()
    c = s.client()
    assert _functions(c) == [(b"lib1", [b"f1", b"f2", b"ro"])]
    assert c.execute_command("FCALL", "f2", "0") == 2


def test_aof_with_functions_from_redis_loads_in_castor(start_server, tmp_path):
    r = start_server(binary=REDIS_SERVER, name="redis", directives={"appendonly": "yes"})
    rc = r.client()
    rc.execute_command("FUNCTION", "LOAD", LIB1)
    rc.execute_command("FCALL", "f2", "0")
    r.stop()
    dst = tmp_path / "castor"
    shutil.copytree(os.path.join(r.workdir, "appendonlydir"), dst / "appendonlydir")
    c = Server(str(dst), binary=CASTOR_SERVER, name="castor", directives={"appendonly": "yes"})
    try:
        c.start()
        cc = c.client()
        assert _functions(cc) == [(b"lib1", [b"f1", b"f2", b"ro"])]
        assert cc.get("c") == b"1"
    finally:
        c.stop()


def test_restore_of_a_payload_whose_libraries_clash(pair):
    """A payload is checked as a whole: two of its libraries with one name,
    or one function name in two of them, is refused and changes nothing."""
    import rdblib
    c = pair.castor.client()
    bodies = []
    for code in ("#!lua name=a\nredis.register_function('f', function() return 1 end)",
                 "#!lua name=b\nredis.register_function('F', function() return 2 end)",
                 "#!lua name=a\nredis.register_function('g', function() return 3 end)"):
        c.execute_command("FUNCTION", "FLUSH")
        c.execute_command("FUNCTION", "LOAD", code)
        bodies.append(c.execute_command("FUNCTION", "DUMP")[:-10])
    c.execute_command("FUNCTION", "FLUSH")
    for first, second in ((0, 1), (0, 2)):
        body = bodies[first] + bodies[second] + b"\x0a\x00"
        payload = body + rdblib.crc64(body).to_bytes(8, "little")
        pair.check("FUNCTION", "RESTORE", payload)
        pair.check("FUNCTION", "LIST")
