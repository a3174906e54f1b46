"""Differential tests of the doors Redis 7.0.15 keeps shut: protected mode
and what it calls a local client, the protected commands (DEBUG, MODULE)
and configs (enable-debug-command, enable-module-command,
enable-protected-configs), binary-safe passwords and what an
unauthenticated client may send. castor and Debian's redis-server get the
same bytes and must answer the same (see tests/lib/pair.py).

Tests may connect from 127.0.0.2, the one other loopback address they use:
Redis treats only 127.0.0.1, ::1 and the unix socket as local."""

import socket
import time

import pytest

from resp import Err, RespConn, encode_command

OTHER = "127.0.0.2"


def exchange(src, port, data):
    """Send raw bytes from src, return every byte the server sends back
    until it closes or goes quiet, and whether it closed."""
    s = socket.socket()
    s.settimeout(1.0)
    s.bind((src, 0))
    s.connect((OTHER if src == OTHER else "127.0.0.1", port))
    if data:
        s.sendall(data)
    out, closed = b"", False
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            break
        if not d:
            closed = True
            break
        out += d
    s.close()
    return out, closed


def both_exchange(pair, src, data):
    a = exchange(src, pair.castor.port, data)
    b = exchange(src, pair.redis.port, data)
    assert a == b, "from %s %r\n castor: %r\n  redis: %r" % (src, data, a, b)
    return a


@pytest.fixture
def two_addresses(make_pair):
    """A pair listening on 127.0.0.1 and 127.0.0.2, protected mode on, no
    password, DEBUG and protected configs allowed to local clients only."""
    return make_pair(directives=[("bind", "127.0.0.1 127.0.0.2"), ("protected-mode", "yes"),
                                 ("enable-debug-command", "local"),
                                 ("enable-protected-configs", "local"),
                                 ("enable-module-command", "local")])


def test_protected_mode_denies_127_0_0_2_and_serves_127_0_0_1(two_addresses):
    """Redis 7.0's connIsLocal: only 127.0.0.1 and ::1 are loopback for
    protected mode; castor used to accept all of 127/8."""
    p = two_addresses
    # Nothing is sent: a server that closes with unread input resets the
    # connection, and the reset may overtake the DENIED text.
    out, closed = both_exchange(p, OTHER, b"")
    assert out.startswith(b"-DENIED Redis is running in protected mode because protected mode "
                          b"is enabled and no password is set for the default user.")
    assert closed
    out, closed = both_exchange(p, "127.0.0.1", b"PING\r\n")
    assert (out, closed) == (b"+PONG\r\n", False)
    # A password lifts protected mode; the client must still authenticate.
    p.check("CONFIG", "SET", "requirepass", "s3cret")
    out, _ = both_exchange(p, OTHER, b"PING\r\nAUTH s3cret\r\nPING\r\n")
    assert out.startswith(b"-NOAUTH") and out.endswith(b"+OK\r\n+PONG\r\n")


def test_local_only_debug_module_and_protected_configs(two_addresses):
    p = two_addresses
    p.check("CONFIG", "SET", "protected-mode", "no")
    cmds = (b"DEBUG SLEEP 0\r\nMODULE LOAD /nonexistent.so\r\nMODULE UNLOAD nomod\r\n"
            b"MODULE LIST\r\nCONFIG SET dir .\r\nCONFIG SET dbfilename x.rdb\r\n"
            b"CONFIG SET maxmemory 0\r\n")
    remote, _ = both_exchange(p, OTHER, cmds)
    assert remote.count(b"command not allowed") == 3
    assert remote.count(b"can't set protected config") == 2
    local, _ = both_exchange(p, "127.0.0.1", cmds)
    assert b"not allowed" not in local and b"protected config" not in local
    assert b"-ERR Error loading the extension. Please check the server logs." in local


