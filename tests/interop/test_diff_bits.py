"""Differential tests of SETBIT/GETBIT/BITCOUNT/BITPOS/BITOP/BITFIELD."""

import random

import pytest


def test_setbit_getbit_and_errors(pair):
    pair.same([("SETBIT", "k", "7", "1"), ("GET", "k"), ("SETBIT", "k", "7", "0"),
               ("SETBIT", "k", "100", "1"), ("STRLEN", "k"), ("GETBIT", "k", "100"),
               ("GETBIT", "k", "101"), ("GETBIT", "k", "100000"), ("GETBIT", "missing", "3"),
               ("SETBIT", "k", "-1", "1"), ("GETBIT", "k", "4294967295"),
               ("SETBIT", "k", "4294967296", "1"), ("SETBIT", "k", "x", "1"),
               ("SETBIT", "k", "1", "2"), ("SETBIT", "k", "1", "-1"), ("SETBIT", "k", "1", "x"),
               ("GETBIT", "k", "-1"), ("GETBIT", "k", "4294967296"), ("GETBIT", "k", "x"),
               ("SETBIT", "k", "1"), ("GETBIT", "k"), ("SETBIT", "n", "0", "0"), ("GET", "n")])


BITCOUNT_ARGS = [(), ("0", "-1"), ("1", "1"), ("-2", "-1"), ("5", "2"), ("0", "100"),
                 ("-100", "-50"), ("0", "-1", "BYTE"), ("0", "-1", "BIT"), ("5", "30", "BIT"),
                 ("-5", "-1", "BIT"), ("0", "0", "bit"), ("0",), ("0", "1", "FOO"),
                 ("0", "1", "BIT", "x"), ("x", "1"), ("1", "y"), ("-9223372036854775808", "-1"),
                 ("0", "9223372036854775807", "BIT")]


@pytest.mark.parametrize("args", BITCOUNT_ARGS, ids=lambda a: "-".join(a) or "none")
def test_bitcount(pair, args):
    pair.same([("SET", "k", b"foobar\xff\x00\x81"), ("BITCOUNT", "k", *args),
               ("BITCOUNT", "missing", *args), ("SET", "e", ""), ("BITCOUNT", "e", *args)])


BITPOS_ARGS = [("1",), ("0",), ("1", "2"), ("0", "2"), ("1", "2", "-1"), ("0", "2", "-1"),
               ("1", "-2", "-1"), ("0", "0", "-1", "BYTE"), ("1", "7", "15", "BIT"),
               ("0", "7", "15", "BIT"), ("1", "-10", "-1", "BIT"), ("1", "100"), ("1", "5", "2"),
               ("2",), ("x",), ("1", "x"), ("1", "0", "x"), ("1", "0", "1", "FOO"),
               ("1", "0", "-1", "bit"), ("0", "0", "-1", "BIT")]


@pytest.mark.parametrize("args", BITPOS_ARGS, ids=lambda a: "-".join(a))
def test_bitpos(pair, args):
    for value in (b"\xff\xf0\x00", b"\x00\x00\x00", b"\xff\xff\xff", b"\x00\x0f\x80", b""):
        pair.same([("SET", "k", value), ("BITPOS", "k", *args)])
    pair.check("BITPOS", "missing", *args)


def test_bitop(pair):
    pair.same([("SET", "a", b"\xff\x0f\xf0"), ("SET", "b", b"\x0f\xff"), ("SET", "c", b"\x01")])
    for op in ("AND", "OR", "XOR", "and", "Or"):
        pair.same([("BITOP", op, "d", "a", "b", "c"), ("GET", "d"),
                   ("BITOP", op, "d", "a"), ("GET", "d"), ("BITOP", op, "d", "a", "missing"),
                   ("GET", "d"), ("BITOP", op, "d", "missing", "missing2"), ("EXISTS", "d")])
    pair.same([("BITOP", "NOT", "d", "a"), ("GET", "d"), ("BITOP", "NOT", "d", "a", "b"),
               ("BITOP", "NOT", "d", "missing"), ("EXISTS", "d"), ("BITOP", "NAND", "d", "a"),
               ("BITOP", "AND", "d"), ("BITOP", "AND"), ("RPUSH", "l", "x"),
               ("BITOP", "AND", "d", "a", "l"), ("BITOP", "OR", "a", "a", "b"), ("GET", "a"),
               ("SET", "t", "x", "EX", "100"), ("BITOP", "AND", "t", "a"), ("TTL", "t")])


