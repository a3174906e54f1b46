"""A fork child never outlives its parent (child.c).

Redis 7.0's children (BGSAVE, AOF rewrite, a full sync's snapshot to disk
or to the replicas' sockets) exit when their parent dies: a master killed
by the OOM killer or kill -9 must not leave a process behind that goes on
writing a snapshot nobody will rename, holding its copy-on-write memory.
Redis's suite checks it in integration/replication.tcl ("replication child
dies when parent is killed"). castor's children ask the kernel for a
signal when their parent exits (PR_SET_PDEATHSIG), remove their temp file
and exit."""

import glob
import os
import signal

import pytest

from castortest import wait_for

# 10000 keys at 2 ms each: the child would write for 20 s on its own.
KEYS = 10000
SAVE_DELAY_US = 2000
BOUND_S = 5


def proc_state(pid):
    """The state letter of pid ('Z' zombie), or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat[stat.rindex(")") + 2:].split()[0]


def running(pid):
    state = proc_state(pid)
    return state is not None and state != "Z"


def children_of(ppid):
    kids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == ppid and fields[0] != "Z":
            kids.append(int(name))
    return kids


def the_child(server):
    """Wait for the one fork child of server and return its pid."""
    kids = []

    def found():
        kids[:] = children_of(server.pid)
        return len(kids) == 1
    wait_for(found, 10, msg="no fork child of %s" % server.name)
    return kids[0]


def kill9(server):
    os.kill(server.pid, signal.SIGKILL)
    server.proc.wait(10)
    server.proc = None  # killed on purpose: not a crash for the fixture


def temp_files(workdir):
    """Names of the temp-* files under workdir (the AOF dir included)."""
    found = glob.glob(os.path.join(workdir, "**", "temp-*"), recursive=True)
    return [os.path.basename(f) for f in found]


def populate(r):
    r.execute_command("DEBUG", "POPULATE", KEYS, "key", 100)
    r.config_set("rdb-key-save-delay", SAVE_DELAY_US)


@pytest.mark.parametrize("what", ["bgsave", "bgrewriteaof"])
def test_snapshot_child_exits_and_removes_its_temp_file_when_the_server_is_killed(
        start_server, what):
    s = start_server()
    r = s.client()
    populate(r)
    if what == "bgsave":
        r.bgsave()
        temp = "temp-%d.rdb"
    else:
        r.config_set("appendonly", "yes")  # starts the first rewrite
        temp = "temp-rewriteaof-bg-%d.aof"
    child = the_child(s)
    mine = temp % child
    wait_for(lambda: mine in temp_files(s.workdir), 10, msg="the child never created " + mine)
    kill9(s)
    wait_for(lambda: not running(child), BOUND_S,
             msg="the %s child %d outlived its killed parent" % (what, child))
    assert mine not in temp_files(s.workdir)


@pytest.mark.parametrize("diskless", ["no", "yes"])
def test_full_sync_child_exits_when_the_master_is_killed(start_server, diskless):
    """Redis's "replication child dies when parent is killed - diskless: <yes|no>"."""
    m = start_server({"repl-diskless-sync": diskless, "repl-diskless-sync-delay": 0})
    mr = m.client()
    populate(mr)
    replica = start_server()
    replica.client().replicaof("127.0.0.1", m.port)
    wait_for(lambda: m.info("persistence")["rdb_bgsave_in_progress"] == 1, 10,
             msg="the master never started the sync's snapshot")
    child = the_child(m)
    kill9(m)
    wait_for(lambda: not running(child), BOUND_S,
             msg="the full sync child %d outlived its killed master" % child)
    assert "temp-%d.rdb" % child not in temp_files(m.workdir)


def test_reads_while_a_child_runs_copy_no_pages(start_server):
    """While a fork child shares the server's memory, a read records no
    access (Redis's lookupKey() skips the LRU/LFU update when a child is
    active): the write would copy the page of every key read. castor wrote
    it, and 4 s of GETs during a BGSAVE of 490k keys copied 25 MB of the
    91 MB dataset (Redis 2 MB). Measured by the child's own copy-on-write
    report (rdb_last_cow_size); the LFU counter shows the mechanism."""
    keys = 100000
    # No decay: a minute turning during the test would lower the counter.
    s = start_server({"maxmemory-policy": "allkeys-lfu", "lfu-decay-time": 0})
    r = s.client()
    r.execute_command("DEBUG", "POPULATE", keys, "key", 100)
    r.config_set("rdb-key-save-delay", 50)  # about 5 s of child
    r.bgsave()
    child = the_child(s)
    for start in range(0, keys, 2000):
        p = r.pipeline(transaction=False)
        for i in range(start, start + 2000):
            p.get("key:%d" % i)
        p.execute()
    assert running(child), "the child ended before the reads did: the test proves nothing"
    freq = r.object("freq", "key:0")  # a fresh key's counter (5), not raised by the GET
    wait_for(lambda: s.info("persistence")["rdb_bgsave_in_progress"] == 0, 60,
             msg="BGSAVE did not finish")
    info = s.info()
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["rdb_last_cow_size"] < info["used_memory"] // 10, info["rdb_last_cow_size"]
    assert freq == 5
    r.get("key:0")
    assert r.object("freq", "key:0") == 6   # recorded again once the child is gone
