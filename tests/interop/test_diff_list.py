"""Differential tests of list commands (and the non-blocking paths of the
blocking ones) against redis-server 7.0: every command with every option,
wrong-type and wrong-arity errors, boundary values, the quicklist node
layout that DEBUG OBJECT shows for each list-max-listpack-size and
list-compress-depth, a seeded randomized model test and DEBUG DIGEST.
Blocking behaviour itself (waking, timeouts) is in
tests/integration/test_blocking.py."""

import random
import re
import time

import pytest

from pair import same_read

LIST_COMMANDS_ON_KEY = [
    ("LPUSH", "s", "x"), ("RPUSH", "s", "x"), ("LPUSHX", "s", "x"), ("RPUSHX", "s", "x"),
    ("LPOP", "s"), ("RPOP", "s"), ("LPOP", "s", "2"), ("RPOP", "s", "2"), ("LLEN", "s"),
    ("LRANGE", "s", "0", "-1"), ("LINDEX", "s", "0"), ("LSET", "s", "0", "x"),
    ("LINSERT", "s", "BEFORE", "a", "b"), ("LREM", "s", "0", "a"), ("LTRIM", "s", "0", "1"),
    ("LPOS", "s", "a"), ("LMOVE", "s", "d", "LEFT", "RIGHT"), ("RPOPLPUSH", "s", "d"),
    ("LMPOP", "1", "s", "LEFT"), ("BLPOP", "s", "0.01"), ("BRPOP", "s", "0.01"),
    ("BLMOVE", "s", "d", "LEFT", "LEFT", "0.01"), ("BRPOPLPUSH", "s", "d", "0.01"),
    ("BLMPOP", "0.01", "1", "s", "LEFT"),
]


def fill(pair, key, items, cmd="RPUSH"):
    pair.check(cmd, key, *items)


# ---- Pushes and basic reads -----------------------------------------------------

def test_push_pop_and_length_both_ends(pair):
    pair.same([("LPUSH", "l", "a"), ("LPUSH", "l", "b", "c"), ("RPUSH", "l", "d", "e", "f"),
               ("LLEN", "l"), ("LRANGE", "l", "0", "-1"), ("LPOP", "l"), ("RPOP", "l"),
               ("LRANGE", "l", "0", "-1"), ("LLEN", "missing"), ("TYPE", "l"),
               ("OBJECT", "ENCODING", "l")])
    pair.check3("LRANGE", "l", "0", "-1")
    pair.check3("LPOP", "missing")
    pair.check3("LPOP", "missing", "2")
    pair.check3("LPOP", "l", "2")


def test_pushx_only_on_existing_lists(pair):
    pair.same([("LPUSHX", "l", "a"), ("RPUSHX", "l", "a", "b"), ("EXISTS", "l"),
               ("RPUSH", "l", "x"), ("LPUSHX", "l", "a", "b"), ("RPUSHX", "l", "c", "d"),
               ("LRANGE", "l", "0", "-1")])


def test_integers_and_binary_elements_keep_their_bytes(pair):
    vals = ["0", "-0", "01", " 1", "1 ", "+1", "9223372036854775807", "9223372036854775808",
            "-9223372036854775808", "-9223372036854775809", "12345678901234567890", "1e5",
            "0x10", "", "\x00\xff", "a\r\nb", "-1", "127", "128", "-128", "-129", "32767",
            "32768", "8388607", "8388608", "2147483647", "2147483648", "4294967296", "4095",
            "4096", "-4096", "-4097"]
    pair.check("RPUSH", "l", *vals)
    pair.same([("LRANGE", "l", "0", "-1"), ("LINDEX", "l", "5"), ("LPOS", "l", "01"),
               ("LPOS", "l", "1"), ("LPOS", "l", "-0"), ("LPOS", "l", "0"),
               ("LREM", "l", "0", "127"), ("LRANGE", "l", "0", "-1")])
    pair.check("DEBUG", "DIGEST-VALUE", "l")


