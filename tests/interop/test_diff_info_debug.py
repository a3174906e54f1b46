"""Differential tests of INFO, DEBUG and MEMORY: castor beside redis-server 7.0.

INFO must carry every field that tools parse, in Redis's sections and order;
DEBUG DIGEST must print the same 40 hex digits as Redis for the same dataset
(tests and replicas compare datasets with it); DEBUG and MEMORY must answer
with Redis's words."""

import re
import socket
import time

import pytest

from castortest import parse_info, wait_for
from resp import Err, RespConn, to_py


# ---- helpers -------------------------------------------------------------------------------

def info(pair, side, *args):
    return parse_info(pair.conn(side).call("INFO", *args))


def headers(text):
    return [l for l in text.decode().split("\r\n") if l.startswith("# ")]


def run_both(pair, cmds):
    """Send the same commands to both servers (replies must agree)."""
    for cmd in cmds:
        pair.check(*cmd)


# ---- INFO ------------------------------------------------------------------------------------

# What redis-cli, redis-benchmark, Sentinel, redis-py/Jedis/go-redis helpers,
# redis_exporter and the Redis test suite read from each section.
TOOL_FIELDS = {
    "server": ["redis_version", "redis_git_sha1", "redis_git_dirty", "redis_build_id",
               "redis_mode", "os", "arch_bits", "monotonic_clock", "multiplexing_api",
               "atomicvar_api", "gcc_version", "process_id", "process_supervised", "run_id",
               "tcp_port", "server_time_usec", "uptime_in_seconds", "uptime_in_days", "hz",
               "configured_hz", "lru_clock", "executable", "config_file", "io_threads_active"],
    "clients": ["connected_clients", "cluster_connections", "maxclients",
                "client_recent_max_input_buffer", "client_recent_max_output_buffer",
                "blocked_clients", "tracking_clients", "clients_in_timeout_table"],
    "memory": ["used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human",
               "used_memory_peak", "used_memory_peak_human", "used_memory_peak_perc",
               "used_memory_overhead", "used_memory_startup", "used_memory_dataset",
               "used_memory_dataset_perc", "allocator_allocated", "allocator_active",
               "allocator_resident", "total_system_memory", "total_system_memory_human",
               "used_memory_lua", "used_memory_scripts", "maxmemory", "maxmemory_human",
               "maxmemory_policy", "allocator_frag_ratio", "allocator_frag_bytes",
               "allocator_rss_ratio", "allocator_rss_bytes", "rss_overhead_ratio",
               "rss_overhead_bytes", "mem_fragmentation_ratio", "mem_fragmentation_bytes",
               "mem_not_counted_for_evict", "mem_replication_backlog", "mem_clients_slaves",
               "mem_clients_normal", "mem_aof_buffer", "mem_allocator", "active_defrag_running",
               "lazyfree_pending_objects", "lazyfreed_objects"],
    "persistence": ["loading", "async_loading", "current_cow_size", "current_fork_perc",
                    "rdb_changes_since_last_save", "rdb_bgsave_in_progress",
                    "rdb_last_save_time", "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec",
                    "rdb_current_bgsave_time_sec", "rdb_saves", "rdb_last_cow_size",
                    "aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled",
                    "aof_last_rewrite_time_sec", "aof_current_rewrite_time_sec",
                    "aof_last_bgrewrite_status", "aof_rewrites", "aof_last_write_status",
                    "aof_last_cow_size", "module_fork_in_progress"],
    "stats": ["total_connections_received", "total_commands_processed",
              "instantaneous_ops_per_sec", "total_net_input_bytes", "total_net_output_bytes",
              "instantaneous_input_kbps", "instantaneous_output_kbps", "rejected_connections",
              "sync_full", "sync_partial_ok", "sync_partial_err", "expired_keys",
              "expired_stale_perc", "expired_time_cap_reached_count", "evicted_keys",
              "evicted_clients", "keyspace_hits", "keyspace_misses", "pubsub_channels",
              "pubsub_patterns", "latest_fork_usec", "total_forks", "migrate_cached_sockets",
              "slave_expires_tracked_keys", "active_defrag_hits", "active_defrag_misses",
              "active_defrag_key_hits", "active_defrag_key_misses", "tracking_total_keys",
              "unexpected_error_replies", "total_error_replies", "dump_payload_sanitizations",
              "total_reads_processed", "total_writes_processed",
              "io_threaded_reads_processed", "io_threaded_writes_processed"],
    "replication": ["role", "connected_slaves", "master_failover_state", "master_replid",
                    "master_replid2", "master_repl_offset", "second_repl_offset",
                    "repl_backlog_active", "repl_backlog_size",
                    "repl_backlog_first_byte_offset", "repl_backlog_histlen"],
    "cpu": ["used_cpu_sys", "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children",
            "used_cpu_sys_main_thread", "used_cpu_user_main_thread"],
    "cluster": ["cluster_enabled"],
}


