"""Debian's unmodified redis-sentinel 7.0.15 manages castor exactly like
redis-server (issue #7).

Three sentinels (tests/lib/sentineltest.py) watch a fleet of data servers,
each started with a config file so that sentinel's CONFIG REWRITE has
somewhere to write:

- kill -9 of a castor master under a redis-py writer (Sentinel.master_for):
  a replica is promoted, the other follows it, writes continue on the new
  master, no WAIT-acknowledged write is lost, and the old master, restarted
  on its port with its dir and config, is turned into a replica of the new
  master by sentinel and converges. Prints the line
  "FAILOVER kill_to_write_s=... lost_unacked=... lost_acked=..." (also
  without -s).
- SENTINEL FAILOVER under a WAIT-after-every-write load: roles swapped,
  zero acknowledged writes lost.
- The FAILOVER command (Redis 6.2+, no sentinel) under load, and its error
  replies, compared with redis-server's.
- Mixed fleets: redis-server master with castor replicas and the reverse;
  replica-priority decides which replica is promoted, a priority-0 replica
  never is (SENTINEL FAILOVER answers -NOGOODSLAVE when it is the only one).
- Read scaling through Sentinel.slave_for: reads served by replicas.
- The commands sentinel sends during a failover (MULTI, SLAVEOF, CONFIG
  REWRITE, CLIENT KILL TYPE normal|pubsub, EXEC) and SCRIPT KILL, by hand,
  replied to as redis-server replies.

With CASTOR_SERVER=/usr/bin/redis-server every test runs on redis-server
only and passes: that checks the tests themselves.
"""

import os
import signal
import time

import pytest
import redis

import repltest as rt
import sentineltest as st
from sentineltest import sentinels  # noqa: F401  (fixture)
from castortest import CASTOR_SERVER, REDIS_SERVER, wait_for
from resp import fmt, normalize

FAST = {"repl-diskless-sync-delay": "0"}
KINDS = {"castor": CASTOR_SERVER, "redis": REDIS_SERVER}
CONFIG = "# test_sentinel.py: sentinel's CONFIG REWRITE keeps this file up to date\n"

DOWN_S = st.DOWN_AFTER_MS / 1000.0
# A failover normally completes 2-4 s after the kill; a split vote makes
# sentinel retry after 2 * failover-timeout, which this bound still allows.
PROMOTE_TIMEOUT = DOWN_S + 2 * st.FAILOVER_TIMEOUT_MS / 1000.0 + 2.0
SETTLE_TIMEOUT = 20.0


# ---- fixtures and helpers ------------------------------------------------------------------

@pytest.fixture
def start_server(start_server):
    """castorfixtures' start_server, stopping the newest servers first."""
    stopper = rt.ReverseStopper(start_server)
    yield stopper
    stopper.stop_all()


def start_data(start_server, kind, **directives):
    """A data server of kind 'castor' or 'redis', with a config file."""
    return start_server(directives=dict(FAST, **directives), config=CONFIG, binary=KINDS[kind],
                        name=kind)


def attach(master, *replicas):
    for r in replicas:
        assert rt.replicaof(r, master) == "OK"
    rt.wait_for_sync(master, *replicas)


def start_writer(g, prefix, wait_every, wait_ms):
    """A started st.Writer through group g's view of the master."""
    w = st.Writer(g.py_sentinel().master_for(st.MASTER_NAME, socket_timeout=2), prefix=prefix,
                  wait_every=wait_every, wait_ms=wait_ms)
    w.start()
    return w


def repl_info(server):
    """INFO replication of server; {} when the connection was just killed
    (sentinel's CLIENT KILL TYPE normal closes our polling connection too)."""
    try:
        return rt.repl(server)
    except redis.ConnectionError:
        return {}


def follows(replica, master_port):
    """replica's INFO says it is a replica of master_port with the link up."""
    i = repl_info(replica)
    return (i.get("role") == "slave" and i.get("master_port") == str(master_port)
            and i.get("master_link_status") == "up")


