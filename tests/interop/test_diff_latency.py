"""Differential tests of the latency tools and the call statistics Redis
keeps per command: LATENCY HISTOGRAM, INFO latencystats, LATENCY GRAPH and
DOCTOR, commandstats of blocking commands (counted when they end, failed
when they end in an error) and errorstats. Timings differ between two
servers, so the replies are compared by their shape and by every field
that does not depend on the clock."""

import re

from castortest import wait_for
from resp import Err


def hist(conn, *names):
    """LATENCY HISTOGRAM as {command: (calls, [(usec, cumulative)...])}."""
    reply = conn.call("LATENCY", "HISTOGRAM", *names)
    out = {}
    for name, body in zip(reply[::2], reply[1::2]):
        d = dict(zip(body[::2], body[1::2]))
        steps = list(zip(d[b"histogram_usec"][::2], d[b"histogram_usec"][1::2]))
        out[name.decode()] = (d[b"calls"], steps)
    return out


def _steps():
    """hdr_histogram's log steps as Redis shows them: from 1024 ns doubling,
    each the highest value of its slot (2 significant digits), in us."""
    out = set()
    level = 1024
    while level <= 2 * 10**9:
        b = max(level.bit_length() - 1 - 7, 0)
        sub = level >> b
        out.add(((sub << b) + (1 << b) - 1) // 1000)
        level *= 2
    return out


ALLOWED_STEPS = _steps()


def check_steps(steps, calls):
    """Steps grow, are Redis's (see _steps), and end at the number of calls."""
    allowed = ALLOWED_STEPS
    assert steps and steps[-1][1] == calls, steps
    assert all(u in allowed for u, _ in steps), steps
    assert all(a[0] < b[0] and a[1] < b[1] for a, b in zip(steps, steps[1:])), steps


def test_latency_histogram_names_and_counts(pair):
    got = []
    for side in ("castor", "redis"):
        c = pair.conn(side)
        c.call("CONFIG", "RESETSTAT")
        c.call("SET", "a", "b")
        c.call("SET", "c", "d")
        c.call("GET", "a")
        c.call("CLIENT", "ID")
        c.call("CLIENT", "GETNAME")
        h = {
            "all": hist(c),
            "subset": hist(c, "set", "hset", "get", "nosuch"),
            "container": hist(c, "client"),
            "one_sub": hist(c, "client|id"),
            "unknown": hist(c, "blabla", "blabla2"),
        }
        for view in h.values():
            for calls, steps in view.values():
                check_steps(steps, calls)
        got.append({k: {n: v[0] for n, v in view.items()} for k, view in h.items()})
    assert got[0] == got[1]
    assert got[0]["subset"] == {"set": 2, "get": 1}
    assert got[0]["container"] == {"client|id": 1, "client|getname": 1}


def latencystats(conn):
    text = conn.call("INFO", "latencystats").decode()
    lines = [ln for ln in text.split("\r\n") if ln and not ln.startswith("#")]
    out = {}
    for ln in lines:
        name, vals = ln.split(":", 1)
        out[name] = [kv.split("=")[0] for kv in vals.split(",")]
        for kv in vals.split(","):
            assert re.fullmatch(r"p[0-9.]+=\d+\.\d{3}", kv), ln
    return text.split("\r\n")[0], out


def test_info_latencystats_follow_the_config(pair):
    got = []
    for side in ("castor", "redis"):
        c = pair.conn(side)
        views = []
        c.call("CONFIG", "SET", "latency-tracking", "no")
        c.call("CONFIG", "RESETSTAT")
        c.call("SET", "a", "b")
        views.append(latencystats(c))
        c.call("CONFIG", "SET", "latency-tracking", "yes")
        c.call("SET", "a", "b")
        c.call("CLIENT", "ID")
        views.append(latencystats(c))
        c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "0 50.0 99.99 100")
        views.append(latencystats(c))
        assert c.call("INFO", "everything").decode().count("# Latencystats") == 1
        assert b"# Latencystats" not in c.call("INFO")
        c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9")
        got.append(views)
    assert got[0] == got[1]
    assert got[0][0][1] == {}
    assert got[0][1][1]["latency_percentiles_usec_set"] == ["p50", "p99", "p99.9"]
    assert got[0][2][1]["latency_percentiles_usec_client|id"] == ["p0", "p50", "p99.99", "p100"]