def test_big_elements(pair):
    big = "x" * 100000
    pair.same([("RPUSH", "l", "a", big, "b"), ("LINDEX", "l", "1"), ("LSET", "l", "0", big),
               ("LRANGE", "l", "0", "-1"), ("LPOS", "l", big, "COUNT", "0"),
               ("LINSERT", "l", "BEFORE", "b", big), ("LLEN", "l"), ("LREM", "l", "2", big),
               ("LRANGE", "l", "0", "-1")])


# ---- Pops with a count --------------------------------------------------------------

@pytest.mark.parametrize("cmd", ["LPOP", "RPOP"])
@pytest.mark.parametrize("count", ["0", "1", "2", "5", "6", "100", "-1", "abc", "1.5", "",
                                   "9223372036854775807", "9223372036854775808"])
def test_pop_count_variants(pair, cmd, count):
    fill(pair, "l", ["a", "b", "1", "c", "d"])
    pair.same([(cmd, "l", count), ("LRANGE", "l", "0", "-1"), ("EXISTS", "l"),
               (cmd, "missing", count)])


def test_pop_arity_and_emptied_key_is_deleted(pair):
    fill(pair, "l", ["a", "b"])
    pair.same([("LPOP", "l", "1", "2"), ("RPOP",), ("LPOP", "l", "5"), ("EXISTS", "l"),
               ("RPUSH", "l", "x"), ("RPOP", "l"), ("EXISTS", "l")])


# ---- LRANGE / LINDEX / LSET --------------------------------------------------------

RANGES = [(s, e) for s in ["0", "1", "-1", "-3", "5", "9", "10", "-10", "-11", "-100", "100"]
          for e in ["0", "-1", "2", "-2", "9", "10", "-10", "-11", "100", "-100"]]


def test_lrange_every_index_pair(pair):
    fill(pair, "l", [str(i) if i % 2 else "v%d" % i for i in range(10)])
    for s, e in RANGES:
        pair.check("LRANGE", "l", s, e)
    pair.same([("LRANGE", "l", "a", "1"), ("LRANGE", "l", "0", "b"), ("LRANGE", "missing", "0", "-1"),
               ("LRANGE", "missing", "x", "-1"), ("LRANGE", "l", "9223372036854775807", "-1"),
               ("LRANGE", "l", "-9223372036854775808", "9223372036854775807"),
               ("LRANGE", "l", "0", "9223372036854775808")])


def test_lindex_every_index(pair):
    fill(pair, "l", ["a", "2", "c", "4", "e"])
    for i in range(-7, 8):
        pair.check("LINDEX", "l", str(i))
    pair.same([("LINDEX", "l", "x"), ("LINDEX", "missing", "x"), ("LINDEX", "missing", "0"),
               ("LINDEX", "l", "9223372036854775807"), ("LINDEX", "l", "-9223372036854775808")])
    pair.check3("LINDEX", "l", "10")


def test_lset_in_and_out_of_range(pair):
    fill(pair, "l", ["a", "b", "c"])
    pair.same([("LSET", "l", "0", "x"), ("LSET", "l", "-1", "99"), ("LSET", "l", "1", "1234567"),
               ("LRANGE", "l", "0", "-1"), ("LSET", "l", "3", "y"), ("LSET", "l", "-4", "y"),
               ("LSET", "l", "a", "y"), ("LSET", "missing", "0", "y"),
               ("LSET", "missing", "a", "y"), ("LRANGE", "l", "0", "-1")])


# ---- LINSERT / LREM / LTRIM ----------------------------------------------------------

def test_linsert_before_after_and_errors(pair):
    fill(pair, "l", ["a", "b", "a", "3"])
    pair.same([("LINSERT", "l", "BEFORE", "a", "x"), ("LINSERT", "l", "after", "a", "y"),
               ("LINSERT", "l", "AFTER", "3", "4"), ("LINSERT", "l", "before", "03", "z"),
               ("LINSERT", "l", "BEFORE", "nope", "z"), ("LINSERT", "l", "MIDDLE", "a", "z"),
               ("LINSERT", "missing", "BEFORE", "a", "z"),
               ("LINSERT", "missing", "MIDDLE", "a", "z"), ("EXISTS", "missing"),
               ("LRANGE", "l", "0", "-1")])


