"""Behaviours Redis's own test suite pins (unit/type/*, introspection*),
differential against redis-server 7.0.15 where replies are deterministic,
and statistically (the suite's chi-square bound) where they are random."""

import time

import pytest

from pair import monitor_lines, same_call, same_read


# ---- Numbers with a NUL inside ---------------------------------------------------------------

def test_incrbyfloat_refuses_a_value_with_a_nul_inside(pair):
    """unit/type/incr "string to double with null terminator": "1\\x002" is
    not a float, though strtold stops at the NUL."""
    pair.check("SET", "foo", "1")
    pair.check("SETRANGE", "foo", "2", "2")
    pair.check("INCRBYFLOAT", "foo", "1")
    pair.check("GET", "foo")
    pair.check("SET", "bar", b"1\x00")
    pair.check("INCRBYFLOAT", "bar", "1")
    pair.check("INCRBYFLOAT", "nokey", b"1\x00")


def test_hincrbyfloat_refuses_a_value_with_a_nul_inside(pair):
    pair.check("HSET", "h", "f", b"1\x002")
    pair.check("HINCRBYFLOAT", "h", "f", "1")
    pair.check("HGET", "h", "f")
    pair.check("HINCRBYFLOAT", "h", "g", b"2\x00")


# ---- SMOVE keeps an intset ------------------------------------------------------------------

def test_smove_keeps_intset_destinations(pair):
    for cmd in [("SADD", "s1", "1", "a", "b"), ("SADD", "s2", "2", "3", "4"),
                ("SMOVE", "s1", "s2", "1"), ("OBJECT", "ENCODING", "s2"),
                ("SMOVE", "s1", "s3", "a"), ("OBJECT", "ENCODING", "s3"),
                ("SADD", "i1", "5", "6"), ("SMOVE", "i1", "i2", "5"),
                ("OBJECT", "ENCODING", "i2"), ("SMOVE", "s1", "s2", "b"),
                ("OBJECT", "ENCODING", "s2"), ("SMEMBERS", "s2")]:
        pair.check(*cmd, unordered=cmd[0] == "SMEMBERS")


# ---- Random members are uniform -------------------------------------------------------------

def chi_square(values):
    """The suite's chi_square_value: sum of (observed - expected)^2/expected."""
    counts = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    expected = len(values) / len(counts)
    return sum((n - expected) ** 2 / expected for n in counts.values())


HASH_FIELDS = [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5"), ("6", "f"),
               ("7", "g"), ("8", "h"), ("9", "i"), ("x" * 80, "10")]


@pytest.mark.parametrize("side", ["castor", "redis"])
def test_hrandfield_of_a_hashtable_is_uniform(pair, side):
    """unit/type/hash "HRANDFIELD with <count> - hashtable": 1000 picks with
    repetition from 10 fields stay under chi-square 40 (df 9, p 1e-5). A
    pick of a bucket then of its chain fails it."""
    c = pair.conn(side)
    c.call("CONFIG", "SET", "hash-max-listpack-value", "10")
    try:
        c.call("HSET", "h", *[x for fv in HASH_FIELDS for x in fv])
        assert c.call("OBJECT", "ENCODING", "h") == b"hashtable"
        for _ in range(3):
            assert chi_square(c.call("HRANDFIELD", "h", "-1000")) < 40
            picks = [c.call("HRANDFIELD", "h") for _ in range(500)]
            assert chi_square(picks) < 40
    finally:
        c.call("CONFIG", "SET", "hash-max-listpack-value", "64")


@pytest.mark.parametrize("side", ["castor", "redis"])
def test_srandmember_and_zrandmember_are_uniform(pair, side):
    c = pair.conn(side)
    members = ["m%d" % i for i in range(10)] + ["y" * 80]
    c.call("SADD", "s", *members)
    c.call("ZADD", "z", *[x for i, m in enumerate(members) for x in (i, m)])
    for _ in range(3):
        assert chi_square(c.call("SRANDMEMBER", "s", "-1000")) < 40
        assert chi_square(c.call("ZRANDMEMBER", "z", "-1000")) < 40


