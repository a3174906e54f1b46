"""Differential tests of set commands against redis-server 7.0.

Sets have two encodings in Redis 7.0: intset (all members integers, at most
set-max-intset-entries of them) and hashtable. An intset replies in
ascending order, so replies that walk one are compared in order; a
hashtable's order is its own, so those replies are compared unordered.
Random commands (SPOP, SRANDMEMBER) are checked by their properties, and
by the shape of their replies."""

import contextlib
import random

import pytest

from pair import full_scan


def both(pair, *args):
    """Run on both servers without comparing; (castor, redis) plain replies."""
    return pair.conn("castor").call(*args), pair.conn("redis").call(*args)


def members(pair, key):
    """SMEMBERS compared in order when the set is an intset."""
    ordered = pair.conn("castor").call("OBJECT", "ENCODING", key) == b"intset"
    return pair.check("SMEMBERS", key, unordered=not ordered)


@contextlib.contextmanager
def intset_max(pair, n):
    pair.same([("CONFIG", "SET", "set-max-intset-entries", str(n))])
    try:
        yield
    finally:
        pair.same([("CONFIG", "SET", "set-max-intset-entries", "512")])


# ---- SADD, SREM, SCARD, SISMEMBER, SMISMEMBER ---------------------------------------------------

def test_sadd_srem_scard_on_intset(pair):
    pair.same([("SADD", "s", "3", "1", "2", "2", "-5"), ("SCARD", "s"), ("SADD", "s", "1"),
               ("SADD", "s", "4", "4", "4"), ("SCARD", "s"), ("SISMEMBER", "s", "4"),
               ("SISMEMBER", "s", "9"), ("SISMEMBER", "s", "x"), ("SISMEMBER", "s", "04"),
               ("SMEMBERS", "s"), ("OBJECT", "ENCODING", "s"), ("TYPE", "s"),
               ("SREM", "s", "1", "9", "x", "1"), ("SMEMBERS", "s"), ("SCARD", "s"),
               ("SREM", "s", "2", "3", "4", "-5", "7"), ("EXISTS", "s"), ("SCARD", "s"),
               ("SREM", "s", "1"), ("SMEMBERS", "s")])


def test_sadd_srem_on_hashtable_and_binary_members(pair):
    pair.same([("SADD", "h", "a", "b", "", b"\x00\xff", "b", "1"), ("SCARD", "h"),
               ("OBJECT", "ENCODING", "h"), ("SISMEMBER", "h", ""),
               ("SISMEMBER", "h", b"\x00\xff"), ("SISMEMBER", "h", b"\x00"),
               ("SMISMEMBER", "h", "a", "z", "", "1", "01"),
               ("SREM", "h", "a", "", "zz"), ("SCARD", "h")])
    members(pair, "h")
    pair.same([("SREM", "h", "b", b"\x00\xff", "1"), ("EXISTS", "h")])


INTEGER_LIKE = ["0", "-0", "01", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "-1",
                "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                "-9223372036854775809", "32767", "32768", "-32768", "-32769",
                "2147483647", "2147483648", "-2147483648", "-2147483649", "", "-"]


@pytest.mark.parametrize("v", INTEGER_LIKE)
def test_only_canonical_integers_stay_intset(pair, v):
    pair.same([("SADD", "s", v), ("OBJECT", "ENCODING", "s"), ("SISMEMBER", "s", v),
               ("SADD", "t", "5", v), ("OBJECT", "ENCODING", "t"), ("SISMEMBER", "t", v),
               ("SREM", "t", v), ("SMEMBERS", "t")])
    members(pair, "s")


def test_intset_widths_keep_order(pair):
    vals = ["5", "-40000", "3000000000", "-9223372036854775808", "9223372036854775807",
            "7", "-1", "32767", "-32768", "70000"]
    for i, v in enumerate(vals):
        pair.same([("SADD", "w", v), ("SMEMBERS", "w"), ("OBJECT", "ENCODING", "w")])
    for v in vals[::2]:
        pair.same([("SREM", "w", v), ("SMEMBERS", "w"), ("SISMEMBER", "w", v)])
    pair.same([("SISMEMBER", "w", "70000"), ("SISMEMBER", "w", "99999999999"),
               ("SADD", "w", "1", "2", "3"), ("SMEMBERS", "w")])


def test_smismember_and_missing_keys(pair):
    pair.same([("SMISMEMBER", "nokey", "a", "b"), ("SISMEMBER", "nokey", "a"),
               ("SCARD", "nokey"), ("SMEMBERS", "nokey"), ("SREM", "nokey", "a"),
               ("SADD", "s", "1", "2"), ("SMISMEMBER", "s", "1", "3", "2", "a"),
               ("SMISMEMBER", "s", "2")])
    pair.check3("SMISMEMBER", "s", "1", "x")
    pair.check3("SMEMBERS", "nokey")
    pair.check3("SMEMBERS", "s")


def test_sadd_keeps_ttl_and_notifies_nothing_on_no_change(pair):
    pair.same([("SADD", "s", "a"), ("EXPIRE", "s", "1000"), ("SADD", "s", "b"), ("TTL", "s"),
               ("SADD", "s", "a", "b"), ("SREM", "s", "zz"), ("TTL", "s"),
               ("SREM", "s", "a"), ("TTL", "s")])