def wait_follows(replica, master_port, timeout=SETTLE_TIMEOUT, why="", group=None):
    try:
        wait_for(lambda: follows(replica, master_port), timeout, interval=0.05)
    except AssertionError:
        raise AssertionError("%s (port %d) does not follow port %d after %.0fs %s: %r\n%s"
                             % (replica.name, replica.port, master_port, timeout, why,
                                {k: v for k, v in repl_info(replica).items()
                                 if k.startswith(("role", "master_"))},
                                group.logs() if group else ""))


def role(server):
    return wait_for(lambda: repl_info(server).get("role"), 5, msg="INFO replication")


def lost_acked_writes(writer, new_master):
    """Keys of writes acknowledged by WAIT (on any server) that new_master lacks."""
    return st.missing(new_master.client(), writer.keys(acked=True))


def assert_counter_kept(writer, new_master):
    """The counter on new_master is at least every INCR value acknowledged."""
    acked = writer.counter_values(acked=True)
    now = int(new_master.client().get(writer.counter_key) or 0)
    assert not acked or now >= max(acked), (
        "acknowledged INCR lost: counter %d on the new master, %d acknowledged" % (now, max(acked)))


# ---- 1. kill -9 of the master ----------------------------------------------------------------

def test_kill9_master_failover_and_old_master_rejoins(start_server, sentinels, capsys):
    m = start_data(start_server, "castor")
    r1 = start_data(start_server, "castor")
    r2 = start_data(start_server, "castor")
    attach(m, r1, r2)
    g = sentinels(m)
    g.wait_monitoring({r1.port: 100, r2.port: 100})

    snt = g.py_sentinel()
    assert snt.discover_master(st.MASTER_NAME) == ("127.0.0.1", m.port)
    w = start_writer(g, "w", wait_every=4, wait_ms=200)
    try:
        w.wait_acked(200)
        t_kill = time.monotonic()
        st.kill9(m)

        # A replica is promoted (get-master-addr-by-name changes) ...
        new_port, t_promoted = g.wait_master_change(m.port, PROMOTE_TIMEOUT)
        assert new_port in (r1.port, r2.port), new_port
        new, other = (r1, r2) if new_port == r1.port else (r2, r1)
        assert role(new) == "master"
        # ... the other replica follows it, and every sentinel agrees.
        wait_follows(other, new_port, why="(sentinel reconfigures the other replica)", group=g)
        g.wait_master(new_port, SETTLE_TIMEOUT)
        # redis-py finds the new master, and writes continue there.
        assert snt.discover_master(st.MASTER_NAME) == ("127.0.0.1", new_port)
        w.wait_writes(new_port, 200, after=t_kill, timeout=SETTLE_TIMEOUT)
        t_first = w.first_ok(new_port, t_kill)
        assert not lost_acked_writes(w, new)

        # The old master comes back on its port, dir and config file: sentinel
        # turns it into a replica of the new master, under the write load.
        st.restart(m)
        t_restart = time.monotonic()
        wait_follows(m, new_port, why="(sentinel converts the restarted old master)", group=g)
        g.wait_monitoring({other.port: None, m.port: None}, timeout=SETTLE_TIMEOUT)
        w.wait_writes(new_port, 100, after=time.monotonic(), timeout=SETTLE_TIMEOUT)
    finally:
        w.stop()
    assert w.count(port=m.port, after=t_restart) == 0, "a write went to the restarted old master"
    sentinel_view = {int(r["port"]) for r in g.replicas(0)}
    assert sentinel_view == {other.port, m.port}
    assert g.event_counts("+switch-master") == [1, 1, 1], "more than one failover\n" + g.logs()

    rt.wait_for_sync(new, other, m)
    rt.assert_same_digest(new, other, m)

    nc = new.client()
    lost_acked = lost_acked_writes(w, new)
    lost_unacked = st.missing(nc, w.keys(acked=False, port=m.port))
    assert not st.missing(nc, w.keys(port=new_port)), "a write answered by the new master is gone"
    assert_counter_kept(w, new)
    old_incr = w.counter_values(port=m.port)
    first_new_incr = w.counter_values(port=new_port)[0]
    lost_incr = max(old_incr) - (first_new_incr - 1)
    with capsys.disabled():   # shown without -s too
        print("\nFAILOVER kill_to_write_s=%.2f lost_unacked=%d lost_acked=%d "
              "kill_to_promoted_s=%.2f lost_incr=%d writes_old=%d writes_new=%d acked=%d (%s)"
              % (t_first - t_kill, len(lost_unacked), len(lost_acked), t_promoted - t_kill,
                 lost_incr, w.count(port=m.port), w.count(port=new_port), w.count(acked=True),
                 os.path.basename(CASTOR_SERVER)))
    assert not lost_acked, "acknowledged writes lost: %r" % lost_acked[:10]
    assert first_new_incr - 1 >= max(w.counter_values(port=m.port, acked=True))
    assert t_promoted - t_kill < PROMOTE_TIMEOUT


