"""The per-request path's shortcuts never change an answer.

castor hashes the keys of the requests it reads ahead once, to prefetch
their buckets, and the lookups of the request that then runs reuse those
hashes (client.c hands them to db.c by the keys' places in the query
buffer). Each test here builds a case where a stale or misplaced hash would
miss a key that exists or find a wrong one: pipelines split at every byte,
a pipeline that blocks or is paused half-way (its buffer is compacted
under the remaining requests), keys of many lengths, multi-key commands,
MULTI and scripts (whose keys are not in the buffer)."""

import time

from castortest import wait_for
from resp import encode_command


def read_replies(conn, n):
    return [conn.read() for _ in range(n)]


def test_pipeline_split_at_every_byte_answers_every_request(server):
    """Requests arriving in pieces: each read ends inside a different request,
    so the read-ahead sees partial requests and picks the rest up later."""
    cmds, want = [], []
    for i in range(40):
        key = "k" * (i % 23 + 1) + ":%d" % i
        cmds.append(encode_command("SET", key, "v%d" % i))
        want.append("OK")
        cmds.append(encode_command("GET", key))
        want.append(b"v%d" % i)
    data = b"".join(cmds)
    c = server.raw()
    # Chunks of changing sizes, so that splits fall everywhere.
    pos, step = 0, 1
    while pos < len(data):
        c.sock.sendall(data[pos:pos + step])
        pos += step
        step = step % 37 + 2
        time.sleep(0.001)
    assert read_replies(c, len(want)) == want
    # And all the bytes in one write.
    c.send_raw(data)
    assert read_replies(c, len(want)) == want


def test_long_pipeline_of_distinct_keys_and_lengths(server):
    """More requests than one read-ahead covers (16 keys), keys of every
    length up to 70 bytes and binary bytes, reads and writes interleaved."""
    c = server.raw()
    keys = [bytes([(i * 7 + j) % 256 for j in range(i % 71 + 1)]) for i in range(300)]
    c.send_raw(b"".join(encode_command("SET", k, b"x" + k) for k in keys))
    assert read_replies(c, len(keys)) == ["OK"] * len(keys)
    c.send_raw(b"".join(encode_command("GET", k) for k in keys))
    assert read_replies(c, len(keys)) == [b"x" + k for k in keys]
    c.send_raw(b"".join(encode_command("DEL", k) for k in keys[::2]))
    assert read_replies(c, len(keys[::2])) == [1] * len(keys[::2])
    c.send_raw(b"".join(encode_command("EXISTS", k) for k in keys))
    assert read_replies(c, len(keys)) == [0 if i % 2 == 0 else 1 for i in range(len(keys))]


def test_multi_key_commands_in_a_pipeline(server):
    """MSET/MGET/DEL name their keys past the first argument: the read-ahead
    hashes each and the lookups of each must find its own."""
    c = server.raw()
    batch = []
    for i in range(30):
        batch.append(encode_command("MSET", *sum([["m%d:%d" % (i, j), "%d" % (i * j)]
                                                   for j in range(9)], [])))
        batch.append(encode_command("MGET", *["m%d:%d" % (i, j) for j in range(9)] + ["none"]))
    c.send_raw(b"".join(batch))
    got = read_replies(c, len(batch))
    for i in range(30):
        assert got[2 * i] == "OK"
        assert got[2 * i + 1] == [b"%d" % (i * j) for j in range(9)] + [None]
    r = server.client()
    assert r.dbsize() == 270


def test_pipeline_blocked_half_way_resumes_with_the_right_keys(server):
    """A BLPOP in the middle of a pipeline stops it; the buffer is compacted
    under the requests behind it, which run when the list gets an element.
    Their keys have moved since they were read ahead."""
    r = server.client()
    r.set("short", "1")
    r.set("a-much-longer-key-name", "2")
    c = server.raw()
    c.send_raw(encode_command("SET", "before", "b") + encode_command("BLPOP", "queue", "0")
               + encode_command("GET", "short") + encode_command("GET", "a-much-longer-key-name")
               + encode_command("SET", "after", "c") + encode_command("GET", "after")
               + encode_command("INCR", "short"))
    assert c.read() == "OK"
    wait_for(lambda: r.info("clients")["blocked_clients"] == 1, 5)
    # Requests of other clients run meanwhile, on other buffers.
    for i in range(50):
        r.set("other%d" % i, i)
    r.lpush("queue", "x")
    assert read_replies(c, 6) == [[b"queue", b"x"], b"1", b"2", "OK", b"c", 2]
    assert r.get("short") == b"2"
    assert r.get("before") == b"b"