@pytest.mark.parametrize("count", ["0", "1", "2", "3", "-1", "-2", "-3", "100", "-100", "x"])
def test_lrem_counts(pair, count):
    fill(pair, "l", ["a", "b", "a", "c", "a", "1", "a", "01"])
    pair.same([("LREM", "l", count, "a"), ("LRANGE", "l", "0", "-1"), ("LREM", "l", count, "1"),
               ("LRANGE", "l", "0", "-1"), ("LREM", "missing", count, "a")])


def test_lrem_removing_everything_deletes_the_key(pair):
    fill(pair, "l", ["a", "a", "a"])
    pair.same([("LREM", "l", "0", "a"), ("EXISTS", "l"), ("LREM", "l", "0", "a")])


@pytest.mark.parametrize("s,e", [("0", "-1"), ("1", "-2"), ("2", "1"), ("5", "10"),
                                 ("-3", "-1"), ("-100", "2"), ("0", "0"), ("10", "20"),
                                 ("-1", "-100"), ("3", "100"), ("a", "1"), ("0", "b")])
def test_ltrim_ranges(pair, s, e):
    fill(pair, "l", ["a", "b", "c", "d", "e", "f"])
    pair.same([("LTRIM", "l", s, e), ("LRANGE", "l", "0", "-1"), ("EXISTS", "l"),
               ("LTRIM", "missing", s, e)])


# ---- LPOS --------------------------------------------------------------------------------

LPOS_OPTIONS = [(), ("RANK", "1"), ("RANK", "2"), ("RANK", "-1"), ("RANK", "-2"), ("RANK", "5"),
                ("RANK", "0"), ("RANK", "x"), ("RANK", "-9223372036854775808"),
                ("RANK", "-9223372036854775807"), ("COUNT", "0"), ("COUNT", "1"), ("COUNT", "2"),
                ("COUNT", "-1"), ("COUNT", "x"), ("MAXLEN", "0"), ("MAXLEN", "2"),
                ("MAXLEN", "5"), ("MAXLEN", "-1"), ("MAXLEN", "x"), ("RANK", "2", "COUNT", "0"),
                ("RANK", "-1", "COUNT", "2", "MAXLEN", "6"), ("COUNT", "0", "MAXLEN", "4"),
                ("RANK",), ("COUNT",), ("FOO", "1"), ("rank", "1", "count", "1"),
                ("RANK", "1", "RANK", "2"), ("COUNT", "1", "COUNT", "0")]


@pytest.mark.parametrize("opts", LPOS_OPTIONS, ids=lambda o: "-".join(o) or "none")
def test_lpos_options(pair, opts):
    fill(pair, "l", ["a", "b", "c", "1", "2", "3", "c", "c", "1", "a"])
    for ele in ["a", "c", "1", "z"]:
        pair.check("LPOS", "l", ele, *opts)
    pair.check("LPOS", "missing", "a", *opts)
    pair.check3("LPOS", "l", "z", *opts)


# ---- LMOVE / RPOPLPUSH --------------------------------------------------------------

@pytest.mark.parametrize("wf", ["LEFT", "RIGHT", "left", "UP"])
@pytest.mark.parametrize("wt", ["LEFT", "RIGHT", "Right"])
def test_lmove_all_directions(pair, wf, wt):
    fill(pair, "s", ["a", "b", "1"])
    fill(pair, "d", ["x"])
    pair.same([("LMOVE", "s", "d", wf, wt), ("LRANGE", "s", "0", "-1"),
               ("LRANGE", "d", "0", "-1"), ("LMOVE", "s", "s", wf, wt),
               ("LRANGE", "s", "0", "-1"), ("LMOVE", "s", "new", wf, wt),
               ("LRANGE", "new", "0", "-1"), ("LMOVE", "missing", "d", wf, wt)])


