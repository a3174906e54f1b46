"""Differential tests of keyspace commands: castor and redis-server get the
same commands and must give the same typed replies (see tests/lib/pair.py)."""

import random
import time

import pytest

from pair import full_scan
from resp import Err


def fill_types(p):
    """One key of each type on both sides."""
    p.same([
        ("SET", "str", "v"),
        ("RPUSH", "list", "a", "b"),
        ("HSET", "hash", "f", "v"),
        ("SADD", "set", "m"),
        ("ZADD", "zset", "1", "m"),
    ])


# ---- SELECT, SWAPDB, MOVE, COPY -------------------------------------------

def test_select_valid_and_invalid_indexes(pair):
    for db in ("0", "15", "16", "-1", "abc", "1.5", "", "99999999999999999999"):
        pair.check("SELECT", db)
    pair.check("SELECT")
    pair.check("SELECT", "1", "2")


def test_select_isolates_databases(pair):
    assert pair.same([
        ("SET", "k", "db0"), ("SELECT", "3"), ("GET", "k"), ("SET", "k", "db3"),
        ("DBSIZE",), ("SELECT", "0"), ("GET", "k"),
    ]) == ["OK", "OK", None, "OK", 1, "OK", b"db0"]


def test_swapdb_swaps_contents_and_checks_indexes(pair):
    pair.same([("SET", "a", "0"), ("SELECT", "1"), ("SET", "b", "1"), ("SELECT", "0")])
    assert pair.check("SWAPDB", "0", "1") == "OK"
    pair.same([("GET", "a"), ("GET", "b"), ("SELECT", "1"), ("GET", "a"), ("DBSIZE",)])
    pair.check("SWAPDB", "1", "1")
    for a, b in (("0", "16"), ("-1", "0"), ("x", "0"), ("0", "y"), ("0", "99999999999999999999")):
        pair.check("SWAPDB", a, b)
    pair.check("SWAPDB", "0")


def test_move_between_databases(pair):
    pair.check("SET", "k", "v")
    assert pair.check("MOVE", "k", "1") == 1
    assert pair.check("EXISTS", "k") == 0
    pair.check("MOVE", "k", "1")  # now missing in db0
    pair.check("SET", "k", "other")
    assert pair.check("MOVE", "k", "1") == 0  # exists in target
    pair.same([("SELECT", "1"), ("GET", "k"), ("MOVE", "k", "1"), ("MOVE", "k", "16"),
               ("MOVE", "k", "x"), ("MOVE", "k")])


def test_move_keeps_ttl(pair):
    pair.same([("SET", "k", "v", "EX", "1000"), ("MOVE", "k", "2"), ("SELECT", "2")])
    pair.check_approx("TTL", "k", tol=1)


def test_copy_options_and_errors(pair):
    fill_types(pair)
    for key in ("str", "list", "hash", "set", "zset"):
        pair.check("COPY", key, key + "2")
        pair.check("TYPE", key + "2")
    pair.same([
        ("COPY", "str", "list"), ("COPY", "str", "list", "REPLACE"), ("TYPE", "list"),
        ("COPY", "missing", "x"), ("COPY", "str", "str"), ("COPY", "str", "str", "DB", "0"),
        ("COPY", "str", "str", "DB", "1"), ("COPY", "str", "x", "DB", "16"),
        ("COPY", "str", "x", "DB", "abc"), ("COPY", "str", "x", "FOO"),
        ("COPY", "str", "x", "DB"), ("COPY", "str"),
        ("SELECT", "1"), ("GET", "str"),
    ])


def test_copy_is_deep_and_keeps_ttl(pair):
    pair.same([("RPUSH", "l", "a"), ("PEXPIRE", "l", "100000"), ("COPY", "l", "l2"),
               ("RPUSH", "l", "b"), ("LRANGE", "l2", "0", "-1")])
    pair.check_approx("PTTL", "l2", tol=50)


# ---- DEL, UNLINK, EXISTS, TYPE, TOUCH, DBSIZE --------------------------------

def test_del_unlink_exists_touch_count_duplicates(pair):
    fill_types(pair)
    pair.same([
        ("EXISTS", "str", "str", "missing", "list"),
        ("TOUCH", "str", "str", "missing", "hash"),
        ("DEL", "str", "str", "missing"), ("UNLINK", "list", "list", "hash"),
        ("DBSIZE",), ("EXISTS",), ("DEL",), ("UNLINK",), ("TOUCH",),
    ])


