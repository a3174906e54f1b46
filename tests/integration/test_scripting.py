"""Long-running scripts and functions: past busy-reply-threshold other
clients get -BUSY while the server keeps reading and answering them; SCRIPT
KILL / FUNCTION KILL stop a script that has not written, -UNKILLABLE once
it has; SHUTDOWN NOSAVE still works; the caller's own pipelined requests
wait for its script; a replica busy with its master's script holds the
master's stream and applies it in order afterwards.

"When a script reaches the timeout ... Redis starts to accept other
commands ... replying with a BUSY error. ... The only allowed commands in
this state are SCRIPT KILL, FUNCTION KILL and SHUTDOWN NOSAVE."
(Redis documentation, "Scripting with Lua")
"""

import pytest
import redis

import repltest as rt
from castortest import wait_for
from repltest import start_server  # noqa: F401,F811
from resp import Err, RespConn, to_py

LOOP = "local a = 0 while true do a = a + 1 end"
WRITE_LOOP = "redis.call('set', 'w', '1') " + LOOP
BUSY_EVAL = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
BUSY_FUNCTION = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."


@pytest.fixture
def busy_server(start_server):
    return start_server(directives={"busy-reply-threshold": "100"})


def start_script(srv, *args):
    """Send a script on a connection of its own (not read yet)."""
    conn = RespConn(srv.port, timeout=30)
    conn.send(*args)
    return conn


def wait_busy(srv, text=BUSY_EVAL):
    probe = RespConn(srv.port)
    try:
        wait_for(lambda: probe.call("PING") == Err(text), timeout=10, msg="server busy")
    finally:
        probe.close()


def test_busy_script_gets_killed_and_others_are_served(busy_server):
    runner = start_script(busy_server, "EVAL", LOOP, "0")
    wait_busy(busy_server)
    other = RespConn(busy_server.port)
    assert other.call("GET", "x") == Err(BUSY_EVAL)
    assert other.call("FUNCTION", "KILL") == Err(BUSY_EVAL)
    stats = other.call("FUNCTION", "STATS")
    running = dict(zip(stats[0::2], stats[1::2]))[b"running_script"]
    assert running[0] == b"name" and running[2] == b"command" and running[4] == b"duration_ms"
    assert running[3] == [b"EVAL", LOOP.encode(), b"0"] and running[5] >= 100
    assert other.call("SCRIPT", "KILL") == "OK"
    reply = runner.read()
    assert isinstance(reply, Err) and reply.message.startswith("ERR Script killed by user with SCRIPT KILL...")
    assert other.call("PING") == "PONG"
    assert other.call("SCRIPT", "KILL") == Err("NOTBUSY No scripts in execution right now.")
    assert "Slow script detected" in busy_server.logfile


def test_a_script_that_wrote_is_unkillable_and_shutdown_nosave_ends_it(busy_server):
    runner = start_script(busy_server, "EVAL", WRITE_LOOP, "0")
    wait_busy(busy_server)
    other = RespConn(busy_server.port)
    reply = other.call("SCRIPT", "KILL")
    assert isinstance(reply, Err) and reply.message.startswith("UNKILLABLE Sorry the script already executed write commands")
    assert other.call("SHUTDOWN") == Err(BUSY_EVAL)
    assert other.call("SHUTDOWN", "SAVE") == Err(BUSY_EVAL)
    other.send("SHUTDOWN", "NOSAVE")
    busy_server.wait_exit(10)
    assert busy_server.proc.returncode == 0
    runner.close()


def test_function_kill_and_the_wrong_kill(busy_server):
    c = busy_server.client()
    c.execute_command("FUNCTION", "LOAD", "#!lua name=busy\n"
                      "redis.register_function('spin', function() %s end)" % LOOP)
    runner = start_script(busy_server, "FCALL", "spin", "0")
    wait_busy(busy_server, BUSY_FUNCTION)
    other = RespConn(busy_server.port)
    assert other.call("SCRIPT", "KILL") == Err(BUSY_FUNCTION)
    assert other.call("FUNCTION", "KILL") == "OK"
    reply = runner.read()
    assert isinstance(reply, Err) and "Script killed by user" in reply.message
    assert other.call("PING") == "PONG"


def test_pcall_cannot_swallow_the_kill(busy_server):
    script = "while true do pcall(function() local a = 0 while true do a = a + 1 end end) end"
    runner = start_script(busy_server, "EVAL", script, "0")
    wait_busy(busy_server)
    other = RespConn(busy_server.port)
    assert other.call("SCRIPT", "KILL") == "OK"
    reply = runner.read()
    assert isinstance(reply, Err) and "Script killed by user" in reply.message


