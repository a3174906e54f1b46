"""Full syncs that finish under a write burst (castor <-> castor split sync,
docs/REPLICATION.md "Full syncs that finish").

A castor replica announces `capa castor-stream`; a castor master then sends
the stream written during the sync on a second link, which the replica
buffers on its side (memory up to replica-sync-buffer-size, then a file in
its dir). The master holds nothing per replica, so the replica output
buffer limit no longer cuts a sync that takes longer than the burst fits
in it: exactly one full sync, equal DEBUG DIGEST.

Scaled for make test (ASan build): ~100 MB of 1 KB values, a burst of SETs
of 1 KB values through the whole sync, a replica limit the burst passes
many times over (the same setup at 1 GB and against redis-server is
bench/bench.py's section `fullsync`).

The same over TLS (tls-replication: the stream link shakes hands as the
first link does), scaled down further: 20 MB, a 4 MB replica limit."""

import os
import re
import signal
import socket
import threading
import time

import pytest

import tlscerts
from castortest import REDIS_SERVER, WaitTimeout, free_port, wait_for
from repltest import digest, info, replicaof, repl, start_server, stats, wait_for_sync  # noqa: F401

KEYS = 100000
VALUE = 1024
LIMIT = "replica 64mb 16mb 10"
HARD = 64 * 1024 * 1024
RATE = 30 * 1024 * 1024


class Burst:
    """SETs of 1 KB values, pipelined, from a thread until stopped, at up to
    RATE bytes/s: more than the replica limit over the sync, and no more
    than an ASan replica on a loaded 2-core machine drains (bench/bench.py
    runs the burst at full rate)."""

    def __init__(self, server, rate=RATE):
        self.c = server.client()
        self.rate = rate
        self.stop_flag = threading.Event()
        self.writes = 0
        self.t = threading.Thread(target=self.run, daemon=True)

    def run(self):
        v = b"v" * VALUE
        i = 0
        start = time.monotonic()
        while not self.stop_flag.is_set():
            p = self.c.pipeline(transaction=False)
            for _ in range(100):
                p.set("burst:%d" % (i % 20000), v)
                i += 1
            p.execute()
            ahead = i * VALUE / self.rate - (time.monotonic() - start)
            if ahead > 0:
                self.stop_flag.wait(ahead)  # pacing, not synchronisation
        self.writes = i

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.t.join(30)


def big_master(start_server, diskless, delay_us=40):
    m = start_server(directives={"repl-diskless-sync": "yes" if diskless else "no",
                                 "repl-diskless-sync-delay": "0",
                                 "client-output-buffer-limit": LIMIT})
    c = m.client(socket_timeout=60)  # DEBUG DIGEST of 100 MB under ASan on a busy machine
    c.execute_command("DEBUG", "POPULATE", KEYS, "key", VALUE)
    # The snapshot takes a few seconds whatever the machine: the burst
    # passes the replica limit many times over meanwhile.
    c.config_set("rdb-key-save-delay", delay_us)
    return m, c


def kill9(server):
    """kill -9, as a crash; the fixture then has nothing left to stop."""
    os.kill(server.pid, signal.SIGKILL)
    server.proc.wait(10)
    server.proc = None


def in_transfer(replica, master_port):
    r = repl(replica)
    return (r.get("master_port") == str(master_port) and r.get("master_sync_phase") == "transfer"
            and int(r.get("master_sync_bytes_received", 0)) > 0)


def watch_sync(replica, until, fields):
    """Poll the replica's INFO while `until()` is false: the largest
    buffered stream and every buffer location seen."""
    seen = {"max": 0, "where": set()}

    def poll():
        r = repl(replica)
        seen["max"] = max(seen["max"], int(r.get("master_sync_stream_buffered_bytes", 0)))
        seen["where"].add(r.get("master_sync_stream_buffer"))
        for f in fields:
            assert f in r, f
        return until()

    wait_for(poll, 120, interval=0.05, msg="the full sync did not finish")
    return seen


def run_burst_sync(start_server, diskless, replica_directives=None):
    m, mc = big_master(start_server, diskless)
    r = start_server(directives=replica_directives or {"replica-sync-buffer-size": "2gb"})
    rc = r.client(socket_timeout=60)  # INFO while it loads 100 MB under ASan
    with Burst(m):
        replicaof(rc, mc)
        seen = watch_sync(rc, lambda: repl(rc)["master_link_status"] == "up",
                          ["master_sync_stream_link", "master_sync_stream_buffer",
                           "master_sync_stream_buffered_bytes"])
    mc.config_set("rdb-key-save-delay", 0)
    wait_for_sync(mc, rc, timeout=120)
    return m, mc, r, rc, seen


def assert_one_sync(mc, rc, seen):
    s = stats(mc)
    assert s["sync_full"] == "1"
    assert s["client_output_buffer_limit_disconnections"] == "0"
    # Redis's protocol would have held all of it on the master, past the limit.
    assert seen["max"] > HARD, seen
    assert digest(mc) == digest(rc)


def test_full_sync_under_burst_disk_finishes_once(start_server):
    m, mc, r, rc, seen = run_burst_sync(start_server, diskless=False)
    assert_one_sync(mc, rc, seen)
    assert "memory" in seen["where"]
    assert "applied" in r.logfile and "stream buffered during the sync" in r.logfile


