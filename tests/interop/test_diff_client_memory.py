"""Differential tests of client memory management: castor beside
redis-server 7.0 (maxmemory-clients and client eviction, CLIENT NO-EVICT,
DEBUG REPLYBUFFER, CLIENT LIST's memory fields, output-buffer limits that
cut a reply of random picks short)."""

import socket

import pytest

from castortest import parse_info, wait_for

MB = 1024 * 1024


def info_field(pair, side, section, field):
    return int(parse_info(pair.conn(side).call("INFO", section))[section][field])


def client_fields(pair, side):
    line = pair.conn(side).call("CLIENT", "INFO")
    return [kv.split("=", 1)[0] for kv in line.decode().split()]


def test_client_list_fields_are_redis_fields_in_redis_order(pair):
    assert client_fields(pair, "castor") == client_fields(pair, "redis")


@pytest.mark.parametrize("value", ["0", "1mb", "10%", "100%", "3000000", "-1", "101%", "abc",
                                   "1.5%", "5gb"])
def test_config_set_maxmemory_clients(pair, value):
    try:
        pair.check("CONFIG", "SET", "maxmemory-clients", value)
        pair.check("CONFIG", "GET", "maxmemory-clients")
    finally:
        pair.check("CONFIG", "SET", "maxmemory-clients", "0")


@pytest.mark.parametrize("args", [("on",), ("off",), ("maybe",), (), ("on", "extra")])
def test_client_no_evict_replies(pair, args):
    pair.check("CLIENT", "NO-EVICT", *args)
    pair.check("CLIENT", "NO-EVICT", "off")


@pytest.mark.parametrize("args", [
    ("PEAK-RESET-TIME", "100"), ("PEAK-RESET-TIME", "never"), ("PEAK-RESET-TIME", "RESET"),
    ("PEAK-RESET-TIME", "abc"), ("RESIZING", "0"), ("RESIZING", "1"), ("BOGUS", "1"),
    ("RESIZING",), ()])
def test_debug_replybuffer_replies(pair, args):
    try:
        pair.check("DEBUG", "REPLYBUFFER", *args)
    finally:
        pair.check("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "RESET")
        pair.check("DEBUG", "REPLYBUFFER", "RESIZING", "1")


def test_info_has_the_client_memory_fields(pair):
    for side in ("castor", "redis"):
        stats = parse_info(pair.conn(side).call("INFO", "stats"))["stats"]
        mem = parse_info(pair.conn(side).call("INFO", "memory"))["memory"]
        for f in ("evicted_clients", "reply_buffer_shrinks", "reply_buffer_expands"):
            assert f in stats, (side, f)
        for f in ("mem_clients_normal", "mem_clients_slaves"):
            assert f in mem, (side, f)


def partial(port, size):
    s = socket.create_connection(("127.0.0.1", port))
    try:
        s.sendall(b"*2\r\n$%d\r\n" % (size + 10) + b"v" * size)
    except (ConnectionResetError, BrokenPipeError):
        pass  # evicted while the bytes still arrive: what the caller checks for
    return s


def test_both_evict_a_client_over_maxmemory_clients(pair):
    socks = []
    try:
        pair.check("CLIENT", "NO-EVICT", "on")
        pair.check("CONFIG", "RESETSTAT")
        pair.check("CONFIG", "SET", "maxmemory-clients", "1mb")
        socks = [partial(srv.port, 2 * MB) for srv in (pair.castor, pair.redis)]
        for side in ("castor", "redis"):
            wait_for(lambda: info_field(pair, side, "stats", "evicted_clients") == 1, timeout=5)
        pair.check("PING")
    finally:
        for s in socks:
            s.close()
        pair.check("CONFIG", "SET", "maxmemory-clients", "0")
        pair.check("CLIENT", "NO-EVICT", "off")


def test_no_evict_client_survives_on_both(pair):
    socks = []
    try:
        pair.check("CONFIG", "RESETSTAT")
        pair.check("CLIENT", "NO-EVICT", "on")
        pair.check("CONFIG", "SET", "maxmemory-clients", "1mb")
        for srv in (pair.castor, pair.redis):
            s = socket.create_connection(("127.0.0.1", srv.port))
            s.sendall(b"CLIENT NO-EVICT on\r\n")
            assert s.recv(100) == b"+OK\r\n"
            s.sendall(b"*2\r\n$%d\r\n" % (3 * MB) + b"v" * (2 * MB))
            socks.append(s)
        for side in ("castor", "redis"):
            wait_for(lambda: info_field(pair, side, "memory", "mem_clients_normal") > 2 * MB,
                     timeout=5)
        for side in ("castor", "redis"):
            assert info_field(pair, side, "stats", "evicted_clients") == 0
    finally:
        for s in socks:
            s.close()
        pair.check("CONFIG", "SET", "maxmemory-clients", "0")
        pair.check("CLIENT", "NO-EVICT", "off")


@pytest.mark.parametrize("cmd", [("HRANDFIELD", "h", "-999999999"),
                                 ("SRANDMEMBER", "s", "-999999999"),
                                 ("ZRANDMEMBER", "z", "-999999999", "WITHSCORES")])
def test_random_picks_closed_by_the_output_limit_on_both(pair, cmd):
    pair.check("HSET", "h", "a", "b")
    pair.check("SADD", "s", "a")
    pair.check("ZADD", "z", "1", "a")
    try:
        pair.check("CONFIG", "SET", "client-output-buffer-limit", "normal 1000000 0 0")
        closed = []
        for srv in (pair.castor, pair.redis):
            s = socket.create_connection(("127.0.0.1", srv.port))
            s.settimeout(10)
            s.sendall(("*%d\r\n" % len(cmd) + "".join(
                "$%d\r\n%s\r\n" % (len(a), a) for a in cmd)).encode())
            got = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            except ConnectionResetError:
                pass
            s.close()
            closed.append(got)
        assert closed == [b"", b""]
    finally:
        pair.check("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0")
