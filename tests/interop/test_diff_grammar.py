"""Grammar-driven differential test: every command redis-server 7.0.15
documents (COMMAND DOCS, subcommands included), called with arguments
drawn from its own argument grammar (keys of every type and missing ones,
tokens, optional and repeated arguments, one of each oneof), and now and
then broken on purpose (an argument left out, one too many, a token in
lower case, a wrong-typed value), on castor and on redis-server over one
connection each (RESP3 on odd seeds), from the same small dataset. Every
reply is compared, and after each command (outside MULTI) every key's
value:

  * an error must be the same error, word for word, on both sides;
  * a command whose reply holds clocks, ids or random picks (NONDET) is
    compared by the kind of its reply only;
  * any other reply must be equal, arrays in any order (hash-table
    encodings order members by their hash, which nothing defines);
  * on half the seeds (lfu_seed()) the servers run allkeys-lfu with
    lfu-log-factor 0 and no decay, so a key's OBJECT FREQ counts the
    accesses recorded on it: after each command it must be the same on
    both sides (maxmemory is set, far above the data, so that Redis gives
    each key its own integer: OBJECT FREQ would read a shared one's);
  * each command (a transaction from MULTI to EXEC) must move
    rdb_changes_since_last_save (the count save points act on) alike;
  * after each command, another connection's CLIENT LIST must say the
    same of the running client (flags, db, multi=, cmd=, ...), and a
    MONITOR on each side must have shown the same lines (less time and
    address);
  * at the end, the sequence must have moved keyspace_hits,
    keyspace_misses and expired_keys alike on both (unless it ran a SCAN
    with TYPE, whose visits follow each server's hash order), and each
    command's calls, rejected and failed calls (INFO commandstats) and
    each error code's count (errorstats).

Commands that would end the test's connection or reach outside it
(SHUTDOWN, MONITOR, SUBSCRIBE, REPLICAOF, MIGRATE, CONFIG SET, CLIENT
KILL / PAUSE / REPLY...) or block (BLPOP, WAIT, XREAD BLOCK) are left out
(SKIP). `make test` runs the SEEDS below; CASTOR_GRAMMAR_SEEDS=a-b hunts
(CASTOR_GRAMMAR_LEN commands per seed), printing each failing seed's
commands up to the first difference."""

import os
import random

import pytest

from pair import client_list_diff, monitor_diff, rdb_changes
from resp import CLEAR_REDIS_ERRNO, RespConn, fmt, normalize

SEEDS = list(range(1, 9))
LENGTH = int(os.environ.get("CASTOR_GRAMMAR_LEN", "300"))

SKIP = {
    # the connection or the process: ends it, changes its mode or protocol
    "shutdown", "monitor", "subscribe", "psubscribe", "ssubscribe", "unsubscribe",
    "punsubscribe", "sunsubscribe", "quit", "reset", "hello", "sync", "psync",
    "client|kill", "client|pause", "client|reply", "client|tracking", "client|unpause",
    # other machines, other servers, files, the configuration
    "replicaof", "slaveof", "migrate", "failover", "replconf", "save", "bgsave",
    "bgrewriteaof", "config|set", "config|rewrite", "config|resetstat", "debug",
    "module|load", "module|loadex", "acl|setuser", "acl|deluser", "acl|load", "acl|save",
    "acl|dryrun", "cluster|meet", "cluster|reset", "restore-asking", "asking",
    # blocking
    "blpop", "brpop", "blmove", "brpoplpush", "blmpop", "bzpopmin", "bzpopmax", "bzmpop",
    "wait", "script|kill", "function|kill",
    # castor has no Lua debugger (SCRIPT DEBUG YES makes the next EVAL a session)
    "script|debug",
    # slow
    "pfselftest", "keys",
    # random effects (SPOP: which members go)
    "spop",
}
# Replies with clocks, ids, counters or random picks: the kind only.
NONDET = {
    "time", "lastsave", "ttl", "pttl", "expiretime", "pexpiretime", "info", "randomkey", "srandmember", "spop", "hrandfield",
    "zrandmember", "xadd", "xinfo|stream", "xinfo|groups", "xinfo|consumers", "xpending",
    "xclaim", "xautoclaim", "lolwut", "memory|usage", "memory|stats", "memory|doctor",
    "memory|malloc-stats", "object|idletime", "object|freq", "slowlog|get", "slowlog|len",
    "latency|latest", "latency|history", "latency|doctor", "latency|graph",
    "latency|histogram", "acl|log", "acl|genpass", "config|get", "client|list", "client|info",
    "client|id", "client|getredir", "client|trackinginfo", "command", "command|count",
    "command|list", "command|docs", "command|info", "dbsize", "pubsub|channels",
    "pubsub|numsub", "pubsub|shardchannels", "pubsub|shardnumsub", "function|stats",
    "function|dump", "dump", "echo", "scan", "sscan", "hscan", "zscan", "object|help",
    "module|list", "memory|help",
    # a set's order (SORT BY a pattern without '*' keeps it; LIMIT picks by it)
    "sort", "sort_ro",
}
# In OBJECT REFCOUNT inside EXEC Redis counts the queued command's own
# reference to a value MSET stored (2, where castor says 1).
EXEC_NONDET = {"object|refcount"}