def test_full_sync_under_burst_diskless_buffers_in_a_file(start_server):
    # A small memory buffer: the rest of the stream goes to a file in dir.
    m, mc, r, rc, seen = run_burst_sync(start_server, diskless=True,
                                        replica_directives={"replica-sync-buffer-size": "2mb"})
    assert_one_sync(mc, rc, seen)
    assert "file" in seen["where"]
    # The file is gone once applied.
    assert not [f for f in os.listdir(r.workdir) if f.startswith("temp-sync-stream")]
    # Master side: the stream was on the replica's side during the sync.
    assert repl(mc)["full_sync_stream_buffer"] == "none"


def test_master_info_shows_where_the_stream_is_buffered(start_server):
    m, mc = big_master(start_server, diskless=False, delay_us=50)
    r = start_server()
    rc = r.client(socket_timeout=60)
    replicaof(rc, mc)
    wait_for(lambda: repl(mc).get("full_sync_stream_links") == "1", 60)
    mi = repl(mc)
    assert mi["full_sync_stream_buffer"] == "replica"
    assert int(mi["full_sync_stream_pending_bytes"]) >= 0
    # The phase and the snapshot's bytes, on both sides, while it transfers.
    assert mi["full_sync_phase"] in ("bgsave", "transfer"), mi
    wait_for(lambda: int(repl(mc)["full_sync_bytes_sent"]) > 0, 60)
    wait_for(lambda: in_transfer(rc, m.port), 60)
    mc.set("during", "the sync")  # the stream link carries it to the replica's buffer
    wait_for(lambda: int(repl(rc)["master_sync_stream_buffered_bytes"]) > 0, 30)
    assert repl(rc)["master_sync_stream_buffer"] == "memory"
    assert repl(rc)["master_sync_stream_file_bytes"] == "0"
    assert mi["connected_slaves"] == "1"  # the stream link is not another replica
    assert repl(rc)["master_sync_stream_link"] == "up"
    mc.config_set("rdb-key-save-delay", 0)
    wait_for_sync(mc, rc, timeout=120)
    # The buffer applied, the link is the master client's own.
    wait_for(lambda: repl(rc)["master_sync_stream_link"] == "none", 10)
    assert repl(mc)["full_sync_stream_links"] == "0"


def test_replica_dying_mid_transfer_leaves_the_other_sync(start_server):
    m, mc = big_master(start_server, diskless=True, delay_us=30)
    mc.config_set("repl-diskless-sync-max-replicas", 2)
    mc.config_set("repl-diskless-sync-delay", 30)
    r1, r2 = start_server(), start_server()
    c1, c2 = r1.client(socket_timeout=60), r2.client(socket_timeout=60)
    replicaof(c1, mc)
    replicaof(c2, mc)
    wait_for(lambda: in_transfer(c1, m.port) and in_transfer(c2, m.port), 60)
    kill9(r2)
    mc.config_set("rdb-key-save-delay", 0)
    mc.set("after", "kill")
    wait_for(lambda: repl(c1)["master_link_status"] == "up", 120)
    wait_for(lambda: c1.get("after") == b"after" or c1.get("after") == b"kill", 30)
    assert stats(mc)["sync_full"] == "2"  # both in one snapshot, none restarted
    assert m.logfile.count("Starting BGSAVE for SYNC") == 1
    assert digest(mc) == digest(c1)


@pytest.mark.parametrize("diskless", [False, True], ids=["disk", "diskless"])
def test_several_replicas_under_burst_one_dies_mid_transfer(start_server, diskless):
    """Three replicas sync from one snapshot under the burst; one is killed
    mid-transfer: the other two finish (one full sync each, no restart, no
    output-buffer disconnection) with the master's digest (redis#15767
    restarted every replica's sync when one dropped)."""
    m, mc = big_master(start_server, diskless, delay_us=30)
    if diskless:
        mc.config_set("repl-diskless-sync-max-replicas", 3)
        mc.config_set("repl-diskless-sync-delay", 30)
    rs = [start_server() for _ in range(3)]
    cs = [r.client(socket_timeout=60) for r in rs]
    with Burst(m):
        for c in cs:
            replicaof(c, mc)
        wait_for(lambda: all(in_transfer(c, m.port) for c in cs), 60)
        # All three on one snapshot, each with its stream link.
        wait_for(lambda: repl(mc).get("full_sync_stream_links") == "3", 30)
        kill9(rs[2])
        wait_for(lambda: all(repl(c)["master_link_status"] == "up" for c in cs[:2]), 180,
                 interval=0.2, msg="the surviving replicas did not finish their sync")
    mc.config_set("rdb-key-save-delay", 0)
    wait_for_sync(mc, *cs[:2], timeout=120)
    s = stats(mc)
    assert s["sync_full"] == "3"  # none restarted
    assert s["client_output_buffer_limit_disconnections"] == "0"
    assert m.logfile.count("Starting BGSAVE for SYNC") == 1
    assert "The other link of its full sync was lost" in m.logfile
    d = digest(mc)
    assert digest(cs[0]) == d and digest(cs[1]) == d
    assert repl(mc)["connected_slaves"] == "2"


