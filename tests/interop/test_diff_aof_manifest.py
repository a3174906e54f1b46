"""Differential tests of the multi-part AOF's bookkeeping: the same steps on
castor and on redis-server leave the same manifest (file names, sequence
numbers, types, order), with aof-disable-auto-gc keeping history files
until it is turned off again, after DEBUG LOADAOF and after appendonly is
switched off and on; aof-timestamp-enabled annotates the incr file and a
command-form base with "#TS:"; INFO total_forks counts the forks."""

import os

from castortest import wait_for


def manifest(srv):
    d = os.path.join(srv.workdir, "appendonlydir")
    with open(os.path.join(d, "appendonly.aof.manifest")) as f:
        return f.read()


def files(srv):
    return sorted(os.listdir(os.path.join(srv.workdir, "appendonlydir")))


def rewrite(srv, c):
    assert c.call("BGREWRITEAOF").startswith("Background append only file rewriting")
    wait_for(lambda: srv.info("persistence")["aof_rewrite_in_progress"] == 0 and
             srv.info("persistence")["aof_rewrite_scheduled"] == 0, 20)


def both(p, steps):
    out = {}
    for side, srv in (("castor", p.castor), ("redis", p.redis)):
        c = p.conn(side)
        out[side] = steps(srv, c)
    assert out["castor"] == out["redis"]
    return out["castor"]


def test_manifest_history_and_auto_gc(make_pair):
    p = make_pair({"appendonly": "yes", "dir": "."})

    def steps(srv, c):
        seen = []
        c.call("SET", "k", "v")
        c.call("CONFIG", "SET", "aof-disable-auto-gc", "yes")
        rewrite(srv, c)
        c.call("SET", "k2", "v")
        rewrite(srv, c)
        seen.append(manifest(srv))
        seen.append(files(srv))
        c.call("CONFIG", "SET", "aof-disable-auto-gc", "no")
        seen.append(manifest(srv))
        wait_for(lambda: len(files(srv)) == 3, 10)
        seen.append(files(srv))
        # Sequence numbers go on after DEBUG LOADAOF and appendonly off/on.
        assert c.call("DEBUG", "LOADAOF") == "OK"
        c.call("SET", "k3", "v")
        rewrite(srv, c)
        seen.append(manifest(srv))
        c.call("CONFIG", "SET", "appendonly", "no")
        c.call("CONFIG", "SET", "appendonly", "yes")
        wait_for(lambda: srv.info("persistence")["aof_rewrite_in_progress"] == 0 and
                 srv.info("persistence")["aof_rewrite_scheduled"] == 0, 20)
        seen.append(manifest(srv))
        return seen

    got = both(p, steps)
    assert "type h" in got[0] and "type h" not in got[2]


def test_timestamp_annotations(make_pair):
    p = make_pair({"appendonly": "yes", "aof-use-rdb-preamble": "no"})

    def steps(srv, c):
        d = os.path.join(srv.workdir, "appendonlydir")
        incr = os.path.join(d, [f for f in files(srv) if f.endswith(".incr.aof")][-1])
        before = os.path.getsize(incr)
        c.call("CONFIG", "SET", "aof-timestamp-enabled", "yes")
        c.call("SET", "foo", "bar")
        # appendfsync everysec may postpone the write while a background
        # fsync runs (both servers): wait for the record, bounded.
        wait_for(lambda: os.path.getsize(incr) > before + 20, 10)
        with open(incr, "rb") as f:
            new = f.read()[before:]
        # The annotation comes before the command it dates.
        first = b"#TS:" if b"#TS:" in new and new.index(b"#TS:") < new.index(b"SET") else new[:4]
        rewrite(srv, c)
        base = [f for f in files(srv) if ".base." in f][-1]
        with open(os.path.join(d, base), "rb") as f:
            base_first = f.read().split(b"\r\n")[0]
        c.call("CONFIG", "SET", "aof-timestamp-enabled", "no")
        return first[:4], base_first[:4], base

    assert both(p, steps) == (b"#TS:", b"#TS:", "appendonly.aof.2.base.aof")


def test_total_forks(pair):
    def steps(srv, c):
        c.call("CONFIG", "RESETSTAT")
        before = srv.info("stats")["total_forks"]
        c.call("BGSAVE")
        wait_for(lambda: srv.info("persistence")["rdb_bgsave_in_progress"] == 0, 20)
        return before, srv.info("stats")["total_forks"], srv.info("stats")["latest_fork_usec"] > 0

    assert both(pair, steps) == (0, 1, True)
