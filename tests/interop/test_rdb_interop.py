"""RDB interoperability with Debian's redis-server 7.0: DUMP/RESTORE payloads
and whole RDB files cross in both directions and arrive equal (DEBUG DIGEST,
every key's type, encoding, value and TTL); the encodings only older Redis
versions wrote (ziplists, zipmaps, linked lists, text scores) load as Redis
7.0 loads them; corrupt input is refused, never a crash.

"The serialized value ... contains also a 64-bit checksum that is used to
make sure errors will be detected. The RESTORE command makes sure to check
the checksum before synthesizing a key using the serialized value."
(Redis DUMP documentation)
"""

import os
import random
import re
import struct
import subprocess
import time

import pytest
import redis

import rdblib
from castortest import CASTOR_SERVER, REDIS_SERVER, Server, wait_for
from resp import Err

CHECK_RDB = os.path.join(os.path.dirname(CASTOR_SERVER), "castor-check-rdb")
REDIS_CHECK_RDB = os.path.join(os.path.dirname(REDIS_SERVER), "redis-check-rdb")
FAR_FUTURE_MS = int(time.time() * 1000) + 10 * 365 * 86400 * 1000

# ---- A dataset of every type and encoding ------------------------------------

BINARY_KEYS = [b"", b"\x00bin\xffkey\r\n", "ключ".encode(), b"k" * 300]


def populate(r, seed=7):
    """Every type in each of its encodings, small and large, with TTLs,
    several databases and binary keys. r is a redis-py client (db 0)."""
    rnd = random.Random(seed)
    p = r.pipeline(transaction=False)
    # Strings: integer encodings of each width, embstr, raw, compressible, binary.
    for i, v in enumerate([0, 7, -128, 127, 300, -32768, 70000, -2147483648, 2147483647,
                           2147483648, -9223372036854775808, 9223372036854775807]):
        p.set("int:%d" % i, v)
    p.set("embstr", "hello world")
    p.set("float", "3.14159")
    p.set("leading-zero", "007")
    p.set("raw", "x" * 45)
    p.set("compressible", "abc" * 1000)
    p.set("random", bytes(rnd.getrandbits(8) for _ in range(500)))
    p.set("empty", "")
    p.set("nul", b"a\x00b\x00c")
    # Lists: one listpack node, many nodes, integers inside.
    p.rpush("list:small", "a", "b", 1, 2, -3, 10000000000, "x" * 100)
    p.rpush("list:big", *["elem-%d" % i for i in range(5000)])
    p.rpush("list:ints", *range(-1000, 1000))
    # Sets: intset (16, 32 and 64-bit), hashtable (strings, too many ints).
    p.sadd("set:int16", *range(100))
    p.sadd("set:int64", 1, 1 << 40, -(1 << 50))
    p.sadd("set:bigint", *range(1000))
    p.sadd("set:str", "a", "b", "c", "d")
    p.sadd("set:big", *["member-%d" % i for i in range(2000)])
    # Sorted sets: listpack, skiplist by count, skiplist by member length.
    p.zadd("zset:small", {"a": 1, "b": 2.5, "c": -3, "d": 1e-300, "e": 3.141592653589793,
                          "inf": float("inf"), "ninf": float("-inf"), "zero": 0})
    p.zadd("zset:big", {"m%d" % i: rnd.random() * 1000 for i in range(1000)})
    p.zadd("zset:long", {"y" * 100: 1, "z": 2})
    p.zadd("zset:ties", {"b": 1, "a": 1, "c": 1, "10": 1, "9": 1})
    # Hashes: listpack, hashtable by count, hashtable by value length.
    p.hset("hash:small", mapping={"f1": "v1", "f2": "2", "3": "4", "neg": "-5"})
    p.hset("hash:big", mapping={"field-%d" % i: "value-%d" % i for i in range(1000)})
    p.hset("hash:long", mapping={"f": "v" * 100, "g": "w"})
    # TTLs.
    p.set("ttl:string", "v")
    p.pexpireat("ttl:string", FAR_FUTURE_MS)
    p.rpush("ttl:list", "a")
    p.pexpire("ttl:list", 3600 * 1000)
    p.hset("ttl:hash", "f", "v")
    p.expire("ttl:hash", 100000)
    for k in BINARY_KEYS:
        p.set(k, b"bin-value-" + k)
    p.execute()
    for dbid in (1, 9, 15):
        rd = redis_db(r, dbid)
        rd.set("db%d:str" % dbid, dbid)
        rd.rpush("db%d:list" % dbid, "a", dbid)
        rd.zadd("db%d:zset" % dbid, {"m": dbid})
        rd.pexpireat("db%d:str" % dbid, FAR_FUTURE_MS)


