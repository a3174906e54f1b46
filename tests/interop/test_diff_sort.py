"""Differential tests of SORT and SORT_RO (sort.c) against redis-server 7.0.

Every option: BY (weights from strings, from hash fields with "->", missing
or of the wrong type, "nosort" and any other pattern without '*'), GET
(several, "#", "->field"), LIMIT (negative, zero, past the end, huge), ASC and
DESC, ALPHA, STORE (the stored list, its encoding, TTL and type, an empty
result deleting the destination); lists, intsets, hash-table sets and sorted
sets as the source; Redis's errors; RESP3; COMMAND GETKEYS; and seeded
randomized comparisons.

Sorting is deterministic in Redis except for equal keys coming from a hash
table (a hash-table set, or a sorted set sorted by a pattern), whose input
order is the table's. So ties of ALPHA BY are compared exactly on lists and
intsets, where they come out in Redis's order (a stable sort for a full
sort, Redis's partial quicksort under LIMIT); elsewhere the tests keep keys
distinct or compare without order.
"""

import random

import pytest

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_DOUBLE = "ERR One or more scores can't be converted into double"


def same_list(pair, key):
    pair.check("TYPE", key)
    pair.check("LRANGE", key, 0, -1)
    pair.check("OBJECT", "ENCODING", key)


def weights(pair, mapping, prefix="w_"):
    """SET prefix<elem> <weight> for each item (a None weight: no key)."""
    for k, v in mapping.items():
        if v is not None:
            pair.check("SET", prefix + k, v)


# ---- Plain sorts ----------------------------------------------------------------------------

def test_numeric_sort_of_list_set_and_zset(pair):
    pair.same([("RPUSH", "l", "3", "-1", "2.5", "10", "0", "-0", "1e2", "007", " 4", "0x1f"),
               ("SORT", "l"), ("SORT", "l", "DESC"), ("SORT", "l", "ASC"),
               ("SORT", "l", "DESC", "ASC"), ("SORT", "l", "ASC", "DESC"),
               ("SORT_RO", "l"), ("SORT_RO", "l", "DESC"),
               ("SADD", "s", "5", "-2", "100", "7"), ("OBJECT", "ENCODING", "s"),
               ("SORT", "s"), ("SORT", "s", "DESC"),
               ("SADD", "h", "5", "-2", "1.5", "x1", "100"),
               ("SREM", "h", "x1"), ("OBJECT", "ENCODING", "h"), ("SORT", "h"), ("SORT", "h", "DESC"),
               ("ZADD", "z", "3", "a1", "1", "b2", "2", "c3"), ("SORT", "z", "ALPHA"),
               ("ZADD", "zn", "3", "10", "1", "30", "2", "20"), ("SORT", "zn"),
               ("SORT", "zn", "DESC")])


def test_equal_numbers_are_ordered_by_their_bytes(pair):
    pair.same([("RPUSH", "l", "1.0", "1", "01", "1e0", "+1", "0.1e1", "2", "1"),
               ("SORT", "l"), ("SORT", "l", "DESC"),
               ("RPUSH", "m", "-0", "0", "0.0", "-0.0", "00"), ("SORT", "m"), ("SORT", "m", "DESC")])


def test_alpha_sort(pair):
    pair.same([("RPUSH", "l", "b", "a", "B", "", "ab", "aa", "a b", "10", "9", "é", "zz", "a"),
               ("SORT", "l", "ALPHA"), ("SORT", "l", "ALPHA", "DESC"), ("SORT", "l", "alpha"),
               ("SORT_RO", "l", "ALPHA", "LIMIT", 2, 5),
               ("SADD", "s", "b", "a", "B", "", "ab"), ("SORT", "s", "ALPHA"),
               ("SORT", "s", "ALPHA", "DESC"), ("ZADD", "z", "1", "b", "2", "a", "3", "c"),
               ("SORT", "z", "ALPHA"), ("SORT", "z", "ALPHA", "DESC")])


def test_alpha_compares_like_strcoll_but_binary_with_store(pair):
    """Without STORE Redis compares with strcoll(), which stops at a NUL
    byte, so "a\\0b" and "a\\0a" tie and keep the list's order; with STORE
    it compares the whole binary strings."""
    vals = [b"a\x00b", b"a", b"a\x00a", b"\xff", b"\x80x", b"a\x00", b"b", b"a\x00b"]
    pair.same([("RPUSH", "l", *vals), ("SORT", "l", "ALPHA"), ("SORT", "l", "ALPHA", "DESC"),
               ("SORT", "l", "ALPHA", "STORE", "d"), ("LRANGE", "d", 0, -1),
               ("SORT", "l", "ALPHA", "DESC", "STORE", "d"), ("LRANGE", "d", 0, -1)])