# ---- Encoding transitions -----------------------------------------------------------------------

def test_intset_converts_past_max_entries(pair):
    with intset_max(pair, 4):
        pair.same([("SADD", "s", "1", "2", "3", "4"), ("OBJECT", "ENCODING", "s"),
                   ("SADD", "s", "4"), ("OBJECT", "ENCODING", "s"),
                   ("SADD", "s", "5"), ("OBJECT", "ENCODING", "s"),
                   ("SREM", "s", "5", "4", "3"), ("OBJECT", "ENCODING", "s"),
                   ("SADD", "m", "1", "2", "3", "4", "5", "6"), ("OBJECT", "ENCODING", "m"),
                   ("SADD", "t", "1", "x"), ("OBJECT", "ENCODING", "t"),
                   ("SREM", "t", "x"), ("OBJECT", "ENCODING", "t")])
        members(pair, "s")
    with intset_max(pair, 0):
        pair.same([("SADD", "z", "1"), ("OBJECT", "ENCODING", "z"), ("SMEMBERS", "z")])
    with intset_max(pair, 1):
        pair.same([("SADD", "o", "1"), ("OBJECT", "ENCODING", "o"),
                   ("SADD", "o", "2"), ("OBJECT", "ENCODING", "o")])


def test_default_threshold_is_512(pair):
    pair.same([("CONFIG", "GET", "set-max-intset-entries"),
               ("SADD", "s", *[str(i) for i in range(512)]), ("OBJECT", "ENCODING", "s"),
               ("SADD", "s", "512"), ("OBJECT", "ENCODING", "s"), ("SCARD", "s"),
               ("SADD", "b", *[str(i) for i in range(600)]), ("OBJECT", "ENCODING", "b")])
    pair.check("SMEMBERS", "s", unordered=True)


def test_store_results_start_as_intset(pair):
    """The STORE commands build a fresh set: all-integer results are intsets
    even when the sources were hashtables."""
    with intset_max(pair, 5):
        pair.same([("SADD", "big", *[str(i) for i in range(10)]), ("OBJECT", "ENCODING", "big"),
                   ("SADD", "mix", "1", "2", "a"),
                   ("SINTERSTORE", "d1", "big", "mix"), ("OBJECT", "ENCODING", "d1"),
                   ("SMEMBERS", "d1"),
                   ("SUNIONSTORE", "d2", "mix"), ("OBJECT", "ENCODING", "d2"),
                   ("SDIFFSTORE", "d3", "mix", "big"), ("OBJECT", "ENCODING", "d3"),
                   ("SREM", "mix", "a"), ("SUNIONSTORE", "d4", "mix"), ("OBJECT", "ENCODING", "d4"),
                   ("SMEMBERS", "d4"), ("SUNIONSTORE", "d5", "big"), ("OBJECT", "ENCODING", "d5"),
                   ("SINTERSTORE", "d6", "big", "big"), ("OBJECT", "ENCODING", "d6")])


def test_sdiffstore_encoding_follows_redis_algorithm_choice(pair):
    """SDIFF adds all of the first set then removes the others when that is
    cheaper: the result then went past the intset limit on the way and stays
    a hashtable, where the other algorithm leaves a small intset."""
    with intset_max(pair, 10):
        first = [str(i) for i in range(1, 21)]
        pair.same([("SADD", "a", *first), ("SADD", "b", *[str(i) for i in range(1, 16)]),
                   ("SADD", "c", "16"), ("SADD", "d", "17"),
                   ("SDIFFSTORE", "r1", "a", "b", "c"), ("OBJECT", "ENCODING", "r1"),
                   ("SMEMBERS", "r1"),
                   ("SDIFFSTORE", "r2", "a", "b", "c", "d"), ("OBJECT", "ENCODING", "r2"),
                   ("SDIFFSTORE", "r3", "a", "nokey", "b", "c", "d"), ("OBJECT", "ENCODING", "r3"),
                   ("SDIFFSTORE", "r4", "a", "a"), ("EXISTS", "r4")])
        pair.check("SMEMBERS", "r2", unordered=True)
        pair.check("SDIFF", "a", "b", "c", "d", unordered=True)


# ---- SMOVE ----------------------------------------------------------------------------------------

def test_smove(pair):
    pair.same([("SADD", "src", "1", "2", "a"), ("SADD", "ints", "5"),
               ("SMOVE", "nokey", "src", "1"), ("SMOVE", "src", "src", "1"),
               ("SMOVE", "src", "src", "9"), ("SMOVE", "src", "ints", "9"),
               ("SMOVE", "src", "ints", "1"), ("SMEMBERS", "ints"), ("OBJECT", "ENCODING", "ints"),
               ("SMOVE", "src", "ints", "a"), ("OBJECT", "ENCODING", "ints"),
               ("SMOVE", "src", "new", "2"), ("EXISTS", "src"), ("OBJECT", "ENCODING", "new"),
               ("SMEMBERS", "new"), ("SMOVE", "new", "new2", "2"), ("SMEMBERS", "new2"),
               ("SADD", "x", "m"), ("SADD", "y", "m"), ("SMOVE", "x", "y", "m"),
               ("EXISTS", "x"), ("SMEMBERS", "y"),
               ("SADD", "p", "str"), ("SMOVE", "p", "fresh", "str"), ("OBJECT", "ENCODING", "fresh")])
    pair.check("SMEMBERS", "ints", unordered=True)


