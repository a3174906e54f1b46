"""The durability mode (min-replicas-to-ack, castor; docs/REPLICATION.md
"No acknowledged write lost"): a write is applied and propagated, then its
reply is held until N replicas acknowledged its offset; past
min-replicas-max-lag seconds it becomes -NOREPLICAS, never a silent
success; reads are dirty (other clients see a held write)."""

import os
import signal
import socket
import time

from castortest import wait_for
from repltest import digest, repl, replicaof, start_server, wait_for_sync  # noqa: F401
from resp import Err

NOT_ACKED = ("NOREPLICAS Not enough replicas acknowledged the write in time (it is applied here "
             "and may or may not survive a failover).")


def pair(start_server, lag=10):
    m = start_server(directives={"min-replicas-to-ack": "1", "min-replicas-max-lag": str(lag)})
    r = start_server()
    mc, rc = m.client(), r.client()
    replicaof(rc, mc)
    wait_for_sync(mc, rc)
    wait_for(lambda: "state=online" in repl(mc).get("slave0", ""), 10)
    return m, r, mc, rc


class Stopped:
    """SIGSTOP a server for the block, SIGCONT after (also on failure)."""

    def __init__(self, server):
        self.s = server

    def __enter__(self):
        os.kill(self.s.pid, signal.SIGSTOP)

    def __exit__(self, *exc):
        os.kill(self.s.pid, signal.SIGCONT)


def no_reply_within(conn, seconds):
    conn.sock.settimeout(seconds)
    try:
        conn.read()
    except (socket.timeout, TimeoutError):
        return True
    finally:
        conn.sock.settimeout(10)
    return False


def test_mode_is_off_by_default(start_server):
    s = start_server()
    assert s.client().config_get("min-replicas-to-ack") == {"min-replicas-to-ack": "0"}


def test_write_reply_held_until_a_replica_acked(start_server):
    m, r, mc, rc = pair(start_server)
    w = m.raw()
    with Stopped(r):
        w.send("SET", "k", "v1")
        w.send("GET", "k")  # pipelined after the write: waits with it
        # Short: a replica that leaves a GETACK unanswered for over a second
        # fences the master (test_a_silent_replica_fences_the_master).
        assert no_reply_within(w, 0.3)
        # Dirty reads: another client sees the held write; the loop serves
        # it (polled: on a loaded machine the SET may still be on its way).
        wait_for(lambda: mc.get("k") == b"v1", 10)
        assert mc.ping()
    assert w.read() == "OK"
    assert w.read() == b"v1"
    assert rc.get("k") == b"v1"


def test_unacknowledged_write_times_out_into_an_error(start_server):
    m, r, mc, rc = pair(start_server, lag=1)
    w = m.raw()
    with Stopped(r):
        t0 = time.monotonic()
        w.send("SET", "k", "v1")
        reply = w.read()
        assert reply == Err(NOT_ACKED), reply
        # After min-replicas-max-lag (1 s), long before the default 10 s
        # (a bound loose enough for a loaded 2-core machine).
        assert 0.8 <= time.monotonic() - t0 < 8
        assert mc.get("k") == b"v1"  # applied and propagated: the error is not a rollback
    wait_for_sync(mc, rc)
    assert rc.get("k") == b"v1"


def test_no_replica_refuses_the_write_before_applying_it(start_server):
    m = start_server(directives={"min-replicas-to-ack": "1"})
    c = m.raw()
    c.send("SET", "k", "v")
    assert c.read() == Err("NOREPLICAS Not enough good replicas to write.")
    assert m.client().exists("k") == 0
    c.send("GET", "k")  # reads are not refused
    assert c.read() is None


def test_publish_is_not_held(start_server):
    """PUBLISH reaches replicas but is not a write: while the replica can't
    ack, it still replies at once, and what follows on the same link is
    served (Sentinel sends its hello PUBLISH and its PINGs on one
    connection; holding the PUBLISH made a promoted castor look down to
    Sentinel). A SET on the same link is held meanwhile."""
    m, r, mc, rc = pair(start_server)
    c = m.raw()
    with Stopped(r):
        t0 = time.monotonic()
        c.send("PUBLISH", "__sentinel__:hello", "x")
        assert c.read() == 0
        c.send("PING")
        assert c.read() == "PONG"
        assert time.monotonic() - t0 < 8   # not held until the lag (10 s) ran out
        c.send("SET", "k", "v")
        assert no_reply_within(c, 0.3)   # short: a second of silence fences
    assert c.read() == "OK"


def test_acked_writes_flow_without_waiting_a_second(start_server):
    """Replicas are asked for an ACK (REPLCONF GETACK) at once: a held write
    does not wait for the replica's once-a-second ACK."""
    m, r, mc, rc = pair(start_server)
    t0 = time.monotonic()
    for i in range(50):
        mc.set("k%d" % i, i)
    assert time.monotonic() - t0 < 25  # 50 writes, not 50 seconds (loose for a loaded CI)
    wait_for_sync(mc, rc)
    assert digest(mc) == digest(rc)


