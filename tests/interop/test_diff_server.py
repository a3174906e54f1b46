"""Differential tests of connection/server commands and error texts: PING,
ECHO, TIME, arity and unknown-command errors, CLIENT, COMMAND, HELLO,
SLOWLOG, INFO."""

import re
import socket
import time

import pytest

from castortest import CASTOR_SERVER, REDIS_SERVER, free_port, parse_info, run_to_exit
from resp import Err, RespConn, fmt, shape, to_py


# ---- PING, ECHO, TIME ------------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
def test_ping_echo(pair, proto):
    pair.same([("PING",), ("PING", "hello"), ("PING", ""), ("PING", "a", "b"),
               ("ECHO", "x"), ("ECHO", b"\x00\r\n"), ("ECHO",), ("ECHO", "a", "b"),
               ("ping",), ("PiNg", "m")], proto=proto)


def test_time_shape_and_value(pair):
    for proto in (2, 3):
        pair.check_shape("TIME", proto=proto)
    secs, usecs = pair.conn("castor").call("TIME")
    assert abs(int(secs) - time.time()) < 5
    assert 0 <= int(usecs) < 1000000
    pair.check("TIME", "extra")


# ---- arity and unknown commands ---------------------------------------------------

ARITY_CASES = [("GET",), ("SET", "k"), ("DEL",), ("EXPIRE", "k"), ("MSET", "a"), ("MGET",),
               ("INCRBY", "k"), ("SELECT",), ("PING", "a", "b"), ("ECHO",), ("DBSIZE", "x"),
               ("CLIENT",), ("CLIENT", "SETNAME"), ("CLIENT", "GETNAME", "x"), ("CLIENT", "ID", "x"),
               ("CONFIG",), ("CONFIG", "GET"), ("CONFIG", "SET", "maxmemory"), ("OBJECT", "ENCODING"),
               ("COMMAND", "GETKEYS"), ("COMMAND", "COUNT", "x"), ("SLOWLOG", "LEN", "x"),
               ("FLUSHDB", "ASYNC", "x"), ("TYPE",), ("TTL", "a", "b"), ("get",), ("GeT",),
               ("SLOWLOG",), ("OBJECT",), ("COMMAND", "INFO", "get"), ("TIME", "x"),
               ("SWAPDB", "0"), ("HELLO", "3", "AUTH", "x")]


@pytest.mark.parametrize("cmd", ARITY_CASES, ids=lambda c: "-".join(c))
def test_wrong_arity_error_text(pair, cmd):
    pair.check(*cmd)


def test_wrong_arity_text_example(pair):
    assert pair.check("GET") == Err("ERR wrong number of arguments for 'get' command")
    assert pair.check("CLIENT", "SETNAME") == Err(
        "ERR wrong number of arguments for 'client|setname' command")


UNKNOWN_CASES = [("FOO",), ("foo", "a", "b"), ("FOO", ""), ("x" * 200,), ("foo", "y" * 200),
                 ("foo", *["arg%d" % i for i in range(50)]), ("foo", "a\r\nb", "c\nd"),
                 ("f\r\noo",), ("foo", b"\x00\xff"), ("foo", "'quoted'"), (b"\xc3\xa9",),
                 ("GET|x",), ("client|list",), ("", "a")]


@pytest.mark.parametrize("cmd", UNKNOWN_CASES, ids=range(len(UNKNOWN_CASES)))
def test_unknown_command_error_text(pair, cmd):
    pair.check(*cmd)


def test_unknown_command_text_example(pair):
    assert pair.check("foo", "a", "b") == Err(
        "ERR unknown command 'foo', with args beginning with: 'a' 'b' ")


LIB = "#!lua name=quoted\nredis.register_function('f', function() return 1 end)"


@pytest.mark.parametrize("n", [300, 3000])
def test_errors_quote_a_long_argument_whole(pair, n):
    """Errors that quote an argument with "%s" quote all of it, as Redis's
    addReplyErrorFormat() has no limit: castor cut these at 128 bytes, and
    every formatted error at 1024."""
    arg = "y" * (n - 1) + "z"
    pair.check("SET", "k", "v")
    for cmd in [("FUNCTION", "LOAD", arg, LIB), ("FUNCTION", "LIST", arg),
                ("HELLO", "3", arg), ("EXPIRE", "k", "10", arg), ("PEXPIREAT", "k", "1", arg),
                ("FUNCTION", "LIST", "WITHCODE", arg)]:
        pair.check(*cmd)


