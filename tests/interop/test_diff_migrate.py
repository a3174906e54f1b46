"""Differential tests of MIGRATE and RESTORE-ASKING: castor and redis-server
each migrate to a target of their own kind (castor -> castor, redis ->
redis) and must give the same replies, leave the same keys behind and put
the same values (DEBUG DIGEST-VALUE), TTLs and databases on the target.
Redis's words are pinned too: +NOKEY, -IOERR for connect/read failures,
"ERR Target instance replied with error: ..." for the target's refusals.
"""

import socket
import threading

import pytest

from castortest import CASTOR_SERVER, REDIS_SERVER, Server, wait_for
from resp import Err, RespConn


@pytest.fixture
def targets(tmp_path):
    """(castor target, redis target), in the order of the pair's sides."""
    made = [Server(tmp_path / "tc", binary=CASTOR_SERVER, name="castor-target"),
            Server(tmp_path / "tr", binary=REDIS_SERVER, name="redis-target")]
    try:
        for s in made:
            s.start()
        yield made
    finally:
        for s in made:
            s.stop()


def both(pair, targets, *args):
    """MIGRATE <target host port> args on each side, to its own target."""
    out = []
    for conn, t in zip((pair.conn("castor"), pair.conn("redis")), targets):
        out.append(conn.call("MIGRATE", "127.0.0.1", str(t.port), *args))
    assert_same(out, args)
    return out[0]


def assert_same(out, args):
    a, b = out
    if isinstance(a, Err) or isinstance(b, Err):
        assert type(a) is type(b) and str(a) == str(b), (args, a, b)
    else:
        assert a == b, (args, a, b)


def on_targets(targets, *args, db=0):
    out = []
    for t in targets:
        c = RespConn(t.port, password=t.password)
        try:
            if db:
                c.call("SELECT", str(db))
            out.append(c.call(*args))
        finally:
            c.close()
    assert_same(out, args)
    return out[0]


def fill(pair):
    pair.same([
        ("SET", "str", "v"), ("RPUSH", "list", "a", "b", "c"), ("HSET", "hash", "f", "v", "g", "w"),
        ("SADD", "set", "x", "y", "1"), ("ZADD", "zset", "1", "m", "2.5", "n"),
        ("PFADD", "hll", "a", "b", "c"), ("SET", "ttl", "t"), ("PEXPIRE", "ttl", "100000"),
    ])


def test_migrate_argument_errors(pair, targets):
    fill(pair)
    pair.check("MIGRATE", "127.0.0.1", "1", "str", "0")  # arity
    for extra in (("BOGUS",), ("AUTH",), ("AUTH2", "u"), ("COPY", "AUTH2"), ("KEYS",)):
        both(pair, targets, "str", "0", "1000", *extra)
    both(pair, targets, "str", "0", "1000", "KEYS", "list")  # key must be ""
    both(pair, targets, "str", "x", "1000")
    both(pair, targets, "str", "0", "1.5")
    both(pair, targets, "str", "0", "99999999999999999999")
    assert both(pair, targets, "nosuchkey", "0", "1000") == "NOKEY"
    assert both(pair, targets, "", "0", "1000", "KEYS", "a", "b") == "NOKEY"
    # Options are checked before the numbers, the numbers before the keys.
    both(pair, targets, "nosuchkey", "x", "1000", "BOGUS")


def test_migrate_moves_every_type_with_ttl_and_db(pair, targets):
    fill(pair)
    digests = pair.check("DEBUG", "DIGEST-VALUE", "str", "list", "hash", "set", "zset", "hll")
    for key in ("str", "list", "hash", "set", "zset", "hll"):
        assert both(pair, targets, key, "5", "2000") == "OK"
    assert both(pair, targets, "ttl", "5", "2000") == "OK"
    assert pair.check("DBSIZE") == 0
    assert on_targets(targets, "DEBUG", "DIGEST-VALUE", "str", "list", "hash", "set", "zset",
                      "hll", db=5) == digests
    for t in targets:
        c = RespConn(t.port)
        c.call("SELECT", "5")
        assert 90000 < c.call("PTTL", "ttl") <= 100000
        assert c.call("PTTL", "str") == -1
        c.close()
    assert on_targets(targets, "DBSIZE") == 0


def test_migrate_copy_replace_and_busykey(pair, targets):
    fill(pair)
    assert both(pair, targets, "str", "0", "1000", "COPY") == "OK"
    assert pair.check("GET", "str") == b"v"
    err = both(pair, targets, "str", "0", "1000", "COPY")
    assert str(err) == ("ERR Target instance replied with error: "
                        "BUSYKEY Target key name already exists.")
    pair.check("SET", "str", "new")
    assert both(pair, targets, "str", "0", "1000", "REPLACE") == "OK"
    assert pair.check("EXISTS", "str") == 0
    assert on_targets(targets, "GET", "str") == b"new"


def test_migrate_keys_option_moves_only_existing_and_acked(pair, targets):
    fill(pair)
    on_targets(targets, "SET", "list", "already-there")
    # "list" is refused (BUSYKEY); the others move; a missing key is skipped.
    err = both(pair, targets, "", "0", "1000", "KEYS", "str", "missing", "list", "hash")
    assert str(err).startswith("ERR Target instance replied with error: BUSYKEY")
    pair.check("EXISTS", "str", "hash", "list")
    assert on_targets(targets, "EXISTS", "str", "hash") == 2
    assert both(pair, targets, "", "0", "1000", "REPLACE", "KEYS", "list", "set") == "OK"
    assert pair.check("DBSIZE") == 3


