"""pair.py -- a castor and a redis-server side by side, for differential tests.

Both servers are started with identical settings. Every comparison sends the
same command to both over raw connections (resp.py) and compares the typed
replies: a simple string is not a bulk string, an error's text must match
exactly, an integer is not a bulk holding digits.

    pair.check("SET", "k", "v")          assert equal replies; return castor's
                                         reply as a plain value (resp.to_py)
    pair.check(..., unordered=True)      ... ignoring the order of array elements
    pair.check3(...)                     the same over RESP3 connections
    pair.same([cmd, cmd, ...])           check() each in turn; list of replies
    pair.check_shape(...)                compare only the shape (resp.shape)
    pair.check_approx(..., tol=2)        integer replies within tol
    pair.check_py(...)                   through redis-py execute_command (no
                                         reply callbacks); errors compared by
                                         exception class and message
    pair.both(...)                       (castor_node, redis_node), no assertion
    pair.raw_both(bytes, replies=n)      send raw bytes on fresh connections;
                                         compare replies and whether closed
    pair.same_notifications(cmds)        run cmds; both sides' keyspace
                                         notifications must be the same, in order
    pair.conns(proto) / pair.encoding(key)
    same_call(cs, ...), same_read(cs, w) the same on a (castor, redis) pair of
                                         connections, e.g. MULTI or subscribers
    full_scan(conn, "SSCAN", key)        a whole SCAN-family iteration
    encoding_limits(...)                 a fixture setting *-max-listpack-* on both

Maps and sets are always compared without regard to order (RESP3 gives
their order no meaning).
"""

import select
import socket
import time

import pytest
import redis

from resp import RespConn, fmt, normalize, shape, to_py

# Commands that arrive with later issues. A differential test that reaches
# one of them before castor has it is skipped (and says which issue), so it
# starts checking by itself the day the command lands.
LATER_ISSUES = {
    3: "LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE "
       "RPOPLPUSH LMPOP BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP HSET HSETNX HGET HMGET HMSET HDEL "
       "HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN SADD SREM "
       "SCARD SISMEMBER SMISMEMBER SMEMBERS SRANDMEMBER SPOP SMOVE SINTER SINTERCARD SINTERSTORE "
       "SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN ZADD ZINCRBY ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE "
       "ZMSCORE ZRANK ZREVRANK ZRANGE ZRANGESTORE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX "
       "ZREVRANGEBYLEX ZREVRANGE ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX "
       "ZMPOP BZPOPMIN BZPOPMAX BZMPOP ZRANDMEMBER ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE "
       "ZDIFFSTORE ZINTERCARD ZSCAN SORT SORT_RO",
    4: "MULTI EXEC DISCARD WATCH UNWATCH",
    5: "SAVE BGSAVE BGREWRITEAOF DUMP RESTORE",
}
LATER = {name: issue for issue, names in LATER_ISSUES.items() for name in names.split()}

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def skip_if_later(args, node):
    """Skip when castor lacks a command that a later issue brings."""
    if node[0] != "-" or not isinstance(node[1], bytes):
        return
    name = str(args[0]).upper()
    if (name == "COMMAND" and len(args) > 2 and node[1] == b"ERR Invalid command specified"):
        name = str(args[2]).upper()
    elif not node[1].startswith(b"ERR unknown command '"):
        return
    if name in LATER:
        issue = LATER[name]
        pytest.skip("%s arrives with issue #%d" % (name, issue) if issue < 8
                    else "%s is not planned yet" % name)


