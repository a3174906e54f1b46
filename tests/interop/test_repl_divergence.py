"""Replication never silently diverges (issue 12): each scenario once with
castor and once with Debian's redis-server 7.0.15, which shows the
behaviour castor must have. Every test ends by comparing DEBUG DIGEST (or
the data itself) of master and replica.

- a master restarted from an older snapshot while a replica was ahead
  continues under a new replication ID (the loaded one becomes replid2,
  valid up to the loaded offset): the replica resyncs in full;
- a new master's offset stays 0 until a write (no PING before the period);
- a client blocked on a master that becomes a replica is unblocked with
  -UNBLOCKED and so never consumes the replicated stream;
- a graceful SHUTDOWN / SIGTERM of a master waits for its replicas.
"""

import os
import signal
import time

import pytest

import repltest as rt
from castortest import CASTOR_SERVER, REDIS_SERVER, wait_for
from repltest import start_server  # noqa: F401  (replicas stop before masters)
from resp import Err, RespConn

IMPLS = {"castor": CASTOR_SERVER, "redis": REDIS_SERVER}
FAST = {"repl-diskless-sync-delay": "0"}
UNBLOCKED = ("UNBLOCKED force unblock from blocking operation, instance state changed "
             "(master -> replica?)")


@pytest.fixture(params=sorted(IMPLS))
def impl(request):
    return request.param


def make(start_server, impl, **directives):
    d = dict(FAST)
    d.update({k.replace("_", "-"): v for k, v in directives.items()})
    return start_server(directives=d, binary=IMPLS[impl], name="%s%d" % (impl, time.monotonic_ns() % 1000))


def follow(replica, master):
    assert rt.replicaof(rt.client_of(replica), master) == "OK"
    rt.wait_for_sync(rt.client_of(master), rt.client_of(replica))
    # The sync's snapshot child may not be reaped yet: SAVE would fail.
    wait_for(lambda: rt.info(master, "persistence")["rdb_bgsave_in_progress"] == "0", 10)


# ---- 1. a master restarted from an older snapshot -------------------------------------------

def test_master_restarted_from_older_snapshot_full_resyncs_replica_ahead(start_server, impl):
    """Redis 7.0 moves the replication ID it loads to master_replid2 (valid up
    to the loaded offset + 1) and starts a new one: a replica that went past
    the snapshot cannot continue partially and gets a full sync."""
    m = make(start_server, impl)
    r = make(start_server, impl)
    mc = m.client()
    follow(r, m)
    mc.set("x", "1")
    assert mc.execute_command("SAVE")
    loaded_id = rt.repl(mc)["master_replid"]
    loaded_off = rt.offset(mc)
    mc.set("y", "old")
    rt.wait_for_sync(mc, rt.client_of(r))
    # The replica saves its state (ahead of the master's snapshot) and stops.
    try:
        rt.client_of(r).execute_command("SHUTDOWN", "SAVE")
    except Exception:
        pass
    r.wait_exit(20)
    m.kill()
    m.start()
    mc = m.client()
    info = rt.repl(mc)
    assert info["master_replid2"] == loaded_id
    assert int(info["second_repl_offset"]) == loaded_off + 1
    assert info["master_replid"] != loaded_id
    assert int(info["master_repl_offset"]) == loaded_off
    mc.set("y", "new")
    mc.set("z", "1")
    mc.set("w", "1")
    # It comes back as a replica of m, from its own RDB (ID and offset).
    r.directives = dict(r.directives, replicaof="127.0.0.1 %d" % m.port)
    r.start()
    rc = rt.client_of(r)
    rt.wait_for_sync(mc, rc)
    assert rc.get("y") == b"new"
    assert rt.digest(mc) == rt.digest(rc)
    assert rt.sync_counts(mc) == (1, 0)     # one full sync, no partial


def test_master_restarted_from_its_snapshot_continues_replica_partially(start_server, impl):
    """The same restart with a replica exactly at the snapshot's offset:
    its PSYNC names the loaded ID and an offset within replid2's validity,
    so it continues partially."""
    m = make(start_server, impl, save="3600 1")
    r = make(start_server, impl)
    mc = m.client()
    follow(r, m)
    mc.set("x", "1")
    rt.wait_for_sync(mc, rt.client_of(r))
    os.kill(r.pid, signal.SIGSTOP)
    try:
        mc.execute_command("SAVE")
        m.kill()
        m.start()
    finally:
        os.kill(r.pid, signal.SIGCONT)
    mc = m.client()
    rt.wait_for_sync(mc, rt.client_of(r))
    mc.set("after", "restart")
    rt.wait_for_sync(mc, rt.client_of(r))
    assert rt.sync_counts(mc) == (0, 1)
    assert rt.digest(mc) == rt.digest(rt.client_of(r))


