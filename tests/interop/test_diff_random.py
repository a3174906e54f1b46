"""Seeded random differential test: random command sequences, the same on
castor and Debian's redis-server 7.0.15, every reply compared.

The hand-written test_diff_*.py files pin the cases someone thought of; this
one throws random sequences over a small key space (a few keys per type, so
commands meet existing keys, keys of the wrong type and missing keys), with
random arguments (wrong arity, non-integers, out-of-range and huge numbers,
empty strings, binary bytes) and values large or many enough to cross the
default encoding thresholds (listpack -> hashtable / skiplist / quicklist,
intset -> hashtable), so OBJECT ENCODING and ordering are exercised.

Commands are now and then wrapped in a script (EVAL, EVAL_RO, EVAL with
redis.setresp(3), FCALL / FCALL_RO of a loaded library) or COMMAND GETKEYS,
or queued in MULTI / EXEC (with WATCH, and now and then a second client
that touches a watched key, its db or another key before EXEC: Gen.touch);
every third seed speaks RESP3, every
fourth runs with tiny *-max-listpack-* / intset limits (conversions all the
time), every fifth also compares the stream of keyspace notifications, and
every seventh (and every seventh other) runs one command at a time and
compares after each the invalidations of client-side caching: a BCAST
client's, or those of the keys the sequence's own connection read,
redirected to a second connection (_invalidated). Gen.misc
adds connection state (CLIENT, HELLO errors), OBJECT REFCOUNT, PFDEBUG, Pub/Sub
counts, DUMP / RESTORE inside a script, and CONFIG SET of an encoding limit
mid-sequence (each run starts from its seed's limits); Gen.other_db reaches
database 1 (MOVE, COPY DB, SWAPDB, SELECT), compared at the end too.

Comparisons are exact, except where Redis itself is not deterministic:
  * replies whose order the encoding does not define (SMEMBERS, HGETALL,
    HKEYS, HVALS and SCAN-family calls on hashtable encodings, SINTER &
    co., KEYS) are sorted; for listpack and intset encodings the order is
    defined and compared as is (the generator asks OBJECT ENCODING first);
  * lex ranges over sorted sets with mixed scores (Redis leaves them
    unspecified) are compared for listpacks only, and SORT BY with ties over
    a set or a sorted set (loaded from a hash table) by length (Gen.lexq,
    Gen.sort); ZL keys hold only score-0 members for exact lex ranges;
  * random commands (SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER with counts,
    RANDOMKEY) are not generated, but with count 0, or a count above any
    key's size (the whole key, compared unordered: Gen.wholes);
  * a hash table hash is not DUMPed and RESTOREd by Gen.restore: it would
    come back as a listpack in its hash table's order;
  * FUNCTION LIST is compared unordered (a library's functions are kept
    in a hash table);
  * a mutated command whose compare mode depends on an encoding noted
    before compares as for a hash table (the key may have changed);
  * TTL / PTTL / EXPIRETIME / PEXPIRETIME are compared within a tolerance,
    and every expiry is far in the future or in the past (nothing expires
    while a sequence runs), each one distinct so GT / LT never compare two
    times that differ only by the milliseconds between the two servers;
  * XPENDING's idle times are masked, and XINFO's idle, seen and delivery
    times (_mask_times); idle thresholds are an hour, far from both what a
    sequence waits and XCLAIM's IDLE / TIME in the past;
  * GEOSEARCH / GEORADIUS without ASC / DESC, and with COUNT ANY, reply in
    the search's own order: its boxes in turn, each in sorted set order;
  * a numeric SORT is preceded by a no-op that clears the errno Redis 7.0
    tests without resetting (Gen.sort).
After each sequence: every key's PTTL (with a tolerance), TYPE, OBJECT
ENCODING, DEBUG DIGEST-VALUE; full SCAN (also by TYPE) / SSCAN / HSCAN /
ZSCAN iterations as sets; each side's DUMP restored on both sides to the same
value; DUMP bytes without LZF where their order is defined; and DEBUG DIGEST
(after PERSIST of every key: the digest mixes in expiry times).

A second test sends random sequences at the protocol level: each request
inline (quoted, with \\x escapes) or as a multibulk, all pipelined in one
write or split at random byte boundaries across writes, over RESP2 or RESP3,
half of the seeds while another client holds CLIENT PAUSE; the replies must
be the same bytes.

`make test` runs the fixed SEEDS below (20-50 s together, by load). For hunting:
    CASTOR_DIFF_SEEDS=2000 (seeds 1000..2999) or CASTOR_DIFF_SEEDS=17,42 or
    CASTOR_DIFF_SEEDS=5000-5999, optionally CASTOR_DIFF_LEN=300 (commands per
    sequence). A mismatch prints the seed and the shortest failing sequence
    found (the prefix up to the first differing reply, then greedily without
    every command that is not needed), ready to paste.
"""

import os
import random
import time

import pytest

from pair import client_list_diff, monitor_diff, rdb_changes
from resp import CLEAR_REDIS_ERRNO, RespConn, encode_command, fmt, normalize

SEEDS = list(range(1, 41))
PROTO_SEEDS = list(range(1, 17))
LENGTH = int(os.environ.get("CASTOR_DIFF_LEN", "200"))

STR = ["s0", "s1", "s2"]
BIT = ["b0", "b1"]
LST = ["l0", "l1", "l2"]
HSH = ["h0", "h1", "h2"]
SET = ["t0", "t1", "t2"]
ZST = ["z0", "z1", "z2"]
HLL = ["p0", "p1"]
GEO = ["g0", "g1"]
XST = ["x0", "x1"]
ZL = ["zl0", "zl1"]   # lex-only sorted sets (Gen.lexzsets); not in ALL
ALL = STR + BIT + LST + HSH + SET + ZST + HLL + GEO + XST + ["n0"]

WEIRD = ["", "abc", "-1", "0", "9223372036854775807", "-9223372036854775808",
         "9223372036854775808", "1.5", "\x00\xff", "inf", "-inf", "nan", " 1", "1e3"]

# Modes: how a reply is compared.
EXACT = "exact"
SORTED = "sorted"        # array elements in any order
PAIRS = "pairs"          # flat field/value array, pairs in any order
TTL = "ttl"              # integer within a tolerance (seconds or ms by name)
PENDING = "pending"      # XPENDING extended form: idle times masked
TIMES = "times"          # XINFO: idle / seen / delivery times masked (_mask_times)
WHOLE = "whole"          # a random pick whose count covers the whole key (Gen.wholes)
LEXQ = "lex"             # exact for a listpack, else the reply's kind (Gen.lexq)
SORTBY = "sortby"        # exact for a list, else the shape (see Gen.sort)
OTHER = "other"          # sent, in turn, by a second client; compared exactly
# Not mutated: random replies, SORT (its compare mode depends on its BY),
# blocking commands (a timeout mutated to 0 would block for ever).
NO_MUTATE = ("SRANDMEMBER", "HRANDFIELD", "ZRANDMEMBER", "SPOP", "SORT", "SORT_RO", "BLPOP",
             "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP",
             # CLIENT TRACKING on (pushes), a bare HELLO (the client id),
             # WAIT for a replica that never comes:
             "CLIENT", "HELLO", "WAIT")

# A library for FCALL (Gen.misc loads it; pair.reset() flushes it): the
# same generic call as the EVAL wrapper, read-write and read-only.
FUNCTION_LIB = """#!lua name=difflib
redis.register_function('dcall', function(keys, args) return redis.pcall(unpack(args)) end)
redis.register_function{function_name='dcall_ro', flags={'no-writes'},
    callback=function(keys, args) return redis.pcall(unpack(args)) end}
"""

# DUMP KEYS[1], RESTORE the payload as KEYS[2] with ARGV as the TTL and
# options; a last ARGV of TRUNCATED cuts the payload's last byte. Not a
# hash table hash: its fields would come back as a listpack in the order of
# the source's hash table, which Redis does not define.
RESTORE_SCRIPT = """local d = redis.call('DUMP', KEYS[1])
if not d then return 'nokey' end
if redis.call('OBJECT', 'ENCODING', KEYS[1]) == 'hashtable' and
   redis.call('TYPE', KEYS[1]).ok == 'hash' then return 'unordered' end
if ARGV[#ARGV] == 'TRUNCATED' then d = string.sub(d, 1, #d - 1); table.remove(ARGV) end
local a = {KEYS[2], ARGV[1], d}
for i = 2, #ARGV do a[#a + 1] = ARGV[i] end
return redis.pcall('RESTORE', unpack(a))"""

# Ways to run a command from a script (Gen.command): Lua's conversion of
# every reply, as RESP2 and as RESP3, and the script-only refusals.
SCRIPT_WRAPS = [["EVAL", "return redis.pcall(unpack(ARGV))", "0"],
                ["EVAL", "return redis.pcall(unpack(ARGV))", "0"],
                ["EVAL", "redis.setresp(3) return redis.pcall(unpack(ARGV))", "0"],
                ["EVAL_RO", "return redis.pcall(unpack(ARGV))", "0"],
                ["FCALL", "dcall", "0"], ["FCALL_RO", "dcall_ro", "0"]]