def test_smove_wrong_types(pair):
    pair.same([("SET", "str", "v"), ("SADD", "s", "a"),
               ("SMOVE", "str", "s", "a"), ("SMOVE", "s", "str", "a"), ("SMOVE", "nokey", "str", "a"),
               ("SMOVE", "str", "nokey", "a"), ("SMEMBERS", "s"), ("GET", "str")])


def test_smove_keeps_destination_ttl(pair):
    pair.same([("SADD", "a", "1"), ("SADD", "b", "2"), ("EXPIRE", "b", "500"),
               ("SMOVE", "a", "b", "1"), ("TTL", "b"), ("SMEMBERS", "b")])


# ---- SINTER, SINTERCARD, SINTERSTORE ------------------------------------------------------------

def setup_sets(pair):
    pair.same([("SADD", "i1", "1", "2", "3", "4", "5"), ("SADD", "i2", "3", "4", "5", "6"),
               ("SADD", "i3", "5", "4", "10"), ("SADD", "h1", "a", "b", "3", "4", "5"),
               ("SADD", "h2", "b", "c", "4", "5"), ("SET", "str", "v")])


def test_sinter(pair):
    setup_sets(pair)
    for keys in (["i1"], ["i1", "i2"], ["i2", "i1"], ["i1", "i2", "i3"], ["i1", "i1"],
                 ["i1", "h1"], ["h1", "i3"], ["i3", "h1", "h2"], ["h1", "nokey"], ["nokey", "h1"]):
        pair.check("SINTER", *keys)
        pair.check3("SINTER", *keys)
    for keys in (["h1", "h2"], ["h1"], ["h1", "h1"]):
        pair.check("SINTER", *keys, unordered=True)
    pair.check("SMEMBERS", "i1")


def test_sinterstore(pair):
    setup_sets(pair)
    pair.same([("SINTERSTORE", "d", "i1", "i2"), ("SMEMBERS", "d"), ("OBJECT", "ENCODING", "d"),
               ("SINTERSTORE", "d", "h1", "h2"), ("OBJECT", "ENCODING", "d"),
               ("SINTERSTORE", "d", "i1", "nokey"), ("EXISTS", "d"),
               ("SINTERSTORE", "d", "i1", "nokey"), ("SADD", "d", "1"),
               ("SINTERSTORE", "d", "i1", "h2", "c"), ("EXISTS", "d"),
               ("SET", "d", "string"), ("SINTERSTORE", "d", "i1", "i3"), ("TYPE", "d"),
               ("EXPIRE", "d", "100"), ("SINTERSTORE", "d", "i1", "i3"), ("TTL", "d"),
               ("SINTERSTORE", "i1", "i1", "i2"), ("SMEMBERS", "i1"),
               ("SINTERSTORE", "str", "i2", "i3"), ("TYPE", "str")])
    pair.check("SMEMBERS", "d", unordered=True)


def test_sinter_wrong_type_anywhere(pair):
    setup_sets(pair)
    pair.same([("SINTER", "str"), ("SINTER", "i1", "str"), ("SINTER", "nokey", "str"),
               ("SINTER", "str", "nokey"), ("SINTERSTORE", "d", "nokey", "str"),
               ("SINTERCARD", "2", "nokey", "str"), ("SMEMBERS", "str"), ("EXISTS", "d")])


SINTERCARD_CASES = [
    ("1", "i1"), ("2", "i1", "i2"), ("3", "i1", "i2", "i3"), ("2", "h1", "h2"),
    ("2", "i1", "nokey"), ("1", "nokey"), ("2", "i1", "i2", "LIMIT", "0"),
    ("2", "i1", "i2", "LIMIT", "1"), ("2", "i1", "i2", "LIMIT", "2"),
    ("2", "i1", "i2", "LIMIT", "100"), ("2", "i1", "i2", "limit", "2"),
    ("2", "i1", "i2", "LIMIT", "-1"), ("2", "i1", "i2", "LIMIT", "abc"),
    ("2", "i1", "i2", "LIMIT"), ("2", "i1", "i2", "FOO", "1"), ("2", "i1", "i2", "LIMIT", "1", "LIMIT", "3"),
    ("0", "i1"), ("-1", "i1"), ("abc", "i1"), ("3", "i1", "i2"), ("9223372036854775807", "i1"),
    ("1", "i1", "i2"), ("2", "i1", "str"), ("1", "LIMIT", "1"), ("1", "i1", "LIMIT", "9223372036854775807"),
    ("1", "i1", "LIMIT", "9223372036854775808"), ("01", "i1"),
]


@pytest.mark.parametrize("args", SINTERCARD_CASES, ids=lambda a: "-".join(a))
def test_sintercard(pair, args):
    setup_sets(pair)
    pair.check("SINTERCARD", *args)
    pair.check3("SINTERCARD", *args)