def test_lmove_empties_source_and_rotates_single(pair):
    pair.same([("RPUSH", "s", "only"), ("LMOVE", "s", "s", "LEFT", "RIGHT"), ("LRANGE", "s", "0", "-1"),
               ("LMOVE", "s", "d", "LEFT", "LEFT"), ("EXISTS", "s"), ("LRANGE", "d", "0", "-1"),
               ("RPOPLPUSH", "d", "d"), ("RPOPLPUSH", "d", "e"), ("EXISTS", "d"),
               ("LRANGE", "e", "0", "-1"), ("RPOPLPUSH", "missing", "e")])


def test_lmove_to_wrong_type_moves_nothing(pair):
    pair.same([("RPUSH", "s", "a"), ("SET", "str", "v"), ("LMOVE", "s", "str", "LEFT", "LEFT"),
               ("RPOPLPUSH", "s", "str"), ("LRANGE", "s", "0", "-1"), ("GET", "str"),
               ("LMOVE", "missing", "str", "LEFT", "LEFT"),
               ("BLMOVE", "s", "str", "LEFT", "LEFT", "0"), ("BRPOPLPUSH", "s", "str", "0"),
               ("LRANGE", "s", "0", "-1")])


# ---- LMPOP -------------------------------------------------------------------------------

LMPOP_CASES = [
    ("1", "a", "LEFT"), ("1", "a", "RIGHT"), ("2", "none", "a", "LEFT"),
    ("3", "none", "a", "b", "RIGHT", "COUNT", "2"), ("2", "a", "b", "LEFT", "COUNT", "10"),
    ("1", "a", "left", "count", "1"), ("0", "a", "LEFT"), ("-1", "a", "LEFT"), ("x", "a", "LEFT"),
    ("2", "a", "LEFT"), ("3", "a", "b", "LEFT"), ("9223372036854775807", "a", "LEFT"),
    ("9223372036854775806", "a", "LEFT"), ("9223372036854775808", "a", "LEFT"), ("1", "a", "UP"), ("1", "a", "LEFT", "COUNT"),
    ("1", "a", "LEFT", "COUNT", "0"), ("1", "a", "LEFT", "COUNT", "-1"),
    ("1", "a", "LEFT", "COUNT", "x"), ("1", "a", "LEFT", "COUNT", "1", "COUNT", "2"),
    ("1", "a", "LEFT", "FOO"), ("1", "none", "LEFT"), ("2", "none", "none2", "RIGHT", "COUNT", "3"),
    ("1", "a", "LEFT", "COUNT", "9223372036854775807"), ("2", "s", "a", "LEFT"),
    ("2", "a", "s", "LEFT"),
]


@pytest.mark.parametrize("args", LMPOP_CASES, ids=lambda a: "-".join(a))
def test_lmpop_variants(pair, args):
    fill(pair, "a", ["1", "2", "3"])
    fill(pair, "b", ["x", "y"])
    pair.check("SET", "s", "str")
    pair.same([("LMPOP", *args), ("LRANGE", "a", "0", "-1"), ("LRANGE", "b", "0", "-1"),
               ("EXISTS", "a")])
    pair.check3("LMPOP", *args)
    # The blocking form takes the same arguments after a timeout.
    pair.check("BLMPOP", "0.01", *args)


def test_mpop_command_getkeys(pair):
    for cmd in [("LMPOP", "2", "a", "b", "LEFT"), ("LMPOP", "1", "a", "RIGHT", "COUNT", "2"),
                ("LMPOP", "0", "a", "LEFT"), ("LMPOP", "3", "a", "LEFT"), ("LMPOP", "x", "a", "LEFT"),
                ("BLMPOP", "0", "2", "a", "b", "LEFT"), ("BLMPOP", "0", "-1", "a", "b", "LEFT"),
                ("BLMPOP", "0", "4", "a", "b", "LEFT"), ("BLPOP", "a", "b", "0"),
                ("BLMOVE", "a", "b", "LEFT", "LEFT", "0"), ("LMOVE", "a", "b", "LEFT", "LEFT"),
                ("RPOPLPUSH", "a", "b"), ("BRPOPLPUSH", "a", "b", "0"), ("LMPOP", "1", "a")]:
        pair.check("COMMAND", "GETKEYS", *cmd)