def test_replica_behind_is_not_promoted_over_the_one_with_every_acked_write(start_server,
                                                                            sentinels):
    """issue 18: with min-replicas-to-ack 1, r2 stopped (it falls behind)
    while r1 acknowledges every write; the master dies. Sentinel must
    promote r1 (highest replication offset), never r2 (same priority: the
    run id would be a coin toss), and no acknowledged write is lost."""
    m = start_data(start_server, "castor", **{"min-replicas-to-ack": "1"})
    r1 = start_data(start_server, "castor")
    r2 = start_data(start_server, "castor")
    attach(m, r1, r2)
    g = sentinels(m)
    g.wait_monitoring({r1.port: None, r2.port: None})
    mc = m.client()
    keys = ["acked:%d" % i for i in range(400)]
    os.kill(r2.pid, signal.SIGSTOP)
    try:
        for k in keys:  # 26 MB: more than the socket buffers toward r2 hold
            assert mc.set(k, k * 6000)     # held until r1 acknowledged it
        assert rt.offset(r1) == rt.offset(m)
        st.kill9(m)
    finally:
        os.kill(r2.pid, signal.SIGCONT)
    assert int(rt.repl(r2)["slave_repl_offset"]) < rt.offset(r1)
    new_port, _ = g.wait_master_change(m.port, PROMOTE_TIMEOUT)
    assert new_port == r1.port, "the replica that was behind was promoted\n" + g.logs()
    wait_follows(r2, r1.port, why="(sentinel reconfigures the other replica)", group=g)
    assert not st.missing(r1.client(), keys)
    rt.wait_for_sync(r1, r2)
    assert not st.missing(r2.client(), keys)


# ---- 2. SENTINEL FAILOVER ------------------------------------------------------------------

@pytest.mark.parametrize("mkind,rkind", [("castor", "castor"), ("redis", "castor"),
                                         ("castor", "redis")])
def test_sentinel_failover_command_loses_no_acked_write(start_server, sentinels, mkind, rkind):
    # One replica: once it is promoted, nothing acknowledges writes that
    # still reach the old master, so WAIT 1 is a real guarantee.
    m = start_data(start_server, mkind)
    r = start_data(start_server, rkind)
    attach(m, r)
    g = sentinels(m)
    g.wait_monitoring({r.port: 100})
    w = start_writer(g, "sf", wait_every=1, wait_ms=500)
    try:
        w.wait_acked(100)
        t0 = time.monotonic()
        assert g.call(1, "SENTINEL", "FAILOVER", st.MASTER_NAME) == "OK"
        g.wait_master(r.port, SETTLE_TIMEOUT)
        assert role(r) == "master"
        wait_follows(m, r.port, why="(sentinel converts the old master)")
        w.wait_writes(r.port, 50, after=t0, timeout=SETTLE_TIMEOUT)
    finally:
        w.stop()
    rt.wait_for_sync(r, m)
    rt.assert_same_digest(r, m)
    lost = lost_acked_writes(w, r)
    assert not lost, "acknowledged writes lost: %r" % lost[:10]
    assert_counter_kept(w, r)
    assert rt.raw_call(r, "ROLE")[0] == b"master"
    assert rt.raw_call(m, "ROLE")[:3] == [b"slave", b"127.0.0.1", r.port]
    assert {int(x["port"]) for x in g.replicas(0)} == {m.port}
    assert g.event_counts("+switch-master") == [1, 1, 1], "more than one failover\n" + g.logs()


# ---- 3. the FAILOVER command ---------------------------------------------------------------