@pytest.mark.parametrize("section", sorted(TOOL_FIELDS))
def test_info_section_has_the_fields_tools_read(pair, section):
    a = info(pair, "castor", section)
    b = info(pair, "redis", section)
    assert list(a) == list(b) == [section]
    assert set(TOOL_FIELDS[section]) <= set(b[section]), "the list itself must hold for Redis"
    missing = [f for f in TOOL_FIELDS[section] if f not in a[section]]
    assert not missing, "castor INFO %s lacks %s" % (section, missing)


def test_info_fields_keep_redis_order(pair):
    """Fields both servers print come in the same order (exporters that
    split by position, and humans diffing, rely on it)."""
    a = info(pair, "castor", "everything")
    b = info(pair, "redis", "everything")
    for section in a:
        if section not in b or section in ("commandstats", "latencystats"):  # hash order
            continue
        common_a = [f for f in a[section] if f in b[section]]
        common_b = [f for f in b[section] if f in a[section]]
        assert common_a == common_b, section


def test_info_values_of_an_idle_server(pair):
    a = info(pair, "castor", "everything")
    b = info(pair, "redis", "everything")
    same = {"server": ["redis_version", "redis_git_sha1", "redis_git_dirty", "redis_mode",
                       "arch_bits", "multiplexing_api", "hz", "configured_hz",
                       "process_supervised", "io_threads_active"],
            "clients": ["maxclients", "blocked_clients", "cluster_connections"],
            "memory": ["maxmemory", "maxmemory_human", "maxmemory_policy",
                       "lazyfree_pending_objects"],
            "persistence": ["loading", "async_loading", "rdb_bgsave_in_progress",
                            "rdb_last_bgsave_status", "aof_enabled", "aof_last_write_status"],
            "stats": ["rejected_connections", "sync_full", "pubsub_channels", "total_forks"],
            "replication": ["role", "connected_slaves", "master_failover_state",
                            "master_replid2", "second_repl_offset", "repl_backlog_active",
                            "repl_backlog_size", "repl_backlog_histlen"],
            "cluster": ["cluster_enabled"]}
    for section, fields in same.items():
        for f in fields:
            assert a[section][f] == b[section][f], (section, f, a[section][f], b[section][f])
    s = a["server"]
    assert s["tcp_port"] == str(pair.castor.port)
    assert s["process_id"] == str(pair.castor.pid)
    assert re.fullmatch(r"[0-9a-f]{40}", s["run_id"])
    assert re.fullmatch(r"[0-9a-f]{40}", a["replication"]["master_replid"])
    assert a["replication"]["master_replid"] != s["run_id"]
    assert abs(int(s["server_time_usec"]) / 1e6 - time.time()) < 5
    m = a["memory"]
    assert re.fullmatch(r"\d+(\.\d\d[KMGTP]|B)", m["used_memory_human"])
    assert re.fullmatch(r"\d+\.\d\d%", m["used_memory_peak_perc"])
    assert int(m["used_memory_peak"]) >= int(m["used_memory"]) > 0
    assert int(m["used_memory_rss"]) > 0
    assert re.fullmatch(r"\d+\.\d{6}", a["cpu"]["used_cpu_user"])


def test_info_human_sizes_match_redis_format(pair):
    """maxmemory_human uses Redis's bytesToHuman (two decimals, K/M/G)."""
    try:
        for v in ("1000", "1023", "1024", "1048575", "1073741824", "3221225472"):
            pair.check("CONFIG", "SET", "maxmemory", v)
            a = info(pair, "castor", "memory")["memory"]["maxmemory_human"]
            b = info(pair, "redis", "memory")["memory"]["maxmemory_human"]
            assert a == b, (v, a, b)
    finally:
        pair.check("CONFIG", "SET", "maxmemory", "0")


