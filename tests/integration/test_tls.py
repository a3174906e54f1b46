"""TLS (issue 17): castor serves TLS on tls-port beside its plain port, with
Redis 7.0.15's tls-* directives, to the clients people use, replicates over
TLS with Debian's redis-server both ways, is watched by redis-sentinel over
TLS, and deals with bad TLS peers without stalling anyone.

Certificates are made per module with the openssl CLI (tests/lib/tlscerts.py).
Each server keeps its plain port too (the fixtures' readiness PING uses it).
Tests that start redis-server beside castor compare behaviour with it.
"""

import ctypes
import os
import socket
import ssl
import subprocess
import time

import pytest
import redis

import repltest as rt
import sentineltest as st
import tlscerts
from castortest import CASTOR_SERVER, REDIS_BENCHMARK, REDIS_CLI, REDIS_SERVER, free_port, wait_for
from resp import encode_command as resp

UPDATE_ERR = "Unable to update TLS configuration. Check server logs."


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make_certs(tmp_path_factory.mktemp("certs"))


def start_tls(start_server, certs, binary=None, **more):
    """A server with a TLS port (its .tls_port) beside its plain port."""
    port = free_port()
    s = start_server(directives=certs.directives(tls_port=port, **more), binary=binary,
                     name="redis" if binary == REDIS_SERVER else None)
    s.tls_port = port
    return s


def tls_client(s, certs, client=True, **kw):
    return redis.Redis(host="127.0.0.1", port=s.tls_port, socket_timeout=5,
                       **certs.ssl_kwargs(client), **kw)


def handshake(port, ctx, send=b"PING\r\n", host="127.0.0.1"):
    """TLS connect with ctx, send a PING, return the reply bytes (b'' if the
    server closed); raises ssl.SSLError/OSError when the handshake fails."""
    with socket.create_connection((host, port), timeout=5) as raw:
        with ctx.wrap_socket(raw) as t:
            t.sendall(send)
            return t.recv(100)


def refused(port, ctx):
    """The server ends the connection: in the handshake or right after it
    (with TLSv1.3 the client learns of a refused certificate on its first
    read)."""
    try:
        return handshake(port, ctx) == b""
    except (ssl.SSLError, OSError):
        return True


def cli(s, certs, *args, client=True):
    out = subprocess.run([REDIS_CLI, "-p", str(s.tls_port), *certs.cli_args(client), *args],
                         capture_output=True, text=True, timeout=20)
    return (out.stdout + out.stderr).strip()


def log_has(s, text, timeout=5):
    return wait_for(lambda: text in s.logfile, timeout, msg="log line %r" % text)


# ---- clients ------------------------------------------------------------------------------

def test_redis_cli_over_tls_beside_plain_port(start_server, certs):
    s = start_tls(start_server, certs)
    assert cli(s, certs, "SET", "k", "v") == "OK"
    assert cli(s, certs, "GET", "k") == "v"
    assert s.client().get("k") == b"v"  # the plain port serves the same data
    # CLIENT LIST shows TLS clients like the others.
    assert "cmd=client|list" in cli(s, certs, "CLIENT", "LIST")


def test_lua_debugger_over_tls(start_server, certs, tmp_path):
    """redis-cli --ldb over TLS: the forked session's child and the
    synchronous session both talk through the connection's TLS state."""
    s = start_tls(start_server, certs)
    path = tmp_path / "s.lua"
    path.write_text("local a = 1\nredis.call('set', KEYS[1], ARGV[1])\nreturn a\n")
    for mode, kept in (("--ldb", None), ("--ldb-sync-mode", b"v")):
        out = subprocess.run([REDIS_CLI, "-p", str(s.tls_port), *certs.cli_args(True), mode,
                              "--eval", str(path), "k", ",", "v"], input="n\np\nr ping\nc\n",
                             capture_output=True, text=True, timeout=20)
        assert "<value> a = 1" in out.stdout and "<reply> \"+PONG\"" in out.stdout, (mode, out)
        assert "(integer) 1" in out.stdout and "session ended" in out.stdout, (mode, out)
        assert s.client().get("k") == kept


