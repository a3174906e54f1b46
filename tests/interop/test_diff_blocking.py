"""Differential tests of the blocking sorted-set pops (BZPOPMIN, BZPOPMAX,
BZMPOP) on their non-blocking paths, their errors, timeouts and their
behaviour inside MULTI, and of CLIENT UNBLOCK's replies; list blocking
commands are in test_diff_list.py, waking and timing in
tests/integration/test_blocking.py."""

import time

import pytest


def zfill(pair):
    pair.same([("ZADD", "z", "1", "a", "2", "b", "3", "c", "-1.5", "m"),
               ("ZADD", "y", "10", "x")])


@pytest.mark.parametrize("proto", [2, 3])
def test_bzpop_serves_at_once_when_a_set_exists(pair, proto):
    zfill(pair)
    pair.same([("BZPOPMIN", "none", "z", "y", "0"), ("BZPOPMAX", "z", "0"),
               ("BZPOPMIN", "y", "z", "0.5"), ("EXISTS", "y"), ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
               ("BZPOPMIN", "none", "0.01"), ("BZPOPMAX", "none", "other", "0.01")], proto=proto)


BZMPOP_CASES = [
    ("1", "z", "MIN"), ("1", "z", "MAX"), ("2", "none", "z", "MIN", "COUNT", "2"),
    ("2", "z", "y", "max", "count", "10"), ("0", "z", "MIN"), ("-1", "z", "MIN"), ("x", "z", "MIN"),
    ("2", "z", "MIN"), ("9223372036854775807", "z", "MIN"), ("1", "z", "UP"), ("1", "z", "MIN", "COUNT"), ("1", "z", "MIN", "COUNT", "0"),
    ("1", "z", "MIN", "COUNT", "-2"), ("1", "z", "MIN", "COUNT", "1", "COUNT", "1"),
    ("1", "z", "MIN", "FOO"), ("1", "none", "MAX"), ("2", "s", "z", "MIN"), ("2", "z", "s", "MIN"),
]


@pytest.mark.parametrize("args", BZMPOP_CASES, ids=lambda a: "-".join(a))
def test_bzmpop_variants(pair, args):
    zfill(pair)
    pair.check("SET", "s", "str")
    pair.same([("BZMPOP", "0.01", *args), ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
               ("ZMPOP", *args)])
    pair.check3("BZMPOP", "0.01", *args)


@pytest.mark.parametrize("t", ["-1", "abc", "inf", "nan", "1e300", "0x10", ""])
def test_bzpop_timeout_errors(pair, t):
    zfill(pair)
    pair.same([("BZPOPMIN", "z", t), ("BZPOPMAX", "z", t), ("BZMPOP", t, "1", "z", "MIN"),
               ("BZMPOP", t, "0", "z", "MIN"), ("ZCARD", "z")])


def test_bzpop_wrong_type_and_arity(pair):
    pair.same([("SET", "s", "v"), ("RPUSH", "l", "x"), ("BZPOPMIN", "s", "0"), ("BZPOPMAX", "l", "0"),
               ("BZPOPMIN", "none", "s", "0"), ("BZMPOP", "0", "1", "l", "MIN"), ("BZPOPMIN", "z"),
               ("BZPOPMAX",), ("BZMPOP", "0", "1", "z"), ("LLEN", "l")])


def test_bzpop_inside_multi_does_not_block(pair):
    for proto in (2, 3):
        replies = pair.same([("MULTI",), ("BZPOPMIN", "none", "0"), ("BZPOPMAX", "none", "0"),
                             ("BZMPOP", "0", "1", "none", "MIN"), ("ZADD", "q", "1", "a"),
                             ("BZPOPMAX", "q", "0"), ("EXEC",)], proto=proto)
        assert replies[-1][0] is None


def test_bzmpop_command_getkeys(pair):
    for cmd in [("BZMPOP", "0", "2", "a", "b", "MIN"), ("BZMPOP", "0", "0", "a", "MIN"),
                ("BZMPOP", "0", "5", "a", "MIN"), ("BZPOPMIN", "a", "b", "0"), ("BZPOPMAX", "a", "0")]:
        pair.check("COMMAND", "GETKEYS", *cmd)


def test_client_unblock_replies(pair):
    pair.same([("CLIENT", "UNBLOCK", "99999"), ("CLIENT", "UNBLOCK", "99999", "TIMEOUT"),
               ("CLIENT", "UNBLOCK", "99999", "error"), ("CLIENT", "UNBLOCK", "99999", "FOO"),
               ("CLIENT", "UNBLOCK", "abc"), ("CLIENT", "UNBLOCK", "abc", "FOO"),
               ("CLIENT", "UNBLOCK"), ("CLIENT", "UNBLOCK", "1", "TIMEOUT", "x")])


