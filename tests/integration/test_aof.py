"""The append-only file (aof.c): Redis 7.0's multi-part AOF.

What survives a restart with appendonly yes, what the incremental file
holds (the propagated effect stream: EXPIRE as PEXPIREAT, MULTI/EXEC whole),
BGREWRITEAOF and automatic rewrites (a new base and manifest), CONFIG SET
appendonly yes at runtime, truncated files (aof-load-truncated yes/no) and
castor-check-aof. Durability under kill -9 is test_aof_durability.py; files
moved to and from redis-server are tests/interop/test_aof_interop.py."""

import os
import re
import signal
import subprocess

import pytest
import redis

from castortest import CASTOR_SERVER, Server, free_port, run_to_exit, wait_for
from resp import Err

CHECK_AOF = os.path.join(os.path.dirname(CASTOR_SERVER), "castor-check-aof")
if not os.path.exists(CHECK_AOF):  # ASan server: the tool is built beside the release one
    CHECK_AOF = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "build", "castor-check-aof")


# ---- helpers -------------------------------------------------------------------------------

@pytest.fixture
def servers():
    """Servers a test starts and restarts itself on one directory; all are
    stopped (by pid) afterwards and must leave no sanitizer report."""
    made = []
    yield made
    for s in made:
        s.stop()
        assert not s.sanitizer_report(), s.diagnostics()


def start(servers, workdir, **directives):
    d = {"appendonly": "yes"}
    d.update(directives)
    s = Server(workdir, binary=CASTOR_SERVER, directives=d, name="castor")
    servers.append(s)
    return s.start()


def aofdir(workdir):
    return os.path.join(str(workdir), "appendonlydir")


def manifest(workdir):
    """[(name, seq, type)] of the manifest."""
    with open(os.path.join(aofdir(workdir), "appendonly.aof.manifest")) as f:
        rows = []
        for line in f:
            m = re.match(r"^file (\S+) seq (\d+) type ([bhi])$", line.strip())
            assert m, line
            rows.append((m.group(1), int(m.group(2)), m.group(3)))
        return rows


def incr_path(workdir):
    incr = [n for n, _, t in manifest(workdir) if t == "i"]
    return os.path.join(aofdir(workdir), incr[-1])


def incr_bytes(workdir):
    with open(incr_path(workdir), "rb") as f:
        return f.read()


def populate(r):
    r.set("str", "hello")
    r.set("int", 12345)
    r.rpush("list", *range(10))
    r.hset("hash", mapping={"a": 1, "b": "two"})
    r.sadd("set", "a", "b", "c")
    r.zadd("zset", {"a": 1.5, "b": -2})
    r.set("ttl", "v", ex=1000)
    r.incrbyfloat("float", "1.5")
    r.execute_command("SELECT", 5)
    r.set("in5", "v5")
    r.lpush("l5", "a", "b")
    r.execute_command("SELECT", 0)


def digest(s):
    return s.client().execute_command("DEBUG", "DIGEST")


def restart(s):
    assert s.stop() == 0
    return s.start()


def wait_rewrite_done(s, rewrites):
    def done():
        i = s.info("persistence")
        return (i["aof_rewrite_in_progress"] == 0 and i["aof_rewrites"] >= rewrites
                and i["aof_rewrite_scheduled"] == 0)
    wait_for(done, timeout=10, msg="AOF rewrite to finish")


def child_pid_from_log(s):
    m = re.findall(r"Background append only file rewriting started by pid (\d+)", s.logfile)
    return int(m[-1])


# ---- survival across restarts ----------------------------------------------------------------

@pytest.mark.parametrize("fsync", ["everysec", "always", "no"])
def test_data_survives_restart(servers, tmp_path, fsync):
    s = start(servers, tmp_path, appendfsync=fsync)
    r = s.client()
    populate(r)
    want = digest(s)
    info = s.info("persistence")
    assert info["aof_enabled"] == 1
    assert info["aof_last_write_status"] == "ok"
    restart(s)
    assert digest(s) == want
    r = s.client()
    assert r.get("str") == b"hello"
    assert r.lrange("list", 0, -1) == [str(i).encode() for i in range(10)]
    assert 900 < r.ttl("ttl") <= 1000
    r.execute_command("SELECT", 5)
    assert r.get("in5") == b"v5"
    assert "DB loaded from append only file" in s.logfile