# ---- Blocking commands that do not block ---------------------------------------------

def test_blocking_pops_serve_at_once_when_data_is_there(pair):
    fill(pair, "a", ["1", "2", "3"])
    fill(pair, "b", ["x"])
    pair.same([("BLPOP", "none", "a", "b", "0"), ("BRPOP", "none", "b", "a", "0"),
               ("EXISTS", "b"), ("BLMOVE", "a", "c", "RIGHT", "LEFT", "0"),
               ("BRPOPLPUSH", "a", "c", "0"), ("LRANGE", "c", "0", "-1"), ("EXISTS", "a"),
               ("BLMPOP", "0", "2", "none", "c", "RIGHT", "COUNT", "5"), ("EXISTS", "c")])
    pair.check3("BLPOP", "none", "0.01")


TIMEOUTS = ["-1", "-0.5", "abc", "", "inf", "-inf", "+inf", "nan", "1e300", "-1e300", "0x10",
            "1e-300", " 1", "1 ", "0.001", "9223372036854775807", "3.5e2", "1e"]


@pytest.mark.parametrize("t", TIMEOUTS)
def test_blocking_timeout_argument_errors(pair, t):
    fill(pair, "l", ["a", "b", "c", "d", "e", "f"])
    pair.same([("BLPOP", "l", t), ("BRPOP", "l", t), ("BLMOVE", "l", "d", "LEFT", "LEFT", t),
               ("BRPOPLPUSH", "l", "d", t), ("BLMPOP", t, "1", "l", "LEFT"),
               ("LRANGE", "l", "0", "-1")])


def test_blmpop_argument_order(pair):
    pair.same([("BLMPOP", "abc", "0", "l", "LEFT"), ("BLMPOP", "abc", "1", "l", "UP"),
               ("BLMPOP", "-1", "1", "l", "UP"), ("BLMPOP", "abc", "1", "l", "LEFT", "COUNT", "0"),
               ("BLMPOP", "-1", "2", "l", "LEFT"), ("BLMOVE", "l", "d", "UP", "LEFT", "x"),
               ("BLMOVE", "l", "d", "LEFT", "UP", "-1")])


def test_blocking_commands_inside_multi_do_not_block(pair):
    for proto in (2, 3):
        replies = pair.same([("MULTI",), ("BLPOP", "none", "0"), ("BRPOP", "none", "0"),
                             ("BLMOVE", "none", "d", "LEFT", "LEFT", "0"),
                             ("BRPOPLPUSH", "none", "d", "0"), ("BLMPOP", "0", "1", "none", "LEFT"),
                             ("RPUSH", "x", "1"), ("BLPOP", "x", "0"), ("EXEC",)], proto=proto)
        assert replies[-1][0] is None


# ---- Errors for every command -------------------------------------------------------

@pytest.mark.parametrize("cmd", LIST_COMMANDS_ON_KEY, ids=lambda c: c[0])
def test_wrong_type_against_a_string(pair, cmd):
    pair.check("SET", "s", "v")
    pair.same([cmd, ("GET", "s")])


ARITY = [("LPUSH", "k"), ("RPUSH",), ("LPUSHX", "k"), ("RPUSHX", "k"), ("LPOP",), ("RPOP",),
         ("LLEN",), ("LLEN", "a", "b"), ("LRANGE", "k", "0"), ("LRANGE", "k", "0", "1", "2"),
         ("LINDEX", "k"), ("LSET", "k", "0"), ("LINSERT", "k", "BEFORE", "a"), ("LREM", "k", "0"),
         ("LTRIM", "k", "0"), ("LPOS", "k"), ("LMOVE", "a", "b", "LEFT"), ("RPOPLPUSH", "a"),
         ("RPOPLPUSH", "a", "b", "c"), ("LMPOP", "1", "a"), ("BLPOP", "k"), ("BRPOP", "k"),
         ("BLMOVE", "a", "b", "LEFT", "LEFT"), ("BRPOPLPUSH", "a", "b"),
         ("BLMPOP", "0", "1", "a"), ("LPOP", "k", "1", "2"), ("RPOP", "k", "1", "2")]