def test_missing_key_sorts_as_empty(pair):
    pair.same([("SORT", "nokey"), ("SORT", "nokey", "LIMIT", 0, 5), ("SORT_RO", "nokey", "ALPHA"),
               ("SORT", "nokey", "BY", "nosort", "GET", "#", "GET", "x*"),
               ("SET", "d", "v"), ("SORT", "nokey", "STORE", "d"), ("EXISTS", "d"),
               ("SORT", "nokey", "STORE", "d"), ("EXISTS", "d")])


def test_numbers_that_are_not_doubles(pair):
    for bad in ["abc", "1x", "nan", "NaN", "-nan", "1e400", "-1e400", "1e-400", "0x", "--1", "1 "]:
        pair.reset()
        pair.same([("RPUSH", "l", "1", bad, "2"), ("SORT", "l"), ("SORT", "l", "LIMIT", 0, 1),
                   ("SORT", "l", "STORE", "d"), ("EXISTS", "d"),
                   ("SORT", "l", "ALPHA"), ("SORT", "l", "BY", "nosort")])
    pair.reset()
    # What strtod() accepts, up to a NUL byte, is a number.
    pair.same([("RPUSH", "l", "inf", "-inf", "+inf", "Infinity", " 3", "\t2", "1e308",
                "0x10", "1.5E1", "", b"5\x00junk", "4e-310"),
               ("SORT", "l"), ("SORT", "l", "DESC")])


def test_wrong_type_and_errors(pair):
    pair.same([("SET", "str", "x"), ("HSET", "hash", "f", "v"),
               ("SORT", "str"), ("SORT", "hash"), ("SORT_RO", "str"),
               ("SORT", "str", "LIMIT", 0, 1, "STORE", "d"), ("EXISTS", "d"),
               ("SORT",), ("SORT_RO",), ("RPUSH", "l", "2", "1"),
               ("SORT", "l", "FOO"), ("SORT", "l", "LIMIT"), ("SORT", "l", "LIMIT", 1),
               ("SORT", "l", "LIMIT", "a", 1), ("SORT", "l", "LIMIT", 0, "b"),
               ("SORT", "l", "LIMIT", "1.5", 1), ("SORT", "l", "LIMIT", 0, "99999999999999999999"),
               ("SORT", "l", "BY"), ("SORT", "l", "GET"), ("SORT", "l", "STORE"),
               ("SORT_RO", "l", "STORE", "d"), ("SORT_RO", "l", "STORE"),
               ("SORT", "l", "ALPHA", "BY"), ("SORT", "l", "DESC", "x"),
               # The option parse comes before the key's type is checked.
               ("SORT", "str", "FOO"), ("SORT", "str", "LIMIT", "x", 1),
               ("SORT", "l", "LIMIT", "x", 1, "FOO")])


# ---- LIMIT ----------------------------------------------------------------------------------

LIMITS = [(0, 0), (0, 1), (0, 3), (1, 2), (2, -1), (-1, 2), (-5, -5), (3, 100), (9, 1), (10, 1),
          (11, 5), (100, 100), (0, -2), (5, 0), (-9223372036854775808, 3),
          (9223372036854775807, 1), (2, 9223372036854775807), (9223372036854775807,
          9223372036854775807), (1, -9223372036854775808)]


@pytest.mark.parametrize("start,count", LIMITS)
def test_limit_edges(pair, start, count):
    pair.check("RPUSH", "l", *[str(i) for i in (5, 3, 9, 1, 7, 2, 8, 0, 6, 4)])
    pair.check("ZADD", "z", *sum([[str(i), "m%d" % i] for i in range(10)], []))
    pair.check("SADD", "s", *[str(i) for i in range(10)])
    for key in ("l", "z", "s", "nokey"):
        for extra in ([], ["DESC"], ["ALPHA"], ["BY", "nosort"], ["BY", "nosort", "DESC"],
                      ["BY", "w_*"], ["BY", "w_*", "DESC"]):
            pair.check("SORT", key, "LIMIT", start, count, *extra)
            pair.check("SORT", key, *extra, "LIMIT", start, count, "GET", "#", "GET", "w_*")
            pair.check("SORT", key, "LIMIT", start, count, *extra, "STORE", "dst")
            pair.check("LRANGE", "dst", 0, -1)


def test_last_limit_wins(pair):
    pair.same([("RPUSH", "l", "3", "1", "2"), ("SORT", "l", "LIMIT", 0, 1, "LIMIT", 1, 2),
               ("SORT", "l", "LIMIT", 1, 1, "LIMIT", 0, -1)])


# ---- BY -------------------------------------------------------------------------------------

