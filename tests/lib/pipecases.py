"""pipecases.py -- pipelines whose later requests castor would run from a
stale parse if its read-ahead guards failed (src/client.c: parse_ahead(),
keep_parsed_ahead(), take_parsed_ahead(), hint_keys()).

castor parses the requests of a read once, ahead of running them, and
keeps them (and their keys' hashes) by offset in the query buffer. That is
right only while the buffer has not moved (the generation counter qgen)
and while the parse limits are those the parse had (unauthenticated client,
proto-max-bulk-len). Each scenario here sets up one way for those to
change between the parse and the run; it returns what the client saw, so
tests/integration compares it with Redis's documented replies and
tests/interop with Debian's redis-server.

Requests are raw bytes (resp.encode_command); replies are resp.py nodes.
A scenario takes a castortest.Server (port, password) of either kind.
"""

from castortest import wait_for
from resp import RespConn
from resp import encode_command as enc

PROTO = b"ERR Protocol error: "


def sized_set(key, total):
    """SET key <value> encoded in exactly total bytes (the value is made
    of the key's last character); ValueError if no value fits."""
    for vlen in range(1, total):
        req = enc("SET", key, key[-1] * vlen)
        if len(req) == total:
            return req, key[-1] * vlen
        if len(req) > total:
            break
    raise ValueError("no SET %s of %d bytes" % (key, total))


def equal_length_sets(total, n):
    """n SET requests of exactly total bytes each, of keys A..., B..., ...
    whose lengths vary so that some requests have the same shape (where
    each argument starts) as an earlier one at a given distance and some a
    different one: a request run with another's parse, or looked up with
    another's key hash, then shows in the data. Returns (requests,
    {key: value})."""
    assert n <= 26
    reqs, data = [], {}
    widths = (2, 2, 5, 3, 3, 7, 1, 4, 4, 6, 2, 2, 5, 5, 3, 8)
    for i in range(n):
        w = widths[i % len(widths)]
        for width in (w, w + 1, w - 1, 1, 2, 3):  # a value of 9 or 10 bytes skips a size
            key = (chr(ord("A") + i) + "qgenpadding")[:max(width, 1)]
            try:
                req, val = sized_set(key, total)
                break
            except ValueError:
                continue
        else:
            raise ValueError("no SET of %d bytes" % total)
        reqs.append(req)
        data[key] = val.encode()
    return reqs, data


def admin(srv):
    return RespConn(srv.port, password=srv.password)


def client_field(conn_admin, name, field):
    """Field 'field' of the CLIENT LIST line of the client named 'name'."""
    for line in conn_admin.call("CLIENT", "LIST").decode().splitlines():
        kv = dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
        if kv.get("name") == name:
            return kv.get(field)
    return None


def read_all(conn, n, close_wait=0.2):
    """Up to n replies, then whether the server closed the connection
    (within close_wait seconds). A closed connection ends the replies."""
    nodes = []
    for _ in range(n):
        try:
            nodes.append(conn.read_node())
        except ConnectionError:
            return nodes, True
    return nodes, conn.wait_closed(close_wait)


def mask_ids(nodes):
    """The replies with the client ID in a HELLO reply replaced by 0 (it
    differs from connection to connection)."""
    out = []
    for kind, v in nodes:
        if kind in "%*" and v and isinstance(v[0], tuple) and v[0] == (("$", b"server"), ("$", b"redis")):
            v = [(k, (":", 0)) if k == ("$", b"id") else (k, x) for k, x in v]
        out.append((kind, v))
    return out


def info_field(srv, section, field):
    """One field of INFO section on srv, as text (None if absent)."""
    with admin(srv) as a:
        for line in a.call("INFO", section).decode().splitlines():
            if line.startswith(field + ":"):
                return line.split(":", 1)[1]
    return None