def test_sintercard_getkeys(pair):
    pair.same([("COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b"),
               ("COMMAND", "GETKEYS", "SINTERCARD", "1", "a", "LIMIT", "3"),
               ("COMMAND", "GETKEYS", "SINTERSTORE", "d", "a", "b"),
               ("COMMAND", "GETKEYS", "SMOVE", "a", "b", "m"),
               ("COMMAND", "GETKEYS", "SUNION", "a", "b", "c")])


# ---- SUNION, SDIFF and their STORE forms ----------------------------------------------------------

def test_sunion_sdiff(pair):
    setup_sets(pair)
    for cmd in ("SUNION", "SDIFF"):
        for keys in (["i1"], ["i1", "i2"], ["i2", "i1", "i3"], ["i1", "nokey"], ["nokey", "i1"],
                     ["nokey"], ["i1", "i1"], ["i2", "i3", "i2"]):
            pair.check(cmd, *keys)
            pair.check3(cmd, *keys)
        for keys in (["h1", "h2"], ["h1", "i1"], ["h2", "nokey", "h1"], ["i1", "h1", "h2"],
                     ["i1", "h1"]):
            pair.check(cmd, *keys, unordered=True)
            pair.check3(cmd, *keys)
    pair.same([("SUNION", "str"), ("SUNION", "i1", "str"), ("SUNION", "nokey", "str"),
               ("SDIFF", "str", "i1"), ("SDIFF", "i1", "str"), ("SDIFF", "nokey", "str")])


def test_sunionstore_sdiffstore(pair):
    setup_sets(pair)
    for cmd in ("SUNIONSTORE", "SDIFFSTORE"):
        pair.same([(cmd, "d", "i1", "i2"), ("SMEMBERS", "d"), ("OBJECT", "ENCODING", "d"),
                   (cmd, "d", "i1", "h2"), ("OBJECT", "ENCODING", "d"), ("SCARD", "d"),
                   (cmd, "d", "nokey"), ("EXISTS", "d"), (cmd, "d", "nokey"),
                   ("SET", "d", "s"), ("EXPIRE", "d", "100"), (cmd, "d", "i3"), ("TTL", "d"),
                   ("TYPE", "d"), (cmd, "d", "i3", "i3"), ("SCARD", "d"),
                   (cmd, "i1", "i1", "i3"), ("SMEMBERS", "i1"),
                   (cmd, "d", "str"), (cmd, "d", "i1", "str"), ("EXISTS", "d")])
        pair.check("SMEMBERS", "d", unordered=True)


# ---- SRANDMEMBER -----------------------------------------------------------------------------------

def test_srandmember_without_count(pair):
    pair.same([("SRANDMEMBER", "nokey"), ("SADD", "s", "1", "2", "3"), ("SADD", "h", "a", "b"),
               ("SET", "str", "v"), ("SRANDMEMBER", "str"), ("SRANDMEMBER", "s", "1", "2"),
               ("SRANDMEMBER", "nokey", "1", "2")])
    pair.check3("SRANDMEMBER", "nokey")
    for _ in range(20):
        c, r = both(pair, "SRANDMEMBER", "s")
        assert c in (b"1", b"2", b"3") and r in (b"1", b"2", b"3")
        c, r = both(pair, "SRANDMEMBER", "h")
        assert c in (b"a", b"b") and r in (b"a", b"b")


SRANDMEMBER_COUNT_ERRORS = ["abc", "1.5", "-9223372036854775808", "9223372036854775808", "", " 1"]


@pytest.mark.parametrize("count", SRANDMEMBER_COUNT_ERRORS)
def test_srandmember_count_errors(pair, count):
    pair.same([("SADD", "s", "1"), ("SRANDMEMBER", "s", count), ("SRANDMEMBER", "nokey", count),
               ("SET", "str", "v"), ("SRANDMEMBER", "str", count)])


@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_srandmember_with_count(pair, kind):
    vals = [str(i) for i in range(30)] if kind == "intset" else ["m%d" % i for i in range(30)]
    pair.same([("SADD", "s", *vals), ("OBJECT", "ENCODING", "s"), ("SRANDMEMBER", "s", "0"),
               ("SRANDMEMBER", "nokey", "5"), ("SRANDMEMBER", "nokey", "-5"),
               ("SRANDMEMBER", "nokey", "0")])
    # count >= size: the whole set, in the set's order.
    for n in ("30", "31", "1000", "9223372036854775807"):
        pair.check("SRANDMEMBER", "s", n, unordered=(kind != "intset"))
    pool = {v.encode() for v in vals}
    for n in (1, 2, 9, 10, 11, 15, 29, -1, -5, -30, -100):
        for proto in (2, 3):
            pair.check_shape("SRANDMEMBER", "s", str(n), proto=proto)
        c, r = both(pair, "SRANDMEMBER", "s", str(n))
        for reply in (c, r):
            assert len(reply) == abs(n)
            assert set(reply) <= pool
            if n > 0:
                assert len(set(reply)) == n
    pair.check3("SRANDMEMBER", "s", "0")
    pair.check3("SRANDMEMBER", "nokey", "3")


