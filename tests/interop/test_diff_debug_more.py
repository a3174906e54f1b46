"""Differential tests of the DEBUG subcommands Redis's suite and operators
use that castor added: LISTPACK, CHANGE-REPL-ID, AOF-FLUSH-SLEEP, with
Redis's replies and errors (STRINGMATCH-LEN is a test build's only: an
unknown subcommand, as in Debian's redis-server) (SEGFAULT and PANIC are
in tests/integration/test_crash_report.py)."""


def test_debug_listpack(pair):
    pair.same([("RPUSH", "l", "a", "1"), ("HSET", "h", "f", "v"), ("ZADD", "z", "1", "m"),
               ("SET", "s", "x"), ("SADD", "set", "1", "2")])
    for key in ("h", "z", "s", "set", "missing"):
        pair.check("DEBUG", "LISTPACK", key)
    pair.check("DEBUG", "LISTPACK")
    pair.check("DEBUG", "LISTPACK", "h", "extra")


def test_debug_change_repl_id(pair):
    for side, srv in (("castor", pair.castor), ("redis", pair.redis)):
        before = srv.info("replication")
        assert pair.conn(side).call("DEBUG", "CHANGE-REPL-ID") == "OK"
        after = srv.info("replication")
        assert after["master_replid"] != before["master_replid"]
        assert str(after["master_replid2"]) in ("0", "0" * 40)
        assert after["second_repl_offset"] == -1
    pair.check("DEBUG", "CHANGE-REPL-ID", "x")


def test_debug_aof_flush_sleep_and_stringmatch(pair):
    pair.check("DEBUG", "AOF-FLUSH-SLEEP", "0")
    pair.check("DEBUG", "AOF-FLUSH-SLEEP")
    pair.check("DEBUG", "STRINGMATCH-LEN")
    pair.check("DEBUG", "STRINGMATCH-LEN", "1")
