"""Attacks and abuse a Redis 7.0.15 server resists (issue 17, "holes in what
exists today" and the hardening items that concern existing code).

Each test starts from what an attacker or a buggy client sends and checks
that castor answers as Redis does (or, where Redis itself misbehaves, with
a bounded, documented answer), keeps serving others and stays within CPU
and memory bounds. The integration layer runs the ASan+UBSan build, so a
signed overflow or a use-after-free on these paths fails the test."""

import os
import socket
import time

import pytest
import redis

from castortest import wait_for
from resp import Err, RespConn

LLONG_MIN = -9223372036854775808
LLONG_MAX = 9223372036854775807


def cpu_seconds(pid):
    """utime + stime of a process, in seconds, from /proc/<pid>/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])   # fields 14 and 15 of stat(5)
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_used_over(pid, seconds):
    """CPU seconds the process used during a wall-clock interval."""
    before = cpu_seconds(pid)
    time.sleep(seconds)   # measuring an interval, not waiting for a state
    return cpu_seconds(pid) - before


def client_is_blocked(r, name):
    return any(c.get("name") == name and "b" in c["flags"] for c in r.client_list())


# ---- Blocking timeouts at the top of the range ----

@pytest.mark.parametrize("cmd", [
    ("BLPOP", "k", "9.3e12"),
    ("BLPOP", "k", "9223372036854775"),       # the largest the parser turns into ms
    ("BRPOP", "k", "9223372036854774.807"),
    ("BLMOVE", "k", "d", "LEFT", "RIGHT", "9.3e12"),
    ("BZPOPMIN", "z", "9.3e12"),
    ("BZMPOP", "9.3e12", "1", "z", "MIN"),
    ("WAIT", "1", str(LLONG_MAX)),
])
def test_huge_block_timeout_neither_overflows_nor_spins(server, cmd):
    """A timeout near 9.3e12 s (and the largest Redis accepts) used to
    overflow the timer arithmetic of the event loop, which then burned a
    CPU while the client was blocked. Redis 7.0.15 blocks and idles."""
    r = server.client()
    blocked = server.raw()
    blocked.call("CLIENT", "SETNAME", "sleeper")
    blocked.send(*cmd)
    wait_for(lambda: client_is_blocked(r, "sleeper"), timeout=5)
    used = cpu_used_over(server.pid, 1.5)
    assert used < 0.3, "server used %.2fs of CPU in 1.5s with one blocked client" % used
    assert client_is_blocked(r, "sleeper")
    assert r.ping() is True
    if cmd[0] == "WAIT":
        sleeper = [c["id"] for c in r.client_list() if c.get("name") == "sleeper"][0]
        assert r.client_unblock(sleeper) is True
        blocked.read()
    elif cmd[0].startswith("BZ"):
        r.zadd("z", {"m": 1})
        assert blocked.read() is not None
    else:
        r.rpush("k", "v")
        assert blocked.read() in ([b"k", b"v"], b"v")


@pytest.mark.parametrize("timeout,err", [
    ("-1", "ERR timeout is negative"),
    ("inf", "ERR timeout is negative"),         # Redis 7.0 casts +inf to LLONG_MIN
    ("1e400", "ERR timeout is negative"),
    ("9.3e15", "ERR timeout is negative"),
    ("nan", "ERR timeout is not a float or out of range"),
    ("1x", "ERR timeout is not a float or out of range"),
])
def test_block_timeout_errors(server, timeout, err):
    r = server.raw()
    assert r.call("BLPOP", "k", timeout) == Err(err)
    assert r.call("PING") == "PONG"


# ---- Integer limits that were undefined behaviour (UBSan aborts this build) ----

def test_lrem_with_llong_min_count_removes_from_the_tail(server):
    """LREM k -9223372036854775808 v negated the count. Redis removes every
    match from the tail (the count is too big to reach)."""
    r = server.client()
    r.rpush("l", "a", "b", "a", "c", "a")
    assert r.lrem("l", LLONG_MIN, "a") == 3
    assert r.lrange("l", 0, -1) == [b"b", b"c"]
    assert r.lrem("l", LLONG_MAX, "b") == 1
    assert r.lrange("l", 0, -1) == [b"c"]


@pytest.mark.parametrize("cmd,want", [
    (("ZRANGE", "z", "0", "10", "BYSCORE", "LIMIT", LLONG_MIN, "1"), []),
    (("ZRANGE", "z", "0", "10", "BYSCORE", "LIMIT", "0", LLONG_MIN), [b"a", b"b", b"c"]),
    (("ZRANGE", "z", "0", "10", "BYSCORE", "LIMIT", "1", LLONG_MIN), [b"b", b"c"]),
    (("ZRANGE", "z", "10", "0", "BYSCORE", "REV", "LIMIT", "1", LLONG_MIN), [b"b", b"a"]),
    (("ZRANGE", "z", "-", "+", "BYLEX", "LIMIT", LLONG_MIN, LLONG_MIN), []),
    (("ZRANGE", "z", "+", "-", "BYLEX", "REV", "LIMIT", "0", LLONG_MIN), [b"c", b"b", b"a"]),
    (("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", LLONG_MAX, LLONG_MAX), []),
    (("ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "2", LLONG_MAX), [b"a"]),
    (("ZRANGESTORE", "d", "z", "0", "10", "BYSCORE", "LIMIT", LLONG_MIN, "1"), 0),
])
def test_zrange_limit_at_llong_limits(server, cmd, want):
    """ZRANGE ... LIMIT -9223372036854775808 1 decremented the offset past
    LLONG_MIN. A negative offset skips everything, a negative count means
    no limit (Redis 7.0's loops), so these are plain answers."""
    r = server.client()
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert r.execute_command(*cmd) == want


def test_huge_expires_after_loading_keep_ttl_math_in_range(server):
    """Keys whose expire is near LLONG_MAX (set by PEXPIREAT, kept across an
    RDB save and load) overflowed the active expiry cycle's TTL sum."""
    r = server.client()
    for i in range(40):
        r.set("k%d" % i, "v")
        assert r.pexpireat("k%d" % i, LLONG_MAX - i) is True
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert r.pttl("k0") > 9 * 10**18
    assert r.ttl("k0") > 9 * 10**15
    assert r.execute_command("EXPIRETIME", "k0") == 9223372036854776   # Redis rounds up
    assert r.execute_command("PEXPIRETIME", "k0") == LLONG_MAX

    def sampled():
        db0 = r.info("keyspace").get("db0", {})
        return db0.get("avg_ttl", 0) > 0
    wait_for(sampled, timeout=5)   # the cycle ran over the huge TTLs
    assert r.dbsize() == 40


# ---- The inline protocol ----

def test_inline_command_with_nul_is_not_split_at_the_nul(server):
    """An inline request ends at the newline; a NUL inside a word is one of
    its bytes. castor used to end the word there, so the NUL smuggled in an
    extra argument ("SET k v\\0nx" ran as SET k v NX). Redis 7.0.15 never
    executes such a line (its strchr stops at the NUL) -- castor runs it
    binary-safely, like the same request in multibulk form."""
    c = server.raw()
    c.send_raw(b"ECHO a\x00b\r\n")
    assert c.read() == b"a\x00b"
    c.send_raw(b"SET k v\x00nx\r\nGET k\r\n")   # split, it was SET k v NX
    assert c.read() == "OK"
    assert c.read() == b"v\x00nx"


# ---- Unauthenticated clients ----

def flood_without_reading(port, data, total, seconds):
    """Send 'data' repeatedly (up to 'total' bytes) on a socket that never
    reads, until the server closes it or 'seconds' pass. Returns (bytes
    sent, whether the server closed the connection)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.setblocking(False)
    sent, deadline = 0, time.monotonic() + seconds
    try:
        while sent < total and time.monotonic() < deadline:
            try:
                sent += s.send(data)
            except BlockingIOError:
                time.sleep(0.005)   # the server is slower than us; nothing to poll
            except (ConnectionResetError, BrokenPipeError):
                return sent, True
        return sent, False
    finally:
        s.close()


def test_unauthenticated_pipeline_cannot_grow_memory(start_server):
    """CVE-2025-21605: 100 MB of pipelined GET from a client that never
    authenticates (and never reads the NOAUTH errors) grew castor's RSS to
    632 MB. Redis 7.0.15 closes such a client once more than 1 KB of replies
    wait beyond its 16 KB buffer; so does castor, and counts it."""
    srv = start_server(directives={"requirepass": "s3cret"})
    r = srv.client()
    r.set("a", "x")
    rss_before = srv.rss_kb()
    chunk = b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n" * 50000
    sent, closed = flood_without_reading(srv.port, chunk, 100 * 1024 * 1024, 20)
    assert closed, "the server kept a non-reading unauthenticated client after %d bytes" % sent
    assert srv.rss_kb() - rss_before < 64 * 1024
    assert "scheduled to be closed ASAP for overcoming of output buffer limits" in srv.logfile
    assert r.info("stats")["client_output_buffer_limit_disconnections"] == 1
    # Authenticated, the same pipeline is answered (no normal-class limit).
    c = srv.raw()
    c.send_raw(b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n" * 2000)
    assert [c.read() for _ in range(2000)] == [b"x"] * 2000


def test_clearing_requirepass_lets_unauthenticated_clients_in(start_server):
    """Redis's authRequired is asked at each command: once requirepass is
    cleared, a client that never authenticated may run commands (and has
    no unauthenticated limits); once set again, it must authenticate."""
    srv = start_server(directives={"requirepass": "s3cret"})
    r = srv.client()
    c = RespConn(srv.port)
    assert c.call("GET", "k") == Err("NOAUTH Authentication required.")
    assert r.config_set("requirepass", "") is True
    assert c.call("GET", "k") is None
    assert c.call("ECHO", "x" * 20000) == b"x" * 20000
    r.config_set("requirepass", "again")
    assert c.call("GET", "k") == Err("NOAUTH Authentication required.")
    c.close()


def test_requirepass_with_nul_from_config_file_and_masterauth(start_server, tmp_path):
    """A password may hold NUL bytes wherever it is set: "\\x00" in the
    config file, CONFIG SET; AUTH must give every byte. masterauth too: a
    replica authenticates to such a master."""
    conf = 'requirepass "abc\\x00def"\n'
    master = start_server(config=conf)
    c = RespConn(master.port)
    assert c.call("AUTH", b"abc") == Err(
        "WRONGPASS invalid username-password pair or user is disabled.")
    assert c.call("AUTH", b"abc\x00def") == "OK"
    assert c.call("CONFIG", "GET", "requirepass") == [b"requirepass", b"abc\x00def"]
    c.close()
    replica = start_server(directives=[("masterauth", "abc"), ("replicaof",
                                        ["127.0.0.1", str(master.port)])])
    rc = RespConn(replica.port)
    assert rc.call("CONFIG", "SET", "masterauth", b"abc\x00def") == "OK"

    def linked():
        info = rc.call("INFO", "replication").decode()
        return "master_link_status:up" in info
    wait_for(linked, timeout=10)
    rc.close()


# ---- The accept loop ----

def fd_numbers(pid):
    return sorted(int(n) for n in os.listdir("/proc/%d/fd" % pid))


def test_accept_survives_running_out_of_descriptors(server):
    """CVE-2025-48367 class: with no descriptor left (EMFILE) a pending
    connection stays in the backlog, the listener stays readable and the
    loop spun on it, logging a line each time, while the clients waited
    for nothing. castor refuses each one with Redis's maxclients error
    (through a descriptor kept in reserve), keeps serving its clients at an
    idle CPU cost, and accepts again once descriptors are free."""
    import resource
    r = server.client()
    r.ping()
    pid = server.pid
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    # A few descriptors left (and whatever gaps lie below): clients take
    # them until the next connection finds none.
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (fd_numbers(pid)[-1] + 4, hard))
    served = []
    try:
        for _ in range(64):
            # A refused connection gets the error unasked; sending first
            # would make the server's close a reset that may eat the error.
            s = socket.create_connection(("127.0.0.1", server.port), timeout=0.3)
            try:
                reply = s.recv(100)
                break
            except socket.timeout:
                pass
            s.settimeout(5)
            s.sendall(b"PING\r\n")
            assert s.recv(100) == b"+PONG\r\n"
            served.append(s)
        assert reply == b"-ERR max number of clients reached\r\n"
        assert s.recv(100) == b""   # and closed
        s.close()
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            assert s.recv(100) == b"-ERR max number of clients reached\r\n"
            assert s.recv(100) == b""
            s.close()
        for s in served:
            s.sendall(b"PING\r\n")
            assert s.recv(100) == b"+PONG\r\n"
        used = cpu_used_over(server.pid, 1.0)
        assert used < 0.3, "%.2fs of CPU in 1s while out of descriptors" % used
        assert r.info("stats")["rejected_connections"] == 6
        assert server.logfile.count("Accepting client connection: accept: Too many open files") <= 2
    finally:
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
        for s in served:
            s.close()
    c = RespConn(server.port)
    assert c.call("PING") == "PONG"
    c.close()


# ---- Glob patterns ----

@pytest.mark.parametrize("pattern", [
    "a*" * 1000 + "b",            # the shape behind CVE-2022-36021 / CVE-2024-31228
    "*a" * 5000 + "*b",
    "a*" * 999 + "a",
    "?*" * 2000 + "b",
    "[a-z]*" * 800 + "b",
], ids=["a* x1000 b", "*a x5000 *b", "a* x999 a", "?* x2000 b", "[a-z]* x800 b"])
def test_pathological_glob_patterns_finish_quickly(server, pattern):
    """KEYS, SCAN MATCH and PSUBSCRIBE against long keys and channels with
    patterns of thousands of stars: the matcher never recurses (no stack
    overflow) and costs at most pattern x key steps; Redis's limit of 1000
    nested stars applies."""
    r = server.client()
    long_name = "a" * 100000
    for i in range(5):
        r.set(long_name + str(i), "v")
    start = time.monotonic()
    assert r.keys(pattern) == []
    cursor, found = r.scan(0, match=pattern, count=100)
    assert found == []
    sub = server.raw()
    sub.send("PSUBSCRIBE", pattern)
    assert sub.read()[0] == b"psubscribe"
    assert r.publish(long_name + "0", "x") == 0
    elapsed = time.monotonic() - start
    assert elapsed < 5, "%.1fs for KEYS, SCAN and PUBLISH" % elapsed
    assert r.ping() is True


# ---- Replies sized by the client's count ----

@pytest.fixture
def rand_keys(server):
    r = server.client()
    r.sadd("s", "a", "b", "c")
    r.zadd("z", {"a": 1, "b": 2})
    r.hset("h", mapping={"a": "1", "b": "2"})
    return r


@pytest.mark.parametrize("cmd", [
    ("SRANDMEMBER", "s", "-9223372036854775807"),
    ("SRANDMEMBER", "s", "-4611686018427387904"),
    ("SRANDMEMBER", "s", "-4294967296"),
    ("ZRANDMEMBER", "z", "-9223372036854775807"),
    ("ZRANDMEMBER", "z", "-4611686018427387903", "WITHSCORES"),
    ("HRANDFIELD", "h", "-9223372036854775807"),
    ("HRANDFIELD", "h", "-4294967296", "WITHVALUES"),
])
def test_random_picks_with_repetition_past_any_reply_are_refused(rand_keys, cmd):
    """A negative count asks for that many picks with repetition: Redis
    7.0.15 builds the reply until memory runs out. castor refuses a count
    whose reply could not fit proto-max-bulk-len even with empty members,
    with the words Redis uses for these counts."""
    r = rand_keys
    with pytest.raises(redis.ResponseError, match="^value is out of range$"):
        r.execute_command(*cmd)
    assert len(r.execute_command(cmd[0], cmd[1], "-1000")) == 1000
    assert r.ping() is True


def test_random_picks_of_big_members_stop_at_proto_max_bulk_len(server):
    """Within the count bound, big members can still make a huge reply: the
    reply is cut at proto-max-bulk-len bytes and the client closed, as an
    output-buffer limit would, instead of growing memory without end."""
    r = server.client()
    r.config_set("proto-max-bulk-len", "1mb")
    r.sadd("big", "x" * 10000)
    rss_before = server.rss_kb()
    c = server.raw()
    c.send("SRANDMEMBER", "big", "-150000")    # 1.5 GB of reply, 900 KB of count bound
    assert c.wait_closed(10)
    assert r.ping() is True
    assert server.rss_kb() - rss_before < 64 * 1024
    assert "passed proto-max-bulk-len" in server.logfile


@pytest.mark.parametrize("cmd", [("SRANDMEMBER", "s"), ("ZRANDMEMBER", "z"),
                                 ("HRANDFIELD", "h")])
def test_random_picks_nobody_reads_are_not_generated(rand_keys, server, cmd):
    """Under CLIENT REPLY OFF the picks go nowhere: castor stops at once
    instead of spending minutes (and the whole server) drawing them."""
    c = server.raw()
    c.send("CLIENT", "REPLY", "OFF")
    c.send(*cmd, "-80000000")
    c.send("CLIENT", "REPLY", "ON")
    start = time.monotonic()
    assert c.read() == "OK"
    assert time.monotonic() - start < 2
    assert c.call("PING") == "PONG"


# ---- RESTORE payloads ----

def test_corrupt_payloads_are_refused_even_with_sanitize_no(server):
    """sanitize-dump-payload no (the default) lets Redis skip deep
    validation, and a corrupt payload may crash it later. castor validates
    every listpack, ziplist, intset and quicklist deeply whatever the
    setting: each corrupt payload of Redis's corrupt-dump tests is "Bad data
    format", with or without its checksum checked, and the server is fine."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
    from test_diff_security import CORRUPT
    r = server.raw()
    assert r.call("CONFIG", "GET", "sanitize-dump-payload") == [b"sanitize-dump-payload", b"no"]
    assert r.call("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1") == "OK"
    for payload in CORRUPT:
        for p in (payload, payload[:-9] + b"\x00" * 8 + payload[-1:]):
            assert r.call("RESTORE", "key", "0", p, "REPLACE") == Err("ERR Bad data format")
    assert r.call("EXISTS", "key") == 0
    assert "integrity check failed" in server.logfile
    assert r.call("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0") == "OK"
    zeroed = CORRUPT[0][:-8] + b"\x00" * 8
    assert r.call("RESTORE", "key", "0", zeroed) == Err(
        "ERR DUMP payload version or checksum are wrong")