def test_redis_py_ssl_large_values_and_pipelines(start_server, certs):
    s = start_tls(start_server, certs)
    c = tls_client(s, certs)
    big = os.urandom(3 * 1024 * 1024 + 7)  # many TLS records both ways
    assert c.set("big", big)
    assert c.get("big") == big
    p = c.pipeline(transaction=False)
    for i in range(2000):
        p.set("k%d" % i, "v%d" % i)
        p.get("k%d" % i)
    replies = p.execute()
    assert replies[1::2] == [("v%d" % i).encode() for i in range(2000)]
    assert c.strlen("big") == len(big)
    # A reply bigger than one write: the rest waits for writability.
    vals = c.mget(["big"] * 4)
    assert all(v == big for v in vals)


def test_many_small_records_in_one_burst(start_server, certs):
    """Requests sent as many TLS records back to back reach castor in one
    read (OpenSSL reads ahead): the records it holds must be served at once,
    not when the peer sends more (it won't: it waits for the replies)."""
    s = start_tls(start_server, certs)
    with socket.create_connection(("127.0.0.1", s.tls_port), timeout=5) as raw:
        with certs.context().wrap_socket(raw) as t:
            for _ in range(3):
                for i in range(300):
                    t.send(b"INCR n\r\n")  # one record each
                got = b""
                while got.count(b"\r\n") < 300:
                    got += t.recv(65536)
    assert s.client().get("n") == b"900"


def _ssl_pointer(t):
    """The SSL * under a Python SSLSocket (CPython's PySSLSocket keeps it
    after the weak reference to its socket), for calls the ssl module
    lacks; None if libssl or the layout doesn't answer as expected."""
    try:
        lib = ctypes.CDLL("libssl.so.3")
    except OSError:
        return None, None
    lib.SSL_version.argtypes = [ctypes.c_void_p]
    lib.SSL_key_update.argtypes = [ctypes.c_void_p, ctypes.c_int]
    ptr = ctypes.c_void_p.from_address(id(t._sslobj) + 3 * ctypes.sizeof(ctypes.c_void_p)).value
    if not ptr or lib.SSL_version(ptr) != 0x304:
        return None, None
    return lib, ptr


def test_key_update_while_output_is_blocked(start_server, certs):
    """A TLS 1.3 client asks for a KeyUpdate while castor's socket is full
    (8 MB of replies unread) and pipelines more requests behind it: castor
    must answer the KeyUpdate when it can write, keep serving the requests
    OpenSSL holds, and deliver every byte in order."""
    s = start_tls(start_server, certs)
    big = os.urandom(4 << 20)
    s.client().set("big", big)
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.settimeout(10)
    raw.connect(("127.0.0.1", s.tls_port))
    with certs.context().wrap_socket(raw) as t:
        lib, ptr = _ssl_pointer(t)
        if lib is None:
            pytest.skip("no TLS 1.3 SSL * reachable through ctypes")
        t.sendall(b"GET big\r\nGET big\r\n")

        def blocked():
            line = [l for l in s.client().execute_command("CLIENT", "LIST").decode().splitlines()
                    if "cmd=get" in l]
            return line and int(line[0].split("omem=")[1].split()[0]) > 0
        wait_for(blocked, 5, msg="replies held for the unread socket")
        for _ in range(3):
            assert lib.SSL_key_update(ptr, 1) == 1  # SSL_KEY_UPDATE_REQUESTED
            t.sendall(b"PING\r\n")  # the KeyUpdate goes out before this record
        want = 2 * len(b"$%d\r\n%s\r\n" % (len(big), b"")) + 2 * len(big) + 3 * 7
        got = bytearray()
        while len(got) < want:
            chunk = t.recv(1 << 16)
            assert chunk, "connection closed after %d of %d bytes" % (len(got), want)
            got += chunk
    head = b"$%d\r\n" % len(big)
    assert bytes(got) == (head + big + b"\r\n") * 2 + b"+PONG\r\n" * 3