SUBCMD_CASES = [("CLIENT", "FOO"), ("CLIENT", "foo", "bar"), ("CONFIG", "FOO"), ("COMMAND", "FOO"),
                ("OBJECT", "FOO", "k"), ("SLOWLOG", "FOO"), ("CLIENT", "HELP", "x"),
                ("CONFIG", "HELP", "x")]


@pytest.mark.parametrize("cmd", SUBCMD_CASES, ids=lambda c: "-".join(c))
def test_unknown_subcommand_error_text(pair, cmd):
    pair.check(*cmd)


@pytest.mark.parametrize("cmd", ["CLIENT", "CONFIG", "COMMAND", "OBJECT", "SLOWLOG"])
def test_help_subcommands_are_status_arrays(pair, cmd):
    # The help text itself may differ; its wire type (array of simple strings) may not.
    a, b = pair.both(cmd, "HELP")
    assert a[0] == b[0] == "*"
    assert {x[0] for x in a[1]} == {"+"}


# ---- CLIENT ---------------------------------------------------------------------------

def test_client_setname_getname_id(pair):
    pair.same([("CLIENT", "GETNAME"), ("CLIENT", "SETNAME", "worker-1"), ("CLIENT", "GETNAME"),
               ("CLIENT", "SETNAME", "a b"), ("CLIENT", "SETNAME", "a\nb"),
               ("CLIENT", "SETNAME", "caf\xc3\xa9"), ("CLIENT", "SETNAME", "a\x01"),
               ("CLIENT", "GETNAME"), ("CLIENT", "SETNAME", ""), ("CLIENT", "GETNAME"),
               ("CLIENT", "SETNAME", "x", "y")])
    pair.check3("CLIENT", "GETNAME")
    pair.check_shape("CLIENT", "ID")
    c = pair.conn("castor")
    assert c.call("CLIENT", "ID") == c.call("CLIENT", "ID") > 0


def parse_client_line(line):
    fields = []
    for item in line.decode().strip().split(" "):
        k, _, v = item.partition("=")
        fields.append((k, v))
    return fields


# Values that must agree between implementations for the same connection state.
DETERMINISTIC_CLIENT_FIELDS = ("name", "db", "sub", "psub", "ssub", "multi", "flags", "cmd", "user",
                               "redir", "resp", "events", "obl", "oll")


def test_client_info_and_list_field_names(pair):
    """CLIENT LIST/INFO: same field names in the same order (castor should copy
    this line exactly: tools split it on spaces and '='), same values where
    they are deterministic."""
    pair.same([("CLIENT", "SETNAME", "me"), ("SELECT", "3")])
    a = parse_client_line(pair.conn("castor").call("CLIENT", "INFO"))
    b = parse_client_line(pair.conn("redis").call("CLIENT", "INFO"))
    assert [k for k, _ in a] == [k for k, _ in b]
    da, db = dict(a), dict(b)
    for k in DETERMINISTIC_CLIENT_FIELDS:
        assert da[k] == db[k], "CLIENT INFO field %s: castor %r, redis %r" % (k, da[k], db[k])
    assert re.fullmatch(r"127\.0\.0\.1:\d+", da["addr"])
    assert da["laddr"] == "127.0.0.1:%d" % pair.castor.port
    for k in ("id", "fd", "age", "idle", "qbuf", "qbuf-free", "argv-mem", "tot-mem", "omem"):
        assert da[k].isdigit(), (k, da[k])

    lines_a = pair.conn("castor").call("CLIENT", "LIST").decode().strip().split("\n")
    mine = [parse_client_line(l.encode()) for l in lines_a if " name=me " in l]
    assert len(mine) == 1 and [k for k, _ in mine[0]] == [k for k, _ in b]
    pair.check_shape("CLIENT", "LIST")
    pair.check_shape("CLIENT", "LIST", "TYPE", "normal")
    pair.check("CLIENT", "LIST", "TYPE", "bogus")
    pair.check("CLIENT", "LIST", "ID", "abc")
    pair.check("CLIENT", "LIST", "ID", "999999")
    pair.check("CLIENT", "LIST", "FOO")