def redis_db(r, dbid):
    """A client of the same server on database dbid."""
    kw = r.connection_pool.connection_kwargs
    return redis.Redis(host=kw["host"], port=kw["port"], db=dbid, socket_timeout=10)


def populate_plain_and_compressed(r):
    """Lists with LZF-compressed interior nodes and with plain nodes (big
    elements); the caller sets list-compress-depth and the packed threshold."""
    r.rpush("list:compressed", *["compressible element %d %s" % (i, "z" * 50) for i in range(3000)])


def key_state(r, k):
    """(type, encoding, value, has ttl) of a key, comparable across servers."""
    t = r.type(k)
    enc = r.object("encoding", k)
    if t == b"string":
        v = r.get(k)
    elif t == b"list":
        v = r.lrange(k, 0, -1)
    elif t == b"set":
        v = sorted(r.smembers(k))
    elif t == b"zset":
        v = r.zrange(k, 0, -1, withscores=True)
    elif t == b"hash":
        v = sorted(r.hgetall(k).items())
    else:
        v = None
    return t, enc, v, r.pttl(k)


def all_keys(r, dbid):
    return sorted(redis_db(r, dbid).scan_iter(count=1000))


def assert_same_dataset(src, dst, dbs=range(16)):
    """Equal DEBUG DIGEST, and every key equal (TTLs within 10 s)."""
    assert dst.execute_command("DEBUG", "DIGEST") == src.execute_command("DEBUG", "DIGEST")
    for dbid in dbs:
        a, b = redis_db(src, dbid), redis_db(dst, dbid)
        keys = all_keys(src, dbid)
        assert keys == all_keys(dst, dbid), "db %d" % dbid
        for k in keys:
            ta, ea, va, pa = key_state(a, k)
            tb, eb, vb, pb = key_state(b, k)
            assert (ta, ea, va) == (tb, eb, vb), "db %d key %r" % (dbid, k)
            assert (pa == -1) == (pb == -1) and abs(pa - pb) < 10000, "ttl of %r" % k


def copy_by_dump(src, dst, dbs=range(16)):
    """DUMP every key of src and RESTORE it into dst with its TTL."""
    n = 0
    for dbid in dbs:
        a, b = redis_db(src, dbid), redis_db(dst, dbid)
        for k in all_keys(src, dbid):
            payload = a.dump(k)
            pttl = a.pttl(k)
            assert b.restore(k, max(pttl, 0), payload) in (True, b"OK")
            n += 1
    return n


# ---- DUMP / RESTORE across servers ------------------------------------------

def test_dump_from_redis_restores_into_castor_equal(pair):
    r, c = pair.redis.client(), pair.castor.client()
    populate(r)
    assert copy_by_dump(r, c) > 50
    assert_same_dataset(r, c)


def test_dump_from_castor_restores_into_redis_equal(pair):
    r, c = pair.redis.client(), pair.castor.client()
    populate(c)
    copy_by_dump(c, r)
    assert_same_dataset(c, r)


def test_dump_payloads_are_byte_identical_for_deterministic_encodings(pair):
    """Strings, listpacks, intsets and quicklists are written the same way
    by both servers, so their payloads match byte for byte."""
    r, c = pair.redis.client(), pair.castor.client()
    for s in (r, c):
        populate(s)
    for k in [b"int:0", b"int:5", b"int:9", b"embstr", b"compressible", b"random", b"list:small",
              b"list:big", b"list:ints", b"set:int16", b"set:int64", b"zset:small", b"zset:ties",
              b"hash:small", b"empty", b"nul"]:
        assert c.dump(k) == r.dump(k), k