def test_requests_behind_a_block_realigned_by_compaction(server):
    """The case the buffer generation guards: requests of one size S behind
    a BLPOP whose length is a multiple of S. Once the BLPOP's bytes are
    consumed, each waiting request sits where another one was when the keys
    were read ahead, so a hash kept by position alone would be another
    key's."""
    r = server.client()
    for i in range(20):
        r.set("k%02d" % i, "value%02d" % i)
    size = len(encode_command("GET", "k00"))
    qname = next(q for q in ("q" * n for n in range(1, 200))
                 if len(encode_command("BLPOP", q, "0")) % size == 0)
    c = server.raw()
    c.send_raw(encode_command("BLPOP", qname, "0")
               + b"".join(encode_command("GET", "k%02d" % i) for i in range(15)))
    wait_for(lambda: r.info("clients")["blocked_clients"] == 1, 5)
    r.lpush(qname, "x")
    assert read_replies(c, 16) == [[qname.encode(), b"x"]] + [b"value%02d" % i for i in range(15)]


def test_pipeline_paused_half_way_resumes_with_the_right_keys(server):
    """CLIENT PAUSE WRITE postpones a write in the middle of a pipeline; the
    reads before it answer, the rest run on unpause."""
    r = server.client()
    r.set("p1", "one")
    c = server.raw()
    r.execute_command("CLIENT", "PAUSE", "100000", "WRITE")
    c.send_raw(encode_command("GET", "p1") + encode_command("SET", "p2", "two")
               + encode_command("GET", "p2") + encode_command("APPEND", "p1", "!")
               + encode_command("GET", "p1"))
    assert c.read() == b"one"
    r.execute_command("CLIENT", "UNPAUSE")
    assert read_replies(c, 4) == ["OK", b"two", 4, b"one!"]


def test_keys_given_by_multi_and_scripts(server):
    """Inside MULTI and scripts the keys are copies, not the buffer's bytes:
    they are hashed on their own and find the same entries."""
    c = server.raw()
    c.send_raw(encode_command("MULTI") + encode_command("SET", "t1", "a")
               + encode_command("GET", "t1") + encode_command("EXEC")
               + encode_command("EVAL", "redis.call('set', KEYS[1], ARGV[1]) "
                                "return redis.call('get', KEYS[1])", "1", "t1", "b")
               + encode_command("GET", "t1"))
    assert read_replies(c, 6) == ["OK", "QUEUED", "QUEUED", ["OK", b"a"], b"b", b"b"]


def test_select_between_pipelined_requests(server):
    """A key hashed for one database is looked up in another after SELECT:
    the hash is the key's, whatever the database."""
    c = server.raw()
    c.send_raw(encode_command("SET", "dbkey", "zero") + encode_command("SELECT", "3")
               + encode_command("SET", "dbkey", "three") + encode_command("GET", "dbkey")
               + encode_command("SELECT", "0") + encode_command("GET", "dbkey"))
    assert read_replies(c, 6) == ["OK", "OK", "OK", b"three", "OK", b"zero"]


def test_many_clients_pipelining_at_once(server):
    """Read-ahead groups span clients: 20 connections send their pipelines
    before any reply is read, each on its own keys."""
    conns = [server.raw() for _ in range(20)]
    for n, c in enumerate(conns):
        c.send_raw(b"".join(encode_command("SET", "c%d:%d" % (n, i), "%d" % (n * 100 + i))
                            + encode_command("GET", "c%d:%d" % (n, i)) for i in range(25)))
    for n, c in enumerate(conns):
        got = read_replies(c, 50)
        assert got == sum([["OK", b"%d" % (n * 100 + i)] for i in range(25)], [])


