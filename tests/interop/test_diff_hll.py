"""Differential tests of the HyperLogLog commands (hllcmd.c, hll.c) against
redis-server 7.0.

A HyperLogLog is a string whose bytes are visible (GET, GETRANGE, DUMP,
DEBUG DIGEST), so besides every reply the tests compare the value's bytes
after each step: the sparse encoding's splits and merges, the moment it
turns dense (hll-sparse-max-bytes), the cached cardinality and its stale
bit. Errors are compared for every way a value can fail to be a
HyperLogLog, and randomly corrupted values must get the same answers from
both servers. A value whose sparse runs wrap a 32-bit register index (the
CVE-2025-32023 shape) is only sent to castor: the reference server may
predate the fix.

"PFCOUNT ... Note: as a side effect of calling this function, it is
possible that the HyperLogLog is modified, since the last 8 bytes encode
the latest computed cardinality for caching purposes." (Redis PFCOUNT
documentation)
"""

import random

import pytest

from pair import same_call

SPARSE_MAX = "3000"


@pytest.fixture
def sparse_max(pair):
    """set(n) sets hll-sparse-max-bytes on both; the default comes back after."""
    def set_max(n):
        pair.check("CONFIG", "SET", "hll-sparse-max-bytes", str(n))
    try:
        yield set_max
    finally:
        set_max(SPARSE_MAX)


def same_value(pair, key):
    """The HyperLogLog's bytes and what Redis says about them."""
    pair.check("GET", key)
    pair.check("STRLEN", key)
    pair.check("OBJECT", "ENCODING", key)


def elems(prefix, a, b):
    return ["%s%d" % (prefix, i) for i in range(a, b)]


# ---- PFADD ---------------------------------------------------------------------------------

def test_pfadd_replies_and_bytes(pair):
    pair.same([("PFADD", "h"), ("EXISTS", "h"), ("PFADD", "h"), ("PFADD", "h", "a", "b", "c"),
               ("PFADD", "h", "a", "b", "c"), ("PFADD", "h", ""), ("PFADD", "h", "a", "zz"),
               ("TYPE", "h")])
    same_value(pair, "h")
    pair.check3("PFADD", "h", "q")
    pair.check3("PFADD", "h", "q")
    same_value(pair, "h")


def test_pfadd_many_elements_grow_the_sparse_form_like_redis(pair):
    """Every PFADD of a growing HyperLogLog leaves the same bytes: the
    split, merge and promotion rules are Redis's."""
    rnd = random.Random(14)
    for step in range(120):
        batch = [str(rnd.getrandbits(40)) for _ in range(rnd.randint(1, 40))]
        pair.check("PFADD", "h", *batch)
        if step % 10 == 0:
            same_value(pair, "h")
            pair.check("PFDEBUG", "ENCODING", "h")
    same_value(pair, "h")
    pair.check("PFCOUNT", "h")
    same_value(pair, "h")


def test_pfadd_binary_and_long_elements(pair):
    pair.check("PFADD", "h", b"\x00\xff\r\n", "x" * 1000, "ключ", b"a" * 7, b"a" * 8, b"a" * 9)
    same_value(pair, "h")
    pair.check("PFCOUNT", "h")


def test_pfadd_on_other_types_and_non_hll_strings(pair):
    pair.same([("RPUSH", "l", "x"), ("SET", "s", "plain"), ("SET", "i", "12345"),
               ("SET", "long", "x" * 100)])
    for key in ("l", "s", "i", "long"):
        pair.check("PFADD", key, "a")
        pair.check("PFADD", key)
    same_value(pair, "s")


# ---- PFCOUNT and its cache -----------------------------------------------------------------

def test_pfcount_caches_and_invalidates_as_redis(pair):
    """The suite's check: byte 15 is 0x80 while the cache is stale."""
    pair.same([("PFADD", "h", "a", "b", "c"), ("GETRANGE", "h", 15, 15), ("PFCOUNT", "h"),
               ("GETRANGE", "h", 8, 15), ("PFADD", "h", "a", "b", "c"), ("GETRANGE", "h", 15, 15),
               ("PFADD", "h", 1, 2, 3), ("GETRANGE", "h", 15, 15), ("PFCOUNT", "h"),
               ("GETRANGE", "h", 8, 15), ("PFCOUNT", "h")])
    same_value(pair, "h")


