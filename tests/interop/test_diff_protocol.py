"""Differential tests of the request parser: malformed, odd and fragmented
input. Both servers get the same bytes on fresh connections; the replies
(error lines compared exactly) and whether the connection is then closed
must agree. Each case also states what Redis 7.0 does, so a failure reads
as a spec.

Redis quirks deliberately pinned here (castor should copy them: clients
and proxies in the wild depend on the exact bytes):
  * '*0' and '*-5' are silently ignored and the connection stays open;
  * the two bytes after a bulk payload are skipped without checking that
    they are CRLF ('$3\\r\\nfooXX' runs 'foo');
  * counts with a sign or leading zero ('*+1', '*01') are invalid;
  * a line not starting with '*' is an inline command, so a stray
    '$3\\r\\nfoo\\r\\n' runs two unknown commands.
"""

import pytest

from resp import Err, RespConn

PROTO = "ERR Protocol error: "

# (raw bytes, replies expected before close/idle, follow-up bytes or None,
#  expected first reply (error text) or None, closed afterwards)
CASES = [
    (b"*1\r\n$x\r\n", 1, None, PROTO + "invalid bulk length", True),
    (b"*-5\r\n", 0, b"PING\r\n", None, False),
    (b"*0\r\n", 0, b"PING\r\n", None, False),
    (b"$3\r\nfoo\r\n", 2, b"PING\r\n", "ERR unknown command '$3', with args beginning with: ", False),
    (b"*99999999999\r\n", 1, None, PROTO + "invalid multibulk length", True),
    (b"*2147483648\r\n", 1, None, PROTO + "invalid multibulk length", True),
    (b"*1\r\n$2147483648\r\n", 1, None, PROTO + "invalid bulk length", True),
    (b"*1\r\n$536870913\r\n", 1, None, PROTO + "invalid bulk length", True),  # > proto-max-bulk-len
    (b"*1\r\n$536870912\r\n", 0, None, None, False),  # == limit: waits for the payload
    (b"*2147483647\r\n", 0, None, None, False),       # waits for the arguments
    (b'set "a b\r\n', 1, None, PROTO + "unbalanced quotes in request", True),
    (b"set 'a b\r\n", 1, None, PROTO + "unbalanced quotes in request", True),
    (b'set "a"b c\r\n', 1, None, PROTO + "unbalanced quotes in request", True),
    (b"*1\r\nfoo\r\n", 1, None, PROTO + "expected '$', got 'f'", True),
    (b"*2\r\n$3\r\nGET\r\n:1\r\n", 1, None, PROTO + "expected '$', got ':'", True),
    (b"*1\r\n$-1\r\n", 1, None, PROTO + "invalid bulk length", True),
    (b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$-1\r\n", 1, None, PROTO + "invalid bulk length", True),
    (b"*1\r\n$3\r\nfooXX", 1, b"PING\r\n", "ERR unknown command 'foo', with args beginning with: ", False),
    (b"*x\r\n", 1, None, PROTO + "invalid multibulk length", True),
    (b"*\r\n", 1, None, PROTO + "invalid multibulk length", True),
    (b"*+1\r\n$4\r\nPING\r\n", 1, None, PROTO + "invalid multibulk length", True),
    (b"*01\r\n$4\r\nPING\r\n", 1, None, PROTO + "invalid multibulk length", True),
    (b"*1\r\n$+4\r\nPING\r\n", 1, None, PROTO + "invalid bulk length", True),
    (b"*1\r\n$ 4\r\nPING\r\n", 1, None, PROTO + "invalid bulk length", True),
    (b"*1\n$4\r\nPING\r\n", 1, None, PROTO + "invalid multibulk length", True),
    (b"*1\r\n$4\nPING\r\n", 1, None, PROTO + "invalid bulk length", True),
    (b"x" * 70000, 1, None, PROTO + "too big inline request", True),
    (b"*" + b"1" * 70000, 1, None, PROTO + "too big mbulk count string", True),
    (b"*1\r\n$" + b"1" * 70000, 1, None, PROTO + "too big bulk count string", True),
    (b"*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n", 2, None, None, True),  # PONG, then the error
    (b"\r\n\r\nPING\r\n", 1, None, None, False),
    (b"PING\n", 1, None, None, False),
    (b"  PING   a  \r\n", 1, None, None, False),
    (b'set "a\\x41" "\\n\\t\\"q"\r\nget aA\r\n', 2, None, None, False),
    (b"set 'it''s' x\r\n", 1, None, None, True),
    (b"set 'a\\'b' x\r\nget \"a'b\"\r\n", 2, None, None, False),
    (b"*1\r\n$0\r\n\r\n", 1, None, "ERR unknown command '', with args beginning with: ", False),
    (b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", 1, None, None, False),
    (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", 2, None, None, False),
]


@pytest.mark.parametrize("data,replies,then,first,closed", CASES,
                         ids=[repr(c[0][:24]) for c in CASES])
def test_malformed_request(pair, data, replies, then, first, closed):
    nodes, was_closed = pair.raw_both(data, replies=replies, then=then)
    if first is not None:
        assert nodes[0] == ("-", first.encode())
    assert was_closed == closed


def test_error_line_then_close_example(pair):
    nodes, closed = pair.raw_both(b"*1\r\n$x\r\n", replies=1)
    assert nodes == [("-", b"ERR Protocol error: invalid bulk length")] and closed


def test_server_survives_malformed_input(pair):
    """All the cases at once, connections dropped without reading."""
    for srv in (pair.castor, pair.redis):
        conns = [RespConn(srv.port) for _ in CASES]
        for c, (data, *_) in zip(conns, CASES):
            c.send_raw(data)
        for c in conns:
            c.close()
    assert pair.check("PING") == "PONG"


# ---- fragmented and pipelined input -------------------------------------------------

def test_request_split_byte_by_byte(pair):
    req = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"
    nodes, closed = pair.raw_both([req[i:i + 1] for i in range(len(req))], replies=2)
    assert nodes == [("+", b"OK"), ("$", b"value")] and not closed


def test_inline_split_across_writes(pair):
    nodes, _ = pair.raw_both([b"EC", b"HO hel", b"lo\r", b"\nPI", b"NG\r\n"], replies=2)
    assert nodes == [("$", b"hello"), ("+", b"PONG")]


def test_mixed_inline_and_multibulk_pipeline(pair):
    data = b"PING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\nECHO y\r\n*1\r\n$4\r\nPING\r\n"
    nodes, _ = pair.raw_both(data, replies=4)
    assert nodes == [("+", b"PONG"), ("$", b"x"), ("$", b"y"), ("+", b"PONG")]


def test_large_bulk_split_in_pieces(pair):
    payload = bytes(range(256)) * 400
    req = b"*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$%d\r\n%s\r\n*2\r\n$6\r\nSTRLEN\r\n$1\r\nb\r\n" % (len(payload), payload)
    pieces = [req[i:i + 7001] for i in range(0, len(req), 7001)]
    nodes, _ = pair.raw_both(pieces, replies=2)
    assert nodes == [("+", b"OK"), (":", len(payload))]


def test_resp3_connection_errors_are_the_same(pair):
    nodes, closed = pair.raw_both(b"*1\r\n$x\r\n", replies=1, proto=3)
    assert closed


# ---- unauthenticated limits ------------------------------------------------------------

def test_unauthenticated_request_limits(make_pair):
    """Before AUTH, Redis accepts at most 10 arguments and 16 KiB bulks
    (protects against memory abuse by unauthenticated peers)."""
    p = make_pair({"requirepass": "pw"})
    nodes, closed = p.raw_both(b"*11\r\n", replies=1)
    assert nodes == [("-", b"ERR Protocol error: unauthenticated multibulk length")] and closed
    nodes, closed = p.raw_both(b"*1\r\n$16385\r\n", replies=1)
    assert nodes == [("-", b"ERR Protocol error: unauthenticated bulk length")] and closed
    p.raw_both(b"*10\r\n", replies=0)
    p.raw_both(b"*1\r\n$16384\r\n", replies=0)
    nodes, closed = p.raw_both(b"GET k\r\n", replies=1)
    assert nodes == [("-", b"NOAUTH Authentication required.")] and not closed
    p.raw_both(b"AUTH pw\r\n*11\r\n$3\r\nDEL\r\n" + b"$1\r\nk\r\n" * 10, replies=2)
    assert p.check("AUTH", "pw") == "OK"
    assert p.check("AUTH", "bad") == Err("WRONGPASS invalid username-password pair or user is disabled.")
