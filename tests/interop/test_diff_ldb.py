"""The Lua debugger (SCRIPT DEBUG YES|SYNC, redis-cli --ldb), differential
against redis-server 7.0.15: whole sessions, command by command, give the
same log lines (stops, source listings, values, the logged redis.call
commands and replies, errors, help), the same final reply and the same
end of the connection; a forked session's writes are rolled back and a
synchronous one's kept; the refusals (EVALSHA, a pipeline, bad modes);
what ends a session early (abort, a protocol error, an oversized command,
a timeout stop, the client leaving)."""

import re
import subprocess
import time

import pytest

from castortest import REDIS_CLI
from resp import RespConn, fmt

END = ("+", b"<endsession>")


def _mask(node):
    """Lua's object addresses ("function@0x...") differ between runs."""
    return re.sub(r"0x[0-9a-f]+", "PTR", fmt(node))


def session(port, script, cmds, keys=(), args=(), mode="sync", numkeys=None, command="EVAL"):
    """Run one debugging session: SCRIPT DEBUG, EVAL, then each debugger
    command (a string split on spaces, or raw bytes). Returns the replies,
    the final EVAL reply and whether the server closed the connection."""
    c = RespConn(port, timeout=10)
    try:
        out = [_mask(c.call_node("SCRIPT", "DEBUG", mode))]
        n = len(keys) if numkeys is None else numkeys
        c.send(command, script, str(n), *keys, *args)
        node = c.read_node()
        out.append(_mask(node))
        for cmd in cmds:
            if node[0] != "*" or END in node[1]:
                break
            if isinstance(cmd, bytes):
                c.send_raw(cmd)
            else:
                c.send(*cmd.split(" "))
            node = c.read_node()
            out.append("> %r" % (cmd,))
            out.append(_mask(node))
        if node[0] == "*" and END in node[1]:
            out.append("final " + _mask(c.read_node()))
            out.append("closed %s" % c.wait_closed(5))
        return out
    finally:
        c.close()


def same_session(pair, script, cmds, **kw):
    a = session(pair.castor.port, script, cmds, **kw)
    b = session(pair.redis.port, script, cmds, **kw)
    assert a == b, "castor:\n  %s\nredis:\n  %s" % ("\n  ".join(a), "\n  ".join(b))
    return a


STEPPING = ('local x = {1,2,"a",{z=1}}\n'
            'local y = redis.call("set", KEYS[1], "v")\n'
            'redis.debug("hi", x, 3.5, nil, true)\n'
            'local z = redis.pcall("incr", KEYS[1])\n'
            'return z\n')

# Each command of the debugger, its short and long names, good and bad
# arguments, on a script that stops at every line.
EVERY_COMMAND = ["n", "next", "p", "p x", "print KEYS", "p ARGV", "p nothing", "p a b",
                 "r set foo bar", "redis get foo", "r incr foo", "r nosuchcmd a", "r set",
                 "r a b c d e f g h i j k l m n", "r hset h a 1", "r hgetall h", "r lrange h 0 -1",
                 "r get nokey", "r exists h", "e 1+1", "eval x.y", "e nil", "e {a={b={c={}}}}",
                 "e {1,nil,3}", "e local q = 1", "e return (", "e redis.call('ping')",
                 "b 5", "b 5", "b", "break -5", "b -5", "b 99", "b abc", "b 0", "b 4 5",
                 "t", "trace", "l", "list 3 1", "l 0", "l -1", "l 100", "l 2 0", "w", "whole",
                 "m", "m 10", "m 0", "maxlen 100", "h", "help", "x", "steps", "s", "c", "c", "c"]


def test_every_command_in_a_sync_session(pair):
    out = same_session(pair, STEPPING, EVERY_COMMAND, keys=("k1",), args=("a1",))
    assert "* Stopped at 1, stop reason = step over" in out[1]
    assert out[-1] == "closed True"
    # The session's writes stay (SYNC): the script's and the debugger's.
    assert pair.check("MGET", "k1", "foo", "h") == [b"v", b"bar", None]


def test_breakpoints_continue_and_redis_breakpoint(pair):
    script = ("local a = 1\nlocal b = redis.breakpoint()\nlocal c = 3\n"
              "for i = 1, 3 do\n  a = a + i\nend\nreturn a\n")
    same_session(pair, script, ["b 5", "c", "p", "c", "p i", "b -5", "c", "c"])
    same_session(pair, script, ["c", "p", "c"])


