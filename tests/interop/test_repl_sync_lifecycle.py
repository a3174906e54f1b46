"""A full sync's life on both ends, as Redis 7.0.15's integration/replication
observes it: each scenario once with castor and once with Debian's
redis-server 7.0.15, which shows the behaviour castor must have.

- a replica under repl-diskless-load swapdb that follows the master's
  history keeps serving its data while a full sync arrives (INFO
  async_loading:1, loading:0); commands and configs that can't run during a
  load get -LOADING; a failed transfer keeps the data; a successful one
  replaces it, function libraries of the same name included;
- a disk BGSAVE that no replica waits for any more is killed, unless save
  points want it (INFO rdb_bgsave_in_progress; replicas show wait_bgsave
  while the child writes);
- a replica loading a full sync from the socket exits on SIGTERM without
  finishing the load, and serves INFO (loading:1) while it loads.
"""

import time

import pytest

import repltest as rt
from castortest import CASTOR_SERVER, REDIS_SERVER, wait_for
from repltest import start_server  # noqa: F401  (replicas stop before masters)
from resp import Err

IMPLS = {"castor": CASTOR_SERVER, "redis": REDIS_SERVER}

LIB1 = "#!lua name=test\nredis.register_function('test', function() return 'hello1' end)"
LIB2 = "#!lua name=test\nredis.register_function('test', function() return 'hello2' end)"


@pytest.fixture(params=sorted(IMPLS))
def impl(request):
    return request.param


def make(start_server, impl, **directives):
    # A loading redis-server answers only between chunks of this size.
    d = {"repl-diskless-sync-delay": "0", "loading-process-events-interval-bytes": "1024"}
    d.update({k.replace("_", "-"): v for k, v in directives.items()})
    return start_server(directives=d, binary=IMPLS[impl],
                        name="%s%d" % (impl, time.monotonic_ns() % 1000))


def persistence(s):
    return rt.info(s.client(), "persistence")


def swapdb_pair(start_server, impl):
    """A writable swapdb replica in sync with its master, then each with
    its own data and a function library named 'test'; the master then cuts
    the replica and writes past a 16 KB backlog, so the replica's next sync
    is a full one of the same history."""
    m = make(start_server, impl, repl_diskless_sync="yes")
    r = make(start_server, impl, repl_diskless_load="swapdb", replica_read_only="no")
    mc, rc = m.client(), r.client()
    assert rt.replicaof(rc, m) == "OK"
    rt.wait_for_sync(mc, rc)
    rc.execute_command("DEBUG", "POPULATE", "200", "slave", "10")
    mc.execute_command("DEBUG", "POPULATE", "200", "master", "100000")
    mc.config_set("rdbcompression", "no")
    rc.set("mykey", "myvalue")
    rc.execute_command("FUNCTION", "LOAD", LIB1)
    mc.execute_command("FUNCTION", "LOAD", LIB2)
    return m, r


def force_full_sync(mc):
    p = mc.pipeline(transaction=True)
    p.execute_command("CLIENT", "KILL", "TYPE", "replica")
    p.config_set("repl-backlog-size", "16384")
    for i in range(10):
        p.set("big%d" % i, "A" * 16384)
    p.execute()


def test_swapdb_full_sync_of_same_history_replaces_data_and_functions(start_server, impl):
    """The replica's own key goes, the master's library replaces the
    replica's library of the same name (castor used to refuse the payload
    while checking it, 'Library already exists', and retried forever while
    keeping diverged data)."""
    m, r = swapdb_pair(start_server, impl)
    mc, rc = m.client(), r.client()
    full_before = int(rt.stats(mc)["sync_full"])
    force_full_sync(mc)
    wait_for(lambda: int(rt.stats(mc)["sync_full"]) > full_before, 20)
    rt.wait_for_sync(mc, rc)
    assert rc.get("mykey") is None
    assert rc.execute_command("FCALL", "test", "0") == b"hello2"
    assert rc.dbsize() == mc.dbsize() == 210
    rt.assert_same_digest(mc, rc)