def test_compressed_and_plain_list_nodes_cross_both_ways(pair):
    r, c = pair.redis.client(), pair.castor.client()
    try:
        for s in (r, c):
            s.config_set("list-compress-depth", 1)
            s.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1000")
        populate_plain_and_compressed(r)
        r.rpush("list:plain", "a", "p" * 5000, "b", "q" * 3000)
        populate_plain_and_compressed(c)
        c.rpush("list:plain", "a", "p" * 5000, "b", "q" * 3000)
        for k in (b"list:compressed", b"list:plain"):
            assert c.dump(k) == r.dump(k), k
            for src, dst in ((r, c), (c, r)):
                dst.restore(k + b":copy", 0, src.dump(k))
                assert dst.lrange(k + b":copy", 0, -1) == src.lrange(k, 0, -1)
        assert_same_dataset(r, c, dbs=[0])
    finally:
        for s in (r, c):
            s.config_set("list-compress-depth", 0)
            s.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")


def config_set(r, settings):
    for k, v in settings.items():
        r.config_set(k, v)


def test_restore_converts_encodings_at_castor_thresholds_like_redis(pair):
    """A payload made under big thresholds loads with the local ones, as
    Redis's loader converts (listpack hash with too many fields becomes a
    hashtable, big intset becomes a hashtable, small skiplist a listpack)."""
    r, c = pair.redis.client(), pair.castor.client()
    settings = {"hash-max-listpack-entries": 2000, "set-max-intset-entries": 5000,
                "zset-max-listpack-entries": 2000}
    old = {k: r.config_get(k)[k] for k in settings}
    try:
        for s in (r, c):
            config_set(s, settings)
        r.hset("h", mapping={"f%d" % i: i for i in range(1000)})
        r.sadd("s", *range(3000))
        r.zadd("z", {"m%d" % i: i for i in range(1000)})
        payloads = {k: r.dump(k) for k in ("h", "s", "z")}
        for s in (r, c):
            config_set(s, old)
            s.config_set("zset-max-listpack-entries", 2000)
        r.delete("h", "s", "z")
        for s in (r, c):
            for k, p in payloads.items():
                s.restore(k, 0, p)
        assert c.object("encoding", "h") == r.object("encoding", "h") == b"hashtable"
        assert c.object("encoding", "s") == r.object("encoding", "s") == b"hashtable"
        assert_same_dataset(r, c, dbs=[0])
        # A skiplist payload that fits the thresholds becomes a listpack.
        for s in (r, c):
            s.config_set("zset-max-listpack-entries", 10)
            s.zadd("big", {"m%d" % i: i for i in range(20)})
            s.zremrangebyrank("big", 5, -1)
        p = r.dump("big")
        for s in (r, c):
            s.config_set("zset-max-listpack-entries", 128)
            s.restore("fromskip", 0, p)
        assert c.object("encoding", "fromskip") == r.object("encoding", "fromskip") == b"listpack"
    finally:
        for s in (r, c):
            config_set(s, old)
            s.config_set("zset-max-listpack-entries", 128)


# ---- RESTORE semantics and errors (differential) -----------------------------

def test_restore_errors_match_redis(pair):
    pair.check("SET", "src", "value")
    good = pair.both("DUMP", "src")[1][1]
    pair.check("DUMP", "missing")
    pair.check("RESTORE", "k", "0", good)
    pair.check("RESTORE", "k", "0", good)                      # BUSYKEY
    pair.check("RESTORE", "k", "0", good, "REPLACE")
    pair.check("RESTORE", "k2", "-1", good)
    pair.check("RESTORE", "k2", "abc", good)
    pair.check("RESTORE", "k2", "0", good[:-1] + bytes([good[-1] ^ 1]))  # checksum
    pair.check("RESTORE", "k2", "0", b"short")
    bad_version = bytearray(good)
    bad_version[-10] = 99
    pair.check("RESTORE", "k2", "0", bytes(bad_version))
    pair.check("RESTORE", "k2", "0", rdblib.payload(0, b"\xc3", version=9))   # bad LZF
    pair.check("RESTORE", "k2", "0", rdblib.payload(60, b"abc", version=9))  # unknown type
    pair.check("RESTORE", "k2", "0", rdblib.payload(0, b"\x05ab", version=9))  # truncated
    pair.check("RESTORE", "k2", "0", good, "BOGUS")
    pair.check("RESTORE", "k2", "0", good, "IDLETIME", "-1")
    pair.check("RESTORE", "k2", "0", good, "IDLETIME", "x")
    pair.check("RESTORE", "k2", "0", good, "FREQ", "256")
    pair.check("RESTORE", "k2", "0", good, "FREQ", "-1")
    pair.check("RESTORE", "k2", "0", good, "IDLETIME", "10", "FREQ", "5")
    pair.check("RESTORE", "k2", "0", good, "FREQ", "5", "IDLETIME", "10")
    pair.check("RESTORE", "k2", "0", good, "IDLETIME")
    pair.check("RESTORE", "k2", "0")
    pair.same([("EXISTS", "k2"), ("GET", "k")])


