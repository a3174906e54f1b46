"""Self-tests of the test harness (tests/lib): the RESP reader keeps wire
types apart, normalize/shape behave, wait_for is bounded. A fake server on
a local socket stands in for castor, so these run without any binary."""

import socket
import threading

import pytest

from castortest import WaitTimeout, wait_for
from resp import Err, Push, RespConn, encode_command, normalize, shape, to_py


@pytest.fixture
def fake():
    """A one-shot server: fake(reply_bytes, close=False) -> RespConn whose
    first request is answered with reply_bytes (then closed if asked)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    threads, conns = [], []

    def make(reply, close=False):
        def serve():
            s, _ = listener.accept()
            s.recv(65536)
            s.sendall(reply)
            if close:
                s.close()
            else:
                conns.append(s)
        t = threading.Thread(target=serve)
        t.start()
        threads.append(t)
        c = RespConn(listener.getsockname()[1], timeout=5)
        c.send("X")
        t.join(5)
        return c

    yield make
    for s in conns:
        s.close()
    listener.close()


RESP3_ALL = (b"*13\r\n+OK\r\n-ERR bad\r\n:-5\r\n$3\r\na\x00b\r\n$-1\r\n*-1\r\n_\r\n"
             b",3.25\r\n#t\r\n%1\r\n+k\r\n:1\r\n~2\r\n:1\r\n:2\r\n=7\r\ntxt:abc\r\n(12345\r\n")


def test_reader_keeps_every_wire_type(fake):
    c = fake(RESP3_ALL)
    node = c.read_node()
    assert node == ("*", [
        ("+", b"OK"), ("-", b"ERR bad"), (":", -5), ("$", b"a\x00b"), ("$", None), ("*", None),
        ("_", None), (",", b"3.25"), ("#", True), ("%", [(("+", b"k"), (":", 1))]),
        ("~", [(":", 1), (":", 2)]), ("=", b"txt:abc"), ("(", b"12345")])
    assert to_py(node) == ["OK", Err("ERR bad"), -5, b"a\x00b", None, None, None, 3.25, True,
                           {"k": 1}, {1, 2}, b"abc", 12345]


def test_simple_string_is_not_bulk(fake):
    c = fake(b"+OK\r\n$2\r\nOK\r\n")
    a, b = c.read_node(), c.read_node()
    assert a != b and to_py(a) != to_py(b)


def test_push_and_attribute(fake):
    c = fake(b">2\r\n$7\r\nmessage\r\n$1\r\nx\r\n|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n")
    push = to_py(c.read_node())
    assert isinstance(push, Push) and push == [b"message", b"x"]
    assert to_py(c.read_node()) == b"v"


def test_normalize_ignores_map_and_set_order_only():
    m1 = ("%", [(("+", b"a"), (":", 1)), (("+", b"b"), (":", 2))])
    m2 = ("%", [(("+", b"b"), (":", 2)), (("+", b"a"), (":", 1))])
    assert normalize(m1) == normalize(m2)
    a1, a2 = ("*", [(":", 1), (":", 2)]), ("*", [(":", 2), (":", 1)])
    assert normalize(a1) != normalize(a2)
    assert normalize(a1, unordered=True) == normalize(a2, unordered=True)
    assert shape(("*", [(":", 1), ("$", b"x")])) == ("*", [":", "$"])


def test_encode_command():
    assert encode_command("SET", b"k", 5) == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n5\r\n"


def test_closed_connection_is_reported(fake):
    c = fake(b"+OK\r\n", close=True)
    assert c.read_node() == ("+", b"OK")
    assert c.wait_closed(2)


def test_wait_for_is_bounded():
    assert wait_for(lambda: 42, timeout=1) == 42
    with pytest.raises(WaitTimeout, match="the impossible"):
        wait_for(lambda: False, timeout=0.05, msg="the impossible")
