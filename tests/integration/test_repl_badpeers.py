"""Replication with peers that misbehave.

castor as a replica of a FAKE master (a Python socket server on a free
127.0.0.1 port) that does the handshake (+PONG, +OK to REPLCONF,
+FULLRESYNC to PSYNC) and then sends a truncated payload, garbage, a corrupt
RDB, or nothing at all; and a fake master that does it right (payload by
length and by EOF mark, then a command on the stream). castor as a master
with a raw-socket "replica" that never reads, or that leaves in the middle
of the transfer.

Every test ends with the server alive and answering PING. Most also pass
against redis-server (CASTOR_SERVER=/usr/bin/redis-server); those that test
castor's promises beyond Redis's are skipped there."""

import os
import re
import socket
import sys
import threading
import time

import pytest

from castortest import wait_for
from repltest import digest, info, is_castor, repl, wait_for_sync
from resp import encode_command

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
import rdblib  # noqa: E402

REPLID = b"0123456789abcdef0123456789abcdef01234567"
EOFMARK = b"fedcba9876543210fedcba9876543210fedcba98"
STREAM_SET = b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n"
RECONNECT_BOUND = 10.0


# ---- a tiny valid RDB ------------------------------------------------------------------------

def tiny_rdb():
    """An RDB (version 9, as Redis 7.0 writes) holding db 0: fromrdb=hello,
    rdblist=[a, b, c] and rdbbig (a 20000-byte string)."""
    body = rdblib.aux("redis-ver", "7.0.15") + rdblib.aux("redis-bits", "64")
    body += bytes([rdblib.OP_SELECTDB]) + rdblib.length(0)
    body += bytes([rdblib.OP_RESIZEDB]) + rdblib.length(3) + rdblib.length(0)
    body += rdblib.key_value(rdblib.TYPE_STRING, "fromrdb", rdblib.string("hello"))
    body += rdblib.key_value(rdblib.TYPE_LIST_QUICKLIST_2, "rdblist",
                             rdblib.length(1) + rdblib.length(2)
                             + rdblib.string(rdblib.listpack([b"a", b"b", b"c"])))
    body += rdblib.key_value(rdblib.TYPE_STRING, "rdbbig", rdblib.string("R" * 20000))
    return rdblib.rdb_file(body)


RDB = tiny_rdb()
RDB_KEYS = {b"fromrdb", b"rdblist", b"rdbbig"}


def corrupt_rdb():
    """RDB with its checksum off by one bit."""
    return RDB[:-1] + bytes([RDB[-1] ^ 0x01])


# ---- the fake master -------------------------------------------------------------------------

class Peer:
    """One connection accepted by the fake master."""

    def __init__(self, sock, n):
        self.sock = sock
        self.n = n                     # 0 for the first connection, 1 for the next...
        self.buf = bytearray()
        self.commands = []             # every command the replica sent, as [bytes]
        self.closed = False
        sock.settimeout(30)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("replica closed the link")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n")
        line = bytes(self.buf[:i])
        del self.buf[:i + 2]
        return line

    def read_command(self):
        """The next command (multibulk or inline) as a list of bytes."""
        while True:
            line = self._line()
            if not line:
                continue                                   # a bare newline
            if line[:1] != b"*":
                cmd = line.split()
                break
            cmd = []
            for _ in range(int(line[1:])):
                n = int(self._line()[1:])
                while len(self.buf) < n + 2:
                    self._fill()
                cmd.append(bytes(self.buf[:n]))
                del self.buf[:n + 2]
            break
        self.commands.append(cmd)
        return cmd

    def handshake(self):
        """Answer PING/AUTH/REPLCONF until PSYNC or SYNC arrives; return it."""
        while True:
            cmd = self.read_command()
            name = cmd[0].upper()
            if name == b"PING":
                self.send(b"+PONG\r\n")
            elif name in (b"REPLCONF", b"AUTH"):
                self.send(b"+OK\r\n")
            elif name in (b"PSYNC", b"SYNC"):
                return cmd
            else:
                self.send(b"-ERR unexpected in handshake\r\n")

    def send(self, data):
        self.sock.sendall(data)

    def hold(self):
        """Keep the link open, reading (and recording) whatever comes."""
        try:
            while True:
                self.read_command()
        except (OSError, ConnectionError, ValueError):
            pass

    def close(self):
        """Close the link (shutdown first: it wakes a thread blocked in recv)."""
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass


