"""Batched client socket I/O (io-uring, src/uring.c): on by default where
the kernel allows it, visible in INFO, switchable by CONFIG SET, and a
plain-syscall fallback with a log line when io_uring_setup(2) is refused.
Client I/O behaves the same either way: the rest of the integration suite
runs with it on (the default); these tests pin what is specific to it."""

import os
import shutil
import socket
import subprocess
import time

import pytest
import redis

from castortest import CASTOR_SERVER, Server, wait_for
from castorfixtures import finish_server

HERE = os.path.dirname(os.path.abspath(__file__))
DENY_SRC = os.path.join(HERE, "..", "lib", "deny_io_uring.c")


def uring_stats(srv):
    """From a Server (INFO on a connection of its own) or a client."""
    s = srv.info("stats")
    return s["io_uring"], s["io_uring_enters"], s["io_uring_ops"]


def _one_turn_of_requests(server, socks, requests):
    """Send requests[i] on socks[i] while the server sleeps in DEBUG SLEEP,
    so that one loop turn finds all of them ready; returns the replies'
    first lines. The server is known to be asleep once a PING sent after
    the DEBUG SLEEP goes unanswered for a while."""
    blocker = socket.create_connection(("127.0.0.1", server.port))
    probe = socket.create_connection(("127.0.0.1", server.port))
    try:
        blocker.sendall(b"DEBUG SLEEP 0.5\r\n")
        probe.sendall(b"PING\r\n")
        probe.settimeout(0.1)
        with pytest.raises(socket.timeout):
            probe.recv(100)
        for s, req in zip(socks, requests):
            s.sendall(req)
        replies = []
        for s in [blocker, probe] + list(socks):
            s.settimeout(10)
            got = b""
            while not got.endswith(b"\r\n"):
                chunk = s.recv(100)
                assert chunk, "connection closed"
                got += chunk
            replies.append(got)
        assert replies[:2] == [b"+OK\r\n", b"+PONG\r\n"]
        return replies[2:]
    finally:
        blocker.close()
        probe.close()


def test_on_by_default_and_one_turns_clients_share_one_enter(server):
    r = server.client()
    assert r.config_get("io-uring") == {"io-uring": "yes"}
    assert "io_uring on" in server.logfile
    on, _, _ = uring_stats(server)
    assert on == 1
    socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]
    for round_ in range(3):
        _, enters0, ops0 = uring_stats(server)
        reqs = [b"*2\r\n$4\r\nINCR\r\n$3\r\nk%02d\r\n" % j for j in range(20)]
        assert _one_turn_of_requests(server, socks, reqs) == [b":%d\r\n" % (round_ + 1)] * 20
        _, enters, ops = uring_stats(server)
        # The turn after the sleep: twenty-one recvs (the probe's too) in
        # one enter, then the replies in another (lone operations around
        # it, such as the blocker's reply or INFO's, go plain).
        assert ops - ops0 >= 2 * 20
        assert enters - enters0 <= (ops - ops0) // 8
    for s in socks:
        s.close()


def test_a_lone_operation_is_a_plain_syscall(server):
    """A turn that serves one client (a sequential client on a quiet
    server) makes its recv and its send as plain syscalls, which cost
    less than a ring entry of one: nothing goes through the ring."""
    r = server.client()
    # No other connection left to close in one of the turns below.
    wait_for(lambda: r.info("clients")["connected_clients"] == 1, 10)
    # INFO on this same connection: Server.info's own connection would
    # close while the first INCR is read, two receives in one turn.
    _, enters0, ops0 = uring_stats(r)
    for i in range(50):
        assert r.incr("lone") == i + 1
    _, enters, ops = uring_stats(r)
    assert (enters, ops) == (enters0, ops0)