def test_first_start_creates_base_incr_and_manifest(servers, tmp_path):
    s = start(servers, tmp_path)
    assert manifest(tmp_path) == [("appendonly.aof.1.base.rdb", 1, "b"),
                                  ("appendonly.aof.1.incr.aof", 1, "i")]
    with open(os.path.join(aofdir(tmp_path), "appendonly.aof.1.base.rdb"), "rb") as f:
        assert f.read(5) == b"REDIS"
    assert "Creating AOF base file appendonly.aof.1.base.rdb on server start" in s.logfile
    info = s.info("persistence")
    for field in ("aof_current_size", "aof_base_size", "aof_pending_rewrite", "aof_buffer_length",
                  "aof_pending_bio_fsync", "aof_delayed_fsync", "aof_last_cow_size"):
        assert field in info
    # Restarting appends to the same incr file.
    s.client().set("k", "v")
    restart(s)
    assert "Opening AOF incr file appendonly.aof.1.incr.aof on server start" in s.logfile
    assert s.client().get("k") == b"v"


def test_appendonly_from_the_config_ignores_an_existing_rdb(servers, tmp_path):
    """redis.conf (7.0): "If the AOF is enabled on startup Redis will load the
    AOF ... Note that changing this value in a config file of an existing
    database and restarting the server can lead to data loss. A conversion
    needs to be done by setting it via CONFIG command on a live server
    first." castor does the same, and warns in its log."""
    s = start(servers, tmp_path, appendonly="no")
    s.client().set("k", "v")
    assert s.client().execute_command("SAVE")
    assert s.stop() == 0
    s.directives["appendonly"] = "yes"
    s.start()
    assert s.client().dbsize() == 0
    assert "dump.rdb is not loaded" in s.logfile
    assert [t for _, _, t in manifest(tmp_path)] == ["b", "i"]


def test_info_without_aof_has_no_size_fields(server):
    info = server.info("persistence")
    assert info["aof_enabled"] == 0
    assert info["aof_rewrites"] == 0
    assert "aof_current_size" not in info


