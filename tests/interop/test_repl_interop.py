"""Replication between castor and Debian's redis-server 7.0.15, as real peers
(contract: docs/REPLICATION.md).

Both directions (castor replica of a redis-server master, redis-server replica
of a castor master), each with a disk and a diskless full sync: a dataset of
every type in several dbs, a live workload while attached, then the link is
cut (on the master's side or on the replica's) and must come back with a
partial resync (the master's sync_partial_ok moves, sync_full does not), after
which both hold the same data (DEBUG DIGEST and key by key, in every db).
Also a chain redis -> castor -> redis, and ROLE / INFO replication replies
compared with redis-server's.

With CASTOR_SERVER=/usr/bin/redis-server every test here runs redis<->redis
and passes: that checks the tests themselves.
"""

import os

import pytest

import repltest as rt
from repltest import start_server  # noqa: F401  (replicas stop before masters)
from castortest import CASTOR_SERVER, REDIS_SERVER, wait_for
from resp import shape

PING_BYTES = len(b"*1\r\n$4\r\nPING\r\n")   # one master PING in the stream

FAST = {"repl-diskless-sync-delay": "0"}
DBS = (0, 1, 9)


# ---- helpers -------------------------------------------------------------------------------

def start_castor(start_server, **directives):
    """A castor (CASTOR_SERVER) with FAST plus directives."""
    return start_server(directives=dict(FAST, **directives), binary=CASTOR_SERVER, name="castor")


def start_redis(start_server, **directives):
    """A redis-server (REDIS_SERVER) with FAST plus directives."""
    return start_server(directives=dict(FAST, **directives), binary=REDIS_SERVER, name="redis")


def cut_link(how, master, replica):
    """Drop the replication link: CLIENT KILL TYPE replica on the master, or
    CLIENT KILL TYPE master on the replica. Both sides keep what they need
    for a partial resync."""
    if how == "master-side":
        assert master.client().execute_command("CLIENT", "KILL", "TYPE", "replica") == 1
    else:
        assert replica.client().execute_command("CLIENT", "KILL", "TYPE", "master") == 1


def full_sync_workload_cut_resync(master, replica, diskless, cut):
    """The scenario both directions share; see the module docstring."""
    mc, rc = master.client(), replica.client()
    assert mc.config_set("repl-diskless-sync", "yes" if diskless else "no")
    rt.fill_all_types(mc, dbs=DBS, n=40)
    assert rt.sync_counts(mc) == (0, 0)

    # Full sync of the dataset.
    assert rt.replicaof(rc, master) == "OK"
    rt.wait_for_sync(mc, rc)
    assert rt.sync_counts(mc) == (1, 0)
    # A disk sync leaves the master's RDB file behind; a diskless one writes none.
    rdb = os.path.join(master.workdir, "dump.rdb")
    assert os.path.exists(rdb) == (not diskless), "full sync used the wrong method"
    rt.assert_same_digest(mc, rc)
    rt.assert_same_data(mc, rc, dbs=DBS)

    # Live writes of every type while attached.
    rt.workload(mc, rounds=1500, dbs=DBS, seed=1)
    rt.wait_for_sync(mc, rc)
    rt.assert_same_digest(mc, rc)

    # Cut, write into the gap, and come back with a partial resync.
    cut_link(cut, master, replica)
    rt.workload(mc, rounds=600, dbs=DBS, seed=2, prefix="gap")
    rt.wait_stats(mc, partial=1)
    rt.wait_for_sync(mc, rc)
    assert rt.sync_counts(mc) == (1, 1), "expected a partial resync, not a full one"
    rt.workload(mc, rounds=300, dbs=DBS, seed=3)
    rt.wait_for_sync(mc, rc)
    rt.assert_same_digest(mc, rc)
    rt.assert_same_data(mc, rc, dbs=range(16))
    r9 = rt.db_client(rc, 9)
    try:
        assert r9.lrange("fill:9:biglist", 0, 1) == [b"item-0", b"item-1"]
    finally:
        r9.close()


SYNC_CASES = [pytest.param(True, "master-side", id="diskless-kill-on-master"),
              pytest.param(False, "replica-side", id="disk-kill-on-replica")]


# ---- both directions ----------------------------------------------------------------------

