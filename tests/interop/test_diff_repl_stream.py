"""Differential tests of the replication stream itself: the same commands
sent to castor and to redis-server 7.0.15, each with a fake replica attached
by SYNC, must produce the same commands on the stream, in the same order
(Redis's tests read it the same way: attach_to_replication_stream).

- ZMPOP/BZMPOP go out as "ZPOPMIN|ZPOPMAX key <popped>", BZPOPMIN as
  "ZPOPMIN key";
- MULTI/EXEC with SELECT inside: SELECT before MULTI, a SELECT before each
  command whose db differs, none before EXEC.
"""

import time

from resp import RespConn

STREAM_DIRECTIVES = {"repl-diskless-sync": "no", "repl-ping-replica-period": "3600"}


class Stream:
    """A fake replica: SYNC, skip the RDB payload, then read commands."""

    def __init__(self, port):
        self.c = RespConn(port, timeout=5)
        self.c.send("SYNC")
        # Keepalive newlines ("\n", no "\r") come before the payload while
        # the snapshot is made (a second or more on a loaded machine): a
        # line read up to "\r\n" may start with them.
        line = self.c.read_line().lstrip(b"\n")
        while line == b"":
            line = self.c.read_line().lstrip(b"\n")
        assert line.startswith(b"$"), line
        self.c._read_exact(int(line[1:]))

    def commands(self, until):
        """Commands up to and including 'until' (lists of str, the name in
        lower case), PINGs and REPLCONF left out."""
        out = []
        while True:
            node = self.c.read_node()
            assert node[0] == "*", node
            cmd = [x[1].decode() for x in node[1]]
            if cmd[0].lower() in ("ping", "replconf"):
                continue
            cmd[0] = cmd[0].lower()
            if cmd[0] == "select":
                cmd[1] = "*"
            out.append(cmd)
            if cmd == until:
                return out


def run_both(make_pair, script, blocked=()):
    """Run script (list of commands) on both servers with a stream attached;
    'blocked' commands are sent first on their own connection (a client
    blocks) and must be served by the script. Returns (castor, redis)
    streams up to the final 'set end 1'."""
    p = make_pair(STREAM_DIRECTIVES)
    streams = []
    for s in (p.castor, p.redis):
        st = Stream(s.port)
        with RespConn(s.port) as c:
            waiting = []
            for cmd in blocked:
                w = RespConn(s.port)
                w.send(*cmd)
                waiting.append(w)
            deadline = time.monotonic() + 5
            while blocked and c.call("INFO", "clients").count(b"blocked_clients:%d" % len(blocked)) == 0:
                assert time.monotonic() < deadline, "clients did not block"
                time.sleep(0.01)
            for cmd in script:
                c.call(*cmd)
            for w in waiting:
                w.read()
                w.close()
            c.call("SET", "end", "1")
        streams.append(st.commands(["set", "end", "1"]))
        st.c.close()
    return streams


def test_zmpop_and_bzmpop_propagate_as_pops_with_the_count_popped(make_pair):
    script = [("ZADD", "z", "1", "a", "2", "b", "3", "c"),
              ("ZMPOP", "1", "z", "MIN"),
              ("ZMPOP", "2", "z", "z2", "MAX", "COUNT", "10"),
              ("ZMPOP", "2", "z", "z2", "MAX", "COUNT", "10"),      # nothing: not propagated
              ("ZADD", "z2", "4", "d", "5", "e"),
              ("BZMPOP", "0", "2", "z", "z2", "MIN", "COUNT", "5"),
              ("ZADD", "z", "1", "a", "2", "b"),
              ("BZPOPMAX", "z", "0"),
              ("ZPOPMIN", "z", "7")]
    castor, redis_ = run_both(make_pair, script)
    assert castor == redis_
    assert ["zpopmax", "z", "2"] in castor


def test_blocked_bzmpop_and_bzpopmin_propagate_as_redis_does(make_pair):
    castor, redis_ = run_both(make_pair, [("ZADD", "z", "1", "a", "2", "b", "3", "c"),
                                          ("ZADD", "y", "1", "a")],
                              blocked=[("BZMPOP", "0", "1", "z", "MIN", "COUNT", "5"),
                                       ("BZPOPMIN", "y", "0")])
    assert castor == redis_
    assert ["zpopmin", "z", "3"] in castor


def test_multi_exec_with_select_inside_is_propagated_in_redis_order(make_pair):
    script = [("MULTI",), ("SELECT", "1"), ("SET", "a", "1"), ("SELECT", "2"), ("SET", "b", "2"),
              ("SELECT", "3"), ("SET", "c", "3"), ("EXEC",), ("SELECT", "0")]
    castor, redis_ = run_both(make_pair, script)
    assert castor == redis_
    assert castor[:3] == [["select", "*"], ["multi"], ["set", "a", "1"]]
    i = castor.index(["exec"])
    assert castor[i - 1] == ["set", "c", "3"]     # no SELECT before EXEC


def test_publish_reaches_the_replication_stream(make_pair):
    """PUBLISH and SPUBLISH are propagated to replicas (alone, or inside
    MULTI where they are the only effect)."""
    script = [("PUBLISH", "ch", "one"), ("MULTI",), ("PUBLISH", "bla", "bla"), ("EXEC",),
              ("SPUBLISH", "sch", "two")]
    castor, redis_ = run_both(make_pair, script)
    assert castor == redis_
    assert ["publish", "bla", "bla"] in castor


def test_swapdb_of_a_database_with_itself_is_a_change(make_pair):
    """SWAPDB 1 1 swaps nothing, yet Redis 7.0 counts it as a change (a save
    point sees it) and propagates it; castor did neither."""
    p = make_pair(STREAM_DIRECTIVES)
    before = p.stat("rdb_changes_since_last_save", "persistence")
    p.check("SWAPDB", "1", "1")
    after = p.stat("rdb_changes_since_last_save", "persistence")
    assert [a - b for a, b in zip(after, before)] == [1, 1]
    castor, redis_ = run_both(make_pair, [("SWAPDB", "2", "2"), ("SWAPDB", "0", "1")])
    assert castor == redis_
    assert ["swapdb", "2", "2"] in castor
