"""resp.py -- a small raw-socket RESP2/RESP3 client for tests.

redis-py 4.3.4 speaks only RESP2 and hides wire types (a simple string and a
bulk string both come back as bytes). Tests that compare castor with
redis-server byte for byte use this client instead.

A reply is read as a *node*: a tuple (kind, value) whose kind is the RESP
type byte as a one-character str, so the wire type is never lost:

    '+' simple string  value: bytes          '-' error          value: bytes
    '$' bulk string    value: bytes | None   ':' integer        value: int
    '*' array          value: [node] | None  '%' map  value: [(node, node)]
    '~' set            value: [node]         '>' push           value: [node]
    ',' double         value: bytes (as sent, e.g. b'1.5', b'inf')
    '#' boolean        value: bool           '_' null           value: None
    '=' verbatim       value: bytes (with its 'txt:' prefix)
    '(' big number     value: bytes
    '|' attribute      value: ([(node, node)], node) -- the attrs, then the reply

('$', None) is RESP2's null bulk and ('*', None) its null array.
to_py() turns a node into a plain Python value (see there), and
normalize() makes two nodes comparable when order carries no meaning.

Not here: starting servers (castortest.py), the pair comparisons
(tests/interop/conftest.py).
"""

import socket
import time


class ProtocolError(Exception):
    """The server sent bytes that are not RESP."""


class Err(Exception):
    """An error reply as a plain value (to_py() returns it, never raises it).

    Two Err compare equal when their texts are equal."""

    def __init__(self, message):
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        super().__init__(message)
        self.message = message

    @property
    def code(self):
        return self.message.split(" ", 1)[0]

    def __eq__(self, other):
        return isinstance(other, Err) and other.message == self.message

    def __hash__(self):
        return hash(self.message)

    def __repr__(self):
        return "Err(%r)" % self.message


class Push(list):
    """A RESP3 push message (pub/sub, invalidation, MONITOR in RESP3)."""


