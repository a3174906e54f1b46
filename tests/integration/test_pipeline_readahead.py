"""Pipelines through castor's parse-once read-ahead (src/client.c).

castor parses the requests of a read once, ahead of running them: the one
at qpos into the client's parser (parse_ahead()), up to 15 more into a
table kept by offset (keep_parsed_ahead() / take_parsed_ahead()), and
hashes their keys for db.c (hint_keys()). Each of these is valid only
while the query buffer has not been compacted, trimmed or replaced (the
generation qgen / pf_qgen) and under the parse limits it was made with
(an unauthenticated client's, proto-max-bulk-len). Each test below makes
one of those change between the parse and the run, with every request
after it placed where a stale parse would be taken, and checks Redis's
replies and data (tests/interop/test_diff_pipeline_readahead.py compares
the same scenarios with redis-server). Which test catches which guard
(each checked by removing the guard):

  take_parsed_ahead  r->qgen != c->qgen         test_blocked_mid_pipeline_*
                     r->unauth != ...           test_reset_mid_pipeline_*
                     r->max_bulk != ...         test_proto_max_bulk_len_lowered_in_pipeline
  hint_keys          c->pf_qgen != c->qgen      test_blocked_mid_pipeline_*
  parse_limits_hold  unauthenticated            test_auth_required_again_while_blocked
                     max_bulk                   test_proto_max_bulk_len_lowered_while_blocked
"""

import socket

import pytest

import pipecases as pc
from castortest import wait_for
from resp import RespConn

PW = {"requirepass": "pw"}
OK = ("+", b"OK")


@pytest.mark.parametrize("before", [0, 1, 3])
@pytest.mark.parametrize("blocker", sorted(pc.BLOCKERS))
def test_blocked_mid_pipeline_later_requests_parsed_again(server, blocker, before):
    """A request that blocks (or, CLIENT PAUSE WRITE, postpones the next
    write) in mid-pipeline and is served by its timeout, after the query
    buffer was compacted: the requests after it run with their own
    arguments and keys, not those parsed or hashed ahead at their old
    offsets (every request has the same length, so each later one sits
    where an earlier one was parsed)."""
    replies, closed, values, dbsize, data = pc.blocked_mid_pipeline(server, blocker, before, 12)
    assert (replies, closed, values, dbsize) == pc.blocked_mid_pipeline_expected(
        blocker, before, 12, data)
    r = server.client()
    for k, v in data.items():  # each key findable by its own hash
        assert r.get(k) == v
        assert r.exists(k) == 1


def test_blocked_mid_pipeline_served_while_more_bytes_arrive(server):
    """More of the pipeline arrives in pieces while its BLPOP waits (each
    read parses ahead again, into a buffer compacted since the BLPOP);
    LPUSH then serves it and the rest runs in order."""
    replies, data = pc.blocked_then_more_bytes(server)
    assert replies == ([OK] * 2 + [("*", [("$", b"qg:list"), ("$", b"x")])] +
                       [OK] * (len(data) - 2), False)
    assert pc.state(server, list(data)) == (list(data.values()), len(data))


def test_reset_mid_pipeline_applies_unauthenticated_limits(start_server):
    """RESET makes the client unauthenticated again (requirepass is set):
    the MSET of 13 arguments behind it, parsed ahead while the client was
    authenticated, is refused as Redis refuses it and the connection
    closes."""
    srv = start_server(directives=PW)
    replies, closed = pc.reset_then_long_request(srv, pc.many_args(6, "m"))
    assert replies == [("+", b"RESET"),
                       ("-", pc.PROTO + b"unauthenticated multibulk length")]
    assert closed
    assert srv.client().exists("m0") == 0


def test_reset_mid_pipeline_refuses_big_bulk(start_server):
    srv = start_server(directives=PW)
    replies, closed = pc.reset_then_long_request(srv, pc.enc("SET", "big", "x" * 16385))
    assert replies == [("+", b"RESET"), ("-", pc.PROTO + b"unauthenticated bulk length")]
    assert closed


def test_auth_mid_pipeline_lifts_unauthenticated_limits(start_server):
    """The same requests after AUTH in the same pipeline are accepted
    (castor's read-ahead saw them before AUTH ran and could not parse them
    then)."""
    srv = start_server(directives=PW)
    replies, closed = pc.auth_then_long_requests(
        srv, [pc.many_args(6, "m"), pc.enc("SET", "big", "x" * 20000), pc.enc("STRLEN", "big")])
    assert (replies, closed) == ([OK, OK, OK, (":", 20000)], False)
    with RespConn(srv.port) as c:
        c.send_raw(pc.enc("SET", "big", "x" * 20000))
        assert pc.read_all(c, 1) == ([("-", pc.PROTO + b"unauthenticated bulk length")], True)


def test_hello_auth_mid_pipeline_lifts_limits(start_server):
    srv = start_server(directives=PW)
    with RespConn(srv.port) as c:
        c.send_raw(pc.enc("HELLO", "3", "AUTH", "default", "pw") + pc.many_args(6, "m") +
                   pc.enc("MGET", "m0", "m5"))
        replies, closed = pc.read_all(c, 3)
    assert replies[0][0] == "%" and replies[1:] == [OK, ("*", [("$", b"v0"), ("$", b"v5")])]
    assert not closed


