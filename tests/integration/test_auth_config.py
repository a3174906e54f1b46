"""requirepass/AUTH texts, protected mode, CONFIG GET/SET/REWRITE."""

import pytest
import redis

from resp import Err, RespConn

NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."


# ---- AUTH -----------------------------------------------------------------------------

def test_requirepass_noauth_and_auth_texts(start_server):
    s = start_server({"requirepass": "sekret"})
    c = s.raw()  # raw() authenticates: open an unauthenticated one by hand
    u = RespConn(s.port)
    assert u.call("GET", "k") == Err(NOAUTH)
    assert u.call("PING") == Err(NOAUTH)
    assert u.call("AUTH", "wrong") == Err(WRONGPASS)
    assert u.call("AUTH", "default", "wrong") == Err(WRONGPASS)
    assert u.call("AUTH", "nouser", "sekret") == Err(WRONGPASS)
    assert u.call("AUTH") == Err("ERR wrong number of arguments for 'auth' command")
    assert u.call("AUTH", "a", "b", "c") == Err("ERR syntax error")
    assert u.call("HELLO", "3") == Err(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time")
    assert u.call("AUTH", "sekret") == "OK"
    assert u.call("SET", "k", "v") == "OK"
    assert c.call("GET", "k") == b"v"
    u.close()


def test_hello_auth_authenticates(start_server):
    s = start_server({"requirepass": "sekret"})
    u = RespConn(s.port)
    assert u.call("HELLO", "3", "AUTH", "default", "bad") == Err(WRONGPASS)
    reply = u.call("HELLO", "3", "AUTH", "default", "sekret")
    assert isinstance(reply, dict) and reply[b"proto"] == 3
    assert u.call("PING") == "PONG"


def test_auth_without_requirepass(server):
    c = server.raw()
    assert c.call("AUTH", "x") == Err(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?")
    assert c.call("AUTH", "default", "anything") == "OK"  # default user is 'nopass'


def test_requirepass_set_at_runtime_applies_to_new_connections(server):
    c = server.raw()
    assert c.call("CONFIG", "SET", "requirepass", "pw") == "OK"
    assert c.call("PING") == "PONG"  # already authenticated
    r = server.client()
    with pytest.raises(redis.AuthenticationError):
        r.get("k")
    assert server.client(password="pw").ping() is True
    assert c.call("CONFIG", "SET", "requirepass", "") == "OK"
    assert server.client().ping() is True


def test_protected_mode_defaults_to_yes(server):
    # Only loopback is reachable here, where protected mode never refuses.
    assert server.client().config_get("protected-mode") == {"protected-mode": "yes"}


# ---- CONFIG GET / SET ---------------------------------------------------------------------

def test_config_get_patterns_and_several_args(server):
    c = server.raw()
    got = c.call("CONFIG", "GET", "maxmemory*")
    pairs = dict(zip(got[::2], got[1::2]))
    assert {b"maxmemory", b"maxmemory-policy", b"maxmemory-samples"} <= set(pairs)
    assert pairs[b"maxmemory-policy"] == b"noeviction"
    got = c.call("CONFIG", "GET", "hz", "port", "nosuch")
    assert dict(zip(got[::2], got[1::2])) == {b"hz": b"10", b"port": str(server.port).encode()}
    assert c.call("CONFIG", "GET", "nosuch") == []
    assert c.call("CONFIG", "GET") == Err("ERR wrong number of arguments for 'config|get' command")


def test_config_set_multiple_is_atomic(server):
    """A bad value in the second pair leaves the first unchanged."""
    c = server.raw()
    assert c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru", "hz", "abc") == Err(
        "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be "
        "parsed into an integer")
    assert c.call("CONFIG", "GET", "maxmemory-policy") == [b"maxmemory-policy", b"noeviction"]
    assert c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru", "hz", "20") == "OK"
    assert c.call("CONFIG", "GET", "maxmemory-policy") == [b"maxmemory-policy", b"allkeys-lru"]
    assert c.call("CONFIG", "GET", "hz") == [b"hz", b"20"]


@pytest.mark.parametrize("args,err", [
    (("nosuch", "1"), "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"),
    (("daemonize", "yes"),
     "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"),
    (("maxmemory-policy", "bogus"),
     "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must "
     "be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, "
     "allkeys-lru, allkeys-lfu, allkeys-random, noeviction"),
    (("hz", "10", "hz", "20"),
     "ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter"),
    (("maxmemory", "lots"),
     "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a "
     "memory value"),
    (("client-query-buffer-limit", "1000"),
     "ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument "
     "must be between 1048576 and 9223372036854775807 inclusive"),
    (("appendonly", "maybe"),
     "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be "
     "'yes' or 'no'"),
    (("hz",), "ERR wrong number of arguments for 'config|set' command"),
    (("hz", "10", "maxmemory"), "ERR syntax error"),
])
def test_config_set_errors(server, args, err):
    c = server.raw()
    before = c.call("CONFIG", "GET", "*")
    assert c.call("CONFIG", "SET", *args) == Err(err)
    assert c.call("CONFIG", "GET", "*") == before


def test_config_set_clamps_hz(server):
    c = server.raw()
    assert c.call("CONFIG", "SET", "hz", "0") == "OK"
    assert c.call("CONFIG", "GET", "hz") == [b"hz", b"1"]
    assert c.call("CONFIG", "SET", "hz", "1000") == "OK"
    assert c.call("CONFIG", "GET", "hz") == [b"hz", b"500"]


def test_config_set_memory_units(server):
    c = server.raw()
    assert c.call("CONFIG", "SET", "maxmemory", "10mb") == "OK"
    assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"10485760"]
    assert c.call("CONFIG", "SET", "maxmemory", "1GB") == "OK"
    assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"1073741824"]
    assert c.call("CONFIG", "SET", "maxmemory", "0") == "OK"
    assert server.info("memory")["maxmemory"] == 0