@pytest.mark.parametrize("args", [(), ("default",), ("all",), ("everything",), ("server",),
                                  ("SERVER",), ("server", "clients"), ("keyspace", "server"),
                                  ("server", "server"), ("default", "commandstats"),
                                  ("modules",), ("module_list",), ("cluster",), ("cpu",),
                                  ("nosuchsection",), ("errorstats",), ("latencystats",)],
                         ids=lambda a: "-".join(a) or "none")
def test_info_section_selection(pair, args):
    a = pair.conn("castor").call("INFO", *args)
    b = pair.conn("redis").call("INFO", *args)
    assert headers(a) == headers(b)
    assert a.endswith(b"\r\n") == b.endswith(b"\r\n")
    assert (a == b"") == (b == b"")
    if a:
        assert b"\r\n\r\n\r\n" not in a and not a.endswith(b"\r\n\r\n")


def test_info_is_verbatim_in_resp3(pair):
    a, b = pair.both("INFO", "server", proto=3)
    assert a[0] == b[0] == "="
    assert a[1].startswith(b"txt:# Server\r\n")
    a, b = pair.both("INFO", "server")
    assert a[0] == b[0] == "$"


def test_info_keyspace_lines(pair):
    run_both(pair, [("MSET", "a", "1", "b", "2"), ("EXPIRE", "a", "1000"), ("SELECT", "3"),
                    ("SET", "x", "1"), ("SELECT", "0")])
    a = info(pair, "castor", "keyspace")["keyspace"]
    b = info(pair, "redis", "keyspace")["keyspace"]
    assert list(a) == list(b) == ["db0", "db3"]
    assert a["db0"].startswith("keys=2,expires=1,avg_ttl=")
    assert a["db3"] == b["db3"] == "keys=1,expires=0,avg_ttl=0"


def test_avg_ttl_drops_to_0_when_no_key_expires(pair):
    """The active expiry cycle keeps a running average of the TTLs it
    samples; once no key of the db has a TTL, Redis's cycle sets it to 0.
    castor kept the last average for ever."""
    run_both(pair, [("SET", "k", "v", "EX", "100000"), ("SET", "j", "v")])

    def avg(side):
        return info(pair, side, "keyspace")["keyspace"]["db0"].split("avg_ttl=")[1]
    wait_for(lambda: avg("castor") != "0" and avg("redis") != "0", 5,
             msg="the expiry cycles to sample the TTL")
    run_both(pair, [("PERSIST", "k")])
    wait_for(lambda: avg("castor") == "0" and avg("redis") == "0", 5,
             msg="avg_ttl to fall to 0 on both")
    a = info(pair, "castor", "keyspace")["keyspace"]["db0"]
    assert a == info(pair, "redis", "keyspace")["keyspace"]["db0"] == "keys=2,expires=0,avg_ttl=0"


def test_commandstats_counts_calls(pair):
    cmds = [("CONFIG", "RESETSTAT"), ("SET", "k", "v"), ("GET", "k"), ("GET", "k"),
            ("GET", "k", "extra"), ("INCR", "k"), ("CONFIG", "GET", "maxmemory"),
            ("OBJECT", "ENCODING", "k"), ("MEMORY", "USAGE", "nokey"), ("DEBUG", "SLEEP", "0")]
    run_both(pair, cmds)

    def stats(side):
        out = {}
        for name, v in info(pair, side, "commandstats")["commandstats"].items():
            d = dict(x.split("=") for x in v.split(","))
            assert list(d) == ["calls", "usec", "usec_per_call", "rejected_calls",
                               "failed_calls"]
            assert re.fullmatch(r"\d+\.\d\d", d["usec_per_call"])
            out[name] = (int(d["calls"]), int(d["rejected_calls"]), int(d["failed_calls"]))
        return out

    sa, sb = stats("castor"), stats("redis")
    expect = {"cmdstat_set": (1, 0, 0), "cmdstat_get": (2, 1, 0), "cmdstat_incr": (1, 0, 1),
              "cmdstat_config|get": (1, 0, 0), "cmdstat_config|resetstat": (1, 0, 0),
              "cmdstat_object|encoding": (1, 0, 0), "cmdstat_memory|usage": (1, 0, 0),
              "cmdstat_debug": (1, 0, 0)}
    for k, v in expect.items():
        assert sa.get(k) == sb.get(k) == v, (k, sa.get(k), sb.get(k))
    assert "cmdstat_config" not in sa   # containers are never called themselves