def test_by_string_weights(pair):
    pair.check("RPUSH", "l", "a", "b", "c", "d", "e")
    weights(pair, {"a": "3", "b": "1", "c": "2", "d": None, "e": "-1"})
    pair.check("HSET", "w_d", "x", "1")   # the wrong type counts as missing
    pair.same([("SORT", "l", "BY", "w_*"), ("SORT", "l", "BY", "w_*", "DESC"),
               ("SORT", "l", "BY", "w_*", "ALPHA"), ("SORT", "l", "BY", "w_*", "ALPHA", "DESC"),
               ("SORT", "l", "BY", "w_*", "LIMIT", 1, 3), ("SORT", "l", "BY", "w_*", "LIMIT", 0, 1),
               ("SORT_RO", "l", "BY", "w_*", "DESC", "LIMIT", 2, 10),
               ("SET", "w_a", "oops"), ("SORT", "l", "BY", "w_*"), ("SORT", "l", "BY", "w_*", "ALPHA"),
               ("SORT", "l", "BY", "nosort", "GET", "w_*")])


def test_by_pattern_forms(pair):
    pair.check("RPUSH", "l", "1", "2", "3")
    pair.same([("MSET", "pre1post", "30", "pre2post", "10", "pre3post", "20"),
               ("SORT", "l", "BY", "pre*post"), ("SORT", "l", "BY", "pre*post", "GET", "pre*post"),
               # Only the first '*' is replaced.
               ("MSET", "1x*", "9", "2x*", "1", "3x*", "5"), ("SORT", "l", "BY", "*x*"),
               ("SORT", "l", "GET", "*x*"),
               # The element alone.
               ("MSET", "1", "c", "2", "a", "3", "b"), ("SORT", "l", "BY", "*", "ALPHA"),
               ("SORT", "l", "GET", "*"),
               # "->" before the '*' is part of the key name.
               ("MSET", "a->1", "3", "a->2", "2", "a->3", "1"), ("SORT", "l", "BY", "a->*"),
               ("SORT", "l", "GET", "a->*")])


def test_by_and_get_hash_fields(pair):
    pair.check("RPUSH", "l", "1", "2", "3", "4")
    pair.same([("HSET", "h_1", "f", "30", "g", "b", "f->x", "7"),
               ("HSET", "h_2", "f", "10", "g", "c"),
               ("HSET", "h_3", "f", "20", "g", "a", "f->x", "1"),
               ("SET", "h_4", "str"),
               ("SORT", "l", "BY", "h_*->f"), ("SORT", "l", "BY", "h_*->f", "DESC"),
               ("SORT", "l", "BY", "h_*->g", "ALPHA"), ("SORT", "l", "BY", "h_*->g"),
               ("SORT", "l", "BY", "h_*->f", "GET", "h_*->g", "GET", "#", "GET", "h_*->f"),
               ("SORT", "l", "BY", "h_*->nofield"), ("SORT", "l", "GET", "h_*->nofield"),
               # The first "->" after the '*' starts the field, which may hold "->".
               ("SORT", "l", "BY", "h_*->f->x"), ("SORT", "l", "GET", "h_*->f->x"),
               # A trailing "->" names no field: the key itself (a hash, so nothing).
               ("SORT", "l", "GET", "h_*->"), ("SET", "h_1->", "plain"), ("SORT", "l", "GET", "h_*->"),
               ("SORT", "l", "GET", "h_*-"), ("SORT", "l", "GET", "h_*>f"),
               # Integer-encoded hash values and a listpack vs hashtable hash.
               ("HSET", "h_2", "n", "-5"), ("HSET", "h_3", "n", "12345678901"),
               ("SORT", "l", "BY", "h_*->n", "GET", "h_*->n")])
    pair.check("CONFIG", "SET", "hash-max-listpack-entries", "1")
    try:
        pair.same([("HSET", "h_1", "n", "3", "extra", "1"), ("OBJECT", "ENCODING", "h_1"),
                   ("SORT", "l", "BY", "h_*->n", "GET", "h_*->n", "GET", "h_*->g")])
    finally:
        pair.check("CONFIG", "SET", "hash-max-listpack-entries", "128")


def test_patterns_with_nul_bytes(pair):
    """Redis finds '*' and "->" with strchr/strstr: a NUL byte ends the search."""
    pair.check("RPUSH", "l", "1", "2")
    pair.same([("MSET", b"k1\x00z", "5", b"k2\x00z", "3", "k1", "1", "k2", "2"),
               ("SORT", "l", "BY", b"k*\x00z"), ("SORT", "l", "GET", b"k*\x00z"),
               ("SORT", "l", "BY", b"k\x00*"), ("SORT", "l", "GET", b"k\x00*"),
               ("HSET", "h1", b"f\x00g", "9", "f", "1"), ("HSET", "h2", b"f\x00g", "8", "f", "2"),
               ("SORT", "l", "BY", b"h*->f\x00g"), ("SORT", "l", "GET", b"h*->f\x00g"),
               ("SORT", "l", "GET", b"h*-\x00>f"), ("SORT", "l", "GET", b"h*->\x00g"),
               ("SORT", "l", "GET", b"#\x00x"), ("SORT", "l", "GET", b"#x"), ("SORT", "l", "GET", "##"),
               ("RPUSH", "m", b"1\x002", "1"), ("SET", b"v1\x002", "a"), ("SET", "v1", "b"),
               ("SORT", "m", "BY", "nosort", "GET", "v*"), ("SORT", "m", "BY", "v*", "ALPHA")])