@pytest.mark.parametrize("diskless", [False, True], ids=["disk", "diskless"])
def test_master_dying_mid_transfer_keeps_the_old_dataset(start_server, diskless):
    old = start_server()
    oc = old.client()
    oc.set("old", "data")
    r = start_server()
    rc = r.client(socket_timeout=60)
    replicaof(rc, oc)
    wait_for_sync(oc, rc)
    before = digest(rc)
    assert repl(rc)["master_sync_aborted"] == "0"
    assert repl(rc)["master_sync_last_abort"] == "none"
    m, mc = big_master(start_server, diskless=diskless, delay_us=50)
    replicaof(rc, mc)
    wait_for(lambda: in_transfer(rc, m.port), 60)
    kill9(m)
    # The decisive line (a stream-link line may come first: the replica
    # sees the two sockets close in either order).
    wait_for(lambda: "the full sync did not finish" in r.logfile, 30)
    assert "keeping the current dataset" in r.logfile
    # INFO says so too: the dataset is the one from before the sync.
    ri = repl(rc)
    assert ri["master_sync_aborted"] == "1", ri
    assert ri["master_sync_last_abort"] in ("master_link_lost", "stream_link_lost"), ri
    assert ri["master_link_status"] == "down"
    assert digest(rc) == before
    assert rc.get("old") == b"data"
    assert not [f for f in os.listdir(r.workdir) if f.startswith("temp-")]
    # Back to a master: the abort is history (the count stays).
    replicaof(rc, oc)
    wait_for_sync(oc, rc)
    ri = repl(rc)
    assert ri["master_sync_last_abort"] == "none" and ri["master_sync_aborted"] == "1", ri


def test_redis_protocol_without_the_capability(start_server):
    """A replica that does not announce castor-stream (as Redis) gets the
    7.0 exchange: +FULLRESYNC <id> <offset>, the snapshot, then the
    stream on the same link."""
    m = start_server()
    mc = m.client()
    mc.set("k", "v")
    s = m.raw()
    s.send("REPLCONF", "capa", "eof", "capa", "psync2")
    assert s.read_line() == b"+OK"
    s.send("PSYNC", "?", "-1")
    line = s.read_line().strip()  # after the "\n" keepalives
    assert line.startswith(b"+FULLRESYNC ") and len(line.split()) == 3, line


def test_split_sync_loading_from_the_socket(start_server):
    """repl-diskless-load swapdb on an empty replica loads from the socket
    (slowly here: key-load-delay) while the stream link is drained."""
    m, mc = big_master(start_server, diskless=True, delay_us=0)
    r = start_server(directives={"repl-diskless-load": "swapdb", "key-load-delay": "5"})
    rc = r.client(socket_timeout=60)
    with Burst(m):
        replicaof(rc, mc)
        # The replica does not answer while it loads from the socket: its log says.
        wait_for(lambda: "Loading DB in memory (from the socket)" in r.logfile, 60)
        wait_for(lambda: "stream buffered during the sync" in r.logfile, 180, interval=0.2)
    wait_for_sync(mc, rc, timeout=120)
    assert stats(mc)["sync_full"] == "1"
    assert "stream buffered during the sync" in r.logfile
    assert digest(mc) == digest(rc)


def test_stream_link_leaves_from_bind_source_addr(start_server):
    """unit/networking "CONFIG SET bind-source-addr" between castors: the
    split sync's stream link, which becomes the master client, also leaves
    from that address, so the master lists the replica under it."""
    m = start_server({"protected-mode": "no"})
    mc = m.client()
    mc.set("k", "v")
    rc = start_server().client()
    assert rc.config_set("bind-source-addr", "127.0.0.2")
    replicaof(rc, mc)
    wait_for_sync(mc, rc)
    wait_for(lambda: repl(rc).get("master_sync_stream_link") == "none", 10)
    slave0 = repl(mc)["slave0"]
    assert "ip=127.0.0.2," in slave0, slave0


# ---- over TLS: the stream link is a TLS link too ------------------------------------------

TLS_KEYS = 20000
TLS_LIMIT = "replica 4mb 1mb 10"
TLS_HARD = 4 * 1024 * 1024
TLS_RATE = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make_certs(tmp_path_factory.mktemp("certs"))


def tls_server(start_server, certs, binary=None, **directives):
    """A server with a TLS port (.tls_port) that replicates over TLS; its
    plain port serves the test's own clients."""
    port = free_port()
    d = certs.directives(tls_port=port, tls_replication="yes")
    d.update(directives)
    s = start_server(directives=d, binary=binary, name="redis" if binary else None)
    s.tls_port = port
    return s


def tls_master(start_server, certs, diskless, delay_us=200):
    """20 MB whose snapshot takes about 4 s (rdb-key-save-delay), a 4 MB
    replica limit: Redis's exchange would hold the burst past it."""
    m = tls_server(start_server, certs, **{"repl-diskless-sync": "yes" if diskless else "no",
                                           "repl-diskless-sync-delay": "0",
                                           "client-output-buffer-limit": TLS_LIMIT})
    c = m.client(socket_timeout=60)
    c.execute_command("DEBUG", "POPULATE", TLS_KEYS, "key", VALUE)
    c.config_set("rdb-key-save-delay", delay_us)
    return m, c


def tls_replicaof(rc, m):
    assert rc.execute_command("REPLICAOF", "127.0.0.1", m.tls_port) == b"OK"