def test_errorstats_and_resetstat(pair):
    run_both(pair, [("CONFIG", "RESETSTAT"), ("SET", "s", "x"), ("INCR", "s"), ("GET",),
                    ("NOSUCHCMD",), ("SELECT", "99"), ("DEBUG", "ERROR", "MYCODE raw")])
    a = info(pair, "castor", "errorstats")["errorstats"]
    b = info(pair, "redis", "errorstats")["errorstats"]
    assert a == b
    assert list(a) == sorted(a)
    st = info(pair, "castor", "stats")["stats"]
    assert st["total_error_replies"] == info(pair, "redis", "stats")["stats"]["total_error_replies"]
    pair.check("CONFIG", "RESETSTAT")
    a = info(pair, "castor", "errorstats", "commandstats")
    assert a["errorstats"] == {}
    assert list(a["commandstats"]) == ["cmdstat_config|resetstat"]
    assert info(pair, "castor", "stats")["stats"]["total_error_replies"] == "0"


def test_instantaneous_ops_per_sec_follows_load(pair):
    """Sampled every 100 ms into a 16-slot ring, as Redis does: a burst of
    commands shows up within the next samples."""
    c = RespConn(pair.castor.port)
    try:
        def busy():
            c.pipeline([("PING",)] * 2000)
            return int(info(pair, "castor", "stats")["stats"]["instantaneous_ops_per_sec"]) > 0
        wait_for(busy, timeout=5)
        st = info(pair, "castor", "stats")["stats"]
        assert float(st["instantaneous_input_kbps"]) > 0
    finally:
        c.close()


# ---- DEBUG DIGEST ----------------------------------------------------------------------------

def digests_equal(pair):
    a = pair.check("DEBUG", "DIGEST")
    assert re.fullmatch(r"[0-9a-f]{40}", a)
    return a


def test_digest_of_empty_dataset_is_zeros(pair):
    assert digests_equal(pair) == "0" * 40


def test_digest_of_strings_matches_redis(pair):
    run_both(pair, [("SET", "foo", "bar"), ("SET", "n", "12345"), ("SET", "neg", "-7"),
                    ("SET", "big", "x" * 100), ("SET", "empty", ""), ("SET", "f", "3.14"),
                    ("SET", "large", str(2 ** 62)), ("INCRBYFLOAT", "fl", "1.5"),
                    ("SET", b"k\x00bin", b"\xff\x00\r\n"), ("APPEND", "ap", "12"),
                    ("SET", "s10000", "10000"), ("SET", "s0", "0")])
    d1 = digests_equal(pair)
    pair.check("SET", "foo", "baz")
    d2 = digests_equal(pair)
    assert d1 != d2


def test_digest_with_ttls_and_several_dbs(pair):
    run_both(pair, [("SET", "a", "1"), ("SET", "b", "two", "EX", "1000"),
                    ("SET", "c", "three", "PX", "900000"), ("EXPIREAT", "a", "4000000000"),
                    ("SELECT", "1"), ("SET", "a", "1"), ("SET", "z", "zz", "EX", "500"),
                    ("SELECT", "15"), ("MSET", "m1", "v1", "m2", "v2"),
                    ("PEXPIREAT", "m2", "4000000000000"), ("SELECT", "0")])
    with_ttl = digests_equal(pair)
    # The digest counts that a key has a TTL, not its value.
    pair.check("EXPIRE", "b", "2000")
    assert digests_equal(pair) == with_ttl
    pair.check("PERSIST", "b")
    without = digests_equal(pair)
    assert without != with_ttl
    # The same keys in another db give another digest.
    pair.check("SWAPDB", "1", "2")
    assert digests_equal(pair) != without
    pair.check("MOVE", "c", "3")
    digests_equal(pair)