def test_functions_frames_and_trace(pair):
    script = ("local function f(x)\n  local y = x * 2\n  return y\nend\n"
              "local r = f(3)\nreturn r\n")
    out = same_session(pair, script, ["n", "n", "s", "t", "p", "p x", "p r", "n", "t", "c"])
    assert "+b'In f:'" in out[9] and "+b'From top level:'" in out[9]


def test_replies_in_resp3_and_trimming(pair):
    script = ('redis.call("set","big",string.rep("x",300))\n'
              'redis.call("sadd","s","m1")\nredis.call("zadd","z","1.5","a")\n'
              'redis.call("hset","h","f","v")\nreturn 1\n')
    same_session(pair, script, ["n", "n", "n", "n", "r get big", "r get big", "e redis.setresp(3)",
                                "r hgetall h", "r smembers s", "r zscore z a", "r get nokey",
                                "r exists h", "m 60", "r get big", "r lrange nolist 0 -1",
                                "p", "e string.rep('y', 400)", "c"])


def test_errors_logged_while_stepping(pair):
    script = ('local t = redis.call("keys","*")\n'
              'local e = redis.pcall("lpush", "str", "x")\n'
              'local f = redis.error_reply("my err")\n'
              'local g = redis.pcall("nosuch")\n'
              'local h = redis.pcall()\n'
              'return redis.error_reply("last")\n')
    pair.check("SET", "str", "v")
    same_session(pair, script, ["n"] * 7)


def test_read_only_script_refusals(pair):
    same_session(pair, "return 1", ["r set a b", "r publish ch m", "r flushall",
                                    "r eval return 0", "e redis.pcall('set','x','y')", "c"],
                 command="EVAL_RO")


def test_eval_of_a_raised_redis_error(server):
    """Not as Redis: 7.0.15 crashes when the debugger's eval raises an
    error table (redis.call's); castor logs its text."""
    out = session(server.port, "return 1", ["e redis.call('nosuch')", "e error({})", "c"])
    assert "<error> ERR Unknown Redis command called from script" in out[3]
    assert "<error> (no text)" in out[5]
    assert out[-2] == "final :1"


def test_how_a_session_ends(pair):
    # A script error, abort, a protocol error, a command that never ends.
    same_session(pair, 'error("boom")', ["n", "n"])
    same_session(pair, 'redis.call("set","a","1")\nreturn {1,2,"x"}', ["a"])
    same_session(pair, "return 1", [b"garbage\r\n"])
    assert pair.check("GET", "a") is None  # abort came first: line 1 never ran
    same_session(pair, "return 1", [b"*1\r\n$0\r\n\r\n"])
    same_session(pair, "return 1", [b"*2000\r\n"])
    # EVAL's own errors come after the session's end mark.
    same_session(pair, "return 1", [], numkeys=5)
    same_session(pair, "return (", [])


def test_protocol_parsing_as_the_suite_pins(pair):
    """Redis's own suite: names with NUL bytes are unknown commands, and a
    debugger 'redis' command with 100 arguments neither overflows the Lua
    stack nor ends the session."""
    big = b"*101\r\n$5\r\nredis\r\n" + b"$4\r\ntest\r\n" * 100
    same_session(pair, "return 'hello'",
                 ["hello\0world", "hello\0", "\0hello", "\0hello\0", big, "c"])


def test_an_oversized_command_ends_the_script(pair):
    # A command that is never complete: past 1 MB the script stops with an error.
    huge = b"*" + b"x" * (1 << 20) + b"y" * 100
    out = same_session(pair, "return 'hello'", [huge])
    assert "max client buffer reached" in out[-2]