class MemTls:
    """A TLS client over memory BIOs: it encrypts a whole request before
    sending any of it, so the server finds records waiting behind each
    other however fast it decrypts, as a plain server finds bytes."""

    def __init__(self, port, ctx):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out)
        while True:
            try:
                self.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                self._fill()
        self._flush()

    def _flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("closed by the server")
        self.inc.write(data)

    def send(self, data):
        view = memoryview(data)
        while view:
            view = view[self.obj.write(view):]
        self._flush()

    def recv_exact(self, n):
        got = bytearray()
        while len(got) < n:
            try:
                got += self.obj.read(min(n - len(got), 1 << 18))
            except ssl.SSLWantReadError:
                self._fill()
        return bytes(got)

    def close(self):
        self.sock.close()


def io_stats(s):
    i = s.client().info("stats")
    return i["total_reads_processed"], i["total_writes_processed"]


def test_big_set_and_get_take_few_reads_and_writes(start_server, certs):
    """A 4 MB SET and GET over TLS are 256 records each way. A TLS read
    takes what the socket has, record after record, as a plain read does,
    and a TLS write goes on until the socket is full: far fewer reads and
    writes than records (one record a read or write would need 256)."""
    s = start_tls(start_server, certs)
    big = os.urandom(4 << 20)
    t = MemTls(s.tls_port, certs.context())
    try:
        for _ in range(2):
            r0, _w0 = io_stats(s)
            t.send(resp("SET", "big", big))
            assert t.recv_exact(5) == b"+OK\r\n"
            r1, w1 = io_stats(s)
            # io_stats' own INFO requests count one read each.
            assert r1 - r0 < 64, "4 MB SET took %d reads" % (r1 - r0)
            t.send(resp("GET", "big"))
            head = b"$%d\r\n" % len(big)
            assert t.recv_exact(len(head) + len(big) + 2) == head + big + b"\r\n"
            _r2, w2 = io_stats(s)
            assert w2 - w1 < 64, "4 MB GET took %d writes" % (w2 - w1)
    finally:
        t.close()
    assert s.client().get("big") == big


def test_big_pipeline_is_read_while_replies_wait(start_server, certs):
    """A client that sends 32 MB of pipelined SETs and GETs before reading
    any reply: castor must keep reading while its replies wait for a full
    socket (holding reads then would leave both sides blocked in a write),
    and every reply arrives whole and in order."""
    s = start_tls(start_server, certs)
    vals = [os.urandom((1 << 20) + i) for i in range(16)]
    t = MemTls(s.tls_port, certs.context())
    try:
        req = b"".join(resp("SET", "k%d" % i, v) + resp("GET", "k%d" % i)
                       for i, v in enumerate(vals))
        t.send(req)
        for v in vals:
            assert t.recv_exact(5) == b"+OK\r\n"
            head = b"$%d\r\n" % len(v)
            assert t.recv_exact(len(head) + len(v) + 2) == head + v + b"\r\n"
        t.send(resp("DBSIZE"))
        assert t.recv_exact(5) == b":16\r\n"
    finally:
        t.close()