@pytest.mark.parametrize("cmd", ARITY, ids=lambda c: "-".join(c))
def test_wrong_arity(pair, cmd):
    pair.check(*cmd)


# ---- Node layout (quicklist) and encodings ----------------------------------------

def ql_fields(reply):
    m = re.search(r" ql_nodes:.*$", reply)
    return m.group(0) if m else reply


def check_layout(pair, key):
    a, b = pair.both("DEBUG", "OBJECT", key)
    assert a[0] == b[0] == "+", (a, b)
    fa, fb = ql_fields(a[1].decode()), ql_fields(b[1].decode())
    assert fa == fb, "%s\n castor: %s\n  redis: %s" % (key, fa, fb)
    pair.check("OBJECT", "ENCODING", key)


@pytest.mark.parametrize("fill_opt", ["-1", "-2", "-3", "-4", "-5", "1", "2", "5", "128", "-6", "0"])
@pytest.mark.parametrize("depth", ["0", "1", "2"])
def test_node_layout_matches_redis(pair, fill_opt, depth):
    try:
        pair.same([("CONFIG", "SET", "list-max-listpack-size", fill_opt),
                   ("CONFIG", "SET", "list-compress-depth", depth),
                   ("CONFIG", "GET", "list-max-listpack-size")])
        rng = random.Random(int(fill_opt) * 10 + int(depth))
        vals = []
        for i in range(400):
            r = rng.random()
            vals.append(str(rng.randint(-100000, 100000)) if r < 0.3 else
                        "v" * rng.randint(0, 60) if r < 0.9 else "w" * rng.randint(100, 3000))
        pair.check("RPUSH", "r", *vals[:200])
        pair.check("LPUSH", "r", *vals[200:])
        check_layout(pair, "r")
        # Inserts in the middle split nodes; check the merge rules too.
        for i in range(60):
            pivot = vals[rng.randrange(len(vals))]
            pair.check("LINSERT", "r", rng.choice(["BEFORE", "AFTER"]), pivot, vals[i])
        check_layout(pair, "r")
        pair.same([("LTRIM", "r", "17", "-23"), ("LREM", "r", "3", vals[5]),
                   ("LSET", "r", "100", "x" * 500), ("LSET", "r", "-50", "1")])
        check_layout(pair, "r")
        pair.check("LRANGE", "r", "0", "-1")
        pair.check("DEBUG", "DIGEST-VALUE", "r")
    finally:
        pair.same([("CONFIG", "SET", "list-max-listpack-size", "-2"),
                   ("CONFIG", "SET", "list-compress-depth", "0")])


def test_list_keeps_the_options_it_was_created_with(pair):
    try:
        pair.same([("CONFIG", "SET", "list-max-listpack-size", "2"),
                   ("RPUSH", "l", "a", "b", "c", "d", "e"),
                   ("CONFIG", "SET", "list-max-listpack-size", "-2"),
                   ("RPUSH", "l", "f", "g")])
        check_layout(pair, "l")
        pair.check("COPY", "l", "l2")
        check_layout(pair, "l2")
    finally:
        pair.check("CONFIG", "SET", "list-max-listpack-size", "-2")


def test_encoding_is_always_quicklist(pair):
    pair.same([("RPUSH", "l", "a"), ("OBJECT", "ENCODING", "l"),
               ("RPUSH", "l", *["x" * 100] * 1000), ("OBJECT", "ENCODING", "l")])
    check_layout(pair, "l")


# ---- Keyspace interplay -----------------------------------------------------------