class FakeMaster:
    """A listening socket; each accepted connection runs behave(peer) in a
    thread of its own. Stopped (and every socket closed) by stop()."""

    def __init__(self, behave):
        self.behave = behave
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.peers = []
        self.times = []                # monotonic time of each accept
        self.errors = []
        self.stopping = False
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self):
        while not self.stopping:
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                peer = Peer(sock, len(self.peers))
                self.peers.append(peer)
                self.times.append(time.monotonic())
                t = threading.Thread(target=self._run, args=(peer,), daemon=True)
                self.threads.append(t)
            t.start()

    def _run(self, peer):
        try:
            self.behave(peer)
        except (OSError, ConnectionError):
            pass                       # the replica left, or stop()
        except Exception as e:         # a bug in the test: reported by stop()
            self.errors.append(repr(e))
        finally:
            if self.stopping:
                peer.close()

    def connections(self):
        with self.lock:
            return len(self.peers)

    def wait_connections(self, n, timeout=RECONNECT_BOUND):
        wait_for(lambda: self.connections() >= n, timeout, interval=0.02,
                 msg="%d connections to the fake master (have %d)" % (n, self.connections()))

    def stop(self):
        self.stopping = True
        self.listener.close()
        with self.lock:
            peers = list(self.peers)
        for p in peers:
            p.close()
        for t in list(self.threads):
            t.join(5)
        assert not self.errors, "fake master: %r" % self.errors


@pytest.fixture
def fake_master():
    made = []

    def make(behave):
        m = FakeMaster(behave)
        made.append(m)
        return m

    yield make
    for m in made:
        m.stop()


# ---- helpers ---------------------------------------------------------------------------------

def seed_keys(r, n=50):
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.set("old:%d" % i, "value-%d" % i)
    p.rpush("old:list", *range(20))
    p.execute()
    return {k: r.dump(k) for k in r.keys("old:*")}


def assert_old_data(r, before):
    assert r.dbsize() == len(before)
    for k, v in before.items():
        assert r.dump(k) == v, k


def log_pos(s):
    return len(s.logfile)


def log_since(s, pos):
    return s.logfile[pos:]


def wait_log(s, pos, pattern, timeout=RECONNECT_BOUND):
    rx = re.compile(pattern)

    def found():
        return rx.search(log_since(s, pos))
    try:
        return wait_for(found, timeout, interval=0.05, msg="log line /%s/" % pattern)
    except AssertionError:
        raise AssertionError("no log line matching /%s/ within %.0fs; log since:\n%s"
                             % (pattern, timeout, log_since(s, pos)[-3000:]))


def replicaof(r, port):
    assert r.execute_command("REPLICAOF", "127.0.0.1", port) in (b"OK", "OK", True)


def alive_and_pinging(s):
    assert s.alive(), s.diagnostics()
    assert s.client().ping() is True


def start_replica(start_server, **directives):
    d = {"repl-timeout": "5"}
    d.update(directives)
    return start_server(directives=d)


# ---- castor as the replica of a misbehaving master ------------------------------------------

def refused_and_retried(s, r, fm, connections, log_pattern):
    """Point replica s (client r, seeded with keys) at fake master fm; wait
    for 'connections' attempts and a log line matching log_pattern; the old
    data must still be there and the link down."""
    before = seed_keys(r)
    pos = log_pos(s)
    replicaof(r, fm.port)
    fm.wait_connections(connections)
    wait_log(s, pos, log_pattern)
    assert_old_data(r, before)
    assert repl(r)["master_link_status"] == "down"