@pytest.mark.parametrize("n", [0, 1, 10, 100, 1000, 5000, 20000])
def test_pfcount_of_sizes_and_encodings(pair, n):
    for a in range(0, n, 1000):
        pair.check("PFADD", "h", *elems("e", a, min(n, a + 1000)))
    if n == 0:
        pair.check("PFADD", "h")
    pair.check("PFCOUNT", "h")
    pair.check("PFDEBUG", "ENCODING", "h")
    same_value(pair, "h")


def test_pfcount_of_several_keys(pair):
    pair.same([("PFADD", "a", *elems("x", 0, 100)), ("PFADD", "b", *elems("x", 50, 300)),
               ("PFADD", "c", *elems("y", 0, 5000)), ("PFCOUNT", "a", "b"),
               ("PFCOUNT", "a", "b", "c"), ("PFCOUNT", "a", "nokey"), ("PFCOUNT", "nokey", "nokey2"),
               ("PFCOUNT", "nokey"), ("PFCOUNT", "a", "a")])
    # Several keys never write the cache.
    same_value(pair, "a")
    same_value(pair, "c")
    pair.check3("PFCOUNT", "a", "b", "c")


def test_pfcount_errors(pair):
    pair.same([("PFADD", "h", "a"), ("RPUSH", "l", "x"), ("SET", "s", "plain")])
    for args in (("l",), ("s",), ("h", "l"), ("h", "s"), ("nokey", "s")):
        pair.check("PFCOUNT", *args)
    pair.check("PFCOUNT")


# ---- PFMERGE -------------------------------------------------------------------------------

def test_pfmerge_combinations(pair):
    pair.same([("PFADD", "s1", *elems("a", 0, 50)), ("PFADD", "s2", *elems("a", 25, 120)),
               ("PFADD", "d1", *elems("b", 0, 8000)), ("PFADD", "d2", *elems("b", 4000, 12000))])
    pair.check("PFDEBUG", "ENCODING", "d1")
    cases = [("new1", "s1", "s2"), ("new2", "s1", "d1"), ("new3", "d1", "d2"),
             ("s1", "s2"), ("new4",), ("new5", "nokey"), ("s2", "d1", "nokey", "s1"),
             ("new6", "new6")]
    for dst, *srcs in cases:
        pair.check("PFMERGE", dst, *srcs)
        same_value(pair, dst)
        pair.check("PFCOUNT", dst)
        pair.check("PFDEBUG", "ENCODING", dst)


def test_pfmerge_into_a_sparse_destination_that_must_turn_dense(pair, sparse_max):
    sparse_max(200)
    pair.same([("PFADD", "a", *elems("a", 0, 60)), ("PFADD", "b", *elems("b", 0, 60)),
               ("PFDEBUG", "ENCODING", "a"), ("PFMERGE", "a", "b"), ("PFDEBUG", "ENCODING", "a")])
    same_value(pair, "a")


def test_pfmerge_errors(pair):
    pair.same([("SET", "s", "bar"), ("RPUSH", "l", "x"), ("PFADD", "h", "a")])
    for args in (("s", "h"), ("h", "s"), ("l", "h"), ("h", "l"), ("new", "h", "s")):
        pair.check("PFMERGE", *args)
    pair.check("EXISTS", "new")
    pair.check("PFMERGE")


# ---- hll-sparse-max-bytes ------------------------------------------------------------------

@pytest.mark.parametrize("limit", [0, 20, 100, 1000, 3000, 20000])
def test_promotion_to_dense_follows_hll_sparse_max_bytes(pair, sparse_max, limit):
    sparse_max(limit)
    pair.check("CONFIG", "GET", "hll-sparse-max-bytes")
    for i in range(0, 3000, 150):
        pair.check("PFADD", "h", *elems("p", i, i + 150))
        pair.check("PFDEBUG", "ENCODING", "h")
        pair.check("STRLEN", "h")
    same_value(pair, "h")
    pair.check("PFCOUNT", "h")


def test_hll_sparse_max_bytes_config_errors(pair, sparse_max):
    for v in ("abc", "10k", "1kb", "2mb", "1.5", "0"):
        pair.check("CONFIG", "SET", "hll-sparse-max-bytes", v)
        pair.check("CONFIG", "GET", "hll-sparse-max-bytes")


# ---- PFDEBUG and PFSELFTEST ----------------------------------------------------------------