# ---- Introspection -------------------------------------------------------------------------

def test_monitor_shows_eval_and_fcall_before_their_commands(pair):
    """unit/introspection: EVAL and FCALL are shown (even when they fail),
    then the commands their script runs, as [<db> lua]."""
    mons, cs = pair.conns(), pair.conns()
    try:
        same_call(cs, "FUNCTION", "LOAD", "REPLACE",
                  "#!lua name=t\nredis.register_function('tf', function() "
                  "return redis.call('set', 'foo', 'bar') end)")
        for m in mons:
            assert m.call("MONITOR") == "OK"
        same_call(cs, "EVAL", "redis.call('set', KEYS[1], ARGV[1])", "1", "foo", "bar")
        same_call(cs, "EVAL", "return 1", "5", "a")
        same_call(cs, "FCALL", "tf", "0")
        same_call(cs, "MULTI")
        same_call(cs, "EVAL_RO", "return redis.call('get', 'foo')", "1", "foo")
        same_call(cs, "EXEC")
        same_call(cs, "PING")
        lines = monitor_lines(mons)
        assert lines[0] == lines[1], lines
        assert lines[0][0].startswith(b'"EVAL"') and lines[0][1] == b'"set" "foo" "bar"'
    finally:
        for c in mons + cs:
            c.close()


def test_ttl_type_exists_do_not_touch_the_key(pair):
    """unit/introspection-2: TTL, TYPE and EXISTS leave OBJECT IDLETIME
    counting."""
    for c in pair.conns():
        c.call("SET", "foo", "bar")
        c.call("DEBUG", "OBJECT", "foo")
        c.close()
    time.sleep(2.1)
    for c in pair.conns():
        for cmd in [("TTL", "foo"), ("PTTL", "foo"), ("EXPIRETIME", "foo"), ("TYPE", "foo"),
                    ("EXISTS", "foo")]:
            c.call(*cmd)
        assert c.call("OBJECT", "IDLETIME", "foo") >= 2, c.port
        c.close()


def test_command_getkeys_lists_more_than_256_keys(pair):
    keys = ["key%d" % i for i in range(1, 301)]
    pair.check("COMMAND", "GETKEYS", "ZUNIONSTORE", "target", str(len(keys)), *keys)
    pair.check("COMMAND", "GETKEYS", "MSET", *[x for k in keys for x in (k, "v")])
    pair.check("COMMAND", "GETKEYSANDFLAGS", "DEL", *keys)


def test_reset_clears_name_and_tracking(pair):
    """unit/other "RESET clears client state": the name and CLIENT TRACKING
    go with the rest of the connection's state."""
    cs = pair.conns()
    try:
        same_call(cs, "CLIENT", "SETNAME", "test-client")
        same_call(cs, "CLIENT", "TRACKING", "on")
        same_call(cs, "RESET")
        same_call(cs, "CLIENT", "GETNAME")
        same_call(cs, "CLIENT", "TRACKINGINFO")
        for c in cs:
            line = c.call("CLIENT", "INFO")
            assert b" name= " in line and b" flags=N " in line, line
    finally:
        for c in cs:
            c.close()


