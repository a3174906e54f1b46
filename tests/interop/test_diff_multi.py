"""MULTI/EXEC/DISCARD/WATCH/UNWATCH, differential against redis-server."""

import time

import pytest

from pair import monitor_lines, same_call


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
        # COMMAND alone is a command, COMMAND <no such subcommand> is refused
        # as it is queued (a container's unknown subcommand, like CONFIG's).
        for cmd in [("MULTI",), ("SET", "f", "1"), ("COMMAND", "nosuch"), ("COMMAND", "x", "LIST"),
                    ("CONFIG", "nosuch"), ("EXEC",), ("EXISTS", "f"), ("COMMAND", "nosuch")]:
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


def test_refused_exec_aborts_with_the_reason_in_multi_or_not(pair):
    """An EXEC refused before it runs (arity, ACL, NOAUTH, a RESP2
    subscriber) replies EXECABORT with the reason, in MULTI or not, and
    forgets the transaction and the WATCHed keys (Redis's rejectCommand).
    ioredis's MULTI under an ACL user without @transaction saw a bare
    NOPERM from castor."""
    pair.check("CONFIG", "RESETSTAT")
    cs, others = pair.conns(), pair.conns()
    try:
        for cmd in [("EXEC", "x"), ("MULTI",), ("SET", "a", "1"), ("EXEC", "x"), ("EXEC",),
                    ("GET", "a")]:
            same_call(cs, *cmd)
        # the rejected EXEC unwatched: the other client's write breaks nothing
        same_call(cs, "WATCH", "w")
        same_call(cs, "EXEC", "x")
        same_call(others, "SET", "w", "2")
        for cmd in [("MULTI",), ("SET", "w", "3"), ("EXEC",), ("GET", "w")]:
            same_call(cs, *cmd)
        # a RESP2 subscriber
        same_call(cs, "SUBSCRIBE", "ch")
        same_call(cs, "EXEC")
        same_call(cs, "UNSUBSCRIBE", "ch")
        # ACL: a user without @transaction
        same_call(cs, "ACL", "SETUSER", "ro", "on", "nopass", "~*", "+@read", "+auth")
        same_call(cs, "AUTH", "ro", "x")
        for cmd in [("MULTI",), ("GET", "a"), ("SET", "x", "1"), ("EXEC",), ("EXEC",)]:
            same_call(cs, *cmd)
        same_call(others, "ACL", "DELUSER", "ro")
    finally:
        for c in cs + others:
            c.close()
    # NOAUTH
    pair.check("CONFIG", "SET", "requirepass", "pw")
    cs = pair.conns()
    try:
        for cmd in [("EXEC",), ("MULTI",), ("EXEC", "a"), ("AUTH", "pw"),
                    ("CONFIG", "SET", "requirepass", "")]:
            same_call(cs, *cmd)
    finally:
        for c in cs:
            c.close()
    counts = [srv.info("errorstats")["errorstat_EXECABORT"] for srv in (pair.castor, pair.redis)]
    assert counts[0] == counts[1], counts


# ---- Logically expired watched keys (Redis 7.0) ----------------------------------------------

def _stale(cs, key, db=None):
    """key set to expire at once, with active expiry off, on both servers."""
    for c in cs:
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        if db is not None:
            c.call("SELECT", db)
        c.call("SET", key, "v", "PX", "1")
    time.sleep(0.01)


@pytest.mark.parametrize("deleter", [("EXISTS", "x"), ("DEL", "x"), ("FLUSHDB",), ("FLUSHALL",),
                                     ("GET", "x")])
def test_deleting_a_key_already_expired_at_watch_does_not_fail_exec(pair, deleter):
    """"WATCH ... a key that was already logically expired when watched and
    is then deleted has not changed: EXEC runs."""
    cs = pair.conns()
    try:
        _stale(cs, "x")
        same_call(cs, "WATCH", "x")
        same_call(cs, *deleter)
        for cmd in [("MULTI",), ("PING",), ("EXEC",)]:
            same_call(cs, *cmd)
        same_call(cs, "SET", "x", "v", "PX", "1")
        time.sleep(0.01)
        same_call(cs, "WATCH", "x")
        same_call(cs, "DEL", "x")
        same_call(cs, "SET", "x", "new")          # a real change after the deletion
        for cmd in [("MULTI",), ("PING",), ("EXEC",)]:
            same_call(cs, *cmd)
    finally:
        for c in cs:
            c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")
            c.close()