def test_pfdebug_subcommands(pair):
    pair.same([("PFADD", "h", *elems("x", 0, 30)), ("PFDEBUG", "ENCODING", "h"),
               ("PFDEBUG", "DECODE", "h"), ("PFDEBUG", "decode", "h"),
               ("PFDEBUG", "TODENSE", "h"), ("PFDEBUG", "TODENSE", "h"),
               ("PFDEBUG", "ENCODING", "h"), ("PFDEBUG", "DECODE", "h"),
               ("PFADD", "g", "a"), ("PFDEBUG", "GETREG", "g"), ("PFDEBUG", "ENCODING", "g"),
               ("PFDEBUG", "GETREG", "h")])
    pair.check3("PFDEBUG", "GETREG", "h")
    pair.check3("PFDEBUG", "ENCODING", "h")
    same_value(pair, "h")
    same_value(pair, "g")


def test_pfdebug_errors(pair):
    pair.same([("PFADD", "h", "a"), ("SET", "s", "x"), ("RPUSH", "l", "x")])
    for args in (("GETREG", "nokey"), ("FOO", "nokey"), ("FOO", "h"), ("GETREG", "s"),
                 ("GETREG", "l"), ("getreg", "h", "x"), ("getreg",), ("ENCODING", "s")):
        pair.check("PFDEBUG", *args)


def test_pfselftest(pair):
    pair.check("PFSELFTEST")
    pair.check("PFSELFTEST", "x")


# ---- Values that are not, or no longer, HyperLogLogs ---------------------------------------

def test_corrupted_values_like_the_redis_suite(pair):
    """Additional bytes at the tail, broken magic, invalid encoding, dense
    with a wrong length."""
    cases = [("APPEND", "h", "hello"), ("SETRANGE", "h", 0, "0123"), ("SETRANGE", "h", 4, "x"),
             ("SETRANGE", "h", 4, "\x00"), ("SETRANGE", "h", 16, "\xff\xff"),
             ("SETRANGE", "h", 17, "\x00")]
    for cmd in cases:
        pair.same([("DEL", "h"), ("PFADD", "h", "a", "b", "c"), cmd, ("PFCOUNT", "h"),
                   ("PFADD", "h", "zz"), ("PFCOUNT", "h", "h"), ("PFMERGE", "m", "h"),
                   ("PFDEBUG", "GETREG", "h")])
        same_value(pair, "h")


def test_random_corruption_gets_the_same_answers(pair):
    """The suite's fuzzer, seeded: random bytes overwritten in sparse and
    dense values, then every command that reads them."""
    rnd = random.Random(4)
    for j in range(150):
        pair.check("DEL", "h")
        n = rnd.choice([5, 50, 300, 3000])
        pair.check("PFADD", "h", *[str(rnd.random()) for _ in range(n)])
        for _ in range(rnd.randint(1, 5)):
            length = pair.check("STRLEN", "h")
            pos = rnd.randrange(length)
            pair.check("SETRANGE", "h", pos, bytes([rnd.getrandbits(8)]))
        cmd = [("PFCOUNT", "h"), ("PFADD", "h", "new%d" % j), ("PFCOUNT", "h", "nokey"),
               ("PFMERGE", "m", "h"), ("PFDEBUG", "DECODE", "h"),
               ("PFDEBUG", "TODENSE", "h")][j % 6]
        pair.check(*cmd)
        same_value(pair, "h")


def sparse_value(body):
    """A sparse HyperLogLog with the given opcodes and a stale cache."""
    return b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80" + body


@pytest.mark.parametrize("body", [
    b"\x7f\xff\x7f\xff",          # 32768 registers
    b"\x7f\xfe\x83",              # a VAL run past the last register
    b"\x3f",                      # 64 registers only
    b"\x7f",                      # an XZERO cut in half
    b"",                          # no opcodes
    b"\x7f\xff\x80",              # a VAL after all 16384
    b"\x40\x00" * 16384,          # 16384 XZERO:1
    b"\x80" * 16384,              # 16384 VAL:1,1
], ids=["double", "val-past-end", "short", "half-xzero", "empty", "val-after", "xzero1", "val1"])
def test_crafted_sparse_bodies(pair, body):
    for cmd in [("PFCOUNT", "h"), ("PFCOUNT", "h", "h"), ("PFADD", "h", "a"), ("PFADD", "h", *elems("z", 0, 50)),
                ("PFMERGE", "m", "h"), ("PFDEBUG", "DECODE", "h"), ("PFDEBUG", "GETREG", "h"),
                ("PFDEBUG", "TODENSE", "h")]:
        pair.same([("SET", "h", sparse_value(body)), cmd])
        same_value(pair, "h")