def test_config_set_switches_to_plain_syscalls_and_back(server):
    r = server.client()
    assert r.config_set("io-uring", "no")
    assert r.config_get("io-uring") == {"io-uring": "no"}
    assert uring_stats(server)[0] == 0
    _, _, ops0 = uring_stats(server)
    socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(5)]
    incr = b"*2\r\n$4\r\nINCR\r\n$1\r\na\r\n"
    # Five clients in one turn: a batch, were the ring on.
    assert set(_one_turn_of_requests(server, socks, [incr] * 5)) == {
        b":%d\r\n" % i for i in range(1, 6)}
    assert uring_stats(server)[2] == ops0  # not one operation through the ring
    assert "io_uring off" in server.logfile
    assert r.config_set("io-uring", "yes")
    assert r.get("a") == b"5"
    assert set(_one_turn_of_requests(server, socks, [incr] * 5)) == {
        b":%d\r\n" % i for i in range(6, 11)}
    on, _, ops = uring_stats(server)
    assert on == 1 and ops >= ops0 + 2 * 5
    for s in socks:
        s.close()
    with pytest.raises(redis.ResponseError, match="io-uring"):
        r.config_set("io-uring", "maybe")


def test_off_at_start_by_directive(start_server):
    s = start_server(directives={"io-uring": "no"})
    r = s.client()
    r.set("k", "v")
    assert r.get("k") == b"v"
    assert uring_stats(s) == (0, 0, 0)
    assert "io_uring" not in s.logfile


class DeniedServer(Server):
    """castor under a seccomp filter that fails io_uring_setup(2)."""

    def __init__(self, wrapper, errno_name, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.wrapper = [wrapper, errno_name]

    def command(self):
        return self.wrapper + super().command()


@pytest.fixture(scope="module")
def deny_wrapper(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build the seccomp wrapper")
    out = str(tmp_path_factory.mktemp("deny") / "deny_io_uring")
    subprocess.run([cc, "-O1", "-o", out, DENY_SRC], check=True)
    return out


@pytest.mark.parametrize("errno_name,reason", [("ENOSYS", "Function not implemented"),
                                               ("EPERM", "Operation not permitted")])
def test_falls_back_to_plain_syscalls_when_the_kernel_refuses(tmp_path, deny_wrapper,
                                                              errno_name, reason):
    s = DeniedServer(deny_wrapper, errno_name, tmp_path / "castor", binary=CASTOR_SERVER,
                     name="castor")
    try:
        s.start()
        log = s.logfile
        assert "io_uring unavailable (io_uring_setup: %s)" % reason in log, log
        assert "client sockets use plain syscalls" in log
        r = s.client()
        assert r.config_get("io-uring") == {"io-uring": "yes"}
        assert uring_stats(s) == (0, 0, 0)
        # Served all the same, pipelined and one by one.
        p = r.pipeline(transaction=False)
        for i in range(1000):
            p.rpush("l", i)
        assert p.execute()[-1] == 1000
        assert r.llen("l") == 1000
        # Switched off and on, it tries again and is refused again, without
        # failing the CONFIG SET.
        assert r.config_set("io-uring", "no")
        assert r.config_set("io-uring", "yes")
        assert uring_stats(s)[0] == 0
        assert s.logfile.count("io_uring unavailable") == 2
    finally:
        problem = finish_server(s)
        assert not problem, problem


def test_big_reply_to_a_slow_reader_arrives_whole(server):
    """A reply far larger than the socket buffer: the batched send writes
    part of it, the rest waits for writability; bytes stay in order."""
    r = server.client()
    value = bytes(range(256)) * (16 * 1024)  # 4 MB: far past the socket buffers
    r.set("big", value)
    r.set("after", "tail")
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(b"GET big\r\nGET after\r\n")
    time.sleep(0.2)  # let the server fill the socket: the rest is deferred
    want = b"$%d\r\n" % len(value) + value + b"\r\n$4\r\ntail\r\n"
    got = bytearray()
    sock.settimeout(30)
    while len(got) < len(want):
        chunk = sock.recv(65536)
        assert chunk, "connection closed after %d bytes" % len(got)
        got += chunk
    sock.close()
    assert bytes(got) == want


def test_clients_that_vanish_mid_batch_do_not_disturb_the_others(server):
    """Connections that send a request and reset at once, among clients
    that keep working: their completions come back as errors or data for
    clients closed in the same turn; nothing is freed twice (ASan build)."""
    r = server.client()
    keep = [server.client() for _ in range(5)]
    for round_ in range(20):
        socks = []
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", server.port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n" * 50)
            socks.append(s)
        for s in socks:
            s.close()  # RST: the server's send to it fails
        for i, c in enumerate(keep):
            assert c.incr("n%d" % i) == round_ + 1
    wait_for(lambda: r.info("clients")["connected_clients"] == 6, 10)
    assert r.get("x") == b"1"


def test_client_kill_of_clients_read_in_the_same_turn(server):
    """CLIENT KILL of clients whose requests arrived in the same turn as
    the KILL: their batched reads completed before any command ran, so the
    kill frees them cleanly and nothing more is written to them."""
    admin = server.client()
    for round_ in range(5):
        victims = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(10)]
        for v in victims:
            v.sendall(b"CLIENT SETNAME victim\r\n")
            assert v.recv(100) == b"+OK\r\n"
        for v in victims:
            v.sendall(b"PING\r\nPING\r\n")
        killed = admin.execute_command("CLIENT", "KILL", "SKIPME", "yes", "TYPE", "normal")
        assert killed == 10
        for v in victims:
            v.settimeout(10)
            got = b""
            while True:  # some PONGs may have gone out before the KILL ran
                chunk = v.recv(100)
                if not chunk:
                    break
                got += chunk
            assert got in (b"", b"+PONG\r\n", b"+PONG\r\n+PONG\r\n"), got
            v.close()
        wait_for(lambda: admin.info("clients")["connected_clients"] == 1, 10)
    assert admin.ping()