def test_restore_ttl_replace_and_absttl(pair):
    pair.check("SET", "src", "value")
    good = pair.both("DUMP", "src")[1][1]
    pair.check("RESTORE", "rel", "100000", good)
    pair.check_approx("PTTL", "rel", tol=2000)
    pair.check("RESTORE", "abs", str(FAR_FUTURE_MS), good, "ABSTTL")
    pair.check("PEXPIRETIME", "abs")
    # An absolute time in the past: OK, and no key.
    pair.check("RESTORE", "past", "1000", good, "ABSTTL")
    pair.check("EXISTS", "past")
    # ... and with REPLACE the old key is gone too.
    pair.check("SET", "old", "x")
    pair.check("RESTORE", "old", "1000", good, "ABSTTL", "REPLACE")
    pair.check("EXISTS", "old")
    pair.check("RESTORE", "k", "0", good, "IDLETIME", "1000")
    pair.check_approx("OBJECT", "IDLETIME", "k", tol=2)
    pair.check("RESTORE", "k", "0", good, "REPLACE", "ABSTTL")
    pair.check("TTL", "k")


def test_restore_freq_under_lfu(make_pair):
    p = make_pair({"maxmemory-policy": "allkeys-lfu"})
    p.check("SET", "src", "v")
    good = p.both("DUMP", "src")[1][1]
    p.check("RESTORE", "k", "0", good, "FREQ", "100")
    p.check("OBJECT", "FREQ", "k")


def test_dump_restore_keeps_every_value_shape_through_castor_alone(server):
    """DUMP then RESTORE on castor itself round-trips each encoding."""
    c = server.client()
    populate(c)
    for k in all_keys(c, 0):
        before = key_state(c, k)
        p = c.dump(k)
        c.restore(k, 0, p, replace=True)
        after = key_state(c, k)
        assert before[:3] == after[:3], k


def serializedlength(line):
    if isinstance(line, dict):
        return int(line["serializedlength"])
    return int(re.search(rb"serializedlength:(\d+)", line).group(1))


def test_debug_object_serializedlength_matches_redis(pair):
    r, c = pair.redis.client(), pair.castor.client()
    for s in (r, c):
        populate(s)
    for k in all_keys(r, 0):
        sr = serializedlength(r.execute_command("DEBUG", "OBJECT", k))
        sc = serializedlength(c.execute_command("DEBUG", "OBJECT", k))
        assert sc == sr, k


# ---- Old encodings (Redis <= 6.2 files and payloads) --------------------------