def test_multi_exec_and_scripts_are_held_as_one_write(start_server):
    m, r, mc, rc = pair(start_server)
    w = m.raw()
    with Stopped(r):
        w.send("MULTI")
        assert w.read() == "OK"
        w.send("INCR", "n")
        assert w.read() == "QUEUED"
        w.send("EXEC")
        assert no_reply_within(w, 0.3)
    assert w.read() == [1]
    assert mc.eval("return redis.call('incr', KEYS[1])", 1, "n") == 2


def test_role_change_answers_held_writes_with_an_error(start_server):
    """A master made a replica (REPLICAOF, as FAILOVER and Sentinel do)
    while a write's reply is held: the write may not survive, so it gets
    -NOREPLICAS, never the OK that would claim it durable."""
    m, r, mc, rc = pair(start_server)
    other = start_server()
    w = m.raw()
    with Stopped(r):
        w.send("SET", "k", "held")
        assert no_reply_within(w, 0.3)
        replicaof(mc, other.client())
        reply = w.read()
        assert reply == Err(NOT_ACKED), reply
    wait_for(lambda: repl(mc).get("master_link_status") == "up", 30)
    assert mc.get("k") is None  # the new master's data replaced it


def test_old_master_discards_what_it_applied_past_the_promoted_replica(start_server):
    a = start_server()
    b = start_server()
    ac, bc = a.client(), b.client()
    replicaof(bc, ac)
    wait_for_sync(ac, bc)
    ac.set("acked", "1")
    assert ac.execute_command("WAIT", 1, 5000) == 1
    bc.execute_command("REPLICAOF", "NO", "ONE")  # b promoted: its history ends here
    ac.set("lost", "x")  # applied by a, acknowledged by no replica
    replicaof(ac, bc)
    wait_for_sync(bc, ac)
    assert ac.get("lost") is None
    assert ac.get("acked") == b"1"
    assert digest(ac) == digest(bc)
    log = a.logfile
    assert "The new master does not continue our history" in log
    assert "were never acknowledged by a replica" in log


def test_a_frozen_master_acknowledges_nothing_for_a_while(start_server):
    """SIGSTOP beyond a second: a failover may have replaced this master and
    a replica not yet told may still acknowledge it. For twice the freeze
    it acknowledges no write (refused before applying)."""
    m, r, mc, rc = pair(start_server)
    w = m.raw()
    with Stopped(m):
        time.sleep(1.5)  # the fault: the master does not run
    w.send("SET", "k", "v")
    assert w.read() == Err("NOREPLICAS Not enough good replicas to write.")
    assert mc.exists("k") == 0
    assert "did not run for" in m.logfile
    # Once the fence passed, writes are acknowledged again.

    def ok():
        try:
            return mc.set("k", "v2")
        except Exception:
            return False
    wait_for(ok, 15, interval=0.2)
    wait_for(lambda: rc.get("k") == b"v2", 5)


def test_a_silent_replica_fences_the_master(start_server):
    """A replica that leaves a GETACK unanswered for over a second (a
    network partition; here SIGSTOP) may have been cut from a master that a
    failover replaced, and answers once the cut heals, before Sentinel
    reconfigures it: for twice the silence the master acknowledges no
    write. The write held meanwhile gets -NOREPLICAS at its deadline, not
    the OK that the replica's late ACK would have released."""
    m, r, mc, rc = pair(start_server, lag=3)
    w = m.raw()
    with Stopped(r):
        w.send("SET", "k", "v")
        assert no_reply_within(w, 1.5)  # the fault: the replica is silent
    reply = w.read()
    assert reply == Err(NOT_ACKED), reply
    assert "did not answer a GETACK for" in m.logfile
    # Once the fence passed, writes are acknowledged again.

    def ok():
        try:
            return mc.set("k", "v2")
        except Exception:
            return False
    wait_for(ok, 20, interval=0.2)
    wait_for(lambda: rc.get("k") == b"v2", 5)


def test_failover_waits_for_the_target_to_catch_up(start_server):
    """FAILOVER TO a replica that is behind (stopped while 24 MB were
    written, more than the socket buffers hold): writes are paused, the
    state is waiting-for-sync until the target has every byte, then it is
    promoted with all of them (handing over at once would lose the tail)."""
    a, b = start_server(), start_server()
    ac, bc = a.client(), b.client()
    replicaof(bc, ac)
    wait_for_sync(ac, bc)
    keys = ["fo:%d" % i for i in range(400)]
    w = a.raw()
    with Stopped(b):
        for k in keys:
            ac.set(k, k * 6000)
        assert ac.execute_command("FAILOVER", "TO", "127.0.0.1", b.port, "TIMEOUT", 30000)
        assert repl(ac)["master_failover_state"] == "waiting-for-sync"
        w.send("SET", "during", "x")  # writes are paused meanwhile
        assert no_reply_within(w, 0.5)
        assert repl(ac)["master_failover_state"] == "waiting-for-sync"
    wait_for(lambda: repl(bc).get("role") == "master", 30)
    assert bc.exists(*keys) == len(keys)
    wait_for(lambda: repl(ac).get("master_link_status") == "up", 30)
    assert w.read() != "OK" or bc.get("during") == b"x"
