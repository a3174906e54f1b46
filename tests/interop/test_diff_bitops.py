"""Differential tests of the bit commands and LCS (src/bitops.c) against
redis-server 7.0, beyond test_diff_bits.py: long strings that take the
word-at-a-time paths, INT/EMBSTR values, TTLs, encodings, proto-max-bulk-len
limits, Redis's BITFIELD overflow quirks, RESP3 shapes and LCS in all its
forms."""

import random

import pytest

from pair import same_call

BIG_LIMIT = "536870912"   # the default proto-max-bulk-len, restored after tests that lower it


def rand_bytes(rng, n, density=None):
    """n random bytes; with density, each bit is 1 with that probability."""
    if density is None:
        return bytes(rng.getrandbits(8) for _ in range(n))
    out = bytearray()
    for _ in range(n):
        b = 0
        for bit in range(8):
            if rng.random() < density:
                b |= 1 << bit
        out.append(b)
    return bytes(out)


# ---- SETBIT / GETBIT


def test_setbit_on_int_and_embstr_values_turns_them_raw(pair):
    pair.same([("SET", "n", "12345"), ("OBJECT", "ENCODING", "n"), ("GETBIT", "n", "2"),
               ("GETBIT", "n", "39"), ("GETBIT", "n", "40"), ("SETBIT", "n", "2", "1"),
               ("OBJECT", "ENCODING", "n"), ("GET", "n"),
               ("SET", "e", "hello"), ("SETBIT", "e", "1", "1"), ("OBJECT", "ENCODING", "e"),
               ("GET", "e"), ("SETBIT", "e", "79", "1"), ("STRLEN", "e"), ("GET", "e")])


def test_setbit_noop_still_makes_value_raw(pair):
    """Redis unshares the value before looking at the bit."""
    pair.same([("SET", "n", "7"), ("SETBIT", "n", "0", "0"), ("OBJECT", "ENCODING", "n"),
               ("GET", "n"), ("SET", "s", "abc"), ("SETBIT", "s", "1", "1"),
               ("OBJECT", "ENCODING", "s"), ("GET", "s")])


def test_setbit_and_bitfield_keep_the_ttl(pair):
    pair.same([("SET", "k", "12", "EX", "1000"), ("SETBIT", "k", "3", "1"), ("TTL", "k"),
               ("GET", "k"), ("SET", "k2", "hello world", "EX", "1000"),
               ("BITFIELD", "k2", "SET", "u8", "#20", "7"), ("TTL", "k2"), ("STRLEN", "k2"),
               ("SET", "abc", "x", "PX", "900000"), ("SETBIT", "abc", "900", "1"),
               ("TTL", "abc"), ("STRLEN", "abc")])


def test_setbit_on_empty_string_and_growth(pair):
    pair.same([("SET", "e", ""), ("GETBIT", "e", "0"), ("SETBIT", "e", "0", "0"), ("GET", "e"),
               ("SETBIT", "e", "17", "1"), ("GET", "e"), ("BITCOUNT", "e"),
               ("SETBIT", "new", "1000", "0"), ("STRLEN", "new"), ("BITCOUNT", "new"),
               ("OBJECT", "ENCODING", "new")])


def test_setbit_argument_forms(pair):
    for off in ("+1", " 1", "1 ", "01", "-0", "0x1", "1.0", "", "9223372036854775807",
                "9223372036854775808", "4294967296"):
        pair.check("SETBIT", "k", off, "1")
        pair.check("GETBIT", "k", off)
    pair.check("GETBIT", "k", "4294967295")   # the last valid bit (SETBIT there allocates 512mb)
    for val in ("+1", "01", "1.0", "", " 1", "9223372036854775807", "3", "-2"):
        pair.check("SETBIT", "k", "5", val)
    pair.check("GET", "k")


def test_bit_offset_limit_follows_proto_max_bulk_len(pair):
    try:
        pair.same([("CONFIG", "SET", "proto-max-bulk-len", "1048576"),
                   ("SETBIT", "k", "8388608", "1"), ("EXISTS", "k"),
                   ("GETBIT", "k", "8388608"), ("BITFIELD", "k", "SET", "u8", "8388608", "1"),
                   ("BITFIELD", "k", "GET", "u8", "#1048576"),
                   ("BITFIELD", "k", "GET", "u8", "#1048575"),
                   ("SETBIT", "k", "8388607", "1"), ("STRLEN", "k"), ("BITCOUNT", "k"),
                   ("BITFIELD", "k", "SET", "u8", "8388607", "255"), ("STRLEN", "k")])
    finally:
        pair.check("CONFIG", "SET", "proto-max-bulk-len", BIG_LIMIT)