def old_payloads():
    """(name, payload) for each encoding Redis 7.0 reads but no longer writes."""
    ints = [0, 12, 13, -1, 127, -129, 32767, 40000, -(1 << 23), 1 << 23, 1 << 31, -(1 << 62)]
    strs = [b"a", b"hello", b"x" * 70, b"y" * 20000, b"12abc", b"0012", b"-0"]
    out = []
    out.append(("list-ziplist", rdblib.payload(rdblib.TYPE_LIST_ZIPLIST,
                                               rdblib.string(rdblib.ziplist(ints + strs)))))
    out.append(("list-linked", rdblib.payload(rdblib.TYPE_LIST, rdblib.length(4) + b"".join(
        rdblib.string(v) for v in (b"a", b"b", b"100", b"z" * 30)))))
    zls = [rdblib.ziplist(["n%d" % i for i in range(j, j + 50)]) for j in range(0, 500, 50)]
    out.append(("quicklist-of-ziplists", rdblib.payload(rdblib.TYPE_LIST_QUICKLIST,
               rdblib.length(len(zls)) + b"".join(rdblib.string(z) for z in zls))))
    out.append(("zset-ziplist", rdblib.payload(rdblib.TYPE_ZSET_ZIPLIST, rdblib.string(
        rdblib.ziplist([b"10", b"-3", b"a", b"1", b"b", b"2.5", b"c", b"1e+20"])))))
    out.append(("zset-ziplist-big", rdblib.payload(rdblib.TYPE_ZSET_ZIPLIST, rdblib.string(
        rdblib.ziplist([x for i in range(200) for x in (b"m%d" % i, b"%d" % i)])))))
    out.append(("zset-text-scores", rdblib.payload(rdblib.TYPE_ZSET, rdblib.length(5) + b"".join(
        rdblib.string(m) + rdblib.text_double(s) for m, s in
        ((b"a", 1.5), (b"b", -2), (b"c", float("inf")), (b"d", float("-inf")), (b"e", 0.1))))))
    out.append(("hash-ziplist", rdblib.payload(rdblib.TYPE_HASH_ZIPLIST, rdblib.string(
        rdblib.ziplist([b"f1", b"v1", b"f2", b"200", b"300", b"v" * 80])))))
    out.append(("hash-ziplist-big", rdblib.payload(rdblib.TYPE_HASH_ZIPLIST, rdblib.string(
        rdblib.ziplist([x for i in range(600) for x in (b"f%d" % i, b"v%d" % i)])))))
    out.append(("hash-zipmap", rdblib.payload(rdblib.TYPE_HASH_ZIPMAP, rdblib.string(
        rdblib.zipmap([(b"a", b"1"), (b"bb", b"hello"), (b"", b"empty-field")])), version=2)))
    out.append(("hash-zipmap-long", rdblib.payload(rdblib.TYPE_HASH_ZIPMAP, rdblib.string(
        rdblib.zipmap([(b"a", b"1"), (b"big", b"v" * 300)])), version=2)))
    out.append(("set-intset", rdblib.payload(rdblib.TYPE_SET_INTSET, rdblib.string(
        rdblib.intset([5, -3, 1 << 20])))))
    out.append(("set-plain-ints", rdblib.payload(rdblib.TYPE_SET, rdblib.length(3) + b"".join(
        rdblib.int_string(v) for v in (1, 2, 300)))))
    out.append(("set-plain-mixed", rdblib.payload(rdblib.TYPE_SET, rdblib.length(3) + b"".join(
        rdblib.string(v) for v in (b"1", b"x", b"2")))))
    out.append(("hash-plain", rdblib.payload(rdblib.TYPE_HASH, rdblib.length(2) + b"".join(
        rdblib.string(v) for v in (b"f", b"v", b"g", b"w" * 100)))))
    return out


@pytest.mark.parametrize("name,payload", old_payloads(), ids=[n for n, _ in old_payloads()])
def test_old_encodings_restore_like_redis(pair, name, payload):
    assert pair.check("RESTORE", "k", "0", payload) == "OK"
    pair.check("TYPE", "k")
    pair.check("OBJECT", "ENCODING", "k")
    pair.check("DEBUG", "DIGEST-VALUE", "k")
    r, c = pair.redis.client(), pair.castor.client()
    assert key_state(c, "k") == key_state(r, "k")