def test_register_index_overflow_is_invalidobj_on_castor(server):
    """262144+ XZERO:16384 opcodes push a 32-bit register index past 2^31;
    a VAL after them then wrote before the registers (CVE-2025-32023).
    castor answers INVALIDOBJ to every reader and stays up (the ASan build
    would report any stray access)."""
    c = server.client()
    value = sparse_value(b"\x7f\xff" * 262145 + b"\x83\x83\x83")
    c.set("h", value)
    for cmd in [("PFCOUNT", "h"), ("PFCOUNT", "h", "h"), ("PFMERGE", "m", "h"),
                ("PFDEBUG", "TODENSE", "h"), ("PFDEBUG", "GETREG", "h")]:
        with pytest.raises(Exception, match="INVALIDOBJ Corrupted HLL object detected"):
            c.execute_command(*cmd)
    assert c.get("h") == value
    assert c.exists("m") == 0
    assert c.ping()


# ---- Keyspace notifications, digests, DUMP -------------------------------------------------

def test_notifications(pair):
    pair.same_notifications([("PFADD", "h", "a"), ("PFADD", "h", "a"), ("PFCOUNT", "h"),
                             ("PFADD", "h2"), ("PFMERGE", "h3", "h", "h2"),
                             ("PFDEBUG", "TODENSE", "h"), ("PFDEBUG", "GETREG", "h3")])


def test_digest_equal(pair):
    """(DUMP payloads may differ: castor's LZF and its skip heuristics are
    not Redis's; test_hllgeo_interop.py restores them both ways.)"""
    pair.same([("PFADD", "s", *elems("a", 0, 200)), ("PFADD", "d", *elems("a", 0, 20000)),
               ("PFCOUNT", "s"), ("PFCOUNT", "d"), ("DEBUG", "DIGEST-VALUE", "s", "d")])
    pair.check("DEBUG", "DIGEST")


def test_restored_small_hll_is_embstr_until_written(pair):
    """RESTORE gives a short HyperLogLog an embstr string, as Redis's
    loader does; PFCOUNT makes it raw again (its cache may change)."""
    pair.check("PFADD", "h", "a")
    dump = pair.check("DUMP", "h")
    pair.same([("DEL", "h"), ("RESTORE", "h", 0, dump), ("OBJECT", "ENCODING", "h"),
               ("PFCOUNT", "h"), ("OBJECT", "ENCODING", "h"), ("GET", "h")])


def test_pf_commands_inside_multi(pair):
    pair.same([("MULTI",), ("PFADD", "h", "a", "b"), ("PFCOUNT", "h"), ("PFMERGE", "m", "h"),
               ("PFCOUNT", "m"), ("EXEC",)])
    same_value(pair, "m")


def test_pfcount_cache_refresh_is_a_write_for_watch(pair):
    """PFCOUNT that refreshes the cache modifies the key: a WATCH of it
    fails; a PFCOUNT served from the cache leaves the WATCH alone."""
    pair.check("PFADD", "h", "a", "b")
    for refresh in (True, False):
        cs = pair.conns()
        try:
            same_call(cs, "WATCH", "h")
            pair.check("PFCOUNT", "h")   # stale the first time, cached the second
            same_call(cs, "MULTI")
            same_call(cs, "PFCOUNT", "h")
            reply = same_call(cs, "EXEC")
            assert (reply[1] is None) == refresh, reply
        finally:
            for c in cs:
                c.close()


def test_debug_reload_keeps_the_bytes(pair):
    pair.same([("PFADD", "s", "a", "b"), ("PFADD", "d", *elems("e", 0, 9000)), ("PFCOUNT", "d"),
               ("DEBUG", "RELOAD"), ("OBJECT", "ENCODING", "s"), ("OBJECT", "ENCODING", "d"),
               ("GET", "s"), ("GET", "d"), ("PFADD", "s", "c"), ("OBJECT", "ENCODING", "s"),
               ("PFCOUNT", "s", "d")])
