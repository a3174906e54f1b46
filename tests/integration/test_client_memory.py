"""Client memory as Redis 7.0 manages it: per-client accounting (CLIENT LIST
tot-mem, INFO mem_clients_normal), client eviction under maxmemory-clients
(largest first, CLIENT NO-EVICT, evicted_clients), output-buffer limits that
close a client before any of the over-limit reply leaves, and the reply
buffer that shrinks when idle and grows when busy (DEBUG REPLYBUFFER)."""

import socket
import time

import pytest
import repltest as rt
from castortest import wait_for
from repltest import start_server  # noqa: F401  (replicas stop before masters)

MB = 1024 * 1024


def named(r, name):
    """The CLIENT LIST entry of the client called name, or None."""
    for c in r.client_list():
        if c.get("name") == name:
            return c
    return None


def partial_arg(port, name, size):
    """A client that names itself, then sends `size` bytes of an argument
    it never finishes: its query buffer holds them. Under a
    maxmemory-clients smaller than `size` the server may close it before
    the last byte is sent (a broken pipe or a reset here): the caller
    checks what the server did, not what the send saw."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"CLIENT SETNAME %s\r\n" % name.encode())
    assert s.recv(100) == b"+OK\r\n"
    try:
        s.sendall(b"*2\r\n$%d\r\n" % (size + 10) + b"v" * size)
    except (BrokenPipeError, ConnectionResetError):
        pass
    return s


def control(server):
    r = server.client()
    r.client_setname("control")
    r.client_no_evict("on")
    return r


def test_tot_mem_and_mem_clients_normal_count_the_query_buffer(server):
    r = control(server)
    before = r.info("memory")["mem_clients_normal"]
    s = partial_arg(server.port, "q", MB)
    try:
        c = wait_for(lambda: (named(r, "q") or {}).get("qbuf") == str(MB) and named(r, "q"),
                     timeout=5)
        assert int(c["tot-mem"]) >= MB
        assert r.info("memory")["mem_clients_normal"] >= before + MB
    finally:
        s.close()
    wait_for(lambda: named(r, "q") is None, timeout=5)
    wait_for(lambda: r.info("memory")["mem_clients_normal"] < before + MB // 2, timeout=5)


def test_client_over_maxmemory_clients_is_evicted(server):
    r = control(server)
    r.config_set("maxmemory-clients", "1mb")
    s = partial_arg(server.port, "big", 2 * MB)
    try:
        wait_for(lambda: named(r, "big") is None, timeout=5)
        assert r.info("stats")["evicted_clients"] == 1
        # Evicted means closed: the socket reads EOF (or a reset).
        s.settimeout(5)
        try:
            assert s.recv(100) == b""
        except ConnectionResetError:
            pass
        assert r.ping() is True
    finally:
        s.close()


def test_percentage_of_maxmemory(server):
    r = control(server)
    r.config_set("maxmemory", str(20 * MB))
    r.config_set("maxmemory-clients", "5%")   # 1 MB
    small = partial_arg(server.port, "small", 300 * 1024)
    big = partial_arg(server.port, "big", 2 * MB)
    try:
        wait_for(lambda: named(r, "big") is None, timeout=5)
        assert named(r, "small") is not None
    finally:
        small.close()
        big.close()


def test_no_evict_protects_until_turned_off(server):
    r = control(server)
    r.config_set("maxmemory-clients", "1mb")
    s = socket.create_connection(("127.0.0.1", server.port))
    try:
        s.sendall(b"CLIENT SETNAME ne\r\nCLIENT NO-EVICT on\r\n")
        wait_for(lambda: named(r, "ne") is not None and "e" in named(r, "ne")["flags"], timeout=5)
        s.recv(100)
        s.sendall(b"*2\r\n$%d\r\n" % (3 * MB) + b"v" * (2 * MB))
        wait_for(lambda: int((named(r, "ne") or {"tot-mem": 0})["tot-mem"]) > 2 * MB, timeout=5)
        assert r.info("stats")["evicted_clients"] == 0
        # The rest of the argument, then CLIENT NO-EVICT off: its query
        # buffer keeps its size until the cron trims it, so it goes.
        s.sendall(b"v" * MB + b"\r\n$1\r\nx\r\n")
        s.sendall(b"CLIENT NO-EVICT off\r\n")
        wait_for(lambda: named(r, "ne") is None, timeout=5)
        assert r.info("stats")["evicted_clients"] == 1
    finally:
        s.close()


def test_largest_clients_go_first_and_only_until_under_the_limit(server):
    r = control(server)
    socks = [partial_arg(server.port, "s%d" % i, 100 * 1024) for i in range(3)]
    socks += [partial_arg(server.port, "b%d" % i, 2 * MB) for i in range(2)]
    try:
        wait_for(lambda: all(int((named(r, "b%d" % i) or {"tot-mem": 0})["tot-mem"]) > 2 * MB
                             for i in range(2)), timeout=5)
        total = r.info("memory")["mem_clients_normal"]
        big = int(named(r, "b0")["tot-mem"])
        # Room for all but one big client: exactly one goes, no small one.
        r.config_set("maxmemory-clients", str(total - big // 2))
        names = {c["name"] for c in r.client_list()}
        assert {"s0", "s1", "s2"} <= names
        assert len({"b0", "b1"} & names) == 1
        assert r.info("stats")["evicted_clients"] == 1
    finally:
        for s in socks:
            s.close()


def test_output_buffer_growth_evicts(server):
    r = control(server)
    r.config_set("maxmemory-clients", "2mb")
    r.setrange("k", 200000, "v")
    s = socket.create_connection(("127.0.0.1", server.port))
    try:
        s.sendall(b"CLIENT SETNAME reader\r\n")
        s.recv(100)
        # Never read: the replies pile up in its output buffer.
        for _ in range(200):
            try:
                s.sendall(b"GET k\r\n")
            except OSError:
                break
            if named(r, "reader") is None:
                break
        wait_for(lambda: named(r, "reader") is None, timeout=5)
        assert r.info("stats")["evicted_clients"] >= 1
    finally:
        s.close()


def test_multi_queue_and_watch_are_counted(server):
    r = control(server)
    t = server.client()
    t.client_setname("tx")
    base = int(named(r, "tx")["tot-mem"])
    t.execute_command("MULTI")
    t.execute_command("SET", "k", "x" * 200000)
    c = named(r, "tx")
    assert int(c["multi-mem"]) >= 200000
    assert int(c["tot-mem"]) >= base + 200000
    t.execute_command("DISCARD")
    assert named(r, "tx")["multi-mem"] == "0"
    for i in range(2000):
        t.execute_command("WATCH", "key%d" % i)
    assert int(named(r, "tx")["tot-mem"]) > base + 2000 * 16


def test_evicted_clients_resets_with_resetstat(server):
    r = control(server)
    r.config_set("maxmemory-clients", "1mb")
    s = partial_arg(server.port, "big", 2 * MB)
    try:
        wait_for(lambda: r.info("stats")["evicted_clients"] == 1, timeout=5)
        r.config_resetstat()
        assert r.info("stats")["evicted_clients"] == 0
    finally:
        s.close()


def test_hard_limit_sends_nothing_of_the_reply(server):
    """As Redis: the limit is checked while the reply is built and the
    client is closed before any of it is written."""
    r = control(server)
    r.config_set("client-output-buffer-limit", "normal 100000 0 0")
    r.rpush("l", *(["x" * 1000] * 150))
    s = socket.create_connection(("127.0.0.1", server.port))
    try:
        s.sendall(b"LRANGE l 0 -1\r\n")
        s.settimeout(5)
        got = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            got += chunk
        assert got == b""
        assert r.info("stats")["client_output_buffer_limit_disconnections"] == 1
    finally:
        s.close()


def test_reply_buffer_shrinks_when_idle_and_grows_when_busy(server):
    r = control(server)
    r.execute_command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100")
    t = server.client()
    t.client_setname("rb")
    wait_for(lambda: 1024 <= int(named(r, "rb")["rbs"]) < 2048, timeout=5)
    assert r.info("stats")["reply_buffer_shrinks"] >= 1
    r.set("big", "x" * 32768)
    r.execute_command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "NEVER")

    def grown():
        t.get("big")
        return int(named(r, "rb")["rbs"]) >= 16384

    wait_for(grown, timeout=10)
    assert r.info("stats")["reply_buffer_expands"] >= 1
    # With resizing off, an idle buffer keeps its size.
    r.execute_command("DEBUG", "REPLYBUFFER", "RESIZING", "0")
    r.execute_command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "RESET")
    assert int(named(r, "rb")["rbs"]) >= 16384


def qbuf_total(r, name):
    c = named(r, name)
    return int(c["qbuf"]) + int(c["qbuf-free"])


@pytest.mark.parametrize("uring", ["yes", "no"])
def test_busy_clients_query_buffer_shrinks_but_never_to_nothing(start_server, uring):
    """unit/querybuf "query buffer resized correctly when not idle": after
    a 400 KB request, a client that goes on with small ones gets its buffer
    cut below that, to room for what it sends: CLIENT LIST never shows it 0
    bytes (castor cut it to nothing, seen until the client's next read).
    Each small request is watched through three cron ticks, so the cut is
    seen before the next read could grow the buffer again."""
    s = start_server(directives={"io-uring": uring})
    r = control(s)
    t = s.client()
    t.client_setname("qb")
    t.set("x", "A" * 400000)
    orig = qbuf_total(r, "qb")
    assert orig > 32768
    deadline = time.monotonic() + 10
    seen = [orig]
    while seen[-1] >= orig:
        assert time.monotonic() < deadline, seen[-5:]
        assert t.set("x", "A" * 100)
        watch_end = time.monotonic() + 0.3  # hz 10
        while time.monotonic() < watch_end:
            seen.append(qbuf_total(r, "qb"))
            assert seen[-1] > 0, seen[-5:]
            time.sleep(0.01)


def test_deferred_length_reply_keeps_omem_right(server):
    """A reply whose length is set after its elements (KEYS, CONFIG GET,
    ZRANGEBYSCORE...) used to leave omem wrapped below zero, so the next
    output-buffer check closed the client for nothing."""
    r = control(server)
    r.config_set("client-output-buffer-limit", "normal 100000 0 0")
    r.mset({"k%d" % i: "v" for i in range(10)})
    for _ in range(3):
        assert len(r.keys("*")) == 10
        assert r.config_get("maxmemory*")
    c = named(r, "control")
    assert c["omem"] == "0"
    assert int(c["tot-mem"]) < 1024 * 1024
    # A reply that needs the list now: the client must survive it.
    r.set("big", "x" * 50000)
    assert len(r.get("big")) == 50000
    assert r.info("stats")["client_output_buffer_limit_disconnections"] == 0


def test_random_picks_stop_mid_run_at_the_output_limit(server):
    """As Redis 7.0.15: a huge negative count runs until the output-buffer
    limit closes the client (no up-front refusal)."""
    r = control(server)
    r.hset("h", "a", "b")
    r.sadd("s", "a")
    r.zadd("z", {"a": 1})
    r.config_set("client-output-buffer-limit", "normal 1000000 0 0")
    for cmd in (("HRANDFIELD", "h", "-999999999"), ("SRANDMEMBER", "s", "-999999999"),
                ("ZRANDMEMBER", "z", "-999999999")):
        t = server.client()
        try:
            t.execute_command(*cmd)
            raise AssertionError("%s was answered" % (cmd,))
        except Exception as e:   # redis-py: connection closed by the server
            assert "closed" in str(e).lower() or "reset" in str(e).lower(), e
    assert r.info("stats")["client_output_buffer_limit_disconnections"] == 3
    # WITHVALUES past LONG_MAX/2 is still refused with Redis's error.
    try:
        r.execute_command("HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES")
        raise AssertionError("answered")
    except Exception as e:
        assert "value is out of range" in str(e)


def test_client_evicted_before_its_command_runs(server):
    """Output grown by a pipeline counts before the next command (Redis's
    evictClients() in processCommand): the client goes, its later requests
    do not run."""
    r = control(server)
    r.config_set("maxmemory-clients", "1mb")
    r.set("k", "x" * 100000)
    s = socket.create_connection(("127.0.0.1", server.port))
    try:
        s.sendall(b"GET k\r\n" * 30 + b"SET after 1\r\n")
        wait_for(lambda: r.info("stats")["evicted_clients"] == 1, timeout=5)
        assert r.exists("after") == 0
    finally:
        s.close()


def test_clients_are_evicted_before_keys(server):
    """Output buffers grown by many pipelining readers: with maxmemory-clients
    under maxmemory's headroom, clients go and no key is evicted (Redis
    evicts clients before keys, and an evicted client's memory is back at
    once)."""
    r = control(server)
    r.config_set("maxmemory", "11mb")
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.config_set("maxmemory-clients", "3mb")
    for j in range(50):
        r.setrange(str(j), 100000, "x")
    socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]
    try:
        def evicted():
            for s in list(socks):
                try:
                    s.sendall(b"MGET 1\r\n")
                except OSError:
                    socks.remove(s)
            st = r.info("stats")
            return st["evicted_clients"] > 0 or st["evicted_keys"] > 0

        wait_for(evicted, timeout=20)
        st = r.info("stats")
        assert st["evicted_clients"] > 0 and st["evicted_keys"] == 0, st
        assert r.dbsize() == 50
    finally:
        for s in socks:
            s.close()


def test_master_and_replica_links_are_never_evicted(start_server):
    m = start_server()
    r = start_server()
    mc, rc = m.client(), r.client()
    for c in (mc, rc):
        c.client_no_evict("on")   # the test's own clients
        c.config_set("maxmemory-clients", "1mb")
    assert rt.replicaof(rt.client_of(r), m) == "OK"
    rt.wait_for_sync(mc, rc)
    big = "x" * (3 * MB)
    for i in range(3):
        mc.set("big%d" % i, big)
    # The replica's link to its master receives 3 MB requests, the
    # master's replica client holds 3 MB of stream: neither goes.
    wait_for(lambda: rc.strlen("big2") == 3 * MB, timeout=20)
    for c in (mc, rc):
        assert c.info("stats")["evicted_clients"] == 0
    assert rc.info("replication")["master_link_status"] == "up"
    assert mc.info("replication")["connected_slaves"] == 1
