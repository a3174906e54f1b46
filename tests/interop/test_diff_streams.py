"""Differential tests of the stream commands (t_stream.c) against redis-server 7.0.

Every command with its options, in RESP2 and RESP3, with explicit IDs so that
both servers hold the same entries (a "*" ID is the clock: only its shape is
compared). Errors are compared word for word. Where a reply holds times
(XPENDING idle, XINFO seen-time) the test compares the shape or zeroes them.
XINFO STREAM's radix-tree-nodes counts rax nodes, which castor does not
have: it is blanked before comparing.
"""

import random
import time

from pair import WRONGTYPE  # noqa: F401


def fill(pair, key="s", n=10, fields=("a", "b")):
    cmds = []
    for i in range(1, n + 1):
        args = ["XADD", key, "%d-%d" % (i // 3 + 1, i)]
        for f in fields:
            args += [f, "%s%d" % (f, i)]
        cmds.append(tuple(args))
    pair.same(cmds)


def info_stream(pair, key, *extra, proto=2):
    """XINFO STREAM on both, radix-tree-nodes blanked, times zeroed."""
    out = []
    for side in ("castor", "redis"):
        node = pair.conn(side, proto).call_node("XINFO", "STREAM", key, *extra)
        out.append(_blank(node))
    assert out[0] == out[1], "XINFO STREAM %s %r\n castor: %r\n  redis: %r" % (key, extra, *out)


def _blank(node):
    if not isinstance(node, tuple):
        return node
    kind, val = node[0], node[1]
    if kind == ":" and isinstance(val, int) and val > 10 ** 12:
        return ("?", 0)   # a delivery time
    if kind == "%" and isinstance(val, list):   # RESP3 map: (key, value) pairs
        out = []
        for k, v in val:
            hide = k[0] == "$" and k[1] in (b"radix-tree-nodes", b"seen-time", b"idle")
            out.append((k, ("?", 0) if hide else _blank(v)))
        return (kind, out)
    if kind in ("*", "~", ">") and isinstance(val, list):
        items = [_blank(v) for v in val]
        for i in range(len(items) - 1):
            k = items[i]
            if k[0] == "$" and k[1] in (b"radix-tree-nodes", b"seen-time", b"idle"):
                items[i + 1] = ("?", 0)
        return (kind, items)
    return node


# ---- XADD --------------------------------------------------------------------------------------

def test_xadd_explicit_ids_and_errors(pair):
    pair.same([
        ("XADD", "s", "1-1", "a", "1"),
        ("XADD", "s", "1-1", "a", "1"),
        ("XADD", "s", "1-0", "a", "1"),
        ("XADD", "s", "1-*", "a", "2"),
        ("XADD", "s", "1", "a", "3"),
        ("XADD", "s", "2", "a", "3"),
        ("XADD", "s", "2-*", "a", "3"),
        ("XADD", "s", "0-0", "a", "1"),
        ("XADD", "s2", "0-0", "a", "1"),
        ("EXISTS", "s2"),
        ("XADD", "s2", "0-*", "a", "1"),
        ("XADD", "s", "abc", "a", "1"),
        ("XADD", "s", "-", "a", "1"),
        ("XADD", "s", "+", "a", "1"),
        ("XADD", "s", "1-x", "a", "1"),
        ("XADD", "s", "18446744073709551616-0", "a", "1"),
        ("XADD", "s", "3-1", "a"),
        ("XADD", "s", "3-1"),
        ("XADD", "s", "3-1", "a", "1", "b"),
        ("XLEN", "s"), ("XRANGE", "s", "-", "+"),
        ("XADD", "s", "NOMKSTREAM", "9-9", "a", "1"),
        ("XADD", "nokey", "NOMKSTREAM", "1-1", "a", "1"),
        ("EXISTS", "nokey"),
        ("SET", "str", "x"), ("XADD", "str", "1-1", "a", "1"),
        ("XADD", "max", "18446744073709551615-18446744073709551615", "a", "1"),
        ("XADD", "max", "*", "a", "1"),
        ("XADD", "max", "18446744073709551615-*", "a", "1"),
        ("XADD", "m2", "18446744073709551615-18446744073709551614", "a", "1"),
        ("XADD", "m2", "18446744073709551615-*", "a", "1"),
        ("XADD", "m2", "18446744073709551615-*", "a", "1"),
    ])
    pair.check3("XADD", "s", "10-1", "f", "v")
    pair.check_shape("XADD", "s", "*", "f", "v")
    pair.check("TYPE", "s")
    pair.check("OBJECT", "ENCODING", "s")


def test_xadd_fields_same_and_different(pair):
    pair.same([
        ("XADD", "s", "1-1", "a", "1", "b", "2"),
        ("XADD", "s", "1-2", "a", "3", "b", "4"),
        ("XADD", "s", "1-3", "b", "1", "a", "2"),
        ("XADD", "s", "1-4", "a", "1"),
        ("XADD", "s", "1-5", "a", "1", "b", "2", "c", "3"),
        ("XADD", "s", "1-6", "12", "34", "-5", "", "", "x"),
        ("XADD", "s", "1-7", b"bin\x00", b"\xff\x00\r\n"),
        ("XRANGE", "s", "-", "+"), ("XREVRANGE", "s", "+", "-"),
    ])
    pair.check3("XRANGE", "s", "-", "+")


def test_xrange_entries_of_every_size(pair):
    """Entries are encoded in one staged copy up to 16 fields (longer ones
    the slow way), numbers printed from the listpack kept apart, bulks
    longer than the stage written past it: every shape as Redis replies."""
    cmds = []
    for i, nf in enumerate((1, 2, 15, 16, 17, 40), start=1):
        args = ["XADD", "w", "1-%d" % i]
        for j in range(nf):
            args += [str(j * 7 - 3), str(-j * 100003)]  # numbers as field and value
        cmds.append(tuple(args))
    big = "v" * 1500
    cmds += [("XADD", "w", "2-1", "a", big, "b", "1", "c", big[:1019]),
             ("XADD", "w", "2-2", "x" * 1021, "9", "y" * 200, "z" * 800),
             ("XRANGE", "w", "-", "+"), ("XREVRANGE", "w", "+", "-", "COUNT", "3"),
             ("XREAD", "COUNT", "100", "STREAMS", "w", "0")]
    pair.same(cmds)
    pair.check3("XRANGE", "w", "-", "+")


def test_xadd_trim_options(pair):
    fill(pair, "s", 30)
    pair.same([
        ("XADD", "s", "MAXLEN", "-1", "100-1", "a", "1"),
        ("XADD", "s", "LIMIT", "5", "100-1", "a", "1"),
        ("XADD", "s", "MAXLEN", "5", "LIMIT", "5", "100-1", "a", "1"),
        ("XADD", "s", "MAXLEN", "5", "MINID", "5", "100-1", "a", "1"),
        ("XADD", "s", "MAXLEN", "~", "5", "LIMIT", "-1", "100-1", "a", "1"),
        ("XADD", "s", "MAXLEN", "abc", "100-1", "a", "1"),
        ("XADD", "s", "MINID", "+", "100-1", "a", "1"),
        ("XADD", "s", "MAXLEN", "25", "100-1", "a", "1"),
        ("XLEN", "s"),
        ("XADD", "s", "MAXLEN", "=", "20", "100-2", "a", "1"),
        ("XLEN", "s"),
        ("XADD", "s", "MINID", "5", "100-3", "a", "1"),
        ("XLEN", "s"), ("XRANGE", "s", "-", "+", "COUNT", "3"),
        ("XADD", "s", "MINID", "=", "6-0", "100-4", "a", "1"),
        ("XLEN", "s"),
        ("XADD", "s", "maxlen", "~", "2", "100-5", "a", "1"),
        ("XLEN", "s"),
        ("XADD", "s", "NOMKSTREAM", "MAXLEN", "0", "100-6", "a", "1"),
        ("XLEN", "s"), ("EXISTS", "s"),
    ])


def test_xadd_approx_trim_whole_nodes(pair):
    pair.same([("CONFIG", "SET", "stream-node-max-entries", "10")])
    try:
        fill(pair, "s", 95)
        pair.same([
            ("XADD", "s", "MAXLEN", "~", "30", "200-1", "a", "1"),
            ("XLEN", "s"),
            ("XADD", "s", "MAXLEN", "~", "5", "LIMIT", "20", "200-2", "a", "1"),
            ("XLEN", "s"),
            ("XTRIM", "s", "MINID", "~", "30-0"),
            ("XLEN", "s"),
            ("XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "0"),
            ("XLEN", "s"),
        ])
        info_stream(pair, "s")
    finally:
        pair.same([("CONFIG", "SET", "stream-node-max-entries", "100")])


# ---- XRANGE / XREVRANGE / XLEN / XDEL ---------------------------------------------------------

def test_xrange_bounds_and_count(pair):
    fill(pair, "s", 12)
    cmds = []
    for a, b in [("-", "+"), ("2", "3"), ("(2-3", "+"), ("-", "(3-8"), ("2-4", "2-4"),
                 ("(2-4", "(2-5"), ("3", "2"), ("(-", "+"), ("-", "(+"), ("(0-0", "+"),
                 ("-", "(18446744073709551615-18446744073709551615"),
                 ("(18446744073709551615-18446744073709551615", "+"), ("(0-0", "(0-1"),
                 ("0", "0"), ("1-", "+"), ("x", "+"), ("-", "1-2-3"), ("", "+")]:
        cmds.append(("XRANGE", "s", a, b))
        cmds.append(("XREVRANGE", "s", b, a))
    cmds += [
        ("XRANGE", "s", "-", "+", "COUNT", "3"), ("XRANGE", "s", "-", "+", "COUNT", "0"),
        ("XRANGE", "s", "-", "+", "COUNT", "-1"), ("XRANGE", "s", "-", "+", "COUNT"),
        ("XRANGE", "s", "-", "+", "COUNT", "x"), ("XRANGE", "s", "-", "+", "LIMIT", "1"),
        ("XREVRANGE", "s", "+", "-", "COUNT", "2"), ("XRANGE", "s", "-", "+", "COUNT", "2", "COUNT", "4"),
        ("XRANGE", "nokey", "-", "+"), ("XRANGE", "nokey", "-", "+", "COUNT", "0"),
        ("SET", "str", "x"), ("XRANGE", "str", "-", "+"), ("XLEN", "str"), ("XLEN", "nokey"),
        ("XLEN", "s"),
    ]
    pair.same(cmds)
    pair.check3("XRANGE", "s", "-", "+", "COUNT", "0")
    pair.check3("XREVRANGE", "s", "+", "-", "COUNT", "2")


def test_xdel(pair):
    fill(pair, "s", 10)
    pair.same([
        ("XDEL", "s", "1-1"), ("XDEL", "s", "1-1", "1-2", "9-9"), ("XDEL", "s", "bad"),
        ("XDEL", "s", "2-3", "bad"), ("XLEN", "s"), ("XRANGE", "s", "-", "+"),
        ("XREVRANGE", "s", "+", "-", "COUNT", "2"),
        ("XDEL", "nokey", "1-1"), ("SET", "str", "x"), ("XDEL", "str", "1-1"),
        ("XDEL", "s", "-"), ("XDEL", "s", "+"),
    ])
    info_stream(pair, "s")
    # Delete everything: the key stays, empty.
    ids = [x[0] for x in pair.check("XRANGE", "s", "-", "+")]
    pair.same([("XDEL", "s", *ids), ("XLEN", "s"), ("EXISTS", "s"), ("XRANGE", "s", "-", "+")])
    info_stream(pair, "s")
    pair.same([("XADD", "s", "50-1", "a", "1"), ("XRANGE", "s", "-", "+")])
    info_stream(pair, "s")


def test_xtrim(pair):
    fill(pair, "s", 20)
    pair.same([
        ("XTRIM", "s"), ("XTRIM", "s", "FOO", "1"), ("XTRIM", "s", "LIMIT", "1"),
        ("XTRIM", "s", "MAXLEN", "1", "LIMIT", "1"), ("XTRIM", "s", "MAXLEN", "-1"),
        ("XTRIM", "s", "MAXLEN", "1", "MINID", "1"), ("XTRIM", "s", "MAXLEN", "~", "1", "LIMIT", "-1"),
        ("XTRIM", "s", "MAXLEN", "~", "1", "LIMIT", "x"), ("XTRIM", "s", "MINID", "bad"),
        ("XTRIM", "nokey", "MAXLEN", "1"), ("SET", "str", "x"), ("XTRIM", "str", "MAXLEN", "1"),
        ("XTRIM", "s", "MAXLEN", "15"), ("XLEN", "s"),
        ("XTRIM", "s", "MAXLEN", "=", "15"),
        ("XTRIM", "s", "MINID", "4-10"), ("XRANGE", "s", "-", "+", "COUNT", "1"),
        ("XTRIM", "s", "MAXLEN", "~", "1"), ("XLEN", "s"),
        ("XTRIM", "s", "MAXLEN", "0"), ("XLEN", "s"), ("EXISTS", "s"),
    ])
    info_stream(pair, "s")


def test_xsetid(pair):
    fill(pair, "s", 5)
    pair.same([
        ("XSETID", "s", "1-1"), ("XSETID", "s", "2-5"), ("XSETID", "s", "100-0"),
        ("XADD", "s", "99-0", "a", "1"), ("XADD", "s", "100-1", "a", "1"),
        ("XSETID", "nokey", "1-1"), ("XSETID", "s", "bad"), ("XSETID", "s", "+"),
        ("XSETID", "s", "200-0", "ENTRIESADDED", "-1"),
        ("XSETID", "s", "200-0", "ENTRIESADDED", "2"),
        ("XSETID", "s", "200-0", "ENTRIESADDED", "100", "MAXDELETEDID", "300-0"),
        ("XSETID", "s", "200-0", "ENTRIESADDED", "100", "MAXDELETEDID", "150-0"),
        ("XSETID", "s", "200-0", "FOO", "1"), ("XSETID", "s", "200-0", "ENTRIESADDED"),
        ("SET", "str", "x"), ("XSETID", "str", "1-1"),
    ])
    info_stream(pair, "s")
    pair.same([("XADD", "e", "5-5", "a", "1"), ("XDEL", "e", "5-5"), ("XSETID", "e", "1-1"),
               ("XSETID", "e", "0-0")])
    info_stream(pair, "e")


def test_last_id_set_back_below_a_deleted_entry_persists(pair):
    """XSETID may set the last ID back below a deleted entry (down to the
    last live one); the next XADDs land after that tombstone with smaller
    IDs, one even with the deleted ID again, some in a node of their own.
    Redis saves and loads such a stream, and restores its DUMP: castor
    refused it ("Bad data format"), so it could not reload its own RDB."""
    pair.same([("CONFIG", "SET", "stream-node-max-entries", "3"),
               ("XADD", "t", "8-3", "f", "v"), ("XADD", "t", "29-0", "h", "1"),
               ("XDEL", "t", "29-0"), ("XSETID", "t", "8-3"), ("XADD", "t", "10-0", "a", "1"),
               ("XADD", "t", "29-0", "b", "2"), ("XDEL", "t", "29-0"), ("XSETID", "t", "10-0"),
               ("XADD", "t", "10-1", "c", "3"), ("XADD", "t", "10-2", "d", "4"),
               ("XRANGE", "t", "-", "+"), ("XREVRANGE", "t", "+", "-"),
               ("XRANGE", "t", "9", "11")])
    info_stream(pair, "t")
    for src in ("castor", "redis"):
        payload = pair.conn(src).call("DUMP", "t")
        for dst in ("castor", "redis"):
            assert pair.conn(dst).call("RESTORE", "t_" + src, "0", payload) == "OK", (src, dst)
    pair.same([("DEBUG", "RELOAD"), ("XRANGE", "t", "-", "+"), ("XRANGE", "t_castor", "-", "+"),
               ("XRANGE", "t_redis", "-", "+"), ("DEBUG", "DIGEST"),
               ("XADD", "t", "30-0", "e", "5"), ("XLEN", "t"),
               ("CONFIG", "SET", "stream-node-max-entries", "100")])
    info_stream(pair, "t_castor")


def test_reads_resume_where_the_last_stopped(pair):
    """Forward reads that go on from the last one (castor jumps to where it
    stopped inside a node): group reads through nodes that grow, with
    entries deleted and trimmed ahead and behind, ranges that start after
    the last read, and a node emptied then rebuilt under the same master ID
    (XSETID lowers an empty stream's last ID) with entries of other sizes."""
    cmds = []
    for i in range(1, 251):
        fields = ["a", str(i), "b", "v" * (i % 5)] if i % 7 else ["c", "x" * (i % 40)]
        cmds.append(("XADD", "s", "5-%d" % i, *fields))
    pair.same(cmds)
    pair.same([("XGROUP", "CREATE", "s", "g", "0")])
    for step in range(40):
        pair.check("XREADGROUP", "GROUP", "g", "c%d" % (step % 3), "COUNT", "7", "STREAMS", "s", ">")
        if step % 5 == 1:
            pair.check("XDEL", "s", "5-%d" % (7 * step + 12), "5-%d" % (7 * step - 3))
        if step % 6 == 2:
            pair.check("XRANGE", "s", "(5-%d" % (7 * step), "+", "COUNT", "3")
        if step % 9 == 4:
            pair.check("XTRIM", "s", "MINID", "5-%d" % (5 * step))
        if step % 4 == 3:
            pair.check("XADD", "s", "5-*", "a", str(step), "b", "y")
        pair.check("XACK", "s", "g", *["5-%d" % (7 * step + k) for k in range(1, 8)])
    pair.check("XRANGE", "s", "(5-230", "+", "COUNT", "1")
    pair.same([("XTRIM", "s", "MAXLEN", "0"), ("XSETID", "s", "1-0"), ("XLEN", "s")])
    cmds = [("XADD", "s", "5-%d" % i, "long-field", "z" * (i % 30), "q", str(i * 1000))
            for i in range(1, 261)]
    pair.same(cmds)
    for start in ("(5-231", "(5-240", "5-241", "(5-259", "(5-60"):
        pair.check("XRANGE", "s", start, "+", "COUNT", "5")
    pair.check("DEBUG", "DIGEST-VALUE", "s")


# ---- Consumer groups ---------------------------------------------------------------------------

def test_xgroup_create_setid_destroy(pair):
    fill(pair, "s", 5)
    pair.same([
        ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "s", "g", "0"),
        ("XGROUP", "CREATE", "s", "g2", "$"), ("XGROUP", "CREATE", "s", "g3", "bad"),
        ("XGROUP", "CREATE", "s", "g3", "+"), ("XGROUP", "CREATE", "s", "g3", "-"),
        ("XGROUP", "CREATE", "nokey", "g", "0"), ("XGROUP", "CREATE", "nokey", "g", "$", "MKSTREAM"),
        ("EXISTS", "nokey"), ("XLEN", "nokey"),
        ("XGROUP", "CREATE", "s", "g4", "0", "ENTRIESREAD", "3"),
        ("XGROUP", "CREATE", "s", "g5", "0", "ENTRIESREAD", "-2"),
        ("XGROUP", "CREATE", "s", "g5", "0", "ENTRIESREAD", "x"),
        ("XGROUP", "CREATE", "s", "g5", "0", "FOO"),
        ("XGROUP", "CREATE", "s", "g5", "0", "MKSTREAM", "ENTRIESREAD", "1", "MKSTREAM"),
        ("XGROUP", "CREATE", "s", "g5"), ("XGROUP", "CREATE", "s"),
        ("XGROUP", "SETID", "s", "g", "2-1"), ("XGROUP", "SETID", "s", "g", "$"),
        ("XGROUP", "SETID", "s", "g", "-"), ("XGROUP", "SETID", "s", "nogroup", "0"),
        ("XGROUP", "SETID", "nokey2", "g", "0"), ("XGROUP", "SETID", "s", "g", "0", "MKSTREAM"),
        ("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "2"),
        ("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD"),
        ("XGROUP", "DESTROY", "s", "g2"), ("XGROUP", "DESTROY", "s", "g2"),
        ("XGROUP", "DESTROY", "nokey2", "g2"),
        ("XGROUP", "CREATECONSUMER", "s", "g", "c1"), ("XGROUP", "CREATECONSUMER", "s", "g", "c1"),
        ("XGROUP", "CREATECONSUMER", "s", "nog", "c1"),
        ("XGROUP", "DELCONSUMER", "s", "g", "c1"), ("XGROUP", "DELCONSUMER", "s", "g", "c1"),
        ("XGROUP", "DELCONSUMER", "s", "nog", "c1"),
        ("XGROUP", "FOO", "s", "g"), ("XGROUP", "HELP"), ("XGROUP"),
        ("SET", "str", "x"), ("XGROUP", "CREATE", "str", "g", "0"),
        ("XINFO", "GROUPS", "s"),
    ])
    pair.check3("XINFO", "GROUPS", "s")


def test_xreadgroup_pending_ack_claim(pair):
    fill(pair, "s", 10)
    pair.same([
        ("XGROUP", "CREATE", "s", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c2", "COUNT", "2", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"),
        ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", "1-2"),
        ("XREADGROUP", "GROUP", "g", "c3", "NOACK", "COUNT", "2", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c3", "STREAMS", "s", "0"),
        ("XPENDING", "s", "g"),
        ("XACK", "s", "g", "1-1", "1-1", "9-9"), ("XACK", "s", "g", "bad"),
        ("XACK", "s", "nog", "1-2"), ("XACK", "nokey", "g", "1-2"),
        ("XPENDING", "s", "g"),
        ("XDEL", "s", "1-2"),
        ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"),
        ("XCLAIM", "s", "g", "c9", "0", "1-2", "2-3", "JUSTID"),
        ("XPENDING", "s", "g"),
        ("XCLAIM", "s", "g", "c9", "0", "2-4", "RETRYCOUNT", "7", "JUSTID"),
        ("XCLAIM", "s", "g", "c9", "0", "3-9", "FORCE", "JUSTID"),
        ("XCLAIM", "s", "g", "c9", "0", "9-9", "FORCE", "JUSTID"),
        ("XCLAIM", "s", "g", "c9", "0", "bad"),
        ("XCLAIM", "s", "g", "c9", "x", "2-4"),
        ("XCLAIM", "s", "g", "c9", "0", "2-4", "IDLE", "x"),
        ("XCLAIM", "s", "g", "c9", "0", "2-4", "TIME", "x"),
        ("XCLAIM", "s", "g", "c9", "0", "2-4", "RETRYCOUNT", "x"),
        ("XCLAIM", "s", "g", "c9", "0", "2-4", "LASTID", "x"),
        ("XCLAIM", "s", "g", "c9", "0", "2-4", "BOGUS"),
        ("XCLAIM", "s", "nog", "c9", "0", "2-4"), ("XCLAIM", "nokey", "g", "c9", "0", "2-4"),
        ("XCLAIM", "s", "g", "c9", "3600000", "2-4"),
        ("XCLAIM", "s", "g", "c8", "0", "2-4"),
        ("XPENDING", "s", "g"),
        ("XAUTOCLAIM", "s", "g", "c7", "0", "0", "COUNT", "2"),
        ("XAUTOCLAIM", "s", "g", "c7", "0", "(1-1", "JUSTID"),
        ("XAUTOCLAIM", "s", "g", "c7", "0", "0", "COUNT", "0"),
        ("XAUTOCLAIM", "s", "g", "c7", "x", "0"), ("XAUTOCLAIM", "s", "g", "c7", "0", "x"),
        ("XAUTOCLAIM", "s", "g", "c7", "0", "0", "FOO"),
        ("XAUTOCLAIM", "s", "nog", "c7", "0", "0"), ("XAUTOCLAIM", "nokey", "g", "c7", "0", "0"),
        ("XAUTOCLAIM", "s", "g", "c7", "3600000", "0"),
        ("XPENDING", "s", "g"),
        ("XGROUP", "DELCONSUMER", "s", "g", "c7"),
        ("XPENDING", "s", "g"),
        ("XINFO", "GROUPS", "s"),
    ])
    pair.check_shape("XPENDING", "s", "g", "-", "+", "10")
    pair.check_shape("XPENDING", "s", "g", "IDLE", "0", "-", "+", "10", "c9")
    pair.same([
        ("XPENDING", "s", "g", "-", "+", "0"), ("XPENDING", "s", "g", "-", "+", "10", "nobody"),
        ("XPENDING", "s", "g", "IDLE", "99999999", "-", "+", "10"),
        ("XPENDING", "s", "g", "IDLE", "x", "-", "+", "10"),
        ("XPENDING", "s", "g", "IDLE", "5", "-", "+"), ("XPENDING", "s", "g", "-", "+"),
        ("XPENDING", "s", "g", "-", "+", "x"), ("XPENDING", "s", "g", "x", "+", "1"),
        ("XPENDING", "s", "nog"), ("XPENDING", "nokey", "g"),
    ])
    pair.check3("XPENDING", "s", "g")
    pair.check_shape("XINFO", "CONSUMERS", "s", "g")
    pair.same([("XINFO", "CONSUMERS", "s", "nog"), ("XINFO", "CONSUMERS", "nokey", "g")])
    info_stream(pair, "s", "FULL")


def test_xautoclaim_looks_up_its_key_before_it_parses(pair):
    """Redis 7.0's XAUTOCLAIM reads its key before it parses the arguments:
    an expired key goes (and counts as expired) even when an argument is
    then refused. Then the type, after the arguments."""
    pair.check("CONFIG", "RESETSTAT")
    try:
        for bad in (("x", "0"), ("0", "x"), ("0", "0", "COUNT", "0"), ("0", "0", "FOO")):
            pair.expire_unseen("k", ("SET", "k", "v"))
            assert pair.check("DBSIZE") == 1
            pair.check("XAUTOCLAIM", "k", "g", "c", *bad)
            assert pair.check("DBSIZE") == 0
        pair.same([("SET", "k", "v"), ("XAUTOCLAIM", "k", "g", "c", "x", "0"),
                   ("XAUTOCLAIM", "k", "g", "c", "0", "0")])
        assert pair.stat("expired_keys") == (4, 4)
    finally:
        pair.check("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_xread(pair):
    fill(pair, "s", 6)
    fill(pair, "t", 3)
    pair.same([
        ("XREAD", "STREAMS", "s", "0"), ("XREAD", "COUNT", "2", "STREAMS", "s", "t", "0", "1-2"),
        ("XREAD", "STREAMS", "s", "$"), ("XREAD", "STREAMS", "s", "3-6"),
        ("XREAD", "STREAMS", "s", "nokey", "0", "0"), ("XREAD", "STREAMS", "s"),
        ("XREAD", "STREAMS", "s", "t", "0"), ("XREAD", "STREAMS", "s", ">"),
        ("XREAD", "STREAMS", "s", "+"), ("XREAD", "STREAMS", "s", "bad"),
        ("XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"), ("XREAD", "NOACK", "STREAMS", "s", "0"),
        ("XREAD", "COUNT", "x", "STREAMS", "s", "0"), ("XREAD", "COUNT", "-3", "STREAMS", "s", "0"),
        ("XREAD", "BLOCK", "-1", "STREAMS", "s", "0"), ("XREAD", "BLOCK", "x", "STREAMS", "s", "0"),
        ("XREAD", "FOO", "STREAMS", "s", "0"), ("XREAD", "COUNT", "1"),
        ("SET", "str", "x"), ("XREAD", "STREAMS", "str", "0"),
        ("XREAD", "BLOCK", "10", "STREAMS", "s", "$"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"),
        ("XGROUP", "CREATE", "s", "g", "$"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">", ">"),
        ("XREADGROUP", "COUNT", "1", "STREAMS", "s", ">", "x"),
        ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "s", ">"),
    ])
    pair.check3("XREAD", "COUNT", "2", "STREAMS", "s", "t", "0", "1-2")
    pair.check3("XREAD", "STREAMS", "s", "$")


def test_xinfo(pair):
    pair.same([("XINFO", "STREAM", "nokey"), ("XINFO", "HELP"), ("XINFO", "FOO", "s"),
               ("XINFO", "GROUPS", "nokey")])
    fill(pair, "s", 25)
    pair.same([("XGROUP", "CREATE", "s", "g1", "0"), ("XGROUP", "CREATE", "s", "g0", "$"),
               ("XGROUP", "CREATE", "s", "g10", "3-5"),
               ("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "s", ">"),
               ("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "12", "STREAMS", "s", ">"),
               ("XDEL", "s", "5-16"), ("XINFO", "GROUPS", "s"),
               ("XINFO", "STREAM", "s", "FULL", "COUNT", "x"), ("XINFO", "STREAM", "s", "FOO"),
               ("XINFO", "STREAM", "s", "FULL", "FOO", "1")])
    info_stream(pair, "s")
    info_stream(pair, "s", "FULL")
    info_stream(pair, "s", "FULL", "COUNT", "2")
    info_stream(pair, "s", "FULL", "COUNT", "0")
    info_stream(pair, "s", proto=3)
    info_stream(pair, "s", "FULL", proto=3)


def test_lag_and_entries_read(pair):
    """XINFO GROUPS' entries-read and lag through reads, deletions, trims
    and SETID, as 7.0 computes them."""
    fill(pair, "s", 8)
    steps = [
        ("XGROUP", "CREATE", "s", "g", "0"),
        ("XGROUP", "CREATE", "s", "h", "0", "ENTRIESREAD", "2"),
        ("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"),
        ("XDEL", "s", "3-9"),
        ("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"),
        ("XTRIM", "s", "MAXLEN", "3"),
        ("XREADGROUP", "GROUP", "h", "c", "COUNT", "1", "STREAMS", "s", ">"),
        ("XGROUP", "SETID", "s", "g", "0"),
        ("XADD", "s", "9-1", "a", "1"),
        ("XGROUP", "SETID", "s", "h", "$"),
        ("XDEL", "s", "9-1"),
        ("XGROUP", "SETID", "s", "g", "1-1", "ENTRIESREAD", "5"),
    ]
    for step in steps:
        pair.check(*step)
        pair.check("XINFO", "GROUPS", "s")


def test_keyspace_notifications(pair):
    pair.same_notifications([
        ("XADD", "s", "1-1", "a", "1"), ("XADD", "s", "MAXLEN", "1", "1-2", "a", "1"),
        ("XDEL", "s", "1-2"), ("XDEL", "s", "1-2"), ("XADD", "s", "2-1", "a", "1"),
        ("XTRIM", "s", "MAXLEN", "0"), ("XTRIM", "s", "MAXLEN", "0"), ("XSETID", "s", "5-0"),
        ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATECONSUMER", "s", "g", "c"),
        ("XGROUP", "CREATECONSUMER", "s", "g", "c"), ("XGROUP", "SETID", "s", "g", "0"),
        ("XADD", "s", "6-1", "a", "1"),
        ("XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", ">"),
        ("XCLAIM", "s", "g", "e", "0", "6-1"), ("XAUTOCLAIM", "s", "g", "f", "0", "0"),
        ("XGROUP", "DELCONSUMER", "s", "g", "c"), ("XGROUP", "DESTROY", "s", "g"),
        ("XGROUP", "CREATE", "n", "g", "$", "MKSTREAM"),
        ("DEL", "s"),
    ])


def test_generic_key_commands(pair):
    fill(pair, "s", 4)
    pair.same([
        ("XGROUP", "CREATE", "s", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"),
        ("TYPE", "s"), ("OBJECT", "ENCODING", "s"),
        ("COPY", "s", "s2"), ("XRANGE", "s2", "-", "+"), ("XINFO", "GROUPS", "s2"),
        ("XPENDING", "s2", "g"),
        ("RENAME", "s2", "s3"), ("XLEN", "s3"), ("MOVE", "s3", "1"), ("EXISTS", "s3"),
        ("SELECT", "1"), ("XLEN", "s3"), ("XPENDING", "s3", "g"), ("SELECT", "0"),
        ("SCAN", "0", "TYPE", "stream"), ("DEBUG", "DIGEST-VALUE", "s"),
        ("DEBUG", "DIGEST"),
    ])
    a, b = pair.both("MEMORY", "USAGE", "s")
    assert a[0] == ":" and a[1] > 0
    # DUMP / RESTORE across the two servers, both ways.
    for src in ("castor", "redis"):
        payload = pair.conn(src).call("DUMP", "s")
        for dst in ("castor", "redis"):
            assert pair.conn(dst).call("RESTORE", "r_" + src, "0", payload) == "OK"
    pair.same([("XRANGE", "r_castor", "-", "+"), ("XRANGE", "r_redis", "-", "+"),
               ("XINFO", "GROUPS", "r_castor"), ("XPENDING", "r_castor", "g"),
               ("DEBUG", "DIGEST-VALUE", "r_castor"), ("DEBUG", "DIGEST-VALUE", "r_redis")])
    # Byte for byte (a stream without groups: a PEL holds delivery times).
    fill(pair, "plain", 30, fields=("f", "g"))
    pair.same([("XDEL", "plain", "3-7"), ("XADD", "plain", "20-1", "other", "x")])
    assert pair.conn("castor").call("DUMP", "plain") == pair.conn("redis").call("DUMP", "plain")


def test_random_model(pair):
    """A seeded random sequence of stream commands, every reply compared."""
    rng = random.Random(1616)
    pair.same([("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")])
    ms = 1
    ids = []
    for step in range(600):
        op = rng.random()
        if op < 0.4:
            ms += rng.randint(0, 2)
            nf = rng.randint(1, 3)
            args = ["XADD", "s"]
            if rng.random() < 0.1:
                args += ["MAXLEN", rng.choice(["~", "="]), str(rng.randint(0, 50))]
            args.append("%d-*" % ms)
            for _ in range(nf):
                args += [rng.choice(["a", "b", "c"]), str(rng.randint(0, 99))]
            r = pair.check(*args)
            if isinstance(r, bytes):
                ids.append(r)
        elif op < 0.5 and ids:
            pair.check("XDEL", "s", *rng.sample(ids, min(len(ids), rng.randint(1, 3))))
        elif op < 0.6:
            pair.check("XREADGROUP", "GROUP", "g", rng.choice(["c1", "c2", "c3"]), "COUNT",
                       str(rng.randint(1, 5)), "STREAMS", "s", ">")
        elif op < 0.7 and ids:
            pair.check("XACK", "s", "g", *rng.sample(ids, min(len(ids), 3)))
        elif op < 0.75 and ids:
            pair.check("XCLAIM", "s", "g", rng.choice(["c1", "c2"]), "0",
                       *rng.sample(ids, min(len(ids), 2)), "JUSTID")
        elif op < 0.8:
            pair.check("XAUTOCLAIM", "s", "g", "c3", "0", "0", "COUNT", "3", "JUSTID")
        elif op < 0.85:
            a, b = sorted([rng.choice(ids) if ids else b"0", rng.choice(ids) if ids else b"0"])
            pair.check("XRANGE", "s", a, b)
            pair.check("XREVRANGE", "s", b, a, "COUNT", "4")
        elif op < 0.9:
            pair.check("XPENDING", "s", "g")
            pair.check("XINFO", "GROUPS", "s")
        elif op < 0.93:
            pair.check("XTRIM", "s", "MINID", "%d-0" % max(1, ms - rng.randint(0, 20)))
        else:
            pair.check("XLEN", "s")
            pair.check("XRANGE", "s", "-", "+")
    info_stream(pair, "s", "FULL", "COUNT", "0")
    pair.check("DEBUG", "DIGEST-VALUE", "s")


def test_group_reads_count_the_changes_redis_counts(pair):
    """What save points count: Redis 7.0 counts a consumer a group read
    creates and each stream it serves (a history read too, even of an empty
    PEL), not each entry delivered; XCLAIM and XAUTOCLAIM count each entry.
    castor counted entries, and no history read."""
    pair.same([("XADD", "x0", "1-1", "f", "v"), ("XADD", "x0", "1-2", "f", "v"),
               ("XADD", "x1", "1-2", "f", "v"), ("XGROUP", "CREATE", "x0", "g1", "0"),
               ("XGROUP", "CREATE", "x1", "g1", "0")])
    for cmd in [("XREADGROUP", "GROUP", "g1", "c2", "STREAMS", "x0", ">"),
                ("XREADGROUP", "GROUP", "g1", "c3", "STREAMS", "x0", "x1", "0", "0"),
                ("XREADGROUP", "GROUP", "g1", "c2", "STREAMS", "x0", "x1", "0", ">"),
                ("XREADGROUP", "GROUP", "g1", "c2", "COUNT", "1", "STREAMS", "x0", "x1", "0", ">"),
                ("XREADGROUP", "GROUP", "g1", "c4", "COUNT", "0", "STREAMS", "x0", "5-0"),
                ("XCLAIM", "x0", "g1", "c9", "0", "1-1", "1-2"), ("XDEL", "x0", "1-1"),
                ("XCLAIM", "x0", "g1", "c9", "0", "1-1", "1-2"), ("XAUTOCLAIM", "x0", "g1", "c8", "0", "0"),
                ("XADD", "x0", "1-3", "f", "v"),
                ("XREADGROUP", "GROUP", "g1", "c2", "NOACK", "STREAMS", "x0", ">"),
                ("XCLAIM", "x0", "g1", "c9", "0", "1-2", "LASTID", "5-5")]:
        before = pair.stat("rdb_changes_since_last_save", "persistence")
        pair.check_shape(*cmd)
        after = pair.stat("rdb_changes_since_last_save", "persistence")
        assert after[0] - before[0] == after[1] - before[1], (cmd, before, after)


def test_a_served_blocked_group_read_counts_no_change_of_its_own(pair):
    """Redis counts the XADD that serves a blocked XREADGROUP, not the
    serve (castor counted the entry it delivered too)."""
    pair.same([("XADD", "x", "1-1", "f", "v"), ("XGROUP", "CREATE", "x", "g", "$"),
               ("XGROUP", "CREATECONSUMER", "x", "g", "c")])
    for noack in ((), ("NOACK",)):
        readers = pair.conns()
        try:
            for c in readers:
                c.send("XREADGROUP", "GROUP", "g", "c", *noack, "BLOCK", "0", "STREAMS", "x", ">")
            for side in ("castor", "redis"):
                deadline = time.monotonic() + 5
                while b"blocked_clients:1\r\n" not in pair.conn(side).call("INFO", "clients"):
                    assert time.monotonic() < deadline, side + ": the reader did not block"
                    time.sleep(0.005)
            before = pair.stat("rdb_changes_since_last_save", "persistence")
            pair.check_shape("XADD", "x", "*", "f", "v")
            assert readers[0].read()[0][0] == readers[1].read()[0][0] == b"x"
            after = pair.stat("rdb_changes_since_last_save", "persistence")
            assert after[0] - before[0] == after[1] - before[1] == 1, (before, after)
        finally:
            for c in readers:
                c.close()