def test_copy_rename_type_and_digest(pair):
    fill(pair, "l", ["a", "1", "b", "2" * 50])
    pair.same([("COPY", "l", "c"), ("LPUSH", "c", "new"), ("LRANGE", "l", "0", "-1"),
               ("LRANGE", "c", "0", "-1"), ("RENAME", "c", "d"), ("TYPE", "d"),
               ("SCAN", "0", "TYPE", "list"), ("DEBUG", "DIGEST-VALUE", "l", "d"),
               ("DEBUG", "DIGEST")], unordered=True)


# ---- Randomized model test --------------------------------------------------------

def test_random_operations_against_redis(pair):
    """A seeded random sequence of every list command over a few keys,
    compared reply by reply, with DEBUG DIGEST along the way."""
    rng = random.Random(2024)
    keys = ["k1", "k2", "k3"]
    vals = ["a", "b", "c", "1", "2", "-3", "10000000000", "", "x" * 30, "y" * 200]
    try:
        pair.same([("CONFIG", "SET", "list-max-listpack-size", "4"),
                   ("CONFIG", "SET", "list-compress-depth", "1")])
        for step in range(900):
            k = rng.choice(keys)
            k2 = rng.choice(keys)
            v = rng.choice(vals)
            idx = str(rng.randint(-8, 8))
            side = rng.choice(["LEFT", "RIGHT"])
            op = rng.randrange(19)
            if op == 0:
                cmd = ("LPUSH", k, *rng.sample(vals, rng.randint(1, 4)))
            elif op == 1:
                cmd = ("RPUSH", k, *rng.sample(vals, rng.randint(1, 4)))
            elif op == 2:
                cmd = (rng.choice(["LPUSHX", "RPUSHX"]), k, v)
            elif op == 3:
                cmd = (rng.choice(["LPOP", "RPOP"]), k) + ((str(rng.randint(0, 4)),) if rng.random() < 0.5 else ())
            elif op == 4:
                cmd = ("LRANGE", k, idx, str(rng.randint(-8, 8)))
            elif op == 5:
                cmd = ("LINDEX", k, idx)
            elif op == 6:
                cmd = ("LSET", k, idx, v)
            elif op == 7:
                cmd = ("LINSERT", k, rng.choice(["BEFORE", "AFTER"]), rng.choice(vals), v)
            elif op == 8:
                cmd = ("LREM", k, str(rng.randint(-2, 2)), v)
            elif op == 9:
                cmd = ("LTRIM", k, idx, str(rng.randint(-8, 8)))
            elif op == 10:
                opts = []
                if rng.random() < 0.5:
                    opts += ["RANK", str(rng.choice([-2, -1, 1, 2, 3]))]
                if rng.random() < 0.5:
                    opts += ["COUNT", str(rng.randint(0, 3))]
                if rng.random() < 0.3:
                    opts += ["MAXLEN", str(rng.randint(0, 5))]
                cmd = ("LPOS", k, v, *opts)
            elif op == 11:
                cmd = ("LMOVE", k, k2, side, rng.choice(["LEFT", "RIGHT"]))
            elif op == 12:
                cmd = ("RPOPLPUSH", k, k2)
            elif op == 13:
                ks = rng.sample(keys, rng.randint(1, 3))
                cmd = ("LMPOP", str(len(ks)), *ks, side, "COUNT", str(rng.randint(1, 3)))
            elif op == 14:
                cmd = ("BLPOP", *rng.sample(keys, 2), "0.001")
            elif op == 15:
                cmd = ("BLMOVE", k, k2, side, side, "0.001")
            elif op == 16:
                cmd = ("LLEN", k)
            elif op == 17:
                cmd = ("BLMPOP", "0.001", "1", k, side)
            else:
                cmd = ("DEBUG", "DIGEST-VALUE", k)
            pair.check(*cmd)
            if step % 50 == 0:
                pair.check("DEBUG", "DIGEST")
        for k in keys:
            pair.check("LRANGE", k, "0", "-1")
        pair.check("DEBUG", "DIGEST")
    finally:
        pair.same([("CONFIG", "SET", "list-max-listpack-size", "-2"),
                   ("CONFIG", "SET", "list-compress-depth", "0")])