@pytest.mark.parametrize("diskless,cut", SYNC_CASES)
def test_castor_replica_of_redis_master(start_server, diskless, cut):
    master = start_redis(start_server)
    replica = start_castor(start_server)
    full_sync_workload_cut_resync(master, replica, diskless, cut)


@pytest.mark.parametrize("diskless,cut", SYNC_CASES)
def test_redis_replica_of_castor_master(start_server, diskless, cut):
    master = start_castor(start_server)
    replica = start_redis(start_server)
    full_sync_workload_cut_resync(master, replica, diskless, cut)


def test_chain_redis_castor_redis(start_server):
    top = start_redis(start_server)
    mid = start_castor(start_server, **{"repl-diskless-sync": "no"})   # disk sync below castor
    bottom = start_redis(start_server)
    tc, mc, bc = top.client(), mid.client(), bottom.client()
    rt.fill_all_types(tc, dbs=DBS, n=20)
    assert rt.replicaof(mc, top) == "OK"
    rt.wait_for_sync(tc, mc)
    assert rt.replicaof(bc, mid) == "OK"
    rt.wait_for_sync(tc, mc, bc)
    rt.workload(tc, rounds=1000, dbs=DBS)
    tc.set("last-write", "reached the bottom")
    off = rt.wait_for_sync(tc, mc, bc)
    assert bc.get("last-write") == b"reached the bottom"
    assert rt.wait_offsets_equal(tc, mc, bc) >= off
    assert rt.repl(bc)["master_replid"] == rt.repl(mc)["master_replid"] == \
        rt.repl(tc)["master_replid"]
    rt.assert_same_digest(tc, mc, bc)
    rt.assert_same_data(tc, bc, dbs=DBS)


# ---- ROLE and INFO replication against redis-server's ------------------------------------

def in_order(fields, expected):
    """expected all appear in fields, in the same order."""
    pos = [fields.index(f) for f in expected if f in fields]
    return len(pos) == len(expected) and pos == sorted(pos)


def test_role_and_info_replication_like_redis(start_server):
    # redis master -> castor replica, castor master -> redis replica.
    rm = start_redis(start_server)
    cr = start_castor(start_server)
    cm = start_castor(start_server)
    rr = start_redis(start_server)
    for master, replica in ((rm, cr), (cm, rr)):
        with master.raw() as c:
            assert c.call("SET", "k", "v") == "OK"
            assert rt.replicaof(replica.client(), master) == "OK"
            rt.wait_for_sync(master.client(), replica.client())
            assert c.call("SET", "k2", "v2") == "OK"
            # WAIT (same connection as the write): the master's view of the
            # replica's offset is now past the write.
            assert c.call("WAIT", "1", "5000") == 1
        rt.wait_for_sync(master.client(), replica.client())

    roles = {}
    for name, s in (("rm", rm), ("cm", cm), ("cr", cr), ("rr", rr)):
        with s.raw() as c:
            roles[name] = c.call_node("ROLE")
    # Same shape as redis-server's: ["master", offset, [[ip, port, offset]]] ...
    assert shape(roles["cm"]) == shape(roles["rm"]) == (
        "*", ["$", ":", ("*", [("*", ["$", "$", "$"])])])
    # ... and ["slave", host, port, "connected", offset].
    assert shape(roles["cr"]) == shape(roles["rr"]) == ("*", ["$", "$", ":", "$", ":"])
    for name, master, replica in (("cm", cm, rr), ("rm", rm, cr)):
        role, off, slaves = roles[name][1]
        # The master's periodic PING may land between ROLE and INFO.
        assert role == ("$", b"master") and 0 <= rt.offset(master) - off[1] <= PING_BYTES
        (_, (ip, port, ack)), = slaves[1]
        assert ip[1] == b"127.0.0.1" and port[1] == str(replica.port).encode()
        assert 0 < int(ack[1]) <= off[1], (name, roles[name], rt.repl(master))
    for name, master, replica in (("cr", rm, cr), ("rr", cm, rr)):
        vals = [v for _, v in roles[name][1]]
        assert vals[:4] == [b"slave", b"127.0.0.1", master.port, b"connected"]
        assert 0 <= rt.offset(replica) - vals[4] <= PING_BYTES

    # INFO replication: castor has every field redis-server has, in its order.
    for cs, rs in ((cm, rm), (cr, rr)):
        fc, fr = list(rt.repl(cs)), list(rt.repl(rs))
        assert in_order(fc, fr), "castor %r\nredis  %r" % (fc, fr)
        for k in ("role", "connected_slaves", "master_failover_state", "repl_backlog_active",
                  "master_link_status", "slave_read_only", "master_sync_in_progress"):
            assert rt.repl(cs).get(k) == rt.repl(rs).get(k), k


