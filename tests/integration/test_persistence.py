"""RDB snapshots: when they happen and what survives a restart (snapshot.c).

SAVE, BGSAVE [SCHEDULE], save points, LASTSAVE, SHUTDOWN [SAVE|NOSAVE],
SIGTERM, FLUSHALL, DEBUG RELOAD, -MISCONF after a failed background save,
INFO persistence, and a corrupt file at start-up. The format itself is
tested with redis-server in tests/interop/test_rdb_files.py."""

import os
import signal
import time

import pytest
import redis

from castortest import CASTOR_SERVER, Server, wait_for
from resp import Err, RespConn

MISCONF = ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
           "persist to disk. Commands that may modify the data set are disabled, because this "
           "instance is configured to report errors during writes if RDB snapshotting fails "
           "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
           "the RDB error.")


# ---- helpers -------------------------------------------------------------------------------

@pytest.fixture
def servers():
    """Servers a test starts (and restarts) itself on a directory it chose;
    all are stopped afterwards."""
    made = []
    yield made
    for s in made:
        s.stop()
        assert not s.sanitizer_report(), s.diagnostics()


def start(servers, workdir, **directives):
    s = Server(workdir, binary=CASTOR_SERVER, directives=directives, name="castor")
    servers.append(s)
    return s.start()


def populate(r):
    """A little of every type, with TTLs, in three databases."""
    r.set("str", "hello")
    r.set("int", 12345)
    r.set("big", "x" * 20000)
    r.rpush("list", *range(10))
    r.hset("hash", mapping={"a": 1, "b": "two"})
    r.sadd("iset", 1, 2, 3)
    r.sadd("sset", "a", "b", "c")
    r.zadd("zset", {"a": 1.5, "b": -2})
    r.set("ttl", "v", ex=1000)
    r.execute_command("SELECT", 1)
    r.set("in1", "v1")
    r.lpush("l1", "a", "b")
    r.execute_command("SELECT", 9)
    r.hset("h9", "f", "v")
    r.expire("h9", 5000)
    r.execute_command("SELECT", 0)


def call(s, *args):
    """One command on a fresh raw connection: simple strings come back as
    str and errors as Err (redis-py would turn +OK into True)."""
    with RespConn(s.port) as c:
        return c.call(*args)


def digest(s):
    return s.client().execute_command("DEBUG", "DIGEST")


def persistence(s):
    return s.info("persistence")


def bgsave_done(s):
    p = persistence(s)
    return p if p["rdb_bgsave_in_progress"] == 0 else None


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ---- clients served while the dataset loads at start-up --------------------------------------

LOADING = Err("LOADING Redis is loading the dataset in memory")
# 20000 keys of 100 bytes at 100 us each: a load of two seconds or more.
SLOW_LOAD = {"key-load-delay": 100, "loading-process-events-interval-bytes": 1024,
             "rdbcompression": "no"}


def spawn_loading(servers, workdir, **directives):
    """Save 20000 keys in workdir, then start a server that loads them
    slowly; return it once it answers (-LOADING) without waiting for PONG,
    and where its part of the shared log file starts."""
    s = start(servers, workdir, **directives)
    s.client().execute_command("DEBUG", "POPULATE", 20000, "key", 100)
    if directives.get("appendonly") == "yes":
        s.client().execute_command("BGREWRITEAOF")
        wait_for(lambda: s.info("persistence")["aof_rewrite_in_progress"] == 0, timeout=30)
    else:
        assert call(s, "SAVE") == "OK"
    s.stop()
    log_start = len(s.logfile)
    s2 = Server(workdir, binary=CASTOR_SERVER, directives=dict(SLOW_LOAD, **directives),
                name="castor")
    servers.append(s2)
    s2.spawn()

    def answers():
        try:
            return call(s2, "PING")
        except OSError:
            return None
    assert wait_for(answers, timeout=10) == LOADING
    return s2, log_start