@pytest.mark.parametrize("diskless", [False, True], ids=["disk", "diskless-socket-load"])
def test_tls_full_sync_under_burst_finishes_once(start_server, certs, diskless):
    """Over TLS, disk master with the replica's memory buffer, and diskless
    master with the replica loading from the socket (swapdb, empty) and
    its buffer in a file: one full sync, no output-buffer disconnection,
    more than the limit buffered by the replica, equal digests (before the
    stream link had TLS, the sync looped on the 4 MB limit)."""
    m, mc = tls_master(start_server, certs, diskless)
    rd = {"replica-sync-buffer-size": "2mb", "repl-diskless-load": "swapdb"} if diskless else {}
    r = tls_server(start_server, certs, **rd)
    rc = r.client(socket_timeout=60)
    with Burst(m, rate=TLS_RATE):
        tls_replicaof(rc, m)
        seen = watch_sync(rc, lambda: repl(rc)["master_link_status"] == "up",
                          ["master_sync_stream_link", "master_sync_stream_buffer"])
    mc.config_set("rdb-key-save-delay", 0)
    wait_for_sync(mc, rc, timeout=60)
    s = stats(mc)
    assert s["sync_full"] == "1"
    assert s["client_output_buffer_limit_disconnections"] == "0"
    assert seen["max"] > TLS_HARD, seen
    assert ("file" if diskless else "memory") in seen["where"], seen
    assert "takes its full sync's stream on a second link" in m.logfile
    assert "stream buffered during the sync" in r.logfile
    if diskless:
        assert "Loading DB in memory (from the socket)" in r.logfile
        assert not [f for f in os.listdir(r.workdir) if f.startswith("temp-sync-stream")]
    assert digest(mc) == digest(rc)
    # The master client is the stream link's TLS session: the stream goes on.
    mc.set("after", "the sync")
    wait_for(lambda: rc.get("after") == b"the sync", 10)
    assert repl(rc)["master_sync_stream_link"] == "none"


@pytest.mark.parametrize("diskless", [False, True], ids=["disk", "diskless"])
def test_tls_master_dying_mid_transfer_keeps_the_old_dataset(start_server, certs, diskless):
    old = tls_server(start_server, certs)
    oc = old.client()
    oc.set("old", "data")
    r = tls_server(start_server, certs)
    rc = r.client(socket_timeout=60)
    tls_replicaof(rc, old)
    wait_for_sync(oc, rc)
    before = digest(rc)
    m, mc = tls_master(start_server, certs, diskless, delay_us=500)
    tls_replicaof(rc, m)
    wait_for(lambda: in_transfer(rc, m.tls_port)
             and repl(rc)["master_sync_stream_link"] == "up", 60)
    kill9(m)
    wait_for(lambda: "keeping the current dataset" in r.logfile, 30)
    ri = repl(rc)
    assert ri["master_sync_aborted"] == "1", ri
    assert ri["master_sync_last_abort"] in ("master_link_lost", "stream_link_lost"), ri
    assert digest(rc) == before
    assert rc.get("old") == b"data"
    assert not [f for f in os.listdir(r.workdir) if f.startswith("temp-")]


def test_tls_redis_peers_get_the_7_0_sync(start_server, certs):
    """Over TLS, a castor master syncs a castor and a redis-server replica
    from one snapshot: the castor one on two links, redis-server the 7.0
    way (its stream held on the master); then a castor replica of that
    redis-server gets redis-server's 7.0 sync (no stream link)."""
    m = tls_server(start_server, certs, **{"repl-diskless-sync-delay": "30",
                                           "repl-diskless-sync-max-replicas": "2"})
    mc = m.client(socket_timeout=60)
    mc.execute_command("DEBUG", "POPULATE", TLS_KEYS, "key", 64)
    mc.config_set("rdb-key-save-delay", 200)
    cr = tls_server(start_server, certs)
    rr = tls_server(start_server, certs, binary=REDIS_SERVER)
    crc, rrc = cr.client(socket_timeout=60), rr.client(socket_timeout=60)
    tls_replicaof(crc, m)
    tls_replicaof(rrc, m)
    wait_for(lambda: repl(mc).get("full_sync_phase") == "transfer", 60)
    # The castor replica's stream link only (after its TLS handshake).
    wait_for(lambda: repl(mc).get("full_sync_stream_links") == "1", 30)
    mc.set("during", "the sync")
    im = repl(mc)
    assert im["full_sync_stream_buffer"] == "master", im
    wait_for(lambda: repl(crc)["master_sync_stream_link"] == "up", 30)
    mc.config_set("rdb-key-save-delay", 0)
    wait_for_sync(mc, crc, rrc, timeout=60)
    assert stats(mc)["sync_full"] == "2"
    assert rrc.get("during") == crc.get("during") == b"the sync"
    d = digest(mc)
    assert digest(crc) == d and digest(rrc) == d
    # redis-server as the master of a castor replica over TLS.
    cr2 = tls_server(start_server, certs)
    c2 = cr2.client(socket_timeout=60)
    tls_replicaof(c2, rr)
    wait_for_sync(rrc, c2, timeout=60)
    assert digest(c2) == d
    assert "Full resync from master" in cr2.logfile
    assert "stream link" not in cr2.logfile
    assert "Unrecognized REPLCONF option" not in rr.logfile


# ---- over TLS: paths with no other observable (the tlssplit fixes) ------------------------

BURST_SCRIPT = "for i = 1, tonumber(ARGV[1]) do redis.call('SET', 'burst:' .. i, ARGV[2]) end"