def test_type_of_every_kind(pair):
    fill_types(pair)
    for key in ("str", "list", "hash", "set", "zset", "missing"):
        pair.check("TYPE", key)
    pair.check("XADD", "stream", "1-1", "f", "v")
    assert pair.check("TYPE", "stream") == "stream"
    pair.check("TYPE")


def test_dbsize_counts_per_database(pair):
    pair.same([("MSET", "a", "1", "b", "2"), ("DBSIZE",), ("SELECT", "5"), ("DBSIZE",),
               ("DBSIZE", "extra")])


# ---- KEYS with Redis glob rules ---------------------------------------------

GLOB_KEYS = ["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "h?llo", "h[a]llo",
             "a", "ab", "abc", "b", "\\", "[", "]", "^", "-", "a-b", "a]b", "a\\b",
             "", "x\x00y", "caf\xc3\xa9", "ABC", "aBc"]

GLOB_PATTERNS = ["*", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[b-a]llo",
                 "h\\*llo", "h\\?llo", "*\\\\*", "[", "[a", "[a-", "[]]", "[\\]]", "a[", "\\",
                 "*[", "[^]", "[!a]*", "?", "??", "???", "a*b*c", "*-*", "[a-]*", "[-a]*",
                 "h[\\a]llo", "*\x00*", "A*", "[A-Z]*", "[a-z]?[a-z]", "[^a-z]*", "h\\",
                 "**", "*?*", "h[a-]llo"]


@pytest.mark.parametrize("proto", [2, 3])
def test_keys_glob_patterns(pair, proto):
    args = []
    for k in GLOB_KEYS:
        args += [k.encode("latin-1"), b"v"]
    pair.check("MSET", *args)
    for pat in GLOB_PATTERNS:
        pair.check("KEYS", pat.encode("latin-1"), unordered=True, proto=proto)


def test_keys_glob_randomized(pair):
    """Random keys and patterns over an alphabet rich in glob metacharacters;
    KEYS must select the same keys on both servers."""
    rng = random.Random(1234)
    alphabet = "ab-^]["
    keys = {"".join(rng.choice("ab-^][\\") for _ in range(rng.randint(0, 5))) for _ in range(120)}
    args = []
    for k in sorted(keys):
        args += [k, "v"]
    pair.check("MSET", *args)
    for _ in range(300):
        pat = "".join(rng.choice(alphabet + "*?\\") for _ in range(rng.randint(1, 7)))
        pair.check("KEYS", pat, unordered=True)


def test_keys_arity(pair):
    pair.check("KEYS")
    pair.check("KEYS", "*", "extra")


# ---- SCAN ---------------------------------------------------------------------

def scan_all(conn, *opts):
    """Keys returned over a full SCAN iteration (a cursor is opaque and may
    differ between implementations; the set of keys may not)."""
    return set(full_scan(conn, "SCAN", opts=opts)[0])


def test_scan_full_iteration_with_match_count_type(pair):
    rng = random.Random(7)
    cmds = []
    for i in range(400):
        t = rng.choice(["s", "l", "h", "z", "S"])
        key = "%s:%d:%s" % (t, i, rng.choice(["x", "y", "zz"]))
        cmds.append({"s": ("SET", key, "v"), "l": ("RPUSH", key, "v"), "h": ("HSET", key, "f", "v"),
                     "z": ("ZADD", key, "1", "m"), "S": ("SADD", key, "m")}[t])
    pair.same(cmds)
    variants = [(), ("COUNT", "1"), ("COUNT", "1000"), ("MATCH", "*:y"), ("MATCH", "s:*", "COUNT", "3"),
                ("TYPE", "string"), ("TYPE", "list"), ("TYPE", "hash"), ("TYPE", "zset"),
                ("TYPE", "set"), ("TYPE", "nosuchtype"), ("MATCH", "*zz", "TYPE", "hash"),
                ("MATCH", "[lh]:1?:*")]
    for opts in variants:
        a = scan_all(pair.conn("castor"), *opts)
        b = scan_all(pair.conn("redis"), *opts)
        assert a == b, "SCAN %s: castor-only %s, redis-only %s" % (opts, a - b, b - a)
    assert len(scan_all(pair.conn("castor"))) == 400