def test_digest_value_matches_redis(pair):
    run_both(pair, [("SET", "s", "hello"), ("SET", "i", "42"), ("SET", "t", "v", "EX", "100"),
                    ("SET", "same", "hello")])
    a = pair.check("DEBUG", "DIGEST-VALUE", "s", "i", "t", "missing", "same")
    assert a[3] == "0" * 40
    assert a[0] == a[4]          # the value's digest does not include the key
    assert pair.check("DEBUG", "DIGEST-VALUE") == []


def test_digest_equal_after_debug_populate(pair):
    run_both(pair, [("DEBUG", "POPULATE", "200"), ("DEBUG", "POPULATE", "50", "p", "64"),
                    ("DEBUG", "POPULATE", "10", "q", "3"), ("DBSIZE",), ("GET", "key:7"),
                    ("GET", "q:9"), ("STRLEN", "p:3")])
    digests_equal(pair)


# ---- other DEBUG subcommands --------------------------------------------------------------------

def test_debug_sleep(pair):
    assert pair.check("DEBUG", "SLEEP", "0") == "OK"
    pair.same([("DEBUG", "SLEEP", "abc"), ("DEBUG", "SLEEP", "-1"), ("DEBUG", "SLEEP"),
               ("DEBUG", "SLEEP", "0", "1")])


def test_debug_sleep_blocks_the_server(pair):
    c1 = RespConn(pair.castor.port)
    c2 = RespConn(pair.castor.port)
    try:
        c1.send("DEBUG", "SLEEP", "0.3")
        time.sleep(0.05)
        t0 = time.monotonic()
        assert c2.call("PING") == "PONG"
        assert time.monotonic() - t0 > 0.15
        assert c1.read() == "OK"
    finally:
        c1.close()
        c2.close()


DEBUG_ERROR_CASES = [("DEBUG",), ("DEBUG", "nosuch"), ("DEBUG", "nosuch", "a", "b"),
                     ("debug", "Digest", "x"), ("DEBUG", "OBJECT"), ("DEBUG", "OBJECT", "a", "b"),
                     ("DEBUG", "OBJECT", "missing"), ("DEBUG", "SET-ACTIVE-EXPIRE"),
                     ("DEBUG", "HELP", "x"), ("DEBUG", "x" * 300), ("DEBUG", "POPULATE"),
                     ("DEBUG", "POPULATE", "-1"), ("DEBUG", "POPULATE", "x"),
                     ("DEBUG", "POPULATE", "1", "p", "-5"), ("DEBUG", "POPULATE", "1", "2", "3", "4"),
                     ("DEBUG", "ERROR", "foo bar"), ("DEBUG", "ERROR", "-WRONGTYPE x"),
                     ("DEBUG", "ERROR", "a\r\nb"), ("DEBUG", "LOG", "hello"),
                     ("DEBUG", "RELOAD-NOT-A-THING")]


@pytest.mark.parametrize("cmd", DEBUG_ERROR_CASES, ids=range(len(DEBUG_ERROR_CASES)))
def test_debug_replies_like_redis(pair, cmd):
    pair.check(*cmd)


def test_debug_object_fields(pair):
    run_both(pair, [("SET", "e", "bar"), ("SET", "i", "123456"), ("SET", "shared", "5"),
                    ("SET", "r", "y" * 50), ("SET", "fl", "3"), ("INCRBYFLOAT", "fl", "0.5")])
    for key in ("e", "i", "shared", "fl"):
        a, b = (pair.conn(s).call("DEBUG", "OBJECT", key) for s in ("castor", "redis"))
        assert a.startswith("Value at:0x")
        fa, fb = (dict(x.split(":", 1) for x in v.split(" ")[1:]) for v in (a, b))
        assert list(fa) == list(fb) == ["at", "refcount", "encoding", "serializedlength",
                                        "lru", "lru_seconds_idle"]
        for f in ("refcount", "encoding", "serializedlength"):
            assert fa[f] == fb[f], (key, f, a, b)
        if key != "shared":      # Redis's shared integers carry their creation time
            assert int(fa["lru_seconds_idle"]) <= 2
    a = pair.conn("castor").call("DEBUG", "OBJECT", "r")
    assert " encoding:raw " in a