def test_integer_and_small_bulk_replies_across_the_buffer_end(server):
    """reply_int and small reply_bulk write straight into the client's 16 KB
    buffer when there is room: a pipeline long enough to overflow it, with
    integers of every width and sign (LLONG_MIN and LLONG_MAX included) and
    bulks of 0 to 65 bytes, reads back every reply whole and in order, and
    CLIENT REPLY SKIP in the middle still silences exactly one reply."""
    c = server.raw()
    values = [0, 1, 9, 10, -1, -9, -10, 99, 100, 12345, -12345,
              2**63 - 1, -2**63] + [(-1) ** i * 7 ** (i % 23) for i in range(40)]
    cmds, want = [], []
    for r in range(60):
        for i, v in enumerate(values):
            key = "int:%d:%d" % (r, i)
            cmds.append(encode_command("SET", key, str(v)))
            cmds.append(encode_command("INCRBY", key, "0"))
            want += ["OK", v]
        for n in range(66):
            key = "bulk:%d:%d" % (r, n)
            cmds.append(encode_command("SET", key, "b" * n))
            cmds.append(encode_command("GET", key))
            want += ["OK", b"b" * n]
        cmds.append(encode_command("CLIENT", "REPLY", "SKIP"))
        cmds.append(encode_command("INCRBY", "skipped", "5"))
        cmds.append(encode_command("STRLEN", "bulk:%d:65" % r))
        want.append(65)
    c.send_raw(b"".join(cmds))
    assert read_replies(c, len(want)) == want
    c.send_raw(encode_command("GET", "skipped"))
    assert c.read() == b"300"


def test_command_names_found_in_any_case_and_near_misses_not(server):
    """The command index reads a name's first 16 bytes as two words by loads
    of 1-16 bytes: every command is found under its name in upper and mixed
    case, and a name one byte shorter, longer or different is not (unless
    that is another command's name)."""
    c = server.raw()
    names = [n.decode() for n in c.call("COMMAND", "LIST")]
    known = set(names)
    assert len(known) > 200
    for name in names:
        mixed = "".join(ch.upper() if i % 2 else ch for i, ch in enumerate(name))
        misses = [name[:-1], name + "x", name[:-1] + chr(ord(name[-1]) + 1), "x" + name[1:],
                  name[:-1] + "\x00"]
        misses = [m for m in misses if m and m.lower() not in known]
        infos = c.call("COMMAND", "INFO", name.upper(), mixed, *misses)
        assert infos[0] is not None and infos[0][0] == name.encode(), name
        assert infos[1] is not None and infos[1][0] == name.encode(), name
        assert infos[2:] == [None] * len(misses), (name, misses)


def test_stream_entries_replied_across_the_buffer_end(server):
    """Stream entries (XRANGE, XREADGROUP) go straight into the client's
    buffer when they fit: entries of 1-3 fields with values of 0-300 bytes,
    read one at a time in a pipeline long enough to overflow the 16 KB
    buffer and all at once, come back whole and in order."""
    c = server.raw()
    want = []
    for i in range(120):
        fields = []
        for f in range(i % 3 + 1):
            fields += [b"f%d" % f, b"v" * ((i * 37 + f * 11) % 301)]
        eid = b"%d-1" % (i + 1)
        assert c.call("XADD", "s", eid, *fields) == eid
        want.append([eid, fields])
    cmds = []
    for _ in range(4):
        cmds += [encode_command("XRANGE", "s", e[0], e[0]) for e in want]
    c.send_raw(b"".join(cmds))
    assert read_replies(c, len(cmds)) == [[e] for e in want] * 4
    assert c.call("XRANGE", "s", "-", "+") == want
    assert c.call("XGROUP", "CREATE", "s", "g", "0") == "OK"
    got = c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    assert got == [[b"s", want]]


def test_requests_parsed_ahead_obey_limits_that_change_before_they_run(start_server):
    """The read-ahead parses a pipeline's later requests once, under the
    limits of that moment, and the request reuses that parse only under the
    same limits: a RESET that makes the client unauthenticated half-way
    through a pipeline puts the next request under the unauthenticated
    limit of 10 arguments, as if it were parsed after the RESET."""
    s = start_server(directives={"requirepass": "pw"})
    c = s.raw()
    assert c.call("AUTH", "pw") == "OK"
    mset = encode_command("MSET", *["k%d" % (i // 2) for i in range(10)])
    c.send_raw(encode_command("PING") + encode_command("RESET") + mset + encode_command("PING"))
    assert c.read() == "PONG"
    assert c.read() == "RESET"
    err = c.read()
    assert "unauthenticated multibulk length" in str(err)
    # And while authenticated the same pipeline runs whole.
    c2 = s.raw()
    assert c2.call("AUTH", "pw") == "OK"
    c2.send_raw(encode_command("PING") + mset + encode_command("GET", "k4"))
    assert read_replies(c2, 3) == ["PONG", "OK", b"k4"]