# ---- BITCOUNT / BITPOS


def test_bitcount_missing_key_and_argument_quirks(pair):
    """Redis 7.0 looks the key up first: a missing key answers 0 even with bad
    arguments; an existing key checks them."""
    pair.same([("BITCOUNT", "missing", "0"), ("BITCOUNT", "missing", "x", "y"),
               ("BITCOUNT", "missing", "0", "1", "FOO"),
               ("BITCOUNT", "missing", "0", "1", "BIT", "x"), ("SET", "k", "foobar"),
               ("BITCOUNT", "k", "0"), ("BITCOUNT", "k", "0", "1", "BIT", "x"),
               ("BITCOUNT", "k", "-1", "-3", "FOO"), ("BITCOUNT", "k", "-3", "-1", "FOO"),
               ("BITCOUNT", "k", "0", "x", "BIT"), ("BITCOUNT", "k", "1", "0", "BYTE"),
               ("BITCOUNT", "k", "9223372036854775807", "-9223372036854775808", "BIT"),
               ("BITCOUNT", "k", "-9223372036854775808", "9223372036854775807", "BIT"),
               ("SET", "n", "-1234567"), ("BITCOUNT", "n"), ("BITCOUNT", "n", "1", "3"),
               ("BITCOUNT", "n", "5", "30", "BIT")])


@pytest.mark.parametrize("size", [1, 7, 8, 9, 31, 32, 33, 100, 1000])
def test_bitcount_ranges_on_random_strings(pair, size):
    rng = random.Random(size)
    pair.check("SET", "k", rand_bytes(rng, size))
    cmds = [("BITCOUNT", "k")]
    bits = size * 8
    for _ in range(60):
        unit = rng.choice(["BYTE", "BIT", "byte", "bit", None])
        span = bits if unit in ("BIT", "bit") else size
        a, b = rng.randint(-span - 3, span + 3), rng.randint(-span - 3, span + 3)
        cmds.append(("BITCOUNT", "k", str(a), str(b)) + ((unit,) if unit else ()))
    pair.same(cmds)


def test_bitpos_missing_key_and_argument_quirks(pair):
    pair.same([("BITPOS", "missing", "0", "5", "1", "BIT"), ("BITPOS", "missing", "1", "x"),
               ("BITPOS", "missing", "0", "1", "2", "FOO"), ("BITPOS", "missing", "2"),
               ("BITPOS", "missing", "-1"), ("BITPOS", "missing", "01"),
               ("SET", "k", b"\xff\x00"), ("BITPOS", "k", "1", "0", "x", "FOO"),
               ("BITPOS", "k", "1", "0", "1", "BIT", "extra"), ("BITPOS", "k", "0", "x"),
               ("BITPOS", "k", "0", "0", "x"), ("BITPOS", "k", "0", "1", "0"),
               ("BITPOS", "k", "0", "-9223372036854775808"),
               ("BITPOS", "k", "0", "9223372036854775807"),
               ("BITPOS", "k", "1", "-9223372036854775808", "9223372036854775807", "BIT"),
               ("SET", "n", "999"), ("BITPOS", "n", "0"), ("BITPOS", "n", "1", "1"),
               ("BITPOS", "n", "0", "9", "20", "BIT")])


@pytest.mark.parametrize("value", [b"\xff" * 40, b"\x00" * 40, b"\xff" * 17 + b"\xfe" + b"\xff" * 3,
                                   b"\x00" * 21 + b"\x01" + b"\x00" * 9, b"\x0f\xf0" * 9, b"\x80",
                                   b"\x7f", b"\xff\xff\xff\xff\xff\xff\xff\xff\x00"])