def test_scan_errors(pair):
    for args in (("SCAN", "abc"), ("SCAN", "-1"), ("SCAN", "0", "COUNT", "0"),
                 ("SCAN", "0", "COUNT", "-1"), ("SCAN", "0", "COUNT", "x"),
                 ("SCAN", "0", "MATCH"), ("SCAN", "0", "FOO", "bar"), ("SCAN",),
                 ("SCAN", "18446744073709551616"), ("SCAN", "0", "TYPE")):
        pair.check(*args)


def test_scan_family_cursor_with_many_leading_zeros(pair):
    """Redis reads a cursor with strtoul, so leading zeros never make it
    too long (castor's SSCAN, HSCAN and ZSCAN once refused 64 characters
    or more); only the value can overflow."""
    zeros = "0" * 80
    pair.same([("SADD", "s", "a"), ("HSET", "h", "f", "v"), ("ZADD", "z", "1", "m"),
               ("SSCAN", "s", zeros), ("HSCAN", "h", zeros), ("ZSCAN", "z", zeros + "1"),
               ("SSCAN", "s", "1" * 80), ("HSCAN", "h", zeros + "18446744073709551616"),
               ("SCAN", "9" * 80)])
    pair.check("SCAN", zeros, unordered=True)


def test_scan_empty_db(pair):
    pair.check("SCAN", "0")
    pair.check3("SCAN", "0")


# ---- RANDOMKEY ------------------------------------------------------------------

def test_randomkey_empty_and_existing(pair):
    pair.check("RANDOMKEY")
    pair.check3("RANDOMKEY")
    pair.check("MSET", "a", "1", "b", "2", "c", "3")
    for _ in range(20):
        k = pair.conn("castor").call("RANDOMKEY")
        assert k in (b"a", b"b", b"c")
    pair.check_shape("RANDOMKEY")
    pair.check("RANDOMKEY", "x")


def test_randomkey_skips_expired_keys(pair):
    pair.same([("SET", "live", "1"), ("SET", "dead", "1", "PX", "1")])
    time.sleep(0.01)
    for _ in range(10):
        assert pair.conn("castor").call("RANDOMKEY") == b"live"


# ---- RENAME, RENAMENX -------------------------------------------------------------

def test_rename_and_renamenx(pair):
    fill_types(pair)
    pair.same([
        ("RENAME", "str", "str2"), ("GET", "str2"), ("EXISTS", "str"),
        ("RENAME", "missing", "x"), ("RENAMENX", "missing", "x"),
        ("RENAME", "str2", "str2"), ("RENAMENX", "str2", "str2"),
        ("RENAMENX", "list", "hash"), ("TYPE", "hash"),
        ("RENAME", "list", "hash"), ("TYPE", "hash"), ("EXISTS", "list"),
        ("RENAME", "x"), ("RENAMENX", "a", "b", "c"),
    ])


def test_rename_moves_ttl_and_overwrite_clears_it(pair):
    pair.same([("SET", "a", "1", "EX", "500"), ("SET", "b", "2"), ("RENAME", "a", "c")])
    pair.check_approx("TTL", "c", tol=1)
    pair.same([("RENAME", "b", "c"), ("TTL", "c"), ("GET", "c")])


# ---- FLUSHDB / FLUSHALL -------------------------------------------------------------

@pytest.mark.parametrize("cmd", ["FLUSHDB", "FLUSHALL"])
def test_flush_modes(pair, cmd):
    for mode in ((), ("ASYNC",), ("SYNC",), ("async",)):
        pair.same([("SET", "a", "1"), ("SELECT", "1"), ("SET", "b", "1"), (cmd, *mode),
                   ("DBSIZE",), ("SELECT", "0"), ("DBSIZE",)])
    pair.check(cmd, "LAZY")
    pair.check(cmd, "ASYNC", "SYNC")


# ---- OBJECT ---------------------------------------------------------------------------

def test_object_subcommands_and_errors(pair):
    pair.same([("SET", "k", "v"), ("OBJECT", "ENCODING", "k"), ("OBJECT", "ENCODING", "missing"),
               ("OBJECT", "IDLETIME", "missing"), ("OBJECT", "REFCOUNT", "missing"),
               ("OBJECT", "FREQ", "missing"), ("OBJECT", "FREQ", "k"), ("OBJECT", "FOO", "k"),
               ("OBJECT", "ENCODING"), ("OBJECT",), ("OBJECT", "ENCODING", "k", "x")])
    # exact refcount is an implementation detail: only its type
    pair.check_shape("OBJECT", "REFCOUNT", "k")
    pair.check_approx("OBJECT", "IDLETIME", "k", tol=2)
    pair.check_shape("OBJECT", "HELP")