class Pair:
    def __init__(self, castor, reference):
        self.castor = castor
        self.redis = reference
        self._conns = {}
        self._py = None

    # -- connections

    def conn(self, side, proto=2):
        key = (side, proto)
        c = self._conns.get(key)
        if c is None:
            srv = self.castor if side == "castor" else self.redis
            c = RespConn(srv.port, protocol=proto, password=srv.password)
            self._conns[key] = c
        return c

    def close(self):
        for c in self._conns.values():
            c.close()
        self._conns = {}
        if self._py:
            for r in self._py:
                r.close()
        self._py = None

    def clients(self):
        """(castor, redis) redis.Redis clients."""
        return self.castor.client(), self.redis.client()

    def conns(self, proto=2):
        """A new (castor, redis) pair of raw connections, not shared with
        check(): for MULTI state, subscribers, blocked clients. The caller
        closes them."""
        return tuple(RespConn(srv.port, protocol=proto, password=srv.password)
                     for srv in (self.castor, self.redis))

    # -- comparisons

    def both(self, *args, proto=2):
        a = self.conn("castor", proto).call_node(*args)
        b = self.conn("redis", proto).call_node(*args)
        skip_if_later(args, a)
        return a, b

    def check(self, *args, unordered=False, proto=2):
        a, b = self.both(*args, proto=proto)
        na, nb = normalize(a, unordered), normalize(b, unordered)
        assert na == nb, _diff_msg(args, a, b, proto)
        return to_py(a)

    def check3(self, *args, unordered=False):
        return self.check(*args, unordered=unordered, proto=3)

    def encoding(self, key):
        """OBJECT ENCODING of key, the same on both sides."""
        return self.check("OBJECT", "ENCODING", key)

    def same(self, cmds, unordered=False, proto=2):
        return [self.check(*cmd, unordered=unordered, proto=proto) for cmd in cmds]

    def check_shape(self, *args, proto=2):
        a, b = self.both(*args, proto=proto)
        assert shape(a) == shape(b), _diff_msg(args, a, b, proto, "shape")
        return to_py(a)

    def check_approx(self, *args, tol=1, proto=2):
        a, b = self.both(*args, proto=proto)
        ok = a[0] == b[0] == ":" and abs(a[1] - b[1]) <= tol
        assert ok, _diff_msg(args, a, b, proto, "within %s" % tol)
        return a[1]

    def check_py(self, *args):
        if self._py is None:
            self._py = []
            for srv in (self.castor, self.redis):
                r = redis.Redis(host="127.0.0.1", port=srv.port, decode_responses=False,
                                socket_timeout=10, password=srv.password)
                r.response_callbacks = {}
                self._py.append(r)
        out = []
        for r in self._py:
            try:
                out.append(("reply", r.execute_command(*args)))
            except redis.ResponseError as e:
                out.append(("error", type(e).__name__, str(e)))
                if len(out) == 1 and str(e).startswith("unknown command '"):
                    skip_if_later(args, ("-", ("ERR " + str(e)).encode()))
        assert out[0] == out[1], "%r\n castor: %r\n  redis: %r" % (args, out[0], out[1])
        return out[0]

    def raw_both(self, data, replies=1, then=None, proto=2, close_wait=0.15):
        """Send raw bytes on a fresh connection to each server (data may be a
        list of pieces, sent with a short pause between them), read up to
        'replies' replies (stopping early if the connection closes or nothing
        comes within a second), optionally send 'then' and read one more
        reply, and note whether the server closed the connection. Asserts
        both sides agree; returns castor's (replies, closed)."""
        pieces = data if isinstance(data, list) else [data]
        conns = [RespConn(srv.port, timeout=1.0, protocol=proto)
                 for srv in (self.castor, self.redis)]
        try:
            for i, piece in enumerate(pieces):
                if i:
                    time.sleep(0.002)
                for c in conns:
                    try:
                        c.send_raw(piece)
                    except OSError:
                        pass
            results = []
            for c in conns:
                nodes = _read_some(c, replies)
                if then is not None and len(nodes) == replies:
                    try:
                        c.send_raw(then)
                        nodes += _read_some(c, 1)
                    except OSError:
                        nodes.append("send failed")
                results.append(nodes)
            results = list(zip(results, _wait_closed_all(conns, close_wait)))
        finally:
            for c in conns:
                c.close()
        a, b = results
        shown = b"".join(pieces)[:200]
        assert a == b, ("raw %r\n castor: %s closed=%s\n  redis: %s closed=%s"
                        % (shown, [fmt(n) if isinstance(n, tuple) else n for n in a[0]], a[1],
                           [fmt(n) if isinstance(n, tuple) else n for n in b[0]], b[1]))
        return a

    def same_notifications(self, cmds, classes="KEA", unordered=False, during=None):
        """Subscribe to every keyspace notification on both servers, check()
        each of cmds, call during() if given (for clients served while
        blocked), and assert that both subscribers received the same
        messages in the same order, up to a PUBLISH marker and a PING."""
        self.check("CONFIG", "SET", "notify-keyspace-events", classes)
        subs = self.conns()
        try:
            for c in subs:
                c.send("PSUBSCRIBE", "__key*__:*")
            same_read(subs, "psubscribe")
            for cmd in cmds:
                self.check(*cmd, unordered=unordered)
            if during:
                during()
            self.check("PUBLISH", "__keymarker__:end", "end")
            for c in subs:
                c.send("PING")   # RESP2 subscribed PING: ["pong", ""]
            seen = []
            while True:
                node = same_read(subs, "notification after %r" % seen[-2:])
                seen.append(node)
                if node[0] == "*" and node[1][0] == ("$", b"pong"):
                    break
        finally:
            self.check("CONFIG", "SET", "notify-keyspace-events", "")
            for c in subs:
                c.close()

    # -- state

    def expire_unseen(self, key, make):
        """Make key on both sides (the command 'make') with a TTL that has
        passed, without a command that would look it up (and so delete it):
        the active cycle is turned off (the caller turns it back on) and the
        servers' clock is polled, not slept on."""
        deadline = 0
        for side in ("castor", "redis"):
            c = self.conn(side)
            c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
            c.call(*make)
            sec, usec = (int(x) for x in c.call("TIME"))
            # Far enough ahead that PEXPIREAT is not already in the past
            # on a loaded machine (that deletes the key at once).
            at = sec * 1000 + usec // 1000 + 50
            assert c.call("PEXPIREAT", key, str(at)) == 1
            deadline = max(deadline, at)
        give_up = time.monotonic() + 5
        while time.monotonic() < give_up:
            sec, usec = (int(x) for x in self.conn("castor").call("TIME"))
            if sec * 1000 + usec // 1000 > deadline:
                return
        raise AssertionError("the servers' clock did not pass %d ms" % deadline)

    def stat(self, name, section="stats"):
        """(castor, redis) values of one INFO field, as ints."""
        return tuple(info_int(self.conn(side), name, section) for side in ("castor", "redis"))

    def reset(self):
        """Fresh connections, empty datasets and no functions or cached
        scripts on both sides."""
        self.close()
        for side in ("castor", "redis"):
            c = self.conn(side)
            assert c.call("FLUSHALL") == "OK"
            assert c.call("FUNCTION", "FLUSH") == "OK"
            assert c.call("SCRIPT", "FLUSH") == "OK"