KEYS = ["str", "num", "list", "hash", "set", "iset", "zset", "stream", "hll", "geo", "missing",
        "{x}a", "{x}b", "bighash", "bigset", "bigzset", "biglist"]
STRINGS = ["a", "", "foo", "0", "1", "-1", "f1", "m1", "x", "g", "c", "lib", "\xff"]
INTEGERS = ["0", "1", "2", "-1", "10", "-100", "abc", "9223372036854775807",
            "9223372036854775808", "1.5", ""]
DOUBLES = ["0", "1.5", "-2", "inf", "-inf", "+inf", "nan", "x", "1e400", "3", "(1", ""]
PATTERNS = ["*", "a*", "f?o", "[a-z]*", "\\", "*x*"]


def dataset():
    return [["SET", "str", "hello"], ["SET", "num", "42"],
            ["RPUSH", "list", "a", "b", "c", "1", "2"],
            ["HSET", "hash", "f1", "v1", "f2", "2", "a", "1"],
            ["SADD", "set", "a", "b", "c", "foo"], ["SADD", "iset", "1", "2", "3"],
            ["ZADD", "zset", "1", "a", "2", "b", "3", "c", "1.5", "m1"],
            ["XADD", "stream", "1-1", "f", "v"], ["XADD", "stream", "2-1", "g", "w"],
            ["XGROUP", "CREATE", "stream", "g", "0"],
            ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "stream", ">"],
            ["PFADD", "hll", "a", "b", "c"],
            ["GEOADD", "geo", "13.361389", "38.115556", "m1", "15.087269", "37.502669", "m2"],
            ["SET", "{x}a", "1"], ["RPUSH", "{x}b", "x", "y"],
            # past the listpack / intset limits: hash tables, a skiplist, a quicklist
            ["HSET", "bighash"] + [x for i in range(200) for x in ("f%d" % i, str(i))],
            ["SADD", "bigset"] + [str(i) for i in range(600)],
            ["ZADD", "bigzset"] + [x for i in range(200) for x in (str(i % 7), "m%d" % i)],
            ["RPUSH", "biglist"] + ["v%d" % (i % 50) for i in range(1000)],
            ["FUNCTION", "LOAD", "#!lua name=lib\n"
             "redis.register_function('f', function(k, a) return #k end)"]]


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def load_docs(conn):
    """{full name ('client|list'): arguments}, from COMMAND DOCS (RESP2)."""
    raw = conn.call("COMMAND", "DOCS")
    out = {}

    def walk(flat):
        for name, body in zip(flat[0::2], flat[1::2]):
            doc = dict(zip([text(k) for k in body[0::2]], body[1::2]))
            if doc.get("subcommands"):
                walk(doc["subcommands"])
            else:
                out[text(name).lower()] = [arg_spec(a) for a in doc.get("arguments") or []]
    walk(raw)
    return out


