"""Limits that keep one client from hurting the others: announced sizes cost
nothing until the bytes arrive, and big arguments are received in linear time."""

import socket
import time

from castortest import wait_for


def used_memory(r):
    return r.info("memory")["used_memory"]


def test_announced_huge_bulk_costs_only_what_was_sent(server):
    """A client may announce a 500 MB argument and then stall. castor grows
    the buffer with the bytes that really arrive (Redis reserves the whole
    announced size at once), so twenty such clients cost megabytes, not GB."""
    r = server.client()
    before = used_memory(r)
    socks = []
    try:
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", server.port))
            s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$500000000\r\n" + b"x" * 100000)
            socks.append(s)
        wait_for(lambda: r.info("clients")["connected_clients"] >= 21, timeout=5)
        time.sleep(0.2)   # let the server read what was sent; nothing to poll for
        grown = used_memory(r) - before
        assert grown < 100 * 1024 * 1024, grown
        assert r.ping() is True
    finally:
        for s in socks:
            s.close()


def test_big_argument_round_trips(server):
    r = server.client()
    value = b"v" * (64 * 1024 * 1024 + 7)
    assert r.set("big", value) is True
    assert r.strlen("big") == len(value)
    assert r.get("big") == value