def test_debug_set_active_expire(pair):
    try:
        run_both(pair, [("DEBUG", "SET-ACTIVE-EXPIRE", "0"), ("SET", "k", "v", "PX", "1")])
        time.sleep(0.3)
        assert pair.check("DBSIZE") == 1          # not collected in the background
        pair.check("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        wait_for(lambda: pair.conn("castor").call("DBSIZE") == 0, timeout=5)
    finally:
        pair.check("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_debug_help_lines_are_redis_lines(pair):
    a = pair.conn("castor").call("DEBUG", "HELP")
    b = pair.conn("redis").call("DEBUG", "HELP")
    assert a[0] == b[0]
    assert a[-2:] == b[-2:]
    assert set(a) <= set(b)


def test_debug_refused_unless_enabled(make_pair):
    p = make_pair({"enable-debug-command": "no"})
    err = p.check("DEBUG", "DIGEST")
    assert isinstance(err, Err) and "enable-debug-command" in str(err)
    p.check("DEBUG")                     # arity is checked first
    p.check("INFO", "errorstats")
    a, b = (info(p, side, "commandstats")["commandstats"] for side in ("castor", "redis"))
    assert a["cmdstat_debug"] == b["cmdstat_debug"]
    assert "calls=0," in a["cmdstat_debug"] and "rejected_calls=2," in a["cmdstat_debug"]


def test_debug_local_allows_loopback(make_pair):
    p = make_pair({"enable-debug-command": "local"})
    assert p.check("DEBUG", "SLEEP", "0") == "OK"


# ---- MEMORY ---------------------------------------------------------------------------------

MEMORY_CASES = [("MEMORY",), ("MEMORY", "nosuch"), ("MEMORY", "USAGE"), ("MEMORY", "USAGE", "missing"),
                ("MEMORY", "USAGE", "k", "SAMPLES"), ("MEMORY", "USAGE", "k", "SAMPLES", "-1"),
                ("MEMORY", "USAGE", "k", "SAMPLES", "x"), ("MEMORY", "USAGE", "k", "bar", "1"),
                ("MEMORY", "STATS", "x"), ("MEMORY", "PURGE"), ("MEMORY", "PURGE", "x"),
                ("MEMORY", "HELP"), ("MEMORY", "HELP", "x"), ("MEMORY", "DOCTOR"),
                ("MEMORY", "MALLOC-STATS", "x")]


@pytest.mark.parametrize("cmd", MEMORY_CASES, ids=range(len(MEMORY_CASES)))
def test_memory_replies_like_redis(pair, cmd):
    pair.check("SET", "k", "v")
    pair.check(*cmd)


def test_memory_usage_is_an_integer_and_grows(pair):
    run_both(pair, [("SET", "small", "x"), ("SET", "large", "y" * 10000)])
    for proto in (2, 3):
        small = pair.conn("castor", proto).call("MEMORY", "USAGE", "small")
        large = pair.conn("castor", proto).call("MEMORY", "USAGE", "large")
        assert 0 < small < 200 and large > 10000
    pair.check_shape("MEMORY", "USAGE", "small")


def test_memory_stats_fields(pair):
    run_both(pair, [("SET", "a", "1"), ("SELECT", "2"), ("SET", "b", "2"), ("SELECT", "0")])
    for proto in (2, 3):
        a = to_py(pair.conn("castor", proto).call_node("MEMORY", "STATS"))
        b = to_py(pair.conn("redis", proto).call_node("MEMORY", "STATS"))
        if proto == 2:
            a = dict(zip(a[::2], a[1::2]))
            b = dict(zip(b[::2], b[1::2]))
        assert list(a) == list(b)
        assert a[b"keys.count"] == b[b"keys.count"] == 2
        for k in a:
            assert type(a[k]) is type(b[k]), (proto, k, a[k], b[k])


def test_malloc_stats_is_text(pair):
    a = pair.conn("castor").call("MEMORY", "MALLOC-STATS")
    assert isinstance(a, bytes) and len(a) > 0
    a, b = pair.both("MEMORY", "MALLOC-STATS", proto=3)
    assert a[0] in "=$"


def test_info_survives_many_clients(pair):
    socks = []
    try:
        for _ in range(50):
            socks.append(socket.create_connection(("127.0.0.1", pair.castor.port)))
        wait_for(lambda: int(info(pair, "castor", "clients")["clients"]["connected_clients"])
                 >= 51, timeout=5)
    finally:
        for s in socks:
            s.close()