@pytest.mark.parametrize("mkind,rkind,form", [
    ("castor", "castor", "to"), ("castor", "castor", "plain"),
    ("redis", "castor", "to"), ("castor", "redis", "plain")])
def test_failover_command_under_load(start_server, mkind, rkind, form):
    m = start_data(start_server, mkind)
    r = start_data(start_server, rkind)
    attach(m, r)
    w = st.Writer(m.client(), prefix="fo", wait_every=1, wait_ms=500, stop_on_readonly=True)
    w.start()
    try:
        w.wait_acked(100)
        cmd = (["FAILOVER", "TO", "127.0.0.1", r.port, "TIMEOUT", 5000] if form == "to"
               else ["FAILOVER"])
        reply = rt.raw_call(m, *cmd)
        assert reply == b"OK", reply

        def swapped():
            im, ir = repl_info(m), repl_info(r)
            return (ir.get("role") == "master" and follows(m, r.port)
                    and im.get("master_failover_state") == ir.get("master_failover_state")
                    == "no-failover")
        wait_for(swapped, SETTLE_TIMEOUT, interval=0.02, msg="roles swapped by FAILOVER")
        # The writer, still on the old master, gets READONLY and stops.
        wait_for(lambda: not w.is_alive(), SETTLE_TIMEOUT, msg="writer told READONLY")
    finally:
        w.stop()
    assert w.errors and w.errors[-1][1] == "ReadOnlyError", w.errors[-3:]
    lost = lost_acked_writes(w, r)
    assert not lost, "acknowledged writes lost: %r" % lost[:10]
    assert_counter_kept(w, r)
    # The old master now replicates the new one.
    rc = r.client()
    rc.set("after-failover", "yes")
    assert rc.execute_command("WAIT", 1, 5000) == 1
    assert m.client().get("after-failover") == b"yes"
    rt.wait_for_sync(r, m)
    rt.assert_same_digest(r, m)


def failover_error_replies(start_server, kind):
    """The replies of one server kind to FAILOVER misuses (nodes)."""
    lone = start_data(start_server, kind)
    m = start_data(start_server, kind)
    r = start_data(start_server, kind)
    attach(m, r)
    out = []
    with lone.raw() as c:
        for cmd in (["FAILOVER"], ["FAILOVER", "ABORT"], ["FAILOVER", "TIMEOUT", "100"],
                    ["FAILOVER", "TO", "127.0.0.1", r.port]):
            out.append((("lone",) + tuple(map(str, cmd)), c.call_node(*cmd)))
    with r.raw() as c:
        for cmd in (["FAILOVER"], ["FAILOVER", "ABORT"], ["FAILOVER", "TO", "127.0.0.1", m.port]):
            out.append((("replica",) + tuple(map(str, cmd)), c.call_node(*cmd)))
    with m.raw() as c:
        for cmd in (["FAILOVER", "ABORT"], ["FAILOVER", "TIMEOUT", "0"],
                    ["FAILOVER", "TIMEOUT", "-1"], ["FAILOVER", "TIMEOUT", "abc"],
                    ["FAILOVER", "FORCE"], ["FAILOVER", "TIMEOUT", "100", "FORCE"],
                    ["FAILOVER", "TO", "127.0.0.1", lone.port],
                    ["FAILOVER", "TO", "127.0.0.1"], ["FAILOVER", "bogus"],
                    ["FAILOVER", "TO", "127.0.0.1", "notaport"]):
            out.append((("master",) + tuple(map(str, cmd)), c.call_node(*cmd)))
        # A second FAILOVER while one runs, then ABORT, in one pipeline (the
        # first cannot complete before the next commands are read).
        nodes = c.pipeline([["FAILOVER"], ["FAILOVER"], ["FAILOVER", "ABORT"],
                            ["FAILOVER", "ABORT"]])
        out.append((("master", "FAILOVER x2, ABORT x2"), ("*", nodes)))
    wait_for(lambda: rt.repl(m)["master_failover_state"] == "no-failover", 5,
             msg="failover aborted")
    assert role(m) == "master" and follows(r, m.port)
    return out