def test_client_info_in_multi_and_resp3(pair):
    a = to_py(pair.conn("castor", 3).call_node("CLIENT", "INFO"))
    b = to_py(pair.conn("redis", 3).call_node("CLIENT", "INFO"))
    fa, fb = dict(parse_client_line(a)), dict(parse_client_line(b))
    assert fa["resp"] == fb["resp"] == "3"
    pair.check_shape("CLIENT", "INFO", proto=3)


# ---- COMMAND ------------------------------------------------------------------------------

INFO_COMMANDS = ["get", "set", "mset", "mget", "del", "unlink", "exists", "incr", "incrbyfloat",
                 "append", "setrange", "getrange", "lcs", "bitfield", "bitfield_ro", "bitop",
                 "bitcount", "expire", "ttl", "keys", "scan", "select", "ping", "echo", "copy",
                 "rename", "getex", "getdel", "object", "client", "config", "info", "hello",
                 "nosuchcommand"]


def _command_info_core(node):
    """Name, arity, flags (as a set), first/last/step, ACL categories (set)."""
    if node == ("$", None) or node == ("_", None):
        return None
    kind, v = node
    assert kind == "*" and len(v) == 10, fmt(node)
    return (v[0], v[1], sorted(v[2][1]), v[3], v[4], v[5], sorted(v[6][1]))


@pytest.mark.parametrize("name", INFO_COMMANDS)
def test_command_info(pair, name):
    """COMMAND INFO: name, arity, flags, key positions and ACL categories
    equal; tips, key specs and subcommands present with the same shape.
    (redis-py's cluster client and redis-cli read these fields.)"""
    a, b = pair.both("COMMAND", "INFO", name)
    assert a[0] == b[0] == "*" and len(a[1]) == len(b[1]) == 1
    assert _command_info_core(a[1][0]) == _command_info_core(b[1][0])
    if b[1][0][1] is not None:
        assert [x[0] for x in a[1][0][1]] == [x[0] for x in b[1][0][1]]


def test_command_info_several_and_subcommand(pair):
    a, b = pair.both("COMMAND", "INFO", "get", "nosuch", "set")
    assert [_command_info_core(x) for x in a[1]] == [_command_info_core(x) for x in b[1]]
    a, b = pair.both("COMMAND", "INFO", "client|setname", "config|get")
    assert [_command_info_core(x) for x in a[1]] == [_command_info_core(x) for x in b[1]]


def test_command_count_and_list_shape(pair):
    # castor may implement fewer commands than Redis: only the type is compared.
    pair.check_shape("COMMAND", "COUNT")
    assert pair.conn("castor").call("COMMAND", "COUNT") > 50
    names = pair.conn("castor").call("COMMAND", "LIST")
    assert {b"get", b"set", b"ping", b"command"} <= set(names)


GETKEYS_CASES = [("SET", "a", "b"), ("GET", "a"), ("MSET", "a", "1", "b", "2"), ("MGET", "a", "b", "c"),
                 ("DEL", "x", "y"), ("COPY", "s", "d"), ("RENAME", "a", "b"),
                 ("BITOP", "AND", "d", "a", "b"), ("LCS", "a", "b"), ("EXPIRE", "k", "10"),
                 ("PING", "x"), ("GET",), ("SET", "a"), ("NOSUCH", "a"), ("MSET", "a"),
                 ("EVAL", "return 1", "2", "k1", "k2", "a"), ("ZUNIONSTORE", "d", "2", "a", "b"),
                 ("SORT", "k", "STORE", "d"), ("GETEX", "k", "PERSIST"), ("SCAN", "0")]


@pytest.mark.parametrize("args", GETKEYS_CASES, ids=lambda a: "-".join(a)[:30])
def test_command_getkeys(pair, args):
    pair.check("COMMAND", "GETKEYS", *args)


# ---- HELLO ------------------------------------------------------------------------------

HELLO_KEYS = ["id", "mode", "modules", "proto", "role", "server", "version"]


