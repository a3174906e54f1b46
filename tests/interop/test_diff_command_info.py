"""COMMAND INFO and COMMAND DOCS of every command castor has, differential
against redis-server 7.0.

COMMAND INFO's ten fields (name, arity, flags, first key, last key, step,
ACL categories, tips, key specs, subcommands) and COMMAND DOCS's map
(summary, since, group, complexity, doc flags, deprecation, history,
arguments, subcommands) must match Redis for each command that castor
lists in COMMAND LIST, top-level and subcommand, in RESP2 (the order of
every array, as redis-cli shows it) and in RESP3 (wire types: sets, maps).
Cluster clients route by the key specs; redis-cli's hints read the
arguments.

Two things are not compared: commands Redis lacks (castor has none today),
and subcommands Redis has that castor does not (CLIENT TRACKING, LATENCY
DOCTOR, ...): a container is compared with those taken out of Redis's
reply. Redis lists subcommands in the order of a randomly seeded hash
table, so they are compared by name.
"""

import pytest

from resp import fmt, normalize, to_py


def command_list(conn):
    return [n.decode() for n in to_py(conn.call_node("COMMAND", "LIST"))]


@pytest.fixture
def names(pair):
    """castor's commands and subcommands that Redis also has."""
    theirs = set(command_list(pair.conn("redis")))
    return [n for n in command_list(pair.conn("castor")) if n in theirs]


def trim_subs(node, keep, docs):
    """Redis's reply with only the subcommands castor has, sorted by name.
    For INFO a subcommand is an array whose first element is its name; for
    DOCS the subcommands are a map from name to doc."""
    kind, items = node
    if kind == "_" or items is None:
        return node
    if docs:
        items = [(k, v) for k, v in items if k[1].decode() in keep]
        items.sort(key=lambda kv: kv[0][1])
    else:
        items = [x for x in items if x[1][0][1].decode() in keep]
        items.sort(key=lambda x: x[1][0][1])
    return (kind, items)


def info_node(conn, name, castor_names):
    """COMMAND INFO <name>'s one entry, its subcommands trimmed and sorted,
    and each subcommand's own subcommand field likewise."""
    reply = conn.call_node("COMMAND", "INFO", name)
    assert reply[0] == "*" and len(reply[1]) == 1, fmt(reply)
    entry = reply[1][0]
    kind, fields = entry
    assert kind == "*" and len(fields) == 10, fmt(entry)
    fields = list(fields)
    subs = trim_subs(fields[9], castor_names, docs=False)
    fields[9] = (subs[0], [info_fix(s, castor_names) for s in subs[1]])
    return (kind, fields)


def info_fix(entry, castor_names):
    kind, fields = entry
    fields = list(fields)
    fields[9] = trim_subs(fields[9], castor_names, docs=False)
    return (kind, fields)


def docs_node(conn, name, castor_names):
    reply = conn.call_node("COMMAND", "DOCS", name)
    pairs = reply[1] if reply[0] == "%" else list(zip(reply[1][0::2], reply[1][1::2]))
    assert len(pairs) == 1, fmt(reply)
    doc = pairs[0][1]
    kind = doc[0]
    items = doc[1] if kind == "%" else list(zip(doc[1][0::2], doc[1][1::2]))
    out = []
    for k, v in items:
        if k[1] == b"subcommands":
            if v[0] == "*":   # RESP2: a flat array of name, doc
                v = ("%", list(zip(v[1][0::2], v[1][1::2])))
            v = trim_subs(v, castor_names, docs=True)
        out.append((k, v))
    return (kind, out)


def compare_all(pair, names, proto, get):
    castor_names = set(names)
    bad = []
    for name in names:
        a = get(pair.conn("castor", proto), name, castor_names)
        b = get(pair.conn("redis", proto), name, castor_names)
        if proto == 3:
            a, b = normalize(a), normalize(b)
        if a != b:
            bad.append("%s\n castor: %s\n  redis: %s" % (name, fmt(a), fmt(b)))
    assert not bad, "%d of %d differ (RESP%d):\n%s" % (len(bad), len(names), proto,
                                                       "\n".join(bad[:10]))


@pytest.mark.parametrize("proto", [2, 3])
def test_command_info_of_every_command_matches_redis(pair, names, proto):
    compare_all(pair, names, proto, info_node)


@pytest.mark.parametrize("proto", [2, 3])
def test_command_docs_of_every_command_matches_redis(pair, names, proto):
    compare_all(pair, names, proto, docs_node)


def test_key_specs_of_movable_key_commands(pair):
    """The commands whose keys move (numkeys, STORE, KEYS ...) report their
    key specs too: what cluster clients use instead of first/last/step."""
    for name in ("zunionstore", "zinterstore", "zdiff", "lmpop", "blmpop", "zmpop", "bzmpop",
                 "sintercard", "zintercard", "eval", "migrate", "sort", "xread", "georadius",
                 "georadiusbymember"):
        a, b = pair.both("COMMAND", "INFO", name, proto=3)
        if to_py(a) == [None]:
            continue   # castor does not have it (yet)
        assert normalize(a) == normalize(b), name
        assert to_py(a)[0][8], "%s has no key specs" % name