def info_int(conn, name, section="stats"):
    """One INFO field of a RespConn, as an int."""
    for ln in conn.call("INFO", section).splitlines():
        if ln.startswith(name.encode() + b":"):
            return int(ln.split(b":", 1)[1])
    raise KeyError("INFO %s has no %s" % (section, name))


# What CLIENT LIST says of a client that is neither time nor memory.
CLIENT_FIELDS = ("name", "flags", "db", "sub", "psub", "ssub", "multi", "cmd", "user", "redir",
                 "resp")


def client_fields(conn, cid):
    """The CLIENT_FIELDS of client cid, read on conn (another client)."""
    line = conn.call("CLIENT", "LIST", "ID", str(cid)).decode()
    return {k: v for k, v in (kv.split("=", 1) for kv in line.split()) if k in CLIENT_FIELDS}


def client_list_diff(conns, ids):
    """None, or how CLIENT LIST tells of castor's client ids[0] and
    redis's ids[1] differently (CLIENT_FIELDS, read on conns)."""
    seen = [client_fields(c, i) for c, i in zip(conns, ids)]
    return None if seen[0] == seen[1] else "CLIENT LIST: castor %s, redis %s" % tuple(seen)


def monitor_diff(conns, mons, mark, skip=(b'"AUTH"',)):
    """None, or where the two MONITOR transcripts part since the last
    call, up to an ECHO mark sent now on conns, less the lines that start
    with one of skip (castor redacts a refused AUTH on purpose: README,
    deliberate differences)."""
    for c in conns:
        c.call("ECHO", mark)
    seen = [[ln for ln in lines if not ln.startswith(skip)]
            for lines in monitor_lines(mons, b'"ECHO" "%s"' % mark.encode())]
    if seen[0] == seen[1]:
        return None
    k = next((k for k, (x, y) in enumerate(zip(*seen)) if x != y), min(map(len, seen)))
    return "MONITOR from line %d: castor %r, redis %r" % (k, seen[0][k:k + 3], seen[1][k:k + 3])