def corrupt_old_payloads():
    zl = rdblib.ziplist([b"a", b"b", b"c", 5])
    bad_prevlen = bytearray(zl)
    bad_prevlen[10 + 3] = 7          # second entry's prevlen
    bad_count = bytearray(zl)
    bad_count[8] = 3
    bad_tail = bytearray(zl)
    bad_tail[4] = 10
    bad_bytes = bytearray(zl)
    bad_bytes[0] += 1
    no_end = zl[:-1] + b"\x00"
    bad_enc = bytearray(zl)
    bad_enc[11] = 0xC5
    out = []
    for name, z in (("prevlen", bad_prevlen), ("count", bad_count), ("tail", bad_tail),
                    ("bytes", bad_bytes), ("end", no_end), ("encoding", bad_enc),
                    ("short", zl[:9])):
        out.append(("list-" + name, rdblib.payload(rdblib.TYPE_LIST_ZIPLIST, rdblib.string(bytes(z)))))
        out.append(("hash-" + name, rdblib.payload(rdblib.TYPE_HASH_ZIPLIST, rdblib.string(bytes(z)))))
    odd = rdblib.ziplist([b"f", b"v", b"g"])
    dup = rdblib.ziplist([b"f", b"v", b"f", b"w"])
    out.append(("hash-odd", rdblib.payload(rdblib.TYPE_HASH_ZIPLIST, rdblib.string(odd))))
    out.append(("hash-dup", rdblib.payload(rdblib.TYPE_HASH_ZIPLIST, rdblib.string(dup))))
    out.append(("zset-dup", rdblib.payload(rdblib.TYPE_ZSET_ZIPLIST, rdblib.string(dup))))
    zm = bytearray(rdblib.zipmap([(b"a", b"1"), (b"b", b"2")]))
    zm[0] = 5
    out.append(("zipmap-count", rdblib.payload(rdblib.TYPE_HASH_ZIPMAP, rdblib.string(bytes(zm)))))
    out.append(("zipmap-empty", rdblib.payload(rdblib.TYPE_HASH_ZIPMAP, rdblib.string(b"\x00\xff"))))
    out.append(("zipmap-dup", rdblib.payload(rdblib.TYPE_HASH_ZIPMAP, rdblib.string(
        rdblib.zipmap([(b"a", b"1"), (b"a", b"2")])))))
    out.append(("set-dup", rdblib.payload(rdblib.TYPE_SET, rdblib.length(2) + rdblib.string(b"x") * 2)))
    out.append(("zset-nan", rdblib.payload(rdblib.TYPE_ZSET, rdblib.length(1) + rdblib.string(b"a") + b"\xfd")))
    out.append(("zset-dup-text", rdblib.payload(rdblib.TYPE_ZSET, rdblib.length(2) + (
        rdblib.string(b"a") + rdblib.text_double(1)) * 2)))
    return out


@pytest.mark.parametrize("name,payload", corrupt_old_payloads(),
                         ids=[n for n, _ in corrupt_old_payloads()])
def test_corrupt_old_encodings_are_bad_data_format_on_both(pair, name, payload):
    assert pair.check("RESTORE", "k", "0", payload) == Err(b"ERR Bad data format")
    pair.check("EXISTS", "k")


def test_mutated_payloads_never_crash_castor(server):
    """Random byte flips, cuts and length lies inside otherwise valid
    payloads (checksum fixed up, so the value parser sees them): castor
    answers OK or "Bad data format" and keeps serving."""
    c = server.client()
    populate(c)
    seeds = [c.dump(k) for k in all_keys(c, 0)]
    seeds += [p for _, p in old_payloads()]
    rnd = random.Random(1234)
    outcomes = set()
    for i in range(3000):
        body = bytearray(rnd.choice(seeds)[:-10])
        for _ in range(rnd.randint(1, 4)):
            op = rnd.random()
            if op < 0.6 and body:
                body[rnd.randrange(len(body))] = rnd.getrandbits(8)
            elif op < 0.8 and len(body) > 1:
                del body[rnd.randrange(1, len(body)):]
            else:
                pos = rnd.randrange(len(body) + 1)
                body[pos:pos] = bytes([rnd.choice([0x80, 0x81, 0xC3, 0x7F, 0xFF, 0x40])])
        data = bytes(body) + struct.pack("<H", 10)
        data += struct.pack("<Q", rdblib.crc64(data))
        try:
            c.restore("fuzz", 0, data, replace=True)
            outcomes.add("ok")
            c.type("fuzz")
        except Exception as e:  # noqa: BLE001  (only the server's word matters)
            assert "Bad data format" in str(e), e
            outcomes.add("bad")
    assert c.ping()
    assert outcomes == {"ok", "bad"}