@pytest.mark.parametrize("proto", ["2", "3"])
def test_hello_reply_shape(pair, proto):
    a, b = pair.both("HELLO", proto)
    assert shape(a) == shape(b)
    kind = "%" if proto == "3" else "*"
    assert a[0] == kind
    pa, pb = to_py(a), to_py(b)
    if proto == "2":
        pa, pb = dict(zip(pa[::2], pa[1::2])), dict(zip(pb[::2], pb[1::2]))
    assert sorted(pa) == sorted(pb) == [k.encode() for k in HELLO_KEYS]
    for k in (b"proto", b"mode", b"role", b"modules"):
        assert pa[k] == pb[k], k
    # Clients gate features on the version: castor must claim at least 7.0.
    assert tuple(int(x) for x in pa[b"version"].split(b".")[:2]) >= (7, 0)
    assert pa[b"id"] == pair.conn("castor").call("CLIENT", "ID")


def test_hello_switches_protocol_and_back(pair):
    pair.check_shape("HELLO", "3")
    pair.same([("GET", "missing"), ("CONFIG", "GET", "maxmemory"), ("HSET", "h", "a", "1"),
               ("HGETALL", "h"), ("SADD", "s", "x"), ("SMEMBERS", "s"), ("ZADD", "z", "1.5", "m"),
               ("ZSCORE", "z", "m"), ("ZRANGE", "z", "0", "-1", "WITHSCORES")])
    pair.check_shape("HELLO", "2")
    pair.same([("GET", "missing"), ("HGETALL", "h"), ("ZSCORE", "z", "m")])


HELLO_ERRORS = [("HELLO", "1"), ("HELLO", "4"), ("HELLO", "0"), ("HELLO", "-1"), ("HELLO", "abc"),
                ("HELLO", "3.0"), ("HELLO", "99999999999999999999"), ("HELLO", "3", "FOO"),
                ("HELLO", "3", "SETNAME"), ("HELLO", "3", "AUTH", "default"),
                ("HELLO", "3", "SETNAME", "bad name"), ("HELLO", "2", "AUTH", "nouser", "pw"),
                ("HELLO", "3", "AUTH", "default", "anything")]


@pytest.mark.parametrize("cmd", HELLO_ERRORS, ids=lambda c: "-".join(c))
def test_hello_errors_and_options(pair, cmd):
    a, b = pair.both(*cmd)
    if b[0] == "-":
        assert a == b
    else:
        assert shape(a) == shape(b)
    # A failed HELLO leaves the connection usable in its old protocol.
    pair.check("GET", "missing")


def test_hello_setname(pair):
    pair.check_shape("HELLO", "2", "SETNAME", "conn-a")
    assert pair.check("CLIENT", "GETNAME") == b"conn-a"
    pair.check_shape("HELLO")


# ---- SLOWLOG ---------------------------------------------------------------------------------

def test_slowlog_entries(make_pair):
    p = make_pair({"slowlog-log-slower-than": "0", "slowlog-max-len": "5"})
    p.same([("SLOWLOG", "RESET"), ("SLOWLOG", "LEN")])
    p.same([("SET", "k", "v"), ("GET", "k"), ("CLIENT", "SETNAME", "slowpoke"),
            ("MSET", *["a%d" % i for i in range(40)]), ("SET", "long", "x" * 300)])
    p.check("SLOWLOG", "LEN")
    a, b = p.both("SLOWLOG", "GET")
    assert shape(a) == shape(b)
    # id, timestamp, duration, args, client address, client name
    for entry_a, entry_b in zip(a[1], b[1]):
        ea, eb = entry_a[1], entry_b[1]
        assert len(ea) == 6
        assert ea[3] == eb[3], "args: %s vs %s" % (fmt(ea[3]), fmt(eb[3]))
        assert ea[5] == eb[5]
        assert ea[0][0] == ":" and ea[1][0] == ":" and ea[2][0] == ":"
    for args in (("SLOWLOG", "GET", "2"), ("SLOWLOG", "GET", "0"), ("SLOWLOG", "GET", "-1")):
        a, b = p.both(*args)
        assert len(a[1]) == len(b[1]) and shape(a) == shape(b)
    p.same([("SLOWLOG", "GET", "-2"), ("SLOWLOG", "GET", "x"), ("SLOWLOG", "GET", "1", "2"),
            ("SLOWLOG", "RESET"), ("SLOWLOG", "LEN"), ("SLOWLOG", "RESET", "x")])