class Gen:
    """Random commands. Each is (args, mode); enc_sorted modes name the key
    whose encoding decides whether the order is defined."""

    # DEBUG RELOAD only where replies are not compared across servers: a
    # hash table hash comes back as a listpack in its table's order, which
    # follows Redis's per-process random hash seed (HKEYS, DUMP would differ).
    RELOADS = False

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.now = int(time.time())
        self.ttl_slot = 0
        self.in_multi = False

    # -- random pieces

    def pick(self, seq):
        return self.r.choice(seq)

    def chance(self, p):
        return self.r.random() < p

    def key(self, pool):
        return self.pick(pool) if self.chance(0.85) else self.pick(ALL)

    def keys(self, pool, lo=1, hi=3):
        return [self.key(pool) for _ in range(self.r.randint(lo, hi))]

    def int_s(self):
        r = self.r.random()
        if r < 0.6:
            return str(self.r.randint(-5, 20))
        if r < 0.8:
            return str(self.r.randint(-1000, 100000))
        return self.pick(WEIRD + ["9223372036854775806", "-9223372036854775807", "4294967296"])

    def float_s(self):
        return self.pick(["1.5", "-2.25", "0", "3", "1e3", "1e308", "-1e308", "inf", "-inf",
                          "nan", "abc", "0.1", "10.5", "5e-1", "1e400", "-0", "7"])

    def value(self):
        r = self.r.random()
        if r < 0.35:
            return self.pick(["a", "b", "c", "foo", "bar", "hello", "x", ""])
        if r < 0.6:
            return str(self.r.randint(-10, 600))
        if r < 0.7:
            return self.pick(["9223372036854775807", "-9223372036854775808", "3.5", "1e3",
                              "0x10", "010", "+5", "99999999999999999999"])
        if r < 0.8:
            return bytes(self.r.randint(0, 255) for _ in range(self.r.randint(1, 6)))
        n = self.r.randint(40, 90)
        return "".join(self.pick("abcdef0123") for _ in range(n))

    def member(self):
        if self.chance(0.4):
            return str(self.r.randint(0, 30))
        if self.chance(0.1):
            return self.value()
        return "m%d" % self.r.randint(0, 25)

    def many(self, fn, lo=1, hi=4):
        if self.chance(0.03):
            return [fn() for _ in range(self.r.randint(120, 140))]
        return [fn() for _ in range(self.r.randint(lo, hi))]

    def expire_s(self):
        """A distinct TTL in seconds (see the module docstring)."""
        self.ttl_slot += 1
        return 1000 + self.ttl_slot * 97 + self.r.randint(0, 40)

    def expire_at(self):
        return self.now + self.expire_s() + 50000

    def range_idx(self):
        return str(self.pick([0, 1, 2, -1, -2, -3, 3, 5, 10, 100, -100]))

    def score(self):
        if self.chance(0.8):
            return str(self.pick([self.r.randint(-3, 10), self.r.randint(-3, 10) + 0.5]))
        return self.float_s()

    def score_bound(self):
        s = self.pick(["-inf", "+inf", "0", "1", "2.5", "5", "-1", "10", "abc", "(1", "(3",
                       "(inf", "nan", "(-2"])
        return s

    def lex_bound(self):
        return self.pick(["-", "+", "[m1", "(m1", "[m5", "(m2", "[1", "m1", "[", "(", "[z"])

    # -- families: each returns a list of (args, mode)

    def strings(self):
        k = self.key(STR)
        v = self.value()
        c = self.r.randint(0, 24)
        if c == 0:
            args = ["SET", k, v]
            opts = []
            if self.chance(0.3):
                opts.append(self.pick(["NX", "XX"]))
            if self.chance(0.3):
                opts.append("GET")
            if self.chance(0.4):
                e = self.pick(["EX", "PX", "EXAT", "PXAT", "KEEPTTL"])
                opts.append(e)
                if e == "EX":
                    opts.append(str(self.expire_s()))
                elif e == "PX":
                    opts.append(str(self.expire_s() * 1000))
                elif e == "EXAT":
                    opts.append(str(self.expire_at()))
                elif e == "PXAT":
                    opts.append(str(self.expire_at() * 1000))
            if self.chance(0.05):
                opts.append(self.pick(["NX", "XX", "EX", "KEEPTTL", "GET", "PX"]))
            self.r.shuffle(opts)
            return [(args + opts, EXACT)]
        if c == 1:
            return [(["GET", k], EXACT)]
        if c == 2:
            o = self.pick([[], ["PERSIST"], ["EX", str(self.expire_s())],
                           ["PX", str(self.expire_s() * 1000)], ["EXAT", str(self.expire_at())],
                           ["PXAT", str(self.expire_at() * 1000)], ["EX", "0"], ["EX", "-5"],
                           ["EX", "abc"], ["PERSIST", "EX", "5"]])
            return [(["GETEX", k] + o, EXACT)]
        if c == 3:
            return [(["GETDEL", k], EXACT)]
        if c == 4:
            return [(["APPEND", k, v], EXACT)]
        if c == 5:
            # (not 536870911: that allocates 512 MB)
            off = self.pick(["0", "1", "3", "10", "-1", "536870912", "abc", "70"])
            return [(["SETRANGE", k, off, v], EXACT)]
        if c == 6:
            return [(["GETRANGE", k, self.int_s(), self.int_s()], EXACT)]
        if c == 7:
            return [([self.pick(["INCR", "DECR"]), k], EXACT)]
        if c == 8:
            return [([self.pick(["INCRBY", "DECRBY"]), k, self.int_s()], EXACT)]
        if c == 9:
            return [(["INCRBYFLOAT", k, self.float_s()], EXACT)]
        if c == 10:
            args = [self.pick(["MSET", "MSETNX"])]
            for _ in range(self.r.randint(1, 3)):
                args += [self.key(STR), self.value()]
            if self.chance(0.1):
                args.append("odd")
            return [(args, EXACT)]
        if c == 11:
            return [(["STRLEN", k], EXACT)]
        if c == 12:
            o = self.pick([[], ["LEN"], ["IDX"], ["IDX", "WITHMATCHLEN"],
                           ["IDX", "MINMATCHLEN", self.pick(["0", "1", "2", "-1", "abc"])],
                           ["IDX", "MINMATCHLEN", "1", "WITHMATCHLEN"], ["LEN", "IDX"], ["FOO"]])
            return [(["LCS", k, self.key(STR)] + o, EXACT)]
        if c == 13:
            return [(["MGET"] + self.keys(STR), EXACT)]
        if c == 14:
            return [(["SETNX", k, v], EXACT)]
        if c == 15:
            return [(["GETSET", k, v], EXACT)]
        if c == 16:
            return [(["SETEX", k, self.pick([str(self.expire_s()), "0", "-1", "x"]), v], EXACT)]
        if c == 17:
            return [(["PSETEX", k, self.pick([str(self.expire_s() * 1000), "0", "x"]), v], EXACT)]
        if c == 18:
            return [(["SET", k, self.pick(["0", "1", "-1", "10", "9223372036854775806",
                                           "-9223372036854775807", "1.5", "1e2"])], EXACT)]
        if c == 19:
            return [(["OBJECT", "ENCODING", k], EXACT)]
        if c == 20:
            return [(["SUBSTR", k, self.int_s(), self.int_s()], EXACT)]
        return self.bits()

    def bits(self):
        k = self.key(BIT + STR)
        c = self.r.randint(0, 7)
        if c == 0:
            off = self.pick([str(self.r.randint(0, 300)), "-1", "4294967296", "abc",
                             str(self.r.randint(0, 40))])
            return [(["SETBIT", k, off, self.pick(["0", "1", "1", "2", "-1"])], EXACT)]
        if c == 1:
            return [(["GETBIT", k, self.pick([str(self.r.randint(0, 300)), "-1", "4294967296"])],
                     EXACT)]
        if c == 2:
            o = self.pick([[], [self.int_s(), self.int_s()],
                           [self.int_s(), self.int_s(), self.pick(["BYTE", "BIT", "bit", "x"])],
                           [self.int_s()]])
            return [(["BITCOUNT", k] + o, EXACT)]
        if c == 3:
            o = self.pick([[], [self.int_s()], [self.int_s(), self.int_s()],
                           [self.int_s(), self.int_s(), self.pick(["BYTE", "BIT", "x"])]])
            return [(["BITPOS", k, self.pick(["0", "1", "2"])] + o, EXACT)]
        if c == 4:
            op = self.pick(["AND", "OR", "XOR", "NOT", "and", "FOO"])
            n = 1 if op == "NOT" and self.chance(0.8) else self.r.randint(1, 3)
            return [(["BITOP", op, self.key(BIT + STR)] + self.keys(BIT + STR, n, n), EXACT)]
        if c == 5:
            return [(["OBJECT", "ENCODING", k], EXACT)]
        # BITFIELD / BITFIELD_RO
        ops = []
        ro = self.chance(0.15)
        for _ in range(self.r.randint(1, 4)):
            t = self.pick(["u8", "i8", "u4", "i16", "i64", "u63", "u64", "i1", "u1", "x8",
                           "i65", "u32"])
            off = self.pick(["0", "3", "17", "#1", "#2", "-1", str(self.r.randint(0, 100))])
            w = self.r.randint(0, 5) if not ro else 0
            if w == 0:
                ops += ["GET", t, off]
            elif w == 1:
                ops += ["SET", t, off, self.int_s()]
            elif w == 2:
                ops += ["INCRBY", t, off, self.int_s()]
            elif w == 3:
                ops += ["OVERFLOW", self.pick(["WRAP", "SAT", "FAIL", "NONE"])]
            else:
                ops += ["INCRBY", t, off, str(self.r.randint(-300, 300))]
        return [(["BITFIELD_RO" if ro else "BITFIELD", k] + ops, EXACT)]

    def lists(self):
        k = self.key(LST)
        c = self.r.randint(0, 22)
        if c <= 2:
            cmd = self.pick(["LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"])
            return [([cmd, k] + self.many(self.value, 1, 5), EXACT)]
        if c == 3:
            return [([self.pick(["LPOP", "RPOP"]), k] + self.pick([[], [self.int_s()]]), EXACT)]
        if c == 4:
            return [(["LLEN", k], EXACT)]
        if c == 5:
            return [(["LRANGE", k, self.range_idx(), self.range_idx()], EXACT)]
        if c == 6:
            return [(["LINDEX", k, self.range_idx()], EXACT)]
        if c == 7:
            return [(["LSET", k, self.range_idx(), self.value()], EXACT)]
        if c == 8:
            return [(["LINSERT", k, self.pick(["BEFORE", "AFTER", "before", "X"]), self.value(),
                      self.value()], EXACT)]
        if c == 9:
            return [(["LREM", k, self.int_s(), self.value()], EXACT)]
        if c == 10:
            return [(["LTRIM", k, self.range_idx(), self.range_idx()], EXACT)]
        if c == 11:
            o = []
            for _ in range(self.r.randint(0, 3)):
                o += [self.pick(["RANK", "COUNT", "MAXLEN", "FOO"]),
                      self.pick(["0", "1", "2", "-1", "-2", "5", "abc",
                                 "-9223372036854775808"])]
            return [(["LPOS", k, self.value()] + o, EXACT)]
        if c == 12:
            return [(["LMOVE", k, self.key(LST), self.pick(["LEFT", "RIGHT", "UP"]),
                      self.pick(["LEFT", "RIGHT"])], EXACT)]
        if c == 13:
            return [(["RPOPLPUSH", k, self.key(LST)], EXACT)]
        if c == 14:
            ks = self.keys(LST)
            n = self.pick([str(len(ks))] * 4 + ["0", "-1", str(len(ks) + 1), "x"])
            o = self.pick([[], ["COUNT", self.pick(["1", "2", "5", "0", "-1", "x"])]])
            return [(["LMPOP", n] + ks + [self.pick(["LEFT", "RIGHT", "MID"])] + o, EXACT)]
        if c == 15:
            return [(["OBJECT", "ENCODING", k], EXACT)]
        if c == 17:
            # Blocking pops: served at once when there is data; else a
            # short timeout (a nil reply), or nothing in MULTI / scripts.
            w = self.r.randint(0, 3)
            t = self.pick(["0.01", "0.01", "-1", "x"])
            if w == 0:
                return [([self.pick(["BLPOP", "BRPOP"])] + self.keys(LST, 1, 2) + [t], EXACT)]
            if w == 1:
                return [(["BLMOVE", k, self.key(LST), self.pick(["LEFT", "RIGHT"]),
                          self.pick(["LEFT", "RIGHT"]), t], EXACT)]
            if w == 2:
                return [(["BRPOPLPUSH", k, self.key(LST), t], EXACT)]
            ks = self.keys(LST, 1, 2)
            return [(["BLMPOP", t, str(len(ks))] + ks + [self.pick(["LEFT", "RIGHT"]), "COUNT",
                                                          self.pick(["1", "3"])], EXACT)]
        if c == 16:
            return [(["LPUSH", k] + ["v%d-" % i + "x" * self.r.randint(50, 80)
                                     for i in range(self.r.randint(60, 130))], EXACT)]
        return self.sort()

    def sort(self):
        k = self.key(LST + SET + ZST)
        args = [self.pick(["SORT", "SORT", "SORT_RO"]), k]
        nosort = False
        if self.chance(0.5):
            by = self.pick(["s*", "w_*", "nosort", "h*->f", "s", "*"])
            nosort = by == "nosort"
            args += ["BY", by]
        if self.chance(0.3):
            args += ["LIMIT", self.pick(["0", "1", "-1", "2"]), self.pick(["0", "2", "10", "-1"])]
        for _ in range(self.r.randint(0, 2)):
            args += ["GET", self.pick(["#", "s*", "h*->f", "h*->", "nokey*"])]
        if self.chance(0.3):
            args.append(self.pick(["ASC", "DESC"]))
        if self.chance(0.5):
            args.append("ALPHA")
        # With BY, weights that tie under ALPHA keep the input order, and BY
        # without '*' does not sort: for a list that order is defined, but
        # Redis loads a set and a sorted set from its hash table (sort.c
        # iterates the zset's dict), whose order it does not define, and
        # with LIMIT even which elements come out depends on it. So for
        # those only the reply's shape is compared, and such sorts are not
        # stored (a numeric sort breaks ties by the element: exact).
        loose = "BY" in args and ("ALPHA" in args or nosort or "*" not in args[3])
        if args[0] == "SORT" and self.chance(0.2) and not loose:
            args += ["STORE", self.key(LST)]
        # Redis 7.0's numeric SORT can fail on an earlier command's errno
        pre = [] if "ALPHA" in args else [(list(CLEAR_REDIS_ERRNO), EXACT)]
        if loose:
            return pre + [(["TYPE", k], "note"), (args, (SORTBY, k))]
        return pre + [(args, EXACT)]

    def hashes(self):
        k = self.key(HSH)
        c = self.r.randint(0, 16)
        f = self.pick(["f", "f1", "f2", "f3", "g", "1", ""] + ["f%d" % self.r.randint(0, 150)])
        if c <= 2:
            args = [self.pick(["HSET", "HSET", "HMSET"]), k]
            for _ in range(self.r.randint(1, 3) if not self.chance(0.03) else 135):
                args += [self.pick([f, "f%d" % self.r.randint(0, 150)]), self.value()]
            if self.chance(0.05):
                args.append("odd")
            return [(args, EXACT)]
        if c == 3:
            return [(["HSETNX", k, f, self.value()], EXACT)]
        if c == 4:
            return [(["HGET", k, f], EXACT)]
        if c == 5:
            return [(["HMGET", k, f, self.pick(["f", "f1", "zz"])], EXACT)]
        if c == 6:
            return [(["HDEL", k, f] + self.pick([[], ["f1", "f2"]]), EXACT)]
        if c == 7:
            return [(["HLEN", k], EXACT)]
        if c == 8:
            return [(["HSTRLEN", k, f], EXACT)]
        if c == 9:
            return [(["HEXISTS", k, f], EXACT)]
        if c == 10:
            cmd = self.pick(["HKEYS", "HVALS", "HGETALL"])
            mode = PAIRS if cmd == "HGETALL" else SORTED
            return [(["OBJECT", "ENCODING", k], "note"), ([cmd, k], (mode, k))]
        if c == 11:
            return [(["HINCRBY", k, f, self.int_s()], EXACT)]
        if c == 12:
            return [(["HINCRBYFLOAT", k, f, self.float_s()], EXACT)]
        if c == 13:
            return [(["OBJECT", "ENCODING", k], EXACT)]
        if c == 14:
            return [(["HSET", k, "big", "y" * self.r.randint(60, 70)], EXACT)]
        return [(["HRANDFIELD", k, "0"], EXACT)]

    def sets(self):
        k = self.key(SET)
        c = self.r.randint(0, 15)
        if c <= 2:
            fn = self.member if self.chance(0.6) else (lambda: str(self.r.randint(-50, 700)))
            args = ["SADD", k] + self.many(fn, 1, 5)
            if self.chance(0.02):
                args = ["SADD", k] + [str(i) for i in range(self.r.randint(500, 530))]
            return [(args, EXACT)]
        if c == 3:
            return [(["SREM", k] + self.many(self.member, 1, 3), EXACT)]
        if c == 4:
            return [(["SCARD", k], EXACT)]
        if c == 5:
            return [(["SISMEMBER", k, self.member()], EXACT)]
        if c == 6:
            return [(["SMISMEMBER", k] + self.many(self.member, 1, 3), EXACT)]
        if c == 7:
            return [(["OBJECT", "ENCODING", k], "note"), (["SMEMBERS", k], (SORTED, k))]
        if c == 8:
            return [([self.pick(["SINTER", "SUNION", "SDIFF"])] + self.keys(SET), SORTED)]
        if c == 9:
            return [([self.pick(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), self.key(SET)]
                     + self.keys(SET), EXACT)]
        if c == 10:
            ks = self.keys(SET)
            n = self.pick([str(len(ks))] * 4 + ["0", "-1", str(len(ks) + 1), "x"])
            o = self.pick([[], ["LIMIT", self.pick(["0", "1", "2", "-1", "x"])]])
            return [(["SINTERCARD", n] + ks + o, EXACT)]
        if c == 11:
            return [(["SMOVE", k, self.key(SET), self.member()], EXACT)]
        if c == 12:
            return [(["OBJECT", "ENCODING", k], EXACT)]
        if c == 13:
            return [(["SADD", k, "x" * self.r.randint(60, 70)], EXACT)]
        return [(["SRANDMEMBER", k, "0"], EXACT)]

    def zsets(self):
        k = self.key(ZST)
        c = self.r.randint(0, 27)
        if c <= 3:
            args = ["ZADD", k]
            if self.chance(0.4):
                args += self.r.sample(["NX", "XX", "GT", "LT", "CH", "INCR"],
                                      self.r.randint(1, 2))
            n = 1 if "INCR" in args else self.r.randint(1, 4)
            if self.chance(0.03):
                n = 135
            for _ in range(n):
                args += [self.score(), self.member() if n < 100 else
                         "m%d" % self.r.randint(0, 200)]
            if self.chance(0.05):
                args.append("odd")
            return [(args, EXACT)]
        if c == 4:
            return [(["ZINCRBY", k, self.score(), self.member()], EXACT)]
        if c == 5:
            return [(["ZREM", k] + self.many(self.member, 1, 3), EXACT)]
        if c == 6:
            return [(["ZCARD", k], EXACT)]
        if c == 7:
            return [(["ZCOUNT", k, self.score_bound(), self.score_bound()], EXACT)]
        if c == 8:
            return self.lexq(k, ["ZLEXCOUNT", k, self.lex_bound(), self.lex_bound()])
        if c == 9:
            return [(["ZSCORE", k, self.member()], EXACT)]
        if c == 10:
            return [(["ZMSCORE", k] + self.many(self.member, 1, 3), EXACT)]
        if c == 11:
            return [([self.pick(["ZRANK", "ZREVRANK"]), k, self.member()], EXACT)]
        if c in (12, 13, 14):
            args = self.zrange_args("ZRANGE", k)
            return self.lexq(k, args) if "BYLEX" in args else [(args, EXACT)]
        if c == 15:
            args = self.zrange_args("ZRANGESTORE", k)
            if "BYLEX" in args:
                return self.lexzsets()
            if "WITHSCORES" in args and self.chance(0.8):
                args.remove("WITHSCORES")
            return [(args, EXACT)]
        if c == 16:
            cmd = self.pick(["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"])
            args = [cmd, k, self.score_bound(), self.score_bound()]
            if self.chance(0.4):
                args.append("WITHSCORES")
            if self.chance(0.3):
                args += ["LIMIT", self.range_idx(), self.range_idx()]
            return [(args, EXACT)]
        if c == 17:
            cmd = self.pick(["ZRANGEBYLEX", "ZREVRANGEBYLEX"])
            args = [cmd, k, self.lex_bound(), self.lex_bound()]
            if self.chance(0.3):
                args += ["LIMIT", self.range_idx(), self.range_idx()]
            return self.lexq(k, args)
        if c == 18:
            w = self.r.randint(0, 2)
            if w == 0:
                return [(["ZREMRANGEBYRANK", k, self.range_idx(), self.range_idx()], EXACT)]
            if w == 1:
                return [(["ZREMRANGEBYSCORE", k, self.score_bound(), self.score_bound()], EXACT)]
            return self.lexzsets()
        if c == 19 and self.chance(0.2):
            t = self.pick(["0.01", "-1"])
            if self.chance(0.5):
                return [([self.pick(["BZPOPMIN", "BZPOPMAX"])] + self.keys(ZST, 1, 2) + [t],
                         EXACT)]
            ks = self.keys(ZST, 1, 2)
            return [(["BZMPOP", t, str(len(ks))] + ks + [self.pick(["MIN", "MAX"]), "COUNT", "2"],
                     EXACT)]
        if c == 19:
            return [([self.pick(["ZPOPMIN", "ZPOPMAX"]), k] + self.pick([[], [self.int_s()]]),
                     EXACT)]
        if c == 20:
            ks = self.keys(ZST)
            n = self.pick([str(len(ks))] * 4 + ["0", "-1", str(len(ks) + 1)])
            o = self.pick([[], ["COUNT", self.pick(["1", "2", "5", "0", "-1"])]])
            return [(["ZMPOP", n] + ks + [self.pick(["MIN", "MAX", "MID"])] + o, EXACT)]
        if c in (21, 22):
            cmd = self.pick(["ZINTER", "ZUNION", "ZDIFF", "ZINTERSTORE", "ZUNIONSTORE",
                             "ZDIFFSTORE"])
            ks = self.keys(ZST + SET)
            args = [cmd]
            if cmd.endswith("STORE"):
                args.append(self.key(ZST))
            n = self.pick([str(len(ks))] * 6 + ["0", "-1", str(len(ks) + 1)])
            args += [n] + ks
            if self.chance(0.3) and not cmd.startswith("ZDIFF"):
                args += ["WEIGHTS"] + [self.pick(["1", "2", "-1", "0.5", "inf", "x", "0"])
                                       for _ in ks]
            if self.chance(0.3) and not cmd.startswith("ZDIFF"):
                args += ["AGGREGATE", self.pick(["SUM", "MIN", "MAX", "AVG"])]
            if not cmd.endswith("STORE") and self.chance(0.5):
                args.append("WITHSCORES")
            return [(args, EXACT)]
        if c == 23:
            ks = self.keys(ZST)
            n = self.pick([str(len(ks))] * 4 + ["0", str(len(ks) + 1)])
            o = self.pick([[], ["LIMIT", self.pick(["0", "1", "-1"])]])
            return [(["ZINTERCARD", n] + ks + o, EXACT)]
        if c == 24:
            return [(["OBJECT", "ENCODING", k], EXACT)]
        if c == 25:
            return [(["ZRANDMEMBER", k, "0"] + self.pick([[], ["WITHSCORES"]]), EXACT)]
        if c == 26:
            return [(["ZADD", k, self.score(), "x" * self.r.randint(60, 70)], EXACT)]
        return [(["ZREVRANGE", k, self.range_idx(), self.range_idx()]
                 + self.pick([[], ["WITHSCORES"]]), EXACT)]

    def lexq(self, k, args):
        """A lex range over a sorted set whose scores may differ: Redis
        leaves the result unspecified, and a skiplist's answer depends on its
        random levels (zslFirstInLexRange descends them), so it is compared
        only for a listpack, where the scan is linear."""
        return [(["OBJECT", "ENCODING", k], "note"), (args, (LEXQ, k))]

    def lexzsets(self):
        """Sorted sets whose members all have score 0 (ZL keys are in no
        other family's pool), for exact lex ranges in both encodings."""
        k = self.pick(ZL)
        c = self.r.randint(0, 8)
        if c <= 2:
            n = self.r.randint(1, 4) if not self.chance(0.05) else 135
            args = ["ZADD", k]
            for _ in range(n):
                args += ["0", self.member() if n < 100 else "m%d" % self.r.randint(0, 300)]
            return [(args, EXACT)]
        if c == 3:
            return [(["ZLEXCOUNT", k, self.lex_bound(), self.lex_bound()], EXACT)]
        if c == 4:
            cmd = self.pick(["ZRANGEBYLEX", "ZREVRANGEBYLEX"])
            args = [cmd, k, self.lex_bound(), self.lex_bound()]
            if self.chance(0.3):
                args += ["LIMIT", self.range_idx(), self.range_idx()]
            return [(args, EXACT)]
        if c == 5:
            return [(["ZREMRANGEBYLEX", k, self.lex_bound(), self.lex_bound()], EXACT)]
        if c == 6:
            args = ["ZRANGESTORE", self.pick(ZL), k, self.lex_bound(), self.lex_bound(), "BYLEX"]
            if self.chance(0.3):
                args.append("REV")
            if self.chance(0.3):
                args += ["LIMIT", self.range_idx(), self.range_idx()]
            return [(args, EXACT)]
        if c == 7:
            return [(["ZREM", k, self.member()], EXACT)]
        args = ["ZRANGE", k, self.lex_bound(), self.lex_bound(), "BYLEX"]
        if self.chance(0.3):
            args.append("REV")
        return [(args, EXACT)]

    def zrange_args(self, cmd, k):
        args = [cmd]
        if cmd == "ZRANGESTORE":
            args.append(self.key(ZST))
        args.append(k)
        how = self.pick(["rank", "rank", "score", "lex"])
        if how == "rank":
            args += [self.range_idx(), self.range_idx()]
        elif how == "score":
            args += [self.score_bound(), self.score_bound(), "BYSCORE"]
        else:
            args += [self.lex_bound(), self.lex_bound(), "BYLEX"]
        if self.chance(0.3):
            args.append("REV")
        if self.chance(0.3):
            args += ["LIMIT", self.range_idx(), self.range_idx()]
        if self.chance(0.4):
            args.append("WITHSCORES")
        if self.chance(0.05):
            self.r.shuffle(args[3:])
        return args

    def hll(self):
        k = self.key(HLL)
        c = self.r.randint(0, 3)
        if c <= 1:
            n = self.r.randint(0, 5) if not self.chance(0.05) else 300
            return [(["PFADD", k] + ["e%d" % self.r.randint(0, 5000) for _ in range(n)], EXACT)]
        if c == 2:
            return [(["PFCOUNT"] + self.keys(HLL), EXACT)]
        return [(["PFMERGE", self.key(HLL)] + self.keys(HLL, 0, 2), EXACT)]

    def geo(self):
        k = self.key(GEO)
        c = self.r.randint(0, 6)
        if c <= 1:
            args = ["GEOADD", k]
            if self.chance(0.3):
                args += self.r.sample(["NX", "XX", "CH"], self.r.randint(1, 2))
            for _ in range(self.r.randint(1, 3)):
                lon = self.pick(["%.6f" % self.r.uniform(-20, 20), "%.4f" % self.r.uniform(-180, 180),
                                 "181", "abc"]) if self.chance(0.1) else \
                    "%.6f" % self.r.uniform(13, 16)
                lat = "%.6f" % self.r.uniform(37, 39) if not self.chance(0.05) else "86"
                args += [lon, lat, self.member()]
            return [(args, EXACT)]
        if c == 2:
            return [(["GEODIST", k, self.member(), self.member()]
                     + self.pick([[], ["km"], ["mi"], ["ft"], ["m"], ["parsec"]]), EXACT)]
        if c == 3:
            return [(["GEOPOS", k] + self.many(self.member, 1, 3), EXACT)]
        if c == 4:
            return [(["GEOHASH", k] + self.many(self.member, 1, 3), EXACT)]
        if self.chance(0.3):
            return self.georadius(k)
        args = [self.pick(["GEOSEARCH", "GEOSEARCHSTORE"])]
        if args[0] == "GEOSEARCHSTORE":
            args.append(self.key(GEO))
        args.append(k)
        if self.chance(0.5):
            args += ["FROMMEMBER", self.member()]
        else:
            args += ["FROMLONLAT", "%.4f" % self.r.uniform(13, 16), "%.4f" % self.r.uniform(37, 39)]
        if self.chance(0.5):
            args += ["BYRADIUS", str(self.r.randint(0, 400)), self.pick(["km", "m", "mi", "xx"])]
        else:
            args += ["BYBOX", str(self.r.randint(1, 400)), str(self.r.randint(1, 400)),
                     self.pick(["km", "mi"])]
        args += self.geo_order()
        if args[0] == "GEOSEARCH":
            for o in ("WITHDIST", "WITHCOORD", "WITHHASH"):
                if self.chance(0.3):
                    args.append(o)
        elif self.chance(0.4):
            args.append("STOREDIST")
        return [(args, EXACT)]

    def georadius(self, k):
        """The GEORADIUS family (deprecated, still served): STORE and
        STOREDIST, refused by the _RO forms."""
        cmd = self.pick(["GEORADIUS", "GEORADIUSBYMEMBER", "GEORADIUS_RO",
                         "GEORADIUSBYMEMBER_RO"])
        args = [cmd, k]
        if "MEMBER" in cmd:
            args.append(self.member())
        else:
            args += ["%.4f" % self.r.uniform(13, 16), "%.4f" % self.r.uniform(37, 39)]
        args += [str(self.r.randint(0, 400)), self.pick(["km", "m", "mi", "ft", "xx"])]
        for o in ("WITHDIST", "WITHCOORD", "WITHHASH"):
            if self.chance(0.3):
                args.append(o)
        args += self.geo_order()
        if self.chance(0.3):
            args += [self.pick(["STORE", "STOREDIST"]), self.key(GEO)]
        return [(args, EXACT)]

    def geo_order(self):
        """ASC / DESC, or neither (the search's own order: its boxes in turn,
        each in sorted set order, deterministic); COUNT n, maybe ANY (the
        first n found in that order)."""
        out = [self.pick(["ASC", "DESC", "ASC"])] if self.chance(0.7) else []
        if self.chance(0.4):
            out += ["COUNT", self.pick(["1", "2", "3", "0", "-1"])]
            if self.chance(0.3):
                out.append("ANY")
        elif self.chance(0.03):
            out.append("ANY")
        return out

    def stream_id(self):
        ms = self.r.randint(0, 30)
        if self.chance(0.2):
            return "%d-*" % ms
        if self.chance(0.05):
            return self.pick(["0-0", "abc", "-1", "18446744073709551615-18446744073709551615",
                              "5-", "1-2-3"])
        return "%d-%d" % (ms, self.r.randint(0, 3))

    def streams(self):
        k = self.key(XST)
        c = self.r.randint(0, 17)
        if self.chance(0.3):
            return self.streams_more(k)
        g = self.pick(["g1", "g2"])
        cons = self.pick(["c1", "c2", "c3"])
        if c <= 3:
            args = ["XADD", k]
            if self.chance(0.1):
                args.append("NOMKSTREAM")
            if self.chance(0.15):
                args += [self.pick(["MAXLEN", "MINID"]), self.pick(["=", "="]),
                         self.pick(["0", "2", "5", "10-0", "3"])]
            args.append(self.stream_id())
            for _ in range(self.r.randint(1, 2)):
                args += [self.pick(["f", "g", "h"]), self.value()]
            return [(args, EXACT)]
        if c == 4:
            cmd = self.pick(["XRANGE", "XREVRANGE"])
            lo, hi = self.pick([("-", "+"), ("5", "20"), ("(3-0", "+"), ("-", "(10-1"),
                                ("10-2", "10-2"), ("abc", "+")])
            if cmd == "XREVRANGE":
                lo, hi = hi, lo
            return [([cmd, k, lo, hi] + self.pick([[], ["COUNT", self.pick(["1", "3", "0", "-1"])]]),
                     EXACT)]
        if c == 5:
            return [(["XLEN", k], EXACT)]
        if c == 6:
            return [(["XDEL", k] + [self.stream_id() for _ in range(self.r.randint(1, 3))], EXACT)]
        if c == 7:
            return [(["XTRIM", k, self.pick(["MAXLEN", "MINID"]), self.pick(["=", "=", ""]),
                      self.pick(["0", "3", "8", "10-0", "-1"])], EXACT)]
        if c == 8:
            sub = self.pick(["CREATE", "CREATE", "SETID", "DESTROY", "CREATECONSUMER",
                             "DELCONSUMER"])
            if sub in ("CREATE", "SETID"):
                args = ["XGROUP", sub, k, g, self.pick(["$", "0", "0-0", "5-0", "abc"])]
                if sub == "CREATE" and self.chance(0.3):
                    args.append("MKSTREAM")
                return [(args, EXACT)]
            if sub == "DESTROY":
                return [(["XGROUP", sub, k, g], EXACT)]
            return [(["XGROUP", sub, k, g, cons], EXACT)]
        if c in (9, 10, 11):
            args = ["XREADGROUP", "GROUP", g, cons]
            if self.chance(0.4):
                args += ["COUNT", self.pick(["1", "2", "5", "0"])]
            if self.chance(0.1):
                args.append("NOACK")
            args += ["STREAMS", k, self.pick([">", ">", "0", "5-0"])]
            return [(args, EXACT)]
        if c == 12:
            return [(["XACK", k, g] + [self.stream_id() for _ in range(self.r.randint(1, 3))],
                     EXACT)]
        if c == 13:
            return [(["XPENDING", k, g], EXACT)]
        if c == 14:
            args = ["XPENDING", k, g, "-", "+", self.pick(["10", "1", "0"])]
            if self.chance(0.3):
                args.append(cons)
            return [(args, PENDING)]
        if c == 15:
            return [(["XAUTOCLAIM", k, g, cons, "0", self.pick(["0-0", "5-0"]), "COUNT",
                      self.pick(["1", "5", "100"]), "JUSTID"], EXACT)]
        if c == 16:
            return [(["XCLAIM", k, g, cons, "0"] + [self.stream_id() for _ in range(2)]
                     + ["JUSTID"], EXACT)]
        return [(["XSETID", k, self.stream_id()], EXACT)]

    def streams_more(self, k):
        """The stream forms added in 7.0 and the options the basic family
        leaves out. Idle and delivery times are never compared (TIMES),
        and every idle threshold is an hour: far above what a sequence
        waits, far below XCLAIM's IDLE / TIME in the past."""
        g = self.pick(["g1", "g2"])
        cons = self.pick(["c1", "c2", "c3"])
        c = self.r.randint(0, 11)
        if c == 0:
            args = ["XREAD"]
            if self.chance(0.4):
                args += ["COUNT", self.pick(["1", "2", "0", "-1"])]
            ks = [k] if self.chance(0.7) else [k, self.key(XST)]
            ids = [self.pick(["0", "0-0", "5-0", "$", "+", "10", self.stream_id()]) for _ in ks]
            if self.chance(0.05):
                ids.pop()
            return [(args + ["STREAMS"] + ks + ids, EXACT)]
        if c == 1:
            return [(["XINFO", "STREAM", k], EXACT)]
        if c == 2:
            args = ["XINFO", "STREAM", k, "FULL"]
            if self.chance(0.5):
                args += ["COUNT", self.pick(["0", "1", "3", "-1"])]
            return [(args, TIMES)]
        if c == 3:
            return [(["XINFO", "GROUPS", k], EXACT)]
        if c == 4:
            return [(["XINFO", "CONSUMERS", k, g], TIMES)]
        if c == 5:
            args = ["XADD", k]
            if self.chance(0.1):
                args.append("NOMKSTREAM")
            args += [self.pick(["MAXLEN", "MINID"]), self.pick(["~", "=", "~"]),
                     self.pick(["0", "2", "5", "10-0", "3", "-1"])]
            if self.chance(0.5):
                args += ["LIMIT", self.pick(["0", "1", "3", "100", "-1"])]
            args.append(self.stream_id())
            args += [self.pick(["f", "g", "h"]), self.value()]
            return [(args, EXACT)]
        if c == 6:
            args = ["XTRIM", k, self.pick(["MAXLEN", "MINID"]), self.pick(["~", "=", "~", ""]),
                    self.pick(["0", "3", "8", "10-0", "-1"])]
            if "" in args:
                args.remove("")
            if self.chance(0.5):
                args += ["LIMIT", self.pick(["0", "1", "3", "100", "-1"])]
            return [(args, EXACT)]
        if c == 7:
            args = ["XSETID", k, self.stream_id()]
            if self.chance(0.6):
                args += ["ENTRIESADDED", self.pick(["0", "1", "5", "20", "100", "-1", "x"])]
            if self.chance(0.6):
                args += ["MAXDELETEDID", self.pick(["0-0", "3-0", "40-0", "abc", self.stream_id()])]
            return [(args, EXACT)]
        if c == 8:
            sub = self.pick(["CREATE", "SETID"])
            args = ["XGROUP", sub, k, g, self.pick(["$", "0", "5-0", self.stream_id()])]
            if sub == "CREATE" and self.chance(0.3):
                args.append("MKSTREAM")
            args += ["ENTRIESREAD", self.pick(["0", "1", "3", "100", "-1", "-2", "x"])]
            return [(args, EXACT)]
        if c == 9:
            args = ["XCLAIM", k, g, cons, self.pick(["0", "0", "3600000"])]
            args += [self.stream_id() for _ in range(self.r.randint(1, 3))]
            for _ in range(self.r.randint(0, 3)):
                o = self.pick(["IDLE", "TIME", "RETRYCOUNT", "FORCE", "JUSTID", "LASTID"])
                if o == "IDLE":
                    args += [o, self.pick(["0", "5000000000", "-5", "x"])]
                elif o == "TIME":
                    args += [o, self.pick(["1000", "0", "x"])]
                elif o == "RETRYCOUNT":
                    args += [o, self.pick(["0", "7", "-1"])]
                elif o == "LASTID":
                    args += [o, self.pick(["0-0", "20-0", "abc", self.stream_id()])]
                else:
                    args.append(o)
            return [(args, EXACT)]
        if c == 10:
            args = ["XAUTOCLAIM", k, g, cons, self.pick(["0", "0", "3600000", "-1"]),
                    self.pick(["0", "0-0", "5-0", "abc"])]
            if self.chance(0.6):
                args += ["COUNT", self.pick(["1", "2", "100", "0", "-1"])]
            if self.chance(0.3):
                args.append("JUSTID")
            return [(args, EXACT)]
        args = ["XPENDING", k, g]
        if self.chance(0.5):
            args += ["IDLE", self.pick(["0", "3600000", "-1", "x"])]
        args += [self.pick(["-", "(1-0", "5-0"]), self.pick(["+", "(20-0", "10-3"]),
                 self.pick(["10", "1", "0", "-1"])]
        if self.chance(0.3):
            args.append(cons)
        return [(args, PENDING)]

    def keyspace(self):
        k = self.pick(ALL)
        c = self.r.randint(0, 20)
        if c == 0:
            return [([self.pick(["DEL", "UNLINK"])] + [self.pick(ALL)], EXACT)]
        if c == 1:
            return [(["EXISTS"] + [self.pick(ALL) for _ in range(self.r.randint(1, 3))], EXACT)]
        if c == 2:
            return [(["TYPE", k], EXACT)]
        if c == 3:
            # Within its type mostly, so the data survives the shuffle.
            return [([self.pick(["RENAME", "RENAMENX"]), k,
                      self.pick(ALL) if self.chance(0.5) else k[0] + str(self.r.randint(0, 2))],
                     EXACT)]
        if c == 4:
            dst = self.pick(ALL) if self.chance(0.5) else k[0] + str(self.r.randint(0, 2))
            return [(["COPY", k, dst] + self.pick([[], ["REPLACE"], ["DB", "0"], ["FOO"]]),
                     EXACT)]
        if c in (5, 6):
            cmd = self.pick(["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
            t = {"EXPIRE": str(self.expire_s()), "PEXPIRE": str(self.expire_s() * 1000),
                 "EXPIREAT": str(self.expire_at()), "PEXPIREAT": str(self.expire_at() * 1000)}[cmd]
            if self.chance(0.1):
                t = self.pick(["-1", "0", "abc", "9223372036854775807", str(self.now - 100),
                               "-9223372036854775808"])
            o = self.pick([[], [], ["NX"], ["XX"], ["GT"], ["LT"], ["NX", "XX"], ["GT", "LT"],
                           ["NX", "GT"], ["FOO"]])
            return [([cmd, k, t] + o, EXACT)]
        if c == 7:
            cmd = self.pick(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"])
            return [([cmd, k], TTL)]
        if c == 8:
            return [(["PERSIST", k], EXACT)]
        if c == 9:
            return [(["OBJECT", "ENCODING", k], EXACT)]
        if c == 10:
            return [(["KEYS", self.pick(["*", "s*", "?0", "[lh]*", "*1", "x"])], SORTED)]
        if c == 11:
            return [(["DBSIZE"], EXACT)]
        if c == 14:
            # One SCAN-family call: a listpack or an intset comes whole, in
            # its order; a hashtable's cursor walk is compared at the end.
            cmd = self.pick(["SSCAN", "HSCAN", "ZSCAN"])
            k = self.key({"SSCAN": SET, "HSCAN": HSH, "ZSCAN": ZST}[cmd])
            args = [cmd, k, self.pick(["0", "0", "1", "abc", "-1"])]
            if self.chance(0.4):
                args += ["MATCH", self.pick(["*", "m*", "f?", "1*", "[", ""])]
            if self.chance(0.3):
                args += ["COUNT", self.pick(["1", "10", "0", "-1", "x"])]
            if self.chance(0.05):
                args += ["TYPE", "set"]
            return [(["OBJECT", "ENCODING", k], "note"), (args, (LEXQ, k))]
        if c == 12:
            return [(["TOUCH"] + [self.pick(ALL) for _ in range(2)], EXACT)]
        if c == 13:
            return self.multi()
        if c == 15:
            return self.other_db(k)
        return self.pick([self.strings, self.lists, self.hashes, self.sets, self.zsets])()

    def other_db(self, k):
        """Database 1: MOVE, COPY DB, SWAPDB, or a few commands after
        SELECT 1 (compare_state compares database 1 too)."""
        c = self.r.randint(0, 4)
        if c == 0:
            return [(["MOVE", k, self.pick(["1", "1", "0", "16", "-1", "x"])], EXACT)]
        if c == 1:
            dst = self.pick(ALL) if self.chance(0.5) else k
            return [(["COPY", k, dst, "DB", self.pick(["1", "1", "0", "16", "x"])]
                     + self.pick([[], ["REPLACE"]]), EXACT)]
        if c == 2:
            return [(["SWAPDB", self.pick(["0", "1"]), self.pick(["1", "0", "16", "x"])], EXACT)]
        if self.in_multi:
            return [(["SELECT", "1"], EXACT), (["DBSIZE"], EXACT), (["SELECT", "0"], EXACT)]
        out = [(["SELECT", self.pick(["1", "1", "16", "-1", "x"])], EXACT)]
        for _ in range(self.r.randint(1, 3)):
            out += self.pick([self.strings, self.lists, self.hashes, self.sets, self.zsets,
                              self.streams])()
        return out + [(["SELECT", "0"], EXACT)]

    def wholes(self):
        """SRANDMEMBER / HRANDFIELD / ZRANDMEMBER / SPOP with a count above
        any key's size: the whole key, no randomness (compared unordered)."""
        c = self.r.randint(0, 3)
        if c == 0:
            return [(["SRANDMEMBER", self.key(SET), "10000"], WHOLE)]
        if c == 1:
            return [(["HRANDFIELD", self.key(HSH), "10000"] + self.pick([[], ["WITHVALUES"]]),
                     WHOLE)]
        if c == 2:
            return [(["ZRANDMEMBER", self.key(ZST), "10000"] + self.pick([[], ["WITHSCORES"]]),
                     WHOLE)]
        return [(["SPOP", self.key(SET), "10000"], WHOLE)]

    def misc(self):
        """Deterministic odds and ends: connection state, OBJECT, PFDEBUG,
        Pub/Sub counts, DUMP / RESTORE through a script, functions, and
        where RELOADS says so DEBUG RELOAD."""
        k = self.pick(ALL)
        c = self.r.randint(0, 14)
        if c == 14:
            reload = self.RELOADS and not self.in_multi
            return [(["DEBUG", "RELOAD"] if reload else ["PING"], EXACT)]
        if c == 0:
            return [(["ECHO", self.value()], EXACT)]
        if c == 1:
            # (OBJECT FREQ is compared at the end, where keys a script
            # wrote are left out: see script_written)
            return [(["OBJECT", self.pick(["REFCOUNT", "REFCOUNT", "ENCODING", "HELP", "NOSUCH"]), k],
                     EXACT)]
        if c == 2:
            sub = self.pick(["GETREG", "ENCODING", "TODENSE", "DECODE", "NOSUCH"])
            return [(["PFDEBUG", sub, self.key(HLL)], EXACT)]
        if c == 3:
            w = self.r.randint(0, 6)
            if w == 0:
                return [(["CLIENT", "SETNAME", self.pick(["n1", "", "a b", "x\n", "n2"])], EXACT)]
            if w == 1:
                return [(["CLIENT", "GETNAME"], EXACT)]
            if w == 2:
                return [(["CLIENT", "NO-EVICT", self.pick(["on", "off", "maybe"])], EXACT)]
            if w == 3:
                return [(["CLIENT", self.pick(["GETREDIR", "TRACKINGINFO", "HELP", "NOSUCH"])],
                         EXACT)]
            if w == 4:
                return [(["CLIENT", "CACHING", self.pick(["yes", "no", "x"])], EXACT)]
            if w == 5:
                # (never a filter that matches: SKIPME or TYPE would kill
                # the subscribers of the notification comparison)
                return [(["CLIENT", "KILL"] + self.pick(
                    [["ID", "999999"], ["USER", "nouser"], ["TYPE", "x"], ["ADDR", "1.2.3.4:5"],
                     ["LADDR", "1.2.3.4:5"], ["ID", "x"], ["1.2.3.4:5"]]), EXACT)]
            return [(["CLIENT", "TRACKING", "on"] + self.pick(
                [["OPTIN", "OPTOUT"], ["BCAST", "PREFIX", "a", "PREFIX", "ab"], ["REDIRECT", "999999"],
                 ["NOSUCH"]]), EXACT)]
        if c == 4:
            return [(self.hello(), EXACT)]
        if c == 5:
            return [(["PUBSUB", self.pick(["NUMSUB", "CHANNELS", "NUMPAT", "SHARDCHANNELS",
                                           "SHARDNUMSUB"])] + self.pick([[], ["a*"], ["a", "b"]]),
                     SORTED)]
        if c == 6:
            return [([self.pick(["PUBLISH", "SPUBLISH"]), self.pick(["ch", "__keyspace@0__:x"]),
                      self.value()], EXACT)]
        if c in (7, 8):
            return [self.restore(k)]
        if c == 9:
            return [(["WAIT", self.pick(["0", "-1", "x"]), "0"], EXACT)]
        if c == 10:
            return [(["FUNCTION", "LOAD"] + self.pick([[], ["REPLACE"]]) + [FUNCTION_LIB], EXACT)]
        if c == 11:
            # (a library's functions come in its hash table's order)
            return [(["FUNCTION", "LIST"] + self.pick([[], ["WITHCODE"], ["LIBRARYNAME", "diff*"]]),
                     SORTED)]
        return [(self.config_set(), EXACT)]

    def config_set(self):
        """An encoding limit changed mid-sequence: existing keys convert
        on their next write, or not at all (run_sequence resets them)."""
        name = self.pick(["hash-max-listpack-entries", "hash-max-listpack-value",
                          "zset-max-listpack-entries", "zset-max-listpack-value",
                          "set-max-intset-entries", "list-max-listpack-size",
                          "list-compress-depth"])
        val = {"set-max-intset-entries": ["1", "4", "512", "0"],
               "list-max-listpack-size": ["-2", "-1", "1", "4", "-5"],
               "list-compress-depth": ["0", "1", "2"]}.get(
            name, ["0", "1", "2", "4", "128"] if name.endswith("entries") else ["0", "8", "64"])
        return ["CONFIG", "SET", name, self.pick(val)]

    def hello(self):
        # HELLO 2 / 3 would change the connection's protocol: only errors.
        return self.pick([["HELLO", "4"], ["HELLO", "x"], ["HELLO", "1"],
                          ["HELLO", str(2 if self.chance(0.5) else 3), "AUTH", "a", "b"],
                          ["HELLO", "3", "SETNAME", "a b"], ["HELLO", "3", "NOSUCH"]])

    def restore(self, k):
        """DUMP k and RESTORE it under another key, in one script (the
        payload never leaves the server)."""
        dst = self.pick(ALL) if self.chance(0.6) else k
        args = [self.pick(["0", "0", str(self.expire_s() * 1000), str(self.expire_at() * 1000),
                           "-1", "x"])]
        if args[0] == "0" or self.chance(0.1):
            args += self.r.sample(["REPLACE", "IDLETIME", "FREQ"], self.r.randint(0, 2))
        else:
            args += ["ABSTTL"] if self.chance(0.5) else []
            args += ["REPLACE"] if self.chance(0.7) else []
        out = []
        for a in args:
            out.append(a)
            if a == "IDLETIME":
                out.append(self.pick(["10", "-1", "x"]))
            elif a == "FREQ":
                out.append(self.pick(["5", "300", "-1"]))
        if self.chance(0.1):
            out.append("TRUNCATED")
        return (["EVAL", RESTORE_SCRIPT, "2", k, dst] + out, EXACT)

    def multi(self):
        if self.in_multi:
            return [(["PING"], EXACT)]
        out = []
        if self.chance(0.4):
            watched = [self.pick(ALL) for _ in range(self.r.randint(1, 2))]
            out.append((["WATCH"] + watched, EXACT))
            if self.chance(0.5):
                out += self.command()
            if self.chance(0.5):
                out.append((self.touch(self.pick(watched)), OTHER))
        out.append((["MULTI"], EXACT))
        self.in_multi = True
        inner = []
        for _ in range(self.r.randint(0, 4)):
            for args, mode in self.command():
                if mode == "note":
                    continue
                if isinstance(mode, tuple):
                    mode = mode[0]
                inner.append(mode)
                out.append((args, EXACT))  # QUEUED (or an error)
        self.in_multi = False
        if self.chance(0.05):
            out.append((["MULTI"], EXACT))
        end = self.pick(["EXEC"] * 6 + ["DISCARD"])
        out.append(([end], ("exec", inner) if end == "EXEC" else EXACT))
        if self.chance(0.05):
            out.append(([self.pick(["EXEC", "DISCARD", "UNWATCH"])], EXACT))
        return out

    def touch(self, k):
        """What another client does between this one's WATCH and EXEC: a
        write to a watched key (or to another), a read, or a change of the
        whole db (FLUSHDB touches the watched keys that exist, SWAPDB those
        in either db; an expired watched key is no change)."""
        other = self.pick(ALL)
        return self.pick([["SET", k, self.value()], ["DEL", k], ["UNLINK", other],
                          ["EXPIRE", k, str(self.expire_s())], ["PEXPIREAT", k, "1"],
                          ["PERSIST", k], ["GET", k], ["EXISTS", k], ["TYPE", k],
                          ["RENAME", k, other], ["RENAME", other, k], ["MOVE", k, "1"],
                          ["COPY", other, k, "REPLACE"], ["COPY", k, other],
                          ["FLUSHDB"], ["FLUSHALL"], ["SWAPDB", "0", "1"], ["SWAPDB", "1", "0"],
                          ["SET", other, "x"], ["APPEND", k, "x"], ["LPUSH", k, "x"],
                          ["SADD", k, "x"], ["ZADD", k, "1", "x"], ["HSET", k, "f", "x"],
                          ["SREM", k, "nope"], ["LPOP", k], ["SPOP", k, "0"],
                          ["INCR", k], ["SETRANGE", k, "0", ""], ["HDEL", k, "nope"],
                          ["EVAL", "return redis.pcall('DEL', KEYS[1])", "1", k]])

    def command(self):
        fam = self.pick([self.strings, self.strings, self.bits, self.lists, self.lists,
                         self.hashes, self.hashes, self.sets, self.sets, self.zsets, self.zsets,
                         self.lexzsets, self.hll, self.geo, self.streams, self.streams,
                         self.keyspace, self.keyspace, self.wholes, self.misc])
        cmds = fam()
        # A transaction's closing EXEC / DISCARD stays as it is: the
        # comparison of EXEC's reply knows what was queued.
        block = any(a[0] in ("MULTI", "EXEC", "DISCARD") for a, _ in cmds)
        if (self.chance(0.04) and not block and cmds[-1][0][0] not in NO_MUTATE
                and not set(cmds[-1][0]) & set(ZL)):   # ZL scores stay 0
            args, mode = cmds[-1]
            args = list(args)
            w = self.r.randint(0, 2)
            if w == 0 and len(args) > 1:
                args.pop()
            elif w == 1:
                args.append(self.pick(WEIRD))
            elif len(args) > 1:
                args[self.r.randint(1, len(args) - 1)] = self.pick(WEIRD)
            # The encoding noted before may no longer be the key's: compare
            # as if it were a hash table's (unordered, or by kind).
            cmds[-1] = (args, mode[0] if isinstance(mode, tuple) else mode)
        args, mode = cmds[-1]
        if block:
            pass
        elif self.chance(0.03):
            # Which arguments are keys, by the command's key specs.
            cmds[-1] = (["COMMAND", "GETKEYS"] + list(args), EXACT)
        elif self.chance(0.05) and mode != TTL:
            # The same command from a script: Lua's conversion of every
            # reply, and the script-only refusals (MULTI, blocking...).
            cmds[-1] = (self.pick(SCRIPT_WRAPS) + list(args), mode)
        return cmds

    def sequence(self, n):
        out = []
        while len(out) < n:
            out += self.command()
        return out


# -- comparison

def _pairs(node):
    kind, v = node
    if kind != "*" or v is None or len(v) % 2:
        return node
    return (kind, sorted(([v[i], v[i + 1]] for i in range(0, len(v), 2)), key=repr))


def _canon(node, mode, enc):
    """node as compared under mode; enc: the key's encoding as reported just
    before (listpack and intset define the order)."""
    if node[0] == "-":
        return node
    if isinstance(mode, tuple) and mode[0] != "exec":
        mode, key = mode
        if mode == LEXQ:
            return normalize(node) if enc in (b"listpack", b"intset") else (node[0],)
        if mode == SORTBY:
            if enc == b"list":
                return normalize(node)
            return (node[0], len(node[1]) if node[0] == "*" and node[1] else node[1])
        if enc != b"hashtable":
            return normalize(node)
    if mode == EXACT or node[0] == "-":
        return normalize(node)
    if mode in (LEXQ, SORTBY):
        return (node[0],)
    if mode == SORTED:
        return normalize(node, unordered=True)
    if mode == PAIRS:
        return _pairs(normalize(node))
    if mode == WHOLE:
        items = node[1] if node[0] in "*~" else None
        if items and items[0][0] == "*":    # RESP3 pairs
            return (node[0], sorted((normalize(x) for x in items), key=repr))
        return normalize(node, unordered=True)
    if mode == TIMES:
        return _mask_times(normalize(node))
    if mode == PENDING and node[0] == "*" and node[1]:
        return ("*", [("*", [e[1][0], e[1][1], ":idle", e[1][3]]) if e[0] == "*" and
                      len(e[1]) == 4 else e for e in node[1]])
    if isinstance(mode, tuple) and mode[0] == "exec":
        if node[0] != "*" or node[1] is None:
            return normalize(node)
        if len(node[1]) != len(mode[1]):
            # A shrunk sequence lost some of what was queued: lenient.
            return normalize(node, unordered=True)
        return ("*", [_canon(x, m, None) if m != TTL else ("ttl",)
                      for x, m in zip(node[1], mode[1])])
    return normalize(node)


def _mask_times(node):
    """node with XINFO's clocks masked: the value after an "idle" field,
    and every integer that is a time in ms (a delivery or seen time)."""
    kind, v = node
    if kind == ":" and v > 10 ** 11:
        return (":", "time")
    if kind == "%":
        return (kind, [(k, (":", "idle") if k == ("$", b"idle") else _mask_times(x))
                       for k, x in v])
    if kind in "*~" and v:
        out = [_mask_times(x) for x in v]
        for i in range(1, len(v)):
            if v[i - 1] == ("$", b"idle"):
                out[i] = (":", "idle")
        return (kind, out)
    return node


def _ttl_close(a, b, args):
    if a[0] != ":" or b[0] != ":":
        return a == b
    if a[1] < 0 or b[1] < 0:
        return a == b
    tol = 2000 if args[0].upper().startswith("P") else 2
    return abs(a[1] - b[1]) <= tol


def compare(args, mode, a, b, enc):
    """None if the replies agree, else a message."""
    if mode == TTL:
        if _ttl_close(a, b, args):
            return None
    elif _canon(a, mode, enc) == _canon(b, mode, enc):
        return None
    return "castor: %s\n  redis: %s" % (fmt(a)[:1500], fmt(b)[:1500])


# -- running

PIPE = 64


def run_sequence(pair, cmds, proto=2, notify=False, limits=None, track=False):
    """Run cmds on both servers (pipelined in batches), from empty datasets,
    over RESP2 or RESP3 connections. Returns None or (index of the first
    differing command, message); index len(cmds) means the final state (or,
    with notify, the stream of keyspace notifications) differs. limits:
    the encoding limits to start from (Gen.misc may CONFIG SET them).
    With track, one command at a time, each followed by the keys a
    client-side cache is told to drop (_invalidated): track "bcast", a
    client tracking every key (BCAST); "redirect", the keys the sequence's
    own connection read, told to a second one (REDIRECT)."""
    pair.reset()
    pair.check("CONFIG", "SET", *(limits or DEFAULT_LIMITS))
    cc, rc = pair.conn("castor", proto), pair.conn("redis", proto)
    subs = None
    if notify:
        _both(cc, rc, [["CONFIG", "SET", "notify-keyspace-events", "KEA"]])
        subs = pair.conns()
        for c in subs:
            c.call_node("PSUBSCRIBE", "__key*__:*")
    trackers = None
    if track:
        trackers = pair.conns(3)
        for c, main in zip(trackers, (cc, rc)):
            if track == "bcast":
                assert c.call_node("CLIENT", "TRACKING", "ON", "BCAST") == ("+", b"OK")
            else:
                me = c.call_node("CLIENT", "ID")[1]
                assert main.call_node("CLIENT", "TRACKING", "ON", "REDIRECT", me) == ("+", b"OK")
    others = None     # the second clients, for OTHER commands
    changes = [rdb_changes(c) for c in (cc, rc)]
    looks = pair.conns()   # read CLIENT LIST of cc and rc after each batch
    mons = pair.conns()    # and what MONITOR showed, at the end
    for m in mons:
        assert m.call("MONITOR") == "OK"
    ids = [c.call("CLIENT", "ID") for c in (cc, rc)]
    try:
        enc = None
        start = 0
        while start < len(cmds):
            args, mode = cmds[start]
            if mode == OTHER:
                if others is None:
                    others = pair.conns(proto)
                a, b = (c.call_node(*args) for c in others)
                msg = compare(args, EXACT, a, b, enc) or _invalidated(trackers) or \
                    client_list_diff(looks, ids)
                if msg:
                    return start, msg
                start += 1
                continue
            end = start
            while end < len(cmds) and end - start < (1 if track else PIPE) \
                    and cmds[end][1] != OTHER:
                end += 1
            batch = cmds[start:end]
            ra = cc.pipeline([a for a, _ in batch])
            rb = rc.pipeline([a for a, _ in batch])
            for i, ((args, mode), a, b) in enumerate(zip(batch, ra, rb)):
                if mode == "note":
                    enc = a[1] if a[0] in "$+" else None
                    mode = EXACT
                msg = compare(args, mode, a, b, enc)
                if msg:
                    return start + i, msg
            msg = _invalidated(trackers) or client_list_diff(looks, ids)
            if msg:
                return end - 1, msg
            start = end
        if subs:
            msg = compare_notifications(cc, rc, subs)
            if msg:
                return len(cmds), msg
        _both(cc, rc, [["DISCARD"]])     # a sequence may end inside MULTI
        moved = [rdb_changes(c) - n for c, n in zip((cc, rc), changes)]
        # A BITFIELD whose OVERFLOW FAIL refused every write still creates
        # the key: castor counts and propagates that, Redis 7.0 neither
        # (README, bitmaps).
        bitfield_fail = any({"BITFIELD", "FAIL"} <= {str(x).upper() for x in a} for a, _ in cmds)
        if moved[0] != moved[1] and not bitfield_fail:
            return len(cmds), "rdb_changes_since_last_save moved %d on castor, %d on redis" % tuple(moved)
        msg = monitor_diff(looks, mons, "end of sequence", RESTORED) or compare_state(cc, rc, script_written(cmds))
        if msg:
            return len(cmds), msg
        return None
    finally:
        for c in (others or ()) + (subs or ()) + (trackers or ()) + looks + mons:
            c.close()
        if subs:
            _both(cc, rc, [["DISCARD"], ["CONFIG", "SET", "notify-keyspace-events", ""]])


# MONITOR lines a sequence may show differently: a refused AUTH (see
# monitor_diff) and RESTORE, whose DUMP payload follows a hash-ordered
# value's order.
RESTORED = (b'"AUTH"', b'"RESTORE"')


def _invalidated(trackers):
    """None, or how the invalidations differ that the two tracking
    clients got for the last command (one command per server turn: Redis
    sends a BCAST turn's invalidations before its replies, as one sorted
    set of keys, or null for a flush); a PING on each marks the end."""
    if not trackers:
        return None
    seen = []
    for c in trackers:
        c.send("PING")
        got = []
        while True:
            node = c.read_node()
            if node == ("+", b"PONG"):
                break
            assert node[0] == ">" and node[1][0] == ("$", b"invalidate"), node
            keys = node[1][1][1]
            got.append(None if keys is None else sorted(k[1] for k in keys))
        seen.append(got)
    if seen[0] != seen[1]:
        return "tracking invalidations: castor %r, redis %r" % tuple(seen)
    return None


def compare_notifications(cc, rc, subs):
    """Every keyspace notification of the sequence, in order, the same."""
    _both(cc, rc, [["DISCARD"], ["PUBLISH", "__keymarker__:end", "end"]])
    seen = []
    for c in subs:
        got = []
        while True:
            node = c.read_node()
            if node[1][2][1] == b"__keymarker__:end":
                break
            got.append((node[1][2][1], node[1][3][1]))
        seen.append(got)
    if seen[0] != seen[1]:
        for i, (a, b) in enumerate(zip(*seen)):
            if a != b:
                return ("keyspace notification %d of %d/%d: castor %r, redis %r\n"
                        "  before: %r" % (i, len(seen[0]), len(seen[1]), a, b, seen[0][max(0, i - 4):i]))
        return ("keyspace notifications: castor %d, redis %d; the last: castor %r, redis %r"
                % (len(seen[0]), len(seen[1]), seen[0][-3:], seen[1][-3:]))
    return None


def _full_scan(conn, *cmd, opts=()):
    cursor, out = b"0", []
    for _ in range(100000):
        node = conn.call_node(*cmd, cursor, *opts)
        if node[0] != "*":
            return [node]
        cursor = node[1][0][1]
        out += node[1][1][1]
        if cursor == b"0":
            break
    return out


def _both(cc, rc, cmds):
    """cmds pipelined on each side: (castor's replies, redis's replies)."""
    return cc.pipeline(cmds), rc.pipeline(cmds)


def _pairs_of(items, kind):
    if kind == b"set":
        return sorted(items, key=repr)
    return sorted(zip(items[0::2], items[1::2]), key=repr)


def _compare_db(cc, rc, n):
    """None, or how the selected database n differs: its keys, their TTLs,
    types and values (by digest). Leaves every key persistent, for the
    DEBUG DIGEST of all databases at the end."""
    keys = [sorted(x[1] for x in _full_scan(c, "SCAN")) for c in (cc, rc)]
    if keys[0] != keys[1]:
        return "db %d SCAN: castor %r, redis %r" % (n, keys[0], keys[1])
    ra, rb = _both(cc, rc, [["PTTL", k] for k in keys[0]])
    for k, a, b in zip(keys[0], ra, rb):
        if not _ttl_close(a, b, ["PTTL"]):
            return "db %d PTTL %r: castor %s, redis %s" % (n, k, fmt(a), fmt(b))
    cmds = [["PERSIST", k] for k in keys[0]]
    cmds += [p.split() + [k] for k in keys[0] for p in ("TYPE", "DEBUG DIGEST-VALUE")]
    ra, rb = _both(cc, rc, cmds)
    for cmd, a, b in zip(cmds, ra, rb):
        if a != b:
            return "db %d %r: castor %s, redis %s" % (n, cmd, fmt(a), fmt(b))
    return None


SCRIPT_CALLS = {"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"}


def script_written(cmds):
    """The names a script may have written, and every name a command
    mentions beside one of them (RENAME, COPY... carry the value): Redis
    reuses a script's small argument objects from call to call (its Lua
    argument cache) and a key stored from one inherits the stale LRU/LFU
    field of its earlier life, so OBJECT FREQ of such a key is noise."""
    names = [{a for a in args if isinstance(a, str)} for args, _ in cmds]
    out = set()
    for (args, _), n in zip(cmds, names):
        if str(args[0]).upper() in SCRIPT_CALLS:
            out |= n
    grew = True
    while grew:
        grew = False
        for n in names:
            if n & out and not n <= out:
                out |= n
                grew = True
    return out


def compare_state(cc, rc, no_freq=frozenset()):
    """None, or how the two datasets differ at the end of a sequence
    (OBJECT FREQ but of the keys in no_freq)."""
    _both(cc, rc, [["DISCARD"], ["UNWATCH"], ["SELECT", "1"]])
    msg = _compare_db(cc, rc, 1)
    _both(cc, rc, [["SELECT", "0"]])
    if msg:
        return msg
    keys = [sorted(x[1] for x in _full_scan(c, "SCAN")) for c in (cc, rc)]
    if keys[0] != keys[1]:
        return "SCAN: castor %r, redis %r" % (keys[0], keys[1])
    keys = keys[0]
    # The accesses each key saw (under LFU, see LFU_SETTINGS; else the
    # same error on both sides).
    ra, rb = _both(cc, rc, [["OBJECT", "FREQ", k] for k in keys])
    for k, a, b in zip(keys, ra, rb):
        if a != b and k.decode("utf-8", "replace") not in no_freq:
            return "OBJECT FREQ %r: castor %s, redis %s" % (k, fmt(a), fmt(b))
    ra, rb = _both(cc, rc, [["PTTL", k] for k in keys])
    for k, a, b in zip(keys, ra, rb):
        if not _ttl_close(a, b, ["PTTL"]):
            return "PTTL %r: castor %s, redis %s" % (k, fmt(a), fmt(b))
    # DIGEST-VALUE and DEBUG DIGEST mix in whether a key expires, and
    # DEBUG DIGEST when (the times differ by milliseconds).
    _both(cc, rc, [["PERSIST", k] for k in keys])
    # PFCOUNT may rewrite an HLL's cached cardinality: digest after it.
    probes = ["TYPE", "OBJECT ENCODING", "STRLEN", "PFCOUNT", "DEBUG DIGEST-VALUE", "DUMP"]
    cmds = [p.split() + [k] for k in keys for p in probes]
    ra, rb = _both(cc, rc, cmds)
    info = {}
    for n, (cmd, a, b) in enumerate(zip(cmds, ra, rb)):
        if cmd[0] != "DUMP" and a != b:
            return "%r: castor %s, redis %s" % (cmd, fmt(a), fmt(b))
        info.setdefault(cmd[-1], []).append(a)
    for k in keys:
        t, enc, _, _, _, dump = info[k]
        t, enc = t[1], enc[1]
        scan = {b"set": "SSCAN", b"hash": "HSCAN", b"zset": "ZSCAN"}.get(t)
        if scan:
            a = _pairs_of(_full_scan(cc, scan, k), t)
            b = _pairs_of(_full_scan(rc, scan, k), t)
            if a != b:
                return "%s %r: castor %r\n  redis %r" % (scan, k, a[:50], b[:50])
        # Both sides' DUMPs restore on each side to the same value (not
        # necessarily the original's digest: a small skiplist restores as a
        # listpack, where a -0 score becomes 0, on Redis as on castor).
        rdump = rb[cmds.index(["DUMP", k])]
        for target, name in ((cc, "castor"), (rc, "redis")):
            got = target.pipeline([["RESTORE", "__r1", "0", dump[1], "REPLACE"],
                                   ["RESTORE", "__r2", "0", rdump[1], "REPLACE"],
                                   ["DEBUG", "DIGEST-VALUE", "__r1"],
                                   ["DEBUG", "DIGEST-VALUE", "__r2"], ["DEL", "__r1", "__r2"]])
            if got[0] != got[1] or got[0] != ("+", b"OK") or got[2] != got[3]:
                return ("DUMP of %r restored on %s: castor's %s %s, redis's %s %s"
                        % (k, name, fmt(got[0]), fmt(got[2]), fmt(got[1]), fmt(got[3])))
    # Without LZF the payloads are the same bytes where their order is
    # defined: not a hashtable's, and not a stream's (its consumers carry
    # their seen-time). With LZF they may differ: castor skips compressing
    # a long string whose head does not shrink (README, compatibility
    # table, RDB row).
    exact = [k for k in keys if info[k][0][1] != b"stream" and info[k][1][1] != b"hashtable"]
    ra, rb = _both(cc, rc, [["CONFIG", "SET", "rdbcompression", "no"]]
                   + [["DUMP", k] for k in exact] + [["CONFIG", "SET", "rdbcompression", "yes"]])
    for k, a, b in zip(exact, ra[1:], rb[1:]):
        if a != b:
            return "DUMP %r: castor %s\n  redis %s" % (k, fmt(a), fmt(b))
    for t in ("string", "list", "set", "zset", "hash", "stream"):
        opts = ("TYPE", t, "MATCH", "*", "COUNT", 3)
        a = sorted(x[1] for x in _full_scan(cc, "SCAN", opts=opts))
        b = sorted(x[1] for x in _full_scan(rc, "SCAN", opts=opts))
        if a != b:
            return "SCAN TYPE %s: castor %r, redis %r" % (t, a, b)
    a, b = _both(cc, rc, [["DEBUG", "DIGEST"]])
    if a != b:
        return "DEBUG DIGEST: castor %s, redis %s" % (fmt(a[0]), fmt(b[0]))
    return None


def shrink(pair, cmds, first, proto, notify, limits, track=False, budget=150, seconds=60):
    """A short failing sequence: for a differing reply, the prefix up to it;
    for a differing final state, the shortest failing prefix (bisection).
    Then greedily without each command whose removal keeps a difference at
    the end, within a budget of replays and time."""
    def fails_at_end(seq):
        res = run_sequence(pair, seq, proto, notify, limits, track)
        return res is not None and res[0] >= len(seq) - 1

    return minimize(cmds, first, fails_at_end, budget, seconds)


def minimize(cmds, first, fails_at_end, budget=150, seconds=60):
    """The shrinking of shrink() for any check: fails_at_end(seq) is true
    when seq still fails at (or just before) its end. first: the index of
    the first failing command, len(cmds) for a failing final state."""
    if first < len(cmds):
        seq = list(cmds[:first + 1])
    else:
        lo, hi = 0, len(cmds)   # cmds[:hi] fails; cmds[:lo] is not known to
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if fails_at_end(cmds[:mid]):
                hi = mid
            else:
                lo = mid
        seq = list(cmds[:hi])
    deadline = time.monotonic() + seconds
    i = len(seq) - 2
    while i >= 0 and budget > 0 and time.monotonic() < deadline:
        cand = seq[:i] + seq[i + 1:]
        budget -= 1
        if fails_at_end(cand):
            seq = cand
        i -= 1
    return seq


def show(seq):
    return "\n".join("    %r,%s" % (list(a), "  # other client" if m == OTHER else "")
                     for a, m in seq)


# Every fourth seed runs with tiny encoding limits on both sides, so that
# conversions happen all the time (the others use Redis's defaults).
SMALL_LIMITS = ["hash-max-listpack-entries", "4", "hash-max-listpack-value", "8",
                "zset-max-listpack-entries", "4", "zset-max-listpack-value", "8",
                "set-max-intset-entries", "4", "list-max-listpack-size", "4",
                "list-compress-depth", "0"]
DEFAULT_LIMITS = ["hash-max-listpack-entries", "128", "hash-max-listpack-value", "64",
                  "zset-max-listpack-entries", "128", "zset-max-listpack-value", "64",
                  "set-max-intset-entries", "512", "list-max-listpack-size", "-2",
                  "list-compress-depth", "0", "maxmemory", "0", "maxmemory-policy", "noeviction",
                  "lfu-log-factor", "10", "lfu-decay-time", "1"]
# Odd seeds count accesses: under allkeys-lfu with lfu-log-factor 0 and no
# decay each access raises a key's OBJECT FREQ by one, compared at the end
# (compare_state). maxmemory, far above the data, makes Redis give each key
# its own small integer (OBJECT FREQ would read a shared one's).
LFU_SETTINGS = {"maxmemory": "1gb", "maxmemory-policy": "allkeys-lfu", "lfu-log-factor": "0",
                "lfu-decay-time": "0"}


def with_settings(limits, settings):
    """limits (CONFIG SET's name, value list) with settings in place."""
    merged = dict(zip(DEFAULT_LIMITS[0::2], DEFAULT_LIMITS[1::2]))
    merged.update(zip(limits[0::2], limits[1::2]))
    merged.update(settings)
    return [x for kv in merged.items() for x in kv]


def check_seed(pair, seed, length=LENGTH):
    """None, or what differs for seed (every third seed speaks RESP3)."""
    try:
        return _check_seed(pair, seed, length)
    finally:
        pair.reset()
        pair.check("CONFIG", "SET", *DEFAULT_LIMITS)


def _check_seed(pair, seed, length):
    proto = 3 if seed % 3 == 0 else 2
    notify = seed % 5 == 3   # every fifth seed also compares keyspace events
    # Every seventh seed, what a client-side cache is told of all keys
    # (BCAST); every seventh other, of the keys the sequence read.
    track = {4: "bcast", 6: "redirect"}.get(seed % 7, False)
    limits = SMALL_LIMITS if seed % 4 == 2 else DEFAULT_LIMITS
    if seed % 2:
        limits = with_settings(limits, LFU_SETTINGS)
    cmds = Gen(seed).sequence(length)
    res = run_sequence(pair, cmds, proto, notify, limits, track)
    if res is None:
        return None
    idx, msg = res
    shortest = shrink(pair, cmds, idx, proto, notify, limits, track)
    again = run_sequence(pair, shortest, proto, notify, limits, track)
    detail = again[1] if again else msg
    where = "final state" if idx >= len(cmds) else repr(list(cmds[idx][0]))
    if seed % 4 == 2:
        where += " (with CONFIG SET %s)" % " ".join(SMALL_LIMITS)
    return ("seed %d (RESP%d): %s differs\n  %s\nshortest failing sequence (%d commands):"
            "\n[\n%s\n]" % (seed, proto, where, detail, len(shortest), show(shortest)))


def _env_seeds():
    spec = os.environ.get("CASTOR_DIFF_SEEDS", "").strip()
    if not spec:
        return None
    if "," in spec:
        return [int(x) for x in spec.split(",") if x]
    if "-" in spec:
        lo, hi = spec.split("-")
        return list(range(int(lo), int(hi) + 1))
    return list(range(1000, 1000 + int(spec)))


@pytest.mark.parametrize("seed", SEEDS)
def test_random_sequence(pair, seed):
    failure = check_seed(pair, seed)
    assert failure is None, failure


def _hunt(check, pair):
    """check(pair, seed) for every seed of CASTOR_DIFF_SEEDS: all failures."""
    failures = []
    for n, seed in enumerate(_env_seeds()):
        if n % 200 == 0:
            print("seeds from %d, %d failing so far" % (seed, len(failures)), flush=True)
        f = check(pair, seed)
        if f:
            failures.append(f)
            print(f, flush=True)
    assert not failures, "%d failing seeds:\n\n%s" % (len(failures), "\n\n".join(failures))


@pytest.mark.skipif(_env_seeds() is None, reason="set CASTOR_DIFF_SEEDS to hunt")
def test_random_hunt(pair):
    _hunt(check_seed, pair)


# -- protocol level

def _inline_arg(r, a):
    if isinstance(a, str):
        a = a.encode()
    plain = a and all(0x21 <= ch < 0x7f and ch not in b"\"'\\" for ch in a)
    if plain and r.random() < 0.6:
        return a
    if a and b"'" not in a and b"\\" not in a and all(0x20 <= ch < 0x7f for ch in a) \
            and r.random() < 0.3:
        return b"'" + a + b"'"
    out = bytearray(b'"')
    for ch in a:
        if ch == 0x22 or ch == 0x5c:
            out += b"\\" + bytes([ch])
        elif 0x20 <= ch < 0x7f and r.random() < 0.9:
            out.append(ch)
        elif ch == 0x0a and r.random() < 0.5:
            out += b"\\n"
        else:
            out += b"\\x%02x" % ch if r.random() < 0.5 else b"\\x%02X" % ch
    out += b'"'
    return bytes(out)


def encode_random(r, args):
    if r.random() < 0.5:
        return encode_command(*args)
    sep = [b" ", b"  ", b"\t"]
    line = r.choice(sep).join(_inline_arg(r, a) for a in args)
    return line + (b"\r\n" if r.random() < 0.8 else b"\n")


class RawConn(RespConn):
    """RespConn keeping every byte received, so replies compare as bytes."""

    def __init__(self, *a, **kw):
        self.log = bytearray()
        super().__init__(*a, **kw)

    def _fill(self):
        before = len(self.buf)
        super()._fill()
        self.log += self.buf[before:]

    def consumed(self):
        return bytes(self.log[:len(self.log) - len(self.buf)])


def _exact_only(cmds):
    """The commands whose replies compare as bytes; an EXEC whose replies
    would need canonicalising becomes DISCARD (dropping it would leave the
    transaction open for a later EXEC)."""
    out = []
    for a, m in cmds:
        if isinstance(m, tuple) and m[0] == "exec":
            out.append((["DISCARD"], EXACT))
        elif m == EXACT and a[0] != "KEYS":
            out.append((a, m))
    return out


def check_protocol(pair, seed):
    """None, or what differs for protocol seed 'seed'."""
    r = random.Random(seed * 7919)
    cmds = _exact_only(Gen(seed + 50000).sequence(120))
    data = b"".join(encode_random(r, a) for a, _ in cmds)
    cuts = sorted(r.sample(range(1, len(data)), min(len(data) - 1, r.randint(0, 30))))
    pieces = [data[i:j] for i, j in zip([0] + cuts, cuts + [len(data)])]
    # Every other seed sends while another client holds CLIENT PAUSE: WRITE,
    # lifted by CLIENT UNPAUSE once every byte is out, or ALL for 200 ms
    # (under ALL, UNPAUSE itself waits): the requests are parsed while held
    # and run when released.
    pause = [None, "WRITE", None, "ALL"][seed % 4]
    out = []
    for srv in (pair.castor, pair.redis):
        c = RawConn(srv.port, protocol=3 if seed % 3 == 0 else 2)
        c.call_node("FLUSHALL")
        c.call_node("CONFIG", "SET", *DEFAULT_LIMITS)   # Gen.misc may change them
        c.log.clear()
        c.buf.clear()
        ctl = RespConn(srv.port) if pause else None
        try:
            if ctl:
                ms = "100000" if pause == "WRITE" else "200"
                assert ctl.call("CLIENT", "PAUSE", ms, pause) == "OK"
            for p in pieces:
                c.send_raw(p)
                if r.random() < 0.3:
                    time.sleep(0.001)
            if pause == "WRITE":
                time.sleep(0.05)
                assert ctl.call("CLIENT", "UNPAUSE") == "OK"
            nodes = []
            try:
                for _ in cmds:
                    nodes.append(c.read_node())
            except (ConnectionError, TimeoutError) as e:
                nodes.append(str(e)[:30])
            out.append((c.consumed(), nodes))
        finally:
            c.close()
            if ctl:
                ctl.close()
    if out[0][0] != out[1][0]:
        for i, (a, b) in enumerate(zip(out[0][1], out[1][1])):
            if a != b:
                return ("protocol seed %d: reply %d to %r differs\n castor: %s\n  redis: %s\n"
                            "request bytes: %r" % (seed, i, cmds[i][0], a, b,
                                                   encode_command(*cmds[i][0])[:300]))
        return ("protocol seed %d: reply bytes differ\n castor: %r\n  redis: %r"
                    % (seed, out[0][0][-300:], out[1][0][-300:]))
    return None


@pytest.mark.parametrize("seed", PROTO_SEEDS)
def test_random_protocol(pair, seed):
    failure = check_protocol(pair, seed)
    assert failure is None, failure


@pytest.mark.skipif(_env_seeds() is None, reason="set CASTOR_DIFF_SEEDS to hunt")
def test_random_protocol_hunt(pair):
    _hunt(check_protocol, pair)


def test_a_missed_invalidation_is_reported():
    class Tracker:
        def __init__(self, *nodes):
            self.nodes = list(nodes)

        def send(self, *args):
            assert args == ("PING",)

        def read_node(self):
            return self.nodes.pop(0)
    inv, pong = (">", [("$", b"invalidate"), ("*", [("$", b"k")])]), ("+", b"PONG")
    assert _invalidated([Tracker(inv, pong), Tracker(inv, pong)]) is None
    assert "castor [[b'k']], redis []" in _invalidated([Tracker(inv, pong), Tracker(pong)])