def test_failover_command_errors_like_redis(start_server):
    ref = failover_error_replies(start_server, "redis")
    got = failover_error_replies(start_server, "castor")
    # The reference texts (they come from redis-server 7.0.15 itself).
    expect = {("lone", "FAILOVER"): "ERR FAILOVER requires connected replicas.",
              ("lone", "FAILOVER", "ABORT"): "ERR No failover in progress.",
              ("replica", "FAILOVER"): "ERR FAILOVER is not valid when server is a replica.",
              ("master", "FAILOVER", "ABORT"): "ERR No failover in progress.",
              ("master", "FAILOVER", "TIMEOUT", "0"):
                  "ERR FAILOVER timeout must be greater than 0"}
    ref_d = dict(ref)
    for k, text in expect.items():
        assert ref_d[k] == ("-", text.encode()), (k, ref_d[k])
    bad = ["%s\n   castor: %s\n    redis: %s" % (" ".join(k1), fmt(a), fmt(b))
           for (k1, a), (k2, b) in zip(got, ref) if normalize(a) != normalize(b)]
    assert not bad, "FAILOVER replies differ from redis-server's:\n" + "\n".join(bad)


# ---- 4. mixed fleets and replica-priority --------------------------------------------------

@pytest.mark.parametrize("mkind,rkind", [("redis", "castor"), ("castor", "redis")],
                         ids=["redis-master-castor-replicas", "castor-master-redis-replicas"])
def test_mixed_fleet_failover_respects_priority(start_server, sentinels, mkind, rkind):
    m = start_data(start_server, mkind)
    never = start_data(start_server, rkind, **{"replica-priority": "0"})
    attach(m, never)
    g = sentinels(m)
    g.wait_monitoring({never.port: 0})
    # A priority-0 replica is no candidate: sentinel refuses to fail over.
    with pytest.raises(redis.ResponseError, match="NOGOODSLAVE No suitable replica to promote"):
        g.call(0, "SENTINEL", "FAILOVER", st.MASTER_NAME)

    chosen = start_data(start_server, rkind, **{"replica-priority": "50"})
    attach(m, chosen)
    g.wait_monitoring({never.port: 0, chosen.port: 50})
    mc = m.client()
    mc.set("before-kill", "1")
    assert mc.execute_command("WAIT", 2, 5000) == 2   # same connection as the SET
    st.kill9(m)
    new_port, _ = g.wait_master_change(m.port, PROMOTE_TIMEOUT)
    assert new_port == chosen.port, "sentinel promoted port %d, not the priority-50 replica %d" % (
        new_port, chosen.port)
    assert role(chosen) == "master"
    wait_follows(never, chosen.port, why="(sentinel reconfigures the priority-0 replica)")
    g.wait_master(chosen.port, SETTLE_TIMEOUT)
    assert role(never) == "slave"
    assert g.event_counts("+switch-master") == [1, 1, 1], "more than one failover\n" + g.logs()
    # Writes through redis-py's Sentinel land on the promoted replica.
    c = g.py_sentinel().master_for(st.MASTER_NAME, socket_timeout=2)
    c.set("after-kill", "2")
    assert c.execute_command("WAIT", 1, 5000) == 1
    for s in (chosen, never):
        assert s.client().mget("before-kill", "after-kill") == [b"1", b"2"], s.name
    rt.wait_for_sync(chosen, never)
    rt.assert_same_digest(chosen, never)


# ---- 5. read scaling -------------------------------------------------------------------------