@pytest.mark.parametrize("value", ["no", "yes"])
def test_protected_commands_and_configs_by_setting(make_pair, value):
    p = make_pair(directives=[("enable-debug-command", value), ("enable-module-command", value),
                              ("enable-protected-configs", value)])
    for cmd in (("DEBUG", "SLEEP", "0"), ("DEBUG", "HELP", "x"), ("DEBUG",),
                ("MODULE", "LOAD", "/nonexistent.so", "a", "b"), ("MODULE", "LOAD"),
                ("MODULE", "LOADEX", "/nonexistent.so", "CONFIG", "a", "b", "ARGS", "x"),
                ("MODULE", "UNLOAD", "nomod"), ("MODULE", "UNLOAD", "a", "b"),
                ("MODULE", "LIST"), ("MODULE", "LIST", "x"), ("MODULE", "HELP"),
                ("MODULE", "nosuch"), ("MODULE",),
                ("CONFIG", "GET", "enable-debug-command"),
                ("CONFIG", "SET", "enable-debug-command", "yes"),
                ("CONFIG", "SET", "enable-module-command", "yes"),
                ("CONFIG", "SET", "enable-protected-configs", "yes"),
                ("CONFIG", "SET", "dbfilename", "dump.rdb"),
                ("CONFIG", "SET", "dir", "."),
                ("CONFIG", "SET", "maxmemory", "0", "dir", "."),
                ("MULTI",), ("MODULE", "LOAD", "/x.so"), ("EXEC",)):
        p.check(*cmd)


def test_defaults_of_the_protection_configs(pair):
    pair.check3("CONFIG", "GET", "enable-*")
    pair.check("CONFIG", "GET", "enable-module-command")
    pair.check("CONFIG", "GET", "enable-protected-configs")
    pair.check("CONFIG", "GET", "protected-mode")


# ---- Passwords are binary-safe ----

def with_password(pair, pw):
    """Make the pair's own connections authenticate with pw from now on."""
    pair.castor.password = pair.redis.password = pw
    pair.close()


def test_requirepass_with_nul_byte_is_compared_whole(pair):
    """CONFIG SET requirepass "abc\\0def": Redis compares every byte, castor
    used to stop at the NUL and accept AUTH abc."""
    pair.check("CONFIG", "SET", "requirepass", b"abc\x00def")
    for pw in (b"abc", b"abc\x00", b"abc\x00de", b"abc\x00defg", b"abc\x00def"):
        for args in (("AUTH", pw), ("AUTH", "default", pw), ("HELLO", "2", "AUTH", "default", pw)):
            a, b = pair.conns()
            try:
                for cmd in (args, ("PING",)):
                    ra = a.call_node(*cmd)
                    rb = b.call_node(*cmd)
                    if cmd[0] == "HELLO" and ra[0] != "-":
                        continue   # server versions differ; the HELLO map is checked elsewhere
                    assert ra == rb, (cmd, ra, rb)
            finally:
                a.close()
                b.close()
    with_password(pair, b"abc\x00def")
    assert pair.check("CONFIG", "GET", "requirepass") == [b"requirepass", b"abc\x00def"]
    pair.check("CONFIG", "SET", "requirepass", "")
    with_password(pair, None)


@pytest.mark.parametrize("pw", [b"", b"\x00", b"a\x00", b"\x00a", b"x" * 1000, b"\xff\xfe\r\n"])
def test_auth_with_odd_passwords(pair, pw):
    pair.check("AUTH", pw)
    pair.check("AUTH", "default", pw)
    pair.check("CONFIG", "SET", "requirepass", b"right")
    a, b = pair.conns()
    try:
        for cmd in (("AUTH", pw), ("AUTH", "default", pw), ("AUTH", "nobody", pw),
                    ("AUTH", "a", "b", "c"), ("GET", "k"), ("AUTH", "right"), ("GET", "k")):
            assert a.call_node(*cmd) == b.call_node(*cmd), cmd
    finally:
        a.close()
        b.close()
    with_password(pair, "right")
    pair.check("CONFIG", "SET", "requirepass", "")
    with_password(pair, None)


# ---- Unauthenticated clients ----

@pytest.fixture
def locked(make_pair):
    return make_pair(directives={"requirepass": "s3cret"})


@pytest.mark.parametrize("data", [
    b"*11\r\n" + b"$1\r\na\r\n" * 11,                        # multibulk longer than 10
    b"*10\r\n" + b"$1\r\na\r\n" * 10,
    b"*2\r\n$4\r\nECHO\r\n$16385\r\n" + b"x" * 16385 + b"\r\n",   # bulk longer than 16 KB
    b"*2\r\n$4\r\nECHO\r\n$16384\r\n" + b"x" * 16384 + b"\r\n",
    b"GET " + b"x" * 70000 + b"\r\n",                          # inline past 64 KB
])
def test_unauthenticated_request_limits(locked, data):
    locked.raw_both(data, replies=2, then=b"PING\r\n")


