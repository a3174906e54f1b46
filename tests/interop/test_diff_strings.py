"""Differential tests of string commands (bit commands: test_diff_bits.py)."""

import random
import time

import pytest


# ---- GET / SET and its options -------------------------------------------------

def test_set_get_basic_and_binary_values(pair):
    pair.same([("SET", "k", "v"), ("GET", "k"), ("GET", "missing"),
               ("SET", b"bin\x00key", b"\x00\xff\r\n"), ("GET", b"bin\x00key"),
               ("SET", "empty", ""), ("GET", "empty"), ("STRLEN", "empty"),
               ("SET", "k", "v2"), ("GET", "k")])
    pair.check3("GET", "missing")
    pair.check3("SET", "k", "v3")


SET_OPTION_CASES = [
    ("EX", "10"), ("PX", "10000"), ("EX", "0"), ("PX", "0"), ("EX", "-1"), ("PX", "-5"),
    ("EX", "abc"), ("EX", "1.5"), ("EX",), ("PX",), ("EX", "9223372036854775807"),
    ("PX", "9223372036854775807"), ("EX", "9223372036854775"), ("EX", "9223372036854776"),
    ("EXAT", "0"), ("PXAT", "0"), ("EXAT", "-1"), ("EXAT", "1"), ("PXAT", "1"),
    ("EXAT", "9223372036854775807"), ("PXAT", "9223372036854775807"),
    ("EX", "10", "PX", "100"), ("EX", "10", "EX", "10"), ("EX", "10", "EXAT", "100"),
    ("PX", "10", "PXAT", "100"), ("NX", "XX"), ("XX", "NX"), ("NX", "NX"),
    ("KEEPTTL", "EX", "10"), ("EX", "10", "KEEPTTL"), ("KEEPTTL", "PXAT", "1"),
    ("KEEPTTL", "KEEPTTL"), ("GET", "GET"), ("GET", "NX"), ("NX", "GET"), ("XX", "GET"),
    ("GET", "EX", "100"), ("FOO",), ("ex", "10"), ("px", "10", "nx"), ("keepttl",),
    ("EX", "10", "FOO"), ("NX", "EX"),
]


@pytest.mark.parametrize("opts", SET_OPTION_CASES, ids=lambda o: "-".join(o) or "none")
def test_set_option_combinations(pair, opts):
    # Against a missing key, an existing key with a TTL, and a list.
    pair.same([("SET", "k", "v", *opts), ("GET", "k"), ("EXISTS", "k")])
    pair.same([("SET", "t", "old", "EX", "1000"), ("SET", "t", "new", *opts), ("GET", "t"),
               ("EXISTS", "t")])
    pair.check_approx("TTL", "t", tol=1)
    pair.same([("RPUSH", "l", "a"), ("SET", "l", "v", *opts), ("TYPE", "l")])


def test_set_absolute_expire_exact(pair):
    at = int(time.time()) + 1000
    pair.same([("SET", "a", "v", "EXAT", str(at)), ("EXPIRETIME", "a"),
               ("SET", "b", "v", "PXAT", str(at * 1000 + 123)), ("PEXPIRETIME", "b"),
               ("SET", "a", "v2", "KEEPTTL"), ("EXPIRETIME", "a"),
               ("SET", "a", "v3"), ("EXPIRETIME", "a"),
               ("SET", "c", "v", "EXAT", str(at - 2000)), ("EXISTS", "c")])