def test_clients_are_served_while_the_snapshot_loads(servers, tmp_path):
    s, log_start = spawn_loading(servers, tmp_path)
    size = os.path.getsize(tmp_path / "dump.rdb")
    p = persistence(s)
    assert p["loading"] == 1
    assert p["loading_total_bytes"] == size
    assert 0 < p["loading_loaded_bytes"] < size
    assert 0 < p["loading_loaded_perc"] < 100
    assert abs(p["loading_start_time"] - time.time()) < 60
    assert p["loading_eta_seconds"] >= 0
    # Data commands wait for the data; the server itself answers.
    assert call(s, "GET", "key:1") == LOADING
    assert call(s, "CONFIG", "SET", "loglevel", "debug") == "OK"
    assert s.client().config_get("loglevel") == {"loglevel": "debug"}
    assert call(s, "CONFIG", "SET", "appendonly", "yes") == LOADING
    for sub in (("RELOAD",), ("LOADAOF",), ("POPULATE", "10")):  # would break the load
        assert call(s, "DEBUG", *sub) == LOADING
    assert persistence(s)["loading"] == 1
    assert "Ready to accept connections" not in s.logfile[log_start:]
    wait_for(lambda: call(s, "PING") == "PONG", timeout=60)
    p = persistence(s)
    assert p["loading"] == 0 and "loading_total_bytes" not in p
    assert s.client().dbsize() == 20000
    assert "Ready to accept connections" in s.logfile[log_start:]


def test_a_connection_made_during_the_load_is_answered_at_the_next_pause(servers, tmp_path):
    """At each pause in the load Redis polls up to four times while fds are
    ready (processEventsWhileBlocked): a connection accepted by one poll is
    read and answered by the next. One poll per pause answered it a whole
    load interval later: from a slow disk, a FIFO or a slow master's
    diskless sync, clients timed out instead of reading -LOADING."""
    # 50 ms per key, a pause every 1024 bytes (about nine keys): pauses
    # far apart next to a local round trip, even on a loaded machine.
    s, _ = spawn_loading(servers, tmp_path, **{"key-load-delay": 50000})

    def loaded_bytes(conn):
        info = conn.call("INFO", "persistence").decode()
        return int(info.split("loading_loaded_bytes:")[1].split()[0])

    with RespConn(s.port) as early:
        seen = loaded_bytes(early)             # answered at pause k
        with RespConn(s.port) as late:         # connects before pause k+1
            moved = loaded_bytes(late) - seen  # answered at pause k+1
    assert 1024 <= moved < 2048, moved


def test_sigterm_while_the_snapshot_loads_exits_without_saving(servers, tmp_path):
    s, log_start = spawn_loading(servers, tmp_path, save="3600 1")
    before = read(tmp_path / "dump.rdb")
    os.kill(s.pid, signal.SIGTERM)
    assert s.wait_exit(10) == 0
    assert "Ready to accept connections" not in s.logfile[log_start:]
    assert read(tmp_path / "dump.rdb") == before  # a partial dataset is never saved


def test_clients_are_served_while_the_aof_loads(servers, tmp_path):
    s, _ = spawn_loading(servers, tmp_path, appendonly="yes")
    p = persistence(s)
    assert p["loading"] == 1 and 0 < p["loading_loaded_bytes"] < p["loading_total_bytes"]
    assert call(s, "DBSIZE") == LOADING
    wait_for(lambda: call(s, "PING") == "PONG", timeout=60)
    assert s.client().dbsize() == 20000


# ---- restart -------------------------------------------------------------------------------