def test_unauthenticated_client_is_closed_once_its_output_passes_1kb(locked):
    """Redis 7.0.15 (Debian, CVE-2025-21605): a client that must
    authenticate and has not yet is closed once its reply list holds more
    than 1024 bytes, so pipelined commands it never reads cost nothing.
    The 16 KB static buffer still takes about 400 NOAUTH errors."""
    few = encode_command("GET", "a") * 100
    many = encode_command("GET", "a") * 2000
    for srv in (locked.castor, locked.redis):
        c = RespConn(srv.port, timeout=2.0)
        try:
            c.send_raw(few)
            assert [c.read() for _ in range(100)] == [Err("NOAUTH Authentication required.")] * 100
            c.send_raw(many)
            got = 0
            try:
                while got < 2000:
                    c.read()
                    got += 1
            except (ConnectionError, OSError, TimeoutError):
                pass
            assert got < 2000, (srv.name, got)
            assert c.wait_closed(5), srv.name
        finally:
            c.close()
    locked.check("PING")


# ---- RESTORE payloads: sanitize-dump-payload ----

# Corrupt payloads with valid footers, from Redis 7.0.15's corrupt-dump.tcl:
# ziplist hashes with a bad entry length, a bad zlbytes and duplicate fields,
# quicklists with bad prev lengths, an empty ziplist, a listpack with a huge
# entry, a set/zset/list with a bad length.
CORRUPT = [
    b"\x0D\x1B\x1B\x00\x00\x00\x16\x00\x00\x00\x04\x00\x00\x02\x61\x00\x04\x02\x62\x00\x04\x14"
    b"\x63\x00\x04\x02\x64\x00\xFF\x09\x00\xD9\x10\x54\x92\x15\xF5\x5F\x52",
    b"\x0D\x1B\x25\x00\x00\x00\x16\x00\x00\x00\x04\x00\x00\x02\x61\x00\x04\x02\x62\x00\x04\x02"
    b"\x63\x00\x04\x02\x64\x00\xFF\x09\x00\xB7\xF7\x6E\x9F\x43\x43\x14\xC6",
    b"\x0D\x1B\x1B\x00\x00\x00\x16\x00\x00\x00\x04\x00\x00\x02\x61\x00\x04\x02\x62\x00\x04\x02"
    b"\x61\x00\x04\x02\x64\x00\xFF\x09\x00\xA1\x98\x36\x78\xCC\x8E\x93\x2E",
    b"\x0E\x01\x13\x13\x00\x00\x00\x0E\x00\x00\x00\x02\x00\x00\x02\x61\x00\x0E\x02\x62\x00\xFF"
    b"\x09\x00\x49\x97\x30\xB2\x0D\xA1\xED\xAA",
    b"\x0E\x01\x13\x13\x00\x00\x00\x0E\x00\x00\x00\x02\x00\x00\x02\x61\x00\x02\x02\x62\x00\xFF"
    b"\x09\x00\xC7\x71\x03\x97\x07\x75\xB0\x63",
    b"\x0E\x01\x13\x13\x00\x00\x00\x0E\x00\x00\x00\x03\x00\x00\x02\x61\x00\x04\x02\x62\x00\xFF"
    b"\x09\x00\x4D\xE2\x0A\x2F\x08\x25\xDF\x91",
    b"\x0E\x01\x0B\x0B\x00\x00\x00\x0A\x00\x00\x00\x00\x00\xFF\x09\x00\xC2\x69\x37\x83\x3C\x7F"
    b"\xFE\x6F",
    b"\x0E\x01\x11\x11\x00\x00\x00\x0A\x00\x00\x00\x01\x00\x00\xF6\xFF\xB0\x6C\x9C\xFF\x09\x00"
    b"\x9C\x37\x47\x49\x4D\xDE\x94\xF5",
    b"\x02\x81\xC0\x00\x02\x5F\x31\xC0\x02\x09\x00\xB2\x1B\xE5\x17\x2E\x15\xF4\x6C",
    b"\x00\x81\x01\x09\x00\xF6\x2B\xB6\x7A\x85\x87\x72\x4D",
    b"\x0E\xC0\x2B\x15\x00\x00\x00\x0A\x00\x00\x00\x01\x00\x00\xE0\x62\x58\xEA\xDF\x22\x00\x00"
    b"\x00\xFF\x09\x00\xDF\x35\xD2\x67\xDC\x0E\x89\xAB",
    b"\x05\xC0\x01\x09\x00\xF6\x8A\xB6\x7A\x85\x87\x72\x4D",
    b"\x04\xC0\x21\x09\x00\xF6\x8A\xB6\x7A\x85\x87\x72\x4D",
]