@pytest.mark.parametrize("load", ["disabled", "swapdb"])
def test_truncated_payload_keeps_old_data_and_reconnects(start_server, fake_master, load):
    def behave(peer):
        peer.handshake()
        peer.send(b"+FULLRESYNC " + REPLID + b" 0\r\n")
        peer.send(b"$%d\r\n" % len(RDB) + RDB[:len(RDB) // 2])
        peer.close()

    s = start_replica(start_server, **{"repl-diskless-load": load})
    r = s.client()
    fm = fake_master(behave)
    refused_and_retried(s, r, fm, 2, r"I/O error trying to sync with MASTER|connection lost|"
                                     r"[Tt]runcated|Unexpected EOF|"
                                     r"Failed trying to load the MASTER synchronization")
    assert b"PSYNC" in [c[0].upper() for c in fm.peers[0].commands]
    alive_and_pinging(s)


@pytest.mark.parametrize("reply", [b"-ERR nonsense\r\n", b"\x8f\x00garbage\xfe\xff bytes\r\n"],
                         ids=["error", "bytes"])
def test_garbage_instead_of_fullresync_is_logged_and_retried(start_server, fake_master, reply):
    def behave(peer):
        peer.handshake()
        peer.send(reply)
        # Redis falls back to SYNC after a reply it can't use; answer that
        # with more garbage.
        peer.sock.settimeout(2)
        try:
            peer.read_command()
            peer.send(b"\x00\x01nonsense again\r\n")
        except (socket.timeout, OSError, ConnectionError, ValueError):
            pass
        peer.close()

    s = start_replica(start_server)
    r = s.client()
    fm = fake_master(behave)
    refused_and_retried(s, r, fm, 3, r"Unexpected reply to PSYNC|does not support PSYNC|"
                                     r"error state|Bad protocol from MASTER|aborted replication")
    alive_and_pinging(s)


def corrupt_payload_master(fake_master):
    def behave(peer):
        peer.handshake()
        peer.send(b"+FULLRESYNC " + REPLID + b" 0\r\n")
        peer.send(b"$%d\r\n" % len(RDB) + corrupt_rdb())
        peer.hold()
    return fake_master(behave)


def test_corrupt_payload_keeps_old_data_and_is_retried(start_server, fake_master):
    """castor: the checksum is checked before the dataset is replaced (Redis
    7.0 flushes first and exits on the corrupt file)."""
    s = start_replica(start_server)
    r = s.client()
    if not is_castor(r):
        pytest.skip("redis-server exits on a corrupt RDB from its master")
    fm = corrupt_payload_master(fake_master)
    refused_and_retried(s, r, fm, 2, r"(?i)checksum|corrupt|Failed trying to load the MASTER")
    alive_and_pinging(s)


@pytest.mark.parametrize("load", ["disabled", "swapdb", "on-empty-db"])
def test_corrupt_payload_into_each_load_mode(start_server, fake_master, load):
    """Also with diskless loading (swapdb; on-empty-db with an empty
    dataset): the replica survives, keeps (or stays without) data, retries."""
    s = start_replica(start_server, **{"repl-diskless-load": load})
    r = s.client()
    if not is_castor(r):
        pytest.skip("redis-server exits on a corrupt RDB from its master")
    before = {} if load == "on-empty-db" else seed_keys(r, 10)
    fm = corrupt_payload_master(fake_master)
    replicaof(r, fm.port)
    fm.wait_connections(2)
    assert_old_data(r, before)
    alive_and_pinging(s)


def pointed_at_silent_master(start_server, fake_master, behave):
    """A replica with repl-timeout 2 and 5 keys, pointed at a fake master
    that behaves so: (server, client, keys before, fake master, log pos)."""
    s = start_replica(start_server, **{"repl-timeout": "2"})
    r = s.client()
    before = seed_keys(r, 5)
    fm = fake_master(behave)
    pos = log_pos(s)
    replicaof(r, fm.port)
    return s, r, before, fm, pos


def test_silent_master_times_out_and_reconnects(start_server, fake_master):
    def behave(peer):
        peer.hold()                    # never answers PING

    s, r, before, fm, pos = pointed_at_silent_master(start_server, fake_master, behave)
    fm.wait_connections(1)
    t0 = fm.times[0]
    fm.wait_connections(2, timeout=RECONNECT_BOUND)
    assert fm.times[1] - t0 >= 1.0, "reconnected before any timeout could pass"
    wait_log(s, pos, r"Timeout connecting to the MASTER")
    assert fm.peers[0].commands and fm.peers[0].commands[0][0].upper() == b"PING"
    assert_old_data(r, before)
    alive_and_pinging(s)


def test_silent_master_during_transfer_times_out(start_server, fake_master):
    """The payload stops after its first bytes: the replica gives up after
    repl-timeout, keeps its data, reconnects."""
    def behave(peer):
        peer.handshake()
        peer.send(b"+FULLRESYNC " + REPLID + b" 0\r\n")
        peer.send(b"$%d\r\n" % len(RDB) + RDB[:100])
        peer.hold()

    s, r, before, fm, pos = pointed_at_silent_master(start_server, fake_master, behave)
    fm.wait_connections(2, timeout=RECONNECT_BOUND)
    wait_log(s, pos, r"Timeout receiving bulk data from MASTER")
    assert_old_data(r, before)
    alive_and_pinging(s)


@pytest.mark.parametrize("framing", ["length", "eofmark"])
def test_valid_payload_then_stream(start_server, fake_master, framing):
    def behave(peer):
        if peer.n > 0:
            peer.hold()
            return
        cmd = peer.handshake()
        assert cmd[0].upper() == b"PSYNC", cmd
        peer.send(b"+FULLRESYNC " + REPLID + b" 0\r\n")
        if framing == "length":
            peer.send(b"$%d\r\n" % len(RDB) + RDB + STREAM_SET)
        else:
            peer.send(b"$EOF:" + EOFMARK + b"\r\n" + RDB + EOFMARK)
            # The EOF mark must be the last bytes the replica reads: the
            # stream starts once it acknowledges the load.
            while peer.read_command()[:2] != [b"REPLCONF", b"ACK"]:
                pass
            peer.send(STREAM_SET)
        peer.hold()

    s = start_replica(start_server)
    r = s.client()
    seed_keys(r, 5)
    fm = fake_master(behave)
    replicaof(r, fm.port)
    wait_for(lambda: r.get("x") == b"1", 10, msg="x=1 from the stream")
    assert set(r.keys("*")) == RDB_KEYS | {b"x"}
    assert r.get("fromrdb") == b"hello"
    assert r.lrange("rdblist", 0, -1) == [b"a", b"b", b"c"]
    assert r.strlen("rdbbig") == 20000
    i = repl(r)
    assert i["master_link_status"] == "up"
    assert i["master_replid"] == REPLID.decode()
    assert int(i["slave_repl_offset"]) == len(STREAM_SET)
    # The replica acknowledges exactly the bytes of the stream it applied.
    peer = fm.peers[0]
    wait_for(lambda: [b"REPLCONF", b"ACK", b"%d" % len(STREAM_SET)] in
             [c[:3] for c in peer.commands], 5, msg="REPLCONF ACK %d" % len(STREAM_SET))
    caps = [c for c in peer.commands if c[:2] == [b"REPLCONF", b"capa"]]
    assert caps and b"eof" in caps[0] and b"psync2" in caps[0], peer.commands
    assert fm.connections() == 1
    alive_and_pinging(s)


# ---- castor as the master of a misbehaving replica ------------------------------------------

def fake_replica(port, rcvbuf=4096):
    """A raw socket that does a replica's handshake up to +FULLRESYNC.
    Returns (socket, bytes read past the +FULLRESYNC line)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    buf = bytearray()

    def line():
        while b"\r\n" not in buf:
            chunk = s.recv(4096)
            assert chunk, "master closed the link during the handshake"
            buf.extend(chunk)
        i = buf.index(b"\r\n")
        out = bytes(buf[:i])
        del buf[:i + 2]
        return out

    for cmd, want in ((("PING",), b"+PONG"),
                      (("REPLCONF", "listening-port", "7777"), b"+OK"),
                      (("REPLCONF", "capa", "eof", "capa", "psync2"), b"+OK"),
                      (("PSYNC", "?", "-1"), b"+FULLRESYNC ")):
        s.sendall(encode_command(*cmd))
        got = line()
        assert got.startswith(want), (cmd, got)
    return s, bytes(buf)


def connected_replicas(r):
    return int(repl(r)["connected_slaves"])


def test_master_drops_a_replica_that_never_reads(start_server):
    m = start_server(directives={"repl-diskless-sync-delay": "0"})
    r = m.client()
    r.config_set("client-output-buffer-limit", "replica 1mb 512kb 1")
    other = m.client()
    base = int(info(r, "memory")["used_memory"])
    pos = log_pos(m)
    sock, _ = fake_replica(m.port)
    try:
        wait_for(lambda: connected_replicas(r) == 1, 5, msg="the fake replica attached")
        value = b"V" * 100000
        peak, written = base, 0
        while connected_replicas(r) == 1:
            assert written < 200 * len(value), "replica still attached after %d bytes" % written
            p = r.pipeline(transaction=False)
            for i in range(5):
                p.set("big:%d" % ((written // len(value)) % 10), value)
                written += len(value)
            p.execute()
            peak = max(peak, int(info(r, "memory")["used_memory"]))
            assert other.ping() is True
        # 10 keys of 100 kB, the 1 MB backlog, at most a few MB of buffers:
        # nowhere near the 20 MB that went through.
        assert peak < base + 8 * 1024 * 1024, "used_memory reached %d (base %d)" % (peak, base)
        wait_log(m, pos, r"overcoming of output buffer limits")
        # The master closed the socket: draining it ends in EOF (or a reset).
        deadline = time.monotonic() + 10
        while True:
            try:
                if not sock.recv(1 << 20):
                    break
            except ConnectionResetError:
                break
            assert time.monotonic() < deadline, "the master did not close the link"
    finally:
        sock.close()
    assert other.get("big:0") == value
    assert r.set("after", "ok") is True
    alive_and_pinging(m)


@pytest.mark.parametrize("diskless", ["yes", "no"])
def test_replica_leaving_mid_transfer_then_next_replica_syncs(start_server, diskless):
    m = start_server(directives={"repl-diskless-sync": diskless,
                                 "repl-diskless-sync-delay": "0"})
    r = m.client()
    r.execute_command("DEBUG", "POPULATE", "4000", "key", "4096")   # ~16 MB payload
    r.rpush("list", *range(100))
    pos = log_pos(m)
    sock, extra = fake_replica(m.port)
    try:
        # Read the start of the payload (a '\n' keepalive may come first).
        got = bytearray(extra)
        while len(got) < 65536:
            chunk = sock.recv(65536)
            assert chunk, "master closed the link before the payload"
            got += chunk
        assert got.lstrip(b"\n").startswith(b"$")
    finally:
        sock.close()
    wait_log(m, pos, r"Connection with replica .* lost|[Ww]rite error sending DB|"
                     r"Diskless rdb transfer|closing the link with replica")
    wait_for(lambda: connected_replicas(r) == 0, 10, msg="the fake replica forgotten")
    assert r.ping() is True

    rep = start_server(directives=[("replicaof", ["127.0.0.1", str(m.port)])])
    wait_for_sync(m, rep, timeout=60)
    assert digest(rep.client()) == digest(r)
    assert rep.client().dbsize() == r.dbsize() == 4001
    alive_and_pinging(m)
    alive_and_pinging(rep)


# ---- issue 12: what a replica does with a bad stream or a bad inner encoding -----------------

def bad_inner_rdb():
    """An RDB whose checksum is right but whose list holds a listpack with a
    wrong entry count: only parsing the value finds it."""
    lp = bytearray(rdblib.listpack([b"a", b"b", b"c"]))
    lp[4] = 7                                   # 7 entries announced, 3 present
    body = rdblib.aux("redis-ver", "7.0.15") + rdblib.aux("redis-bits", "64")
    body += bytes([rdblib.OP_SELECTDB]) + rdblib.length(0)
    body += bytes([rdblib.OP_RESIZEDB]) + rdblib.length(2) + rdblib.length(0)
    body += rdblib.key_value(rdblib.TYPE_STRING, "fromrdb", rdblib.string("hello"))
    body += rdblib.key_value(rdblib.TYPE_LIST_QUICKLIST_2, "badlist",
                             rdblib.length(1) + rdblib.length(2) + rdblib.string(bytes(lp)))
    return rdblib.rdb_file(body)


@pytest.mark.parametrize("load", ["disabled", "swapdb"])
def test_crc_valid_payload_with_corrupt_encoding_keeps_old_data(start_server, fake_master, load):
    """castor: a replica with data parses every value of the payload before
    it replaces its dataset, so a payload whose CRC is right but whose
    inner encoding is not leaves the old data in place (it was emptied)."""
    s = start_replica(start_server, **{"repl-diskless-load": load})
    r = s.client()
    if not is_castor(r):
        pytest.skip("redis-server flushes, then fails to load (and exits)")
    payload = bad_inner_rdb()

    def behave(peer):
        peer.handshake()
        peer.send(b"+FULLRESYNC " + REPLID + b" 0\r\n")
        peer.send(b"$%d\r\n" % len(payload) + payload)
        peer.hold()

    fm = fake_master(behave)
    refused_and_retried(s, r, fm, 2, r"RDB payload from the master is not valid")
    alive_and_pinging(s)


def test_garbage_in_the_stream_is_logged_once_and_the_link_kept(start_server, fake_master):
    """castor: bytes that don't parse inside the master's command stream
    are logged once as a protocol error; the replica keeps the link and
    applies nothing after them, so no reconnect-and-resync loop fetches the
    same bytes again (redis-server 7.0.15 drops the link and reconnects);
    what came before is applied and acknowledged."""
    def behave(peer):
        if peer.n > 0:
            peer.hold()
            return
        peer.handshake()
        peer.send(b"+FULLRESYNC " + REPLID + b" 0\r\n")
        peer.send(b"$%d\r\n" % len(RDB) + RDB + STREAM_SET)
        peer.send(b"*1\r\n$abc\r\n*3\r\n$3\r\nSET\r\n$1\r\ny\r\n$1\r\n2\r\n")
        for _ in range(20):
            peer.send(b"*1\r\n$4\r\nPING\r\n")
            time.sleep(0.05)
        peer.hold()

    s = start_replica(start_server)
    r = s.client()
    if not is_castor(r):
        pytest.skip("redis-server drops the link and reconnects")
    pos = log_pos(s)
    fm = fake_master(behave)
    replicaof(r, fm.port)
    wait_for(lambda: r.get("x") == b"1", 10, msg="x=1 from the stream")
    wait_log(s, pos, r"Protocol error")
    time.sleep(1.5)                             # room for a reconnect, which must not come
    assert fm.connections() == 1
    assert r.get("y") is None
    assert repl(r)["master_link_status"] == "up"
    with open(s.logfile_path, errors="replace") as f:
        lines = [ln for ln in f.read()[pos:].splitlines() if "Protocol error" in ln]
    assert len(lines) == 1, lines
    alive_and_pinging(s)