def test_listpacks_redis_would_take_unchecked_are_made_safe(server):
    """Castor validates every listpack deep: a hash with a repeated field is
    refused (Redis takes it unless sanitize-dump-payload is on), and a sorted
    set listpack out of (score, member) order is put back in order."""
    c = server.client()
    dup = rdblib.payload(rdblib.TYPE_HASH_LISTPACK, rdblib.string(rdblib.listpack(["f", "v", "f", "w"])), 10)
    with pytest.raises(redis.ResponseError, match="Bad data format"):
        c.restore("h", 0, dup)
    odd = rdblib.payload(rdblib.TYPE_HASH_LISTPACK, rdblib.string(rdblib.listpack(["f", "v", "g"])), 10)
    with pytest.raises(redis.ResponseError, match="Bad data format"):
        c.restore("h", 0, odd)
    unsorted = rdblib.listpack(["c", 3, "a", 1, "b", 2, "a2", 1])
    c.restore("z", 0, rdblib.payload(rdblib.TYPE_ZSET_LISTPACK, rdblib.string(unsorted), 10))
    assert c.zrange("z", 0, -1, withscores=True) == [(b"a", 1), (b"a2", 1), (b"b", 2), (b"c", 3)]
    assert c.object("encoding", "z") == b"listpack"
    assert c.zrank("z", "b") == 2
    badscore = rdblib.listpack(["a", "notanumber"])
    with pytest.raises(redis.ResponseError, match="Bad data format"):
        c.restore("z2", 0, rdblib.payload(rdblib.TYPE_ZSET_LISTPACK, rdblib.string(badscore), 10))
    assert c.exists("h", "z2") == 0


def test_restore_propagates_relative_ttl_as_absolute(start_server):
    """RESTORE with a relative TTL reaches the AOF (and replicas) as RESTORE
    with the absolute time and ABSTTL, as Redis 7.0 rewrites it."""
    s = start_server({"appendonly": "yes"})
    c = s.client()
    c.set("src", "v")
    good = c.dump("src")
    c.restore("k", 50000, good)
    c.restore("k0", 0, good)
    aofdir = os.path.join(s.workdir, "appendonlydir")
    if not os.path.isdir(aofdir):
        pytest.skip("appendonly arrives with aof.c")

    def incr():
        return b"".join(open(os.path.join(aofdir, f), "rb").read()
                        for f in os.listdir(aofdir) if f.endswith(".incr.aof"))
    wait_for(lambda: b"$2\r\nk0\r\n" in incr(), timeout=5)
    data = incr()
    at = data.index(b"$1\r\nk\r\n")
    when = int(data[at:].split(b"\r\n")[3])
    assert abs(when - (int(time.time() * 1000) + 50000)) < 10000
    assert b"ABSTTL" in data[at:data.index(b"k0")]


# ---- Whole files: castor-check-rdb -----------------------------------------------