def test_latency_graph_and_doctor(pair):
    pair.check("CONFIG", "SET", "latency-monitor-threshold", "0")
    pair.check("LATENCY", "RESET")
    pair.check("LATENCY", "GRAPH", "command")  # "No samples available ..."
    for side in ("castor", "redis"):
        doc = pair.conn(side).call("LATENCY", "DOCTOR")
        assert doc.startswith(b"I'm sorry, Dave, I can't do that. Latency monitoring is disabled")
    pair.check("CONFIG", "SET", "latency-monitor-threshold", "5")
    for side in ("castor", "redis"):
        assert pair.conn(side).call("LATENCY", "DOCTOR").startswith(
            b"Dave, no latency spike was observed")
    pair.check("DEBUG", "SLEEP", "0.02")
    shapes = []
    for side in ("castor", "redis"):
        c = pair.conn(side)
        g = c.call("LATENCY", "GRAPH", "command").decode().split("\n")
        assert re.fullmatch(r"command - high (\d+) ms, low \1 ms \(all time high \1 ms\)", g[0])
        assert g[1] == "-" * 80
        doc = c.call("LATENCY", "DOCTOR").decode()
        m = re.search(r"1\. command: 1 latency spikes \(average (\d+)ms, mean deviation 0ms, "
                      r"period 1\.00 sec\)\. Worst all time event \1ms\.", doc)
        assert m, doc
        assert doc.startswith("Dave, I have observed latency spikes")
        assert "I have a few advices for you:" in doc
        # One sample: a full column of fill characters, then the label.
        shapes.append([re.sub(r"\d", "9", line) for line in g[2:]])
    assert shapes[0] == shapes[1]
    pair.check("LATENCY", "RESET")
    pair.check("CONFIG", "SET", "latency-monitor-threshold", "0")


def cmdstat(conn, name):
    text = conn.call("INFO", "commandstats").decode()
    m = re.search(r"cmdstat_%s:calls=(\d+),usec=\d+,usec_per_call=[\d.]+,rejected_calls=(\d+),"
                  r"failed_calls=(\d+)" % re.escape(name), text)
    return tuple(int(x) for x in m.groups()) if m else None


def errorstats(conn):
    text = conn.call("INFO", "errorstats").decode()
    return sorted(ln for ln in text.split("\r\n") if ln.startswith("errorstat_"))


def blocked(srv):
    wait_for(lambda: srv.info("clients")["blocked_clients"] == 1, 5)


def test_blocking_commands_are_counted_when_they_end(pair):
    got = []
    for side in ("castor", "redis"):
        c = pair.conn(side)
        srv = pair.castor if side == "castor" else pair.redis
        c.call("CONFIG", "RESETSTAT")
        w = srv.raw()
        wid = w.call("CLIENT", "ID")
        w.send("BLPOP", "list", "0")
        views = []
        # Blocked: a call already, with no failure yet.
        blocked(srv)
        views.append(("blocked", cmdstat(c, "blpop")))
        c.call("CLIENT", "UNBLOCK", str(wid), "ERROR")
        assert isinstance(w.read(), Err)
        views.append(("unblocked-error", cmdstat(c, "blpop"), errorstats(c)))
        w.send("BLPOP", "list", "0")
        blocked(srv)
        c.call("CLIENT", "UNBLOCK", str(wid))
        assert w.read() is None
        views.append(("unblocked-timeout", cmdstat(c, "blpop")))
        w.send("BLPOP", "list", "0")
        blocked(srv)
        c.call("RPUSH", "list", "x")
        assert w.read() == [b"list", b"x"]
        views.append(("served", cmdstat(c, "blpop")))
        w.call("BLPOP", "list", "0.01")  # times out
        views.append(("timeout", cmdstat(c, "blpop")))
        lat = latencystats(c)[1]
        views.append(("latency", lat.get("latency_percentiles_usec_blpop")))
        views.append(("total", c.call("INFO", "stats").split(b"total_error_replies:")[1]
                      .split(b"\r\n")[0]))
        got.append(views)
    assert got[0] == got[1]
    assert got[0][0] == ("blocked", (1, 0, 0))
    assert got[0][1][1] == (1, 0, 1)
    # CLIENT UNBLOCK counts a failure even without ERROR, as Redis 7.0.
    assert got[0][2] == ("unblocked-timeout", (2, 0, 2))
    assert got[0][4] == ("timeout", (4, 0, 2))
    assert got[0][5][1] == ["p50", "p99", "p99.9"]