def test_by_nosort_keeps_the_source_order(pair):
    pair.same([("RPUSH", "l", "c", "a", "b", "d", "e"),
               ("SORT", "l", "BY", "nosort"), ("SORT", "l", "BY", "nosort", "DESC"),
               ("SORT", "l", "BY", "nosort", "LIMIT", 1, 2), ("SORT", "l", "BY", "nosort", "DESC", "LIMIT", 1, 2),
               ("SORT", "l", "BY", "nosort", "LIMIT", 4, 5), ("SORT", "l", "BY", "nosort", "DESC", "LIMIT", 4, 5),
               ("SORT", "l", "BY", "x", "ALPHA"), ("SORT", "l", "BY", "#"), ("SORT", "l", "BY", ""),
               ("SORT", "l", "BY", b"\x00*"),
               # A later BY with a '*' does not undo an earlier constant one.
               ("SORT", "l", "BY", "nosort", "BY", "w_*"),
               ("SORT", "l", "BY", "w_*", "BY", "nosort", "ALPHA"),
               ("ZADD", "z", "3", "x", "1", "y", "2", "w", "2", "v"),
               ("SORT", "z", "BY", "nosort"), ("SORT", "z", "BY", "nosort", "DESC"),
               ("SORT", "z", "BY", "nosort", "LIMIT", 1, 2), ("SORT", "z", "BY", "nosort", "DESC", "LIMIT", 1, 2),
               ("SORT", "z", "BY", "nosort", "DESC", "LIMIT", 3, 9),
               ("SORT", "z", "BY", "nosort", "GET", "#", "GET", "nokey*", "STORE", "d"),
               ("LRANGE", "d", 0, -1),
               # An intset keeps ascending order; DESC does not apply.
               ("SADD", "s", "5", "3", "9", "-1"), ("SORT", "s", "BY", "nosort"),
               ("SORT", "s", "BY", "nosort", "DESC"), ("SORT", "s", "BY", "nosort", "LIMIT", 1, 2)])


def test_set_by_nosort_with_store_is_sorted_alpha(pair):
    """With STORE a set is sorted (ALPHA, binary) even with BY nosort, so the
    stored list does not depend on the hash table."""
    pair.same([("SADD", "s", "b", "10", "a", "9", "", "B", b"\x00", "aa"),
               ("SORT", "s", "BY", "nosort", "STORE", "d"), ("LRANGE", "d", 0, -1),
               ("SORT", "s", "BY", "nosort", "DESC", "STORE", "d"), ("LRANGE", "d", 0, -1),
               ("SORT", "s", "BY", "nosort", "LIMIT", 1, 3, "STORE", "d"), ("LRANGE", "d", 0, -1),
               ("SORT", "s", "BY", "nosort", "GET", "#", "GET", "x*", "STORE", "d"),
               ("LRANGE", "d", 0, -1), ("SADD", "i", "3", "1", "20"),
               ("SORT", "i", "BY", "nosort", "STORE", "d"), ("LRANGE", "d", 0, -1)])
    pair.check("SORT", "s", "BY", "nosort", unordered=True)


def test_sorting_a_zset_converts_it_to_a_skiplist(pair):
    pair.same([("ZADD", "z", "1", "a", "2", "b"), ("OBJECT", "ENCODING", "z"),
               ("SORT_RO", "z", "ALPHA"), ("OBJECT", "ENCODING", "z"),
               ("ZADD", "z2", "1", "a"), ("SORT", "z2", "BY", "nosort"), ("OBJECT", "ENCODING", "z2"),
               ("ZADD", "z3", "1", "a"), ("SORT", "z3", "LIMIT", 0, 1, "FOO"), ("OBJECT", "ENCODING", "z3"),
               ("ZRANGE", "z", 0, -1, "WITHSCORES"), ("ZADD", "z", "0", "c"), ("ZRANGE", "z", 0, -1)])


# ---- GET ------------------------------------------------------------------------------------