def sanitizations(conn):
    info = conn.call("INFO", "stats").decode()
    return int(info.split("dump_payload_sanitizations:")[1].split("\r\n")[0])


def test_sanitize_dump_payload_directive(pair):
    pair.check("CONFIG", "GET", "sanitize-dump-payload")
    for v in ("yes", "clients", "no", "YES", "maybe", ""):
        pair.check("CONFIG", "SET", "sanitize-dump-payload", v)
        pair.check("CONFIG", "GET", "sanitize-dump-payload")
    pair.check("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1")
    pair.check("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0")
    pair.check("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION")


@pytest.mark.parametrize("payload", CORRUPT, ids=range(len(CORRUPT)))
def test_corrupt_payload_is_bad_data_format_with_sanitize_yes(pair, payload):
    pair.check("CONFIG", "SET", "sanitize-dump-payload", "yes")
    try:
        pair.check("RESTORE", "key", "0", payload)
        pair.check("RESTORE", "key", "0", payload, "REPLACE")
        pair.check("EXISTS", "key")
        bad_crc = payload[:-1] + bytes([payload[-1] ^ 1])
        pair.check("RESTORE", "key", "0", bad_crc)
        pair.check("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1")
        pair.check("RESTORE", "key", "0", bad_crc)
    finally:
        pair.check("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0")
        pair.check("CONFIG", "SET", "sanitize-dump-payload", "no")


def test_dump_payload_sanitizations_counts_as_redis(pair):
    """Redis counts each packed blob it validates deeply: with "yes" always,
    with "clients" for normal clients, never with "no". castor validates
    every payload deeply whatever the setting, and counts the same."""
    pair.same([("RPUSH", "l", "a", "b"), ("HSET", "h", "f", "v"), ("SADD", "s", "1", "2"),
               ("ZADD", "z", "1", "m"), ("SET", "str", "x")])
    dumps = [(k, pair.check("DUMP", k)) for k in ("l", "h", "s", "z", "str")]
    base = [sanitizations(pair.conn(side)) for side in ("castor", "redis")]
    for mode in ("no", "clients", "yes"):
        pair.check("CONFIG", "SET", "sanitize-dump-payload", mode)
        for k, payload in dumps:
            pair.check("RESTORE", k + "2", "0", payload, "REPLACE")
        got = [sanitizations(pair.conn(side)) - b for side, b in zip(("castor", "redis"), base)]
        assert got[0] == got[1], (mode, got)
    assert got[0] == 8   # four packed values in each of "clients" and "yes"
    pair.check("CONFIG", "SET", "sanitize-dump-payload", "no")


# ---- CLIENT KILL takes effect at once ----

def test_killed_subscriber_and_blocked_client_are_gone_for_the_next_command(pair):
    """Redis frees a killed client at once: a PUBLISH or a push in the same
    transaction no longer reaches it. castor frees it later, but detaches it
    at once, so both answer the same."""
    results = []
    for srv in (pair.castor, pair.redis):
        sub, blocked, killer = (RespConn(srv.port) for _ in range(3))
        try:
            sub_id, blocked_id = sub.call("CLIENT", "ID"), blocked.call("CLIENT", "ID")
            sub.send("SUBSCRIBE", "ch")
            sub.read()
            blocked.send("BLPOP", "k", "0")
            while b"blocked_clients:1" not in killer.call("INFO", "clients"):
                time.sleep(0.01)   # until the BLPOP has been read; bounded by the test timeout
            killer.call("MULTI")
            for cmd in (("CLIENT", "KILL", "ID", str(sub_id)), ("PUBLISH", "ch", "m"),
                        ("CLIENT", "KILL", "ID", str(blocked_id)), ("RPUSH", "k", "v"),
                        ("LLEN", "k"), ("PUBSUB", "NUMSUB", "ch")):
                assert killer.call(*cmd) == "QUEUED"
            results.append(killer.call("EXEC"))
            killer.call("DEL", "k")
        finally:
            for c in (sub, blocked, killer):
                c.close()
    assert results[0] == results[1] == [1, 0, 1, 1, 1, [b"ch", 0]]