def test_redis_benchmark_tls(start_server, certs):
    s = start_tls(start_server, certs)
    out = subprocess.run([REDIS_BENCHMARK, "-p", str(s.tls_port), *certs.cli_args(), "-t",
                          "set,get", "-n", "3000", "-c", "8", "-P", "16", "-q", "-r", "1000"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "SET:" in out.stdout and "GET:" in out.stdout, out.stdout + out.stderr
    assert s.client().dbsize() > 0


def test_session_caching(start_server, certs):
    s = start_tls(start_server, certs, tls_session_cache_timeout=60)
    ctx = certs.context(maximum_version=ssl.TLSVersion.TLSv1_2)

    def connect(session=None):
        with socket.create_connection(("127.0.0.1", s.tls_port), timeout=5) as raw:
            with ctx.wrap_socket(raw, session=session) as t:
                t.sendall(b"PING\r\n")
                assert t.recv(100) == b"+PONG\r\n"
                return t.session, t.session_reused

    sess, reused = connect()
    assert not reused
    assert connect(sess)[1], "the server did not resume a cached session"
    s.client().config_set("tls-session-caching", "no")
    sess, _ = connect()
    assert not connect(sess)[1]


# ---- directives ---------------------------------------------------------------------------

def test_auth_clients_yes_no_optional(start_server, certs):
    s = start_tls(start_server, certs)
    plain = s.client()
    assert refused(s.tls_port, certs.context(client=False))
    log_has(s, "Error accepting a client connection: ")
    assert handshake(s.tls_port, certs.context()) == b"+PONG\r\n"
    plain.config_set("tls-auth-clients", "no")
    assert handshake(s.tls_port, certs.context(client=False)) == b"+PONG\r\n"
    plain.config_set("tls-auth-clients", "optional")
    assert handshake(s.tls_port, certs.context(client=False)) == b"+PONG\r\n"
    assert handshake(s.tls_port, certs.context()) == b"+PONG\r\n"
    rogue = certs.context(client=False)
    rogue.load_cert_chain(certs.rogue, certs.rogue_key)
    assert refused(s.tls_port, rogue), "optional still verifies a certificate that is given"
    plain.config_set("tls-auth-clients", "yes")
    assert refused(s.tls_port, certs.context(client=False))
    assert plain.config_get("tls-auth-clients") == {"tls-auth-clients": "yes"}


def test_protocols_ciphers_and_server_preference(start_server, certs):
    s = start_tls(start_server, certs)
    plain = s.client()
    v13 = certs.context(minimum_version=ssl.TLSVersion.TLSv1_3)
    v12 = certs.context(maximum_version=ssl.TLSVersion.TLSv1_2)
    assert handshake(s.tls_port, v13) == b"+PONG\r\n"
    plain.config_set("tls-protocols", "TLSv1.2")
    assert refused(s.tls_port, v13)
    assert handshake(s.tls_port, v12) == b"+PONG\r\n"
    with pytest.raises(redis.ResponseError, match=UPDATE_ERR):
        plain.config_set("tls-protocols", "TLSv9")
    log_has(s, "Invalid tls-protocols specified.")
    assert plain.config_get("tls-protocols") == {"tls-protocols": "TLSv1.2"}

    def cipher(client_ciphers):
        ctx = certs.context(maximum_version=ssl.TLSVersion.TLSv1_2)
        ctx.set_ciphers(client_ciphers)
        with socket.create_connection(("127.0.0.1", s.tls_port), timeout=5) as raw:
            with ctx.wrap_socket(raw) as t:
                t.sendall(b"PING\r\n")
                assert t.recv(100) == b"+PONG\r\n"
                return t.cipher()[0]

    plain.config_set("tls-ciphers", "AES128-SHA256:AES256-SHA256")
    assert cipher("AES256-SHA256:AES128-SHA256") == "AES256-SHA256"
    plain.config_set("tls-prefer-server-ciphers", "yes")
    assert cipher("AES256-SHA256:AES128-SHA256") == "AES128-SHA256"
    plain.config_set("tls-ciphers", "DEFAULT:-AES128-SHA256")
    v12only = certs.context(maximum_version=ssl.TLSVersion.TLSv1_2)
    v12only.set_ciphers("AES128-SHA256")
    assert refused(s.tls_port, v12only)
    with pytest.raises(redis.ResponseError, match=UPDATE_ERR):
        plain.config_set("tls-ciphers", "NOSUCHCIPHER")
    with pytest.raises(redis.ResponseError, match=UPDATE_ERR):
        plain.config_set("tls-ciphersuites", "NOSUCHSUITE")
    plain.config_set("tls-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256")
    plain.config_set("tls-protocols", "")
    with socket.create_connection(("127.0.0.1", s.tls_port), timeout=5) as raw:
        with certs.context().wrap_socket(raw) as t:
            assert t.cipher()[0] == "TLS_CHACHA20_POLY1305_SHA256"


def peer_cn(port, certs):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with certs.context().wrap_socket(raw) as t:
            subject = dict(x[0] for x in t.getpeercert()["subject"])
            return subject["commonName"]


def test_certificate_reload_by_config_set(start_server, certs, tmp_path):
    live_crt, live_key = str(tmp_path / "live.crt"), str(tmp_path / "live.key")
    for src, dst in ((certs.server, live_crt), (certs.server_key, live_key)):
        with open(src, "rb") as f, open(dst, "wb") as g:
            g.write(f.read())
    s = start_tls(start_server, certs, tls_cert_file=live_crt, tls_key_file=live_key)
    plain = s.client()
    keep = tls_client(s, certs)
    assert keep.set("a", "1")
    assert peer_cn(s.tls_port, certs) == "Server-1"
    # A failed reload keeps the old context and answers Redis's error.
    with pytest.raises(redis.ResponseError, match=UPDATE_ERR):
        plain.config_set("tls-cert-file", str(tmp_path / "missing.crt"))
    log_has(s, "Failed to load certificate: %s" % (tmp_path / "missing.crt"))
    assert plain.config_get("tls-cert-file") == {"tls-cert-file": live_crt}
    with pytest.raises(redis.ResponseError, match=UPDATE_ERR):
        plain.config_set("tls-key-file", certs.server2_key)  # not the certificate's key
    assert peer_cn(s.tls_port, certs) == "Server-1"
    # Both files at once switch to the new pair; existing clients stay up.
    plain.execute_command("CONFIG", "SET", "tls-cert-file", certs.server2, "tls-key-file",
                          certs.server2_key)
    assert peer_cn(s.tls_port, certs) == "Server-2"
    assert keep.get("a") == b"1"
    # Rotation in place: the same path set again reloads it (a volatile
    # directive, as in Redis).
    plain.execute_command("CONFIG", "SET", "tls-cert-file", live_crt, "tls-key-file", live_key)
    assert peer_cn(s.tls_port, certs) == "Server-1"
    for src, dst in ((certs.server2, live_crt), (certs.server2_key, live_key)):
        with open(src, "rb") as f, open(dst, "wb") as g:
            g.write(f.read())
    assert peer_cn(s.tls_port, certs) == "Server-1"
    plain.execute_command("CONFIG", "SET", "tls-cert-file", live_crt, "tls-key-file", live_key)
    assert peer_cn(s.tls_port, certs) == "Server-2"


def test_encrypted_key_dh_params_and_tls_port_by_config_set(start_server, certs, tmp_path):
    enc = str(tmp_path / "server.enc.key")
    subprocess.run([tlscerts.OPENSSL, "rsa", "-in", certs.server_key, "-out", enc, "-aes256",
                    "-passout", "pass:1234"], check=True, capture_output=True)
    s = start_tls(start_server, certs, tls_dh_params_file=certs.dh)
    plain = s.client()
    with pytest.raises(redis.ResponseError, match=UPDATE_ERR):
        plain.config_set("tls-key-file", enc)
    plain.config_set("tls-key-file-pass", "1234")
    plain.config_set("tls-key-file", enc)
    assert cli(s, certs, "PING") == "PONG"
    with pytest.raises(redis.ResponseError, match=UPDATE_ERR):
        plain.config_set("tls-dh-params-file", str(tmp_path / "nope.pem"))
    # tls-port moves, and 0 closes it.
    new = free_port()
    plain.config_set("tls-port", new)
    s.tls_port = new
    assert cli(s, certs, "PING") == "PONG"
    plain.config_set("tls-port", 0)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", new), timeout=2).close()
    assert plain.config_get("tls-port") == {"tls-port": "0"}
    # tls-cluster is accepted (there is no cluster bus to secure).
    plain.config_set("tls-cluster", "yes")
    assert plain.config_get("tls-cluster") == {"tls-cluster": "yes"}


def _no_listener(host, port):
    try:
        socket.create_connection((host, port), timeout=2).close()
        return False
    except OSError:
        return True


def test_config_set_bind_moves_the_tls_listeners_too(start_server, certs):
    """CONFIG SET bind reopens the tls-port listeners on the new addresses,
    as Redis does: castor moved only the plain port's, so a bind "" meant
    to stop new connections left TLS accepting them. A refused address
    keeps both where they were."""
    s = start_tls(start_server, certs)
    admin = s.client()  # stays connected through the changes
    assert handshake(s.tls_port, certs.context()) == b"+PONG\r\n"
    with pytest.raises(redis.ResponseError, match="Failed to bind to specified addresses"):
        admin.config_set("bind", "999.999.999.999")
    assert handshake(s.tls_port, certs.context()) == b"+PONG\r\n"
    admin.config_set("bind", "127.0.0.2")
    assert _no_listener("127.0.0.1", s.tls_port) and _no_listener("127.0.0.1", s.port)
    assert handshake(s.tls_port, certs.context(), host="127.0.0.2") == b"+PONG\r\n"
    admin.config_set("bind", "")
    assert _no_listener("127.0.0.2", s.tls_port) and _no_listener("127.0.0.2", s.port)
    admin.config_set("bind", "127.0.0.1")
    assert handshake(s.tls_port, certs.context()) == b"+PONG\r\n"
    assert admin.ping()


@pytest.mark.parametrize("binary", [CASTOR_SERVER, REDIS_SERVER])
def test_tls_port_with_no_bind_address_starts_as_redis(tmp_path, certs, binary):
    """bind "" with a tls-port: the server starts on its unix socket alone
    (castor refused to start: "Failed listening on port (TLS)"), and with
    no unix socket either it says it would listen nowhere, as Redis."""
    base = ["--port", "0", "--tls-port", str(free_port()), "--bind", "", "--save", "",
            "--tls-cert-file", certs.server, "--tls-key-file", certs.server_key,
            "--tls-ca-cert-file", certs.ca]
    out = subprocess.run([binary, *base, "--dir", str(tmp_path)], capture_output=True, text=True,
                         timeout=20)
    assert out.returncode != 0
    assert "Configured to not listen anywhere, exiting." in out.stdout + out.stderr
    sock_path = str(tmp_path / "s.sock")
    proc = subprocess.Popen([binary, *base, "--dir", str(tmp_path), "--unixsocket", sock_path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: os.path.exists(sock_path), 20, msg="unix socket")
        r = redis.Redis(unix_socket_path=sock_path, socket_timeout=5)

        def pings():
            # The socket file exists from bind(), before listen(): refused until then.
            try:
                return r.ping()
            except redis.exceptions.ConnectionError:
                return False
        wait_for(pings, 20, msg="PING on the unix socket")
        assert r.config_get("bind") == {"bind": ""}
        r.close()
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("target_binary", [CASTOR_SERVER, REDIS_SERVER])
def test_migrate_over_tls_with_tls_cluster(start_server, certs, target_binary):
    """Under tls-cluster yes MIGRATE connects to its target over TLS, as
    Redis 7.0's does (castor spoke plaintext to the TLS port: -IOERR); to
    a plain port the handshake fails as Redis's: -IOERR ... connecting."""
    src = start_tls(start_server, certs, tls_cluster="yes")
    dst = start_tls(start_server, certs, binary=target_binary, tls_cluster="yes")
    r = src.client()
    r.set("k", "v" * 100000)
    r.set("k2", "w")
    assert r.execute_command("MIGRATE", "127.0.0.1", dst.tls_port, "k", 0, 5000) == b"OK"
    assert r.exists("k") == 0
    assert dst.client().get("k") == b"v" * 100000
    # The cached connection serves the next one, with KEYS and COPY.
    assert r.execute_command("MIGRATE", "127.0.0.1", dst.tls_port, "", 0, 5000, "COPY",
                             "KEYS", "k2") == b"OK"
    assert r.get("k2") == b"w" and dst.client().get("k2") == b"w"
    with pytest.raises(redis.ResponseError, match="IOERR error or timeout connecting to the client"):
        r.execute_command("MIGRATE", "127.0.0.1", dst.port, "k2", 0, 2000)
    assert r.get("k2") == b"w"


def test_start_without_certificate_fails_as_redis(start_server, tmp_path):
    from castortest import ServerStartError
    with pytest.raises(ServerStartError) as e:
        start_server(directives={"tls-port": free_port()})
    assert "No tls-cert-file configured!" in str(e.value)
    assert "Failed to configure TLS. Check logs for more info." in str(e.value)


def test_config_errors_match_redis(start_server, certs):
    c = start_tls(start_server, certs)
    r = start_tls(start_server, certs, binary=REDIS_SERVER)
    cases = [("tls-protocols", "TLSv9"), ("tls-ciphers", "NOSUCHCIPHER"),
             ("tls-cert-file", "/nonexistent.crt"), ("tls-auth-clients", "maybe"),
             ("tls-session-cache-size", "-1"), ("tls-port", "70000"),
             ("tls-replication", "maybe")]
    for name, value in cases:
        got = []
        for s in (c, r):
            try:
                got.append(s.client().config_set(name, value))
            except redis.ResponseError as e:
                got.append(str(e))
        assert got[0] == got[1], (name, value, got)
    names = ["tls-port", "tls-auth-clients", "tls-protocols", "tls-session-caching",
             "tls-session-cache-size", "tls-session-cache-timeout", "tls-prefer-server-ciphers",
             "tls-replication", "tls-cluster", "tls-key-file-pass"]
    for n in names:
        cv, rv = c.client().config_get(n), r.client().config_get(n)
        if n == "tls-port":
            assert set(cv) == set(rv)
        else:
            assert cv == rv, n


# ---- bad peers ----------------------------------------------------------------------------

def test_plaintext_to_tls_port(start_server, certs):
    s = start_tls(start_server, certs)
    with socket.create_connection(("127.0.0.1", s.tls_port), timeout=5) as raw:
        raw.sendall(b"PING\r\n")
        got = b""
        try:
            data = raw.recv(100)
            while data:  # at most a TLS alert, then the close
                got += data
                data = raw.recv(100)
        except ConnectionResetError:  # closed with our PING unread
            pass
        assert b"PONG" not in got
    log_has(s, "Error accepting a client connection: ")
    log_has(s, "wrong version number")
    assert cli(s, certs, "PING") == "PONG"


def test_stalled_handshake_never_blocks_the_loop(start_server, certs):
    s = start_tls(start_server, certs)
    plain = s.client()
    stalled = []
    for _ in range(5):
        raw = socket.create_connection(("127.0.0.1", s.tls_port), timeout=10)
        stalled.append(raw)
    half = socket.create_connection(("127.0.0.1", s.tls_port), timeout=10)
    half.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a ClientHello's start
    stalled.append(half)
    t0 = time.monotonic()
    c = tls_client(s, certs)
    for i in range(50):
        assert c.set("k%d" % i, i)
    assert plain.ping()
    assert time.monotonic() - t0 < 10
    assert wait_for(lambda: len(plain.client_list()) >= 8, 5)
    # Like any idle client, a stalled handshake ends with 'timeout'.
    plain.config_set("timeout", 1)
    for raw in stalled:
        raw.settimeout(10)
        assert raw.recv(100) == b""
        raw.close()
    assert tls_client(s, certs).ping()


def test_missing_client_cert_logged_and_closed(start_server, certs):
    s = start_tls(start_server, certs)
    out = cli(s, certs, "PING", client=False)
    assert "PONG" not in out
    log_has(s, "peer did not return a certificate")
    assert wait_for(lambda: len(s.client().client_list()) == 1, 5)


def test_protected_mode_denied_after_handshake(start_server, certs):
    s = start_tls(start_server, certs, protected_mode="yes")
    assert cli(s, certs, "PING") == "PONG"  # from 127.0.0.1: local
    # From 127.0.0.2 (not local for Redis): told over TLS, then closed.
    raw = socket.socket()
    raw.settimeout(5)
    raw.bind(("127.0.0.2", 0))
    raw.connect(("127.0.0.1", s.tls_port))
    with certs.context().wrap_socket(raw) as t:
        got = b""
        data = t.recv(4096)
        while data:
            got += data
            data = t.recv(4096)
    assert got.startswith(b"-DENIED Redis is running in protected mode"), got[:80]


# ---- replication and sentinel -------------------------------------------------------------

REPL = dict(tls_replication="yes", repl_diskless_sync_delay="0")


def replicate(replica, master):
    assert replica.client().execute_command("REPLICAOF", "127.0.0.1", master.tls_port) == b"OK"
    rt.wait_link_up(replica.client())
    rt.wait_offsets_equal(master.client(), replica.client())


@pytest.mark.parametrize("kinds", [("redis", "castor"), ("castor", "redis"),
                                   ("castor", "castor")])
@pytest.mark.parametrize("diskless", ["yes", "no"])
def test_replication_over_tls(start_server, certs, kinds, diskless):
    bins = {"castor": CASTOR_SERVER, "redis": REDIS_SERVER}
    m = start_tls(start_server, certs, binary=bins[kinds[0]], repl_diskless_sync=diskless, **REPL)
    load = "swapdb" if diskless == "yes" else "disabled"
    r = start_tls(start_server, certs, binary=bins[kinds[1]], repl_diskless_load=load, **REPL)
    mc = m.client()
    mc.execute_command("DEBUG", "POPULATE", 30000, "key", 64)
    mc.set("big", os.urandom(1 << 20))
    replicate(r, m)
    rt.assert_same_digest(mc, r.client())
    # The stream flows over the TLS link.
    p = mc.pipeline(transaction=False)
    for i in range(3000):
        p.set("s%d" % i, "x" * (i % 300))
    p.execute()
    rt.wait_offsets_equal(mc, r.client())
    rt.assert_same_digest(mc, r.client())
    info = rt.repl(mc)
    assert "port=%d" % r.tls_port in info["slave0"], info  # the replica announces its TLS port


def test_replication_uses_client_cert_files(start_server, certs):
    m = start_tls(start_server, certs, tls_replication="yes")
    r = start_tls(start_server, certs, tls_replication="yes", tls_client_cert_file=certs.client,
                  tls_client_key_file=certs.client_key)
    m.client().set("x", "y")
    replicate(r, m)
    assert r.client().get("x") == b"y"
    # A replica whose certificate the master refuses never links up.
    r2 = start_tls(start_server, certs, tls_replication="yes", tls_client_cert_file=certs.rogue,
                   tls_client_key_file=certs.rogue_key)
    r2.client().execute_command("REPLICAOF", "127.0.0.1", m.tls_port)
    log_has(m, "Error accepting a client connection", timeout=10)
    assert rt.repl(r2.client())["master_link_status"] == "down"


class TLSSentinels(st.SentinelGroup):
    def __init__(self, base_dir, master_port, certs, **kw):
        super().__init__(base_dir, master_port, **kw)
        self.certs = certs

    def config_text(self, workdir):
        c = self.certs
        return super().config_text(workdir) + "\n".join([
            "tls-replication yes", "tls-cert-file %s" % c.server, "tls-key-file %s" % c.server_key,
            "tls-ca-cert-file %s" % c.ca, ""])


def test_sentinel_monitors_castor_over_tls(start_server, certs, tmp_path):
    m = start_tls(start_server, certs, **REPL)
    r = start_tls(start_server, certs, **REPL)
    replicate(r, m)
    g = TLSSentinels(tmp_path / "sentinels", m.tls_port, certs, n=1, quorum=1)
    try:
        g.start()
        g.wait_monitoring({r.tls_port: None})
        assert g.master_addr() == m.tls_port
        # Sentinel's own connections to castor are TLS ones.
        names = [c.get("name", "") for c in m.client().client_list()]
        assert any(n.startswith("sentinel-") for n in names), names
    finally:
        g.stop()