def test_swapdb_async_loading_serves_old_data_until_the_sync_ends(start_server, impl):
    """While the full sync of our own history transfers: async_loading:1,
    loading:0, the old data and functions are served, REPLICAOF and CONFIG
    SET appendonly get -LOADING. A transfer cut by the master keeps it all."""
    m, r = swapdb_pair(start_server, impl)
    mc, rc = m.client(), r.client()
    mc.config_set("rdb-key-save-delay", "20000")  # 200 keys: ~4 s of transfer
    force_full_sync(mc)
    wait_for(lambda: persistence(r)["async_loading"] == "1", 20)
    assert persistence(r)["loading"] == "0"
    assert rc.get("mykey") == b"myvalue"
    assert rc.execute_command("FCALL", "test", "0") == b"hello1"
    assert rc.dbsize() == 201
    raw = r.raw()
    reply = raw.call("CONFIG", "SET", "appendonly", "no")
    assert isinstance(reply, Err) and reply.code == "LOADING", reply
    reply = raw.call("REPLICAOF", "NO", "ONE")
    assert isinstance(reply, Err) and reply.code == "LOADING", reply
    assert persistence(r)["async_loading"] == "1"  # still in the same sync
    # The master cuts the transfer; the next sync waits 5 s.
    mc.config_set("repl-diskless-sync-delay", "5")
    mc.execute_command("CLIENT", "KILL", "TYPE", "replica")
    wait_for(lambda: persistence(r)["async_loading"] == "0", 10)
    assert rc.get("mykey") == b"myvalue"
    assert rc.execute_command("FCALL", "test", "0") == b"hello1"
    assert rc.dbsize() == 201
    mc.config_set("rdb-key-save-delay", "0")


def test_another_history_is_loading_not_async_loading(start_server, impl):
    """A replica of another history (a new master) reports loading:1 and
    async_loading:0 while the transfer runs, and keeps its data if it fails."""
    m = make(start_server, impl, repl_diskless_sync="yes")
    r = make(start_server, impl, repl_diskless_load="swapdb")
    mc, rc = m.client(), r.client()
    rc.execute_command("DEBUG", "POPULATE", "50", "slave", "10")
    mc.execute_command("DEBUG", "POPULATE", "200", "master", "100000")
    mc.config_set("rdb-key-save-delay", "20000")
    assert rt.replicaof(rc, m) == "OK"
    wait_for(lambda: persistence(r)["loading"] == "1", 20)
    assert persistence(r)["async_loading"] == "0"
    mc.config_set("repl-diskless-sync-delay", "5")
    mc.execute_command("CLIENT", "KILL", "TYPE", "replica")
    wait_for(lambda: persistence(r)["loading"] == "0", 10)
    assert rc.dbsize() == 50
    mc.config_set("rdb-key-save-delay", "0")


def replica_states(mc):
    info = rt.info(mc, "replication")
    return [v for k, v in sorted(info.items()) if k.startswith("slave") and k[5:].isdigit()]


def test_disk_sync_child_killed_when_no_replica_needs_it(start_server, impl):
    """Disk sync, BGSAVE slowed to ~10 s: both replicas show wait_bgsave;
    one leaving keeps the child, the last leaving kills it (save ""); with
    save points the child is kept."""
    m = make(start_server, impl, repl_diskless_sync="no")
    r1 = make(start_server, impl)
    r2 = make(start_server, impl)
    mc = m.client()
    for i in range(10):
        mc.set(str(i), str(i))
    mc.config_set("rdb-key-save-delay", "1000000")
    for r in (r1, r2):
        assert rt.replicaof(r.client(), m) == "OK"

    def both_wait():
        states = replica_states(mc)
        return (persistence(m)["rdb_bgsave_in_progress"] == "1" and len(states) == 2
                and all("state=wait_bgsave" in s for s in states))
    wait_for(both_wait, 10)
    r1.client().execute_command("REPLICAOF", "NO", "ONE")
    wait_for(lambda: len(replica_states(mc)) == 1, 10)
    assert persistence(m)["rdb_bgsave_in_progress"] == "1"
    r2.client().execute_command("REPLICAOF", "NO", "ONE")
    wait_for(lambda: persistence(m)["rdb_bgsave_in_progress"] == "0", 5)
    # With save points the snapshot is wanted anyway.
    mc.config_set("save", "900 1")
    for r in (r1, r2):
        assert rt.replicaof(r.client(), m) == "OK"
    wait_for(both_wait, 10)
    for r in (r1, r2):
        r.client().execute_command("REPLICAOF", "NO", "ONE")
    wait_for(lambda: len(replica_states(mc)) == 0, 10)
    time.sleep(0.3)  # what is checked is that nothing happens
    assert persistence(m)["rdb_bgsave_in_progress"] == "1"
    mc.config_set("save", "")
    mc.config_set("rdb-key-save-delay", "0")


