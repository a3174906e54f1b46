"""REPLCONF rdb-filter-only, as redis-cli --functions-rdb uses it: the
snapshot a replica gets holds only what the filter lists ("functions"), and
goes to its socket, never to the dump file. Compared with redis-server:
the REPLCONF replies, and the RDB redis-cli writes (loaded back, it holds
the same libraries and no keys) with diskless sync on and off."""

import subprocess

import pytest

from castortest import REDIS_CLI

LIB = "#!lua name=lib1\nredis.register_function('func1', function() return 123 end)"


def test_replconf_rdb_filter_arguments(pair):
    for args in (("rdb-filter-only", "functions"), ("rdb-filter-only", ""),
                 ("rdb-filter-only", "functions bogus"), ("rdb-filter-only", "FUNCTIONS"),
                 ("rdb-only", "1"), ("rdb-only", "0"), ("rdb-only", "2"), ("rdb-only", "x")):
        pair.check("REPLCONF", *args)


@pytest.mark.parametrize("diskless", ["no", "yes"])
@pytest.mark.parametrize("functions_only", [True, False])
def test_redis_cli_functions_rdb(pair, tmp_path, diskless, functions_only):
    out = {}
    for side, srv in (("castor", pair.castor), ("redis", pair.redis)):
        c = pair.conn(side)
        c.call("FUNCTION", "FLUSH")
        c.call("CONFIG", "SET", "repl-diskless-sync", diskless)
        c.call("CONFIG", "SET", "repl-diskless-sync-delay", "0")
        assert c.call("DEBUG", "POPULATE", "500") == "OK"
        assert c.call("FUNCTION", "LOAD", LIB) == b"lib1"
        path = tmp_path / ("%s.rdb" % side)
        flag = "--functions-rdb" if functions_only else "--rdb"
        r = subprocess.run([REDIS_CLI, "-p", str(srv.port), flag, str(path)],
                           capture_output=True, timeout=60)
        assert b"Transfer finished with success" in r.stdout + r.stderr, r
        # Load it back: the dump file in place, DEBUG RELOAD NOSAVE.
        dbfile = c.call("CONFIG", "GET", "dir")[1].decode() + "/" + \
            c.call("CONFIG", "GET", "dbfilename")[1].decode()
        with open(path, "rb") as f, open(dbfile, "wb") as g:
            g.write(f.read())
        c.call("SET", "should-not-exist", "1")
        c.call("FUNCTION", "LOAD", LIB.replace("lib1", "other").replace("func1", "f2"))
        assert c.call("DEBUG", "RELOAD", "NOSAVE") == "OK"
        out[side] = (c.call("DBSIZE"), c.call("GET", "should-not-exist"),
                     c.call("FUNCTION", "LIST"))
        c.call("FLUSHALL")
        c.call("FUNCTION", "FLUSH")
        c.call("CONFIG", "SET", "repl-diskless-sync", "yes")  # the defaults
        c.call("CONFIG", "SET", "repl-diskless-sync-delay", "5")
    assert out["castor"] == out["redis"]
    assert out["castor"][0] == (0 if functions_only else 500)
    assert out["castor"][1] is None