def test_get_patterns(pair):
    pair.check("RPUSH", "l", "2", "1", "3")
    pair.same([("MSET", "o_1", "one", "o_2", "two", "n_2", "999", "big_1", "x" * 100),
               ("SORT", "l", "GET", "o_*"), ("SORT", "l", "GET", "#"), ("SORT", "l", "GET", "#", "GET", "o_*"),
               ("SORT", "l", "GET", "o_*", "GET", "#", "GET", "n_*", "GET", "big_*", "DESC"),
               ("SORT", "l", "GET", "nostar"), ("SORT", "l", "GET", "o_*", "LIMIT", 1, 1),
               ("RPUSH", "o_3", "list"), ("SORT", "l", "GET", "o_*"),
               ("SORT", "l", "GET", "#", "GET", "#"), ("SORT", "l", "BY", "o_*", "ALPHA", "GET", "o_*"),
               ("SORT_RO", "l", "GET", "o_*", "GET", "#"), ("SORT", "l", "get", "o_*", "by", "n_*")])


def test_resp3_replies(pair):
    pair.check("RPUSH", "l", "2", "1", "3")
    pair.check("SET", "o_1", "one")
    for cmd in [("SORT", "l"), ("SORT", "l", "GET", "o_*", "GET", "#"), ("SORT", "nokey"),
                ("SORT", "l", "STORE", "d"), ("SORT", "l", "ALPHA", "LIMIT", 5, 5),
                ("SORT_RO", "l", "GET", "o_*"), ("SORT", "o_1"), ("SORT", "l", "LIMIT", "x", 1)]:
        pair.check3(*cmd)
    pair.check3("RPUSH", "bad", "x")
    pair.check3("SORT", "bad")


# ---- STORE ----------------------------------------------------------------------------------

def test_store_writes_a_list(pair):
    pair.same([("RPUSH", "l", "3", "1", "2"), ("SORT", "l", "STORE", "d"), ("TYPE", "d"),
               ("LRANGE", "d", 0, -1), ("OBJECT", "ENCODING", "d"),
               ("SORT", "l", "DESC", "LIMIT", 0, 2, "STORE", "d"), ("LRANGE", "d", 0, -1),
               # Over a key of another type, and dropping its TTL.
               ("SET", "str", "x", "EX", "100"), ("SORT", "l", "STORE", "str"), ("TYPE", "str"),
               ("TTL", "str"), ("LRANGE", "str", 0, -1),
               ("ZADD", "zz", "1", "a"), ("SORT", "l", "STORE", "zz"), ("TYPE", "zz"),
               # Into the source itself.
               ("SORT", "l", "DESC", "STORE", "l"), ("LRANGE", "l", 0, -1),
               # Missing GET values become empty strings.
               ("SET", "o_1", "one"), ("SORT", "l", "GET", "o_*", "GET", "#", "STORE", "g"),
               ("LRANGE", "g", 0, -1), ("LLEN", "g"),
               # The last STORE wins.
               ("SORT", "l", "STORE", "a1", "STORE", "a2"), ("EXISTS", "a1"), ("LRANGE", "a2", 0, -1),
               ("SORT", "l", "store", "a3"), ("LRANGE", "a3", 0, -1)])


def test_store_of_an_empty_result_deletes_the_destination(pair):
    pair.same([("RPUSH", "l", "1", "2"), ("SET", "d", "x"),
               ("SORT", "l", "LIMIT", 5, 1, "STORE", "d"), ("EXISTS", "d"),
               ("SORT", "l", "LIMIT", 0, 0, "STORE", "d"), ("EXISTS", "d"),
               ("SORT", "nokey", "STORE", "l"), ("EXISTS", "l"),
               ("SADD", "s", "a"), ("SORT", "s", "ALPHA", "STORE", "d"), ("LRANGE", "d", 0, -1),
               ("SORT", "s", "ALPHA", "LIMIT", 1, 1, "STORE", "d"), ("EXISTS", "d"),
               ("SORT", "s", "STORE", "e"), ("EXISTS", "e")])


def test_stored_list_ignores_the_list_config(pair):
    """Redis 7.0 builds the stored list with createQuicklistObject(): the
    default fill (-2) and no compression, whatever the list-* settings."""
    try:
        pair.same([("CONFIG", "SET", "list-max-listpack-size", "2"),
                   ("CONFIG", "SET", "list-compress-depth", "1"),
                   ("RPUSH", "l", *[str(i) for i in range(9)]),
                   ("SORT", "l", "DESC", "STORE", "d"), ("OBJECT", "ENCODING", "d"),
                   ("LRANGE", "d", 0, -1), ("DEBUG", "DIGEST-VALUE", "d"),
                   ("RPUSH", "d", *["x" * 3000 for _ in range(8)])])
        for key in ("l", "d"):
            a, b = pair.both("DEBUG", "OBJECT", key)
            for name in ("ql_nodes:", "ql_listpack_max:", "ql_compressed:"):
                mine = [x for x in a[1].decode().split() if x.startswith(name)]
                theirs = [x for x in b[1].decode().split() if x.startswith(name)]
                assert mine == theirs and mine, (key, a, b)
    finally:
        pair.check("CONFIG", "SET", "list-max-listpack-size", "-2")
        pair.check("CONFIG", "SET", "list-compress-depth", "0")