def test_tls_replica_stream_written_until_the_socket_is_full(start_server, certs):
    """A multi-MB burst made in one loop turn (one EVAL: 1024 SETs of 8 KB,
    in 16 KB backlog blocks) goes to a TLS replica. A TLS write takes one
    record (16 KB: OpenSSL's partial writes); the master once took that for
    a full socket and waited for the next loop turn, so it wrote once per
    turn (under a write burst the stream piled up on the master). Now it
    writes until the socket says EAGAIN: many more writes than loop turns
    (INFO total_net_output_bytes vs eventloop_cycles: 8 MB in 7-10 turns
    here, at most 64 KB a turn with the old code; the test talks to the
    master only before and after the burst, so its replies are a known
    handful of small writes)."""
    m = tls_server(start_server, certs, **{"repl-diskless-sync-delay": "0"})
    mc = m.client(socket_timeout=60)
    r = tls_server(start_server, certs)
    rc = r.client(socket_timeout=60)
    tls_replicaof(rc, m)
    wait_for_sync(mc, rc, timeout=60)
    wait_for(lambda: repl(rc)["master_sync_stream_link"] == "none", 10)
    before = stats(mc)
    mc.eval(BURST_SCRIPT, 0, 1024, "v" * 8192)
    target = int(repl(mc)["master_repl_offset"])
    wait_for(lambda: int(repl(rc)["master_repl_offset"]) >= target, 60,
             msg="the replica did not get the burst")
    after = stats(mc)
    sent = int(after["total_net_output_bytes"]) - int(before["total_net_output_bytes"])
    turns = int(after["eventloop_cycles"]) - int(before["eventloop_cycles"])
    # 8 MB. One write of at most 64 KB a turn would send at most 64 KB per
    # turn (plus the replies to the test's INFO, EVAL, INFO).
    assert sent >= 8 << 20, (sent, turns)
    assert sent > 2 * 65536 * (turns + 3), (sent, turns)
    assert digest(mc) == digest(rc)


def test_tls_stream_link_reads_what_openssl_holds(start_server, certs):
    """The stream link reads 64 TLS records an event at most. OpenSSL reads
    ahead: what it took off the socket beyond those 64 records wakes no
    epoll, so the link must come back for it by itself (s_more). Here the
    replica is stopped while the master writes 150 small records (one SET
    a loop turn) to its stream link during a slow snapshot; resumed, its
    first read takes all of them off the socket into OpenSSL. Without the
    come-back the last 86 stayed there until an unrelated write arrived
    (a PING, repl-ping-replica-period) or the snapshot loaded: the
    buffered stream must reach the master's offset while the snapshot is
    still being made."""
    m = tls_server(start_server, certs, **{"repl-diskless-sync": "no",
                                           "repl-ping-replica-period": "3600"})
    mc = m.client(socket_timeout=60)
    mc.execute_command("DEBUG", "POPULATE", 60, "key", 64)
    mc.config_set("rdb-key-save-delay", 100000)  # a 6 s snapshot
    r = tls_server(start_server, certs)
    rc = r.client(socket_timeout=60)
    tls_replicaof(rc, m)
    wait_for(lambda: repl(rc)["master_sync_stream_link"] == "up", 30)
    off = int(re.search(r"Full resync from master: \w+:(\d+)", r.logfile).group(1))
    os.kill(r.pid, signal.SIGSTOP)
    try:
        for i in range(150):
            mc.set("small:%d" % i, "v")  # one SET a loop turn: one record each
        # All of it in the replica's socket.
        wait_for(lambda: repl(mc)["full_sync_stream_pending_bytes"] == "0", 10)
    finally:
        os.kill(r.pid, signal.SIGCONT)
    want = int(repl(mc)["master_repl_offset"]) - off

    def buffered():
        return int(repl(rc)["master_sync_stream_buffered_bytes"])

    try:
        wait_for(lambda: buffered() == want, 4)
    except WaitTimeout:
        assert buffered() == want, "the stream link left what OpenSSL holds unread"
    assert repl(mc)["full_sync_phase"] == "bgsave"  # not drained by the snapshot's load
    wait_for_sync(mc, rc, timeout=60)
    assert stats(mc)["sync_full"] == "1"
    assert rc.get("small:149") == b"v"
    assert digest(mc) == digest(rc)


# ---- the stream link refused while the snapshot loads from the socket --------------------