def test_config_set_maxmemory_evicts_at_once(pair):
    """unit/pubsub "Keyspace notifications: evicted events": lowering
    maxmemory evicts during CONFIG SET itself, so a subscriber hears the
    evicted event without another command being sent."""
    subs, cs = pair.conns(), pair.conns()
    try:
        same_call(cs, "CONFIG", "SET", "notify-keyspace-events", "Ee")
        same_call(cs, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        for s in subs:
            s.send("PSUBSCRIBE", "*")
            s.read()
        same_call(cs, "SET", "foo", "bar")
        same_call(cs, "CONFIG", "SET", "maxmemory", "1")
        for s in subs:
            s.timeout = 5
            s.sock.settimeout(5)
        same_read(subs, "evicted event, with no command sent after CONFIG SET")
    finally:
        for c in cs:
            c.call("CONFIG", "SET", "maxmemory", "0")
            c.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
            c.call("CONFIG", "SET", "notify-keyspace-events", "")
        for c in subs + cs:
            c.close()


def _htstats_lines(text):
    """What DEBUG HTSTATS says that does not depend on the hash function."""
    keep = ("[", "Hash table", "No stats", " table size", " number of elements")
    return [ln for ln in text.decode().split("\n") if ln.startswith(keep)]


def test_debug_htstats_and_htstats_key(pair):
    """unit/other "Don't rehash if redis has child process" and the set
    tests read table sizes from DEBUG HTSTATS / HTSTATS-KEY."""
    pair.check("DEBUG", "HTSTATS", "99")
    pair.check("DEBUG", "HTSTATS", "abc")
    pair.check("DEBUG", "HTSTATS")
    pair.check("DEBUG", "HTSTATS-KEY", "nokey")
    pair.check("DEBUG", "HTSTATS-KEY", "k", "full")
    pair.check("SET", "str", "x")
    pair.check("DEBUG", "HTSTATS-KEY", "str")
    pair.check("DEBUG", "HTSTATS", "0")
    pair.check("DEBUG", "POPULATE", "100")
    pair.check("HSET", "h", *[x for i in range(200) for x in ("f%d" % i, "v")])
    a, b = pair.both("DEBUG", "HTSTATS", "0")
    assert _htstats_lines(a[1]) == _htstats_lines(b[1])
    a, b = pair.both("DEBUG", "HTSTATS-KEY", "h")
    assert _htstats_lines(a[1]) == _htstats_lines(b[1])


# ---- CLIENT PAUSE ---------------------------------------------------------------------------

def _info_field(c, section, name):
    text = c.call("INFO", section)
    return int(text.split(name.encode() + b":")[1].split(b"\r\n")[0])


def test_pause_write_holds_eval_and_counts_blocked_clients(pair):
    """unit/pause: a script without flags may write, so PAUSE WRITE holds
    it, and held clients count in INFO blocked_clients."""
    admins, held = pair.conns(), pair.conns()
    try:
        same_call(admins, "CLIENT", "PAUSE", "60000", "WRITE")
        for h in held:
            h.send("EVAL", "return 1", "0")
        for a in admins:
            deadline = time.monotonic() + 5
            while _info_field(a, "clients", "blocked_clients") != 1:
                assert time.monotonic() < deadline, "EVAL not held (port %d)" % a.port
                time.sleep(0.01)
        same_call(admins, "EVAL_RO", "return 2", "0")       # read-only: runs
        same_call(admins, "CLIENT", "UNPAUSE")
        same_read(held, "EVAL after UNPAUSE")
        same_call(admins, "EVAL_RO", "return redis.call('publish', 'ch', 'msg')", "0")
        same_call(admins, "EVAL", "#!lua flags=no-writes\nreturn redis.call('publish', 'ch', 'm')",
                  "0")
        same_call(admins, "EVAL", "return redis.call('publish', 'ch', 'msg')", "0")
    finally:
        for a in admins:
            a.call("CLIENT", "UNPAUSE")
        for c in admins + held:
            c.close()


def test_expired_keys_are_not_deleted_while_paused(pair):
    """unit/pause: under CLIENT PAUSE WRITE expired keys read as missing but
    are neither deleted nor counted until the pause ends."""
    cs = pair.conns()
    try:
        before = [_info_field(c, "stats", "expired_keys") for c in cs]
        same_call(cs, "MULTI")
        same_call(cs, "SET", "foo", "bar", "PX", "10")
        same_call(cs, "SET", "bar", "foo", "PX", "10")
        same_call(cs, "CLIENT", "PAUSE", "50000", "WRITE")
        same_call(cs, "EXEC")
        time.sleep(0.3)                     # active expiry would have run
        same_call(cs, "GET", "foo")
        same_call(cs, "EXISTS", "bar")
        for c, b in zip(cs, before):
            assert _info_field(c, "stats", "expired_keys") == b, c.port
        same_call(cs, "CLIENT", "UNPAUSE")
        same_call(cs, "GET", "foo")
        same_call(cs, "GET", "bar")
        for c, b in zip(cs, before):
            assert _info_field(c, "stats", "expired_keys") == b + 2, c.port
    finally:
        for c in cs:
            c.call("CLIENT", "UNPAUSE")
            c.close()


# ---- maxmemory -----------------------------------------------------------------------------

def test_lru_policies_do_not_share_integers(pair):
    """unit/maxmemory: with maxmemory and an LRU/LFU policy every key keeps
    its own access data, so small integers are not shared."""
    try:
        for policy in ["noeviction", "allkeys-random", "allkeys-lru", "volatile-lfu"]:
            pair.check("CONFIG", "SET", "maxmemory", "0")
            pair.check("SET", "a", "1")
            pair.check("OBJECT", "REFCOUNT", "a")
            pair.check("CONFIG", "SET", "maxmemory-policy", policy)
            pair.check("CONFIG", "SET", "maxmemory", "100mb")
            pair.check("SET", "a", "1")
            pair.check("OBJECT", "REFCOUNT", "a")
    finally:
        pair.check("CONFIG", "SET", "maxmemory", "0")
        pair.check("CONFIG", "SET", "maxmemory-policy", "noeviction")


def test_config_set_maxmemory_inside_multi_evicts_after_exec(pair):
    """unit/maxmemory "propagation with eviction in MULTI": the transaction
    still sees its key; eviction follows the EXEC."""
    cs = pair.conns()
    try:
        same_call(cs, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        for cmd in [("MULTI",), ("INCR", "x"), ("CONFIG", "SET", "maxmemory", "1"),
                    ("INCR", "x"), ("EXEC",)]:
            same_call(cs, *cmd)
        for c in cs:
            deadline = time.monotonic() + 5
            while c.call("DBSIZE") != 0:
                assert time.monotonic() < deadline, c.port
                time.sleep(0.01)
    finally:
        for c in cs:
            c.call("CONFIG", "SET", "maxmemory", "0")
            c.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
            c.close()


def test_keyspace_does_not_grow_its_table_past_maxmemory(pair):
    """unit/maxmemory "Don't rehash if used memory exceeds maxmemory after
    rehash": growing the table would cross the limit, so it waits, and no
    key is evicted for it."""
    cs = pair.conns()
    try:
        same_call(cs, "CONFIG", "SET", "maxmemory-policy", "allkeys-random")
        same_call(cs, "DEBUG", "POPULATE", "4096")
        for c in cs:
            used = _info_field(c, "memory", "used_memory")
            assert c.call("CONFIG", "SET", "maxmemory", str(used + 10 * 1024)) == "OK"
        same_call(cs, "SET", "k1", "v1")
        same_call(cs, "SET", "k2", "v2")
        same_call(cs, "DBSIZE")
    finally:
        for c in cs:
            c.call("CONFIG", "SET", "maxmemory", "0")
            c.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
            c.close()


def test_debug_mallctl(pair):
    for cmd in [("DEBUG", "MALLCTL", "arenas.page"), ("DEBUG", "MALLCTL", "arenas.page", "8192"),
                ("DEBUG", "MALLCTL", "no.such"), ("DEBUG", "MALLCTL", "arenas.page", "x"),
                ("DEBUG", "MALLCTL-STR", "thread.tcache.flush", "VOID"),
                ("DEBUG", "MALLCTL-STR", "thread.tcache.flush")]:
        pair.check(*cmd)


# ---- Slow log, query buffers ----------------------------------------------------------------

def test_slowlog_logs_a_served_blocked_command_as_sent(pair):
    """unit/slowlog: a BLPOP served later is logged as BLPOP (not the LPOP
    it propagates) when it is served."""
    waiters, cs = pair.conns(), pair.conns()
    try:
        same_call(cs, "CONFIG", "SET", "slowlog-log-slower-than", "0")
        for w in waiters:
            w.send("BLPOP", "l", "0")
        for c in cs:
            deadline = time.monotonic() + 5
            while _info_field(c, "clients", "blocked_clients") != 1:
                assert time.monotonic() < deadline
                time.sleep(0.01)
        for cmd in [("MULTI",), ("LPUSH", "l", "foo"), ("SLOWLOG", "RESET"), ("EXEC",)]:
            same_call(cs, *cmd)
        same_read(waiters, "BLPOP served")
        for c in cs:
            entry = c.call("SLOWLOG", "GET")[0]
            assert entry[3] == [b"blpop", b"l", b"0"] or entry[3] == [b"BLPOP", b"l", b"0"], entry
    finally:
        for c in cs:
            c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        for c in waiters + cs:
            c.close()


def _qbuf_total(c, name):
    for line in c.call("CLIENT", "LIST").split(b"\n"):
        if b" name=%s " % name in line:
            f = dict(x.split(b"=", 1) for x in line.split() if b"=" in x)
            return int(f[b"qbuf"]) + int(f[b"qbuf-free"])
    return None


def test_query_buffer_of_an_idle_client_is_given_back(pair):
    """unit/querybuf: a new client's query buffer is one 16 KB read's worth
    (under 32 KB), and it is freed after 2 s of idleness."""
    idle, obs = pair.conns(), pair.conns()
    try:
        same_call(idle, "CLIENT", "SETNAME", "qb")
        for o in obs:
            assert 16384 <= _qbuf_total(o, b"qb") < 32768, o.port
        deadline = time.monotonic() + 6
        for o in obs:
            while _qbuf_total(o, b"qb") != 0:
                assert time.monotonic() < deadline, o.port
                time.sleep(0.1)
    finally:
        for c in idle + obs:
            c.close()


def test_memory_of_a_huge_request_is_given_back(pair):
    """unit/lazyfree "UNLINK can reclaim memory in background": once a
    100000-argument SADD is unlinked, used_memory falls back under twice
    what it was (castor kept that request's argument arrays)."""
    for c in pair.conns():
        orig = _info_field(c, "memory", "used_memory")
        c.call("SADD", "myset", *range(100000))
        peak = _info_field(c, "memory", "used_memory")
        assert c.call("UNLINK", "myset") == 1
        deadline = time.monotonic() + 5
        while True:
            used = _info_field(c, "memory", "used_memory")
            if used < peak and used < orig * 2:
                break
            assert time.monotonic() < deadline, (c.port, orig, peak, used)
            time.sleep(0.1)
        c.close()


# ---- Networking -----------------------------------------------------------------------------

@pytest.mark.parametrize("side", ["castor", "redis"])
def test_empty_bind_serves_the_unix_socket_only(tmp_path, side):
    """unit/networking "Default bind address configuration handling": with
    bind "" the server starts, listens on no TCP address, and answers on its
    unix socket."""
    import redis as redis_py
    from castortest import CASTOR_SERVER, REDIS_SERVER, Server
    sock = str(tmp_path / "s.sock")
    srv = Server(tmp_path / side, binary=CASTOR_SERVER if side == "castor" else REDIS_SERVER,
                 directives={"bind": "", "unixsocket": sock}, name=side)
    srv.spawn()
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                r = redis_py.Redis(unix_socket_path=sock)
                assert r.ping()
                break
            except (redis_py.ConnectionError, FileNotFoundError):
                assert srv.proc.poll() is None, "%s exited" % side
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert r.config_get("bind") == {"bind": ""}
        with pytest.raises(redis_py.ConnectionError):
            redis_py.Redis(port=srv.port, socket_connect_timeout=1).ping()
        r.close()
    finally:
        srv.stop()


def test_replica_connects_from_bind_source_addr(make_pair):
    """unit/networking "CONFIG SET bind-source-addr": castor's replication
    link to a redis-server master leaves from that address."""
    p = make_pair()
    c = p.castor.client()
    assert c.config_set("bind-source-addr", "127.0.0.2")
    r = p.redis.client()
    r.config_set("protected-mode", "no")     # 127.0.0.2 is not "local" to it
    c.execute_command("REPLICAOF", "127.0.0.1", str(p.redis.port))
    deadline = time.monotonic() + 10
    while r.info("replication").get("slave0", {}).get("ip") != "127.0.0.2":
        assert time.monotonic() < deadline, r.info("replication")
        time.sleep(0.05)
    c.execute_command("REPLICAOF", "NO", "ONE")
