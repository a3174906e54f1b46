"""MULTI/EXEC/DISCARD/WATCH/UNWATCH, differential against redis-server."""

import pytest

from pair import same_call


@pytest.mark.parametrize("proto", [2, 3])
def test_exec_runs_queue_and_reports_errors_per_command(pair, proto):
    pair.check("SET", "s", "text")
    cs = pair.conns(proto)
    try:
        for cmd in [("MULTI",), ("SET", "a", "1"), ("INCR", "a"), ("INCR", "s"), ("GET", "a"),
                    ("MGET", "a", "s"), ("EXEC",), ("GET", "a"), ("EXEC",), ("DISCARD",)]:
            same_call(cs, *cmd)
    finally:
        for c in cs:
            c.close()


def test_queuing_errors_abort_exec(pair):
    cs = pair.conns()
    try:
        for cmd in [("MULTI",), ("SET", "a", "1"), ("NOSUCHCMD", "x"), ("GET",),
                    ("SET", "b", "2"), ("EXEC",), ("EXISTS", "a", "b")]:
            same_call(cs, *cmd)
        for cmd in [("MULTI",), ("MULTI",), ("SET", "c", "1"), ("EXEC",), ("GET", "c")]:
            same_call(cs, *cmd)
        for cmd in [("MULTI",), ("WATCH", "x"), ("SET", "d", "1"), ("EXEC",), ("GET", "d")]:
            same_call(cs, *cmd)
        for cmd in [("MULTI",), ("SET", "e", "1"), ("DISCARD",), ("GET", "e"), ("DISCARD",)]:
            same_call(cs, *cmd)
    finally:
        for c in cs:
            c.close()


def test_watch_is_broken_by_other_clients_and_kept_otherwise(pair):
    cs, others = pair.conns(), pair.conns()
    try:
        same_call(cs, "SET", "w", "1")
        same_call(cs, "WATCH", "w")
        same_call(others, "SET", "w", "2")
        for cmd in [("MULTI",), ("SET", "w", "3"), ("EXEC",), ("GET", "w")]:
            same_call(cs, *cmd)
        # Untouched watch succeeds; touching another key doesn't matter.
        same_call(cs, "WATCH", "w")
        same_call(others, "SET", "unrelated", "1")
        for cmd in [("MULTI",), ("SET", "w", "4"), ("EXEC",), ("GET", "w")]:
            same_call(cs, *cmd)
        # UNWATCH forgets.
        same_call(cs, "WATCH", "w")
        same_call(cs, "UNWATCH")
        same_call(others, "SET", "w", "5")
        for cmd in [("MULTI",), ("GET", "w"), ("EXEC",)]:
            same_call(cs, *cmd)
        # Modified by the watching client itself before MULTI also breaks it.
        same_call(cs, "WATCH", "w")
        same_call(cs, "SET", "w", "6")
        for cmd in [("MULTI",), ("GET", "w"), ("EXEC",)]:
            same_call(cs, *cmd)
    finally:
        for c in cs + others:
            c.close()


@pytest.mark.parametrize("breaker", [("FLUSHDB",), ("FLUSHALL",), ("SWAPDB", "0", "1"),
                                     ("DEL", "w"), ("EXPIRE", "w", "100"), ("RENAME", "w", "z"),
                                     ("APPEND", "w", "x"), ("FLUSHDB",)])
def test_watch_broken_by_keyspace_changes(pair, breaker):
    cs, others = pair.conns(), pair.conns()
    try:
        same_call(cs, "SET", "w", "1")
        same_call(cs, "WATCH", "w")
        same_call(others, *breaker)
        for cmd in [("MULTI",), ("PING",), ("EXEC",)]:
            same_call(cs, *cmd)
    finally:
        for c in cs + others:
            c.close()


def test_flush_of_missing_watched_key_does_not_break(pair):
    cs, others = pair.conns(), pair.conns()
    try:
        same_call(cs, "WATCH", "nokey")
        same_call(others, "SET", "other", "1")
        same_call(others, "FLUSHALL")
        same_call(others, "SWAPDB", "0", "1")
        for cmd in [("MULTI",), ("PING",), ("EXEC",)]:
            same_call(cs, *cmd)
    finally:
        for c in cs + others:
            c.close()


def test_watched_key_expiring_breaks_exec(pair):
    cs = pair.conns()
    try:
        same_call(cs, "SET", "w", "1", "PX", "30")
        same_call(cs, "WATCH", "w")
        for c in cs:   # the key expires between WATCH and EXEC
            c.call("DEBUG", "SLEEP", "0.05")
        for cmd in [("MULTI",), ("PING",), ("EXEC",)]:
            same_call(cs, *cmd)
    finally:
        for c in cs:
            c.close()


def test_exec_and_discard_without_multi_and_reset(pair):
    pair.check("EXEC")
    pair.check("DISCARD")
    pair.check("UNWATCH")
    pair.check("WATCH")
    cs = pair.conns()
    try:
        for cmd in [("MULTI",), ("SET", "r", "1"), ("RESET",), ("EXEC",), ("GET", "r")]:
            same_call(cs, *cmd)
    finally:
        for c in cs:
            c.close()