def test_new_master_offset_stays_zero_until_a_write(start_server, impl):
    """With repl-ping-replica-period 3600 nothing is fed to two new replicas
    before the first write (Redis's psync2-master-restart expects it)."""
    m = make(start_server, impl, repl_ping_replica_period="3600")
    mc = m.client()
    for _ in range(2):
        follow(make(start_server, impl), m)
    time.sleep(1.2)   # past a cron second: nothing may be fed meanwhile
    assert rt.offset(mc) == 0
    mc.set("k", "v")
    assert rt.offset(mc) > 0


def test_debug_reload_nosave_of_an_older_file_resyncs_replicas(start_server):
    """castor: a master that loads an older snapshot (DEBUG RELOAD NOSAVE)
    continues its history under a new ID like at start: its replica, which
    holds the newer data, full-resyncs to the reloaded data. (Redis 7.0
    keeps its ID here and the replica silently keeps the newer data.)"""
    m = make(start_server, "castor")
    r = make(start_server, "castor")
    mc = m.client()
    follow(r, m)
    mc.set("k", "saved")
    mc.execute_command("SAVE")
    mc.set("k", "newer")
    rt.wait_for_sync(mc, rt.client_of(r))
    old_id = rt.repl(mc)["master_replid"]
    assert mc.execute_command("DEBUG", "RELOAD", "NOSAVE")
    assert mc.get("k") == b"saved"
    assert rt.repl(mc)["master_replid"] != old_id
    rt.wait_for_sync(mc, rt.client_of(r))
    assert rt.client_of(r).get("k") == b"saved"
    assert rt.digest(mc) == rt.digest(rt.client_of(r))


def test_debug_reload_keeps_the_history(start_server, impl):
    """DEBUG RELOAD (save, then load what was saved) changes neither the
    data nor the replication ID: the replica stays connected."""
    m = make(start_server, impl)
    r = make(start_server, impl)
    mc = m.client()
    follow(r, m)
    mc.set("k", "v")
    rt.wait_for_sync(mc, rt.client_of(r))
    before = rt.repl(mc)["master_replid"]
    assert mc.execute_command("DEBUG", "RELOAD")
    assert rt.repl(mc)["master_replid"] == before
    mc.set("k2", "v2")
    rt.wait_for_sync(mc, rt.client_of(r))
    assert rt.sync_counts(mc) == (1, 0)
    assert rt.digest(mc) == rt.digest(rt.client_of(r))


# ---- 2. blocked clients and role changes -----------------------------------------------------

def _blocked_count(s):
    return int(rt.info(s, "clients")["blocked_clients"])


@pytest.mark.parametrize("blocker", [("BLPOP", "foo", "0"), ("BZPOPMIN", "foo", "0"),
                                     ("BLMOVE", "foo", "dst", "LEFT", "RIGHT", "0")],
                         ids=lambda b: b[0])
def test_client_blocked_on_a_master_that_becomes_replica_is_unblocked(start_server, impl, blocker):
    """A client in BLPOP on A; B becomes master and A its replica; a push on
    B reaches A's dataset through the stream. Redis unblocks the client on
    the role change with -UNBLOCKED, so A holds what B holds."""
    a = make(start_server, impl)
    b = make(start_server, impl)
    ac = a.client()
    with RespConn(a.port) as blocked:
        blocked.send(*blocker)
        wait_for(lambda: _blocked_count(ac) == 1, 5)
        assert rt.client_of(b).execute_command("REPLICAOF", "NO", "ONE")
        follow(a, b)
        assert blocked.read() == Err(UNBLOCKED)
        assert _blocked_count(ac) == 0
        push = ("ZADD", "foo", "1", "a", "2", "b") if blocker[0] == "BZPOPMIN" else \
            ("RPUSH", "foo", "a", "b", "c")
        rt.client_of(b).execute_command(*push)
        rt.wait_for_sync(rt.client_of(b), ac)
        assert rt.digest(ac) == rt.digest(rt.client_of(b))
        # As Redis, the connection is closed after the error.
        with pytest.raises(ConnectionError):
            blocked.call("PING")