def test_store_with_big_results_and_elements(pair):
    big = ["e%05d" % i for i in range(3000)]
    random.Random(5).shuffle(big)
    pair.check("RPUSH", "l", *big)
    pair.check("RPUSH", "l", "x" * 70000)
    pair.same([("SORT", "l", "ALPHA", "STORE", "d"), ("LLEN", "d"), ("LINDEX", "d", 0),
               ("LINDEX", "d", -1), ("DEBUG", "DIGEST-VALUE", "d"),
               ("SORT", "l", "ALPHA", "DESC", "LIMIT", 100, 5)])


def test_store_signals_watchers(pair):
    from resp import RespConn
    for side in ("castor", "redis"):
        srv = pair.castor if side == "castor" else pair.redis
        w = RespConn(srv.port, password=srv.password)
        try:
            c = pair.conn(side)
            c.call("RPUSH", "l", "1")
            w.call("WATCH", "d")
            c.call("SORT", "l", "STORE", "d")
            w.call("MULTI")
            w.call("PING")
            assert w.call("EXEC") is None, side
            # An empty result on a missing destination changes nothing.
            w.call("WATCH", "none")
            c.call("SORT", "nokey", "STORE", "none")
            w.call("MULTI")
            w.call("PING")
            assert w.call("EXEC") is not None, side
        finally:
            w.close()


def test_store_notifications(pair):
    """"sortstore" (list class) for a stored result, "del" (generic) when an
    empty result removes the destination, nothing for a plain SORT."""
    from resp import RespConn
    pair.check("CONFIG", "SET", "notify-keyspace-events", "KEA")
    subs = [RespConn(srv.port, password=srv.password) for srv in (pair.castor, pair.redis)]
    try:
        for c in subs:
            c.send("PSUBSCRIBE", "__key*__:*")
            c.read_node()
        pair.same([("RPUSH", "l", "2", "1"), ("SORT", "l"), ("SORT", "l", "STORE", "d"),
                   ("SORT", "l", "LIMIT", 0, 0, "STORE", "d"), ("SORT", "l", "LIMIT", 0, 0, "STORE", "d"),
                   ("SORT_RO", "l", "ALPHA"), ("PUBLISH", "__keymarker__:end", "end")])
        seen = []
        for c in subs:
            got = []
            while True:
                node = c.read_node()
                if node[1][3] == ("$", b"end"):
                    break
                got.append(node)
            seen.append(got)
        assert seen[0] == seen[1]
        assert any(b"sortstore" in repr(n).encode() for n in seen[1])
    finally:
        for c in subs:
            c.close()
        pair.check("CONFIG", "SET", "notify-keyspace-events", "")


def test_numeric_by_on_long_lists_with_limit(pair):
    """BY with LIMIT takes Redis's partial quicksort; numeric ties fall back
    to the element bytes, so every order is determined."""
    rng = random.Random(8)
    elems = ["m%d" % i for i in range(300)]
    pair.check("RPUSH", "l", *elems)
    pair.check("SADD", "s", *elems)
    for e in elems:
        if rng.random() < 0.8:
            pair.check("SET", "w_" + e, str(rng.choice([1, 2, 3, 2.5, -1, 1e10])))
    for key in ("l", "s"):
        for start, count in ((0, 10), (5, 50), (290, 20), (150, 1), (-3, 299), (0, 299), (1, 300)):
            for extra in ([], ["DESC"]):
                pair.check("SORT", key, "BY", "w_*", "LIMIT", start, count, *extra)
                pair.check("SORT", key, "BY", "w_*", "LIMIT", start, count, *extra, "GET", "#", "GET", "w_*")


def test_store_effect_survives_an_aof_restart(make_pair):
    """SORT ... STORE goes to the AOF as its effect (DEL, RPUSH in a
    MULTI/EXEC): after a restart from the AOF the lists are the same,
    including one whose order came from a hash-table set."""
    pair = make_pair(directives={"appendonly": "yes", "appendfsync": "always"})
    if pair.conn("castor").call("CONFIG", "GET", "appendonly") != [b"appendonly", b"yes"]:
        pytest.skip("castor has no AOF yet")
    big = ["v%d" % i for i in range(2500)]
    pair.same([("SADD", "s", "b", "a", "c", "10", "9"), ("SET", "d1", "x", "EX", "100"),
               ("SORT", "s", "BY", "nosort", "STORE", "d1"), ("RPUSH", "l", *big),
               ("SORT", "l", "ALPHA", "DESC", "STORE", "d2"), ("SORT", "l", "STORE", "d3"),
               ("RPUSH", "d4", "old"), ("SORT", "l", "LIMIT", 0, 0, "STORE", "d4"),
               ("RPUSH", "n", "3", "1", "2"), ("SORT", "n", "STORE", "n"),
               ("SELECT", "3"), ("RPUSH", "x", "2", "1"), ("SORT", "x", "STORE", "y"),
               ("SELECT", "0"), ("MULTI",), ("SORT", "n", "DESC", "STORE", "m"),
               ("SORT", "nokey", "STORE", "n"), ("EXEC",)])
    digest = pair.check("DEBUG", "DIGEST")
    pair.close()
    for srv in (pair.castor, pair.redis):
        srv.stop()
        srv.start()
    for key in ("d1", "d2", "d3", "d4", "n", "m"):
        pair.check("LRANGE", key, 0, -1)
        pair.check("TTL", key)
    assert pair.check("DEBUG", "DIGEST") == digest