def encode_command(*args):
    """Encode args (str, bytes, int or float) as one RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)) and not isinstance(a, bool):
            a = repr(a).encode()
        elif not isinstance(a, (bytes, bytearray)):
            raise TypeError("cannot encode %r" % (a,))
        out.append(b"$%d\r\n" % len(a))
        out.append(bytes(a))
        out.append(b"\r\n")
    return b"".join(out)


def to_py(node):
    """Convert a node to a plain Python value.

    simple string -> str, bulk -> bytes, error -> Err (not raised),
    integer -> int, double -> float, boolean -> bool, any null -> None,
    array -> list, set -> set (list if members are unhashable),
    map -> dict (list of pairs if keys are unhashable), push -> Push,
    verbatim -> bytes without the format prefix, big number -> int,
    attribute -> the reply it annotates."""
    kind, v = node
    if kind == "+":
        return v.decode("utf-8", "replace")
    if kind in "$:#_":
        return v
    if kind == "-":
        return Err(v)
    if kind == ",":
        return float(v)
    if kind == "(":
        return int(v) if v.strip().lstrip(b"-").isdigit() else v   # a script may send any text
    if kind == "=":
        return v[4:]
    if kind == "*":
        return None if v is None else [to_py(x) for x in v]
    if kind == ">":
        return Push(to_py(x) for x in v)
    if kind == "~":
        items = [to_py(x) for x in v]
        try:
            return set(items)
        except TypeError:
            return items
    if kind == "%":
        pairs = [(to_py(k), to_py(x)) for k, x in v]
        try:
            return dict(pairs)
        except TypeError:
            return pairs
    if kind == "|":
        return to_py(v[1])
    raise ValueError("unknown node kind %r" % kind)


def _sort_key(node):
    return repr(node)


# Redis 7.0's numeric SORT tests errno after strtod() without clearing it
# first, so an ERANGE an earlier command left ("ZADD k 1e400 m") fails a
# later SORT with "One or more scores can't be converted into double". This
# ZADD XX on a missing key parses its score (getDoubleFromObject sets errno
# to 0) and changes nothing: sent before a numeric SORT on both sides, it
# clears that leftover on Redis's and is a no-op on castor's.
CLEAR_REDIS_ERRNO = ("ZADD", "__errno", "XX", "0", "m")


def normalize(node, unordered=False):
    """Return node with map pairs and set members sorted (their order means
    nothing in RESP3), and, if unordered, array elements too, recursively.
    Apply to both sides before comparing."""
    kind, v = node
    if kind in "*>~" and v is not None:
        items = [normalize(x, unordered) for x in v]
        if kind == "~" or unordered:
            items.sort(key=_sort_key)
        return (kind, items)
    if kind == "%":
        pairs = [(normalize(k, unordered), normalize(x, unordered)) for k, x in v]
        pairs.sort(key=_sort_key)
        return (kind, pairs)
    if kind == "|":
        return (kind, (normalize(("%", v[0]), unordered)[1], normalize(v[1], unordered)))
    return node


def shape(node):
    """Replace every leaf value by its kind: ('$', b'x') -> '$'. Containers
    keep their structure (map keys keep their values, so the shape of a map
    is {key: shape}). Use where values are non-deterministic."""
    kind, v = node
    if kind in "*>~":
        return (kind, None if v is None else [shape(x) for x in v])
    if kind == "%":
        return (kind, sorted(((k, shape(x)) for k, x in v), key=_sort_key))
    if kind == "|":
        return shape(v[1])
    if kind == "$" and v is None:
        return ("$", None)
    return kind


def fmt(node):
    """Render a node readably for assertion messages."""
    kind, v = node
    if kind in "*>~":
        if v is None:
            return "*(nil)"
        return kind + "[" + ", ".join(fmt(x) for x in v) + "]"
    if kind == "%":
        return "%{" + ", ".join(fmt(k) + ": " + fmt(x) for k, x in v) + "}"
    if kind == "|":
        return "|attrs " + fmt(("%", v[0])) + " " + fmt(v[1])
    return kind + repr(v)


class RespConn:
    """One raw connection. password: sent with AUTH on connect. protocol=3
    sends HELLO 3 on connect and keeps its reply in .hello. All reads are
    bounded by 'timeout' seconds."""

    MAX_LINE = 1 << 20

    def __init__(self, port, host="127.0.0.1", timeout=10.0, protocol=2, password=None):
        self.port = port
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.hello = None
        if password is not None:
            reply = self.call_node("AUTH", password)
            if reply != ("+", b"OK"):
                raise ProtocolError("AUTH failed: %s" % fmt(reply))
        if protocol == 3:
            self.hello = self.call_node("HELLO", "3")
            if self.hello[0] != "%":
                raise ProtocolError("HELLO 3 failed: %s" % fmt(self.hello))

    # -- sending

    def send(self, *args):
        self.sock.sendall(encode_command(*args))

    def send_raw(self, data):
        self.sock.sendall(data)

    # -- reading

    def _fill(self):
        try:
            chunk = self.sock.recv(1 << 16)
        except socket.timeout:
            raise TimeoutError("no reply from port %d within %.1fs" % (self.port, self.timeout))
        if not chunk:
            raise ConnectionError("connection closed by server (port %d)" % self.port)
        self.buf += chunk

    def read_line(self):
        """Read one CRLF-terminated line; return it without the CRLF."""
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[: i + 2]
                return line
            if len(self.buf) > self.MAX_LINE:
                raise ProtocolError("line longer than %d bytes" % self.MAX_LINE)
            self._fill()

    def _read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def read_node(self):
        """Read one reply as a typed node (see the module docstring)."""
        line = self.read_line()
        if not line:
            raise ProtocolError("empty reply line")
        kind, rest = chr(line[0]), line[1:]
        if kind in "+-":
            return (kind, rest)
        if kind == ":":
            return (kind, int(rest))
        if kind in "$=":
            n = int(rest)
            if n < 0:
                return ("$", None) if kind == "$" else (kind, None)
            data = self._read_exact(n + 2)
            if data[-2:] != b"\r\n":
                raise ProtocolError("bulk not terminated by CRLF")
            return (kind, data[:-2])
        if kind in ",(":
            return (kind, rest)
        if kind == "#":
            if rest not in (b"t", b"f"):
                raise ProtocolError("bad boolean %r" % rest)
            return (kind, rest == b"t")
        if kind == "_":
            return (kind, None)
        if kind in "*~>":
            n = int(rest)
            if n < 0:
                return (kind, None)
            return (kind, [self.read_node() for _ in range(n)])
        if kind == "%":
            n = int(rest)
            return (kind, [(self.read_node(), self.read_node()) for _ in range(n)])
        if kind == "|":
            n = int(rest)
            attrs = [(self.read_node(), self.read_node()) for _ in range(n)]
            return (kind, (attrs, self.read_node()))
        raise ProtocolError("unknown reply type byte %r in %r" % (kind, line[:80]))

    def read(self):
        return to_py(self.read_node())

    # -- request/reply

    def call_node(self, *args):
        self.send(*args)
        return self.read_node()

    def call(self, *args):
        """Send one command; return its reply as a plain value (errors come
        back as Err values, not raised)."""
        self.send(*args)
        return self.read()

    def pipeline(self, cmds):
        """Send all cmds in one write; return their replies as nodes."""
        self.send_raw(b"".join(encode_command(*c) for c in cmds))
        return [self.read_node() for _ in cmds]

    def wait_closed(self, timeout=5.0):
        """Return True if the server closes the connection within timeout
        (any bytes still buffered or arriving are discarded)."""
        deadline = time.monotonic() + timeout
        self.buf.clear()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            finally:
                self.sock.settimeout(self.timeout)
            if not chunk:
                return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