@pytest.mark.parametrize("case", ["stale_replaced_by_nothing", "nothing_replaced_by_stale",
                                  "stale_replaced_by_stale", "live_replaced_by_nothing"])
def test_swapdb_and_watched_stale_keys(pair, case):
    cs = pair.conns()
    try:
        if case == "stale_replaced_by_nothing":
            _stale(cs, "x", db="1")
        elif case == "nothing_replaced_by_stale":
            _stale(cs, "x", db="0")
            same_call(cs, "SELECT", "1")
        elif case == "stale_replaced_by_stale":
            _stale(cs, "x", db="0")
            _stale(cs, "x", db="1")
        else:
            same_call(cs, "SELECT", "1")
            same_call(cs, "SET", "x", "live")
        same_call(cs, "WATCH", "x")
        same_call(cs, "SWAPDB", "0", "1")
        for cmd in [("MULTI",), ("PING",), ("EXEC",)]:
            same_call(cs, *cmd)
    finally:
        for c in cs:
            c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")
            c.close()


# ---- EXEC refused by the server's state -------------------------------------------------------

def test_exec_during_a_busy_script_aborts_the_transaction(pair):
    """EXEC refused with -BUSY discards the transaction (EXECABORT), so the
    connection is out of MULTI after the script is killed."""
    cs, runners, admins = pair.conns(), pair.conns(), pair.conns()
    try:
        same_call(admins, "CONFIG", "SET", "busy-reply-threshold", "10")
        same_call(cs, "SET", "xx", "1")
        same_call(cs, "MULTI")
        same_call(cs, "INCR", "xx")
        for r in runners:
            r.send("EVAL", "while true do end", "0")
        for a in admins:
            deadline = time.monotonic() + 5
            while not str(a.call("PING")).startswith("BUSY"):
                assert time.monotonic() < deadline
                time.sleep(0.01)
        same_call(cs, "EXEC")
        for a in admins:
            a.call("SCRIPT", "KILL")
        for r in runners:
            r.read()
        same_call(cs, "GET", "xx")
        same_call(cs, "PING", "out of multi")
    finally:
        for a in admins:
            a.call("CONFIG", "SET", "busy-reply-threshold", "5000")
        for c in cs + runners + admins:
            c.close()


def test_exec_of_reads_on_a_stale_replica_is_refused(pair):
    """A queued command without the stale flag makes EXEC fail with
    MASTERDOWN once the replica lost its master (replica-serve-stale-data
    no); a PING-only one too, as in Redis."""
    cs, admins = pair.conns(), pair.conns()
    try:
        same_call(admins, "CONFIG", "SET", "replica-serve-stale-data", "no")
        same_call(cs, "SET", "xx", "1")
        for queued in [("GET", "xx"), ("PING",)]:
            same_call(cs, "MULTI")
            same_call(cs, *queued)
            same_call(admins, "REPLICAOF", "127.0.0.1", "1")
            same_call(cs, "EXEC")
            same_call(admins, "REPLICAOF", "NO", "ONE")
    finally:
        for a in admins:
            a.call("REPLICAOF", "NO", "ONE")
            a.call("CONFIG", "SET", "replica-serve-stale-data", "yes")
        for c in cs + admins:
            c.close()


def exec_under_oom(cs, admins):
    """EXEC on cs while admins make every allocation over maxmemory."""
    same_call(admins, "CONFIG", "SET", "maxmemory", "1")
    try:
        same_call(cs, "EXEC")
    finally:
        same_call(admins, "CONFIG", "SET", "maxmemory", "0")


def test_exec_under_oom_runs_reads_and_refuses_writes(pair):
    cs, admins = pair.conns(), pair.conns()
    try:
        same_call(cs, "SET", "x", "value")
        same_call(cs, "MULTI")
        same_call(cs, "GET", "x")
        same_call(cs, "PING")
        exec_under_oom(cs, admins)
        same_call(cs, "MULTI")
        same_call(cs, "SET", "x", "1")
        same_call(cs, "GET", "x")
        exec_under_oom(cs, admins)
    finally:
        for c in cs + admins:
            c.close()


def test_total_forks_counts_background_saves(pair):
    for c in pair.conns():
        before = int(c.call("INFO", "stats").split(b"total_forks:")[1].split(b"\r\n")[0])
        assert c.call("BGSAVE") in ("Background saving started",)
        deadline = time.monotonic() + 10
        while b"rdb_bgsave_in_progress:0" not in c.call("INFO", "persistence"):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        after = int(c.call("INFO", "stats").split(b"total_forks:")[1].split(b"\r\n")[0])
        assert after == before + 1, (c.port, before, after)
        c.close()