def state(srv, keys):
    """The values of keys and the key count, read on a fresh connection."""
    with admin(srv) as a:
        return [a.call("GET", k) for k in keys], a.call("DBSIZE")


# -- Requests that block (or are postponed) in mid-pipeline, then run later


BLOCKERS = {
    # name: (request, reply once its timeout passed)
    "blpop": (enc("BLPOP", "qg:list", "0.05"), ("*", None)),
    "bzpopmin": (enc("BZPOPMIN", "qg:zset", "0.05"), ("*", None)),
    "xread": (enc("XREAD", "BLOCK", "50", "STREAMS", "qg:stream", "$"), ("*", None)),
    "wait": (enc("WAIT", "1", "50"), (":", 0)),
    "pause": (enc("CLIENT", "PAUSE", "50", "WRITE"), ("+", b"OK")),
}


def blocked_mid_pipeline(srv, blocker, before, after):
    """One write: 'before' SETs, the blocker, 'after' SETs, every request
    the blocker's length. The blocker is served by its timeout (CLIENT
    PAUSE WRITE postpones the client's own next SET until it ends), after
    its buffer was compacted: with the same length everywhere, each later
    request sits where an earlier one was parsed ahead. Returns (replies,
    closed, values of the keys, DBSIZE)."""
    req, _ = BLOCKERS[blocker]
    sets, data = equal_length_sets(len(req), before + after)
    pipeline = b"".join(sets[:before]) + req + b"".join(sets[before:])
    with admin(srv) as a:
        assert a.call("FLUSHALL") == "OK"
    with RespConn(srv.port, password=srv.password) as c:
        c.send_raw(pipeline)
        replies, closed = read_all(c, before + 1 + after)
    values, dbsize = state(srv, list(data))
    return replies, closed, values, dbsize, data


def blocked_mid_pipeline_expected(blocker, before, after, data):
    _, reply = BLOCKERS[blocker]
    ok = ("+", b"OK")
    return [ok] * before + [reply] + [ok] * after, False, list(data.values()), len(data)


# -- Parse limits that change in mid-pipeline


def many_args(n_pairs, tag):
    """MSET of n_pairs pairs (2 * n_pairs + 1 arguments)."""
    args = ["MSET"]
    for i in range(n_pairs):
        args += ["%s%d" % (tag, i), "v%d" % i]
    return enc(*args)


def reset_then_long_request(srv, long_req):
    """An authenticated client pipelines RESET (which, with requirepass set,
    makes it unauthenticated again) and then long_req, which only an
    authenticated client may send. Returns (replies, closed)."""
    with RespConn(srv.port, password=srv.password) as c:
        c.send_raw(enc("RESET") + long_req + enc("PING"))
        return read_all(c, 3)


def auth_then_long_requests(srv, long_reqs):
    """An unauthenticated client pipelines AUTH and then requests only an
    authenticated client may send. Returns (replies, closed)."""
    with RespConn(srv.port) as c:
        c.send_raw(enc("AUTH", srv.password) + b"".join(long_reqs))
        return read_all(c, 1 + len(long_reqs))


def wait_blocked(a, name, timeout=10):
    wait_for(lambda: client_field(a, name, "flags") and "b" in client_field(a, name, "flags"),
             timeout, msg="client %s blocked" % name)


def wait_qbuf(a, name, at_least, timeout=20):
    wait_for(lambda: int(client_field(a, name, "qbuf") or 0) >= at_least, timeout,
             msg="client %s holding %d bytes" % (name, at_least))