def test_sigterm_while_loading_a_full_sync_exits(start_server, impl):
    """A replica parsing its master's payload from the socket (1 ms per key:
    ~20 s) exits soon after SIGTERM, without finishing the load."""
    m = make(start_server, impl, repl_diskless_sync="yes")
    r = make(start_server, impl, repl_diskless_load="swapdb", key_load_delay="1000")
    m.client().execute_command("DEBUG", "POPULATE", "20000", "k", "10")
    assert rt.replicaof(r.client(), m) == "OK"
    wait_for(lambda: "Loading DB in memory" in r.logfile, 20)
    t0 = time.monotonic()
    r.proc.terminate()
    r.wait_exit(8)
    assert time.monotonic() - t0 < 8


def test_replica_loading_from_the_socket_serves_info_and_survives_sigalrm(start_server, impl):
    """Redis's "replica can handle EINTR if use diskless load": a replica
    parsing its master's payload as it arrives (the master takes 20 ms per
    100 KB key: ~2 s) answers INFO meanwhile with loading:1 and the loading
    fields, and the watchdog's SIGALRM, sent while the load holds the loop,
    breaks no read: one full sync, no reconnection, the same data."""
    m = make(start_server, impl, repl_diskless_sync="yes", rdbcompression="no")
    r = make(start_server, impl, repl_diskless_load="on-empty-db")
    mc, rc = m.client(), r.client()
    mc.execute_command("DEBUG", "POPULATE", "100", "master", "100000")
    mc.config_set("rdb-key-save-delay", "20000")
    rc.config_set("watchdog-period", "200")
    assert rt.replicaof(rc, m) == "OK"
    wait_for(lambda: "Loading DB in memory" in r.logfile, 20)
    loading = persistence(r)
    assert loading["loading"] == "1" and loading["async_loading"] == "0"
    assert int(loading["loading_start_time"]) > 0
    for field in ("loading_total_bytes", "loading_loaded_bytes", "loading_loaded_perc",
                  "loading_eta_seconds"):
        assert field in loading
    log = r.logfile
    wait_for(lambda: "WATCHDOG TIMER EXPIRED" in r.logfile[log.index("Loading DB in memory"):],
             10)
    rt.wait_for_sync(mc, rc)
    assert persistence(r)["loading"] == "0"
    assert rt.stats(mc)["sync_full"] == "1"
    assert "Reconnecting to MASTER" not in r.logfile
    rt.assert_same_digest(mc, rc)