def run_check(path):
    p = subprocess.run([CHECK_RDB, str(path)], capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def redis_save(server):
    cl = server.client()
    assert cl.save()
    return os.path.join(server.workdir, "dump.rdb")


def test_check_rdb_accepts_a_redis_file(pair, tmp_path):
    r = pair.redis.client()
    populate(r)
    path = redis_save(pair.redis)
    rc, out = run_check(path)
    assert rc == 0, out
    assert "[offset 0] Checking RDB file" in out
    assert "RDB looks OK!" in out
    total = sum(redis_db(r, d).dbsize() for d in range(16))
    assert "[info] %d keys read" % total in out


def test_check_rdb_reports_truncation_and_corruption(pair, tmp_path):
    r = pair.redis.client()
    populate(r)
    data = open(redis_save(pair.redis), "rb").read()
    bad = tmp_path / "bad.rdb"
    for cut in (5, 9, 20, len(data) // 3, len(data) // 2, len(data) - 9, len(data) - 1):
        bad.write_bytes(data[:cut])
        rc, out = run_check(bad)
        assert rc == 1, (cut, out)
        assert "--- RDB ERROR DETECTED ---" in out and "[offset " in out, out
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01
    bad.write_bytes(bytes(flipped))
    rc, out = run_check(bad)
    assert rc == 1, out
    bad.write_bytes(b"NOTREDIS0010" + data[12:])
    rc, out = run_check(bad)
    assert rc == 1 and "Wrong signature" in out


def test_check_rdb_accepts_stream_keys(pair):
    r = pair.redis.client()
    r.set("fine", "1")
    r.xadd("events\x01", {"a": "1"})
    r.xgroup_create("events\x01", "g", id="0")
    rc, out = run_check(redis_save(pair.redis))
    assert rc == 0, out


def test_check_rdb_accepts_handcrafted_old_file(tmp_path):
    path = tmp_path / "old.rdb"
    path.write_bytes(old_style_file())
    rc, out = run_check(path)
    assert rc == 0, out
    assert "[info] 9 keys read" in out


def old_style_file():
    """A version 9 file with the encodings of Redis 2.6-6.2 and second-
    precision expires."""
    body = rdblib.aux("redis-ver", "6.2.0") + rdblib.aux("redis-bits", "64")
    body += bytes([rdblib.OP_SELECTDB]) + rdblib.length(0)
    body += bytes([rdblib.OP_RESIZEDB]) + rdblib.length(9) + rdblib.length(1)
    for name, p in old_payloads()[:8]:
        typ, value = p[0], p[1:-10]
        body += rdblib.key_value(typ, name, value)
    body += rdblib.key_value(rdblib.TYPE_STRING, "secs", rdblib.string("v"),
                             expire_s=int(time.time()) + 100000)
    return rdblib.rdb_file(body, version=9)


# ---- Whole files across servers (SAVE, load at start) -------------------------------

def castor_has_snapshots(server):
    try:
        return server.client().execute_command("LASTSAVE") is not None
    except Exception:
        return False


def start_with_file(tmp_path, name, binary, data):
    d = tmp_path / name
    d.mkdir()
    (d / "dump.rdb").write_bytes(data)
    s = Server(d, binary=binary, name=name, directives={"dbfilename": "dump.rdb"})
    s.start()
    return s


def test_castor_save_loads_in_redis(pair, tmp_path):
    if not castor_has_snapshots(pair.castor):
        pytest.skip("SAVE arrives with snapshot.c")
    c = pair.castor.client()
    populate(c)
    assert c.save()
    path = os.path.join(pair.castor.workdir, "dump.rdb")
    check = subprocess.run([REDIS_CHECK_RDB, path], capture_output=True, timeout=60)
    assert check.returncode == 0 and b"RDB looks OK" in check.stdout, check.stdout
    data = open(path, "rb").read()
    s = start_with_file(tmp_path, "redis-load", REDIS_SERVER, data)
    try:
        assert_same_dataset(c, s.client())
    finally:
        s.stop()


def test_redis_save_loads_in_castor(pair, tmp_path):
    if not castor_has_snapshots(pair.castor):
        pytest.skip("loading at start arrives with snapshot.c")
    r = pair.redis.client()
    populate(r)
    data = open(redis_save(pair.redis), "rb").read()
    s = start_with_file(tmp_path, "castor-load", CASTOR_SERVER, data)
    try:
        assert_same_dataset(r, s.client())
    finally:
        s.stop()


def test_old_style_file_loads_the_same_in_both(tmp_path):
    data = old_style_file()
    r = start_with_file(tmp_path, "redis-old", REDIS_SERVER, data)
    try:
        if not castor_has_snapshots(r):
            pytest.skip("no LASTSAVE")
        c = start_with_file(tmp_path, "castor-old", CASTOR_SERVER, data)
        try:
            if c.client().dbsize() == 0:
                pytest.skip("castor does not load at start yet")
            assert_same_dataset(r.client(), c.client(), dbs=[0])
        finally:
            c.stop()
    finally:
        r.stop()


def test_castor_file_without_checksum_and_compression_loads_in_redis(make_pair, tmp_path):
    p = make_pair({"rdbchecksum": "no", "rdbcompression": "no"})
    if not castor_has_snapshots(p.castor):
        pytest.skip("SAVE arrives with snapshot.c")
    c = p.castor.client()
    populate(c)
    assert c.save()
    data = open(os.path.join(p.castor.workdir, "dump.rdb"), "rb").read()
    assert data[-8:] == b"\x00" * 8
    assert b"abc" * 300 in data           # stored verbatim
    s = start_with_file(tmp_path, "redis-nock", REDIS_SERVER, data)
    try:
        assert_same_dataset(c, s.client())
    finally:
        s.stop()