def test_migrate_auth_and_auth2(pair, targets):
    fill(pair)
    for t in targets:
        RespConn(t.port).call("CONFIG", "SET", "requirepass", "sekret")
        t.password = "sekret"
    # Without AUTH the target refuses the SELECT.
    err = both(pair, targets, "str", "0", "1000")
    assert str(err).startswith("ERR Target instance replied with error: NOAUTH")
    err = both(pair, targets, "str", "0", "1000", "AUTH", "wrong")
    assert "WRONGPASS" in str(err)
    assert both(pair, targets, "str", "0", "1000", "AUTH", "sekret") == "OK"
    assert both(pair, targets, "list", "0", "1000", "AUTH2", "default", "sekret") == "OK"
    err = both(pair, targets, "hash", "0", "1000", "AUTH2", "nobody", "sekret")
    assert "WRONGPASS" in str(err)
    # As in Redis: the cached connection stays authenticated after the failed
    # AUTH, so the RESTORE went through, yet the error is what the client
    # gets and the source keeps the key.
    assert on_targets(targets, "EXISTS", "str", "list", "hash") == 3
    assert pair.check("EXISTS", "hash") == 1
    # The password does not reach the slow log.
    pair.check("CONFIG", "SET", "slowlog-log-slower-than", "0")
    both(pair, targets, "set", "0", "1000", "AUTH2", "default", "sekret")
    for side in ("castor", "redis"):
        entry = pair.conn(side).call("SLOWLOG", "GET", "1")[0]
        assert b"sekret" not in entry[3] and entry[3][-2:] == [b"(redacted)", b"(redacted)"]
    pair.check("CONFIG", "SET", "slowlog-log-slower-than", "10000")


def test_migrate_io_errors(pair):
    pair.check("SET", "k", "v")
    # A host that does not resolve: -IOERR at connect.
    err = pair.check("MIGRATE", "no.such.host.invalid", "6379", "k", "0", "300")
    assert isinstance(err, Err) and str(err) == "IOERR error or timeout connecting to the client"
    # Nobody listens: as Redis, the refusal shows at the first write.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    err = pair.check("MIGRATE", "127.0.0.1", str(port), "k", "0", "300")
    assert str(err) == "IOERR error or timeout writing to target instance"
    # A target that accepts and never answers: -IOERR reading, within the
    # timeout, and the key stays.
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        lst.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(lst.accept()[0])
            except OSError:
                pass
    th = threading.Thread(target=accept, daemon=True)
    th.start()
    try:
        err = pair.check("MIGRATE", "127.0.0.1", str(lst.getsockname()[1]), "k", "0", "200")
        assert str(err) == "IOERR error or timeout reading to target instance"
        assert pair.check("EXISTS", "k") == 1
    finally:
        stop.set()
        th.join()
        for c in held:
            c.close()
        lst.close()


def test_migrate_caches_connections_and_reselects(pair, targets):
    fill(pair)
    before = [s.info("stats")["migrate_cached_sockets"] for s in (pair.castor, pair.redis)]
    assert before[0] == before[1]
    assert both(pair, targets, "str", "3", "1000") == "OK"
    # The same connection; a new SELECT when the db changes.
    assert both(pair, targets, "list", "4", "1000") == "OK"
    assert both(pair, targets, "hash", "3", "1000") == "OK"
    for srv in (pair.castor, pair.redis):
        assert srv.info("stats")["migrate_cached_sockets"] == before[0] + 1
    assert on_targets(targets, "EXISTS", "str", "hash", db=3) == 2
    assert on_targets(targets, "EXISTS", "list", db=4) == 1
    for t in targets:  # the migration link and the fixture's client
        wait_for(lambda: t.info("clients")["connected_clients"] == 2, 5)
    # A target that closed the cached connection: one silent retry.
    for t in targets:
        RespConn(t.port).call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    assert both(pair, targets, "set", "3", "1000") == "OK"


def test_migrate_cached_connection_closed_after_idle(pair, targets):
    pair.check("SET", "k", "v")
    assert both(pair, targets, "k", "0", "1000") == "OK"
    wait_for(lambda: all(s.info("stats")["migrate_cached_sockets"] == 0
                         for s in (pair.castor, pair.redis)), 20,
             msg="MIGRATE connections not closed after 10 s idle")


def test_migrate_propagates_as_del(pair, targets):
    fill(pair)
    # A "del" event per moved key, in order (MIGRATE goes out as DEL).
    for side, t in zip(("castor", "redis"), targets):
        c = pair.conn(side)
        sub = RespConn(pair.castor.port if side == "castor" else pair.redis.port)
        c.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
        sub.call("PSUBSCRIBE", "__keyevent@0__:*")
        assert c.call("MIGRATE", "127.0.0.1", str(t.port), "", "0", "1000", "KEYS", "str",
                      "list") == "OK"
        events = [sub.read()[2:] for _ in range(2)]
        assert events == [[b"__keyevent@0__:del", b"str"], [b"__keyevent@0__:del", b"list"]], \
            (side, events)
        c.call("CONFIG", "SET", "notify-keyspace-events", "")
        sub.close()


def test_restore_asking(pair):
    pair.check("SET", "k", "v")
    payload = pair.check("DUMP", "k")
    pair.check("RESTORE-ASKING", "k", "0", payload)
    assert pair.check("RESTORE-ASKING", "k2", "0", payload) == "OK"
    pair.check("RESTORE-ASKING", "k2", "0", payload, "REPLACE")
    pair.check("RESTORE-ASKING", "k3", "0", b"garbage")
    pair.check("GET", "k2")
    pair.check("COMMAND", "INFO", "restore-asking", "migrate")
    pair.check("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "1")
    pair.check("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "1", "AUTH", "keys", "KEYS",
               "a", "b")