def test_srandmember_is_roughly_uniform(pair):
    pair.same([("SADD", "s", *[str(i) for i in range(10)]), ("SADD", "h", *["m%d" % i for i in range(10)])])
    for key in ("s", "h"):
        seen = {}
        for v in pair.conn("castor").call("SRANDMEMBER", key, "-5000"):
            seen[v] = seen.get(v, 0) + 1
        assert len(seen) == 10 and min(seen.values()) > 300


# ---- SPOP --------------------------------------------------------------------------------------------

SPOP_COUNT_ERRORS = ["-1", "abc", "1.0", "-9223372036854775808", "9223372036854775808", ""]


@pytest.mark.parametrize("count", SPOP_COUNT_ERRORS)
def test_spop_count_errors(pair, count):
    pair.same([("SADD", "s", "1"), ("SPOP", "s", count), ("SPOP", "nokey", count),
               ("SET", "str", "v"), ("SPOP", "str", count), ("SCARD", "s")])


def test_spop_edge_cases(pair):
    pair.same([("SPOP", "nokey"), ("SPOP", "nokey", "0"), ("SPOP", "nokey", "3"),
               ("SET", "str", "v"), ("SPOP", "str"), ("SPOP", "str", "0"),
               ("SADD", "s", "7"), ("SPOP", "s", "0"), ("SPOP", "s", "1", "2"),
               ("SPOP", "s"), ("EXISTS", "s"), ("SADD", "s", "x"), ("SPOP", "s", "1"),
               ("EXISTS", "s")])
    pair.check3("SPOP", "nokey")
    pair.check3("SPOP", "nokey", "2")
    pair.check3("SPOP", "str", "0")


@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_spop_whole_set(pair, kind):
    vals = [str(i) for i in range(20)] if kind == "intset" else ["m%d" % i for i in range(20)]
    for n in ("20", "21", "9223372036854775807"):
        pair.same([("SADD", "s", *vals), ("EXPIRE", "s", "100")])
        pair.check("SPOP", "s", n, unordered=(kind != "intset"))
        pair.same([("EXISTS", "s"), ("TTL", "s")])
    pair.same([("SADD", "s", *vals)])
    pair.check3("SPOP", "s", "100")


@pytest.mark.parametrize("kind", ["intset", "hashtable", "int-hashtable"])
@pytest.mark.parametrize("count", [1, 2, 10, 16, 17, 19])
def test_spop_with_count_properties(pair, kind, count):
    """Case 2 (few popped: random picks) and case 3 (most popped: the
    survivors move to a new set) of Redis's SPOP with count."""
    with intset_max(pair, 10 if kind == "int-hashtable" else 512):
        vals = ["m%d" % i for i in range(20)] if kind == "hashtable" else [str(i) for i in range(20)]
        pair.same([("SADD", "s", *vals), ("EXPIRE", "s", "100"), ("OBJECT", "ENCODING", "s")])
        pair.check_shape("SPOP", "s", str(count))
        pair.check_shape("SPOP", "s", "1", proto=3)
        pair.same([("SCARD", "s"), ("TTL", "s")])
        pair.same([("DEL", "s"), ("SADD", "s", *vals)])
        c, r = both(pair, "SPOP", "s", str(count))
        pool = {v.encode() for v in vals}
        for popped, side in ((c, "castor"), (r, "redis")):
            assert len(popped) == count == len(set(popped)) and set(popped) <= pool
            left = pair.conn(side).call("SMEMBERS", "s")
            assert set(left) == pool - set(popped)
        # Case 3 rebuilds the set from the survivors: a hashtable of a few
        # integers comes back as an intset, as in Redis.
        pair.check("OBJECT", "ENCODING", "s")


def test_spop_single_until_empty(pair):
    pair.same([("SADD", "s", "1", "2", "a")])
    seen = set()
    for _ in range(3):
        c, r = both(pair, "SPOP", "s")
        seen.add(c)
    assert seen == {b"1", b"2", b"a"}
    pair.same([("EXISTS", "s"), ("SPOP", "s")])


# ---- SSCAN ---------------------------------------------------------------------------------------------

def test_sscan_intset_returns_everything_at_once(pair):
    pair.same([("SADD", "s", *[str(i) for i in range(100)]), ("SSCAN", "s", "0"),
               ("SSCAN", "s", "0", "COUNT", "1"), ("SSCAN", "s", "17"),
               ("SSCAN", "s", "0", "MATCH", "1*"), ("SSCAN", "s", "0", "MATCH", "*"),
               ("SSCAN", "s", "0", "match", "?", "count", "2"), ("SSCAN", "s", "0", "MATCH", "x*")])
    pair.check3("SSCAN", "s", "0", "MATCH", "9*")


@pytest.mark.parametrize("opts", [(), ("COUNT", "1"), ("COUNT", "7"), ("COUNT", "1000"),
                                  ("MATCH", "m1*"), ("MATCH", "*", "COUNT", "3"),
                                  ("MATCH", "m[0-2]?", "COUNT", "5")])