def test_save_then_restart_keeps_the_dataset(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    populate(r)
    before = digest(s)
    assert call(s, "SAVE") == "OK"
    assert os.path.exists(tmp_path / "dump.rdb")
    assert persistence(s)["rdb_changes_since_last_save"] == 0
    assert s.stop() == 0
    s2 = start(servers, tmp_path)
    assert digest(s2) == before
    r2 = s2.client()
    assert r2.get("big") == b"x" * 20000
    assert 990 < r2.ttl("ttl") <= 1000
    log = s2.logfile
    assert "DB loaded from disk: " in log
    assert "Done loading RDB, keys loaded: 12, keys expired: 0." in log
    p = persistence(s2)
    assert p["rdb_last_load_keys_loaded"] == 12
    assert p["rdb_changes_since_last_save"] == 0


def test_start_without_a_file_starts_empty(servers, tmp_path):
    s = start(servers, tmp_path)
    assert s.client().dbsize() == 0
    assert "DB loaded from disk" not in s.logfile
    assert not os.path.exists(tmp_path / "dump.rdb")


def test_keys_expired_in_the_file_are_not_loaded(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 0)
    r.set("gone", "v", px=100)
    r.set("kept", "v")
    r.execute_command("SAVE")
    s.stop()
    time.sleep(0.2)
    s2 = start(servers, tmp_path)
    assert s2.client().keys("*") == [b"kept"]
    assert "Done loading RDB, keys loaded: 1, keys expired: 1." in s2.logfile
    assert persistence(s2)["rdb_last_load_keys_expired"] == 1


def test_dbfilename_is_used_for_save_and_load(servers, tmp_path):
    s = start(servers, tmp_path, dbfilename="other.rdb")
    s.client().set("k", "v")
    s.client().execute_command("SAVE")
    assert os.path.exists(tmp_path / "other.rdb")
    assert not os.path.exists(tmp_path / "dump.rdb")
    s.stop()
    assert start(servers, tmp_path, dbfilename="other.rdb").client().get("k") == b"v"


# ---- corrupt files at start ---------------------------------------------------------------

def saved_file(servers, tmp_path):
    s = start(servers, tmp_path / "orig")
    populate(s.client())
    s.client().execute_command("SAVE")
    s.stop()
    return read(tmp_path / "orig" / "dump.rdb")


def start_fails(tmp_path, name, content):
    d = tmp_path / name
    d.mkdir()
    (d / "dump.rdb").write_bytes(content)
    s = Server(d, binary=CASTOR_SERVER, name=name)
    s.spawn()
    rc = s.wait_exit(20)
    assert read(d / "dump.rdb") == content, "the bad file was changed"
    assert not s.sanitizer_report(), s.diagnostics()
    return rc, s.logfile


@pytest.mark.parametrize("how", ["truncated", "flipped", "empty", "bad-magic", "no-checksum-tail"])
def test_bad_file_stops_the_server_and_is_left_untouched(servers, tmp_path, how):
    good = saved_file(servers, tmp_path)
    if how == "truncated":
        bad = good[:len(good) // 2]
    elif how == "flipped":
        mid = len(good) // 2
        bad = good[:mid] + bytes(b ^ 0xFF for b in good[mid:mid + 4]) + good[mid + 4:]
    elif how == "empty":
        bad = b""
    elif how == "bad-magic":
        bad = b"RADIS" + good[5:]
    else:
        bad = good[:-8]
    rc, log = start_fails(tmp_path, how, bad)
    assert rc == 1, log
    assert "Terminating server after rdb file reading failure." in log, log
    assert "Ready to accept connections" not in log
    # The message says where the file is bad (rdb.c names the byte offset).
    assert "offset" in log.lower() or "checksum" in log.lower() or "crc" in log.lower(), log


def test_unreadable_path_stops_the_server(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    os.mkdir(d / "dump.rdb")   # a directory where the file should be: open works, read fails
    s = Server(d, binary=CASTOR_SERVER)
    s.spawn()
    assert s.wait_exit(20) == 1
    assert os.path.isdir(d / "dump.rdb")


# ---- BGSAVE ------------------------------------------------------------------------------------

def test_bgsave_completes_and_its_file_loads(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    populate(r)
    before = digest(s)
    assert call(s, "BGSAVE") == "Background saving started"
    p = wait_for(lambda: bgsave_done(s), timeout=20)
    assert p["rdb_last_bgsave_status"] == "ok"
    assert p["rdb_changes_since_last_save"] == 0
    assert p["rdb_saves"] == 1
    assert p["rdb_last_bgsave_time_sec"] >= 0
    assert p["rdb_current_bgsave_time_sec"] == -1
    log = wait_for(lambda: s.logfile if "Background saving terminated with success" in s.logfile
                   else "", timeout=5)
    assert "Background saving started by pid" in log
    assert "DB saved on disk" in log
    # The child logs as 'C' under its own pid.
    child_line = next(l for l in log.splitlines() if "DB saved on disk" in l)
    assert child_line.split(":")[1][0] == "C" and not child_line.startswith("%d:" % s.pid)
    assert call(s, "DEBUG", "RELOAD", "NOSAVE") == "OK"
    assert digest(s) == before


def test_writes_during_bgsave_stay_counted(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    r.execute_command("DEBUG", "POPULATE", 200000)
    r.execute_command("BGSAVE")
    r.set("during", 1)
    r.set("during2", 2)
    p = wait_for(lambda: bgsave_done(s), timeout=30)
    assert p["rdb_last_bgsave_status"] == "ok"
    # DEBUG POPULATE does not count as changes; the two SETs may land before
    # or after the fork, so 0..2 remain.
    assert p["rdb_changes_since_last_save"] <= 2


def test_second_bgsave_and_save_while_a_child_runs_are_refused(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    r.execute_command("DEBUG", "POPULATE", 300000, "key", 100)
    assert call(s, "BGSAVE") == "Background saving started"
    if persistence(s)["rdb_bgsave_in_progress"]:
        assert call(s, "BGSAVE") == Err("ERR Background save already in progress")
        assert call(s, "SAVE") == Err("ERR Background save already in progress")
        assert persistence(s)["rdb_current_bgsave_time_sec"] >= 0
    wait_for(lambda: bgsave_done(s), timeout=30)
    assert persistence(s)["rdb_last_bgsave_status"] == "ok"


def test_bgsave_schedule_without_other_child_starts_now(servers, tmp_path):
    s = start(servers, tmp_path)
    assert call(s, "BGSAVE", "SCHEDULE") == "Background saving started"
    wait_for(lambda: bgsave_done(s), timeout=20)
    assert call(s, "BGSAVE", "NOW") == Err("ERR syntax error")
    assert call(s, "BGSAVE", "SCHEDULE", "x") == Err("ERR syntax error")


def test_bgsave_during_an_aof_rewrite_is_refused_or_scheduled(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    r.execute_command("DEBUG", "POPULATE", 300000, "key", 100)
    assert call(s, "BGREWRITEAOF") == "Background append only file rewriting started"
    if persistence(s)["aof_rewrite_in_progress"] != 1:
        pytest.skip("the AOF rewrite finished too fast to overlap")
    assert call(s, "BGSAVE") == Err(
        "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
        "SCHEDULE in order to schedule a BGSAVE whenever possible.")
    assert call(s, "BGSAVE", "SCHEDULE") == "Background saving scheduled"
    wait_for(lambda: "Background saving terminated with success" in s.logfile, timeout=30)
    assert s.logfile.index("Background saving started") > s.logfile.index(
        "Background AOF rewrite terminated")


def test_bgsave_inside_multi_is_scheduled_then_runs(servers, tmp_path):
    s = start(servers, tmp_path)
    with RespConn(s.port) as c:
        assert c.call("MULTI") == "OK"
        assert c.call("SET", "k", "v") == "QUEUED"
        assert c.call("BGSAVE") == "QUEUED"
        assert c.call("EXEC") == ["OK", "Background saving scheduled"]
    wait_for(lambda: "Background saving terminated with success" in s.logfile, timeout=10)
    assert os.path.exists(tmp_path / "dump.rdb")


def test_bgsave_reports_copy_on_write_size(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    r.execute_command("DEBUG", "POPULATE", 100000)
    r.execute_command("BGSAVE")
    for i in range(2000):   # dirty some pages while the child runs
        r.set("key:%d" % i, "y" * 50)
    p = wait_for(lambda: bgsave_done(s), timeout=30)
    assert p["rdb_last_cow_size"] > 0


def test_bgsave_child_reports_its_progress(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    r.execute_command("DEBUG", "POPULATE", 5000, "key", 500)
    r.config_set("rdb-key-save-delay", 400)  # about 2 s of saving
    p = persistence(s)
    assert (p["current_save_keys_total"], p["current_fork_perc"], p["current_cow_size"]) == (0, 0, 0)
    r.execute_command("BGSAVE")
    assert persistence(s)["current_save_keys_total"] == 5000

    def reported():
        for i in range(64):   # dirty pages the child still shares
            r.setrange("key:%d" % i, 0, "B" * 500)
        p = persistence(s)
        if p["rdb_bgsave_in_progress"] == 0:
            raise AssertionError("the save ended before the child reported")
        return p if p["current_save_keys_processed"] > 0 and p["current_cow_size"] > 0 else None
    p = wait_for(reported, timeout=20, interval=0.1)
    assert 0 < p["current_fork_perc"] < 100
    assert p["current_save_keys_processed"] <= 5000
    assert p["current_cow_peak"] >= p["current_cow_size"]
    r.config_set("rdb-key-save-delay", 0)
    p = wait_for(lambda: bgsave_done(s), timeout=30)
    assert (p["current_save_keys_total"], p["current_save_keys_processed"]) == (0, 0)
    assert p["current_cow_size"] == 0
    assert "Fork CoW for RDB: current" in s.logfile


def test_save_is_refused_inside_multi(servers, tmp_path):
    s = start(servers, tmp_path)
    with RespConn(s.port) as c:
        assert c.call("MULTI") == "OK"
        assert c.call("SAVE") == Err("ERR Command not allowed inside a transaction")
        assert c.call("DISCARD") == "OK"


# ---- save points -----------------------------------------------------------------------------

def test_save_point_triggers_a_background_save(servers, tmp_path):
    s = start(servers, tmp_path, save="1 1")
    r = s.client()
    r.set("k", "v")
    log = wait_for(lambda: s.logfile if "Background saving terminated with success" in s.logfile
                   else "", timeout=10)
    assert "1 changes in 1 seconds. Saving..." in log
    assert persistence(s)["rdb_changes_since_last_save"] == 0
    assert os.path.exists(tmp_path / "dump.rdb")


def test_save_point_waits_for_enough_changes(servers, tmp_path):
    s = start(servers, tmp_path, save="1 3")
    r = s.client()
    r.set("a", 1)
    r.set("b", 1)
    time.sleep(2.5)
    assert "Saving..." not in s.logfile
    r.set("c", 1)
    wait_for(lambda: "3 changes in 1 seconds. Saving..." in s.logfile, timeout=10)


def test_config_set_save_takes_effect(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    r.set("k", "v")
    time.sleep(1.5)
    assert "Saving..." not in s.logfile
    r.config_set("save", "1 1")
    wait_for(lambda: "1 changes in 1 seconds. Saving..." in s.logfile, timeout=10)


# ---- a failing disk: MISCONF -----------------------------------------------------------------

def broken_dir_server(servers, tmp_path, **extra):
    """A server whose dir vanishes after start, so every save fails with
    ENOENT (this works as root, unlike chmod)."""
    d = tmp_path / "data"
    d.mkdir()
    s = start(servers, tmp_path, dir=str(d), save="3600 1", **extra)
    os.rmdir(d)
    return s


def test_failed_bgsave_makes_writes_fail_with_misconf(servers, tmp_path):
    s = broken_dir_server(servers, tmp_path)
    r = s.client()
    r.set("k", "v")
    assert call(s, "BGSAVE") == "Background saving started"
    p = wait_for(lambda: bgsave_done(s), timeout=20)
    assert p["rdb_last_bgsave_status"] == "err"
    assert "Background saving error" in s.logfile
    assert p["rdb_changes_since_last_save"] == 1
    with pytest.raises(redis.ResponseError) as e:
        r.set("k2", "v")
    assert str(e.value) == MISCONF
    with pytest.raises(redis.ResponseError) as e:
        r.ping()            # Redis 7.0 refuses PING too
    assert str(e.value) == MISCONF
    assert r.get("k") == b"v"   # reads still work
    assert r.exists("k2") == 0
    # Inside MULTI the write is refused at queue time and EXEC aborts.
    with RespConn(s.port) as c:
        assert c.call("MULTI") == "OK"
        assert c.call("SET", "k3", "v") == Err(MISCONF)
        assert c.call("EXEC") == Err("EXECABORT Transaction discarded because of previous errors.")
    assert r.exists("k3") == 0
    # stop-writes-on-bgsave-error no lifts the refusal.
    r.config_set("stop-writes-on-bgsave-error", "no")
    assert r.set("k2", "v") is True
    r.config_set("stop-writes-on-bgsave-error", "yes")
    with pytest.raises(redis.ResponseError, match="^MISCONF "):
        r.set("k2", "v")
    # Without save points there is nothing to protect.
    r.config_set("save", "")
    assert r.set("k2", "v") is True
    r.config_set("save", "3600 1")
    # SAVE fails with Redis's bare error; SHUTDOWN can't save and stays up.
    assert call(s, "SAVE") == Err("ERR")
    assert call(s, "SHUTDOWN") == Err("ERR Errors trying to SHUTDOWN. Check logs.")
    assert s.alive()
    assert "Error trying to save the DB, can't exit." in s.logfile
    r.config_set("save", "")   # let the fixture's SIGTERM stop it


def test_successful_bgsave_clears_misconf(servers, tmp_path):
    s = broken_dir_server(servers, tmp_path, **{"enable-protected-configs": "yes"})
    r = s.client()
    r.execute_command("BGSAVE")
    wait_for(lambda: bgsave_done(s), timeout=20)
    with pytest.raises(redis.ResponseError, match="^MISCONF "):
        r.set("k", "v")
    good = tmp_path / "good"
    good.mkdir()
    r.config_set("dir", str(good))
    r.execute_command("BGSAVE")
    p = wait_for(lambda: bgsave_done(s), timeout=20)
    assert p["rdb_last_bgsave_status"] == "ok"
    assert r.set("k", "v") is True
    assert os.path.exists(good / "dump.rdb")


def test_failed_save_point_is_retried_after_five_seconds(servers, tmp_path):
    s = broken_dir_server(servers, tmp_path)
    s.client().config_set("save", "1 1")
    s.client().config_set("stop-writes-on-bgsave-error", "no")
    s.client().set("k", "v")
    wait_for(lambda: s.logfile.count("Background saving error") >= 1, timeout=10)
    t0 = time.monotonic()
    wait_for(lambda: s.logfile.count("Background saving error") >= 2, timeout=15)
    assert time.monotonic() - t0 > 3.5   # not every cron tick
    s.client().config_set("save", "")


def test_shutdown_force_exits_even_if_the_save_fails(servers, tmp_path):
    s = broken_dir_server(servers, tmp_path)
    r = s.client()
    with pytest.raises(redis.ConnectionError):
        r.execute_command("SHUTDOWN", "FORCE")
    assert s.wait_exit(10) == 0
    assert "Error trying to save the DB. Exit anyway." in s.logfile


# ---- SHUTDOWN and SIGTERM ------------------------------------------------------------------

def shutdown(s, *args):
    with pytest.raises(redis.ConnectionError):
        s.client().execute_command("SHUTDOWN", *args)
    assert s.wait_exit(10) == 0


def test_shutdown_saves_when_save_points_exist(servers, tmp_path):
    s = start(servers, tmp_path, save="3600 1")
    populate(s.client())
    before = digest(s)
    shutdown(s)
    assert "Saving the final RDB snapshot before exiting." in s.logfile
    assert digest(start(servers, tmp_path)) == before


def test_shutdown_without_save_points_does_not_save(servers, tmp_path):
    s = start(servers, tmp_path)
    s.client().set("k", "v")
    shutdown(s)
    assert not os.path.exists(tmp_path / "dump.rdb")


def test_shutdown_save_saves_without_save_points(servers, tmp_path):
    s = start(servers, tmp_path)
    s.client().set("k", "v")
    shutdown(s, "SAVE")
    assert start(servers, tmp_path).client().get("k") == b"v"


def test_shutdown_nosave_does_not_save_despite_save_points(servers, tmp_path):
    s = start(servers, tmp_path, save="3600 1")
    s.client().set("k", "v")
    shutdown(s, "NOSAVE")
    assert not os.path.exists(tmp_path / "dump.rdb")
    assert "Saving the final RDB snapshot" not in s.logfile


def test_shutdown_kills_a_running_bgsave_child(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    r.execute_command("DEBUG", "POPULATE", 300000, "key", 100)
    r.execute_command("BGSAVE")
    running = persistence(s)["rdb_bgsave_in_progress"] == 1
    shutdown(s, "SAVE")
    if running:
        assert "There is a child saving an .rdb. Killing it!" in s.logfile
    assert not [f for f in os.listdir(tmp_path) if f.startswith("temp-")]
    assert start(servers, tmp_path).client().dbsize() == 300000


def test_sigterm_saves_when_save_points_exist(servers, tmp_path):
    s = start(servers, tmp_path, save="3600 1")
    populate(s.client())
    before = digest(s)
    assert s.stop() == 0
    assert "Saving the final RDB snapshot before exiting." in s.logfile
    assert digest(start(servers, tmp_path)) == before


def test_sigterm_without_save_points_does_not_save(servers, tmp_path):
    s = start(servers, tmp_path)
    s.client().set("k", "v")
    assert s.stop() == 0
    assert not os.path.exists(tmp_path / "dump.rdb")


def test_sigterm_that_cannot_save_keeps_running(servers, tmp_path):
    s = broken_dir_server(servers, tmp_path)
    os.kill(s.pid, signal.SIGTERM)
    wait_for(lambda: "SIGTERM received but errors trying to shut down the server" in s.logfile,
             timeout=10)
    assert s.alive()
    assert s.client().get("x") is None
    s.client().config_set("save", "")


# ---- FLUSHALL, DEBUG RELOAD, LASTSAVE, INFO ------------------------------------------------

def test_flushall_with_save_points_writes_an_empty_snapshot(servers, tmp_path):
    s = start(servers, tmp_path, save="3600 1")
    r = s.client()
    r.set("k", "v")
    r.execute_command("SAVE")
    r.set("k2", "v")
    assert r.flushall() is True
    assert persistence(s)["rdb_changes_since_last_save"] == 0
    assert persistence(s)["rdb_saves"] == 1   # FLUSHALL's save is not counted
    s.stop()
    assert start(servers, tmp_path).client().dbsize() == 0


def test_flushall_without_save_points_counts_removed_keys(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    r.mset({"a": 1, "b": 2})
    r.flushall()
    assert persistence(s)["rdb_changes_since_last_save"] == 4   # 2 sets + 2 removed
    assert not os.path.exists(tmp_path / "dump.rdb")


def test_debug_reload_keeps_the_digest(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    populate(r)
    before = digest(s)
    assert call(s, "DEBUG", "RELOAD") == "OK"
    assert digest(s) == before
    assert "DB reloaded by DEBUG RELOAD" in s.logfile
    assert persistence(s)["rdb_changes_since_last_save"] == 0
    assert persistence(s)["rdb_saves"] == 0


def test_debug_reload_nosave_replaces_the_dataset_with_the_file(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    r.set("saved", 1)
    r.execute_command("SAVE")
    r.set("later", 1)
    assert call(s, "DEBUG", "RELOAD", "NOSAVE") == "OK"
    assert r.keys("*") == [b"saved"]


def test_debug_reload_errors(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    r.set("k", 1)
    assert call(s, "DEBUG", "RELOAD", "FOO") == Err(
        "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
    assert call(s, "DEBUG", "RELOAD", "NOSAVE") == Err("ERR Error trying to load the RDB dump")
    assert r.dbsize() == 0   # flushed before the load, as Redis does


def test_debug_reload_breaks_watch(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    r.set("w", 1)
    p = r.pipeline(transaction=True)
    p.watch("w")
    r.execute_command("DEBUG", "RELOAD")
    p.multi()
    p.set("w", 2)
    with pytest.raises(redis.WatchError):
        p.execute()


def test_lastsave_moves_on_save(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    first = r.lastsave().timestamp()
    assert abs(first - time.time()) < 30
    wait_for(lambda: time.time() >= first + 1.05, timeout=5)
    r.execute_command("SAVE")
    second = r.lastsave().timestamp()
    assert second > first
    assert persistence(s)["rdb_last_save_time"] == int(second)
    wait_for(lambda: time.time() >= second + 1.05, timeout=5)
    r.execute_command("BGSAVE")
    wait_for(lambda: bgsave_done(s), timeout=20)
    assert r.lastsave().timestamp() > second


def test_info_persistence_fields(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    text = call(s, "INFO", "persistence").decode()
    names = [l.split(":")[0] for l in text.split("\r\n")[1:] if l]
    expected = ["loading", "async_loading", "current_cow_peak", "current_cow_size",
                "current_cow_size_age", "current_fork_perc", "current_save_keys_processed",
                "current_save_keys_total", "rdb_changes_since_last_save", "rdb_bgsave_in_progress",
                "rdb_last_save_time", "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec",
                "rdb_current_bgsave_time_sec", "rdb_saves", "rdb_last_cow_size",
                "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded"]
    assert names[:len(expected)] == expected
    p = persistence(s)
    assert p["rdb_changes_since_last_save"] == 0
    assert p["rdb_last_bgsave_status"] == "ok"
    assert p["rdb_last_bgsave_time_sec"] == -1
    assert p["rdb_saves"] == 0
    r.set("a", 1)
    r.incr("a")
    r.delete("a", "nothing")
    assert persistence(s)["rdb_changes_since_last_save"] == 3
    r.execute_command("SAVE")
    p = persistence(s)
    assert p["rdb_changes_since_last_save"] == 0 and p["rdb_saves"] == 1


def test_commands_in_command_table(servers, tmp_path):
    s = start(servers, tmp_path)
    info = call(s, "COMMAND", "INFO", "save", "bgsave", "lastsave")
    assert [i[0] for i in info] == [b"save", b"bgsave", b"lastsave"]
    assert info[0][1] == 1 and info[1][1] == -1 and info[2][1] == 1