# ---- Plain nodes (elements above the packed threshold) ----------------------------

@pytest.mark.parametrize("depth", ["0", "1"])
def test_plain_nodes_for_large_elements(pair, depth):
    """DEBUG QUICKLIST-PACKED-THRESHOLD lowers the size from which an element
    gets a plain node of its own (1 GB by default)."""
    rng = random.Random(7 + int(depth))
    try:
        pair.same([("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100"),
                   ("CONFIG", "SET", "list-compress-depth", depth),
                   ("CONFIG", "SET", "list-max-listpack-size", "4")])
        big = ["P%d" % i + "p" * rng.randint(100, 300) for i in range(20)]
        small = ["s%d" % i for i in range(30)]
        pair.check("RPUSH", "l", *[rng.choice(big + small) for _ in range(40)])
        check_layout(pair, "l")
        for i in range(80):
            op = rng.randrange(7)
            v = rng.choice(big + small)
            idx = str(rng.randint(-45, 45))
            cmd = [("LSET", "l", idx, v), ("LINSERT", "l", rng.choice(["BEFORE", "AFTER"]),
                                            rng.choice(big + small), v),
                   ("LREM", "l", str(rng.randint(-1, 1)), v), ("LPUSH", "l", v), ("RPUSH", "l", v),
                   ("LMOVE", "l", "l", "LEFT", "RIGHT"), ("RPOPLPUSH", "l", "l")][op]
            pair.check(*cmd)
            if i % 10 == 0:
                check_layout(pair, "l")
                pair.check("LRANGE", "l", "0", "-1")
        check_layout(pair, "l")
        pair.same([("LRANGE", "l", "0", "-1"), ("LPOS", "l", big[0], "COUNT", "0"),
                   ("LTRIM", "l", "3", "-3"), ("LRANGE", "l", "0", "-1"), ("LPOP", "l", "3"),
                   ("RPOP", "l", "3"), ("DEBUG", "DIGEST-VALUE", "l")])
        check_layout(pair, "l")
    finally:
        pair.same([("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"),
                   ("CONFIG", "SET", "list-compress-depth", "0"),
                   ("CONFIG", "SET", "list-max-listpack-size", "-2")])


# ---- Keyspace notifications -------------------------------------------------------

def test_list_keyspace_notifications(pair):
    """Same events, same order: pushes, pops, the del of an emptied list,
    LMOVE's pop and push, and a blocked BLMOVE served by a push."""
    cmds = [("RPUSH", "l", "a", "b", "c"), ("LPUSH", "l", "z"), ("LPUSHX", "l", "y"),
            ("RPUSHX", "none", "y"), ("LPOP", "l"), ("RPOP", "l", "2"),
            ("LINSERT", "l", "BEFORE", "a", "x"), ("LINSERT", "l", "BEFORE", "nope", "x"),
            ("LSET", "l", "0", "q"), ("LREM", "l", "0", "nope"), ("LREM", "l", "1", "q"),
            ("LTRIM", "l", "0", "-1"), ("LMOVE", "l", "m", "LEFT", "RIGHT"),
            ("RPOPLPUSH", "l", "m"), ("LMPOP", "1", "m", "LEFT", "COUNT", "5"), ("RPUSH", "w", "1"),
            ("BLPOP", "w", "0"), ("LTRIM", "none", "0", "1")]

    def served_while_blocked():
        """A client served while blocked: BLMOVE from "src" into "dst"."""
        waiters = pair.conns()
        try:
            for w in waiters:
                w.send("BLMOVE", "src", "dst", "RIGHT", "LEFT", "0")
            time.sleep(0.1)
            pair.check("RPUSH", "src", "1", "2")
            same_read(waiters, "BLMOVE")
        finally:
            for w in waiters:
                w.close()

    pair.same_notifications(cmds, during=served_while_blocked)