def test_sscan_hashtable_full_iteration(pair, opts):
    vals = ["m%d" % i for i in range(300)]
    pair.same([("SADD", "h", *vals)])
    results = {}
    for side in ("castor", "redis"):
        got, _ = full_scan(pair.conn(side), "SSCAN", "h", opts=opts)
        results[side] = set(got)
    assert results["castor"] == results["redis"]


def test_sscan_errors(pair):
    pair.same([("SADD", "s", "1"), ("SADD", "h", "a", "b"), ("SET", "str", "v"),
               ("SSCAN", "s", "x"), ("SSCAN", "s", "-1"), ("SSCAN", "s", " 1"), ("SSCAN", "s", "1 "),
               ("SSCAN", "s", "18446744073709551616"), ("SSCAN", "s", "18446744073709551615"),
               ("SSCAN", "s", ""), ("SSCAN", "s", "+0"),
               ("SSCAN", "s", "0", "COUNT", "0"), ("SSCAN", "h", "0", "COUNT", "-1"),
               ("SSCAN", "s", "0", "COUNT", "x"), ("SSCAN", "s", "0", "COUNT"),
               ("SSCAN", "s", "0", "MATCH"), ("SSCAN", "s", "0", "TYPE", "set"),
               ("SSCAN", "s", "0", "FOO", "bar"), ("SSCAN", "nokey", "0"),
               ("SSCAN", "nokey", "0", "COUNT", "0"), ("SSCAN", "nokey", "x"),
               ("SSCAN", "str", "0"), ("SSCAN", "str", "x"), ("SSCAN", "str", "0", "COUNT", "0")])
    pair.check3("SSCAN", "nokey", "0")


# ---- Errors: wrong type, arity --------------------------------------------------------------------

SET_COMMANDS_ON_KEY = [
    ("SADD", "{}", "a"), ("SREM", "{}", "a"), ("SCARD", "{}"), ("SISMEMBER", "{}", "a"),
    ("SMISMEMBER", "{}", "a", "b"), ("SMEMBERS", "{}"), ("SRANDMEMBER", "{}"),
    ("SRANDMEMBER", "{}", "2"), ("SRANDMEMBER", "{}", "-2"), ("SPOP", "{}"), ("SPOP", "{}", "2"),
    ("SMOVE", "{}", "s", "a"), ("SMOVE", "s", "{}", "a"), ("SINTER", "{}"), ("SINTER", "s", "{}"),
    ("SINTERCARD", "1", "{}"), ("SINTERSTORE", "dst", "{}"), ("SUNION", "{}"),
    ("SUNIONSTORE", "dst", "s", "{}"), ("SDIFF", "{}"), ("SDIFF", "s", "{}"),
    ("SDIFFSTORE", "dst", "{}"), ("SSCAN", "{}", "0"),
]


@pytest.mark.parametrize("other", ["string", "list", "hash", "zset"])
def test_set_commands_on_other_types_are_wrongtype(pair, other):
    make = {"string": ("SET", "k", "v"), "list": ("RPUSH", "k", "a"),
            "hash": ("HSET", "k", "f", "v"), "zset": ("ZADD", "k", "1", "a")}[other]
    c, r = both(pair, *make)
    if type(c).__name__ == "Err":
        pytest.skip("castor has no %s yet" % other)
    pair.same([("SADD", "s", "a")])
    for cmd in SET_COMMANDS_ON_KEY:
        pair.check(*(a.format("k") if a == "{}" else a for a in cmd))
    pair.same([("TYPE", "k"), ("SMEMBERS", "s"), ("EXISTS", "dst")])


ARITY_CASES = [
    ("SADD",), ("SADD", "k"), ("SREM",), ("SREM", "k"), ("SCARD",), ("SCARD", "k", "x"),
    ("SISMEMBER", "k"), ("SISMEMBER", "k", "a", "b"), ("SMISMEMBER", "k"), ("SMEMBERS",),
    ("SMEMBERS", "k", "x"), ("SRANDMEMBER",), ("SPOP",), ("SMOVE", "a", "b"),
    ("SMOVE", "a", "b", "c", "d"), ("SINTER",), ("SINTERCARD",), ("SINTERCARD", "1"),
    ("SINTERSTORE", "d"), ("SUNION",), ("SUNIONSTORE", "d"), ("SDIFF",), ("SDIFFSTORE", "d"),
    ("SSCAN", "k"), ("SSCAN",), ("sadd",), ("SaDd", "k"),
]


@pytest.mark.parametrize("cmd", ARITY_CASES, ids=lambda c: "-".join(c))
def test_set_wrong_arity(pair, cmd):
    pair.check(*cmd)


def test_set_command_info_and_docs(pair):
    names = ["SADD", "SREM", "SCARD", "SISMEMBER", "SMISMEMBER", "SMEMBERS", "SRANDMEMBER",
             "SPOP", "SMOVE", "SINTER", "SINTERCARD", "SINTERSTORE", "SUNION", "SUNIONSTORE",
             "SDIFF", "SDIFFSTORE", "SSCAN"]
    for n in names:
        c, r = both(pair, "COMMAND", "INFO", n)
        # name, arity, flags, first, last, step, acl categories
        assert c[0][:6] == r[0][:6], (n, c[0][:6], r[0][:6])
        assert sorted(c[0][6]) == sorted(r[0][6]), n