def test_client_in_wait_is_unblocked_when_its_master_becomes_replica(start_server, impl):
    """WAIT is a blocked operation too: the role change ends it with the
    same -UNBLOCKED error."""
    m = make(start_server, impl)
    r = make(start_server, impl)
    other = make(start_server, impl)
    follow(r, m)
    os.kill(r.pid, signal.SIGSTOP)   # never acknowledges
    try:
        with RespConn(m.port) as waiting:
            waiting.call("SET", "k", "v")
            waiting.send("WAIT", "1", "0")
            wait_for(lambda: _blocked_count(m.client()) == 1, 5)
            rt.replicaof(m.client(), other)
            assert waiting.read() == Err(UNBLOCKED)
            with pytest.raises(ConnectionError):
                waiting.call("PING")
    finally:
        os.kill(r.pid, signal.SIGCONT)


# ---- 4. replication buffers and maxmemory --------------------------------------------------

def test_replica_output_buffer_does_not_make_the_master_evict(start_server, impl):
    """Redis 7.0 leaves replica output buffers out of the figure compared
    with maxmemory (mem_not_counted_for_evict): a replica that stops
    reading must not make its master evict keys (and then the replica)."""
    m = make(start_server, impl, repl_backlog_size="10240",
             client_output_buffer_limit="replica 0 0 0")
    r = make(start_server, impl)
    mc = m.client()
    for j in range(50):
        mc.setrange("key:%d" % j, 20000, "asdf")
    follow(r, m)
    mem = rt.info(mc, "memory")
    limit = int(mem["used_memory"]) - int(mem["mem_not_counted_for_evict"]) + 256 * 1024
    mc.config_set("maxmemory-policy", "allkeys-random")
    mc.config_set("maxmemory", limit)
    os.kill(r.pid, signal.SIGSTOP)
    try:
        p = mc.pipeline(transaction=False)
        for k in range(20000):
            p.setrange("key:0", 0, "A" * 500)
            if k % 1000 == 999:
                p.execute()
        p.execute()
        mem = rt.info(mc, "memory")
        assert int(mem["mem_clients_slaves"]) > 2 * 1024 * 1024
        assert int(mem["mem_not_counted_for_evict"]) > 2 * 1024 * 1024
        assert int(mem["mem_total_replication_buffers"]) >= int(mem["mem_not_counted_for_evict"])
        assert mc.dbsize() == 50
        assert int(rt.stats(mc)["evicted_keys"]) == 0
    finally:
        os.kill(r.pid, signal.SIGCONT)
    rt.wait_for_sync(mc, rt.client_of(r))
    assert rt.digest(mc) == rt.digest(rt.client_of(r))


# ---- 3. a graceful shutdown waits for replicas ----------------------------------------------

def _log(s):
    with open(s.logfile_path, errors="replace") as f:
        return f.read()


@pytest.mark.parametrize("how", ["sigterm", "shutdown"])
def test_graceful_shutdown_of_master_waits_for_its_replica(start_server, impl, how):
    """Redis 7.0 pauses writes on SHUTDOWN / SIGTERM and waits up to
    shutdown-timeout for every replica to acknowledge its last offset:
    a write the replica had not received yet reaches it."""
    m = make(start_server, impl, shutdown_timeout="60", hz="100")
    r = make(start_server, impl)
    follow(r, m)
    mc = m.client()
    mc.set("k", "1")
    rt.wait_for_sync(mc, rt.client_of(r))
    os.kill(r.pid, signal.SIGSTOP)
    try:
        mc.incr("k")
        if how == "sigterm":
            os.kill(m.pid, signal.SIGTERM)
        else:
            blocked = RespConn(m.port)
            blocked.send("SHUTDOWN")
        wait_for(lambda: int(rt.info(mc, "server").get("shutdown_in_milliseconds", 0)) > 0, 10)
        # Writes are paused meanwhile; reads are served.
        assert mc.get("k") == b"2"
    finally:
        os.kill(r.pid, signal.SIGCONT)
    assert m.wait_exit(20) == 0
    rc = rt.client_of(r)
    wait_for(lambda: rc.get("k") == b"2", 10)
    log = _log(m)
    assert "1 of 1 replicas are in sync when shutting down." in log
    assert "Lagging replica" not in log