def test_auth_required_again_while_blocked(start_server):
    """A client that needed no AUTH blocks with an MSET of 13 arguments
    parsed ahead; requirepass comes back before the BLPOP is served: the
    MSET now meets the unauthenticated limits (parse_limits_hold())."""
    srv = start_server(directives=PW)
    replies, closed = pc.unauth_while_blocked(srv, pc.many_args(6, "m"))
    assert replies == [("*", [("$", b"qg:list"), ("$", b"x")]),
                       ("-", pc.PROTO + b"unauthenticated multibulk length")]
    assert closed


def test_proto_max_bulk_len_lowered_while_blocked(server):
    """A SET of a bulk over 1 MB waits, parsed ahead, behind a BLPOP;
    proto-max-bulk-len goes down to 1 MB before the BLPOP is served."""
    (replies, closed), exists = pc.bulk_limit_lowered_while_blocked(server)
    assert replies == [("*", [("$", b"qg:list"), ("$", b"x")]),
                       ("-", pc.PROTO + b"invalid bulk length")]
    assert closed and exists == 0


def test_proto_max_bulk_len_lowered_in_pipeline(server):
    """The pipeline lowers proto-max-bulk-len itself, ahead of a SET of a
    bulk over 1 MB that the read-ahead parsed (all received while the
    client's own CLIENT PAUSE WRITE held it)."""
    (replies, closed), exists = pc.bulk_limit_lowered_in_pipeline(server)
    assert replies == [OK, OK, OK, ("-", pc.PROTO + b"invalid bulk length")]
    assert closed and exists == 0


def test_mixed_pipeline_cut_at_every_byte(server):
    """Inline and multibulk requests, MULTI/EXEC, EVAL with a key, SELECT,
    HELLO 3 and a request of 21 arguments in one pipeline: the replies are
    the same whichever byte the pipeline is cut at into two reads."""
    pipe, n = pc.mixed_pipeline()
    with pc.admin(server) as a:
        assert a.call("FLUSHALL") == "OK"
        whole = pc.run_split(server, pipe, n, 0, a)
        assert whole == pc.MIXED_EXPECTED
        for cut in range(1, len(pipe)):
            assert a.call("FLUSHALL") == "OK"
            assert pc.run_split(server, pipe, n, cut, a) == whole, "cut at %d" % cut


def test_pipeline_over_read_buffer_cut_near_every_boundary(server):
    """A pipeline of 40 KB (over two 16 KB reads) cut into two sends at
    every byte around the read buffer's size and at every request boundary
    elsewhere: the same replies and data as sent whole."""
    pipe, n = pc.big_pipeline()
    with pc.admin(server) as a:
        assert a.call("FLUSHALL") == "OK"
        whole = pc.run_split(server, pipe, n, 0, a)
        assert not whole[1] and len(whole[0]) == n
        assert whole[0][-1] == pc.big_pipeline_expected_mget()
        for cut in pc.big_pipeline_cuts(pipe):
            assert a.call("FLUSHALL") == "OK"
            assert pc.run_split(server, pipe, n, cut, a) == whole, "cut at %d" % cut


def test_client_unpause_inside_exec_runs_held_clients_after_the_read(server):
    """CLIENT UNPAUSE inside MULTI/EXEC in mid-pipeline: the write it
    releases runs after the whole read, as Redis runs its unblocked
    clients before sleeping; castor used to run it inside the EXEC (the
    transaction saw it, and the rest of the pipeline too)."""
    replies, held, final = pc.unpause_mid_pipeline(server)
    assert replies == [OK, ("+", b"QUEUED"), ("+", b"QUEUED"), ("*", [OK, ("$", None)]),
                       ("$", None), OK]
    assert held == OK and final == b"1"


def test_replica_relays_its_masters_stream_byte_for_byte(start_server):
    """A replica passes its master's stream on to its own replicas (and its
    backlog) as it received it, as Redis relays it. castor's parser, and
    its read-ahead up to 16 requests early, write a NUL after each
    argument into the query buffer: that NUL went out in place of the CR
    of every CRLF after a bulk."""
    master = start_server(directives={"repl-diskless-sync-delay": "0"})
    replica = start_server(directives=[("replicaof", ["127.0.0.1", master.port]),
                                       ("repl-diskless-sync-delay", "0")])
    wait_for(lambda: pc.info_field(replica, "replication", "master_link_status") == "up", 20,
             msg="replica link up")
    sub = socket.create_connection(("127.0.0.1", replica.port), timeout=10)
    try:
        sub.sendall(pc.enc("REPLCONF", "capa", "psync2"))
        assert sub.recv(5) == b"+OK\r\n"
        sub.sendall(pc.enc("PSYNC", "?", "-1"))
        wait_for(lambda: "state=online" in (pc.info_field(replica, "replication", "slave0") or ""),
                 20, msg="sub-replica online")
        sets = [pc.enc("SET", "relay%d" % i, "v" * (i * 7)) for i in range(20)]
        sets.append(pc.many_args(6, "relaym"))
        r = master.client()
        p = r.pipeline(transaction=False)
        for i in range(20):
            p.set("relay%d" % i, "v" * (i * 7))
        p.mset({"relaym%d" % i: "v%d" % i for i in range(6)})
        p.execute()
        got = bytearray()

        def relayed():
            sub.settimeout(0.05)
            try:
                got.extend(sub.recv(1 << 16))
            except socket.timeout:
                pass
            return got.find(b"".join(sets)) >= 0

        wait_for(relayed, 10, interval=0, msg="the SETs relayed as sent")
        assert b"\x00" not in got[got.find(sets[0]):]
    finally:
        sub.close()