def arg_spec(flat):
    d = dict(zip([text(k) for k in flat[0::2]], flat[1::2]))
    spec = {"type": text(d["type"]), "token": text(d["token"]) if d.get("token") else None,
            "flags": {text(f) for f in d.get("flags") or []}}
    if d.get("arguments"):
        spec["args"] = [arg_spec(a) for a in d["arguments"]]
    return spec


# Relative TTLs (the argument's index, or the token before it): a short
# one would end between the two servers' turns, so every positive one is
# long; zero, negative and malformed ones stay (their errors are compared).
TTL_AT = {"expire": 2, "pexpire": 2, "setex": 2, "psetex": 2, "restore": 2}
TTL_TOKENS = {"EX", "PX"}


def long_ttls(name, argv):
    at = [TTL_AT[name]] if name in TTL_AT else []
    if name in ("set", "getex"):
        at = [i + 1 for i, a in enumerate(argv[:-1]) if a.upper() in TTL_TOKENS]
    for i in at:
        if i < len(argv) and argv[i].isdigit() and 0 < int(argv[i]) < 100000:
            argv[i] = "100000"


class Gen:
    def __init__(self, seed, docs):
        self.r = random.Random(seed)
        self.docs = docs
        self.names = sorted(n for n in docs if n not in SKIP)

    def value(self, spec):
        r, t = self.r, spec["type"]
        if t == "key":
            return [r.choice(KEYS)]
        if t == "integer" or t == "unix-time":
            return [r.choice(INTEGERS)]
        if t == "double":
            return [r.choice(DOUBLES)]
        if t == "pattern":
            return [r.choice(PATTERNS)]
        if t == "pure-token":
            return []
        if t == "oneof":
            # Not XADD's "*": a clock's ID differs between the servers.
            alts = [a for a in spec["args"] if a["token"] != "*"] or spec["args"]
            return self.arg(r.choice(alts))
        if t == "block":
            return [x for a in spec["args"] for x in self.arg(a)]
        return [r.choice(STRINGS)]

    def token(self, spec):
        tok = spec["token"]
        if tok and self.r.random() < 0.05:
            tok = tok.lower()
        return [tok] if tok else []

    def arg(self, spec):
        r, flags = self.r, spec["flags"]
        if "optional" in flags and r.random() < 0.5:
            return []
        if (spec["token"] or "").upper() == "BLOCK":
            return []   # XREAD / XREADGROUP BLOCK would wait
        reps = r.randint(1, 3) if "multiple" in flags else 1
        out = []
        for i in range(reps):
            if i == 0 or "multiple_token" in flags:
                out += self.token(spec)
            out += self.value(spec)
        return out

    def command(self):
        r = self.r
        name = r.choice(self.names)
        argv = name.upper().split("|")
        for spec in self.docs[name]:
            argv += self.arg(spec)
        long_ttls(name, argv)
        if name == "sort":      # the order of ties is the sort's own (NONDET): not stored
            for i in [i for i, a in enumerate(argv) if a.upper() == "STORE"][::-1]:
                del argv[i:i + 2]
        roll = r.random()
        if roll < 0.05 and len(argv) > 1:
            del argv[r.randrange(1, len(argv))]
        elif roll < 0.10:
            argv.insert(r.randint(1, len(argv)), r.choice(STRINGS + INTEGERS))
        return name, argv

    def sequence(self, n):
        return [self.command() for _ in range(n)]


def same(name, a, b, queued=()):
    """Replies a (castor's) and b (redis's) to name agree; queued: the
    names of the commands an EXEC ran, for its replies one by one."""
    if a[0] == "-" or b[0] == "-":
        return a == b
    if name == "exec" and a[0] == b[0] == "*" and a[1] is not None and b[1] is not None:
        return len(a[1]) == len(b[1]) == len(queued) and \
            all(same(n, x, y) or n in EXEC_NONDET for n, x, y in zip(queued, a[1], b[1]))
    if name in NONDET:
        return a[0] == b[0]
    return normalize(a, unordered=True) == normalize(b, unordered=True)


