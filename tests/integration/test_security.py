"""Attacks and abuse a Redis 7.0.15 server resists (issue 17, "holes in what
exists today" and the hardening items that concern existing code).

Each test starts from what an attacker or a buggy client sends and checks
that castor answers as Redis does (or, where Redis itself misbehaves, with
a bounded, documented answer), keeps serving others and stays within CPU
and memory bounds. The integration layer runs the ASan+UBSan build, so a
signed overflow or a use-after-free on these paths fails the test."""

import os
import socket
import time

import pytest
import redis

from castortest import wait_for
from resp import Err, RespConn, encode_command

LLONG_MIN = -9223372036854775808
LLONG_MAX = 9223372036854775807


def cpu_seconds(pid):
    """utime + stime of a process, in seconds, from /proc/<pid>/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])   # fields 14 and 15 of stat(5)
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_used_over(pid, seconds):
    """CPU seconds the process used during a wall-clock interval."""
    before = cpu_seconds(pid)
    time.sleep(seconds)   # measuring an interval, not waiting for a state
    return cpu_seconds(pid) - before


def client_is_blocked(r, name):
    return any(c.get("name") == name and "b" in c["flags"] for c in r.client_list())


# ---- Blocking timeouts at the top of the range ----

@pytest.mark.parametrize("cmd", [
    ("BLPOP", "k", "9.3e12"),
    ("BLPOP", "k", "9223372036854775"),       # the largest the parser turns into ms
    ("BRPOP", "k", "9223372036854774.807"),
    ("BLMOVE", "k", "d", "LEFT", "RIGHT", "9.3e12"),
    ("BZPOPMIN", "z", "9.3e12"),
    ("BZMPOP", "9.3e12", "1", "z", "MIN"),
    ("WAIT", "1", str(LLONG_MAX)),
])
def test_huge_block_timeout_neither_overflows_nor_spins(server, cmd):
    """A timeout near 9.3e12 s (and the largest Redis accepts) used to
    overflow the timer arithmetic of the event loop, which then burned a
    CPU while the client was blocked. Redis 7.0.15 blocks and idles."""
    r = server.client()
    blocked = server.raw()
    blocked.call("CLIENT", "SETNAME", "sleeper")
    blocked.send(*cmd)
    wait_for(lambda: client_is_blocked(r, "sleeper"), timeout=5)
    used = cpu_used_over(server.pid, 1.5)
    assert used < 0.3, "server used %.2fs of CPU in 1.5s with one blocked client" % used
    assert client_is_blocked(r, "sleeper")
    assert r.ping() is True
    if cmd[0] == "WAIT":
        sleeper = [c["id"] for c in r.client_list() if c.get("name") == "sleeper"][0]
        assert r.client_unblock(sleeper) is True
        blocked.read()
    elif cmd[0].startswith("BZ"):
        r.zadd("z", {"m": 1})
        assert blocked.read() is not None
    else:
        r.rpush("k", "v")
        assert blocked.read() in ([b"k", b"v"], b"v")


@pytest.mark.parametrize("timeout,err", [
    ("-1", "ERR timeout is negative"),
    ("inf", "ERR timeout is negative"),         # Redis 7.0 casts +inf to LLONG_MIN
    ("1e400", "ERR timeout is negative"),
    ("9.3e15", "ERR timeout is negative"),
    ("nan", "ERR timeout is not a float or out of range"),
    ("1x", "ERR timeout is not a float or out of range"),
])
def test_block_timeout_errors(server, timeout, err):
    r = server.raw()
    assert r.call("BLPOP", "k", timeout) == Err(err)
    assert r.call("PING") == "PONG"