# ---- CONFIG REWRITE -------------------------------------------------------------------------

CONFIG_TEXT = """# castor test config
# second comment line

maxmemory-policy allkeys-lru
# comment between directives
hz 15
   # indented comment
timeout 0
slowlog-max-len 64
"""


def test_config_rewrite_keeps_comments_and_order(start_server):
    s = start_server(config=CONFIG_TEXT)
    c = s.raw()
    assert c.call("CONFIG", "SET", "hz", "20", "maxmemory", "10mb") == "OK"
    assert c.call("CONFIG", "SET", "slowlog-max-len", "128") == "OK"
    assert c.call("CONFIG", "REWRITE") == "OK"
    with open(s.config_path) as f:
        lines = f.read().splitlines()
    comments = [l for l in lines if l.lstrip().startswith("#")]
    # (Redis strips the indentation of comment lines.)
    assert comments[:4] == ["# castor test config", "# second comment line",
                            "# comment between directives", "# indented comment"]
    # Changed values are rewritten in place, in the original order.
    idx = {key: i for i, l in enumerate(lines) for key in
           ("maxmemory-policy allkeys-lru", "hz 20", "slowlog-max-len 128",
            "# comment between directives", "# Generated by CONFIG REWRITE", "maxmemory 10mb")
           if l == key}
    assert (idx["maxmemory-policy allkeys-lru"] < idx["# comment between directives"]
            < idx["hz 20"] < idx["slowlog-max-len 128"]), lines
    # New settings are appended after Redis's marker line.
    assert idx["# Generated by CONFIG REWRITE"] < idx["maxmemory 10mb"], lines
    assert "hz 15" not in lines

    # The rewritten file starts a server with the same settings.
    s.stop()
    s.start()
    c = s.raw()
    assert c.call("CONFIG", "GET", "hz") == [b"hz", b"20"]
    assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"10485760"]


def test_config_rewrite_without_config_file_fails(server):
    assert server.raw().call("CONFIG", "REWRITE") == Err(
        "ERR The server is running without a config file")