def test_forked_session_rolls_back_and_the_server_serves_meanwhile(pair):
    script = 'redis.call("set", KEYS[1], "changed")\nreturn redis.call("get", KEYS[1])\n'
    for srv in (pair.castor, pair.redis):
        with RespConn(srv.port) as c:
            c.call("SET", "k", "orig")
    for srv in (pair.castor, pair.redis):
        dbg = RespConn(srv.port, timeout=10)
        other = RespConn(srv.port, timeout=10)
        try:
            assert dbg.call("SCRIPT", "DEBUG", "yes") == "OK"
            dbg.send("EVAL", script, "1", "k")
            first = dbg.read()
            assert first[0] == "* Stopped at 1, stop reason = step over"
            # Stopped in the child: the server itself answers others.
            assert other.call("PING") == "PONG"
            dbg.send("n")
            assert "<redis> set k changed" in dbg.read()
            dbg.send("c")
            assert dbg.read()[-1] == "<endsession>"
            assert dbg.read() == b"changed"
            assert dbg.wait_closed(5)
            assert other.call("GET", "k") == b"orig"
        finally:
            dbg.close()
            other.close()
    same_session(pair, script, ["n", "p", "c"], keys=("k",), mode="yes")
    assert pair.check("GET", "k") == b"orig"


def test_refusals(pair):
    sha = pair.check("SCRIPT", "LOAD", "return 1")
    a, b = pair.conns()
    try:
        for c in (a, b):
            assert c.call("SCRIPT", "DEBUG", "yes") == "OK"
        for args in (("EVALSHA", sha, "0"), ("EVALSHA", "abc", "0"), ("EVALSHA_RO", sha, "0"),
                     ("SCRIPT", "DEBUG", "maybe"), ("SCRIPT", "DEBUG"), ("SCRIPT", "DEBUG", "no"),
                     ("EVAL", "return 1", "0")):
            ra, rb = a.call_node(*args), b.call_node(*args)
            assert ra == rb, (args, fmt(ra), fmt(rb))
        # In a pipeline, after another command's reply.
        cmds = [("PING",), ("SCRIPT", "DEBUG", "sync")]
        assert a.pipeline(cmds) == b.pipeline(cmds)
        # In MULTI: the EXEC reply is on its way.
        for c in (a, b):
            c.call("MULTI")
            c.call("SCRIPT", "DEBUG", "yes")
        assert a.call_node("EXEC") == b.call_node("EXEC")
    finally:
        a.close()
        b.close()


def test_timeout_stop_and_a_client_that_leaves(pair):
    script = "local i = 0\nwhile true do i = i + 1 end\n"
    try:
        for srv in (pair.castor, pair.redis):
            with RespConn(srv.port) as c:
                assert c.call("CONFIG", "SET", "busy-reply-threshold", "200") == "OK"
        out = same_session(pair, script, ["c", "c", "a"])
        assert "timeout reached, infinite loop?" in out[3]
        # The client leaves at a stop: the script runs on to its end.
        tail = "local a = 1\nredis.call('set', 'left', 'done')\nreturn a\n"
        for srv in (pair.castor, pair.redis):
            c = RespConn(srv.port, timeout=10)
            assert c.call("SCRIPT", "DEBUG", "sync") == "OK"
            c.send("EVAL", tail, "0")
            assert c.read()[0].startswith("* Stopped at 1")
            c.close()
            with RespConn(srv.port) as o:
                deadline = time.monotonic() + 5
                while o.call("GET", "left") != b"done":
                    assert time.monotonic() < deadline
                    time.sleep(0.01)
    finally:
        for srv in (pair.castor, pair.redis):
            with RespConn(srv.port) as c:
                c.call("CONFIG", "SET", "busy-reply-threshold", "5000")


@pytest.mark.parametrize("mode", ["--ldb", "--ldb-sync-mode"])
def test_redis_cli_ldb(pair, tmp_path, mode):
    path = tmp_path / "s.lua"
    path.write_text("local a = 1\nredis.call('set', KEYS[1], ARGV[1])\n"
                    "redis.debug('a is', a)\nreturn a\n")
    outs = []
    for srv in (pair.castor, pair.redis):
        r = subprocess.run([REDIS_CLI, "-p", str(srv.port), mode, "--eval", str(path), "mk", ",",
                            "mv"], input="n\np\nw\nr get mk\nc\n", capture_output=True, text=True,
                           timeout=20)
        with RespConn(srv.port) as c:
            outs.append((r.returncode, r.stdout, r.stderr, c.call("GET", "mk")))
    assert outs[0] == outs[1]
    assert "<value> a = 1" in outs[0][1]
    assert outs[0][3] == (b"mv" if mode == "--ldb-sync-mode" else None)