def test_set_with_a_past_time_stores_a_key_that_expires(pair):
    """Redis 7.0's SET ... EXAT/PXAT <past> stores the key ("set" and
    "expire" events, DBSIZE counts it, DEBUG sees its value) and it expires
    at its next access ("expired"), where GETEX and EXPIRE in the past
    delete at once ("del")."""
    pair.check("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        pair.same_notifications([
            ("SET", "k", "old"), ("SET", "k", "v", "PXAT", "1"), ("DBSIZE",),
            ("DEBUG", "DIGEST-VALUE", "k"), ("SET", "k", "w", "EXAT", "1", "GET"), ("DBSIZE",),
            ("GET", "k"), ("DBSIZE",), ("SET", "g", "v"), ("GETEX", "g", "PXAT", "1"),
            ("DBSIZE",), ("SET", "e", "v"), ("EXPIREAT", "e", "1"), ("DBSIZE",)])
    finally:
        pair.check("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_set_get_option_returns_old_value(pair):
    pair.same([("SET", "k", "1", "GET"), ("SET", "k", "2", "GET"), ("SET", "k", "3", "NX", "GET"),
               ("GET", "k"), ("SET", "m", "1", "XX", "GET"), ("EXISTS", "m"),
               ("SET", "k", "4", "XX", "GET"), ("HSET", "h", "f", "v"), ("SET", "h", "x", "GET"),
               ("TYPE", "h")])


def test_set_arity(pair):
    pair.same([("SET",), ("SET", "k"), ("GET",), ("GET", "a", "b")])


# ---- SETNX, SETEX, PSETEX, MSET, MGET, MSETNX, GETSET, GETDEL --------------------

def test_setnx_setex_psetex(pair):
    pair.same([("SETNX", "k", "1"), ("SETNX", "k", "2"), ("GET", "k"),
               ("SETEX", "e", "100", "v"), ("GET", "e"), ("PSETEX", "p", "100000", "v"),
               ("SETEX", "e", "0", "v"), ("SETEX", "e", "-1", "v"), ("SETEX", "e", "x", "v"),
               ("PSETEX", "p", "0", "v"), ("PSETEX", "p", "-100", "v"),
               ("SETEX", "e", "9223372036854775807", "v"), ("PSETEX", "p", "9223372036854775807", "v"),
               ("SETEX", "e", "100"), ("SETNX", "k"), ("RPUSH", "l", "a"), ("SETEX", "l", "10", "v"),
               ("TYPE", "l"), ("SETNX", "l", "v")])
    pair.check_approx("TTL", "e", tol=1)
    pair.check_approx("PTTL", "p", tol=100)


def test_mset_mget_msetnx(pair):
    pair.same([("MSET", "a", "1", "b", "2", "a", "3"), ("MGET", "a", "b", "c", "a"),
               ("MSET", "a"), ("MSET", "a", "1", "b"), ("MSET",), ("MGET",),
               ("MSETNX", "a", "x", "new", "y"), ("EXISTS", "new"), ("MSETNX", "n1", "1", "n2", "2"),
               ("MGET", "n1", "n2"), ("MSETNX", "n3", "1", "n3", "2"), ("GET", "n3"),
               ("MSETNX", "z"), ("RPUSH", "l", "x"), ("MGET", "a", "l", "b"),
               ("MSET", "l", "str"), ("TYPE", "l")])
    pair.check3("MGET", "a", "missing")


def test_getset_getdel(pair):
    pair.same([("GETSET", "k", "1"), ("GETSET", "k", "2"), ("GET", "k"), ("GETDEL", "k"),
               ("GETDEL", "k"), ("EXISTS", "k"), ("SET", "t", "v", "EX", "100"),
               ("GETSET", "t", "w"), ("TTL", "t"), ("RPUSH", "l", "a"), ("GETSET", "l", "v"),
               ("GETDEL", "l"), ("TYPE", "l"), ("GETDEL",), ("GETSET", "k")])


GETEX_CASES = [(), ("EX", "100"), ("PX", "100000"), ("PERSIST",), ("EX", "0"), ("PX", "0"),
               ("EX", "-1"), ("EXAT", "0"), ("PXAT", "-1"), ("EX", "x"), ("EX",),
               ("PERSIST", "EX", "10"), ("EX", "10", "PERSIST"), ("EX", "10", "PX", "10"),
               ("EX", "10", "EX", "10"), ("FOO",), ("EX", "9223372036854775807"),
               ("PXAT", "1"), ("persist",)]


@pytest.mark.parametrize("opts", GETEX_CASES, ids=lambda o: "-".join(o) or "none")
def test_getex_options(pair, opts):
    pair.same([("SET", "k", "v", "EX", "1000"), ("GETEX", "k", *opts), ("EXISTS", "k"),
               ("GETEX", "missing", *opts), ("RPUSH", "l", "a"), ("GETEX", "l", *opts)])
    pair.check_approx("TTL", "k", tol=1)


def test_getex_exat_exact(pair):
    at = int(time.time()) + 5000
    pair.same([("SET", "k", "v"), ("GETEX", "k", "EXAT", str(at)), ("EXPIRETIME", "k"),
               ("GETEX", "k", "PXAT", str(at * 1000 + 7)), ("PEXPIRETIME", "k"),
               ("GETEX", "k", "PERSIST"), ("TTL", "k"), ("GETEX",)])


# ---- APPEND, STRLEN -----------------------------------------------------------------------

def test_append_strlen(pair):
    pair.same([("APPEND", "k", "abc"), ("APPEND", "k", ""), ("APPEND", "k", "de"), ("GET", "k"),
               ("STRLEN", "k"), ("STRLEN", "missing"), ("SET", "n", "12"), ("APPEND", "n", "3"),
               ("INCR", "n"), ("STRLEN", "n"), ("RPUSH", "l", "a"), ("APPEND", "l", "x"),
               ("STRLEN", "l"), ("APPEND", "k"), ("STRLEN",)])


# ---- INCR family ------------------------------------------------------------------------------

INT_EDGE = ["0", "-0", "1", "-1", "9223372036854775807", "-9223372036854775808",
            "9223372036854775808", "-9223372036854775809", "", " 1", "1 ", "01", "+1", "1e3",
            "0x10", "abc", "1.0", "\x001", "18446744073709551615", "99999999999999999999"]


@pytest.mark.parametrize("value", INT_EDGE)
def test_incr_decr_on_edge_values(pair, value):
    for cmd in (("INCR", "k"), ("DECR", "k"), ("INCRBY", "k", "5"), ("DECRBY", "k", "5"),
                ("INCRBY", "k", "-9223372036854775808"), ("DECRBY", "k", "-9223372036854775808"),
                ("INCRBY", "k", "9223372036854775807"), ("DECRBY", "k", "9223372036854775807")):
        pair.same([("SET", "k", value), cmd, ("GET", "k")])


@pytest.mark.parametrize("incr", INT_EDGE)
def test_incrby_increment_parsing(pair, incr):
    pair.same([("SET", "k", "10"), ("INCRBY", "k", incr), ("DECRBY", "k", incr), ("GET", "k"),
               ("INCRBY", "fresh", incr), ("GET", "fresh")])


def test_incr_errors_and_types(pair):
    pair.same([("INCR", "new"), ("TYPE", "new"), ("OBJECT", "ENCODING", "new"),
               ("RPUSH", "l", "a"), ("INCR", "l"), ("INCRBY", "l", "1"), ("INCRBYFLOAT", "l", "1"),
               ("INCR",), ("INCRBY", "k"), ("DECRBY", "k", "1", "2"),
               ("SET", "t", "5", "EX", "1000"), ("INCR", "t")])
    pair.check_approx("TTL", "t", tol=1)


FLOAT_CASES = [("10.5", "0.1"), ("0", "1.1"), ("3.0e3", "0"), ("5.0e3", "2.0e2"), ("1", "-1"),
               ("0", "0.1"), ("1", "1e-10"), ("1", "1e300"), ("1e308", "1e308"), ("0", "inf"),
               ("0", "-inf"), ("0", "nan"), ("0", "abc"), ("abc", "1"), ("0", ""), ("0", " 1"),
               ("0", "1 "), ("0", "0x10"), ("7", "-7"), ("0", "-0"), ("1.5", "1.5"),
               ("0", "123456789012345678901234567890"), ("0", "0.1e"), ("0", "1e+5"),
               ("9223372036854775807", "1"), ("1", "3.0000000000000000001"),
               ("0", "5.0000000000000001e-300"), ("0", "1.23456789012345678")]


@pytest.mark.parametrize("start,incr", FLOAT_CASES)
def test_incrbyfloat_formatting(pair, start, incr):
    pair.same([("SET", "k", start), ("INCRBYFLOAT", "k", incr), ("GET", "k"),
               ("INCRBYFLOAT", "fresh", incr)])


def test_incrbyfloat_keeps_ttl(pair):
    pair.same([("SET", "k", "1", "EX", "1000"), ("INCRBYFLOAT", "k", "0.5"), ("GET", "k")])
    pair.check_approx("TTL", "k", tol=1)


def test_incr_randomized_sequences(pair):
    rng = random.Random(42)
    cmds = []
    for _ in range(400):
        k = rng.choice(["a", "b", "c"])
        op = rng.randrange(6)
        if op == 0:
            cmds.append(("INCR", k))
        elif op == 1:
            cmds.append(("DECRBY", k, str(rng.randint(-10**6, 10**6))))
        elif op == 2:
            cmds.append(("INCRBY", k, str(rng.choice([1, -1, 2**62, -2**62, rng.randint(-99, 99)]))))
        elif op == 3:
            cmds.append(("INCRBYFLOAT", k, "%.*f" % (rng.randint(0, 5), rng.uniform(-1000, 1000))))
        elif op == 4:
            cmds.append(("SET", k, str(rng.randint(-1000, 1000))))
        else:
            cmds.append(("GET", k))
    pair.same(cmds)


# ---- GETRANGE / SUBSTR / SETRANGE --------------------------------------------------------

RANGES = [("0", "-1"), ("0", "0"), ("-1", "-1"), ("-3", "-1"), ("2", "1"), ("-100", "100"),
          ("5", "100"), ("100", "200"), ("-1", "0"), ("0", "-100"), ("3", "-3"),
          ("9223372036854775807", "9223372036854775807"), ("-9223372036854775808", "-1"),
          ("a", "1"), ("1", "1.5")]


@pytest.mark.parametrize("cmd", ["GETRANGE", "SUBSTR"])
def test_getrange_substr(pair, cmd):
    pair.same([("SET", "k", "Hello World"), ("SET", "e", ""), ("SET", "n", "12345")])
    for start, end in RANGES:
        for key in ("k", "e", "n", "missing"):
            pair.check(cmd, key, start, end)
    pair.same([("RPUSH", "l", "a"), (cmd, "l", "0", "1"), (cmd, "k", "0")])


def test_setrange_and_offset_errors(pair):
    pair.same([("SETRANGE", "k", "0", "Hello"), ("SETRANGE", "k", "6", "World"), ("GET", "k"),
               ("SETRANGE", "k", "1", ""), ("SETRANGE", "new", "5", ""), ("EXISTS", "new"),
               ("SETRANGE", "new", "0", ""), ("EXISTS", "new"), ("SETRANGE", "k", "-1", "x"),
               ("SETRANGE", "k", "536870911", ""), ("SETRANGE", "k", "536870912", "x"),
               ("SETRANGE", "k", "536870911", "xy"), ("SETRANGE", "k", "x", "y"),
               ("SETRANGE", "z", "3", "ab"), ("GET", "z"), ("SET", "n", "123"),
               ("SETRANGE", "n", "1", "9"), ("GET", "n"), ("RPUSH", "l", "a"),
               ("SETRANGE", "l", "0", "x"), ("SETRANGE", "k", "0"),
               ("SETRANGE", "missing", "-1", ""), ("SETRANGE", "missing", "-1", "x")])


def test_string_randomized_edits(pair):
    """Seeded random APPEND/SETRANGE/GETRANGE/STRLEN sequences."""
    rng = random.Random(99)
    cmds = []
    for _ in range(500):
        k = rng.choice(["s1", "s2"])
        op = rng.randrange(5)
        val = bytes(rng.randrange(256) for _ in range(rng.randint(0, 8)))
        if op == 0:
            cmds.append(("APPEND", k, val))
        elif op == 1:
            cmds.append(("SETRANGE", k, str(rng.randint(0, 40)), val))
        elif op == 2:
            cmds.append(("GETRANGE", k, str(rng.randint(-50, 50)), str(rng.randint(-50, 50))))
        elif op == 3:
            cmds.append(("STRLEN", k))
        else:
            cmds.append(("GET", k))
    pair.same(cmds)


# ---- LCS ---------------------------------------------------------------------------------

LCS_OPTS = [(), ("LEN",), ("IDX",), ("IDX", "MINMATCHLEN", "4"), ("IDX", "WITHMATCHLEN"),
            ("IDX", "MINMATCHLEN", "2", "WITHMATCHLEN"), ("LEN", "IDX"), ("IDX", "LEN"),
            ("MINMATCHLEN", "0"), ("IDX", "MINMATCHLEN", "-1"), ("IDX", "MINMATCHLEN", "x"),
            ("IDX", "MINMATCHLEN"), ("FOO",), ("len",), ("WITHMATCHLEN",)]


@pytest.mark.parametrize("opts", LCS_OPTS, ids=lambda o: "-".join(o) or "none")
@pytest.mark.parametrize("proto", [2, 3])
def test_lcs_options(pair, opts, proto):
    pair.same([("SET", "a", "ohmytext"), ("SET", "b", "mynewtext"), ("SET", "e", "")], proto=proto)
    for ka, kb in (("a", "b"), ("b", "a"), ("a", "a"), ("a", "e"), ("a", "missing"),
                   ("missing", "missing2")):
        pair.check("LCS", ka, kb, *opts, proto=proto)


def test_lcs_errors_and_random_strings(pair):
    pair.same([("RPUSH", "l", "a"), ("SET", "s", "abc"), ("LCS", "l", "s"), ("LCS", "s", "l"),
               ("LCS", "s"), ("LCS",)])
    rng = random.Random(5)
    for _ in range(30):
        a = "".join(rng.choice("ACGT") for _ in range(rng.randint(0, 40)))
        b = "".join(rng.choice("ACGT") for _ in range(rng.randint(0, 40)))
        pair.same([("MSET", "x", a, "y", b), ("LCS", "x", "y"), ("LCS", "x", "y", "LEN"),
                   ("LCS", "x", "y", "IDX", "WITHMATCHLEN", "MINMATCHLEN", str(rng.randint(0, 3)))])


# ---- OBJECT ENCODING transitions ------------------------------------------------------------

ENCODING_VALUES = ["0", "123", "-123", "9999", "10000", "9223372036854775807",
                   "-9223372036854775808", "9223372036854775808", "0123", "+1", " 1", "-0",
                   "1.5", "", "a", "x" * 44, "x" * 45, "x" * 100, "12345678901234567890123"]


def test_object_encoding_of_set_values(pair):
    """int for values that round-trip as a long long, embstr up to 44 bytes,
    raw beyond (castor should copy these names exactly: tools and tests read
    them)."""
    for v in ENCODING_VALUES:
        pair.same([("SET", "k", v), ("OBJECT", "ENCODING", "k"), ("GET", "k")])
    assert pair.check("OBJECT", "ENCODING", "k") == b"embstr"


def test_object_encoding_transitions(pair):
    pair.same([
        ("SET", "k", "12"), ("OBJECT", "ENCODING", "k"),
        ("APPEND", "k", "3"), ("OBJECT", "ENCODING", "k"),           # append -> raw
        ("INCR", "k"), ("OBJECT", "ENCODING", "k"),                  # incr -> int
        ("SET", "s", "abc"), ("SETRANGE", "s", "1", "x"), ("OBJECT", "ENCODING", "s"),
        ("SET", "b", "abc"), ("SETBIT", "b", "1", "1"), ("OBJECT", "ENCODING", "b"),
        ("SET", "f", "1"), ("INCRBYFLOAT", "f", "1.5"), ("OBJECT", "ENCODING", "f"),
        ("INCRBYFLOAT", "f", "0.5"), ("OBJECT", "ENCODING", "f"),
        ("APPEND", "new", "abc"), ("OBJECT", "ENCODING", "new"),
        ("SETRANGE", "new2", "0", "abc"), ("OBJECT", "ENCODING", "new2"),
        ("GETSET", "g", "1"), ("OBJECT", "ENCODING", "g"),
        ("SET", "e", "v", "EX", "100"), ("OBJECT", "ENCODING", "e"),
        ("MSET", "m1", "5", "m2", "x" * 50), ("OBJECT", "ENCODING", "m1"), ("OBJECT", "ENCODING", "m2"),
        ("SETEX", "se", "100", "77"), ("OBJECT", "ENCODING", "se"),
    ])


# ---- wrong types -------------------------------------------------------------------------------

def test_string_commands_on_other_types_are_wrongtype(pair):
    pair.same([("RPUSH", "l", "a"), ("HSET", "h", "f", "v"), ("SADD", "s", "m"),
               ("ZADD", "z", "1", "m")])
    cmds = [("GET", "{}"), ("GETRANGE", "{}", "0", "1"), ("STRLEN", "{}"), ("APPEND", "{}", "x"),
            ("GETDEL", "{}"), ("GETEX", "{}"), ("INCR", "{}"), ("DECRBY", "{}", "1"),
            ("SETBIT", "{}", "0", "1"), ("GETBIT", "{}", "0"), ("BITCOUNT", "{}"),
            ("BITPOS", "{}", "1"), ("BITFIELD", "{}", "GET", "u8", "0"), ("LCS", "{}", "{}"),
            ("SETRANGE", "{}", "0", "x")]
    for key in ("l", "h", "s", "z"):
        for cmd in cmds:
            pair.check(*(a.format(key) if a == "{}" else a for a in cmd))
    other = [("LPUSH", "k", "x"), ("HSET", "k", "f", "v"), ("SADD", "k", "m"), ("ZADD", "k", "1", "m"),
             ("LRANGE", "k", "0", "-1"), ("HGET", "k", "f"), ("SMEMBERS", "k"), ("ZRANGE", "k", "0", "-1"),
             ("LLEN", "k"), ("HLEN", "k"), ("SCARD", "k"), ("ZCARD", "k"), ("XLEN", "k"),
             ("PFADD", "k", "a"), ("PFCOUNT", "k")]
    pair.check("SET", "k", "plain")
    for cmd in other:
        pair.check(*cmd)
    assert pair.check("GET", "k") == b"plain"