# ---- Keyspace interplay: COPY, RENAME, DEBUG DIGEST ---------------------------------------------

def test_copy_rename_type_and_digests(pair):
    pair.same([("SADD", "i", "3", "1", "2"), ("SADD", "h", "a", "b", "1"),
               ("COPY", "i", "i2"), ("COPY", "h", "h2"), ("SMEMBERS", "i2"),
               ("OBJECT", "ENCODING", "i2"), ("OBJECT", "ENCODING", "h2"),
               ("SADD", "i2", "9"), ("SMEMBERS", "i"), ("SREM", "h2", "a"), ("SCARD", "h"),
               ("RENAME", "i2", "i3"), ("SMEMBERS", "i3"), ("TYPE", "i3"),
               ("DEBUG", "DIGEST-VALUE", "i", "h", "h2", "i3", "nokey"), ("DEBUG", "DIGEST")])
    pair.same([("EXPIRE", "i", "100"), ("DEBUG", "DIGEST-VALUE", "i"), ("DEBUG", "DIGEST")])
    big = [str(i) for i in range(1000)] + ["x%d" % i for i in range(100)]
    pair.same([("SADD", "big", *big), ("DEBUG", "DIGEST-VALUE", "big"), ("DEBUG", "DIGEST")])


def test_memory_usage_of_sets_is_reported(pair):
    pair.same([("SADD", "i", "1", "2"), ("SADD", "h", "a")])
    for key in ("i", "h"):
        c, r = both(pair, "MEMORY", "USAGE", key)
        assert isinstance(c, int) and c > 0


def test_keyspace_hits_and_misses_match(pair):
    """Reads count hits and misses, writes do not, as in Redis."""
    pair.same([("SADD", "s", "1", "2"), ("SADD", "h", "a"), ("CONFIG", "RESETSTAT")])
    pair.same([("SISMEMBER", "s", "1"), ("SMISMEMBER", "nokey", "a"), ("SCARD", "h"),
               ("SMEMBERS", "nokey"), ("SINTER", "s", "nokey", "h"), ("SUNION", "s", "nokey"),
               ("SDIFFSTORE", "d", "s", "nokey"), ("SINTERCARD", "2", "s", "h"),
               ("SRANDMEMBER", "nokey", "2"), ("SSCAN", "h", "0"), ("SMOVE", "s", "t", "1"),
               ("SPOP", "nokey"), ("SADD", "p", "1", "2"), ("SPOP", "p", "5"), ("SREM", "h", "x")])
    for field in ("keyspace_hits", "keyspace_misses"):
        c, r = both(pair, "INFO", "stats")
        get = lambda info: [l for l in info.decode().split("\r\n") if l.startswith(field + ":")]
        assert get(c) == get(r), field


# ---- Keyspace notifications -------------------------------------------------------------------------

@pytest.mark.parametrize("classes", ["KEA", "Es", "Eg", "Em", "En"])
def test_set_keyspace_notifications(pair, classes):
    """The same events in the same order as Redis for a deterministic set
    workload (SPOP only where it takes the whole set)."""
    cmds = [("SADD", "s", "1", "2"), ("SADD", "s", "2"), ("SADD", "h", "a", "b"),
            ("SREM", "s", "9"), ("SREM", "s", "1"), ("SMOVE", "s", "t", "2"),
            ("SMOVE", "h", "t", "a"), ("SMOVE", "h", "h", "b"), ("SINTERSTORE", "d", "t", "h"),
            ("SINTERSTORE", "d", "t", "nokey"), ("SUNIONSTORE", "d", "t", "h"),
            ("SDIFFSTORE", "d", "t", "t"), ("SUNIONSTORE", "d", "t"), ("SDIFFSTORE", "d", "t"),
            ("SISMEMBER", "nokey", "a"), ("SINTER", "nokey", "t", "nokey2"),
            ("SINTERCARD", "2", "t", "nokey"), ("SSCAN", "nokey", "0"),
            ("SPOP", "d", "10"), ("SPOP", "nokey"), ("SADD", "one", "x"), ("SPOP", "one"),
            ("SREM", "t", "2", "a"), ("SRANDMEMBER", "nokey"), ("SMEMBERS", "nokey")]
    pair.same_notifications(cmds, classes, unordered=True)


# ---- Randomized model test ---------------------------------------------------------------------------

POOL = [str(i) for i in range(-3, 25)] + ["9223372036854775807", "-9223372036854775808",
                                         "a", "b", "c", "dd", "", "01", "x" * 30]
KEYS = ["k0", "k1", "k2", "k3"]