class FirstLinkOnly:
    """A TCP relay to a master that lets only the replica's first link in:
    it accepts one connection and closes its listening socket, so the split
    sync's stream link (same host and port) is refused. It holds the
    master's +FULLRESYNC line until the $EOF header follows and sends both
    at once: the replica reads them in one go and starts loading from the
    socket before its event loop runs, so it sees the refused connect while
    loading. reopen() lets every later connection through."""

    def __init__(self, upstream_port):
        self.upstream = upstream_port
        self.port = free_port()
        self.socks = []
        self.listener = self._listen()
        threading.Thread(target=self._first, daemon=True).start()

    def _listen(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(8)
        self.socks.append(s)
        return s

    def _pair(self, c):
        u = socket.create_connection(("127.0.0.1", self.upstream))
        self.socks += [c, u]
        return u

    def _first(self):
        c, _ = self.listener.accept()
        self.listener.close()  # the stream link is refused
        u = self._pair(c)
        threading.Thread(target=self._copy, args=(c, u), daemon=True).start()
        self._copy(u, c, hold=True)

    def _copy(self, src, dst, hold=False):
        buf = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if not hold:
                    dst.sendall(data)
                    continue
                buf += data
                at = buf.find(b"+FULLRESYNC")
                if at == -1:  # the handshake's replies: whole lines go
                    nl = buf.rfind(b"\n") + 1
                    dst.sendall(buf[:nl])
                    buf = buf[nl:]
                elif re.search(rb"\$EOF:[0-9a-f]{40}\r\n", buf[at:]):
                    dst.sendall(buf)
                    hold = False
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def reopen(self):
        ln = self._listen()

        def serve():
            while True:
                try:
                    c, _ = ln.accept()
                except OSError:
                    return
                u = self._pair(c)
                threading.Thread(target=self._copy, args=(c, u), daemon=True).start()
                threading.Thread(target=self._copy, args=(u, c), daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()

    def close(self):
        for s in self.socks:
            try:
                s.shutdown(socket.SHUT_RDWR)  # wakes the threads' recv()
            except OSError:
                pass
            s.close()


def test_stream_link_refused_while_loading_from_the_socket(start_server):
    """The stream link's connect fails while the replica loads the snapshot
    from the socket (diskless master, repl-diskless-load swapdb, empty
    replica). Only the stream link ends: the first link is the loader's
    (closing it under the loader, as link_cancel did, crashed the replica).
    The loaded snapshot stays and the replica continues with a PSYNC from
    its offset (docs/REPLICATION.md, Failures): one full sync, one partial
    resync, equal digests, and the master lists the replica once (the
    replica closes the first link: the master kept it as a second replica
    in state send_bulk, its stream pinned from the snapshot's offset)."""
    m = start_server(directives={"repl-diskless-sync": "yes", "repl-diskless-sync-delay": "0"})
    mc = m.client()
    mc.execute_command("DEBUG", "POPULATE", 2000, "key", 100)
    proxy = FirstLinkOnly(m.port)
    try:
        r = start_server(directives={"repl-diskless-load": "swapdb"})
        rc = r.client(socket_timeout=60)
        assert rc.execute_command("REPLICAOF", "127.0.0.1", proxy.port) == b"OK"
        wait_for(lambda: "the stream link was lost while loading" in r.logfile or not r.alive(),
                 30)
        assert r.alive(), r.diagnostics(20)
        log = r.logfile
        assert "Loading DB in memory (from the socket)" in log
        assert "Error connecting the stream link of the full sync: Connection refused" in log
        proxy.reopen()
        mc.set("after", "the load")
        wait_for_sync(mc, rc, timeout=30)
        s = stats(mc)
        assert (s["sync_full"], s["sync_partial_ok"]) == ("1", "1"), s
        assert repl(rc)["master_sync_aborted"] == "0"
        assert rc.get("after") == b"the load"
        assert digest(mc) == digest(rc)
        # The replica closed its first link (no stream link goes online to
        # make the master close it): the master lists the replica once and
        # holds nothing for the snapshot's link. (The master may still be
        # ending the diskless transfer then: "Snapshot link of replica ...
        # closed" or "Connection with replica ... lost".)
        wait_for(lambda: repl(mc)["connected_slaves"] == "1", 10,
                 msg="the master to drop the snapshot's link")
        mi = repl(mc)
        assert "state=online" in mi["slave0"], mi
    finally:
        proxy.close()


# ---- a replica that goes silent during its split sync ------------------------------------
#
# The master times out a split sync's links (the snapshot's link once the
# snapshot went out, the stream link until its first ACK) when the replica
# says nothing for repl-timeout; a castor replica sends a newline on each
# link every second while it receives, checks and loads the snapshot
# (docs/REPLICATION.md, "Full syncs that finish": Timeouts).

TIMEOUT = 2  # repl-timeout (s) of the tests below


class FrozenReplica:
    """The master's view of a castor replica frozen at a stage of its split
    sync (SIGSTOP, a firewall dropping its packets): a raw socket that does
    the replica's handshake, reads what the stage needs, then says and
    reads nothing more. stream=False: it stops after the snapshot arrived,
    before opening its stream link; stream=True: it opened the stream link
    (+CONTINUE) and stops before its first ACK."""

    def __init__(self, port, stream, split=True):
        self.port = port
        self.socks = []
        self.first = self._connect()
        self._call(self.first, "REPLCONF", "listening-port", "1")
        capa = ["capa", "eof", "capa", "psync2"] + (["capa", "castor-stream"] if split else [])
        self._call(self.first, "REPLCONF", *capa)
        self._send(self.first, "PSYNC", "?", "-1")
        line = self._line(self.first)
        m = re.match(rb"\+FULLRESYNC ([0-9a-f]{40}) (\d+)(?: STREAM (\d+))?$", line)
        assert m and bool(m.group(3)) == split, line
        self.replid, self.offset, self.id = m.group(1), int(m.group(2)), m.group(3)
        if stream:
            self.stream = self._connect()
            self._call(self.stream, "REPLCONF", "stream-for", self.id)
            self._send(self.stream, "PSYNC", self.replid, str(self.offset + 1))
            assert self._line(self.stream).startswith(b"+CONTINUE"), "no +CONTINUE"
        self._read_payload(self.first)

    def _connect(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.socks.append([s, b""])
        return len(self.socks) - 1

    def _send(self, i, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.socks[i][0].sendall(out)

    def _fill(self, i):
        data = self.socks[i][0].recv(1 << 20)
        assert data, "the master closed the link"
        self.socks[i][1] += data

    def _line(self, i):
        """The next line, past the bare newlines a master sends as keepalive."""
        while True:
            buf = self.socks[i][1]
            nl = buf.find(b"\n")
            if nl == -1:
                self._fill(i)
                continue
            self.socks[i][1] = buf[nl + 1:]
            line = buf[:nl].rstrip(b"\r")
            if line:
                return line

    def _call(self, i, *args):
        self._send(i, *args)
        assert self._line(i) == b"+OK"

    def _read_payload(self, i):
        hdr = self._line(i)
        assert hdr.startswith(b"$EOF:"), hdr
        mark = hdr[5:]
        while not self.socks[i][1].endswith(mark):
            self._fill(i)
        self.socks[i][1] = b""

    def closed_by_master(self, i):
        """The master closed link i (EOF after whatever it still sent)."""
        s = self.socks[i][0]
        s.settimeout(0)
        try:
            while True:
                data = s.recv(1 << 20)
                if not data:
                    return True
        except BlockingIOError:
            return False
        except OSError:
            return True

    def close(self):
        for s, _ in self.socks:
            s.close()


def silent_master(start_server, **directives):
    d = {"repl-diskless-sync": "no", "client-output-buffer-limit": "replica 256mb 128mb 600",
         "repl-backlog-size": "1mb"}
    d.update(directives)
    m = start_server(directives=d)
    mc = m.client()
    mc.execute_command("DEBUG", "POPULATE", 1000, "key", 100)
    mc.config_set("repl-timeout", TIMEOUT)
    return m, mc


def write_mb(c, mb):
    v = b"w" * 1024
    for n in range(mb):
        p = c.pipeline(transaction=False)
        for i in range(1024):
            p.set("w:%d" % ((n * 1024 + i) % 4096), v)
        p.execute()


def pinned(mc):
    return int(info(mc, "memory")["mem_clients_slaves"])


def replica_clients(mc):
    return [c for c in mc.client_list() if "S" in c["flags"]]


@pytest.mark.parametrize("stream", [False, True], ids=["before_stream_link", "before_first_ack"])
def test_silent_replica_split_links_time_out(start_server, stream):
    """A replica that goes silent once the snapshot went out: before it
    opened its stream link (the snapshot's link pins the stream from the
    snapshot's offset), or with its stream link up but before its first ACK
    (the stream link's unsent stream). Writes go on: the master pins them
    (mem_clients_slaves) until, repl-timeout later, it drops the links
    ("Disconnecting timedout replica (full sync ... link)") and frees what
    they held. Before, it kept both links and that memory for as long as
    the replica output-buffer limit allowed (forever without writes)."""
    m, mc = silent_master(start_server)
    fr = FrozenReplica(m.port, stream)
    try:
        wait_for(lambda: "Snapshot transfer to replica" in m.logfile, 10)
        assert repl(mc)["connected_slaves"] == "1"
        assert len(replica_clients(mc)) == (2 if stream else 1)
        write_mb(mc, 8)
        if not stream:
            # The snapshot's link pins all of it (the backlog alone keeps 1 MB).
            assert pinned(mc) > 6 * 1024 * 1024, info(mc, "memory")["mem_clients_slaves"]
        wait_for(lambda: "Disconnecting timedout replica (full sync " in m.logfile,
                 TIMEOUT + 8, interval=0.1, msg="the master to time out the silent link")
        wait_for(lambda: repl(mc)["connected_slaves"] == "0" and not replica_clients(mc), 5)
        if stream:  # both links are silent: the first found ends the other
            assert "The other link of its full sync was lost" in m.logfile
        else:
            assert "Disconnecting timedout replica (full sync snapshot link)" in m.logfile
        assert repl(mc)["full_sync_stream_links"] == "0"
        wait_for(lambda: pinned(mc) < 1024 * 1024, 5, msg="the pinned stream to be freed")
        assert wait_for(lambda: fr.closed_by_master(0), 5)
        if stream:
            assert wait_for(lambda: fr.closed_by_master(1), 5)
        mc.set("still", "serving")
        assert mc.get("still") == b"serving"
    finally:
        fr.close()


@pytest.mark.parametrize("diskless", [False, True], ids=["disk", "diskless"])
def test_silent_replica_after_a_7_0_sync_times_out(start_server, diskless):
    """The 7.0 exchange (a replica without the capability, as Redis's): a
    replica that goes silent once its snapshot went out, before its first
    ACK (it would be loading), is dropped after repl-timeout as Redis drops
    it ("Disconnecting timedout replica (streaming sync)"; a live replica
    sends a newline every second while it loads). Before, castor never
    timed out a replica waiting for that ACK: it kept the stream from the
    snapshot's offset on for it, without bound under "replica 0 0 0"."""
    m, mc = silent_master(start_server, **{"repl-diskless-sync": "yes" if diskless else "no",
                                           "repl-diskless-sync-delay": "0",
                                           "client-output-buffer-limit": "replica 0 0 0"})
    fr = FrozenReplica(m.port, False, split=False)
    try:
        wait_for(lambda: "Waiting for REPLCONF ACK" in m.logfile, 10)
        write_mb(mc, 4)
        assert pinned(mc) > 3 * 1024 * 1024
        wait_for(lambda: "Disconnecting timedout replica (streaming sync)" in m.logfile,
                 TIMEOUT + 8, interval=0.1, msg="the master to time out the silent replica")
        wait_for(lambda: repl(mc)["connected_slaves"] == "0" and not replica_clients(mc), 5)
        wait_for(lambda: pinned(mc) < 1024 * 1024, 5, msg="the pinned stream to be freed")
        assert wait_for(lambda: fr.closed_by_master(0), 5)
    finally:
        fr.close()


def test_silent_replica_leaves_other_replicas_syncing(start_server):
    """One silent replica's split sync ends; a castor replica syncing from
    the same master at the same time finishes (one full sync each, equal
    digest)."""
    m, mc = silent_master(start_server)
    fr = FrozenReplica(m.port, True)
    try:
        r = start_server()
        rc = r.client()
        rc.config_set("repl-timeout", TIMEOUT)
        replicaof(rc, mc)
        wait_for(lambda: "Disconnecting timedout replica (full sync " in m.logfile,
                 TIMEOUT + 8, interval=0.1)
        mc.set("after", "timeout")
        wait_for_sync(mc, rc, timeout=30)
        assert stats(mc)["sync_full"] == "2"
        assert repl(mc)["connected_slaves"] == "1"
        assert digest(mc) == digest(rc)
    finally:
        fr.close()


def sigstop(server):
    os.kill(server.pid, signal.SIGSTOP)


def sigcont(server):
    if server.proc is not None and server.proc.poll() is None:
        os.kill(server.pid, signal.SIGCONT)


@pytest.mark.parametrize("diskless", [False, True], ids=["disk", "diskless"])
def test_sigstopped_replica_mid_transfer_is_dropped(start_server, diskless):
    """A castor replica SIGSTOPped while its snapshot transfers, its stream
    link up. Disk: the stream link goes silent (a live replica sends a
    newline on it every second) and the master drops it after repl-timeout,
    which ends the sync (the snapshot's link too). Diskless: the relay's
    rule decides, as in Redis (the frozen replica holds back the chunk:
    "Disconnecting timedout replica (full sync)", which Redis's suite
    expects), and the stream link goes with it. Woken, the replica syncs
    again and ends with the master's data."""
    m, mc = silent_master(start_server, **{"repl-diskless-sync": "yes" if diskless else "no",
                                           "repl-diskless-sync-delay": "0"})
    mc.execute_command("DEBUG", "POPULATE", 20000, "big", 1000)  # 20 MB: more than
    mc.config_set("rdbcompression", "no")  # the sockets hold, the relay's chunk waits
    mc.config_set("rdb-key-save-delay", 500)  # the transfer takes 10 s
    r = start_server()
    rc = r.client()
    rc.config_set("repl-timeout", TIMEOUT)
    try:
        replicaof(rc, mc)
        wait_for(lambda: repl(mc)["full_sync_stream_links"] == "1", 20)
        sigstop(r)
        write_mb(mc, 2)
        line = ("Disconnecting timedout replica (full sync): " if diskless
                else "Disconnecting timedout replica (full sync stream link): ")
        wait_for(lambda: line in m.logfile, TIMEOUT + 8, interval=0.1)
        wait_for(lambda: repl(mc)["connected_slaves"] == "0" and not replica_clients(mc), 5)
        assert "The other link of its full sync was lost" in m.logfile
        mc.config_set("rdb-key-save-delay", 0)
    finally:
        sigcont(r)
    wait_for_sync(mc, rc, timeout=60)
    assert digest(mc) == digest(rc)


@pytest.mark.parametrize("slow", ["load", "socket_load", "transfer", "with_data"])
def test_slow_split_sync_longer_than_repl_timeout_finishes_once(start_server, slow):
    """A live replica whose split sync takes several repl-timeouts is never
    dropped: its newlines on both links keep it. load: the replica loads
    the received file slowly (key-load-delay); socket_load: the same
    loading from the socket (diskless master, repl-diskless-load
    on-empty-db); transfer: the master writes the snapshot slowly
    (rdb-key-save-delay) while the stream link waits; with_data: the
    replica holds keys, so it parses the whole payload before loading it
    slowly. Writes go on throughout. Exactly one full sync, no timeout,
    equal digest."""
    m, mc = silent_master(start_server,
                          **({"repl-diskless-sync": "yes", "repl-diskless-sync-delay": "0"}
                             if slow == "socket_load" else {}))
    mc.execute_command("DEBUG", "POPULATE", 20000, "big", 100)
    r = start_server(directives={"repl-diskless-load": "on-empty-db"}
                     if slow == "socket_load" else {})
    rc = r.client(socket_timeout=60)
    rc.config_set("repl-timeout", TIMEOUT)
    if slow != "transfer":
        rc.config_set("key-load-delay", 300)  # 20000 keys: 6 s or more
    else:
        mc.config_set("rdb-key-save-delay", 300)
    if slow == "with_data":
        rc.execute_command("DEBUG", "POPULATE", 100, "old", 10)
    with Burst(m, rate=256 * 1024):
        t0 = time.monotonic()
        replicaof(rc, mc)
        wait_for(lambda: repl(rc)["master_link_status"] == "up", 120, interval=0.1)
        took = time.monotonic() - t0
    mc.config_set("rdb-key-save-delay", 0)
    wait_for_sync(mc, rc, timeout=60)
    assert took > 2 * TIMEOUT, took  # the sync did outlast repl-timeout
    assert "Disconnecting timedout replica" not in m.logfile
    assert stats(mc)["sync_full"] == "1"
    if slow == "socket_load":
        assert "Loading DB in memory (from the socket)" in r.logfile
    assert digest(mc) == digest(rc)