def test_callers_pipeline_waits_for_its_script(busy_server):
    runner = RespConn(busy_server.port, timeout=30)
    runner.send_raw(b"".join([
        b"*3\r\n$4\r\nEVAL\r\n$%d\r\n%s\r\n$1\r\n0\r\n" % (len(LOOP), LOOP.encode()),
        b"*3\r\n$3\r\nSET\r\n$1\r\np\r\n$5\r\nafter\r\n",
        b"*2\r\n$3\r\nGET\r\n$1\r\np\r\n"]))
    wait_busy(busy_server)
    other = RespConn(busy_server.port)
    assert other.call("SCRIPT", "KILL") == "OK"
    assert isinstance(runner.read(), Err)
    assert runner.read() == "OK"
    assert runner.read() == b"after"


def test_quick_scripts_are_never_busy(busy_server):
    c = busy_server.client()
    for _ in range(50):
        assert c.eval("return redis.call('incr', 'n')", 0) >= 1
    assert "Slow script" not in busy_server.logfile


def test_a_replica_holds_its_masters_stream_while_busy(start_server):
    master = start_server(directives={"repl-diskless-sync-delay": "0"})
    replica = start_server(directives={"busy-reply-threshold": "50"})
    mc, rc = master.client(), replica.client()
    rt.replicaof(rc, master)
    rt.wait_for_sync(mc, rc)
    # A script that spins a while (it writes first, so the replica cannot
    # kill it) reaches the replica, then more writes follow it.
    slow = ("redis.call('set', 'order', 'script') local t = redis.call('time') "
            "while true do local n = redis.call('time') "
            "if (n[1] - t[1]) * 1000000 + n[2] - t[2] > 700000 then break end end return 1")
    mc.eval(slow, 0)
    mc.set("order", "after")
    # Scripts replicate as their effects: the replica gets SET, not the loop.
    rt.wait_for_sync(mc, rc)
    assert rc.get("order") == b"after"


def test_replica_applies_script_effects_and_refuses_writing_scripts(start_server):
    """A master's script reaches its replica as its effects in one
    MULTI/EXEC block; the read-only replica itself refuses scripts that
    may write, each in Redis's words for its kind of script."""
    master = start_server()
    replica = start_server()
    rt.replicaof(replica.client(), master)
    rt.wait_for_sync(master.client(), replica.client())
    mc = master.client()
    mc.eval("redis.call('set', 'a', '1') redis.call('set', 'b', '2') return 1", 0)
    rt.wait_for_sync(mc, replica.client())
    assert replica.client().mget("a", "b") == [b"1", b"2"]
    # The replica refuses scripts that write: it is read-only.
    with pytest.raises(redis.ReadOnlyError):
        replica.client().eval("#!lua\nreturn redis.call('set', 'x', 1)", 0)
    with pytest.raises(redis.ReadOnlyError):
        replica.client().eval("return redis.call('set', 'x', 1)", 0)
    assert replica.client().eval("#!lua flags=no-writes\nreturn redis.call('get', 'a')", 0) == b"1"


def test_scripts_inside_multi_and_watch(server):
    c = server.client()
    p = c.pipeline(transaction=True)
    p.eval("return redis.call('incr', 'k')", 0)
    p.eval("return redis.call('incr', 'k')", 0)
    assert p.execute() == [1, 2]
    # A script's write breaks another client's WATCH.
    other = server.client()
    with c.pipeline(transaction=True) as p:
        p.watch("k")
        other.eval("return redis.call('incr', 'k')", 0)
        p.multi()
        p.get("k")
        with pytest.raises(redis.WatchError):
            p.execute()


def test_script_cache_survives_nothing_but_its_flush(server):
    c = server.client()
    sha = c.script_load("return 'cached'")
    assert c.evalsha(sha, 0) == b"cached"
    c.flushall()
    assert c.evalsha(sha, 0) == b"cached"
    c.script_flush()
    with pytest.raises(redis.exceptions.NoScriptError):
        c.evalsha(sha, 0)
    assert c.info("memory")["number_of_cached_scripts"] == 0


def test_busy_replica_reads_its_master_and_applies_the_stream_after(start_server):
    """A replica busy with a client's long read-only script keeps reading
    its master's stream (the link stays up), answers -BUSY, and applies
    what arrived, in order, once the script ends."""
    master = start_server(directives={"repl-diskless-sync-delay": "0"})
    replica = start_server(directives={"busy-reply-threshold": "50"})
    mc, rc = master.client(), replica.client()
    rt.replicaof(rc, master)
    rt.wait_for_sync(mc, rc)
    spin = ("local t = redis.call('time') while true do local n = redis.call('time') "
            "if (n[1] - t[1]) * 1000000 + n[2] - t[2] > 1500000 then break end end "
            "return redis.call('get', 'k')")
    runner = start_script(replica, "EVAL_RO", spin, "1", "k")
    wait_busy(replica)
    for i in range(100):
        mc.set("k", i)
    mc.rpush("order", *range(100))
    assert RespConn(replica.port).call("GET", "k") == Err(BUSY_EVAL)
    assert runner.read() is None   # the script saw the data as it began
    rt.wait_for_sync(mc, rc)
    assert rc.get("k") == b"99"
    assert rc.lrange("order", 0, -1) == [str(i).encode() for i in range(100)]
    assert rt.repl(rc)["master_link_status"] == "up"