def test_shutdown_waits_at_most_shutdown_timeout_then_logs_the_lagging_replica(start_server, impl):
    m = make(start_server, impl, shutdown_timeout="1")
    r = make(start_server, impl)
    follow(r, m)
    os.kill(r.pid, signal.SIGSTOP)
    try:
        m.client().incr("k")
        t0 = time.monotonic()
        os.kill(m.pid, signal.SIGTERM)
        assert m.wait_exit(20) == 0
        assert time.monotonic() - t0 >= 0.9
    finally:
        os.kill(r.pid, signal.SIGCONT)
    log = _log(m)
    assert "Lagging replica" in log
    assert "0 of 1 replicas are in sync when shutting down." in log


def test_shutdown_now_and_abort(start_server, impl):
    """SHUTDOWN ABORT cancels a waiting shutdown: the clients blocked in
    SHUTDOWN get an error and writes resume; SHUTDOWN NOW does not wait."""
    m = make(start_server, impl, shutdown_timeout="60")
    r = make(start_server, impl)
    follow(r, m)
    mc = m.client()
    os.kill(r.pid, signal.SIGSTOP)
    try:
        mc.incr("k")
        waiting = [RespConn(m.port) for _ in range(2)]
        for w in waiting:
            w.send("SHUTDOWN")
        wait_for(lambda: int(rt.info(mc, "clients")["blocked_clients"]) == 2, 10)
        assert mc.execute_command("SHUTDOWN", "ABORT")
        for w in waiting:
            assert w.read() == Err("ERR Errors trying to SHUTDOWN. Check logs.")
        assert "Shutdown manually aborted." in _log(m)
        assert mc.incr("k") == 2     # writes are no longer paused
        with pytest.raises(Exception):
            mc.execute_command("SHUTDOWN", "ABORT")   # none in progress
        with RespConn(m.port) as c:
            assert c.call("SHUTDOWN", "ABORT", "NOW") == Err("ERR syntax error")
            c.send("SHUTDOWN", "NOW", "NOSAVE")
        assert m.wait_exit(5) == 0
    finally:
        os.kill(r.pid, signal.SIGCONT)


# ---- smaller differences ---------------------------------------------------------------------

def test_replica_reconnects_at_once_after_its_link_drops(start_server, impl):
    """Redis 7.0 reconnects as soon as the master link is lost, not at the
    next cron tick (hz 1 here: a second): a small backlog then still
    holds the replica's offset and the resync is partial."""
    m = make(start_server, impl)
    r = make(start_server, impl, hz="1")
    follow(r, m)
    rc = rt.client_of(r)
    for i in range(5):
        rt.client_of(m).set("k", str(i))
        rt.wait_for_sync(rt.client_of(m), rc)
        t0 = time.monotonic()
        assert rc.execute_command("CLIENT", "KILL", "TYPE", "master") == 1
        wait_for(lambda: rt.repl(rc).get("master_link_status") == "up", 5, interval=0.005)
        assert time.monotonic() - t0 < 0.4, "cut %d: reconnected after %.2fs" % (i, time.monotonic() - t0)
    assert rt.sync_counts(rt.client_of(m)) == (1, 5)


def test_min_replicas_to_write_counts_a_replica_as_soon_as_it_is_online(start_server, impl):
    """The good replicas are recounted when one comes online and on CONFIG
    SET, not at the next cron second: the write right after the sync is
    accepted (Redis's replication-2 'min-slaves-to-write is honored')."""
    m = make(start_server, impl)
    r = make(start_server, impl)
    mc = m.client()
    mc.config_set("min-replicas-to-write", 1)
    with pytest.raises(Exception, match="NOREPLICAS"):
        mc.set("k", "v")
    assert rt.replicaof(rt.client_of(r), m) == "OK"
    rt.wait_for_sync(mc, rt.client_of(r))
    assert mc.set("k", "v")
    mc.config_set("min-replicas-to-write", 2)
    with pytest.raises(Exception, match="NOREPLICAS"):
        mc.set("k", "v")
    mc.config_set("min-replicas-to-write", 1)
    assert mc.set("k", "v2")


