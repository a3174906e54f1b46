"""Freeing on the lazy free thread (lazyfree.c): UNLINK, DEL under
lazyfree-lazy-user-del, FLUSHDB/FLUSHALL ASYNC or under
lazyfree-lazy-user-flush, and INFO's lazyfree_pending_objects /
lazyfreed_objects, counted as Redis counts them: a value goes to the
thread only when freeing it is real work (more than 64 allocations)."""

from castortest import wait_for


def mem(r):
    return r.info("memory")


def settled(r):
    m = mem(r)
    return m if m["lazyfree_pending_objects"] == 0 else None


def big_set(r, key, n=20000):
    r.sadd(key, *range(n))


def test_unlink_frees_a_big_value_in_the_background(server):
    r = server.client()
    big_set(r, "big")
    r.set("small", "v")
    peak = mem(r)["used_memory"]
    assert r.unlink("small", "big", "missing") == 2
    assert r.exists("big") == 0
    m = wait_for(lambda: settled(r), timeout=10)
    assert m["lazyfreed_objects"] == 1          # "small" was freed at once
    assert wait_for(lambda: mem(r)["used_memory"] < peak - 500000, timeout=10)
    r.config_resetstat()
    assert mem(r)["lazyfreed_objects"] == 0


def test_del_is_lazy_only_under_lazyfree_lazy_user_del(server):
    r = server.client()
    big_set(r, "a")
    assert r.delete("a") == 1
    assert wait_for(lambda: settled(r), timeout=10)["lazyfreed_objects"] == 0
    r.config_set("lazyfree-lazy-user-del", "yes")
    big_set(r, "b")
    assert r.delete("b") == 1
    assert wait_for(lambda: settled(r), timeout=10)["lazyfreed_objects"] == 1


def test_a_stream_is_lazy_by_its_nodes_and_groups(server):
    r = server.client()
    r.config_set("stream-node-max-entries", 5)
    for i in range(1000):
        r.xadd("s", {"f": i})
    r.xgroup_create("s", "g", "0")
    r.xreadgroup("g", "alice", {"s": ">"}, count=2)
    r.xadd("tiny", {"a": "b"})
    r.xgroup_create("tiny", "g2", "$")
    r.xgroup_destroy("tiny", "g2")
    assert r.unlink("s", "tiny") == 2
    assert wait_for(lambda: settled(r), timeout=10)["lazyfreed_objects"] == 1


def test_flushall_async_frees_every_key_in_the_background(server):
    r = server.client()
    r.execute_command("DEBUG", "POPULATE", 5000)
    r.execute_command("SELECT", 3)
    r.execute_command("DEBUG", "POPULATE", 2000)
    assert r.execute_command("FLUSHALL", "ASYNC") is True
    assert r.dbsize() == 0
    r.set("after", "v")                          # the new keyspace works at once
    assert r.get("after") == b"v"
    assert wait_for(lambda: settled(r), timeout=10)["lazyfreed_objects"] == 7000
    r.execute_command("DEBUG", "POPULATE", 100)
    assert r.execute_command("FLUSHDB", "ASYNC") is True
    assert r.dbsize() == 0
    assert wait_for(lambda: settled(r), timeout=10)["lazyfreed_objects"] == 7101


def test_lazyfree_lazy_user_flush_and_the_sync_flag(server):
    r = server.client()
    r.config_set("lazyfree-lazy-user-flush", "yes")
    r.execute_command("DEBUG", "POPULATE", 100)
    assert r.execute_command("FLUSHALL", "SYNC") is True
    assert mem(r)["lazyfreed_objects"] == 0
    r.execute_command("DEBUG", "POPULATE", 100)
    assert r.execute_command("FLUSHDB") is True
    assert wait_for(lambda: settled(r), timeout=10)["lazyfreed_objects"] == 100