def unauth_while_blocked(srv, long_req):
    """A client that needs no AUTH (requirepass "" for now) blocks on BLPOP
    with long_req behind it, which castor then parses ahead (a later read
    brings a PING). requirepass is set again: the client now has to
    authenticate, so long_req must meet the unauthenticated limits when it
    runs after LPUSH serves the BLPOP. Returns (replies, closed)."""
    with admin(srv) as a, RespConn(srv.port) as c:
        # Accepted before the CONFIG SET (a reply proves it): a server that
        # accepted the connection after it would make a client that never
        # has to AUTH (both servers decide at accept time), which the race
        # between the two connections used to pick now and then.
        assert str(c.call("PING")).startswith("NOAUTH")
        assert a.call("CONFIG", "SET", "requirepass", "") == "OK"
        try:
            assert c.call("CLIENT", "SETNAME", "qgblocked") == "OK"
            c.send_raw(enc("BLPOP", "qg:list", "0") + long_req)
            wait_blocked(a, "qgblocked")
            ping = enc("PING")
            c.send_raw(ping)
            wait_qbuf(a, "qgblocked", len(long_req) + len(ping))
        finally:
            assert a.call("CONFIG", "SET", "requirepass", srv.password) == "OK"
        assert a.call("LPUSH", "qg:list", "x") == 1
        return read_all(c, 3)


BIG = 1024 * 1024 + 4096  # over the smallest proto-max-bulk-len (1 MB)


def bulk_limit_lowered_while_blocked(srv):
    """A client blocks on BLPOP with a SET of a BIG bulk behind it, all
    received (castor parses it ahead); then proto-max-bulk-len goes down to
    1 MB and LPUSH serves the BLPOP: the SET must meet the new limit.
    Restores the limit. Returns ((replies, closed), EXISTS of the key)."""
    with admin(srv) as a, RespConn(srv.port, password=srv.password) as c:
        assert a.call("FLUSHALL") == "OK"
        old = a.call("CONFIG", "GET", "proto-max-bulk-len")[1]
        try:
            assert c.call("CLIENT", "SETNAME", "qgbig") == "OK"
            setreq = enc("SET", "qg:big", b"b" * BIG)
            c.send_raw(enc("BLPOP", "qg:list", "0"))
            wait_blocked(a, "qgbig")
            c.send_raw(setreq)
            wait_qbuf(a, "qgbig", len(setreq))
            assert a.call("CONFIG", "SET", "proto-max-bulk-len", "1048576") == "OK"
            assert a.call("LPUSH", "qg:list", "x") == 1
            out = read_all(c, 2)
        finally:
            assert a.call("CONFIG", "SET", "proto-max-bulk-len", old) == "OK"
        return out, a.call("EXISTS", "qg:big")


def bulk_limit_lowered_in_pipeline(srv, pause_ms=400):
    """The client's own pipeline: CLIENT PAUSE WRITE (its next SET waits
    for the pause to end), CONFIG SET proto-max-bulk-len 1mb, then a SET of
    a BIG bulk, all received while the pause lasts: castor's read-ahead
    parses the big SET under the old limit. Its last byte goes once the
    rest is in, after the CLIENT LIST polls, so the client's own read is
    the last one before the pause ends. The big SET must meet the new
    limit. Restores the limit. Returns ((replies, closed), EXISTS)."""
    with admin(srv) as a, RespConn(srv.port, password=srv.password) as c:
        assert a.call("FLUSHALL") == "OK"
        old = a.call("CONFIG", "GET", "proto-max-bulk-len")[1]
        try:
            assert c.call("CLIENT", "SETNAME", "qgpaused") == "OK"
            head = enc("CLIENT", "PAUSE", str(pause_ms), "WRITE") + enc("SET", "qg:w", "1")
            lower = enc("CONFIG", "SET", "proto-max-bulk-len", "1048576")
            body = enc("SET", "qg:big", b"b" * BIG) + enc("GET", "qg:w")
            c.send_raw(head + lower + body[:-1])
            # Redis holds the postponed SET parsed, castor in its buffer.
            wait_qbuf(a, "qgpaused", len(lower) + len(body) - 1)
            c.send_raw(body[-1:])
            out = read_all(c, 5)
        finally:
            assert a.call("CONFIG", "SET", "proto-max-bulk-len", old) == "OK"
        return out, a.call("EXISTS", "qg:big")