def values(c, lfu=False):
    """The value of every key name (DEBUG DIGEST-VALUE: no expire times),
    after an EXISTS of each: a key whose time passed goes first, on both
    sides alike (which command reaches such a key before it fails on
    another argument, or visits it in hash order as SCAN does, is each
    server's own business); live values are compared. With lfu, each
    key's OBJECT FREQ follows: (digests, freqs)."""
    n = len(KEYS)
    more = [["OBJECT", "FREQ", k] for k in KEYS] if lfu else []
    got = c.pipeline([["EXISTS", k] for k in KEYS] + [["DEBUG", "DIGEST-VALUE", k] for k in KEYS] + more)
    return got[n:2 * n], got[2 * n:]


# Seeds whose servers run allkeys-lfu, counting each access (see values()).
def lfu_seed(seed):
    return (seed // 2) % 2 == 0


LFU_CONFIG = ("maxmemory", "1gb", "maxmemory-policy", "allkeys-lfu", "lfu-log-factor", "0",
              "lfu-decay-time", "0")
DEFAULT_CONFIG = ("maxmemory", "0", "maxmemory-policy", "noeviction", "lfu-log-factor", "10",
                  "lfu-decay-time", "1")


# Counters every lookup moves (a read's hit or miss, a key found expired):
# equal at the end of a sequence when both servers looked up the same keys
# the same way (values() expires what a random pick may have left).
COUNTERS = (b"keyspace_hits", b"keyspace_misses", b"expired_keys")


def command_stats(c):
    """INFO commandstats (calls, rejected and failed calls: not the times)
    and errorstats, as {line name: counts}."""
    found = {}
    for ln in c.call("INFO", "commandstats").splitlines() + c.call("INFO", "errorstats").splitlines():
        name, _, v = ln.decode().partition(":")
        if v:
            found[name] = tuple(f for f in v.split(",") if not f.startswith("usec"))
    return found


def moved_stats(before, after):
    """The command and error counts that moved from before to after."""
    def count(fields):
        return dict(f.split("=") for f in fields)
    moved = {}
    for name, fields in after.items():
        b = count(before.get(name, ()))
        d = {k: int(v) - int(b.get(k, 0)) for k, v in count(fields).items()}
        if any(d.values()):
            moved[name] = d
    return moved


def counters(c):
    found = {}
    for ln in c.call("INFO", "stats").splitlines():
        name, _, v = ln.partition(b":")
        if name in COUNTERS:
            found[name] = int(v)
    return [found[n] for n in COUNTERS]


def run(pair, cmds, proto=2, lfu=False):
    """None, or (index, message) of the first command whose replies differ
    or after which a key holds another value on one side (checked outside
    MULTI: inside, the check would be queued), or (len(cmds), message) when
    the sequence moved the lookup counters differently."""
    pair.reset()
    cs, adms, mons = pair.conns(proto), pair.conns(), pair.conns()
    try:
        for c in cs:
            # A short TTL ends at the next access on both sides, not when
            # one side's active cycle happens to run.
            c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
            if lfu:
                c.call("CONFIG", "SET", *LFU_CONFIG)
            for cmd in dataset():
                c.call(*cmd)
        start = [counters(c) for c in cs]
        stats = [command_stats(c) for c in cs]
        changes = [rdb_changes(c) for c in cs]
        ids = [c.call("CLIENT", "ID") for c in cs]
        for m in mons:
            assert m.call("MONITOR") == "OK"

        check_freq = lfu
        queued = None      # inside MULTI: the names of the commands queued
        for i, (name, argv) in enumerate(cmds):
            if name in ("sort", "sort_ro") and queued is None:
                # Redis 7.0's numeric SORT can fail on an earlier command's errno
                for c in cs:
                    c.call(*CLEAR_REDIS_ERRNO)
            if name == "swapdb":      # whole databases change places
                check_freq = False
            a, b = (c.call_node(*argv) for c in cs)
            if not same(name, a, b, queued or ()):
                return i, "%r: castor %s, redis %s" % (argv, fmt(a)[:300], fmt(b)[:300])
            msg = client_list_diff(adms, ids) or monitor_diff(adms, mons, "grammar-%d" % i)
            if msg:
                return i, "%r: %s" % (argv, msg)
            if name == "multi" and a == ("+", b"OK"):
                queued = []
            elif queued is not None and a == ("+", b"QUEUED"):
                queued.append(name)
            elif name in ("exec", "discard") and (a[0] != "-" or a[1].startswith(b"EXECABORT")):
                queued = None   # (an arity error leaves the transaction open)
            if queued is None:
                (va, fa), (vb, fb) = values(cs[0], check_freq), values(cs[1], check_freq)
                freq = ["%s (castor %s, redis %s)" % (k, fmt(x), fmt(y))
                        for k, x, y in zip(KEYS, fa, fb) if x != y]
                if va != vb or freq:
                    diff = [k for k, x, y in zip(KEYS, va, vb) if x != y]
                    return i, "%r: keys %s differ after it%s" % (
                        argv, diff, ", OBJECT FREQ of " + ", ".join(freq) if freq else "")
                now = [rdb_changes(c) for c in cs]
                moved = [n - b for n, b in zip(now, changes)]
                if moved[0] != moved[1]:
                    return i, "%r: rdb_changes_since_last_save moved %d on castor, %d on redis" % (
                        argv, moved[0], moved[1])
                changes = now
        if queued is not None:
            for c in cs:
                c.call("DISCARD")
        moved = [[e - b for b, e in zip(start[j], counters(c))] for j, c in enumerate(cs)]
        # SCAN ... TYPE reads each key it visits, and which keys a cursor
        # visits is each server's hash order.
        scan_type = any(n == "scan" and any(str(a).lower() == "type" for a in argv)
                        for n, argv in cmds)
        if moved[0] != moved[1] and not scan_type:
            return len(cmds), "hits, misses, expired keys: castor %r, redis %r" % tuple(moved)
        moved = [moved_stats(b, command_stats(c)) for b, c in zip(stats, cs)]
        if moved[0] != moved[1]:
            diff = {k: (moved[0].get(k), moved[1].get(k)) for k in set(moved[0]) | set(moved[1])
                    if moved[0].get(k) != moved[1].get(k)}
            return len(cmds), "commandstats / errorstats (castor, redis): %r" % diff
        return None
    finally:
        for c in cs + adms + mons:
            c.close()
        pair.reset()
        pair.check("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        if lfu:
            pair.check("CONFIG", "SET", *DEFAULT_CONFIG)


_DOCS = {}


@pytest.fixture
def docs(pair):
    """redis-server's COMMAND DOCS, read once."""
    if not _DOCS:
        with RespConn(pair.redis.port) as c:
            _DOCS.update(load_docs(c))
    return _DOCS


def check_seed(pair, docs, seed, length=LENGTH):
    cmds = Gen(seed, docs).sequence(length)
    proto = 3 if seed % 2 else 2     # odd seeds speak RESP3
    res = run(pair, cmds, proto, lfu_seed(seed))
    if res is None:
        return None
    i, msg = res
    return "seed %d (RESP%d%s), command %d: %s\n  after: %r" % (
        seed, proto, ", LFU" if lfu_seed(seed) else "", i, msg, [argv for _, argv in cmds[max(0, i - 8):i]])


@pytest.mark.parametrize("seed", SEEDS)
def test_grammar_sequence(pair, docs, seed):
    failure = check_seed(pair, docs, seed)
    assert failure is None, failure


def test_every_documented_command_is_generated(pair, docs):
    """The grammar reaches the whole command table (and its
    subcommands), not a handful of commands."""
    assert len(docs) > 300 and "client|no-evict" in docs and "zadd" in docs
    seen = {name for name, _ in Gen(1, docs).sequence(20000)}
    assert seen == {n for n in docs if n not in SKIP}


def test_hunt(pair, docs):
    spec = os.environ.get("CASTOR_GRAMMAR_SEEDS")
    if not spec:
        pytest.skip("set CASTOR_GRAMMAR_SEEDS=a-b to hunt")
    lo, hi = (int(x) for x in spec.split("-"))
    failures = [f for f in (check_seed(pair, docs, s) for s in range(lo, hi + 1)) if f]
    for f in failures:
        print(f)
    assert not failures, "%d failing seeds; the first:\n%s" % (len(failures), failures[0])