def test_failover_force_logs_time_out_exceeded(start_server, impl):
    m = make(start_server, impl)
    r = make(start_server, impl)
    follow(r, m)
    mc = m.client()
    os.kill(r.pid, signal.SIGSTOP)
    try:
        mc.set("k", "v")   # the replica can't acknowledge it
        assert mc.execute_command("FAILOVER", "TO", "127.0.0.1", str(r.port), "FORCE", "TIMEOUT", "100")
        wait_for(lambda: "time out exceeded, failing over." in _log(m), 5)
    finally:
        os.kill(r.pid, signal.SIGCONT)
    wait_for(lambda: rt.repl(mc).get("role") == "slave", 10)


def test_error_applying_the_masters_stream_is_logged_as_critical(start_server, impl):
    """propagation-error-behavior ignore: a command from the master that
    fails on the replica is logged once with Redis's '== CRITICAL ==' line
    and the link stays (panic would stop the replica)."""
    m = make(start_server, impl)
    r = make(start_server, impl, propagation_error_behavior="ignore")
    follow(r, m)
    mc = m.client()
    mc.execute_command("DEBUG", "REPLICATE", "fake-command-1")
    mc.set("foo", "bar2")
    rt.wait_for_sync(mc, rt.client_of(r))
    log = _log(r)
    assert log.count("== CRITICAL ==") == 1
    assert log.count("fake-command-1") == 1
    assert rt.client_of(r).get("foo") == b"bar2"
    assert int(rt.stats(rt.client_of(r))["unexpected_error_replies"]) == 1


def test_writable_replica_expires_the_keys_its_clients_wrote_with_a_ttl(start_server, impl):
    """replica-read-only no: keys a replica's own clients set with a TTL are
    expired by the replica (its master never will); a write to a master's
    key that expired starts from no key (Redis 7.0)."""
    m = make(start_server, impl)
    r = make(start_server, impl)
    follow(r, m)
    mc, rc = m.client(), rt.client_of(r)
    mc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    mc.set("master:k", "5", px=10)
    rt.wait_for_sync(mc, rc)
    rc.config_set("replica-read-only", "no")
    for i in range(3):
        rc.set("own:%d" % i, i, px=300)
    assert rc.dbsize() == 4
    wait_for(lambda: rc.dbsize() == 1, 10)      # the master's key stays until its DEL
    assert rc.incr("master:k") == 1             # expired: INCR starts from 0
    assert rc.ttl("master:k") == -1


def test_replica_receiving_a_swapdb_payload_reports_loading_and_keeps_data_on_abort(start_server,
                                                                                    impl):
    """repl-diskless-load swapdb, a replica with data, a slow master
    snapshot: INFO loading is 1 while the payload arrives (Redis loads it
    as it comes), and when the master drops the link the old data is
    there (Redis's replication unit, 'different replid')."""
    m = make(start_server, impl, rdb_key_save_delay="10000", rdbcompression="no")
    r = make(start_server, impl, repl_diskless_load="swapdb")
    rc = rt.client_of(r)
    rc.set("mykey", "myvalue")
    m.client().execute_command("DEBUG", "POPULATE", "500", "master", "10000")
    rt.replicaof(rc, m)
    wait_for(lambda: rt.info(rc, "persistence")["loading"] == "1", 10)
    m.client().config_set("repl-diskless-sync-delay", 5)
    m.client().execute_command("CLIENT", "KILL", "TYPE", "replica")
    wait_for(lambda: rt.info(rc, "persistence")["loading"] == "0", 10)
    assert rc.get("mykey") == b"myvalue"
    assert rc.dbsize() == 1
    m.client().config_set("rdb-key-save-delay", 0)


def test_replica_output_limit_below_backlog_size_uses_the_backlog_size(start_server, impl):
    """A replica's hard output limit smaller than repl-backlog-size would
    cut links a partial resync just accepted; Redis uses the backlog size
    instead: 3 MB pending for a stopped replica under a 512 KB limit and a
    10 MB backlog keep it connected."""
    m = make(start_server, impl, repl_backlog_size="10mb",
             client_output_buffer_limit="replica 512kb 0 0")
    r = make(start_server, impl)
    follow(r, m)
    mc = m.client()
    os.kill(r.pid, signal.SIGSTOP)
    try:
        for i in range(3):
            mc.set("big%d" % i, "A" * (1024 * 1024))
        time.sleep(0.3)                  # a cron check of the limits
        assert rt.repl(mc)["connected_slaves"] == "1"
    finally:
        os.kill(r.pid, signal.SIGCONT)
    rt.wait_for_sync(mc, rt.client_of(r))
    assert rt.sync_counts(mc) == (1, 0)