def test_bitpos_exhaustive_small_ranges(pair, value):
    """Every start/end pair around the string in both units, both bits."""
    pair.check("SET", "k", value)
    cmds = [("BITPOS", "k", "0"), ("BITPOS", "k", "1")]
    nbytes, nbits = len(value), len(value) * 8
    for bit in ("0", "1"):
        for s in range(-nbytes - 1, nbytes + 2, max(1, nbytes // 6)):
            cmds.append(("BITPOS", "k", bit, str(s)))
            for e in range(-nbytes - 1, nbytes + 2, max(1, nbytes // 6)):
                cmds.append(("BITPOS", "k", bit, str(s), str(e)))
        for s in range(-nbits - 2, nbits + 3, max(1, nbits // 12)):
            for e in range(-nbits - 2, nbits + 3, max(1, nbits // 12)):
                cmds.append(("BITPOS", "k", bit, str(s), str(e), "BIT"))
    pair.same(cmds)


def test_bitpos_random_long_strings(pair):
    rng = random.Random(7)
    for density in (0.0005, 0.5, 0.9995):
        value = rand_bytes(rng, rng.randint(50, 600), density)
        pair.check("SET", "k", value)
        n = len(value)
        cmds = [("BITPOS", "k", "0"), ("BITPOS", "k", "1")]
        for _ in range(80):
            bit = rng.choice("01")
            if rng.random() < 0.5:
                cmds.append(("BITPOS", "k", bit, str(rng.randint(-n, n)), str(rng.randint(-n, n))))
            else:
                cmds.append(("BITPOS", "k", bit, str(rng.randint(-8 * n, 8 * n)),
                             str(rng.randint(-8 * n, 8 * n)), "BIT"))
        pair.same(cmds)


# ---- BITOP


def test_bitop_long_strings_of_different_lengths(pair):
    rng = random.Random(11)
    keys = []
    for i, n in enumerate((0, 5, 64, 65, 200, 333)):
        k = "s%d" % i
        keys.append(k)
        pair.check("SET", k, rand_bytes(rng, n))
    for op in ("AND", "OR", "XOR"):
        for _ in range(12):
            srcs = rng.sample(keys, rng.randint(1, len(keys)))
            pair.same([("BITOP", op, "d", *srcs), ("GET", "d"), ("OBJECT", "ENCODING", "d")])
    for k in keys:
        pair.same([("BITOP", "NOT", "d", k), ("GET", "d"), ("EXISTS", "d")])


def test_bitop_int_sources_and_result_encoding(pair):
    pair.same([("SET", "n", "123"), ("SET", "m", "-98765"), ("BITOP", "AND", "d", "n", "m"),
               ("GET", "d"), ("OBJECT", "ENCODING", "d"), ("BITOP", "XOR", "d", "n", "n"),
               ("GET", "d"), ("BITOP", "NOT", "n", "n"), ("GET", "n"),
               ("BITOP", "OR", "d", "d", "m", "missing"), ("GET", "d")])


def test_bitop_destination_rules(pair):
    pair.same([("SET", "e", ""), ("SET", "d", "old", "EX", "500"),
               ("BITOP", "OR", "d", "e"), ("EXISTS", "d"),
               ("SET", "d", "old", "EX", "500"), ("BITOP", "AND", "d", "e", "missing"),
               ("EXISTS", "d"), ("SET", "a", "abc"), ("SET", "d", "old", "EX", "500"),
               ("BITOP", "XOR", "d", "a"), ("TTL", "d"), ("GET", "d"),
               ("BITOP", "not", "a", "a"), ("GET", "a"), ("BITOP", "NOT", "d"),
               ("BITOP", "NOT", "d", "a", "a"), ("BITOP", "ANDX", "d", "a")])


# ---- BITFIELD


BITFIELD_TYPES = ["i", "u", "i0", "u0", "i1", "u1", "i64", "u63", "u64", "i65", "I8", "U8",
                  "i08", "i+8", "i-8", "i 8", "i8 ", "ii8", "8", "", "#8", "u9223372036854775807",
                  "i18446744073709551616"]


@pytest.mark.parametrize("t", BITFIELD_TYPES)
def test_bitfield_type_parsing(pair, t):
    pair.same([("SET", "k", b"\x81\x42\xff\x00\x10\x99\x01\x02\x03\x04"),
               ("BITFIELD", "k", "GET", t, "3"), ("BITFIELD", "k", "SET", t, "#1", "-5"),
               ("BITFIELD", "k", "INCRBY", t, "2", "100"), ("GET", "k")])


BITFIELD_OFFSETS = ["#0", "#", "##1", "# 1", "#+1", "#01", "#-0", "#-1",
                    "#9223372036854775807", "#288230376151711744", "#144115188075855872",
                    "#67108863", "#67108864", "4294967295", "4294967296"]


@pytest.mark.parametrize("off", BITFIELD_OFFSETS)
@pytest.mark.parametrize("t", ["u8", "i64", "u1"])
def test_bitfield_hash_offsets(pair, off, t):
    """'#N' is N*width and wraps like Redis's 64-bit multiply."""
    pair.same([("SET", "k", b"\xaa\xbb\xcc"), ("BITFIELD", "k", "GET", t, off),
               ("BITFIELD_RO", "k", "GET", t, off)])
    width = int(t[1:])
    try:
        bit = int(off[1:]) * width if off.startswith("#") else int(off)
        bit = (bit + 2 ** 63) % 2 ** 64 - 2 ** 63
    except ValueError:
        bit = -1
    if bit < 8 * 1024 * 1024:   # valid writes further out would allocate up to 512mb
        pair.same([("BITFIELD", "k", "SET", t, off, "1"), ("STRLEN", "k"), ("GET", "k")])


SIGNED_EDGE_VALUES = ["-9223372036854775808", "9223372036854775807", "-129", "-128", "127",
                      "128", "255", "256", "-1", "0", "4611686018427387904",
                      "-4611686018427387905"]


@pytest.mark.parametrize("ow", ["WRAP", "SAT", "FAIL"])
@pytest.mark.parametrize("t", ["i8", "u8", "i1", "u1", "i63", "u63", "i64", "i33"])
def test_bitfield_set_and_incrby_overflow_matrix(pair, ow, t):
    cmds = [("SET", "k", b"\x00" * 9)]
    for v in SIGNED_EDGE_VALUES:
        cmds.append(("BITFIELD", "k", "OVERFLOW", ow, "SET", t, "3", v))
        cmds.append(("BITFIELD", "k", "OVERFLOW", ow, "INCRBY", t, "3", v))
        cmds.append(("BITFIELD", "k", "OVERFLOW", ow, "INCRBY", t, "3", v, "GET", t, "3"))
        cmds.append(("GET", "k"))
    pair.same(cmds)


def test_bitfield_fail_on_new_key_and_resp3_null(pair):
    pair.same([("BITFIELD", "new", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"),
               ("EXISTS", "new"), ("GET", "new"),
               ("BITFIELD", "new", "OVERFLOW", "FAIL", "SET", "i4", "#3", "100"), ("GET", "new")])
    pair.check3("BITFIELD", "k3", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300",
                "GET", "u8", "0", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "300")
    pair.check3("BITFIELD", "k3", "GET", "i64", "0")
    pair.check3("BITFIELD_RO", "missing", "GET", "u1", "0")
    pair.check3("BITFIELD", "missing")


def test_bitfield_reads_int_and_short_values(pair):
    pair.same([("SET", "n", "-42"), ("BITFIELD", "n", "GET", "i16", "0", "GET", "u63", "3",
                                      "GET", "i64", "#0", "GET", "u8", "#2", "GET", "u8", "#3"),
               ("OBJECT", "ENCODING", "n"), ("BITFIELD_RO", "n", "GET", "i24", "4"),
               ("BITFIELD", "n", "GET", "u8", "0", "INCRBY", "u8", "0", "0"),
               ("OBJECT", "ENCODING", "n"), ("GET", "n")])


def test_bitfield_errors_leave_key_untouched(pair):
    pair.same([("SET", "k", "abc"),
               ("BITFIELD", "k", "SET", "u8", "0", "1", "SET", "u8", "8", "x"),
               ("BITFIELD", "k", "SET", "u8", "0", "1", "GET", "u64", "0"),
               ("BITFIELD", "k", "SET", "u8", "0", "1", "OVERFLOW", "NOPE"),
               ("BITFIELD", "k", "SET", "u8", "0", "1", "GET", "u8"),
               ("BITFIELD", "k", "SET", "u8", "0", "1", "GET", "u8", "-1"),
               ("BITFIELD_RO", "k", "GET", "u8", "0", "SET", "u8", "0", "1"),
               ("BITFIELD_RO", "k", "GET", "u8", "0", "FOO"), ("GET", "k"),
               ("BITFIELD", "k", "OVERFLOW", "WRAP", "OVERFLOW", "SAT"),
               ("BITFIELD", "k", "overflow", "fail", "incrby", "u2", "0", "9", "get", "u2", "0"),
               ("GET", "k")])


def test_bitfield_randomized_long_sequences(pair):
    rng = random.Random(99)
    types = ["i1", "u1", "i7", "u7", "i8", "u8", "i13", "u31", "i32", "i63", "u63", "i64"]
    cmds = [("SET", "k", rand_bytes(rng, 12))]
    for _ in range(300):
        sub = []
        for _ in range(rng.randint(1, 5)):
            t = rng.choice(types)
            off = str(rng.randint(0, 130))
            if rng.random() < 0.3:
                off = "#" + str(rng.randint(0, 12))
            kind = rng.randrange(5)
            if kind == 0:
                sub += ["GET", t, off]
            elif kind == 1:
                sub += ["SET", t, off, str(rng.randint(-2 ** 63, 2 ** 63 - 1))]
            elif kind == 2:
                sub += ["INCRBY", t, off, str(rng.randint(-2 ** 63, 2 ** 63 - 1))]
            elif kind == 3:
                sub += ["INCRBY", t, off, str(rng.randint(-300, 300))]
            else:
                sub += ["OVERFLOW", rng.choice(["WRAP", "SAT", "FAIL"])]
        cmds.append(("BITFIELD", "k", *sub))
        if rng.random() < 0.2:
            cmds.append(("GET", "k"))
    cmds.append(("GET", "k"))
    pair.same(cmds)


# ---- LCS


def test_lcs_basic_forms(pair):
    pair.same([("SET", "a", "ohmytext"), ("SET", "b", "mynewtext"), ("LCS", "a", "b"),
               ("LCS", "a", "b", "LEN"), ("LCS", "a", "b", "IDX"),
               ("LCS", "a", "b", "IDX", "WITHMATCHLEN"),
               ("LCS", "a", "b", "IDX", "MINMATCHLEN", "4"),
               ("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"),
               ("LCS", "a", "b", "idx", "minmatchlen", "-7", "withmatchlen"),
               ("LCS", "a", "b", "IDX", "MINMATCHLEN", "100"),
               ("LCS", "a", "b", "WITHMATCHLEN"), ("LCS", "a", "b", "MINMATCHLEN", "2"),
               ("LCS", "a", "b", "LEN", "WITHMATCHLEN", "MINMATCHLEN", "3"),
               ("LCS", "a", "b", "IDX", "IDX", "MINMATCHLEN", "1", "MINMATCHLEN", "5"),
               ("LCS", "b", "a", "IDX", "WITHMATCHLEN"), ("LCS", "a", "a", "IDX"),
               ("LCS", "a", "a")])


def test_lcs_errors(pair):
    pair.same([("SET", "a", "abc"), ("LCS", "a", "b", "LEN", "IDX"),
               ("LCS", "a", "b", "IDX", "LEN"), ("LCS", "a", "b", "MINMATCHLEN"),
               ("LCS", "a", "b", "MINMATCHLEN", "x"), ("LCS", "a", "b", "MINMATCHLEN", "1.5"),
               ("LCS", "a", "b", "FOO"), ("LCS", "a", "b", "LEN", "FOO", "IDX"),
               ("LCS", "a", "b", "MINMATCHLEN", "x", "LEN", "IDX"), ("LCS", "a"), ("LCS",)])


def test_lcs_missing_empty_and_int_values(pair):
    pair.same([("LCS", "x", "y"), ("LCS", "x", "y", "LEN"), ("LCS", "x", "y", "IDX"),
               ("SET", "e", ""), ("SET", "n", "1234567"), ("SET", "m", "9234567"),
               ("LCS", "n", "m"), ("LCS", "n", "m", "IDX", "WITHMATCHLEN"),
               ("LCS", "e", "n"), ("LCS", "n", "missing", "IDX"), ("LCS", "n", "n", "LEN")])


def test_lcs_resp3_shapes(pair):
    pair.same([("SET", "a", "ohmytext"), ("SET", "b", "mynewtext")])
    for args in (("IDX",), ("IDX", "WITHMATCHLEN"), ("IDX", "MINMATCHLEN", "9"), ("LEN",), ()):
        pair.check3("LCS", "a", "b", *args)
        pair.check3("LCS", "missing", "b", *args)


def test_lcs_binary_and_random_strings(pair):
    rng = random.Random(5)
    pair.same([("SET", "a", b"\x00\xff\x00a\r\nb\x00"), ("SET", "b", b"\xff\x00\r\n\x00\x00"),
               ("LCS", "a", "b"), ("LCS", "a", "b", "IDX", "WITHMATCHLEN")])
    for _ in range(25):
        alphabet = rng.choice([b"ab", b"acgt", b"abcdefghij"])
        a = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        b = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        mm = str(rng.randint(0, 4))
        pair.same([("SET", "a", a), ("SET", "b", b), ("LCS", "a", "b"), ("LCS", "a", "b", "LEN"),
                   ("LCS", "a", "b", "IDX", "MINMATCHLEN", mm, "WITHMATCHLEN")])
        pair.check3("LCS", "a", "b", "IDX", "WITHMATCHLEN")


def test_lcs_table_limit_follows_proto_max_bulk_len(pair):
    try:
        pair.same([("CONFIG", "SET", "proto-max-bulk-len", "1048576"),
                   ("SET", "a", "a" * 511), ("SET", "b", "b" * 511), ("LCS", "a", "b", "LEN"),
                   ("SET", "b", "b" * 512), ("LCS", "a", "b", "LEN"), ("LCS", "a", "b"),
                   ("SET", "a", "x" * 600), ("LCS", "a", "b", "IDX")])
    finally:
        pair.check("CONFIG", "SET", "proto-max-bulk-len", BIG_LIMIT)


# ---- Wrong types (need a non-string type; skipped until lists land)


def test_wrongtype_for_every_bit_command_and_lcs(pair):
    pair.same([("SET", "s", "abc"), ("RPUSH", "l", "x"),
               ("SETBIT", "l", "0", "1"), ("SETBIT", "l", "-1", "1"), ("GETBIT", "l", "0"),
               ("GETBIT", "l", "x"), ("BITCOUNT", "l"), ("BITCOUNT", "l", "0"),
               ("BITPOS", "l", "1"), ("BITPOS", "l", "2"), ("BITPOS", "l", "1", "0", "1", "FOO"),
               ("BITOP", "AND", "d", "s", "l"), ("BITOP", "NOT", "d", "l"),
               ("BITOP", "OR", "l", "s"), ("TYPE", "l"), ("BITFIELD", "l", "GET", "u8", "0"),
               ("BITFIELD", "l", "GET", "u64", "0"),
               ("BITFIELD_RO", "l", "SET", "u8", "0", "1"), ("LCS", "l", "s"), ("LCS", "s", "l"),
               ("LCS", "l", "s", "LEN", "IDX"), ("LCS", "l", "s", "FOO")])


# ---- BITFIELD's notifications and watchers (found by test_diff_random.py)


def test_bitfield_refused_writes_on_a_new_key_notify_nothing(pair):
    # OVERFLOW FAIL refusing every write still creates the key zeroed, but
    # Redis 7.0 counts no change: no "setbit" event. A write of the same
    # bits into a string it grew (or a new key) does count; one into bytes
    # already there does not.
    pair.same_notifications([("SET", "k", "a"),
                             ("BITFIELD", "b0", "OVERFLOW", "FAIL", "INCRBY", "u8", "90", "-94"),
                             ("EXISTS", "b0"), ("STRLEN", "b0"),
                             ("BITFIELD", "b0", "OVERFLOW", "FAIL", "INCRBY", "u8", "200", "-1"),
                             ("STRLEN", "b0"), ("BITFIELD", "k", "SET", "u8", "0", "97"),
                             ("BITFIELD", "n", "SET", "u8", "0", "0"),
                             ("BITFIELD", "k", "SET", "u8", "16", "0"),
                             ("BITFIELD", "k", "INCRBY", "u8", "0", "0"),
                             ("BITFIELD", "k", "SET", "u8", "0", "98")])


def test_bitfield_refused_writes_leave_watchers_alone(pair):
    cs = pair.conns()
    try:
        for args in (("WATCH", "b0"),
                     ("BITFIELD", "b0", "OVERFLOW", "FAIL", "INCRBY", "u8", "90", "-94"),
                     ("MULTI",), ("PING",), ("EXEC",)):
            same_call(cs, *args)
    finally:
        for c in cs:
            c.close()