# ---- the split full sync falls back to Redis 7.0's with a redis-server peer -----------------

SLOW_KEYS = 20000


def slow_snapshot_master(master):
    """A master whose snapshot takes a few seconds (rdb-key-save-delay: both
    servers have it), so a sync can be looked at while it transfers."""
    mc = master.client(socket_timeout=60)
    mc.execute_command("DEBUG", "POPULATE", SLOW_KEYS, "key", 64)
    assert mc.config_set("rdb-key-save-delay", 200)
    return mc


def test_castor_master_syncs_a_redis_and_a_castor_replica_at_once(start_server):
    """One diskless snapshot for both: the castor replica announced
    castor-stream and gets the stream on its own link; redis-server did not
    and gets Redis 7.0's exchange (its stream held on the master meanwhile:
    full_sync_stream_buffer:master). Both end with the master's data."""
    master = start_castor(start_server, **{"repl-diskless-sync-delay": "30",
                                           "repl-diskless-sync-max-replicas": "2"})
    mc = slow_snapshot_master(master)
    cr, rr = start_castor(start_server), start_redis(start_server)
    crc, rrc = cr.client(socket_timeout=60), rr.client(socket_timeout=60)
    assert rt.replicaof(crc, master) == "OK"
    assert rt.replicaof(rrc, master) == "OK"
    wait_for(lambda: rt.repl(mc).get("full_sync_phase") == "transfer", 60)
    mc.set("during", "the sync")
    im = rt.repl(mc)
    assert im["full_sync_stream_links"] == "1", im   # the castor replica's only
    assert im["full_sync_stream_buffer"] == "master", im
    wait_for(lambda: rt.repl(crc)["master_sync_stream_link"] == "up", 30)
    assert mc.config_set("rdb-key-save-delay", 0)
    rt.wait_for_sync(mc, crc, rrc)
    assert rt.sync_counts(mc) == (2, 0)
    assert rrc.get("during") == crc.get("during") == b"the sync"
    rt.assert_same_digest(mc, crc, rrc)
    assert "stream buffered during the sync" in cr.logfile
    assert rt.repl(mc)["full_sync_stream_buffer"] == "none"


def test_castor_replica_of_a_redis_master_uses_the_7_0_sync(start_server):
    """redis-server ignores `capa castor-stream`: its +FULLRESYNC has no
    STREAM part, so the castor replica opens no second link and takes the
    stream after the snapshot on the one link, as a Redis replica would."""
    master = start_redis(start_server, **{"repl-diskless-sync": "no"})
    mc = slow_snapshot_master(master)
    cr = start_castor(start_server)
    crc = cr.client(socket_timeout=60)
    assert rt.replicaof(crc, master) == "OK"
    wait_for(lambda: rt.repl(crc).get("master_sync_phase") == "transfer", 60)
    mc.set("during", "the sync")
    assert rt.repl(crc)["master_sync_stream_link"] == "none"
    assert mc.config_set("rdb-key-save-delay", 0)
    rt.wait_for_sync(mc, crc)
    assert crc.get("during") == b"the sync"
    rt.assert_same_digest(mc, crc)
    assert "stream buffered during the sync" not in cr.logfile
    assert "Unrecognized REPLCONF option" not in master.logfile


@pytest.mark.parametrize("diskless", [False, True], ids=["disk", "diskless"])
def test_castor_replica_loading_longer_than_repl_timeout_keeps_its_redis_master(start_server,
                                                                                diskless):
    """A castor replica whose snapshot load takes several repl-timeouts
    (key-load-delay) sends its Redis master a newline every second while it
    loads, as a Redis replica does (rdbLoadProgressCallback): the master
    keeps it (no "Disconnecting timedout replica"), and once loaded the
    replica keeps its link (its new master client starts from the current
    time, not from before the load) -- exactly one full sync, no partial
    one, the master's data. Before, Redis dropped it after repl-timeout and
    the castor replica timed its master out at once after loading."""
    master = start_redis(start_server, **{"repl-diskless-sync": "yes" if diskless else "no"})
    rt.slow_load_sync(master, start_castor(start_server))