def test_sort_inside_multi(pair):
    pair.same([("RPUSH", "l", "2", "1"), ("MULTI",), ("SORT", "l", "STORE", "d"),
               ("SORT", "l", "DESC"), ("LRANGE", "d", 0, -1), ("EXEC",)])


# ---- Ties -----------------------------------------------------------------------------------

def test_alpha_by_ties_keep_redis_order(pair):
    """Equal or missing ALPHA BY weights: a full sort keeps the list order
    (glibc's qsort is a merge sort); under LIMIT Redis's partial quicksort
    decides, with its median-of-three and ninther pivots and no fallback to
    insertion sort for a partition that swapped nothing."""
    rng = random.Random(77)
    for n in (5, 6, 7, 8, 9, 12, 40, 41, 42, 60, 130, 400):
        for order in ("shuffled", "ascending", "descending"):
            pair.reset()
            elems = ["e%d" % i for i in range(n)]
            rng.shuffle(elems)
            pair.check("RPUSH", "l", *elems)
            ws = rng.choice([["a"], ["a", "b"], ["a", "b", "c", "d"],
                             ["%02d" % i for i in range(20)]])
            mset = []
            missing = rng.randint(0, n // 3)
            for i, e in enumerate(elems):
                if order == "shuffled":
                    if rng.random() < 0.7:
                        mset += ["w_" + e, rng.choice(ws)]
                elif i >= missing:
                    # Already (or reversely) sorted by weight, as data often
                    # is: partitions that need no swap.
                    rank = (i - missing) * len(ws) // (n - missing)
                    mset += ["w_" + e, ws[rank if order == "ascending" else -1 - rank]]
            if mset:
                pair.check("MSET", *mset)
            for args in (["ALPHA"], ["ALPHA", "DESC"]):
                pair.check("SORT", "l", "BY", "w_*", *args)
                for _ in range(6):
                    start = rng.randint(-2, n + 1)
                    count = rng.randint(-1, n)
                    pair.check("SORT", "l", "BY", "w_*", *args, "LIMIT", start, count)
                    pair.check("SORT", "l", "BY", "w_*", *args, "LIMIT", start, count, "STORE", "d")
                    pair.check("LRANGE", "d", 0, -1)


# ---- COMMAND --------------------------------------------------------------------------------

def test_command_getkeys_and_info(pair):
    pair.same([("COMMAND", "GETKEYS", "SORT", "k"), ("COMMAND", "GETKEYS", "SORT", "k", "STORE", "d"),
               ("COMMAND", "GETKEYS", "SORT", "k", "STORE", "d", "LIMIT", 0, 1, "STORE", "e"),
               ("COMMAND", "GETKEYS", "SORT", "k", "STORE"),
               ("COMMAND", "GETKEYS", "SORT", "k", "BY", "store", "GET", "store", "LIMIT", "store", "store"),
               ("COMMAND", "GETKEYS", "SORT", "k", "STORE", "limit", "x", "y", "STORE", "z"),
               ("COMMAND", "GETKEYS", "SORT_RO", "k", "BY", "x", "GET", "y"),
               ("COMMAND", "GETKEYS", "SORT_RO", "k", "STORE", "d"),
])
    from resp import to_py
    for name in ("sort", "sort_ro"):
        a, b = pair.both("COMMAND", "INFO", name)
        ia, ib = to_py(a)[0], to_py(b)[0]
        # name, arity, flags, first key, last key, step, ACL categories (castor's
        # key specs are the generic one-range kind, not SORT's three specs)
        assert ia[:7] == ib[:7], (name, ia[:7], ib[:7])


# ---- Randomized -----------------------------------------------------------------------------

NUMS = ["0", "1", "2", "-1", "10", "3.5", "-2.25", "100", "7", "1e3", "-0", "42", "5", "6", "8"]
WORDS = ["a", "b", "c", "ab", "B", "", "zz", "a b", "x1", "10", "9", b"n\x00ul", "yy", "q"]


def random_sort(rng, key, numeric_ok):
    args = ["SORT_RO" if rng.random() < 0.2 else "SORT", key]
    opts = []
    r = rng.random()
    if r < 0.3:
        opts += ["BY", rng.choice(["w_*", "h_*->f", "h_*->g", "nosort", "nokey_*"])]
    if rng.random() < 0.5 or not numeric_ok:
        opts.append("ALPHA")
    if rng.random() < 0.4:
        opts.append(rng.choice(["ASC", "DESC"]))
    if rng.random() < 0.5:
        opts += ["LIMIT", str(rng.randint(-2, 12)), str(rng.randint(-2, 12))]
    for _ in range(rng.choice([0, 0, 1, 2])):
        opts += ["GET", rng.choice(["#", "w_*", "h_*->f", "h_*->g", "nokey_*"])]
    store = None
    if args[0] == "SORT" and rng.random() < 0.3:
        store = rng.choice(["dst", key])
        opts += ["STORE", store]
    # Shuffle whole options (pairs kept together) to exercise the parser.
    groups, i = [], 0
    while i < len(opts):
        width = 3 if opts[i] == "LIMIT" else 2 if opts[i] in ("BY", "GET", "STORE") else 1
        groups.append(opts[i:i + width])
        i += width
    rng.shuffle(groups)
    return tuple(args + [x for g in groups for x in g]), store   # store: its key or None


@pytest.mark.parametrize("seed", [31337, 4, 1999])
def test_random_sorts_against_redis(pair, seed):
    """Seeded random data (lists, intsets, hash-table sets, sorted sets,
    string and hash weights with ties) and random SORT commands, every reply
    and every stored list compared; DEBUG DIGEST at the end."""
    rng = random.Random(seed)
    keys = {"L": "list", "N": "list", "S": "intset", "H": "set", "Z": "zset"}
    for step in range(1200):
        op = rng.randrange(14)
        if op == 0:
            pair.check("RPUSH", "L", *rng.sample(NUMS + WORDS, rng.randint(1, 5)))
        elif op == 1:
            pair.check("RPUSH", "N", *rng.sample(NUMS, rng.randint(1, 5)))
        elif op == 2:
            pair.check("SADD", "S", *rng.sample(["1", "2", "3", "-7", "15", "100", "64"], 3))
        elif op == 3:
            pair.check("SADD", "H", *rng.sample(NUMS, 3))
        elif op == 4:
            z = []
            for m in rng.sample(NUMS + WORDS, 3):
                z += [str(rng.randint(-3, 3)), m]
            pair.check("ZADD", "Z", *z)
        elif op == 5:
            e = rng.choice(NUMS + WORDS)
            if rng.random() < 0.3:
                pair.check("DEL", b"w_" + (e if isinstance(e, bytes) else e.encode()))
            else:
                pair.check("SET", b"w_" + (e if isinstance(e, bytes) else e.encode()),
                           rng.choice(NUMS[:6] + ["p", "q", "p"]))
        elif op == 6:
            e = rng.choice(NUMS + WORDS)
            pair.check("HSET", b"h_" + (e if isinstance(e, bytes) else e.encode()),
                       "f", rng.choice(NUMS), "g", rng.choice(["u", "v", "w"]))
        elif op == 7:
            k = rng.choice(["L", "N"])
            pair.check("LPOP", k)
        else:
            key = rng.choice(list(keys))
            # Ties of ALPHA BY are only comparable where the input order is shared.
            numeric_ok = key in ("N", "S", "H")
            cmd, store = random_sort(rng, key, numeric_ok)
            has_alpha_by = "ALPHA" in cmd and "BY" in cmd and "nosort" not in cmd
            nosort_hash = "nosort" in cmd and key == "H" and not store
            tie_prone = (key in ("H", "Z") and has_alpha_by) or nosort_hash
            if tie_prone and "LIMIT" in cmd:
                # Which tied elements fall inside the range is the table's business.
                a, b = pair.both(*cmd)
                assert a[0] == b[0] and len(a[1]) == len(b[1]) if a[0] == "*" else a == b, (cmd, a, b)
                if store:
                    pair.check("DEL", store)
            elif tie_prone and not store:
                pair.check(*cmd, unordered=True)
            elif tie_prone:
                pair.check(*cmd)
                pair.check("LRANGE", store, 0, -1, unordered=True)
                pair.check("DEL", store)   # its order may differ: keep it out of DIGEST
            else:
                pair.check(*cmd)
                if store:
                    pair.check("LRANGE", store, 0, -1)
            if store == key:
                # The source became a list: start it again as its own type.
                pair.check("DEL", key)
    for k in ("L", "N", "S", "H", "Z", "dst"):
        pair.check("TYPE", k)
    pair.check("DEBUG", "DIGEST")
