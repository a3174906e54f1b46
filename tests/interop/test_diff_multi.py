"""MULTI/EXEC/DISCARD/WATCH/UNWATCH, differential against redis-server."""

import pytest

from resp import RespConn, normalize


def conns(pair, proto=2):
    return (RespConn(pair.castor.port, protocol=proto, password=pair.castor.password),
            RespConn(pair.redis.port, protocol=proto, password=pair.redis.password))


def both(cs, *args):
    a, b = cs[0].call_node(*args), cs[1].call_node(*args)
    assert normalize(a) == normalize(b), "%r\n castor: %r\n  redis: %r" % (args, a, b)
    return a


@pytest.mark.parametrize("proto", [2, 3])
def test_exec_runs_queue_and_reports_errors_per_command(pair, proto):
    pair.check("SET", "s", "text")
    cs = conns(pair, proto)
    try:
        for cmd in [("MULTI",), ("SET", "a", "1"), ("INCR", "a"), ("INCR", "s"), ("GET", "a"),
                    ("MGET", "a", "s"), ("EXEC",), ("GET", "a"), ("EXEC",), ("DISCARD",)]:
            both(cs, *cmd)
    finally:
        for c in cs:
            c.close()


def test_queuing_errors_abort_exec(pair):
    cs = conns(pair)
    try:
        for cmd in [("MULTI",), ("SET", "a", "1"), ("NOSUCHCMD", "x"), ("GET",),
                    ("SET", "b", "2"), ("EXEC",), ("EXISTS", "a", "b")]:
            both(cs, *cmd)
        for cmd in [("MULTI",), ("MULTI",), ("SET", "c", "1"), ("EXEC",), ("GET", "c")]:
            both(cs, *cmd)
        for cmd in [("MULTI",), ("WATCH", "x"), ("SET", "d", "1"), ("EXEC",), ("GET", "d")]:
            both(cs, *cmd)
        for cmd in [("MULTI",), ("SET", "e", "1"), ("DISCARD",), ("GET", "e"), ("DISCARD",)]:
            both(cs, *cmd)
    finally:
        for c in cs:
            c.close()


def test_watch_is_broken_by_other_clients_and_kept_otherwise(pair):
    cs, others = conns(pair), conns(pair)
    try:
        both(cs, "SET", "w", "1")
        both(cs, "WATCH", "w")
        both(others, "SET", "w", "2")
        for cmd in [("MULTI",), ("SET", "w", "3"), ("EXEC",), ("GET", "w")]:
            both(cs, *cmd)
        # Untouched watch succeeds; touching another key doesn't matter.
        both(cs, "WATCH", "w")
        both(others, "SET", "unrelated", "1")
        for cmd in [("MULTI",), ("SET", "w", "4"), ("EXEC",), ("GET", "w")]:
            both(cs, *cmd)
        # UNWATCH forgets.
        both(cs, "WATCH", "w")
        both(cs, "UNWATCH")
        both(others, "SET", "w", "5")
        for cmd in [("MULTI",), ("GET", "w"), ("EXEC",)]:
            both(cs, *cmd)
        # Modified by the watching client itself before MULTI also breaks it.
        both(cs, "WATCH", "w")
        both(cs, "SET", "w", "6")
        for cmd in [("MULTI",), ("GET", "w"), ("EXEC",)]:
            both(cs, *cmd)
    finally:
        for c in cs + others:
            c.close()


@pytest.mark.parametrize("breaker", [("FLUSHDB",), ("FLUSHALL",), ("SWAPDB", "0", "1"),
                                     ("DEL", "w"), ("EXPIRE", "w", "100"), ("RENAME", "w", "z"),
                                     ("APPEND", "w", "x"), ("FLUSHDB",)])
def test_watch_broken_by_keyspace_changes(pair, breaker):
    cs, others = conns(pair), conns(pair)
    try:
        both(cs, "SET", "w", "1")
        both(cs, "WATCH", "w")
        both(others, *breaker)
        for cmd in [("MULTI",), ("PING",), ("EXEC",)]:
            both(cs, *cmd)
    finally:
        for c in cs + others:
            c.close()


def test_flush_of_missing_watched_key_does_not_break(pair):
    cs, others = conns(pair), conns(pair)
    try:
        both(cs, "WATCH", "nokey")
        both(others, "SET", "other", "1")
        both(others, "FLUSHALL")
        both(others, "SWAPDB", "0", "1")
        for cmd in [("MULTI",), ("PING",), ("EXEC",)]:
            both(cs, *cmd)
    finally:
        for c in cs + others:
            c.close()


def test_watched_key_expiring_breaks_exec(pair):
    cs = conns(pair)
    try:
        both(cs, "SET", "w", "1", "PX", "30")
        both(cs, "WATCH", "w")
        for c in cs:   # the key expires between WATCH and EXEC
            c.call("DEBUG", "SLEEP", "0.05")
        for cmd in [("MULTI",), ("PING",), ("EXEC",)]:
            both(cs, *cmd)
    finally:
        for c in cs:
            c.close()


def test_exec_and_discard_without_multi_and_reset(pair):
    pair.check("EXEC")
    pair.check("DISCARD")
    pair.check("UNWATCH")
    pair.check("WATCH")
    cs = conns(pair)
    try:
        for cmd in [("MULTI",), ("SET", "r", "1"), ("RESET",), ("EXEC",), ("GET", "r")]:
            both(cs, *cmd)
    finally:
        for c in cs:
            c.close()