def test_randomized_against_model(pair):
    """Seeded random operations on a few keys, on both servers and on a
    Python model; replies, encodings and contents compared after each step."""
    rng = random.Random(20260)
    model = {k: set() for k in KEYS}
    with intset_max(pair, 8):
        pair.same([("SET", "str", "v")])
        for step in range(700):
            op = rng.choice(["sadd", "sadd", "srem", "smove", "store", "read", "card", "spop",
                             "srand", "wrong", "del"])
            k = rng.choice(KEYS)
            some = rng.sample(POOL, rng.randint(1, 5))
            if op == "sadd":
                n = pair.check("SADD", k, *some)
                assert n == len(set(some) - model[k])
                model[k] |= set(some)
            elif op == "srem":
                n = pair.check("SREM", k, *some)
                assert n == len(set(some) & model[k])
                model[k] -= set(some)
            elif op == "smove":
                d, m = rng.choice(KEYS), rng.choice(POOL)
                n = pair.check("SMOVE", k, d, m)
                assert n == (1 if m in model[k] else 0)
                if m in model[k] and d != k:
                    model[k].discard(m)
                    model[d].add(m)
            elif op == "store":
                cmd = rng.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
                srcs = rng.sample(KEYS + ["nokey"], rng.randint(1, 3))
                n = pair.check(cmd, k, *srcs)
                sets = [model.get(s, set()) for s in srcs]
                if cmd == "SINTERSTORE":
                    res = set.intersection(*sets)
                elif cmd == "SUNIONSTORE":
                    res = set.union(*sets)
                else:
                    res = sets[0].difference(*sets[1:])
                model[k] = set(res)
                assert n == len(res)
            elif op == "read":
                cmd = rng.choice(["SINTER", "SUNION", "SDIFF", "SINTERCARD"])
                srcs = rng.sample(KEYS + ["nokey"], rng.randint(1, 3))
                if cmd == "SINTERCARD":
                    args = [str(len(srcs))] + srcs
                    if rng.random() < 0.5:
                        args += ["LIMIT", str(rng.randint(0, 5))]
                    pair.check(cmd, *args)
                else:
                    pair.check(cmd, *srcs, unordered=True)
            elif op == "card":
                pair.same([("SCARD", k), ("SISMEMBER", k, some[0]), ("SMISMEMBER", k, *some)])
            elif op == "spop":
                # Only counts that pop by random picks (no rebuild) or pop
                # everything: SREM of what castor popped keeps redis equal.
                size = len(model[k])
                n = rng.choice([None, 1, 2, size, size + 3])
                if n is not None and n < size and (size - n) * 5 <= n:
                    n = 1
                args = ("SPOP", k) if n is None else ("SPOP", k, str(n))
                popped = pair.conn("castor").call(*args)
                if n is None:
                    popped = [] if popped is None else [popped]
                for m in popped:
                    assert m.decode() in model[k]
                    model[k].discard(m.decode())
                if popped:
                    pair.conn("redis").call("SREM", k, *popped)
            elif op == "srand":
                n = rng.choice([1, 3, -3, 10, -10, 50])
                got = pair.conn("castor").call("SRANDMEMBER", k, str(n))
                assert {m.decode() for m in got} <= model[k]
                size = len(model[k])
                assert len(got) == (min(n, size) if n > 0 else abs(n) if size else 0)
            elif op == "wrong":
                pair.check(rng.choice(["SADD", "SREM", "SISMEMBER"]), "str", some[0])
            elif op == "del":
                pair.check("DEL", k)
                model[k] = set()
            for key in KEYS:
                e = pair.encoding(key)
                got = pair.check("SMEMBERS", key, unordered=(e != b"intset"))
                assert {m.decode() for m in got} == model[key], (step, op, key)
            if step % 50 == 0:
                pair.check("DEBUG", "DIGEST")
        pair.check("DEBUG", "DIGEST")
        for key in KEYS:
            pair.check("DEBUG", "DIGEST-VALUE", key)


def test_randomized_big_sets_cross_default_threshold(pair):
    """Bigger batches around the default intset limit (512): growth,
    conversion, shrinking hashtables, stores; digests compared as we go."""
    rng = random.Random(77)
    ints = [str(i) for i in range(-300, 1200)]
    strs = ["s%d" % i for i in range(300)]
    model = {k: set() for k in KEYS}
    for step in range(200):
        k = rng.choice(KEYS)
        op = rng.random()
        if op < 0.45:
            batch = rng.sample(ints if rng.random() < 0.9 else strs, rng.randint(1, 120))
            pair.check("SADD", k, *batch)
            model[k] |= set(batch)
        elif op < 0.8:
            batch = rng.sample(sorted(model[k]) or ints, min(len(model[k]) or 1, rng.randint(1, 150)))
            pair.check("SREM", k, *batch)
            model[k] -= set(batch)
        else:
            cmd = rng.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
            srcs = rng.sample(KEYS, rng.randint(1, 3))
            pair.check(cmd, k, *srcs)
            sets = [model[s] for s in srcs]
            model[k] = (set.intersection(*sets) if cmd == "SINTERSTORE" else
                        set.union(*sets) if cmd == "SUNIONSTORE" else sets[0].difference(*sets[1:]))
        for key in KEYS:
            assert pair.check("SCARD", key) == len(model[key])
            e = pair.encoding(key)
            got = pair.check("SMEMBERS", key, unordered=(e != b"intset"))
            assert {m.decode() for m in got} == model[key]
        if step % 20 == 0:
            pair.check("DEBUG", "DIGEST")
    pair.check("DEBUG", "DIGEST")