# ---- the accesses a blocking command records (LRU/LFU) ----------------------

LFU_COUNTING = {"maxmemory": "1gb", "maxmemory-policy": "allkeys-lfu", "lfu-log-factor": "0",
                "lfu-decay-time": "0"}
COUNTED = ["l", "l2", "z", "x"]


def freqs(pair):
    return pair.same([("OBJECT", "FREQ", k) for k in COUNTED])


@pytest.mark.parametrize("cmd", [
    ("BLPOP", "l", "0"), ("BLMPOP", "0", "1", "l", "LEFT"), ("BLMOVE", "l", "l2", "LEFT", "LEFT", "0"),
    ("BRPOPLPUSH", "l", "l2", "0"), ("BLMOVE", "z", "l2", "LEFT", "LEFT", "0"), ("BZPOPMIN", "z", "0"),
    ("BZMPOP", "0", "1", "z", "MIN"), ("XREAD", "BLOCK", "0", "STREAMS", "x", "0")],
    ids=lambda c: c[0] + ("-wrongtype" if c[1] == "z" and c[0] == "BLMOVE" else ""))
def test_served_at_once_records_the_accesses_redis_records(make_pair, cmd):
    """With lfu-log-factor 0 and no decay, OBJECT FREQ counts the lookups
    that found each key: BLMOVE/BRPOPLPUSH and BZPOP*/BZMPOP look the key
    up twice in Redis (their own check, then the pop's)."""
    p = make_pair(LFU_COUNTING)
    p.same([("RPUSH", "l", "a", "b"), ("RPUSH", "l2", "x"), ("ZADD", "z", "1", "a", "2", "b"),
            ("XADD", "x", "1-1", "f", "v"), cmd])
    freqs(p)


@pytest.mark.parametrize("blocked,push", [
    ([("BLPOP", "l", "0"), ("BLPOP", "l", "0")], ("RPUSH", "l", "a", "b", "c")),
    ([("BLMOVE", "l", "l", "LEFT", "RIGHT", "0")], ("RPUSH", "l", "a", "b")),
    ([("BLMOVE", "l", "l2", "LEFT", "RIGHT", "0"), ("BLPOP", "l", "0")], ("RPUSH", "l", "a", "b", "c")),
    ([("BZPOPMIN", "z", "0"), ("BZMPOP", "0", "1", "z", "MAX")], ("ZADD", "z", "1", "a", "2", "b", "3", "c")),
    ([("XREAD", "BLOCK", "0", "STREAMS", "x", "$")] * 2, ("XADD", "x", "2-1", "f", "v")),
    ([("BLMPOP", "0", "1", "l", "LEFT", "COUNT", "2"), ("BRPOPLPUSH", "l", "l2", "0")],
     ("RPUSH", "l", "a", "b", "c")),
], ids=["blpop", "blmove-same", "blmove-blpop", "bzpop", "xread", "blmpop-brpoplpush"])
def test_served_waiters_record_the_accesses_redis_records(make_pair, blocked, push):
    """A push serves the waiters: Redis reads the key once for all of them
    (handleClientsBlockedOnKeys), then each BZPOP* looks it up again, a
    BLMOVE its destination; castor's re-runs counted one more access each.
    And what save points count (rdb_changes_since_last_save): a served
    BLPOP/BLMOVE counts no change of its own in Redis (its pop is not
    LPOP's), a BZPOP* or BLMPOP counts its elements; castor counted one."""
    p = make_pair(LFU_COUNTING)
    p.same([("RPUSH", "l2", "x"), ("XADD", "x", "1-1", "f", "v")])
    waiters = []
    try:
        for n, cmd in enumerate(blocked, 1):
            pairs = p.conns()
            waiters.append(pairs)
            for c in pairs:
                c.send(*cmd)
            for side in ("castor", "redis"):
                deadline = time.monotonic() + 5
                while b"blocked_clients:%d\r\n" % n not in p.conn(side).call("INFO", "clients"):
                    assert time.monotonic() < deadline, "%s: %r did not block" % (side, cmd)
                    time.sleep(0.005)
        before = p.stat("rdb_changes_since_last_save", "persistence")
        p.check(*push)
        for a, b in waiters:
            assert a.read() == b.read()
        after = p.stat("rdb_changes_since_last_save", "persistence")
        assert after[0] - before[0] == after[1] - before[1], (before, after)
        freqs(p)
    finally:
        for pairs in waiters:
            for c in pairs:
                c.close()