# -- A pipeline cut in two at every byte


def bytes_in(a):
    info = a.call("INFO", "stats").decode()
    for line in info.splitlines():
        if line.startswith("total_net_input_bytes:"):
            return int(line.split(":")[1])
    raise AssertionError("no total_net_input_bytes in INFO")


def run_split(srv, pipeline, n_replies, cut, a):
    """Send pipeline[:cut], wait until the server has read it (its input
    byte count, less the INFO polls' own requests), then the rest; return
    (replies, closed). 'a' is an admin connection on srv."""
    info_req = len(enc("INFO", "stats"))
    with RespConn(srv.port, password=srv.password) as c:
        base = bytes_in(a)
        c.send_raw(pipeline[:cut])
        polls = [0]

        def read_in():
            polls[0] += 1
            return bytes_in(a) >= base + cut + polls[0] * info_req

        if cut:
            wait_for(read_in, 10, interval=0.001, msg="first %d bytes read" % cut)
        c.send_raw(pipeline[cut:])
        nodes, closed = read_all(c, n_replies, close_wait=0)
        return mask_ids(nodes), closed


def mixed_pipeline():
    """Requests of every kind the read-ahead treats differently: multibulk
    ones it parses ahead, inline ones it stops at, MULTI/EXEC, a script
    with keys (its keys found by getkeys), SELECT, HELLO 3 (the replies
    after it are RESP3), empty lines and a request over 16 arguments.
    Returns (bytes, number of replies)."""
    reqs = [
        enc("SET", "pa", "1"),
        b"INCR pa\r\n",
        enc("MULTI"),
        enc("SET", "pb", "x"),
        enc("INCRBY", "pa", "10"),
        enc("EXEC"),
        b"\r\n",
        enc("EVAL", "return redis.call('INCR', KEYS[1])", "1", "pa"),
        enc("SELECT", "1"),
        enc("SET", "pa", "db1"),
        b"SELECT 0\n",
        enc("MSET", *["pm%d" % (i // 2) if i % 2 == 0 else "v%d" % i for i in range(20)]),
        enc("HELLO", "3"),
        enc("HSET", "ph", "f", "v"),
        b"hgetall ph\r\n",
        enc("MGET", "pa", "pb", "pm0", "pm9"),
        enc("PING"),
    ]
    replies = len([r for r in reqs if r != b"\r\n"])
    return b"".join(reqs), replies


# What Redis 7.0 replies to mixed_pipeline() (the HELLO reply's id masked).
MIXED_EXPECTED = ([
    ("+", b"OK"), (":", 2), ("+", b"OK"), ("+", b"QUEUED"), ("+", b"QUEUED"),
    ("*", [("+", b"OK"), (":", 12)]), (":", 13), ("+", b"OK"), ("+", b"OK"), ("+", b"OK"),
    ("+", b"OK"),
    ("%", [(("$", b"server"), ("$", b"redis")), (("$", b"version"), ("$", b"7.0.15")),
           (("$", b"proto"), (":", 3)), (("$", b"id"), (":", 0)),
           (("$", b"mode"), ("$", b"standalone")), (("$", b"role"), ("$", b"master")),
           (("$", b"modules"), ("*", []))]),
    (":", 1), ("%", [(("$", b"f"), ("$", b"v"))]),
    ("*", [("$", b"13"), ("$", b"x"), ("$", b"v1"), ("$", b"v19")]), ("+", b"PONG"),
], False)


def big_pipeline_expected_mget():
    """The final MGET of big_pipeline(), worked out here."""
    data = {}
    for _ in _big_requests(data):
        pass
    return ("*", [("$", data.get("bp%d" % j)) for j in range(50)])


def _big_requests(data=None, total=40 * 1024):
    size, i = 0, 0
    while size < total:
        k = "bp%d" % (i % 50)
        if i % 7 == 3:
            v = "a" * (i % 300)
            r = enc("APPEND", k, v)
            if data is not None:
                data[k] = data.get(k, b"") + v.encode()
        elif i % 7 == 5:
            r = b"GET %s\r\n" % k.encode()
        elif i % 11 == 0:
            r = enc("MSET", k, "m" * 700, k + "x", "y")
            if data is not None:
                data[k] = b"m" * 700
        else:
            v = ("%d-" % i) * (i % 40)
            r = enc("SET", k, v)
            if data is not None:
                data[k] = v.encode()
        yield r
        size += len(r)
        i += 1


def big_pipeline():
    """Over two read buffers (16 KB each) of requests of varied sizes,
    inline GETs among them, ending with an MGET of every key. Returns
    (bytes, number of replies)."""
    reqs = list(_big_requests())
    reqs.append(enc("MGET", *["bp%d" % j for j in range(50)]))
    return b"".join(reqs), len(reqs)


def big_pipeline_cuts(pipe, around=(16 * 1024, 32 * 1024), width=160):
    """Every byte within width of the read buffer's multiples, and every
    request boundary (and the byte after it) elsewhere."""
    cuts = set()
    for b in around:
        cuts.update(range(b - width, b + width + 1))
    at = 0
    for r in _big_requests():
        at += len(r)
        cuts.update((at, at + 1))
    return sorted(c for c in cuts if 0 < c < len(pipe))


def blocked_then_more_bytes(srv):
    """Two SETs, BLPOP (no timeout), two SETs in one write; once the BLPOP
    blocks, six more SETs in three pieces cut inside requests, each waited
    for (the client holds them all); then LPUSH serves the BLPOP. Every
    request has the BLPOP's length. Returns ((replies, closed), {key:
    value})."""
    blpop = enc("BLPOP", "qg:list", "0")
    sets, data = equal_length_sets(len(blpop), 10)
    with admin(srv) as a, RespConn(srv.port, password=srv.password) as c:
        assert a.call("FLUSHALL") == "OK"
        assert c.call("CLIENT", "SETNAME", "qgmore") == "OK"
        c.send_raw(b"".join(sets[:2]) + blpop + b"".join(sets[2:4]))
        wait_blocked(a, "qgmore")
        held = len(sets[2]) + len(sets[3])
        rest = b"".join(sets[4:])
        for piece in (rest[:7], rest[7:len(rest) // 2], rest[len(rest) // 2:]):
            c.send_raw(piece)
            held += len(piece)
            wait_qbuf(a, "qgmore", held)
        assert a.call("LPUSH", "qg:list", "x") == 1
        return read_all(c, 11), data


def unpause_mid_pipeline(srv):
    """X's SET waits under CLIENT PAUSE WRITE; W pipelines MULTI, CLIENT
    UNPAUSE, GET, EXEC, GET, SET. Redis runs X's SET once W's read is
    done (with its unblocked clients, before sleeping): never inside W's
    EXEC, nor between W's requests. Returns (W's replies, X's reply, the
    value at the end)."""
    with admin(srv) as a, RespConn(srv.port, password=srv.password) as x, \
            RespConn(srv.port, password=srv.password) as w:
        assert a.call("FLUSHALL") == "OK"
        assert x.call("CLIENT", "SETNAME", "qgheld") == "OK"
        assert a.call("CLIENT", "PAUSE", "20000", "WRITE") == "OK"
        try:
            x.send("SET", "x", "1")
            wait_blocked(a, "qgheld")
            w.send_raw(enc("MULTI") + enc("CLIENT", "UNPAUSE") + enc("GET", "x") + enc("EXEC") +
                       enc("GET", "x") + enc("SET", "x", "2"))
            replies = [w.read_node() for _ in range(6)]
            held = x.read_node()
        finally:
            a.call("CLIENT", "UNPAUSE")
        return replies, held, a.call("GET", "x")