def test_slowlog_shape_when_not_logging(pair):
    pair.same([("SLOWLOG", "RESET"), ("SLOWLOG", "LEN"), ("SLOWLOG", "GET")])
    pair.check_shape("SLOWLOG", "GET", proto=3)


# ---- INFO ----------------------------------------------------------------------------------

# Fields that redis-cli, redis-benchmark, Sentinel, client libraries and
# monitoring exporters read. castor must provide every one, with a value of
# the same form as Redis's.
INFO_REQUIRED = {
    "server": ["redis_version", "redis_git_sha1", "redis_git_dirty", "redis_build_id", "redis_mode",
               "os", "arch_bits", "multiplexing_api", "process_id", "run_id", "tcp_port",
               "server_time_usec", "uptime_in_seconds", "uptime_in_days", "hz", "configured_hz",
               "lru_clock", "executable", "config_file"],
    "clients": ["connected_clients", "blocked_clients", "tracking_clients", "maxclients",
                "client_recent_max_input_buffer", "client_recent_max_output_buffer"],
    "memory": ["used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human",
               "used_memory_peak", "used_memory_peak_human", "used_memory_dataset", "maxmemory",
               "maxmemory_human", "maxmemory_policy", "mem_fragmentation_ratio", "mem_allocator",
               "total_system_memory", "lazyfree_pending_objects"],
    "persistence": ["loading", "rdb_changes_since_last_save", "rdb_bgsave_in_progress",
                    "rdb_last_save_time", "rdb_last_bgsave_status", "aof_enabled",
                    "aof_rewrite_in_progress", "aof_last_bgrewrite_status", "aof_last_write_status"],
    "stats": ["total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec",
              "total_net_input_bytes", "total_net_output_bytes", "rejected_connections",
              "sync_full", "sync_partial_ok", "sync_partial_err", "expired_keys", "evicted_keys",
              "keyspace_hits", "keyspace_misses", "pubsub_channels", "pubsub_patterns",
              "latest_fork_usec", "total_error_replies"],
    "replication": ["role", "connected_slaves", "master_failover_state", "master_replid",
                    "master_replid2", "master_repl_offset", "second_repl_offset",
                    "repl_backlog_active", "repl_backlog_size", "repl_backlog_first_byte_offset",
                    "repl_backlog_histlen"],
}

# Values equal on two idle servers with identical settings.
INFO_SAME_VALUE = ["redis_mode", "arch_bits", "hz", "configured_hz", "maxclients", "maxmemory",
                   "maxmemory_human", "maxmemory_policy", "loading", "rdb_bgsave_in_progress",
                   "rdb_last_bgsave_status", "aof_enabled", "aof_rewrite_in_progress",
                   "role", "connected_slaves", "master_failover_state", "master_replid2",
                   "second_repl_offset", "repl_backlog_active", "blocked_clients",
                   "tracking_clients", "pubsub_channels", "pubsub_patterns", "sync_full"]


def value_form(v):
    if re.fullmatch(r"-?\d+", v):
        return "int"
    if re.fullmatch(r"-?\d+\.\d+", v):
        return "float"
    if re.fullmatch(r"\d+(\.\d+)?[BKMGTP]", v):
        return "human"
    return "str"


@pytest.mark.parametrize("section", sorted(INFO_REQUIRED))
def test_info_section_fields(pair, section):
    a = parse_info(pair.conn("castor").call("INFO", section))
    b = parse_info(pair.conn("redis").call("INFO", section))
    assert list(a) == list(b) == [section]
    fa, fb = a[section], b[section]
    missing = [f for f in INFO_REQUIRED[section] if f not in fa]
    assert not missing, "castor INFO %s lacks %s" % (section, missing)
    for f in INFO_REQUIRED[section]:
        assert value_form(fa[f]) == value_form(fb[f]), (f, fa[f], fb[f])
        if f in INFO_SAME_VALUE:
            assert fa[f] == fb[f], (f, fa[f], fb[f])
    if section == "server":
        assert fa["tcp_port"] == str(pair.castor.port)
        assert fa["process_id"] == str(pair.castor.pid)
        assert re.fullmatch(r"[0-9a-f]{40}", fa["run_id"])
    if section == "replication":
        assert re.fullmatch(r"[0-9a-f]{40}", fa["master_replid"])


