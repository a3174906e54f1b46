"""Seeded random persistence test: what a server holds after the random
sequences of test_diff_random_repl, it holds again after reading its own AOF
back, before and after a rewrite, with and without the RDB preamble.

For each seed, on one castor server with appendonly yes (and, as the
reference, on one redis-server run the same way):
  1. ReplGen's sequence runs (every type, scripts, MULTI, random commands,
     rewritten effects, short expiries made to pass, blocking pops,
     FLUSHDB / FLUSHALL, evictions, DEBUG RELOAD), then the server is made
     to expire every key whose time has come (test_diff_random_repl._run_on);
  2. DEBUG LOADAOF (the AOF as written command by command) must give back
     the same state: DEBUG DIGEST, every key's PEXPIRETIME, the streams'
     metadata with consumers and entries-read, and the function libraries;
  3. BGREWRITEAOF, then DEBUG LOADAOF again: the rewritten base (an RDB
     preamble on odd seeds, commands on even ones: every type, expiry and
     stream group written as commands) must give back the same state.
The reference run proves the sequence itself round-trips on Redis, so a
castor failure is castor's.

`make test` runs SEEDS; hunting as for the other random tests:
    CASTOR_DIFF_SEEDS=2000 (seeds 1000..2999), =17,42 or =5000-5999, with
    CASTOR_DIFF_LEN=300 (commands per sequence).
"""

import sys

import pytest

from castortest import CASTOR_SERVER, REDIS_SERVER, Server, WaitTimeout, wait_for
from resp import RespConn
from test_diff_random import LENGTH, _env_seeds, _hunt, minimize
from test_diff_random_repl import (DBS, ReplGen, _functions, _key_details, _run_on, _show,
                                   _state, info_field, serve_rig)

SEEDS = list(range(1, 13))


class Rig:
    """One castor and one redis-server, each with appendonly yes."""

    def __init__(self, base):
        aof = {"appendonly": "yes", "appendfsync": "no", "auto-aof-rewrite-percentage": "0"}
        self.servers = [Server(base / name, binary=binary, directives=aof, name=name).start()
                        for name, binary in (("castor", CASTOR_SERVER), ("redis", REDIS_SERVER))]


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    yield from serve_rig(Rig, tmp_path_factory, "aofrand")


def _full_state(s):
    """_state (digest, expire times, stream metadata in full) and the
    function libraries with their code."""
    return _state(s, True), _functions(s)


def _rewrite(s):
    with RespConn(s.port) as c:
        reply = c.call("BGREWRITEAOF")
        assert "rewriting" in str(reply), reply

        def done():
            return (info_field(c, "persistence", "aof_rewrite_in_progress") == "0"
                    and info_field(c, "persistence", "aof_rewrite_scheduled") == "0")
        wait_for(done, 20, interval=0.01, msg="%s's AOF rewrite to finish" % s.name)
        assert info_field(c, "persistence", "aof_last_bgrewrite_status") == "ok"


def _loadaof(s):
    with RespConn(s.port) as c:
        assert c.call("DEBUG", "LOADAOF") == "OK"


_real_loadaof = _loadaof


def round_trip(s, cmds, seed):
    """None, or the first step after which s no longer holds what it held
    when cmds had run (with the keys that differ)."""
    proto = 3 if seed % 3 == 0 else 2
    small = seed % 4 == 2
    with RespConn(s.port) as c:
        assert c.call("CONFIG", "SET", "aof-use-rdb-preamble",
                      "yes" if seed % 2 else "no") == "OK"
    _run_on(s, cmds, proto, small)
    want = _full_state(s)
    before = [_key_details(s, db) for db in DBS]
    for step in ("DEBUG LOADAOF", "BGREWRITEAOF + DEBUG LOADAOF"):
        if step != "DEBUG LOADAOF":
            _rewrite(s)
        _loadaof(s)
        got = _full_state(s)
        if got != want:
            lines = ["%s: after %s, DEBUG DIGEST %s, was %s"
                     % (s.name, step, got[0][0], want[0][0])]
            for db in DBS:
                after = _key_details(s, db)
                for k in sorted(set(before[db]) | set(after)):
                    if before[db].get(k) != after.get(k):
                        lines.append("  db %d key %r (TYPE, DIGEST-VALUE, PEXPIRETIME): %s, was %s"
                                     % (db, k, after.get(k), before[db].get(k)))
                if want[0][2][db] != got[0][2][db]:
                    lines.append("  db %d stream metadata: %r\n    was %r"
                                 % (db, got[0][2][db], want[0][2][db]))
            if want[1] != got[1]:
                lines.append("  functions: %s\n    was %s" % (got[1], want[1]))
            return "\n".join(lines)
    return None


def check_seed(rig, seed, length=LENGTH):
    cmds = ReplGen(seed).sequence(length)
    castor, redis = rig.servers
    try:
        bad = round_trip(castor, cmds, seed)
        if bad is None:
            return None
        if round_trip(redis, cmds, seed) is not None:
            return None     # Redis does not keep this either: not castor's to keep
    except (WaitTimeout, TimeoutError, ConnectionError) as e:
        logs = "\n".join("%s: %s" % (s.name, s.diagnostics(8)) for s in rig.servers)
        return "seed %d: %s\n%s" % (seed, e, logs)

    def fails(seq):
        return round_trip(castor, seq, seed) is not None
    shortest = minimize(cmds, len(cmds), fails, budget=120, seconds=90)
    detail = round_trip(castor, shortest, seed) or bad
    return ("seed %d (RESP%d%s, aof-use-rdb-preamble %s):\n%s\nshortest failing sequence "
            "(%d commands):\n[\n%s\n]"
            % (seed, 3 if seed % 3 == 0 else 2, ", small encoding limits" if seed % 4 == 2 else "",
               "yes" if seed % 2 else "no", detail, len(shortest), _show(shortest)))


@pytest.mark.parametrize("seed", SEEDS)
def test_random_aof_round_trip(rig, seed):
    failure = check_seed(rig, seed)
    assert failure is None, failure


@pytest.mark.skipif(_env_seeds() is None, reason="set CASTOR_DIFF_SEEDS to hunt")
def test_random_aof_hunt(rig):
    _hunt(check_seed, rig)


@pytest.mark.parametrize("change", [["APPEND", "s0", "x"], ["PEXPIREAT", "s1", "99999999999999"]])
def test_a_state_that_differs_is_reported(rig, monkeypatch, change):
    """The check itself: a load that does not give back the value, or only
    the expire time (which DEBUG DIGEST leaves out), fails it, and the
    message names the step and the key."""
    castor = rig.servers[0]
    seq = [(["SET", "s0", "v", "PX", "100000000"], None), (["SET", "s1", "w"], None)]
    assert round_trip(castor, seq, 1) is None

    def lossy(s):
        _real_loadaof(s)
        with RespConn(s.port) as c:
            assert c.call(*change) in (1, 2)
    monkeypatch.setattr(sys.modules[__name__], "_loadaof", lossy)
    msg = round_trip(castor, seq, 1)
    assert msg and "after DEBUG LOADAOF" in msg and "key b'%s'" % change[1] in msg, msg