def test_command_count_list_cover_the_new_commands(pair):
    for side in ("castor", "redis"):
        c = pair.conn(side)
        names = {n.decode() for n in c.call("COMMAND", "LIST")}
        assert {"migrate", "restore-asking", "latency", "lolwut"} <= names
        # COUNT and COMMAND: the top-level commands; LIST adds subcommands.
        top = {n for n in names if "|" not in n}
        assert c.call("COMMAND", "COUNT") == len(top) == len(c.call("COMMAND"))
        assert {"latency|histogram", "latency|doctor", "latency|graph"} <= names
    # Redis lists subcommands in its hash table's (random) order.
    pair.check("COMMAND", "INFO", "latency", unordered=True)
    for name in ("migrate", "restore-asking"):
        pair.check("COMMAND", "INFO", name)
    pair.check("LATENCY", "HELP")
    pair.check("LATENCY", "HISTOGRAM", "set", "x", "y")


ERROR_CASES = [
    [("MULTI",), ("SET", "a"), ("EXEC",)],
    [("MULTI",), ("SET", "a", "b"), ("INCR", "a"), ("EXEC",)],
    [("MULTI",), ("NOSUCH",), ("EXEC",)],
    [("EVAL", "return redis.error_reply('MYERR boom')", "0")],
    [("EVAL", "return redis.error_reply('boom')", "0")],
    [("EVAL", "return redis.call('incr','x','y')", "0")],
    [("SET", "s", "v"), ("EVAL", "return redis.pcall('incr','s')", "0")],
    [("SET", "s", "v"), ("EVAL", "return redis.call('incr','s')", "0")],
    [("DEBUG", "ERROR", "FOO bar")],
    [("NOSUCHCMD",)], [("GET",)], [("AUTH", "x")], [("EVALSHA", "abc", "0")],
    [("CONFIG", "SET", "maxmemory", "1"), ("SET", "a", "b"), ("CONFIG", "SET", "maxmemory", "0")],
    [("FCALL", "nofunc", "0")], [("OBJECT", "ENCODING", "missing")],
    # Every distinct code is tracked in 7.0 (7.2 stops at 128).
    [("EVAL", "return redis.error_reply('E%d x')" % i, "0") for i in range(130)],
]


def test_errorstats_as_redis(pair):
    for cmds in ERROR_CASES:
        got = []
        for side, srv in (("castor", pair.castor), ("redis", pair.redis)):
            c = pair.conn(side)
            c.call("CONFIG", "RESETSTAT")
            for cmd in cmds:
                c.call(*cmd)
            stats = c.call("INFO", "commandstats").decode().split("\r\n")
            calls = sorted(re.sub(r"usec=\d+,usec_per_call=[\d.]+,", "", ln) for ln in stats
                           if ln.startswith("cmdstat_") and not ln.startswith(
                               ("cmdstat_info:", "cmdstat_config|resetstat:")))
            got.append((errorstats(c), calls, srv.info("stats")["total_error_replies"]))
        assert got[0] == got[1], cmds[:3]