@pytest.mark.parametrize("small_backlog", [False, True], ids=["partial", "full"])
def test_master_restart_announces_keys_expired_in_its_snapshot(start_server, impl, small_backlog):
    """A master restarted from its RDB drops keys that expired meanwhile and
    feeds their DELs into its backlog (Redis's RDBFLAGS_FEED_REPL), so its
    replicas, which never expire keys on their own, drop them too: with a
    large backlog the chain resyncs partially, with a 16 KB one it needs a
    full sync, which the replica and its sub-replica accept although the
    master's dataset is now empty (it continues their history). Equal
    digests in both cases (castor used to drop the DELs: the replicas kept
    the keys forever)."""
    quiet = {"repl_timeout": "3600"}
    if small_backlog:
        quiet["repl_backlog_size"] = "16384"
    m = make(start_server, impl, save="3600 1", repl_ping_replica_period="3600", **quiet)
    quiet.pop("repl_backlog_size", None)
    r = make(start_server, impl, **quiet)
    sub = make(start_server, impl, **quiet)
    mc = m.client()
    assert rt.replicaof(r.client(), m) == "OK"
    assert rt.replicaof(sub.client(), r) == "OK"
    rt.wait_link_up(r.client())
    rt.wait_link_up(sub.client())
    n = 2048 if small_backlog else 512
    mc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    p = mc.pipeline(transaction=False)
    for j in range(n):
        p.execute_command("SELECT", j % 16)
        p.set(j, "somevalue", px=10)
    p.execute()
    off = rt.offset(mc)
    wait_for(lambda: rt.offset(r.client()) == off and rt.offset(sub.client()) == off, 20)
    # The master knows it (else its shutdown feeds a GETACK past 'off').
    wait_for(lambda: ("offset=%d," % off) in rt.repl(mc).get("slave0", ""), 20)
    time.sleep(0.05)  # the keys' 10 ms pass
    m.stop()
    m.start()
    mc = m.client()
    rt.wait_link_up(r.client())
    rt.wait_link_up(sub.client())
    assert int(persistence(m)["rdb_last_load_keys_expired"]) == n
    info = rt.repl(mc)
    if small_backlog:
        assert int(info["repl_backlog_first_byte_offset"]) > int(info["second_repl_offset"])
        wait_for(lambda: int(rt.stats(mc)["sync_full"]) == 1, 20)
    else:
        assert int(info["master_repl_offset"]) == off + int(info["repl_backlog_histlen"])
        wait_for(lambda: int(rt.stats(mc)["sync_partial_ok"]) == 1, 20)
        assert int(rt.stats(mc)["sync_full"]) == 0
    mc.execute_command("SET", "after", "restart")  # a write: offsets must meet after it
    rt.wait_offsets_equal(mc, r.client(), sub.client())
    assert rt.digest(mc) == rt.digest(r.client()) == rt.digest(sub.client())


def test_client_kill_ends_the_connection_before_its_reply(start_server, impl):
    """CLIENT KILL of another client ends that connection at once, as Redis's
    immediate free does, not after the killer's reply is written: a
    pipelined 'CLIENT KILL ...' + 'DEBUG SLEEP 1' lets the victim see EOF
    well before the sleep ends. (Redis's swapdb tests kill a replica inside
    MULTI and then ask the replica whether its link is up.)"""
    import socket
    s = make(start_server, impl)
    victim = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    victim.sendall(b"CLIENT SETNAME victim\r\n")
    assert victim.recv(100) == b"+OK\r\n"
    killer = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    t0 = time.monotonic()
    killer.sendall(b"CLIENT KILL SKIPME yes TYPE normal\r\nDEBUG SLEEP 1\r\n")
    victim.settimeout(5)
    assert victim.recv(100) == b""  # EOF
    took = time.monotonic() - t0
    assert took < 0.7, took
    killer.settimeout(5)
    got = b""
    while got.count(b"\r\n") < 2:
        got += killer.recv(100)
    assert got == b":1\r\n+OK\r\n"
    victim.close()
    killer.close()