HLL_GEO = ["pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest", "geoadd", "geodist", "geohash",
           "geopos", "georadius", "georadius_ro", "georadiusbymember", "georadiusbymember_ro",
           "geosearch", "geosearchstore"]


@pytest.mark.parametrize("proto", [2, 3])
def test_hyperloglog_and_geo_commands_are_listed_and_described_as_redis(pair, names, proto):
    """The HyperLogLog and geo families are all in COMMAND LIST (so the
    whole-table comparisons above cover them), with Redis's COMMAND INFO
    and COMMAND DOCS, asked for together as a client would."""
    assert set(HLL_GEO) <= set(names)
    for sub in ("INFO", "DOCS"):
        pair.check("COMMAND", sub, *HLL_GEO, proto=proto, unordered=(sub == "DOCS"))


@pytest.mark.parametrize("proto", [2, 3])
def test_command_info_without_names_is_every_command(pair, proto):
    """COMMAND INFO with no name answers every command, like COMMAND
    (castor took it for COMMAND with a subcommand: an error). Commands and
    subcommands come in Redis's dict order: compared by name, each entry
    without its subcommands' details (the per-command test has those)."""
    a, b = pair.both("COMMAND", "INFO", proto=proto)
    assert a[0] == b[0] == "*", (fmt(a)[:200], fmt(b)[:200])

    def by_name(node):
        out = {}
        for e in node[1]:
            fields = normalize(e)[1]
            subs = sorted(s[1][0][1] for s in fields[9][1])
            out[fields[0][1]] = (fields[:9], subs)
        return out

    assert by_name(a) == by_name(b)
    assert len(a[1]) == pair.check("COMMAND", "COUNT")
    assert a == pair.conn("castor", proto).call_node("COMMAND")


def test_command_info_of_an_unknown_command_and_several(pair):
    pair.check("COMMAND", "INFO", "get", "nosuchcommand", "config|get", "config|nosuch")
    pair.check("COMMAND", "DOCS", "nosuchcommand")
    pair.check("COMMAND", "DOCS", "get", "config|get", "set", unordered=True)


# A numkeys the key spec cannot read (string2ll) sends Redis to the command's
# own key finder, genericGetKeys(), which reads it with atoi() ("1.5" is 1),
# puts a STORE destination last and gives no key flags.
ATOI_NUMKEYS = [("SINTERCARD", "1.5", "a", "b"), ("SINTERCARD", "1abc", "a", "b"),
                ("SINTERCARD", " 2", "a", "b"), ("SINTERCARD", "+2", "a", "b"),
                ("SINTERCARD", "4294967297", "a", "b"), ("SINTERCARD", "0x", "a"),
                ("ZUNIONSTORE", "d", "1.5", "a", "b"), ("ZDIFFSTORE", "d", "2e", "a", "b"),
                ("ZUNION", "2x", "a", "b"), ("ZINTERCARD", "2.0", "a", "b"),
                ("LMPOP", "1x", "a", "LEFT"), ("BLMPOP", "0", "1x", "a", "LEFT"),
                ("ZMPOP", "1x", "a", "MIN"), ("BZMPOP", "0", "2.0", "a", "b", "MIN"),
                ("EVAL", "return 1", "1.9", "a", "b"), ("FCALL", "f", "1e3", "a", "b"),
                ("EVAL", "return 1", "abc", "a"), ("EVAL", "return 1", "3", "a", "b"),
                # atoi() reads the whole argument: past 63 blanks or zeros,
                # and saturated at LONG_MAX / LONG_MIN before the int cut
                ("SINTERCARD", " \t" * 40 + "1", "a", "b"), ("SINTERCARD", "0" * 80 + "2", "a", "b"),
                ("SINTERCARD", "-" + "0" * 70 + "1x", "a"), ("SINTERCARD", "9" * 30, "a"),
                ("EVAL", "return 1", "\n" * 70 + "1", "a")]


@pytest.mark.parametrize("args", ATOI_NUMKEYS, ids=lambda a: "-".join(a)[:40])
def test_getkeys_of_a_numkeys_only_atoi_reads(pair, args):
    pair.check("COMMAND", "GETKEYS", *args)
    pair.check("COMMAND", "GETKEYSANDFLAGS", *args)


# ---- COMMAND GETKEYSANDFLAGS ------------------------------------------------------------

def test_getkeysandflags_of_every_fixed_key_command(pair, names):
    """Each key comes with the flags of the key spec that finds it. Every
    command with keys at fixed places, called with as few arguments as its
    arity allows (the keys' flags do not depend on the other arguments,
    except for SET and BITFIELD, below)."""
    bad = []
    for name in names:
        info = to_py(pair.conn("castor").call_node("COMMAND", "INFO", name))[0]
        arity, flags, first = info[1], info[2], info[3]
        if first == 0 or "movablekeys" in flags:
            continue
        words = name.split("|")
        args = words + ["a%d" % i for i in range(abs(arity) - len(words))]
        a, b = pair.both("COMMAND", "GETKEYSANDFLAGS", *args)
        if a != b:
            bad.append("%s\n castor: %s\n  redis: %s" % (args, fmt(a), fmt(b)))
    assert not bad, "\n".join(bad)


