"""Error texts of replication (src/errors.h, "Replication"): the ones Redis
7.0 has are checked against redis-server 7.0.15 word for word; the ones
only castor has (the split sync's stream link, the durability mode) are
pinned here, each with the error code (first word) redis-server uses for
the nearest situation it has, so a client that dispatches on the code
treats castor's error as it treats Redis's."""

import os
import signal
import socket
import time

import pytest

from castortest import wait_for
from repltest import repl, replicaof, wait_for_sync
from resp import Err, RespConn, encode_command

# castor-only texts, as errors.h has them (a change here is a change of
# what clients see: update docs/REPLICATION.md with it).
STREAM_FOR_ID = "ERR Invalid stream-for client id"
STREAM_LINK_NO_SYNC = "ERR no full sync of this replica waits for a stream link"
NOT_ACKED = ("NOREPLICAS Not enough replicas acknowledged the write in time (it is applied here "
             "and may or may not survive a failover).")


def call(port, *args):
    with RespConn(port) as c:
        c.send(*args)
        return c.read()


def test_replication_errors_redis_has_are_redis_words(pair):
    """The texts moved from repl.c to errors.h: the same replies as Redis."""
    pair.same([
        ("REPLCONF", "no-such-option", "1"),
        ("REPLCONF", "listening-port", "notanumber"),
        ("REPLCONF", "ip-address", "x" * 60),
        ("WAIT", "0", "-1"),
        ("WAIT", "0", "notanumber"),
        ("FAILOVER", "ABORT"),
        ("FAILOVER", "TIMEOUT", "0"),
        ("FAILOVER", "TIMEOUT", "100", "FORCE"),
        ("FAILOVER", "BOGUS"),
        ("FAILOVER",),
        ("PSYNC", "0" * 40, "1", "FAILOVER"),
    ])


def test_psync_with_an_offset_that_is_no_number(pair):
    """Redis's unit/replication "PSYNC with wrong offset should throw
    error": -ERR, no full sync started."""
    for side, srv in (("castor", pair.castor), ("redis", pair.redis)):
        assert call(srv.port, "PSYNC", "?", "not-a-number") == \
            Err("ERR value is not an integer or out of range"), side
        assert srv.info("stats")["sync_full"] == 0, side


def test_stream_for_zero_id(pair):
    """REPLCONF stream-for <id> (castor's split sync): an id that can't be a
    client's. redis-server does not know the option: its refusal is ERR too."""
    got = call(pair.castor.port, "REPLCONF", "stream-for", "0")
    assert got == Err(STREAM_FOR_ID), got
    ref = call(pair.redis.port, "REPLCONF", "stream-for", "0")
    assert isinstance(ref, Err) and ref.code == Err(STREAM_FOR_ID).code == "ERR", ref


def test_stream_link_without_a_sync_waiting(pair):
    """A stream link whose PSYNC names no full sync in progress is refused
    (and the connection does not become a replica): ERR, like Redis's
    refusals of a PSYNC it can't serve (PSYNC ... FAILOVER with a wrong id)."""
    replid = pair.castor.client().info("replication")["master_replid"]
    with RespConn(pair.castor.port) as c:
        c.send("REPLCONF", "stream-for", "12345")
        assert c.read() == "OK"
        c.send("PSYNC", replid, "1")
        got = c.read()
        assert got == Err(STREAM_LINK_NO_SYNC), got
        c.send("PING")
        assert c.read() == "PONG"
    assert pair.castor.client().info("replication")["connected_slaves"] == 0
    ref = call(pair.redis.port, "PSYNC", "0" * 40, "1", "FAILOVER")
    assert isinstance(ref, Err) and ref.code == Err(STREAM_LINK_NO_SYNC).code, ref


def test_unacknowledged_write_is_noreplicas(make_pair, start_server):
    """min-replicas-to-ack (castor): a held write no replica acknowledged in
    min-replicas-max-lag seconds. Its code is Redis's NOREPLICAS (what
    min-replicas-to-write answers), so a client retries it as it retries
    a write refused for want of replicas."""
    p = make_pair({"min-replicas-max-lag": "1"})
    r = start_server()
    rc, mc = r.client(), p.castor.client()
    replicaof(rc, mc)
    wait_for_sync(mc, rc)
    wait_for(lambda: "state=online" in repl(mc).get("slave0", ""), 10)
    mc.config_set("min-replicas-to-ack", "1")
    assert mc.set("k", "acked")     # the replica acknowledges: no error
    os.kill(r.pid, signal.SIGSTOP)
    try:
        got = call(p.castor.port, "SET", "k", "v")
    finally:
        os.kill(r.pid, signal.SIGCONT)
    assert got == Err(NOT_ACKED), got
    # Redis's NOREPLICAS, for the same configuration without a replica.
    with RespConn(p.redis.port) as c:
        c.send("CONFIG", "SET", "min-replicas-to-write", "1")
        assert c.read() == "OK"
        c.send("SET", "k", "v")
        ref = c.read()
    assert isinstance(ref, Err) and ref.code == Err(NOT_ACKED).code == "NOREPLICAS", ref


def closes_after(port, first, then, timeout=20):
    """Send `first` (SYNC or PSYNC), then `then` on the same link as a rogue
    replica would; True once the master has closed the link (everything it
    sent before is drained)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(encode_command(*first))
        if first[0] == "PSYNC":
            line = b""
            while not line.endswith(b"\r\n"):
                line += s.recv(1)
            assert line.startswith(b"+FULLRESYNC"), line
        s.sendall(encode_command(*then))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if s.recv(65536) == b"":
                return True
        return False
    finally:
        s.close()


@pytest.mark.parametrize("first, then, logged", [
    (("SYNC",), ("PING",), ["Replica generated a reply to command 'ping', disconnecting it: "]),
    (("PSYNC", "replicationid", "-1"), ("GET", "foo"),
     ["Replica generated a reply to command 'get', disconnecting it: ",
      "== CRITICAL == This master is sending an error to its replica: ",
      "Replica can't interact with the keyspace"]),
])
def test_a_replica_that_gets_a_reply_is_disconnected(make_pair, first, then, logged):
    """Redis's unit/replication "replica do not write the reply to the
    replication link": a reply would corrupt the replica's stream, so the
    master logs it and closes the link instead."""
    p = make_pair()
    for srv in (p.castor, p.redis):
        assert closes_after(srv.port, first, then), srv.name
        for text in logged:
            wait_for(lambda: text in srv.logfile, 10, msg="%s logs %r" % (srv.name, text))
        wait_for(lambda: srv.info("persistence")["rdb_bgsave_in_progress"] == 0, 30)