BITFIELD_CASES = [
    ("GET", "u8", "0"), ("GET", "i8", "0"), ("GET", "u1", "3"), ("GET", "i64", "0"),
    ("GET", "u63", "1"), ("GET", "u64", "0"), ("GET", "i65", "0"), ("GET", "u0", "0"),
    ("GET", "x8", "0"), ("GET", "u8", "#1"), ("GET", "u8", "#-1"), ("GET", "u8", "-1"),
    ("GET", "u8", "#"), ("GET", "u8", "4294967288"), ("GET", "u8", "4294967289"),
    ("GET", "u8", "#536870911"), ("GET", "u8", "#536870912"),
    ("SET", "u8", "0", "255"), ("SET", "u8", "0", "256"), ("SET", "i8", "0", "-129"),
    ("SET", "i8", "0", "127"), ("SET", "u16", "#1", "65535"), ("SET", "u8", "0", "x"),
    ("INCRBY", "u8", "0", "300"), ("INCRBY", "i8", "0", "-300"), ("INCRBY", "u2", "100", "1"),
    ("INCRBY", "i64", "0", "9223372036854775807"), ("INCRBY", "u8", "0", "x"),
    ("OVERFLOW", "SAT", "INCRBY", "u8", "0", "300"), ("OVERFLOW", "SAT", "INCRBY", "i8", "0", "-300"),
    ("OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"), ("OVERFLOW", "FAIL", "SET", "i8", "0", "200"),
    ("OVERFLOW", "SAT", "SET", "i8", "0", "200"), ("OVERFLOW", "WRAP", "SET", "u8", "0", "-1"),
    ("OVERFLOW", "FAIL", "INCRBY", "i8", "0", "1", "OVERFLOW", "WRAP", "INCRBY", "i8", "0", "1000"),
    ("OVERFLOW", "BOGUS"), ("OVERFLOW",), ("OVERFLOW", "sat", "incrby", "u8", "0", "999"),
    ("GET", "u8", "0", "SET", "u8", "0", "1", "GET", "u8", "0", "INCRBY", "u8", "0", "5"),
    ("GET", "u8"), ("SET", "u8", "0"), ("INCRBY", "u8", "0"), ("FOO", "u8", "0"), (),
    ("get", "i16", "#2", "set", "i16", "#2", "-1000", "incrby", "i16", "#2", "-40000"),
    ("SET", "i64", "0", "-9223372036854775808"), ("SET", "u63", "0", "9223372036854775807"),
    ("OVERFLOW", "SAT", "INCRBY", "i64", "0", "-9223372036854775808"),
    ("OVERFLOW", "SAT", "INCRBY", "u63", "0", "9223372036854775807"),
]


@pytest.mark.parametrize("ops", BITFIELD_CASES, ids=lambda o: "-".join(o)[:40] or "none")
def test_bitfield(pair, ops):
    pair.same([("SET", "k", b"\x81\x42\xff\x00\x10"), ("BITFIELD", "k", *ops), ("GET", "k"),
               ("BITFIELD", "new", *ops), ("GET", "new")])


def test_bitfield_ro_and_wrongtype(pair):
    pair.same([("SET", "k", b"\x81\x42"), ("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i4", "#1"),
               ("BITFIELD_RO", "k", "SET", "u8", "0", "1"), ("BITFIELD_RO", "k", "INCRBY", "u8", "0", "1"),
               ("BITFIELD_RO", "k", "OVERFLOW", "SAT"), ("BITFIELD_RO", "k"), ("BITFIELD_RO", "missing", "GET", "u8", "0"),
               ("BITFIELD_RO",), ("BITFIELD",), ("RPUSH", "l", "x"), ("BITFIELD", "l", "GET", "u8", "0"),
               ("BITFIELD_RO", "l", "GET", "u8", "0"), ("BITFIELD", "l"), ("GET", "k")])


def test_bit_commands_randomized(pair):
    """Seeded random mixes of every bit command on a few keys."""
    rng = random.Random(2024)
    cmds = []
    types = ["u1", "u3", "u8", "i5", "i8", "u16", "i32", "i64", "u63"]
    for _ in range(600):
        k = rng.choice(["a", "b"])
        op = rng.randrange(7)
        if op == 0:
            cmds.append(("SETBIT", k, str(rng.randint(0, 200)), str(rng.randint(0, 1))))
        elif op == 1:
            cmds.append(("GETBIT", k, str(rng.randint(0, 220))))
        elif op == 2:
            args = [str(rng.randint(-30, 30)), str(rng.randint(-30, 30))]
            if rng.random() < 0.5:
                args.append(rng.choice(["BIT", "BYTE"]))
            cmds.append(("BITCOUNT", k, *args))
        elif op == 3:
            args = [str(rng.randint(0, 1))]
            if rng.random() < 0.7:
                args.append(str(rng.randint(-30, 30)))
                if rng.random() < 0.7:
                    args.append(str(rng.randint(-30, 30)))
                    if rng.random() < 0.5:
                        args.append(rng.choice(["BIT", "BYTE"]))
            cmds.append(("BITPOS", k, *args))
        elif op == 4:
            cmds.append(("BITOP", rng.choice(["AND", "OR", "XOR", "NOT"]), rng.choice(["a", "b", "c"]),
                         *(["a"] if rng.random() < 0.3 else [k])))
        elif op == 5:
            sub = []
            for _ in range(rng.randint(1, 4)):
                t = rng.choice(types)
                off = ("#" if rng.random() < 0.3 else "") + str(rng.randint(0, 40))
                kind = rng.randrange(4)
                if kind == 0:
                    sub += ["GET", t, off]
                elif kind == 1:
                    sub += ["SET", t, off, str(rng.randint(-2**40, 2**40))]
                elif kind == 2:
                    sub += ["INCRBY", t, off, str(rng.randint(-1000, 1000))]
                else:
                    sub += ["OVERFLOW", rng.choice(["WRAP", "SAT", "FAIL"])]
            cmds.append(("BITFIELD", k, *sub))
        else:
            cmds.append(("GET", k))
    pair.same(cmds)