@pytest.mark.parametrize("mkind,rkind", [("castor", "castor"), ("redis", "castor")])
def test_slave_for_reads_from_replicas(start_server, sentinels, mkind, rkind):
    m = start_data(start_server, mkind)
    r1 = start_data(start_server, rkind)
    r2 = start_data(start_server, rkind)
    attach(m, r1, r2)
    g = sentinels(m, n=1, quorum=1)
    g.wait_monitoring({r1.port: 100, r2.port: 100})
    snt = g.py_sentinel()
    master = snt.master_for(st.MASTER_NAME, socket_timeout=2)
    reader = snt.slave_for(st.MASTER_NAME, socket_timeout=2)
    pool = reader.connection_pool
    served = set()
    for i in range(6):
        master.set("scaled", "v%d" % i)
        assert master.execute_command("WAIT", 2, 5000) == 2
        conn = pool.get_connection("GET")
        try:
            conn.send_command("GET", "scaled")
            assert conn.read_response() == b"v%d" % i
            peer = conn._sock.getpeername()[1]
            conn.send_command("ROLE")
            assert conn.read_response()[0] == b"slave"
        finally:
            conn.disconnect()    # the next connection goes to the next replica
            pool.release(conn)
        assert peer != m.port, "slave_for read from the master"
        served.add(peer)
    assert served == {r1.port, r2.port}, "reads not spread over both replicas: %r" % served
    # Through the client API as well.
    assert reader.get("scaled") == b"v5"
    with pytest.raises(redis.ReadOnlyError):
        st_conn = snt.slave_for(st.MASTER_NAME, socket_timeout=2)
        st_conn.set("scaled", "from-a-replica-client")


# ---- 6. sentinel's own commands, by hand -------------------------------------------------------

def replicaof_lines(server):
    with open(server.config_path) as f:
        return [line for line in f.read().splitlines() if line.split()[:1] == ["replicaof"]]


def test_sentinel_commands_reply_like_redis(start_server):
    """What sentinel sends to promote (SLAVEOF NO ONE) or repoint
    (SLAVEOF host port) a server, in one MULTI, then what the rewritten
    config file does after a restart; and SCRIPT KILL."""
    upstream = start_data(start_server, "redis")
    servers = {k: start_data(start_server, k) for k in ("castor", "redis")}
    nodes, lines = {}, {}
    for kind, s in servers.items():
        out = nodes[kind] = []
        with s.raw() as c:
            out.append(("SCRIPT KILL", c.call_node("SCRIPT", "KILL")))
        for target in (upstream.port, None):
            slaveof = ["SLAVEOF", "127.0.0.1", target] if target else ["SLAVEOF", "NO", "ONE"]
            normal, sub, c = s.raw(), s.raw(), s.raw()
            assert sub.call("SUBSCRIBE", "__sentinel__:hello") == [
                b"subscribe", b"__sentinel__:hello", 1]
            assert c.call("CLIENT", "SETNAME", "sentinel-x") == "OK"
            batch = [["MULTI"], slaveof, ["CONFIG", "REWRITE"],
                     ["CLIENT", "KILL", "TYPE", "normal"], ["CLIENT", "KILL", "TYPE", "pubsub"],
                     ["EXEC"]]
            out.append(("MULTI..EXEC " + " ".join(map(str, slaveof[1:])), ("*", c.pipeline(batch))))
            # The caller survives (CLIENT KILL skips it); the others are gone.
            assert c.call("PING") == "PONG"
            assert normal.wait_closed(5) and sub.wait_closed(5), kind
            lines[kind, bool(target)] = replicaof_lines(s)
            # The rewritten config file brings the server back in the same role.
            if target:
                wait_follows(s, upstream.port)
                s.stop()
                st.restart(s)
                wait_follows(s, upstream.port, why="after a restart with the rewritten config")
            else:
                assert role(s) == "master"
                s.stop()
                st.restart(s)
                assert role(s) == "master"
    assert nodes["redis"][0][1] == ("-", b"NOTBUSY No scripts in execution right now.")
    # Every difference is reported at once (the lead's worklist).
    problems = ["%s\n   castor: %s\n    redis: %s" % (what, fmt(a), fmt(b))
                for (what, a), (_, b) in zip(nodes["castor"], nodes["redis"])
                if normalize(a) != normalize(b)]
    # CONFIG REWRITE writes the directive as redis-server does (a file
    # redis-server can load too), and drops it on promotion.
    want = {True: ["replicaof 127.0.0.1 %d" % upstream.port], False: []}
    for repointed in (True, False):
        assert lines["redis", repointed] == want[repointed]
        if lines["castor", repointed] != want[repointed]:
            problems.append("replicaof lines in the config file after SLAVEOF %s + CONFIG REWRITE"
                            "\n   castor: %r\n    redis: %r"
                            % ("host port" if repointed else "NO ONE (after a restart)",
                               lines["castor", repointed], want[repointed]))
    assert not problems, "castor differs from redis-server:\n" + "\n".join(problems)