def test_debug_loadaof_reloads_without_appending(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    populate(r)
    want = digest(s)
    size = os.path.getsize(incr_path(tmp_path))
    assert r.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert digest(s) == want
    assert os.path.getsize(incr_path(tmp_path)) == size
    assert "Append Only File loaded by DEBUG LOADAOF" in s.logfile
    r.set("after", "1")
    restart(s)
    assert s.client().get("after") == b"1"


def test_debug_reload_writes_del_for_the_expired_keys_it_drops(servers, tmp_path):
    """DEBUG RELOAD drops a key whose TTL passed (the RDB load skips it) and
    says so to the AOF as to the replicas; Redis 7.0 leaves its AOF without
    the DEL, so a restart loads the key back with a past TTL (DBSIZE and
    DEBUG DIGEST differ until it is expired)."""
    s = start(servers, tmp_path)
    r = s.client()
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    r.set("gone", "v", px=20)
    r.set("kept", "v")
    r.execute_command("DEBUG", "SLEEP", "0.05")     # the TTL passes; nothing looks
    assert r.dbsize() == 2
    want = digest(s)
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert r.dbsize() == 1 and digest(s) != want
    want = digest(s)
    assert b"*2\r\n$3\r\nDEL\r\n$4\r\ngone\r\n" in incr_bytes(tmp_path)
    assert r.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert r.dbsize() == 1 and digest(s) == want
    restart(s)
    r = s.client()
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    assert r.dbsize() == 1 and digest(s) == want


# ---- what the incr file holds ----------------------------------------------------------------

def test_expire_is_stored_as_pexpireat(servers, tmp_path):
    """DESIGN.md: EXPIRE k 10 goes out as PEXPIREAT k <abs ms>."""
    s = start(servers, tmp_path)
    r = s.client()
    r.set("k", "v")
    before_ms = int(r.time()[0]) * 1000
    r.expire("k", 100)
    r.setex("k2", 50, "v")
    # Under everysec a write may wait (up to 2 s) behind a running fsync.
    wait_for(lambda: b"k2" in incr_bytes(tmp_path), 5)
    data = incr_bytes(tmp_path)
    assert b"\r\nEXPIRE\r\n" not in data.upper().replace(b"PEXPIREAT", b"")
    m = re.search(rb"\$9\r\nPEXPIREAT\r\n\$1\r\nk\r\n\$\d+\r\n(\d+)\r\n", data)
    assert m, data
    assert before_ms + 99000 <= int(m.group(1)) <= before_ms + 102000
    assert b"SETEX" not in data.upper()
    restart(s)
    assert 90 < s.client().ttl("k") <= 100


def test_select_is_written_when_the_db_changes(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    r.set("a", 1)
    r.execute_command("SELECT", 3)
    r.set("b", 2)
    wait_for(lambda: b"\r\nb\r\n" in incr_bytes(tmp_path), 5)  # may wait behind an fsync
    data = incr_bytes(tmp_path)
    assert data.startswith(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n")
    assert b"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n" in data


def test_multi_exec_is_written_and_loaded_whole(servers, tmp_path):
    s = start(servers, tmp_path, **{"aof-load-truncated": "yes"})
    r = s.client()
    r.set("before", "1")
    p = r.pipeline(transaction=True)
    p.set("a", "1")
    p.incr("b")
    p.execute()
    wait_for(lambda: incr_bytes(tmp_path).endswith(b"EXEC\r\n"), 5)  # may wait behind an fsync
    data = incr_bytes(tmp_path)
    start_multi = data.index(b"*1\r\n$5\r\nMULTI\r\n")
    assert data.endswith(b"*1\r\n$4\r\nEXEC\r\n")
    block = data[start_multi:]
    assert b"\r\na\r\n" in block and b"\r\nb\r\n" in block
    restart(s)
    assert s.client().mget("before", "a", "b") == [b"1", b"1", b"1"]
    # A transaction cut before its EXEC is dropped whole, and the file is
    # cut before its MULTI.
    assert s.stop() == 0
    path = incr_path(tmp_path)
    size_before = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(size_before - len(b"*1\r\n$4\r\nEXEC\r\n"))
    s.start()
    assert s.client().mget("before", "a", "b") == [b"1", None, None]
    assert "Revert incomplete MULTI/EXEC transaction" in s.logfile
    assert os.path.getsize(path) == start_multi


# ---- rewrites -------------------------------------------------------------------------------

def test_bgrewriteaof_makes_a_new_base_and_manifest(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    populate(r)
    r.set("old", "x")
    r.delete("old")
    assert s.raw().call("BGREWRITEAOF") == "Background append only file rewriting started"
    wait_rewrite_done(s, 1)
    assert manifest(tmp_path) == [("appendonly.aof.2.base.rdb", 2, "b"),
                                  ("appendonly.aof.2.incr.aof", 2, "i")]
    files = sorted(os.listdir(aofdir(tmp_path)))
    assert files == ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof",
                     "appendonly.aof.manifest"]
    info = s.info("persistence")
    assert info["aof_last_bgrewrite_status"] == "ok"
    assert info["aof_base_size"] == os.path.getsize(
        os.path.join(aofdir(tmp_path), "appendonly.aof.2.base.rdb"))
    r.set("after", "rewrite")
    want = digest(s)
    restart(s)
    assert digest(s) == want
    assert s.client().get("after") == b"rewrite"


def test_rewrite_without_rdb_preamble_writes_a_command_base(servers, tmp_path):
    s = start(servers, tmp_path, **{"aof-use-rdb-preamble": "no"})
    r = s.client()
    populate(r)
    r.execute_command("BGREWRITEAOF")
    wait_rewrite_done(s, 1)
    base = [n for n, _, t in manifest(tmp_path) if t == "b"][0]
    assert base == "appendonly.aof.2.base.aof"
    with open(os.path.join(aofdir(tmp_path), base), "rb") as f:
        text = f.read()
    assert text.startswith(b"*2\r\n$6\r\nSELECT\r\n")
    assert b"PEXPIREAT" in text
    want = digest(s)
    restart(s)
    assert digest(s) == want


def test_rewrite_in_progress_refuses_a_second_and_schedules_bgsave(servers, tmp_path):
    # hz 1: a finished child is reaped at most once a second, so it stays
    # "in progress" while we look; SIGSTOP keeps a slow one running.
    s = start(servers, tmp_path, hz=1)
    r = s.client()
    r.execute_command("DEBUG", "POPULATE", 100000)
    c = s.raw()
    assert c.call("BGREWRITEAOF") == "Background append only file rewriting started"
    pid = child_pid_from_log(s)
    try:
        os.kill(pid, signal.SIGSTOP)
    except ProcessLookupError:
        pass
    try:
        assert c.call("BGREWRITEAOF") == Err(
            "ERR Background append only file rewriting already in progress")
        assert s.info("persistence")["aof_rewrite_in_progress"] == 1
        assert c.call("BGSAVE", "SCHEDULE") == "Background saving scheduled"
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    wait_rewrite_done(s, 1)
    wait_for(lambda: s.info("persistence")["rdb_bgsave_in_progress"] == 0
             and os.path.exists(os.path.join(str(tmp_path), "dump.rdb")),
             timeout=10, msg="the scheduled BGSAVE")


def test_automatic_rewrite_on_growth(servers, tmp_path):
    s = start(servers, tmp_path, **{"auto-aof-rewrite-percentage": 100,
                                   "auto-aof-rewrite-min-size": "64kb"})
    r = s.client()
    for i in range(200):
        r.set("key:%d" % i, "x" * 1000)
    wait_for(lambda: s.info("persistence")["aof_rewrites"] >= 1, timeout=10,
             msg="automatic rewrite")
    wait_rewrite_done(s, 1)
    assert "Starting automatic rewriting of AOF on" in s.logfile
    assert manifest(tmp_path)[0][2] == "b" and manifest(tmp_path)[0][1] >= 2
    want = digest(s)
    restart(s)
    assert digest(s) == want


def test_config_set_appendonly_yes_writes_the_dataset_first(servers, tmp_path):
    s = start(servers, tmp_path, appendonly="no")
    r = s.client()
    populate(r)
    assert not os.path.exists(aofdir(tmp_path))
    assert r.config_set("appendonly", "yes")
    wait_rewrite_done(s, 1)
    wait_for(lambda: s.info("persistence")["aof_enabled"] == 1, timeout=5)
    kinds = [t for _, _, t in manifest(tmp_path)]
    assert kinds == ["b", "i"]
    r.set("later", "1")
    want = digest(s)
    s.stop()
    s.directives["appendonly"] = "yes"
    s.start()
    assert digest(s) == want
    # And off again: nothing more is appended.
    r = s.client()
    assert r.config_set("appendonly", "no")
    size = os.path.getsize(incr_path(tmp_path))
    r.set("not-logged", "1")
    assert os.path.getsize(incr_path(tmp_path)) == size
    assert s.info("persistence")["aof_enabled"] == 0


def test_appendfsync_and_rewrite_options_are_real_configs(servers, tmp_path):
    s = start(servers, tmp_path)
    r = s.client()
    assert r.config_get("appendfsync") == {"appendfsync": "everysec"}
    assert r.config_set("appendfsync", "always")
    assert r.config_get("appendfsync") == {"appendfsync": "always"}
    with pytest.raises(redis.ResponseError, match="argument\\(s\\) must be one of the following"):
        r.config_set("appendfsync", "sometimes")
    assert r.config_get("auto-aof-rewrite-min-size") == {
        "auto-aof-rewrite-min-size": "67108864"}
    assert r.config_get("aof-load-truncated") == {"aof-load-truncated": "yes"}
    assert r.config_get("aof-use-rdb-preamble") == {"aof-use-rdb-preamble": "yes"}


# ---- damaged files --------------------------------------------------------------------------

def cut_last_command(tmp_path):
    """Append half a command to the incr file (what a crash mid-write
    leaves). Returns the size before."""
    path = incr_path(tmp_path)
    size = os.path.getsize(path)
    with open(path, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$3\r\nhal")
    return size


def test_truncated_incr_loads_with_aof_load_truncated_yes(servers, tmp_path):
    s = start(servers, tmp_path, **{"aof-load-truncated": "yes"})
    s.client().set("k", "v")
    assert s.stop() == 0
    good = cut_last_command(tmp_path)
    s.start()
    assert s.client().get("k") == b"v"
    log = s.logfile
    assert "!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!" in log
    assert "loaded anyway because aof-load-truncated is enabled" in log
    assert os.path.getsize(incr_path(tmp_path)) == good


def test_truncated_incr_fails_with_aof_load_truncated_no(servers, tmp_path):
    s = start(servers, tmp_path)
    s.client().set("k", "v")
    assert s.stop() == 0
    cut_last_command(tmp_path)
    rc, out = run_to_exit(tmp_path / "run", args=[
        "--port", str(free_port()), "--dir", str(tmp_path), "--appendonly", "yes", "--save", "",
        "--aof-load-truncated", "no"])
    assert rc == 1
    assert "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof" in out


def test_check_aof_reports_and_fixes_a_truncated_incr(servers, tmp_path):
    s = start(servers, tmp_path)
    s.client().set("k", "v")
    assert s.stop() == 0
    good = cut_last_command(tmp_path)
    bad = os.path.getsize(incr_path(tmp_path))
    p = subprocess.run([CHECK_AOF, aofdir(tmp_path)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1, p.stdout
    assert "ok_up_to=%d" % good in p.stdout
    assert "diff=%d" % (bad - good) in p.stdout
    assert "is not valid" in p.stdout
    p = subprocess.run([CHECK_AOF, "--fix", os.path.join(aofdir(tmp_path), "appendonly.aof.manifest")],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stdout
    assert "Successfully truncated AOF appendonly.aof.1.incr.aof" in p.stdout
    assert os.path.getsize(incr_path(tmp_path)) == good
    p = subprocess.run([CHECK_AOF, aofdir(tmp_path)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and "All AOF files and manifest are valid" in p.stdout
    s.directives["aof-load-truncated"] = "no"
    s.start()
    assert s.client().get("k") == b"v"


def test_bad_manifest_stops_the_server(servers, tmp_path):
    s = start(servers, tmp_path)
    assert s.stop() == 0
    with open(os.path.join(aofdir(tmp_path), "appendonly.aof.manifest"), "w") as f:
        f.write("file appendonly.aof.1.base.rdb seq 1 type x\n")
    rc, out = run_to_exit(tmp_path / "run", args=[
        "--port", str(free_port()), "--dir", str(tmp_path), "--appendonly", "yes", "--save", ""])
    assert rc == 1
    assert "FATAL AOF MANIFEST FILE ERROR" in out
    assert "Unknown AOF file type" in out


def test_unknown_command_in_the_aof_stops_the_server(servers, tmp_path):
    s = start(servers, tmp_path)
    assert s.stop() == 0
    with open(incr_path(tmp_path), "ab") as f:
        f.write(b"*1\r\n$7\r\nNOSUCHX\r\n")
    rc, out = run_to_exit(tmp_path / "run", args=[
        "--port", str(free_port()), "--dir", str(tmp_path), "--appendonly", "yes", "--save", ""])
    assert rc == 1
    assert "Unknown command 'NOSUCHX' reading the append only file" in out