def test_doomed_transaction_keeps_nothing_more(pair):
    """Once a request was refused or a watched key changed, Redis answers
    QUEUED but keeps no more: CLIENT LIST's multi= stops counting and the
    dropped write lends EXEC no denyoom flag, so EXEC under OOM still fails
    for the earlier error, not for OOM."""
    cs, others = pair.conns(), pair.conns()
    try:
        ids = [c.call("CLIENT", "ID") for c in cs]

        def multi_count():
            seen = [int(o.call("CLIENT", "LIST", "ID", str(i)).decode().split(" multi=")[1].split()[0])
                    for o, i in zip(others, ids)]
            assert seen[0] == seen[1], "multi= castor %d, redis %d" % tuple(seen)
            return seen[0]

        same_call(cs, "MULTI")
        same_call(cs, "GET", "a")
        same_call(cs, "GET")                 # refused: the transaction is doomed
        same_call(cs, "SET", "a", "1")
        same_call(cs, "INCR", "a")
        assert multi_count() == 1
        exec_under_oom(cs, others)           # EXECABORT for the arity error
        same_call(cs, "WATCH", "w")
        same_call(others, "SET", "w", "1")
        same_call(cs, "MULTI")
        same_call(cs, "SET", "a", "2")
        assert multi_count() == 0
        exec_under_oom(cs, others)           # nil: the watch broke
        same_call(cs, "GET", "a")
    finally:
        for c in cs + others:
            c.close()


def test_client_list_shows_a_broken_watch_and_the_last_command(pair):
    """flags=d from the change of a watched key until EXEC/DISCARD/UNWATCH;
    cmd=NULL after an unknown command or subcommand (Redis forgets the
    previous one); a monitor's O comes first, as Redis's replica letter."""
    cs, others = pair.conns(), pair.conns()
    try:
        ids = [c.call("CLIENT", "ID") for c in cs]

        def fields():
            seen = []
            for o, i in zip(others, ids):
                line = o.call("CLIENT", "LIST", "ID", str(i)).decode()
                seen.append({k: v for k, v in (kv.split("=", 1) for kv in line.split())
                             if k in ("flags", "cmd", "multi")})
            assert seen[0] == seen[1], "castor %r, redis %r" % tuple(seen)
            return seen[0]

        same_call(cs, "WATCH", "w")
        assert fields()["flags"] == "N"
        same_call(others, "SET", "w", "1")
        assert fields()["flags"] == "d"
        same_call(cs, "CLIENT", "NO-EVICT", "on")
        assert fields()["flags"] == "de"
        same_call(cs, "UNWATCH")
        assert fields()["flags"] == "e"
        same_call(cs, "NOSUCHCOMMAND")
        assert fields()["cmd"] == "NULL"
        same_call(cs, "GET", "w")
        same_call(cs, "CONFIG", "NOSUCH")
        assert fields()["cmd"] == "NULL"
        same_call(cs, "CONFIG")
        assert fields()["cmd"] == "config"
        for c in cs:
            c.send_raw(b"MONITOR\r\n")
            assert c.read_node() == ("+", b"OK")
        seen = [[kv for kv in o.call("CLIENT", "LIST", "ID", str(i)).decode().split()
                 if kv.startswith("flags=")] for o, i in zip(others, ids)]
        assert seen[0] == seen[1] == ["flags=Oe"], seen
    finally:
        for c in cs + others:
            c.close()


def test_monitors_see_an_exec_that_was_refused(pair):
    """Redis's execCommandAbort feeds monitors the refused EXEC (wrong
    arity, OOM...), though no refused command shows otherwise."""
    mons, cs, admins = pair.conns(), pair.conns(), pair.conns()
    try:
        for m in mons:
            assert m.call("MONITOR") == "OK"
        same_call(cs, "MULTI")
        same_call(cs, "SET", "a", "1")
        same_call(cs, "EXEC", "extra")
        same_call(cs, "GET")
        same_call(cs, "MULTI")
        same_call(cs, "SET", "a", "1")
        exec_under_oom(cs, admins)
        same_call(cs, "PING")
        lines = monitor_lines(mons)
        assert lines[0] == lines[1], lines
        assert [ln for ln in lines[0] if ln.startswith(b'"EXEC"')] == [b'"EXEC" "extra"', b'"EXEC"']
    finally:
        for c in mons + cs + admins:
            c.close()