def _serve_rounds(socks, rounds, keys):
    """rounds INCRs of keys[j] on raw socket socks[j], a request on every
    socket before the replies are read: the server's turns mostly find
    several ready, whose recvs and sends go through the ring (a lone one
    is a plain syscall), so each descriptor gets many ring operations."""
    for i in range(rounds):
        for s, key in zip(socks, keys):
            s.sendall(b"*2\r\n$4\r\nINCR\r\n$%d\r\n%s\r\n" % (len(key), key))
        for s in socks:
            assert s.recv(100) == b":%d\r\n" % (i + 1)


def _closed_by_server(sock):
    sock.settimeout(10)
    return sock.recv(100) == b""


def test_long_lived_connections_closed_by_the_server_end_and_their_numbers_serve_anew(server):
    """A connection that made many requests (its descriptor is then in the
    ring's file table, which holds the socket) ends when the server closes
    it: CLIENT KILL, QUIT, and after io-uring no/yes. New connections that
    get the same descriptor numbers are served on their own sockets."""
    admin = server.client()
    for round_ in range(3):
        socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(6)]
        _serve_rounds(socks, 30, [b"r%d:%d" % (round_, j) for j in range(len(socks))])
        if round_ == 1:  # the ring (and its table) replaced under them
            assert admin.config_set("io-uring", "no")
            assert admin.config_set("io-uring", "yes")
            for j, s in enumerate(socks):
                s.sendall(b"*2\r\n$4\r\nINCR\r\n$%d\r\nr1:%d\r\n" % (len(b"r1:%d" % j), j))
                assert s.recv(100) == b":31\r\n"
        for j, s in enumerate(socks[:3]):
            s.sendall(b"CLIENT SETNAME victim%d\r\n" % j)
            assert s.recv(100) == b"+OK\r\n"
        killed = [admin.execute_command("CLIENT", "KILL", "ADDR", "%s:%d" % s.getsockname())
                  for s in socks[:3]]
        assert killed == [True, True, True]
        for s in socks[3:]:
            s.sendall(b"QUIT\r\n")
            assert s.recv(100) == b"+OK\r\n"
        for s in socks:
            assert _closed_by_server(s)  # no reference left holding it open
            s.close()
        wait_for(lambda: admin.info("clients")["connected_clients"] == 1, 10)
    assert admin.get("r2:5") == b"30"