def test_lua_heap_stays_small_for_light_and_for_garbage_heavy_scripts(server):
    """Light scripts are left to Lua's own incremental collector, heavy ones
    get extra steps every 50 runs: either way the heap stays bounded, as the
    Redis suite's "EVAL does not leak in the Lua stack" checks (< 100 KB
    after 10,000 runs of a one-INCR script)."""
    c = server.client()
    c.script_flush()
    light = c.script_load("return redis.call('incr', KEYS[1])")
    heavy = c.script_load("local t = {} for i = 1, 200 do t[i] = ARGV[1] .. i end return #t")
    for sha, args, limit in ((light, ["x"], 100 * 1024), (heavy, ["k", "v"], 1024 * 1024)):
        p = c.pipeline(transaction=False)
        for _ in range(10000):
            p.evalsha(sha, 1, *args)
        p.execute()
        assert c.info("memory")["used_memory_lua"] < limit
    assert c.get("x") == b"10000"


def test_pipelined_scripts_with_any_numkeys(server):
    """The read-ahead prefetches a queued EVAL's or FCALL's keys (those
    after numkeys) with only the arguments it read: every numkeys, good or
    bad, and more keys than it reads must still run as one request each."""
    conn = RespConn(server.port)
    body = "return {#KEYS, #ARGV, KEYS[1], ARGV[1]}"
    sha = conn.call("SCRIPT", "LOAD", body).decode()
    conn.call("FUNCTION", "LOAD",
              "#!lua name=pf\nredis.register_function('pf', function(k, a) return #k + #a end)")
    keys = ["k%d" % i for i in range(40)]
    cmds, want = [], []
    for n in (0, 1, 2, 3, 15, 16, 17, 40):
        cmds.append(["EVALSHA", sha, str(n)] + keys[:n] + ["a"])
        want.append([n, 1] + ([keys[0].encode()] if n else []) + ([b"a"] if n else []))
        cmds.append(["FCALL", "pf", str(n)] + keys[:n] + ["a", "b"])
        want.append(n + 2)
    for bad in ("-1", "abc", "99", ""):
        cmds.append(["EVALSHA", sha, bad, "x", "y"])
        want.append(None)
        cmds.append(["EVAL", body, bad, "x", "y"])
        want.append(None)
    cmds.append(["EVALSHA", sha, "1"])
    want.append(None)
    for _ in range(3):
        got = [to_py(node) for node in conn.pipeline(cmds * 4)]
        for g, w in zip(got, want * 4):
            if w is None:
                assert isinstance(g, Err), g
            else:
                assert g == w
    assert conn.call("PING") == "PONG"


# ---- The Lua debugger's forked sessions ----

def _children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(x) for x in f.read().split()]


def _gone(pid):
    """The process no longer exists: it ended and was reaped."""
    try:
        with open("/proc/%d/stat" % pid):
            return False
    except FileNotFoundError:
        return True


def _stopped_session(srv, script="local a = 1\nreturn a\n"):
    c = RespConn(srv.port, timeout=10)
    assert c.call("SCRIPT", "DEBUG", "yes") == "OK"
    c.send("EVAL", script, "0")
    assert c.read()[0] == "* Stopped at 1, stop reason = step over"
    return c


def test_forked_debug_sessions_are_reaped_and_killed_at_shutdown(server):
    """Each SCRIPT DEBUG YES session is a child of its own beside any
    BGSAVE; the cron reaps it when it ends (no zombie left), and SHUTDOWN
    kills those still stopped, which closes their clients."""
    first = _stopped_session(server)
    second = _stopped_session(server)
    kids = _children(server.pid)
    assert len(kids) == 2
    other = RespConn(server.port)
    assert other.call("BGSAVE") == "Background saving started"  # not refused by the sessions
    wait_for(lambda: other.call("INFO", "persistence").count(b"rdb_bgsave_in_progress:0") == 1,
             timeout=10, msg="bgsave done")
    first.send("c")
    assert first.read()[-1] == "<endsession>"
    assert first.read() == 1 and first.wait_closed(5)
    wait_for(lambda: _gone(kids[0]), timeout=5, msg="first session's child reaped")
    assert _children(server.pid) == [kids[1]]
    other.send("SHUTDOWN", "NOSAVE")
    server.wait_exit(10)
    assert second.wait_closed(5)
    assert "Killing debugging session %d" % kids[1] in server.logfile
    wait_for(lambda: _gone(kids[1]), timeout=5, msg="second session's child gone")