def test_info_default_and_all_sections(pair):
    a = parse_info(pair.conn("castor").call("INFO"))
    b = parse_info(pair.conn("redis").call("INFO"))
    for s in INFO_REQUIRED:
        assert s in a and s in b
    for arg in ("all", "everything", "default"):
        assert set(INFO_REQUIRED) <= set(parse_info(pair.conn("castor").call("INFO", arg)))
    multi = parse_info(pair.conn("castor").call("INFO", "server", "clients"))
    assert list(multi) == ["server", "clients"]
    pair.check("INFO", "nosuchsection")
    a, b = pair.both("INFO", proto=3)
    assert a[0] == b[0] == "="  # RESP3: a verbatim string


def test_info_keyspace_lines(pair):
    pair.same([("MSET", "a", "1", "b", "2", "c", "3"), ("EXPIRE", "a", "1000"), ("SELECT", "9"),
               ("SET", "x", "1"), ("SELECT", "0")])
    a = parse_info(pair.conn("castor").call("INFO", "keyspace"))["keyspace"]
    b = parse_info(pair.conn("redis").call("INFO", "keyspace"))["keyspace"]
    assert list(a) == list(b) == ["db0", "db9"]
    for db in a:
        ka = dict(x.split("=") for x in a[db].split(","))
        kb = dict(x.split("=") for x in b[db].split(","))
        assert list(ka) == list(kb) == ["keys", "expires", "avg_ttl"]
        assert (ka["keys"], ka["expires"]) == (kb["keys"], kb["expires"])
    pair.check("FLUSHALL")
    pair.check("INFO", "keyspace")


def test_info_commandstats_and_errorstats(pair):
    pair.same([("CONFIG", "RESETSTAT"), ("SET", "k", "v"), ("GET", "k"), ("GET", "k"),
               ("RPUSH", "l", "a"), ("GET", "l"), ("GET",), ("NOSUCH",), ("CLIENT", "GETNAME"),
               ("INCR", "k")])
    def stats(side):
        info = parse_info(pair.conn(side).call("INFO", "commandstats"))["commandstats"]
        out = {}
        for k, v in info.items():
            d = dict(x.split("=") for x in v.split(","))
            assert list(d) == ["calls", "usec", "usec_per_call", "rejected_calls", "failed_calls"]
            out[k] = (d["calls"], d["rejected_calls"], d["failed_calls"])
        return out
    sa, sb = stats("castor"), stats("redis")
    for k in ("cmdstat_set", "cmdstat_get", "cmdstat_rpush", "cmdstat_client|getname", "cmdstat_incr"):
        assert sa[k] == sb[k], (k, sa[k], sb[k])
    ea = parse_info(pair.conn("castor").call("INFO", "errorstats"))["errorstats"]
    eb = parse_info(pair.conn("redis").call("INFO", "errorstats"))["errorstats"]
    assert list(ea.items()) == list(eb.items())


def test_config_resetstat_and_dbsize(pair):
    pair.same([("CONFIG", "RESETSTAT"), ("DBSIZE",), ("SET", "a", "1"), ("DBSIZE",)])


def test_raw_client_against_fresh_connection(pair):
    with RespConn(pair.castor.port) as c:
        assert c.call("PING") == "PONG"


# ---- the same through redis-py and over RESP3 ---------------------------------------------

def test_redis_py_sees_the_same_replies_and_errors(pair):
    """What an application using redis-py observes: reply values, exception
    class and message."""
    for args in (("SET", "k", "1"), ("INCR", "k"), ("GET", "k"), ("GET",), ("NOSUCH", "x"),
                 ("RPUSH", "l", "a"), ("GET", "l"), ("INCRBYFLOAT", "k", "0.5"),
                 ("SET", "k", "v", "EX", "0"), ("MGET", "k", "missing"), ("EXISTS", "k", "l"),
                 ("HELLO", "4"), ("SELECT", "99"), ("OBJECT", "ENCODING", "k")):
        pair.check_py(*args)