def test_replication_buffer_is_shared_and_keeps_what_a_slow_replica_needs(start_server, impl):
    """Redis 7.0 stores the stream once for the backlog and every replica:
    while a stopped replica still needs old bytes the backlog holds them
    (repl_backlog_histlen beyond repl-backlog-size), another replica can
    continue partially from there, and the memory goes once nobody needs
    it. Two replicas at the same position cost one copy."""
    m = make(start_server, impl, repl_backlog_size="16384",
             client_output_buffer_limit="replica 0 0 0")
    slow = make(start_server, impl)
    other = make(start_server, impl)
    follow(slow, m)
    follow(other, m)
    mc = m.client()
    os.kill(slow.pid, signal.SIGSTOP)
    try:
        for i in range(100):
            mc.set("a%d" % i, "v" * 100000)   # 10 MB: more than socket buffers take
        rt.wait_for_sync(mc, rt.client_of(other))
        rt.client_of(other).execute_command("REPLICAOF", "127.0.0.1", str(slow.port))  # leaves m
        for i in range(100):
            mc.set("k%d" % i, "v" * 100000)
        histlen = int(rt.repl(mc)["repl_backlog_histlen"])
        assert histlen > 10000000
        total = int(rt.info(mc, "memory")["mem_total_replication_buffers"])
        assert histlen < total < histlen * 1.2   # one copy, not one per reader
        # 'other' comes back: its offset is still held, so it continues.
        rt.replicaof(rt.client_of(other), m)
        wait_for(lambda: rt.repl(rt.client_of(other)).get("master_link_status") == "up", 10)
        assert rt.sync_counts(mc)[1] == 1
    finally:
        os.kill(slow.pid, signal.SIGCONT)
    rt.wait_for_sync(mc, rt.client_of(slow), rt.client_of(other))
    assert rt.digest(mc) == rt.digest(rt.client_of(slow)) == rt.digest(rt.client_of(other))
    # Nobody needs the old blocks now: back to about the backlog size.
    wait_for(lambda: int(rt.repl(mc)["repl_backlog_histlen"]) < 1000000, 10)


@pytest.mark.parametrize("master_impl", sorted(IMPLS))
def test_a_ttl_that_passes_inside_a_transaction_replicates_as_the_master_saw_it(
        start_server, impl, master_impl):
    """Time stands still inside EXEC: a key SET with PX 50 is still there for
    the APPEND and PERSIST queued after a 100 ms DEBUG SLEEP, so the master
    keeps "vx". Its replica gets SET k v PXAT <already past>, APPEND,
    PERSIST: a castor replica took the past PXAT as "the key is gone" and
    ended with "x" or nothing."""
    m = make(start_server, master_impl)
    r = make(start_server, impl)
    follow(r, m)
    with RespConn(m.port) as c:
        replies = c.pipeline([["MULTI"], ["SET", "k", "v", "PX", "50"], ["DEBUG", "SLEEP", "0.1"],
                              ["APPEND", "k", "x"], ["PERSIST", "k"], ["EXEC"]])
        assert replies[-1][0] == "*" and c.call("GET", "k") == b"vx", replies
        assert c.call("PTTL", "k") == -1
        # The same inside a script: it runs at the time it started.
        assert c.call("EVAL", "redis.call('SET', KEYS[1], 'v', 'PX', 1) "
                      "local t = redis.call('TIME') local u = t[1] * 1000000 + t[2] "
                      "repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] > u + 5000 "
                      "redis.call('APPEND', KEYS[1], 'y') return redis.call('PERSIST', KEYS[1])",
                      "1", "j") == 1
    rt.wait_for_sync(rt.client_of(m), rt.client_of(r))
    rc = rt.client_of(r)
    assert rc.get("k") == b"vx" and rc.get("j") == b"vy"
    assert rt.digest(rt.client_of(m)) == rt.digest(rc)
