"""The event loop's timed sleep (io-coalesce-us, src/coalesce.h): it is
probed under load, loses no request while sleeping, and stays off for
clients that it would slow down."""

import subprocess
import time

import redis

from castortest import REDIS_BENCHMARK


def bench(server, clients, requests, test="incr"):
    """redis-benchmark without -r: INCR hits the one key counter:__rand_int__."""
    p = subprocess.run([REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(server.port),
                        "-c", str(clients), "-n", str(requests), "-t", test, "-q"],
                       capture_output=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr


def test_directive_and_info_fields(server):
    r = server.client()
    assert r.config_get("io-coalesce-us") == {"io-coalesce-us": "100"}
    stats = server.info("stats")
    for field in ("io_coalesce_active", "io_coalesce_probes", "io_coalesce_engaged",
                  "io_coalesce_sleeps"):
        assert stats[field] == 0, field
    assert stats["io_coalesce_sleep_us"] == 100
    assert r.config_set("io-coalesce-us", 250)
    assert r.config_get("io-coalesce-us") == {"io-coalesce-us": "250"}
    assert server.info("stats")["io_coalesce_sleep_us"] == 250
    for bad in ("-1", "100001", "soon"):
        try:
            r.config_set("io-coalesce-us", bad)
            raise AssertionError("accepted %r" % bad)
        except redis.ResponseError as e:
            assert "CONFIG SET failed" in str(e) and "io-coalesce-us" in str(e)
    assert r.config_get("io-coalesce-us") == {"io-coalesce-us": "250"}


def test_busy_load_is_probed_and_every_request_served(server):
    """50 connections from one redis-benchmark process: the controller
    probes (it sleeps in the probe's "on" windows) and every INCR lands."""
    n = 200000
    bench(server, 50, n)
    r = server.client()
    assert r.get("counter:__rand_int__") == str(n).encode()
    stats = server.info("stats")
    assert stats["io_coalesce_probes"] >= 1, stats
    assert stats["io_coalesce_sleeps"] >= 1, stats
    # A server that sleeps still answers a lone client promptly once idle.
    t0 = time.monotonic()
    for _ in range(200):
        r.ping()
    assert time.monotonic() - t0 < 2.0


def test_sleeping_that_slows_clients_stays_off(server):
    """8 clients that each wait for their reply: a 5 ms sleep would cut
    their rate by ~50x, so every probe loses and the sleep is never kept."""
    r = server.client()
    r.config_set("io-coalesce-us", 5000)
    t0 = time.monotonic()
    bench(server, 8, 150000)
    elapsed = time.monotonic() - t0
    stats = server.info("stats")
    assert stats["io_coalesce_probes"] >= 1, stats
    assert stats["io_coalesce_engaged"] == 0, stats
    assert stats["io_coalesce_active"] == 0, stats
    assert r.get("counter:__rand_int__") == b"150000"
    # Kept on, 150000 requests at 8 per 5 ms would take over 90 s.
    assert elapsed < 60, elapsed


def test_disabled_never_sleeps(server):
    r = server.client()
    r.config_set("io-coalesce-us", 0)
    bench(server, 50, 100000)
    stats = server.info("stats")
    assert stats["io_coalesce_probes"] == 0 and stats["io_coalesce_sleeps"] == 0, stats