RESP3_SWEEP = [
    ("SET", "s", "1"), ("INCRBYFLOAT", "s", "1.5"), ("GET", "missing"), ("MGET", "s", "missing"),
    ("HSET", "h", "a", "1", "b", "2"), ("HGETALL", "h"), ("HGETALL", "missing"),
    ("SADD", "set", "x", "y"), ("SMEMBERS", "set"), ("ZADD", "z", "1.5", "a", "2", "b"),
    ("ZSCORE", "z", "a"), ("ZRANGE", "z", "0", "-1", "WITHSCORES"), ("ZINCRBY", "z", "0.25", "a"),
    ("ZSCORE", "z", "missing"), ("CONFIG", "GET", "hz"), ("CONFIG", "GET", "nosuch"),
    ("LCS", "s", "s", "IDX"), ("SCAN", "0", "MATCH", "h", "COUNT", "100"), ("EXPIRE", "s", "100"),
    ("TTL", "missing"), ("TYPE", "h"), ("OBJECT", "ENCODING", "s"), ("GETEX", "missing"),
    ("SET", "s", "v", "GET"), ("SET", "n", "v", "NX", "GET"), ("BITFIELD", "b", "GET", "u8", "0"),
    ("COMMAND", "GETKEYS", "SET", "a", "b"), ("PING",), ("ECHO", "e"), ("DBSIZE",),
    ("EXISTS", "s"), ("KEYS", "nomatch*"), ("LPOP", "missing"),
    ("GETRANGE", "missing", "0", "1"), ("NOSUCH",), ("GET",),
]


def test_resp3_reply_types(pair):
    """The same commands over RESP3, where doubles, maps, sets and nulls
    have their own wire types."""
    pair.same(RESP3_SWEEP, proto=3)
    # its value is whichever command of the sweep a loaded machine slowed past
    # 10 ms on either server; its type is what the sweep asks about
    pair.check_shape("SLOWLOG", "LEN", proto=3)


def test_first_connection_gets_client_id_3(tmp_path):
    """Redis 7.0 gives ids to two internal clients at start (the Lua
    client of EVAL and the function engine's): the first connection is
    CLIENT ID 3 there. Both servers are started without a readiness PING,
    which would take an id; the log line says when they listen."""
    from castortest import CASTOR_SERVER, REDIS_SERVER, Server, wait_for
    ids = []
    for name, binary in (("castor", CASTOR_SERVER), ("redis", REDIS_SERVER)):
        s = Server(tmp_path / name, binary=binary, name=name)
        s.spawn()
        try:
            wait_for(lambda: "Ready to accept connections" in s.logfile, 20,
                     msg="%s ready" % name)
            c = RespConn(s.port)
            ids.append(c.call("CLIENT", "ID"))
            c.close()
        finally:
            s.stop()
    assert ids == [3, 3], ids


# ---- Start-up on a taken port -----------------------------------------------------

@pytest.mark.parametrize("bus", [False, True])
def test_taken_port_is_reported_in_redis_words(tmp_path, bus):
    """A taken client port, or (cluster-enabled) a taken bus port, ends
    start-up with "Failed listening on port <port> (TCP|cluster), aborting.":
    Redis's test suite reads that line to retry on another port (castor said
    "Could not bind the cluster bus to ...", so the suite gave up)."""
    port = free_port()
    taken = port + 10000 if bus else port
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", taken))
    holder.listen(1)
    try:
        for name, binary in (("castor", CASTOR_SERVER), ("redis", REDIS_SERVER)):
            args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--logfile", "",
                    "--dir", str(tmp_path / name)]
            if bus:
                args += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
            rc, out = run_to_exit(tmp_path / name, binary=binary, args=args)
            assert rc == 1, (name, out)
            want = "Failed listening on port %d (%s), aborting." % (taken,
                                                                    "cluster" if bus else "TCP")
            assert want in out, (name, out)
            assert ("Could not create server TCP listening socket 127.0.0.1:%d" % taken) in out, \
                (name, out)
    finally:
        holder.close()