def test_object_expires_a_key_whose_ttl_passed(pair):
    """OBJECT looks its key up as a read (Redis's LOOKUP_NOTOUCH|NONOTIFY):
    a key whose TTL passed goes (DEL to replicas, expired_keys) instead of
    staying in DBSIZE until something else reads it."""
    pair.check("CONFIG", "RESETSTAT")
    try:
        for sub in ("ENCODING", "FREQ", "IDLETIME", "REFCOUNT"):
            pair.expire_unseen("k", ("RPUSH", "k", "a"))
            assert pair.check("DBSIZE") == 1
            pair.check("OBJECT", sub, "k")
            assert pair.check("DBSIZE") == 0, sub
        assert pair.stat("expired_keys") == (4, 4)
    finally:
        pair.check("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_reads_inside_commands_count_keyspace_hits_and_misses(pair):
    """The GET of GETSET, GETDEL and SET ... GET, COPY's source, OBJECT and
    SCAN's TYPE filter (each key it visits; a whole scan visits the same
    keys on both) are reads in Redis 7.0 (keyspace_hits / keyspace_misses,
    which monitoring turns into a hit rate); the other keys of a write are
    not."""
    pair.check("SET", "s", "1")
    cmds = [("GETSET", "s", "2"), ("GETSET", "n1", "2"), ("GETDEL", "s"), ("GETDEL", "nx"),
            ("SET", "s", "3", "GET"), ("SET", "n2", "3", "GET"), ("COPY", "s", "d"),
            ("COPY", "nx", "d"), ("OBJECT", "ENCODING", "s"), ("OBJECT", "REFCOUNT", "nx"),
            ("MOVE", "s", "1"), ("RENAME", "d", "e"), ("SETNX", "e", "1"), ("GETEX", "e"),
            ("SCAN", "0", "COUNT", "1000", "TYPE", "string")]
    for cmd in cmds:
        before = pair.stat("keyspace_hits") + pair.stat("keyspace_misses")
        pair.check(*cmd, unordered=True)
        after = pair.stat("keyspace_hits") + pair.stat("keyspace_misses")
        castor = (after[0] - before[0], after[2] - before[2])
        redis = (after[1] - before[1], after[3] - before[3])
        assert castor == redis, "%r: castor hits/misses %r, redis %r" % (cmd, castor, redis)


def test_refcount_of_a_copied_shared_integer(pair):
    """Redis shares the integers 0..9999 (REFCOUNT INT_MAX), but COPY's
    dupStringObject() gives the copy its own object (REFCOUNT 1), which a
    RENAME, MOVE or EXPIRE keeps and a new value (SET, INCR) shares again;
    castor answered by the value alone."""
    pair.same([("SET", "a", "5"), ("COPY", "a", "b"), ("OBJECT", "REFCOUNT", "a"),
               ("OBJECT", "REFCOUNT", "b"),
               ("COPY", "a", "c", "DB", "1"), ("RENAME", "b", "b2"), ("OBJECT", "REFCOUNT", "b2"),
               ("EXPIRE", "b2", "1000"), ("OBJECT", "REFCOUNT", "b2"), ("MOVE", "b2", "2"),
               ("SELECT", "1"), ("OBJECT", "REFCOUNT", "c"), ("SELECT", "2"),
               ("OBJECT", "REFCOUNT", "b2"), ("INCR", "b2"), ("OBJECT", "REFCOUNT", "b2"),
               ("SELECT", "0"), ("COPY", "a", "d"), ("SET", "d", "6"), ("OBJECT", "REFCOUNT", "d"),
               ("COPY", "a", "e"), ("SET", "e", "7", "KEEPTTL"), ("OBJECT", "REFCOUNT", "e"),
               ("SET", "big", "10000"), ("COPY", "big", "f"), ("OBJECT", "REFCOUNT", "f")])


def test_integer_sharing_is_decided_when_the_value_is_made(pair):
    """Under an LRU or LFU policy with a maxmemory Redis makes integers of
    their own (REFCOUNT 1), and a policy changed later does not change an
    existing value's object: only a new value (SET, INCR, a reload) is
    made by the policy of its time. castor asked the policy at query time."""
    try:
        pair.same([("CONFIG", "SET", "maxmemory", "100mb", "maxmemory-policy", "allkeys-lru"),
                   ("SET", "k", "5"), ("OBJECT", "REFCOUNT", "k"),
                   ("CONFIG", "SET", "maxmemory-policy", "noeviction"),
                   ("OBJECT", "REFCOUNT", "k"), ("RENAME", "k", "k2"), ("OBJECT", "REFCOUNT", "k2"),
                   ("SET", "j", "6"), ("INCR", "k2"),
                   ("CONFIG", "SET", "maxmemory-policy", "volatile-lfu"),
                   ("OBJECT", "REFCOUNT", "j"), ("OBJECT", "REFCOUNT", "k2"),
                   ("INCR", "j"), ("OBJECT", "REFCOUNT", "j"), ("SET", "h", "9"),
                   ("CONFIG", "SET", "maxmemory", "0"), ("OBJECT", "REFCOUNT", "h"),
                   ("SET", "h", "9"), ("OBJECT", "REFCOUNT", "h")])
    finally:
        pair.both("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction")


def test_object_freq_and_idletime_under_lfu(make_pair):
    p = make_pair({"maxmemory-policy": "allkeys-lfu"})
    p.same([("SET", "k", "v"), ("OBJECT", "IDLETIME", "k")])
    p.check_shape("OBJECT", "FREQ", "k")


def test_exists_and_type_do_not_touch_the_key(make_pair):
    """EXISTS and TYPE look without touching (LOOKUP_NOTOUCH): the LFU
    counter of a fresh key stays at its initial 5; TOUCH raises it."""
    p = make_pair({"maxmemory-policy": "allkeys-lfu"})
    p.same([("SET", "k", "v")] + [("EXISTS", "k", "k", "missing")] * 50 + [("TYPE", "k")] * 50
           + [("OBJECT", "FREQ", "k"), ("TOUCH", "k"), ("OBJECT", "FREQ", "k")])


# Commands whose reply may differ (random picks, SCAN's order, sizes); the
# LFU counters after them must not.
ACCESS_PROBES = [
    ("SCAN", "0"), ("SCAN", "0", "MATCH", "*"), ("SCAN", "0", "TYPE", "string"), ("KEYS", "*"),
    ("RANDOMKEY",), ("DUMP", "s"), ("TYPE", "s"), ("EXISTS", "s", "l"), ("TTL", "s"), ("PTTL", "s"),
    ("EXPIRETIME", "s"), ("OBJECT", "ENCODING", "s"), ("MEMORY", "USAGE", "l"), ("DEBUG", "OBJECT", "s"),
    ("TOUCH", "s", "h"), ("SORT", "l", "BY", "w_*", "GET", "o_*"), ("SORT_RO", "l"), ("RENAME", "s", "s2"),
    ("COPY", "s", "s3"), ("MOVE", "s", "1"), ("EXPIRE", "s", "100"), ("PERSIST", "s"), ("STRLEN", "s"),
    ("HSCAN", "h", "0"), ("SSCAN", "set", "0"), ("ZSCAN", "z", "0"), ("SINTER", "set", "set2"),
    ("SINTERCARD", "2", "set", "set2"), ("ZUNION", "2", "z", "set"), ("ZRANGESTORE", "zd", "z", "0", "-1"),
    ("SUNIONSTORE", "sd", "set", "set2"), ("LMOVE", "l", "l2", "LEFT", "RIGHT"), ("PFCOUNT", "hll", "hll2"),
    ("PFMERGE", "hll3", "hll", "hll2"), ("GEODIST", "geo", "a", "b"), ("XINFO", "STREAM", "x"),
    ("XREAD", "STREAMS", "x", "0"), ("BITOP", "AND", "bd", "s", "s2"), ("LCS", "s", "s2"),
    ("MGET", "s", "nope"), ("GETEX", "s"), ("SET", "s", "v", "GET"), ("GETDEL", "s"), ("WATCH", "s"),
    ("SRANDMEMBER", "set"), ("HRANDFIELD", "h"), ("SMOVE", "set", "set2", "a"),
    ("GEOSEARCHSTORE", "gd", "geo", "FROMMEMBER", "a", "BYRADIUS", "1000", "km"),
    ("XGROUP", "CREATE", "x", "g", "0"), ("BLPOP", "l", "1"),
    ("EVAL", "return redis.call('get', KEYS[1])", "1", "s"), ("SINTERSTORE", "set", "set", "set2"),
    ("MSETNX", "n1", "0", "n1", "g"), ("MSET", "s", "0", "s", "g", "n1", "7"),
]
ACCESS_KEYS = ["s", "s2", "s3", "l", "l2", "h", "set", "set2", "z", "zd", "sd", "w_a", "o_a", "hll",
               "hll2", "hll3", "geo", "gd", "x", "bd", "n1"]


def test_each_command_touches_the_keys_redis_touches(make_pair):
    """With lfu-log-factor 0 every access raises a key's LFU counter by one
    and no decay lowers it, so OBJECT FREQ counts the accesses each command
    records: the same on both servers, key by key (SCAN recorded one for
    each key it returned, so it reset their idle time; MSETNX did not look
    up a key it names twice). maxmemory is set so that Redis gives each key
    its own small integer (OBJECT FREQ would read a shared one's)."""
    p = make_pair({"maxmemory": "1gb", "maxmemory-policy": "allkeys-lfu", "lfu-log-factor": "0",
                   "lfu-decay-time": "0"})
    setup = [("SET", "s", "abc"), ("SET", "s2", "abd"), ("RPUSH", "l", "a", "b", "c"), ("HSET", "h", "f", "v"),
             ("SADD", "set", "a", "b"), ("SADD", "set2", "b"), ("ZADD", "z", "1", "a"), ("SET", "w_a", "1.5"),
             ("SET", "o_a", "x2"), ("PFADD", "hll", "a"), ("PFADD", "hll2", "b"),
             ("GEOADD", "geo", "1", "1", "a", "1.1", "1.1", "b"), ("XADD", "x", "1-1", "f", "v")]
    freqs = [c for k in ACCESS_KEYS for c in (("SELECT", "0"), ("OBJECT", "FREQ", k), ("SELECT", "1"),
                                              ("OBJECT", "FREQ", k))] + [("SELECT", "0")]
    for cmd in ACCESS_PROBES:
        p.same([("FLUSHALL",)] + setup)
        p.both(*cmd)
        p.same(freqs)


def test_writes_count_one_access_of_the_key_they_replace(make_pair):
    """A fresh key's LFU counter is 5 and its first access makes it 6 for
    sure (later ones are random). Redis's setKey() looks the key up once
    before it replaces it, and the new value keeps the counter: MSET, the
    STORE commands, BITOP and SET (also with NX/XX) raise it once; RENAME
    and MOVE carry the value's counter to the new name. No decay: a minute
    turning between two commands would lower a counter."""
    p = make_pair({"maxmemory-policy": "allkeys-lfu", "lfu-decay-time": "0"})
    sources = [("RPUSH", "l", "1"), ("SADD", "s", "m"), ("ZADD", "z", "1", "m"), ("SET", "a", "v")]
    writes = [("MSET", "k", "x"), ("SET", "k", "x"), ("SET", "k", "x", "XX"), ("SET", "k", "x", "NX"),
              ("SET", "k", "x", "EX", "100"), ("SORT", "l", "STORE", "k"), ("SUNIONSTORE", "k", "s"),
              ("ZUNIONSTORE", "k", "1", "z"), ("ZRANGESTORE", "k", "z", "0", "-1"),
              ("BITOP", "OR", "k", "a"), ("SETNX", "k", "x"), ("MSETNX", "k", "x")]
    for cmd in writes:
        p.same([("FLUSHALL",)] + sources + [("SET", "k", "old"), cmd, ("OBJECT", "FREQ", "k")])
    for cmd in [("RENAME", "k", "k2"), ("MOVE", "k", "1")]:
        p.same([("FLUSHALL",), ("SET", "k", "v"), cmd, ("SELECT", "1"),
                ("OBJECT", "FREQ", "k"), ("SELECT", "0"), ("OBJECT", "FREQ", "k2")])


# ---- EXPIRE family, TTL, PERSIST ---------------------------------------------------------

def test_expire_options_nx_xx_gt_lt(pair):
    pair.check("SET", "k", "v")
    seq = [("EXPIRE", "k", "100", "XX"), ("EXPIRE", "k", "100", "GT"), ("EXPIRE", "k", "100", "LT"),
           ("TTL", "k"), ("EXPIRE", "k", "50", "NX"), ("EXPIRE", "k", "200", "NX"),
           ("EXPIRE", "k", "300", "XX"), ("EXPIRE", "k", "100", "GT"),
           ("EXPIRE", "k", "400", "GT"), ("EXPIRE", "k", "500", "LT"), ("EXPIRE", "k", "10", "LT"),
           ("TTL", "k"), ("PERSIST", "k"), ("PERSIST", "k"), ("TTL", "k"),
           ("EXPIRE", "k", "10", "nx", "xx"), ("EXPIRE", "k", "10", "GT", "LT"),
           ("EXPIRE", "k", "10", "NX", "GT"), ("EXPIRE", "k", "10", "FOO"),
           ("EXPIRE", "k", "10", "XX", "XX"), ("EXPIRE", "missing", "10"),
           ("EXPIRE", "missing", "10", "NX"), ("EXPIRE", "k", "abc"), ("EXPIRE", "k", "1.5"),
           ("EXPIRE", "k"), ("TTL", "missing"), ("PTTL", "missing"), ("PERSIST", "missing")]
    pair.same(seq)


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_flags_are_checked_before_the_time(pair, cmd):
    # Redis's expireGenericCommand parses NX/XX/GT/LT first: a bad option
    # wins over a bad time (found by test_diff_random.py).
    pair.same([("SET", "k", "v"), (cmd, "k", "abc", "FOO"), (cmd, "k", "abc", "NX", "XX"),
               (cmd, "k", "abc", "GT", "LT"), (cmd, "missing", "1.5", "BAR"),
               (cmd, "k", "abc", "NX"), ("TTL", "k")])


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_variants_overflow_and_past_times(pair, cmd):
    for v in ("9223372036854775807", "-9223372036854775808", "9223372036854775", "9223372036854776",
              "99999999999999999999", "0", "-1"):
        pair.same([("SET", "k", "v"), (cmd, "k", v), ("EXISTS", "k")])


@pytest.mark.parametrize("cmd,scale", [("EXPIREAT", 1), ("PEXPIREAT", 1000)])
def test_expireat_absolute_times_are_exact(pair, cmd, scale):
    at = int(time.time() + 1000) * scale
    pair.same([("SET", "k", "v"), (cmd, "k", str(at)), ("EXPIRETIME", "k"), ("PEXPIRETIME", "k"),
               (cmd, "k", str(at - 5 * scale), "GT"), (cmd, "k", str(at - 5 * scale), "LT"),
               ("PEXPIRETIME", "k"), ("EXPIRETIME", "missing"), ("PEXPIRETIME", "missing"),
               ("SET", "p", "v"), ("EXPIRETIME", "p"), ("PEXPIRETIME", "p")])


def test_ttl_and_pttl_with_tolerance(pair):
    pair.same([("SET", "a", "v"), ("EXPIRE", "a", "100"), ("SET", "b", "v"), ("PEXPIRE", "b", "100000")])
    pair.check_approx("TTL", "a", tol=1)
    pair.check_approx("PTTL", "a", tol=100)
    pair.check_approx("TTL", "b", tol=1)
    pair.check_approx("PTTL", "b", tol=100)


def test_expired_keys_are_invisible(pair):
    pair.same([("SET", "k", "v", "PX", "1"), ("MSET", "x", "1")])
    time.sleep(0.01)
    pair.same([("GET", "k"), ("EXISTS", "k"), ("TTL", "k"), ("TYPE", "k"), ("KEYS", "*")])


def test_negative_ttl_deletes_key(pair):
    pair.same([("SET", "k", "v"), ("EXPIRE", "k", "-10"), ("EXISTS", "k"),
               ("SET", "k", "v"), ("PEXPIREAT", "k", "1"), ("EXISTS", "k")])


def test_wrongtype_does_not_apply_to_keyspace_commands(pair):
    fill_types(pair)
    for key in ("list", "hash", "set", "zset"):
        pair.same([("EXPIRE", key, "100"), ("PERSIST", key), ("TYPE", key), ("EXISTS", key)])
    assert pair.check("GET", "list") == Err(
        "WRONGTYPE Operation against a key holding the wrong kind of value")