GETKEYSANDFLAGS_CASES = [
    ("SET", "k", "v"), ("SET", "k", "v", "GET"), ("SET", "k", "v", "EX", "10", "get"),
    ("BITFIELD", "k", "GET", "u8", "0"), ("BITFIELD", "k", "GET", "u8", "0", "OVERFLOW", "WRAP"),
    ("BITFIELD", "k", "INCRBY", "u8", "0", "1"), ("BITFIELD", "k", "GET", "u8"),
    ("BITFIELD", "k", "FOO"), ("BITFIELD_RO", "k", "GET", "u8", "0"),
    ("MSET", "a", "1", "b", "2"), ("DEL", "a", "b"), ("LMOVE", "a", "b", "LEFT", "RIGHT"),
    ("RENAME", "a", "b"), ("COPY", "a", "b", "DB", "1"), ("SMOVE", "a", "b", "m"),
    ("ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"), ("ZINTERCARD", "2", "a", "b"),
    ("ZDIFF", "2", "a", "b"), ("ZRANGESTORE", "d", "s", "0", "-1"), ("SINTERCARD", "2", "a", "b"),
    ("LMPOP", "2", "a", "b", "LEFT"), ("BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2"),
    ("ZMPOP", "1", "a", "MIN"), ("BZMPOP", "0", "2", "a", "b", "MAX"),
    ("BLPOP", "a", "b", "0"), ("BZPOPMIN", "a", "0"), ("BITOP", "AND", "d", "a", "b"),
    ("SORT", "k"), ("SORT", "k", "STORE", "d"), ("SORT", "k", "BY", "w_*", "GET", "o_*", "STORE", "d"),
    ("SORT_RO", "k", "BY", "w_*"), ("OBJECT", "ENCODING", "k"), ("MEMORY", "USAGE", "k"),
    ("EVAL", "return 1", "2", "a", "b"),
    ("XREAD", "STREAMS", "a", "b", "0", "0"),
    ("PFMERGE", "d"), ("PFMERGE", "d", "a", "b"), ("PFCOUNT", "a", "b"), ("PFDEBUG", "GETREG", "k"),
    ("GEORADIUS", "k", "0", "0", "1", "km", "STORE", "d"),
    ("GEORADIUS", "k", "0", "0", "1", "km", "STOREDIST", "d", "STORE", "e"),
    ("GEORADIUSBYMEMBER", "k", "m", "1", "km", "STOREDIST", "d"),
    ("GEORADIUS_RO", "k", "0", "0", "1", "km"),
    ("GEOSEARCHSTORE", "d", "s", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"),
]


@pytest.mark.parametrize("args", GETKEYSANDFLAGS_CASES, ids=lambda a: "-".join(a)[:40])
@pytest.mark.parametrize("proto", [2, 3])
def test_getkeysandflags(pair, args, proto):
    pair.check("COMMAND", "GETKEYSANDFLAGS", *args, proto=proto)


def _getkeys_probes(words):
    """Argument lists for a command named by words: every length up to 7 of
    plain words, of small numbers, and with the keywords key specs search
    for, so that odd counts, bad numkeys and missing keywords all occur."""
    fills = [["a%d" % i for i in range(7)], ["2", "a", "b", "c", "d", "e", "f"],
             ["a", "STREAMS", "b", "c", "d", "e", "f"], ["GROUP", "g", "c", "STREAMS", "k1", "k2", "0"],
             ["0", "KEYS", "k1", "k2", "STORE", "d", "x"], ["1", "-1", "a", "b", "c", "d", "e"]]
    for fill in fills:
        for n in range(8):
            yield words + fill[:n]


def test_getkeys_of_malformed_arguments_follows_the_key_specs(pair, names):
    # Redis 7.0's COMMAND GETKEYS prefers a command's key specs (when they
    # find every key with fixed flags) over its getkeys procedure, so for
    # malformed arguments (an odd number of XREAD ids, a short numkeys
    # list) it answers what the specs find, and a container's unknown
    # subcommand is "Invalid command specified" (found by
    # test_diff_random.py).
    bad = []
    for name in names + ["XGROUP|nosuch", "OBJECT|1e3"]:
        for args in _getkeys_probes(name.split("|")):
            for sub in ("GETKEYS", "GETKEYSANDFLAGS"):
                a, b = pair.both("COMMAND", sub, *args)
                if a != b:
                    bad.append("%s %s\n castor: %s\n  redis: %s" % (sub, args, fmt(a), fmt(b)))
    assert not bad, "%d differ:\n%s" % (len(bad), "\n".join(bad[:40]))