def monitor_lines(mons, last=b'"PING"'):
    """What each MONITOR connection of mons shows up to and including the
    line last, each line less its time and [db address] prefix."""
    lines = []
    for m in mons:
        seen = []
        while not seen or seen[-1] != last:
            line = m.read().encode()   # a status line
            seen.append(line.split(b"] ", 1)[1] if b"] " in line else line)
        lines.append(seen)
    return lines


def rdb_changes(conn):
    """rdb_changes_since_last_save: the count save points act on."""
    return info_int(conn, "rdb_changes_since_last_save", "persistence")


def same_call(cs, *args):
    """Send args on both connections of cs (castor, redis); the replies must
    be the same. Returns castor's node."""
    a, b = cs[0].call_node(*args), cs[1].call_node(*args)
    assert normalize(a) == normalize(b), "%r\n castor: %r\n  redis: %r" % (args, a, b)
    return a


def same_read(cs, what):
    """Read one reply or push on both connections; they must be the same."""
    a, b = cs[0].read_node(), cs[1].read_node()
    assert normalize(a) == normalize(b), "%s\n castor: %r\n  redis: %r" % (what, a, b)
    return a


def full_scan(conn, *cmd, opts=()):
    """A whole iteration of cmd ("SCAN", or "SSCAN", key, ...) from cursor 0
    with opts: (every element returned, in order, and the number of calls).
    Cursors are opaque and may differ between servers; elements may not."""
    cursor, out, calls = b"0", [], 0
    while True:
        reply = conn.call(*cmd, cursor, *opts)
        assert isinstance(reply, list) and len(reply) == 2, reply
        cursor, items = reply
        assert isinstance(cursor, bytes) and cursor.isdigit(), cursor
        out += items
        calls += 1
        assert calls < 100000, "%s does not terminate" % cmd[0]
        if cursor == b"0":
            return out, calls


def encoding_limits(kind, default_entries, default_value):
    """A fixture for a test module: limits(entries=None, value=None) sets
    <kind>-max-listpack-entries/value on both servers; the defaults given
    here are restored (and the data flushed) after the test."""

    @pytest.fixture
    def limits(pair):
        def set_limits(entries=None, value=None):
            if entries is not None:
                pair.check("CONFIG", "SET", "%s-max-listpack-entries" % kind, str(entries))
            if value is not None:
                pair.check("CONFIG", "SET", "%s-max-listpack-value" % kind, str(value))

        try:
            yield set_limits
        finally:
            pair.reset()
            set_limits(default_entries, default_value)

    return limits


def _wait_closed_all(conns, timeout):
    """For each conn, whether the server closed it within timeout (waiting
    on all at once)."""
    closed = [False] * len(conns)
    for c in conns:
        c.buf.clear()
    deadline = time.monotonic() + timeout
    while not all(closed):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        open_socks = [c.sock for c, done in zip(conns, closed) if not done]
        ready, _, _ = select.select(open_socks, [], [], left)
        for i, c in enumerate(conns):
            if closed[i] or c.sock not in ready:
                continue
            try:
                if not c.sock.recv(1 << 16, socket.MSG_DONTWAIT):
                    closed[i] = True
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                closed[i] = True
    return closed


def _read_some(conn, n):
    """Up to n replies; a closed connection or a one-second silence ends it
    (recorded as the string 'closed' or 'timeout')."""
    nodes = []
    for _ in range(n):
        try:
            nodes.append(conn.read_node())
        except ConnectionError:
            nodes.append("closed")
            break
        except TimeoutError:
            nodes.append("timeout")
            break
    return nodes


def _diff_msg(args, a, b, proto, how="reply"):
    shown = " ".join(repr(x)[:60] for x in args)
    return ("%s differs (RESP%d) for: %s\n castor: %s\n  redis: %s"
            % (how, proto, shown, fmt(a)[:2000], fmt(b)[:2000]))
