"""Replication between castor servers (src/repl.c; contract: docs/REPLICATION.md).

REPLICAOF / SLAVEOF replies and errors, the `replicaof` directive,
replica-read-only (yes and no), replica-serve-stale-data no, expiry on a
replica, WAIT and REPLCONF GETACK, min-replicas-to-write, PSYNC2 (a restarted
replica, a promoted replica, chains), a backlog too small for the gap, and
INFO replication in Redis's format. Castor-only: the empty-master guard and the
visible sync fields (skipped when CASTOR_SERVER is redis-server, against which
everything else here passes).

Interoperability with redis-server is tests/interop/test_repl_interop.py.
"""

import os
import re
import signal
import time

import pytest

import repltest as rt
from repltest import start_server  # noqa: F401  (replicas stop before masters)
from castortest import wait_for
from resp import Err

# Every master does diskless syncs at once (Redis waits 5 s by default).
FAST = {"repl-diskless-sync-delay": "0"}

READONLY = "READONLY You can't write against a read only replica."
MASTERDOWN = ("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
NOREPLICAS = "NOREPLICAS Not enough good replicas to write."
EMPTY_GUARD_LOG = "Refusing to load an empty dataset"


# ---- helpers -------------------------------------------------------------------------------

def start(start_server, **directives):
    """A started castor with FAST plus directives (names with '_' for '-')."""
    d = dict(FAST)
    d.update({k.replace("_", "-"): v for k, v in directives.items()})
    return start_server(directives=d)


def replica_of(start_server, master, sync=True, **directives):
    """Start a castor, REPLICAOF master, and (if sync) wait until in sync."""
    s = start(start_server, **directives)
    assert rt.replicaof(rt.client_of(s), master) == "OK"
    if sync:
        rt.wait_for_sync(rt.client_of(master), rt.client_of(s))
    return s


def call(s, *args):
    """One command over a raw connection: the reply as a plain value (an
    error reply comes back as resp.Err, a simple string as str)."""
    with s.raw() as c:
        return c.call(*args)


def castor_only(s):
    """Skip the test when s is not castor (redis-server lacks the feature)."""
    if not rt.is_castor(s.client()):
        pytest.skip("castor-only feature; the server is redis-server")


def link_down(s):
    return rt.repl(s).get("master_link_status") == "down"


def force_full_resync_by_small_backlog(master, replica, nbytes=80000):
    """With master's backlog at 16 KB, cut the link while the replica is
    stopped (SIGSTOP: it cannot reconnect meanwhile), write nbytes, resume
    it. Its PSYNC then asks for an offset the backlog no longer holds."""
    m = master.client()
    assert m.config_set("repl-backlog-size", "16384")
    os.kill(replica.pid, signal.SIGSTOP)
    try:
        assert m.execute_command("CLIENT", "KILL", "TYPE", "replica") == 1
        p = m.pipeline(transaction=False)
        for i in range(nbytes // 1000):
            p.set("gap:%d" % i, "g" * 1000)
        p.execute()
        assert rt.offset(m) - 16384 > 0
    finally:
        os.kill(replica.pid, signal.SIGCONT)


# ---- REPLICAOF and friends -----------------------------------------------------------------

def test_replicaof_and_slaveof_replies(start_server):
    m = start(start_server)
    r = start(start_server)
    c = r.raw()
    port = str(m.port)
    assert c.call_node("REPLICAOF", "127.0.0.1", port) == ("+", b"OK")
    assert c.call_node("REPLICAOF", "127.0.0.1", port) == (
        "+", b"OK Already connected to specified master")
    assert c.call_node("SLAVEOF", "127.0.0.1", port) == (
        "+", b"OK Already connected to specified master")
    rt.wait_for_sync(m.client(), r.client())
    assert c.call("ROLE")[0] == b"slave"
    assert c.call_node("SLAVEOF", "NO", "ONE") == ("+", b"OK")
    assert c.call_node("replicaof", "no", "one") == ("+", b"OK")   # already a master
    assert c.call("ROLE")[0] == b"master"
    assert c.call("SET", "k", "v") == "OK"                          # writable again


def test_replicaof_wrong_arguments(start_server):
    r = start(start_server)
    c = r.raw()
    for cmd in ("replicaof", "slaveof"):
        assert c.call(cmd) == Err("ERR wrong number of arguments for '%s' command" % cmd)
        assert c.call(cmd, "127.0.0.1") == Err(
            "ERR wrong number of arguments for '%s' command" % cmd)
        assert c.call(cmd, "a", "b", "c") == Err(
            "ERR wrong number of arguments for '%s' command" % cmd)
    for bad in ("x", "-1", "70000", "TWO"):
        assert c.call("REPLICAOF", "NO" if bad == "TWO" else "127.0.0.1", bad) == Err(
            "ERR Invalid master port")
    assert c.call("ROLE")[0] == b"master"


def test_replicaof_directive_at_startup(start_server):
    m = start(start_server)
    mc = m.client()
    mc.set("before", "1")
    mc.rpush("list", "a", "b")
    r = start(start_server, replicaof=["127.0.0.1", m.port])
    rc = r.client()
    rt.wait_for_sync(mc, rc)
    mc.set("after", "2")
    rt.wait_for_sync(mc, rc)
    assert rc.get("before") == b"1" and rc.get("after") == b"2"
    assert rc.lrange("list", 0, -1) == [b"a", b"b"]
    role = call(r, "ROLE")
    assert role[:4] == [b"slave", b"127.0.0.1", m.port, b"connected"]
    assert role[4] == rt.offset(mc)


# ---- replica behaviour ---------------------------------------------------------------------

def test_replica_read_only_refuses_client_writes(start_server):
    m = start(start_server)
    r = replica_of(start_server, m)
    m.client().set("k", "v")
    rt.wait_for_sync(m.client(), r.client())
    c = r.raw()
    for cmd in (("SET", "k", "x"), ("DEL", "k"), ("LPUSH", "l", "a"), ("FLUSHALL",),
                ("EXPIRE", "k", "10")):
        assert c.call(*cmd) == Err(READONLY), cmd
    assert c.call("GET", "k") == b"v"
    assert rt.repl(r)["slave_read_only"] == "1"


def test_writable_replica_keeps_local_writes_local(start_server):
    m = start(start_server)
    a = replica_of(start_server, m, replica_read_only="no")
    b = replica_of(start_server, a)
    mc, ac, bc = m.client(), a.client(), b.client()
    assert ac.set("local", "on-a")
    ac.rpush("local-list", "x")
    mc.set("from-master", "1")
    rt.wait_for_sync(mc, ac, bc)
    assert ac.get("local") == b"on-a"
    assert bc.get("from-master") == b"1"
    assert bc.exists("local", "local-list") == 0        # never reached A's sub-replica
    assert mc.exists("local") == 0
    # A's own writes did not move its offset: the chain stays aligned.
    assert rt.offset(mc) == rt.offset(ac) == rt.offset(bc)


def test_serve_stale_data_no_while_master_down(start_server):
    m = start(start_server)
    r = replica_of(start_server, m, replica_serve_stale_data="no")
    m.client().set("k", "v")
    rt.wait_for_sync(m.client(), r.client())
    c = r.raw()
    assert c.call("GET", "k") == b"v"                    # link up: served
    m.stop()
    wait_for(lambda: link_down(r), 10, msg="master_link_status:down")
    assert c.call("GET", "k") == Err(MASTERDOWN)
    assert c.call("DBSIZE") == Err(MASTERDOWN)
    # Redis 7.0 gives PING no `stale` flag: it is refused too; INFO and ROLE are not.
    assert c.call("PING") == Err(MASTERDOWN)
    info = c.call("INFO", "replication")
    assert b"master_link_status:down" in info
    assert c.call("ROLE")[0] == b"slave"


def test_expired_keys_on_a_replica_wait_for_the_masters_del(start_server):
    m = start(start_server)
    r = replica_of(start_server, m)
    mc, rc = m.client(), r.client()
    assert mc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    mc.set("keep", "1")
    mc.set("k", "v")
    mc.pexpire("k", 100)
    rt.wait_for_sync(mc, rc)
    wait_for(lambda: rc.get("k") is None, 10, msg="replica reads k as expired")
    assert rc.exists("k") == 0
    assert rc.ttl("k") == -2
    # The replica never deletes on its own clock: the key is still stored.
    # (A bounded pause: long enough for several active-expire cycles.)
    time.sleep(0.3)
    assert rc.dbsize() == 2
    assert mc.dbsize() == 2
    # The master's lazy delete (its GET) is propagated as a DEL.
    assert mc.get("k") is None
    rt.wait_for_sync(mc, rc)
    wait_for(lambda: rc.dbsize() == 1, 10, msg="replica drops k after the master's DEL")
    assert rc.get("keep") == b"1"


def test_wait_counts_acknowledging_replicas(start_server):
    m = start(start_server)
    r = replica_of(start_server, m)
    c = m.raw()
    assert c.call("SET", "a", "1") == "OK"
    assert c.call("WAIT", "1", "5000") == 1
    t = time.monotonic()
    assert c.call("WAIT", "2", "300") == 1               # only one replica exists
    assert time.monotonic() - t >= 0.25
    r.stop()
    wait_for(lambda: rt.repl(m)["connected_slaves"] == "0", 10, msg="replica gone")
    assert c.call("SET", "a", "2") == "OK"
    t = time.monotonic()
    assert c.call("WAIT", "1", "300") == 0
    assert time.monotonic() - t >= 0.25


def test_wait_releases_clients_in_the_order_they_blocked(start_server):
    """Clients that one replica ACK releases from WAIT run what they
    pipelined after it in the order they blocked, as in Redis: here each
    one's INCR after its WAIT counts its place."""
    m = start(start_server)
    r = replica_of(start_server, m)
    mc = m.raw()
    assert mc.call("WAIT", "1", "5000") == 1
    conns = [m.raw() for _ in range(4)]
    os.kill(r.pid, signal.SIGSTOP)
    try:
        for i, c in enumerate(conns):   # each has a write the replica has not acked
            assert c.call("SET", "k%d" % i, "v") == "OK"
        for i, c in enumerate(conns):
            c.send("WAIT", "1", "0")
            c.send("INCR", "seq")
            wait_for(lambda: rt.info(m, "clients")["blocked_clients"] == str(i + 1),
                     10, msg="client %d blocked in WAIT" % i)
    finally:
        os.kill(r.pid, signal.SIGCONT)
    # The replica's one ACK covers every write: all four go in one pass.
    assert [(c.read(), c.read()) for c in conns] == [(1, 1), (1, 2), (1, 3), (1, 4)]


def test_replconf_getack_makes_the_replica_ack_at_once(start_server):
    """WAIT sends REPLCONF GETACK down the stream; the replica must answer
    at once (its own periodic ACK comes only once a second)."""
    m = start(start_server)
    replica_of(start_server, m)
    c = m.raw()
    # Untimed first: after a diskless sync a Redis master starts the stream
    # only on the replica's next periodic ACK (its first one may come early).
    assert c.call("WAIT", "1", "5000") == 1
    # Right when it acked first: a castor replica synced over two links
    # (snapshot and stream) is one replica, online, the snapshot link no
    # longer listed even while it finishes sending.
    info = rt.repl(m)
    assert int(info["connected_slaves"]) == 1, info
    assert "slave1" not in info and rt.kv(info["slave0"])["state"] == "online", info
    for i in range(5):
        assert c.call("SET", "k", str(i)) == "OK"
        target = rt.offset(m)
        t = time.monotonic()
        assert c.call("WAIT", "1", "5000") == 1
        assert time.monotonic() - t < 0.5, ("WAIT #%d waited for a periodic ACK: %r"
                                            % (i, rt.repl(m)))
        slave0 = rt.kv(rt.repl(m)["slave0"])
        assert int(slave0["offset"]) >= target


def test_min_replicas_to_write(start_server):
    m = start(start_server, min_replicas_to_write="1")
    c = m.raw()
    assert c.call("SET", "k", "v") == Err(NOREPLICAS)
    assert c.call("GET", "k") is None                    # reads are fine
    assert c.call("PING") == "PONG"
    replica_of(start_server, m)
    wait_for(lambda: c.call("SET", "k", "v") == "OK", 10, msg="writes accepted with a replica")


# ---- PSYNC2 --------------------------------------------------------------------------------

def test_restarted_replica_resyncs_partially(start_server):
    m = start(start_server)
    mc = m.client()
    rt.fill_all_types(mc, dbs=(0, 3), n=10)
    r = start(start_server, replicaof=["127.0.0.1", m.port])
    rt.wait_for_sync(mc, r.client())
    assert rt.sync_counts(mc) == (1, 0)
    # A replica with save points writes an RDB (with repl-id/offset) at SIGTERM.
    assert r.client().config_set("save", "3600 1")
    r.stop()
    assert os.path.exists(os.path.join(r.workdir, "dump.rdb"))
    rt.workload(mc, rounds=100, dbs=(0, 3))            # the gap, served from the backlog
    r.start()
    rt.wait_for_sync(mc, r.client())
    assert rt.sync_counts(mc) == (1, 1)
    rt.assert_same_data(mc, r.client(), dbs=(0, 3))
    rt.assert_same_digest(mc, r.client())


def test_promoted_replica_continues_the_history(start_server):
    # No PINGs from M that B could see after A left: offsets must match.
    m = start(start_server, repl_ping_replica_period="3600")
    a = replica_of(start_server, m, repl_ping_replica_period="3600")
    b = replica_of(start_server, m)
    mc, ac, bc = m.client(), a.client(), b.client()
    rt.workload(mc, rounds=100)
    off = rt.wait_for_sync(mc, ac, bc)
    old_replid = rt.repl(mc)["master_replid"]
    assert call(a, "REPLICAOF", "NO", "ONE") == "OK"
    ia = rt.repl(ac)
    assert ia["role"] == "master"
    assert ia["master_replid2"] == old_replid
    assert ia["master_replid"] != old_replid
    assert int(ia["second_repl_offset"]) == off + 1
    assert rt.sync_counts(ac) == (0, 0)
    # The old master dies (as in a failover; a graceful stop would send a
    # last GETACK): nothing more reaches B, whose offset stays where A's
    # history forked (M's expiries would move it). Killed on purpose, so
    # the Server forgets the process and teardown doesn't call it a crash.
    m.kill()
    m.proc = None
    # With no replica yet, the backlog (and the history it keeps) must
    # outlive the first seconds of the cron: repl-backlog-ttl counts from
    # the promotion, not from the epoch. Elapsed time is the point here.
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        now = rt.repl(ac)
        assert now["repl_backlog_active"] == "1" and now["master_replid"] == ia["master_replid"]
        time.sleep(0.1)
    assert rt.replicaof(bc, a) == "OK"
    rt.wait_stats(ac, full=0, partial=1)
    ac.set("after-promotion", "1")
    rt.wait_for_sync(ac, bc)
    assert bc.get("after-promotion") == b"1"
    assert rt.repl(bc)["master_replid"] == rt.repl(ac)["master_replid"]
    rt.assert_same_digest(ac, bc)


def test_chained_replica_has_the_same_offset(start_server):
    m = start(start_server)
    a = replica_of(start_server, m)
    b = replica_of(start_server, a)
    mc, ac, bc = m.client(), a.client(), b.client()
    rt.fill_all_types(mc, dbs=(0, 5), n=10)
    rt.workload(mc, rounds=150, dbs=(0, 5))
    off = rt.wait_for_sync(mc, ac, bc)
    assert rt.offset(ac) == rt.offset(bc) == off
    assert rt.repl(bc)["master_replid"] == rt.repl(mc)["master_replid"]
    rt.assert_same_digest(mc, ac, bc)
    rt.assert_same_data(mc, bc, dbs=(0, 5))


def test_backlog_too_small_forces_a_full_resync(start_server):
    m = start(start_server)
    r = replica_of(start_server, m)
    mc, rc = m.client(), r.client()
    mc.set("k", "v")
    rt.wait_for_sync(mc, rc)
    assert rt.sync_counts(mc) == (1, 0)
    force_full_resync_by_small_backlog(m, r)
    rt.wait_stats(mc, full=2)
    rt.wait_for_sync(mc, rc)
    assert rt.sync_counts(mc) == (2, 0)
    assert rt.repl(mc)["repl_backlog_size"] == "16384"
    assert rc.get("gap:0") == b"g" * 1000
    rt.assert_same_digest(mc, rc)


# ---- INFO replication ----------------------------------------------------------------------

MASTER_FIELDS = ["role", "connected_slaves", "slave0", "master_failover_state", "master_replid",
                 "master_replid2", "master_repl_offset", "second_repl_offset",
                 "repl_backlog_active", "repl_backlog_size", "repl_backlog_first_byte_offset",
                 "repl_backlog_histlen"]
REPLICA_FIELDS = ["role", "master_host", "master_port", "master_link_status",
                  "master_last_io_seconds_ago", "master_sync_in_progress",
                  "slave_read_repl_offset", "slave_repl_offset", "slave_priority",
                  "slave_read_only", "replica_announced", "connected_slaves",
                  "master_failover_state", "master_replid", "master_replid2",
                  "master_repl_offset", "second_repl_offset", "repl_backlog_active",
                  "repl_backlog_size", "repl_backlog_first_byte_offset", "repl_backlog_histlen"]
SLAVE_LINE = re.compile(r"^ip=127\.0\.0\.1,port=(\d+),state=online,offset=(\d+),lag=(\d+)$")


def in_order(fields, expected):
    """expected appear in fields, in that order (extra fields may follow or sit between)."""
    pos = [fields.index(f) for f in expected if f in fields]
    return len(pos) == len(expected) and pos == sorted(pos)


def test_info_replication_fields(start_server):
    m = start(start_server)
    r = replica_of(start_server, m)
    mc = m.client()
    c = m.raw()
    assert c.call("SET", "k", "v") == "OK"
    off = rt.wait_for_sync(mc, r.client())
    # The replica ACKs once a second; WAIT (on the writing connection) asks now.
    assert c.call("WAIT", "1", "5000") == 1
    im, ir = rt.repl(m), rt.repl(r)
    assert in_order(list(im), MASTER_FIELDS), list(im)
    assert in_order(list(ir), REPLICA_FIELDS), list(ir)
    assert im["role"] == "master" and im["connected_slaves"] == "1"
    line = SLAVE_LINE.match(im["slave0"])
    assert line, im["slave0"]
    assert int(line.group(1)) == r.port and int(line.group(2)) >= off
    assert im["master_failover_state"] == "no-failover"
    assert re.fullmatch(r"[0-9a-f]{40}", im["master_replid"])
    assert im["master_replid2"] == "0" * 40 and im["second_repl_offset"] == "-1"
    assert im["repl_backlog_active"] == "1" and im["repl_backlog_size"] == "1048576"
    assert int(im["repl_backlog_first_byte_offset"]) == 1
    assert int(im["repl_backlog_histlen"]) == int(im["master_repl_offset"]) >= off
    assert ir["role"] == "slave"
    assert ir["master_host"] == "127.0.0.1" and ir["master_port"] == str(m.port)
    assert ir["master_link_status"] == "up" and ir["master_sync_in_progress"] == "0"
    assert int(ir["master_last_io_seconds_ago"]) >= 0
    assert int(ir["slave_read_repl_offset"]) >= int(ir["slave_repl_offset"]) >= off
    assert ir["slave_priority"] == "100" and ir["slave_read_only"] == "1"
    assert ir["replica_announced"] == "1" and ir["connected_slaves"] == "0"
    assert ir["master_replid"] == im["master_replid"]
    assert ir["repl_backlog_active"] == "1"


# ---- castor only ---------------------------------------------------------------------------

def test_empty_master_guard(start_server):
    m = start(start_server)                      # persistence off: restarts empty
    castor_only(m)
    r = replica_of(start_server, m)
    mc, rc = m.client(), r.client()
    mc.set("precious", "1")
    mc.rpush("list", *range(10))
    rt.wait_for_sync(mc, rc)
    assert rt.repl(rc)["master_sync_refused"] == "0"
    m.stop()
    m.start()                                    # same port, no data, new replid
    assert m.client().dbsize() == 0
    wait_for(lambda: rt.repl(rc)["master_sync_refused"] == "1", 15, msg="master_sync_refused:1")
    assert EMPTY_GUARD_LOG in r.logfile
    # Between two refused attempts the phase is "refused".
    wait_for(lambda: rt.repl(rc)["master_sync_phase"] == "refused", 10,
             msg="master_sync_phase:refused")
    assert rt.repl(rc)["master_sync_refused_reason"]
    assert rc.dbsize() == 2 and rc.get("precious") == b"1"     # still served
    # An explicit REPLICAOF, even to the same master, lifts the guard.
    assert rt.replicaof(rc, m) in ("OK", "OK Already connected to specified master")
    rt.wait_for_sync(m.client(), rc)
    assert rc.dbsize() == 0
    assert rt.repl(rc)["master_sync_refused"] == "0"

    # With the guard off, the empty dataset is loaded at once.
    m.client().set("again", "1")
    rt.wait_for_sync(m.client(), rc)
    assert rc.config_set("repl-empty-master-guard", "no")
    refusals = r.logfile.count(EMPTY_GUARD_LOG)
    m.stop()
    m.start()
    wait_for(lambda: rc.dbsize() == 0, 15, msg="replica loads the empty dataset")
    rt.wait_for_sync(m.client(), rc)
    assert rt.repl(rc)["master_sync_refused"] == "0"
    assert r.logfile.count(EMPTY_GUARD_LOG) == refusals


def test_visible_sync_fields(start_server):
    m = start(start_server)
    castor_only(m)
    r = replica_of(start_server, m)
    mc, rc = m.client(), r.client()
    mc.set("k", "v")
    rt.wait_for_sync(mc, rc)
    im, ir = rt.repl(mc), rt.repl(rc)
    assert im["last_full_sync_reason"] == "new_replica"
    # The replica may be online before the master read the end of the
    # diskless child's pipe (which ends the phase): a loaded machine
    # schedules the child's exit late.
    wait_for(lambda: rt.repl(mc)["full_sync_phase"] == "none", 10)
    assert ir["master_sync_phase"] == "online"
    assert int(ir["master_sync_bytes_received"]) > 0
    assert ir["master_last_full_sync_reason"] == "first_sync"
    assert ir["master_sync_refused"] == "0"
    # Castor's fields come after all of Redis's own.
    assert list(im).index("last_full_sync_reason") > list(im).index("repl_backlog_histlen")
    force_full_resync_by_small_backlog(m, r)
    rt.wait_stats(mc, full=2)
    rt.wait_for_sync(mc, rc)
    assert rt.repl(mc)["last_full_sync_reason"] == "offset_out_of_backlog"
    assert rt.repl(rc)["master_last_full_sync_reason"] == "offset_out_of_backlog"
    assert rt.repl(rc)["master_sync_phase"] == "online"


@pytest.mark.parametrize("diskless", [False, True], ids=["disk", "diskless"])
def test_replica_loading_longer_than_repl_timeout_keeps_its_link(start_server, diskless):
    """The 7.0 exchange (no split sync: no replica output-buffer limit): a
    replica whose load takes several repl-timeouts (key-load-delay) keeps
    the link it loaded from. Its new master client starts from the current
    time: it was stamped with the loop's clock from before the load, and the
    replica's cron timed its master out at once ("MASTER timeout"), then
    resynced. Exactly one full sync, no partial one, equal digests."""
    m = start_server(directives={"repl-diskless-sync": "yes" if diskless else "no",
                                 "repl-diskless-sync-delay": "0",
                                 "client-output-buffer-limit": "replica 0 0 0"})
    rt.slow_load_sync(m, start_server())