def test_diskless_timeout_drops_only_the_stalled_replica(start_server, impl):
    """Two replicas share a diskless transfer; one stops reading (SIGSTOP).
    After repl-timeout only that one is dropped: the other, which took every
    chunk and waits for the stalled one, finishes its sync (castor used to
    time both out, killing the transfer)."""
    import os
    import signal
    m = make(start_server, impl, repl_diskless_sync="yes", repl_diskless_sync_delay="5",
             repl_diskless_sync_max_replicas="2", rdbcompression="no")
    slow = make(start_server, impl, repl_diskless_load="swapdb", key_load_delay="100")
    fast = make(start_server, impl)
    mc = m.client()
    mc.execute_command("DEBUG", "POPULATE", "20000", "k", "1000")
    assert rt.replicaof(slow.client(), m) == "OK"
    assert rt.replicaof(fast.client(), m) == "OK"
    wait_for(lambda: "Loading DB in memory" in slow.logfile, 30)
    mc.config_set("repl-timeout", "2")
    os.kill(slow.pid, signal.SIGSTOP)
    try:
        wait_for(lambda: "Disconnecting timedout replica (full sync)" in m.logfile, 20)
        rt.wait_link_up(fast.client(), timeout=30)
        assert fast.client().dbsize() == 20000
        assert m.logfile.count("Disconnecting timedout replica (full sync)") == 1
        assert "last replica dropped" not in m.logfile
    finally:
        os.kill(slow.pid, signal.SIGCONT)
    mc.config_set("repl-timeout", "60")


def test_replicaof_refused_while_failing_over(start_server, impl):
    """While a FAILOVER waits for its target, REPLICAOF (NO ONE or a host)
    is refused with Redis's error: castor ran it, leaving the failover
    state behind it (writes paused, the handover half done)."""
    m = make(start_server, impl)
    r = make(start_server, impl)
    mc = m.client()
    assert rt.replicaof(r.client(), m) == "OK"
    rt.wait_for_sync(mc, r.client())
    sleeper = r.raw()
    sleeper.send("DEBUG", "SLEEP", "3")  # the replica stops acknowledging
    time.sleep(0.1)
    mc.set("k", "v")
    assert mc.execute_command("FAILOVER", "TIMEOUT", "20000") == b"OK"
    wait_for(lambda: rt.repl(mc).get("master_failover_state") == "waiting-for-sync", 5)
    raw = m.raw()
    for args in (("REPLICAOF", "NO", "ONE"), ("REPLICAOF", "127.0.0.1", str(r.port))):
        reply = raw.call(*args)
        assert reply == Err("ERR REPLICAOF not allowed while failing over."), reply
    assert mc.execute_command("FAILOVER", "ABORT") == b"OK"
    assert rt.repl(mc)["role"] == "master"
    sleeper.read()


def test_diskless_transfer_shows_wait_bgsave(start_server, impl):
    """A replica fed by a diskless transfer is in wait_bgsave until the
    child's snapshot ends, as Redis reports it (Redis's tests wait for it)."""
    m = make(start_server, impl, repl_diskless_sync="yes")
    r = make(start_server, impl)
    mc = m.client()
    mc.execute_command("DEBUG", "POPULATE", "10", "k", "10")
    mc.config_set("rdb-key-save-delay", "1000000")
    assert rt.replicaof(r.client(), m) == "OK"
    wait_for(lambda: persistence(m)["rdb_bgsave_in_progress"] == "1"
             and "state=wait_bgsave" in rt.repl(mc).get("slave0", ""), 10)
    mc.config_set("rdb-key-save-delay", "0")


def test_link_reported_down_as_soon_as_the_master_connection_ends(start_server):
    """castor: a replica busy when its master's connection ends, then asked
    for INFO in the same turn as it sees the end, says the link is down (the
    master client is freed only at the end of that turn; it said "up", and
    a test that then read the replica's data read the old dataset)."""
    m = make(start_server, "castor")
    r = make(start_server, "castor")
    mc = m.client()
    assert rt.replicaof(r.client(), m) == "OK"
    rt.wait_for_sync(mc, r.client())
    sleeper, asker = r.raw(), r.raw()
    sleeper.send("DEBUG", "SLEEP", "0.5")
    time.sleep(0.1)
    mc.execute_command("CLIENT", "KILL", "TYPE", "replica")  # the EOF waits for the replica
    time.sleep(0.1)
    asker.send("INFO", "replication")
    assert sleeper.read() == "OK"
    text = asker.read()
    text = text.decode() if isinstance(text, bytes) else text
    assert "master_link_status:down" in text, text
