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
    s.sendall(data)
    out, closed = b"", False
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            d = s.recv(65536)
        except socket.timeout:
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
    out, closed = both_exchange(p, OTHER, b"PING\r\n")
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
