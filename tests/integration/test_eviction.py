"""maxmemory and its policies (castor only: which keys go is sampled, so it
can't be compared reply by reply with Redis; make bench compares hit rates)."""

import pytest
import redis

from castortest import wait_for

VALUE = b"v" * 1000


def fill(r, n, prefix="k", ttl=None):
    p = r.pipeline(transaction=False)
    for i in range(n):
        if ttl:
            p.set("%s%d" % (prefix, i), VALUE, ex=ttl)
        else:
            p.set("%s%d" % (prefix, i), VALUE)
    p.execute(raise_on_error=False)


def limit_to(r, extra):
    used = r.info("memory")["used_memory"]
    r.config_set("maxmemory", used + extra)
    return used + extra


def test_noeviction_refuses_writes_with_redis_text_but_serves_reads_and_deletes(server):
    r = server.client()
    r.set("keep", "1")
    limit_to(r, 200 * 1024)
    r.config_set("maxmemory-policy", "noeviction")
    fill(r, 2000)
    # A pipeline's query buffer counts while it is read and is freed after,
    # so the dataset may end just under the limit: write until refused
    # (bounded: 300 more values are far past it).
    with pytest.raises(redis.ResponseError) as e:
        for i in range(300):
            r.set("one-more-%d" % i, VALUE)
    assert str(e.value) == "OOM command not allowed when used memory > 'maxmemory'."
    assert r.get("keep") == b"1"
    assert r.delete("keep") == 1                      # DEL is not denyoom
    assert r.info("stats")["evicted_keys"] == 0


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_allkeys_policies_keep_memory_under_the_limit(server, policy):
    r = server.client()
    r.config_set("maxmemory-policy", policy)
    limit = limit_to(r, 500 * 1024)
    fill(r, 3000)
    info = r.info()
    assert info["evicted_keys"] > 0
    assert info["used_memory"] <= limit + 64 * 1024
    assert r.dbsize() < 3000
    assert r.set("after", "x") is True


@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"])
def test_volatile_policies_evict_only_keys_with_ttl(server, policy):
    r = server.client()
    r.config_set("maxmemory-policy", policy)
    fill(r, 200, prefix="persistent")
    limit = limit_to(r, 300 * 1024)
    fill(r, 2000, prefix="volatile", ttl=1000)
    assert r.info("stats")["evicted_keys"] > 0
    assert r.info("memory")["used_memory"] <= limit + 64 * 1024
    assert all(r.exists("persistent%d" % i) for i in range(200))


def test_volatile_ttl_evicts_the_soonest_to_expire_first(server):
    r = server.client()
    r.config_set("maxmemory-policy", "volatile-ttl")
    r.config_set("maxmemory-samples", 10)
    limit_to(r, 400 * 1024)
    fill(r, 100, prefix="long", ttl=100000)
    fill(r, 300, prefix="short", ttl=100)
    fill(r, 400, prefix="mid", ttl=10000)
    assert r.info("stats")["evicted_keys"] > 0
    long_left = sum(r.exists("long%d" % i) for i in range(100))
    short_left = sum(r.exists("short%d" % i) for i in range(300))
    assert long_left == 100, long_left
    assert short_left < 150, short_left


def test_lru_evicts_keys_idle_longest(server):
    """The LRU clock ticks in seconds (as Redis's), so the old keys are made
    at least two ticks older than the recent ones before memory runs out."""
    r = server.client()
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.config_set("maxmemory-samples", 10)
    limit_to(r, 600 * 1024)
    fill(r, 300, prefix="old")
    t0 = r.info("server")["lru_clock"]
    wait_for(lambda: r.info("server")["lru_clock"] >= t0 + 2, timeout=5)
    fill(r, 150, prefix="recent")
    fill(r, 300, prefix="new")
    assert r.info("stats")["evicted_keys"] > 0
    recent_left = sum(r.exists("recent%d" % i) for i in range(150))
    old_left = sum(r.exists("old%d" % i) for i in range(300))
    assert recent_left >= 140 and old_left < 150, (recent_left, old_left)


def test_object_freq_counts_accesses_under_lfu(server):
    r = server.client()
    r.config_set("maxmemory-policy", "allkeys-lfu")
    r.set("f", "1")
    start = r.object("freq", "f")
    for _ in range(200):
        r.get("f")
    assert r.object("freq", "f") > start
    with pytest.raises(redis.ResponseError, match="LFU maxmemory policy is selected"):
        r.object("idletime", "f")


def test_evicted_keys_are_announced(server):
    r = server.client()
    r.config_set("notify-keyspace-events", "Ee")
    p = r.pubsub()
    p.subscribe("__keyevent@0__:evicted")
    wait_for(lambda: p.get_message(timeout=0.1) is not None, timeout=5)
    r.config_set("maxmemory-policy", "allkeys-random")
    limit_to(r, 100 * 1024)
    fill(r, 500)
    msg = None
    for _ in range(50):
        msg = p.get_message(timeout=0.1)
        if msg and msg["type"] == "message":
            break
    assert msg and msg["channel"] == b"__keyevent@0__:evicted"
    p.close()
