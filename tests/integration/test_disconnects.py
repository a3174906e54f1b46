"""Clients closed while the server still holds them somewhere: blocked on a
key or in WAIT, in MULTI with WATCHed keys, subscribed, paused, in the
middle of being served, monitoring (the CVE-2026-23479 class: a freed client
reached again through a list that still held it).

castor never frees a client while a command runs -- CLIENT KILL and the
output-buffer limits only mark it, and the before-sleep hook frees it --
so each test kills or overflows a client at the worst moment and then
drives the structure that held it. The integration layer runs the ASan
build: a use-after-free fails the test through the sanitizer report."""

import time

import pytest

from castortest import wait_for
from resp import RespConn


def client_id(c):
    return c.call("CLIENT", "ID")


def blocked_count(r):
    return r.info("clients")["blocked_clients"]


def connected(r):
    return r.info("clients")["connected_clients"]


def gone(server, c):
    """c was closed by the server (any bytes it still had are dropped)."""
    return c.wait_closed(5)


@pytest.mark.parametrize("cmd", [("BLPOP", "k", "0"), ("BLMOVE", "k", "d", "LEFT", "LEFT", "100"),
                                 ("BZPOPMIN", "k", "0"), ("BLMPOP", "0", "2", "k", "k2", "LEFT")])
def test_killed_blocked_client_is_never_served(server, cmd):
    """CLIENT KILL of a blocked client, then a push to its key: the element
    stays for the next reader and the waiter lists are clean."""
    r = server.client()
    a = server.raw()
    aid = client_id(a)
    a.send(*cmd)
    wait_for(lambda: blocked_count(r) == 1, timeout=5)
    assert r.client_kill_filter(_id=aid) == 1
    assert gone(server, a)
    if cmd[0] == "BZPOPMIN":
        r.zadd("k", {"m": 1})
        assert r.zcard("k") == 1
    else:
        r.rpush("k", "v")
        assert r.llen("k") == 1
    assert blocked_count(r) == 0
    b = server.raw()
    b.send(*cmd)
    assert b.read() is not None


def test_kill_and_push_in_one_transaction(server):
    """The push is served after EXEC, by which time the blocked client is
    marked closing: it must not take the element (Redis frees it at once,
    so the element stays there too)."""
    r = server.client()
    a, b = server.raw(), server.raw()
    a.send("BLPOP", "k", "0")
    wait_for(lambda: blocked_count(r) == 1, timeout=5)
    aid = client_id_of(r, a)
    assert b.call("MULTI") == "OK"
    b.call("RPUSH", "k", "v")
    b.call("CLIENT", "KILL", "ID", str(aid))
    b.call("RPUSH", "k", "w")
    assert b.call("EXEC") == [1, 1, 2]
    assert gone(server, a)
    assert r.lrange("k", 0, -1) == [b"v", b"w"]
    assert blocked_count(r) == 0


def client_id_of(r, conn):
    """The id of a raw connection that is busy (blocked): by its port."""
    port = conn.sock.getsockname()[1]
    for c in r.client_list():
        if c["addr"].endswith(":%d" % port):
            return int(c["id"])
    raise AssertionError("no client on port %d" % port)


def test_client_closed_by_output_limit_while_being_unblocked(start_server):
    """The served reply overflows the client's output limit: it is closed
    in the middle of being unblocked, with more of its pipeline queued."""
    srv = start_server(directives={"client-output-buffer-limit": "normal 1kb 0 0"})
    r = srv.client()
    a = srv.raw()
    a.send_raw(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n"
               b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n")
    wait_for(lambda: blocked_count(r) == 1, timeout=5)
    r.rpush("k", "x" * 40000, "y")
    assert gone(srv, a)
    assert r.lrange("k", 0, -1) == [b"y"]
    assert blocked_count(r) == 0
    assert r.info("stats")["client_output_buffer_limit_disconnections"] == 1


def test_killed_client_with_deadline_and_unblock(server):
    """A killed client's deadline and CLIENT UNBLOCK of a closing client."""
    r = server.client()
    a, b = server.raw(), server.raw()
    a.send("BLPOP", "k", "0.3")
    b.send("BRPOP", "k", "0")
    wait_for(lambda: blocked_count(r) == 2, timeout=5)
    aid, bid = client_id_of(r, a), client_id_of(r, b)
    c = server.raw()
    assert c.call("MULTI") == "OK"
    c.call("CLIENT", "KILL", "ID", str(aid))
    c.call("CLIENT", "KILL", "ID", str(bid))
    c.call("CLIENT", "UNBLOCK", str(bid), "ERROR")
    res = c.call("EXEC")
    assert res[:2] == [1, 1]
    assert gone(server, a) and gone(server, b)
    time.sleep(0.4)   # past a's deadline: the timer must find nothing to time out
    assert r.ping() is True
    assert blocked_count(r) == 0


def test_killed_client_in_wait(server):
    r = server.client()
    a = server.raw()
    a.send("SET", "k", "v")
    assert a.read() == "OK"
    a.send("WAIT", "1", "0")
    wait_for(lambda: blocked_count(r) == 1, timeout=5)
    assert r.client_kill_filter(_id=client_id_of(r, a)) == 1
    assert gone(server, a)
    r.set("k", "w")
    assert r.execute_command("WAIT", "0", "10") == 0
    assert blocked_count(r) == 0


def test_killed_client_in_multi_with_watched_keys(server):
    r = server.client()
    a = server.raw()
    aid = client_id(a)
    assert a.call("WATCH", "k1", "k2") == "OK"
    assert a.call("MULTI") == "OK"
    assert a.call("SET", "k1", "x") == "QUEUED"
    assert r.client_kill_filter(_id=aid) == 1
    assert gone(server, a)
    r.set("k1", "touched")     # walks the watchers of k1
    r.delete("k2")
    r.flushall()               # touches every watched key
    assert r.get("k1") is None
    assert connected(r) == 1


def test_client_kills_itself_inside_exec(server):
    r = server.client()
    a = server.raw()
    aid = client_id(a)
    assert a.call("WATCH", "k") == "OK"
    assert a.call("MULTI") == "OK"
    a.call("SET", "k", "1")
    a.call("CLIENT", "KILL", "ID", str(aid), "SKIPME", "no")
    a.call("SET", "k", "2")
    a.send("EXEC")
    reply = a.read()
    assert reply == ["OK", 1, "OK"]
    assert gone(server, a)
    assert r.get("k") == b"2"


def test_subscribers_closed_by_output_limit_during_publish(start_server):
    """Three subscribers that never read overflow the pubsub limit during
    one PUBLISH fan-out; the next PUBLISH must find none of them."""
    srv = start_server(directives={"client-output-buffer-limit": "pubsub 1kb 0 0"})
    r = srv.client()
    subs = []
    for i in range(3):
        s = srv.raw()
        s.send("SUBSCRIBE", "ch")
        assert s.read()[0] == b"subscribe"
        s.send("PSUBSCRIBE", "c*")
        assert s.read()[0] == b"psubscribe"
        subs.append(s)
    assert r.publish("ch", "x" * 40000) == 6
    for s in subs:
        assert gone(srv, s)
    assert r.publish("ch", "x") == 0
    assert r.execute_command("PUBSUB", "NUMSUB", "ch") == [b"ch", 0]
    assert r.execute_command("PUBSUB", "NUMPAT") == 0


def test_killed_subscriber_and_monitor(server):
    r = server.client()
    s, m = server.raw(), server.raw()
    sid = client_id(s)
    mid = client_id(m)
    s.send("SUBSCRIBE", "ch")
    s.read()
    assert m.call("MONITOR") == "OK"
    c = server.raw()
    assert c.call("MULTI") == "OK"
    c.call("PUBLISH", "ch", "a")
    c.call("CLIENT", "KILL", "ID", str(sid))
    c.call("CLIENT", "KILL", "ID", str(mid))
    c.call("PUBLISH", "ch", "b")
    c.call("SET", "k", "v")          # not fed to the killed monitor
    assert c.call("EXEC") == [1, 1, 1, 0, "OK"]   # as Redis: the killed subscriber is gone
    assert gone(server, s) and gone(server, m)
    assert r.publish("ch", "c") == 0
    r.set("k", "w")                  # no monitor left to feed
    assert r.get("k") == b"w"


def test_killed_client_paused_by_client_pause(server):
    r = server.client()
    assert r.execute_command("CLIENT", "PAUSE", "10000", "WRITE") == b"OK"
    a = server.raw()
    aid = client_id(a)
    a.send("SET", "k", "v")
    wait_for(lambda: any(c["id"] == str(aid) and "b" in c["flags"]
                         for c in r.client_list()), timeout=5)
    assert r.client_kill_filter(_id=aid) == 1
    assert gone(server, a)
    assert r.execute_command("CLIENT", "UNPAUSE") == b"OK"
    assert r.get("k") is None
    r.set("k", "w")
    assert r.get("k") == b"w"


def test_kill_every_kind_of_client_at_once(server):
    """Blocked, in MULTI, subscribed, monitoring and idle clients killed by
    one CLIENT KILL TYPE normal, with writes that would reach each."""
    r = server.client()
    conns = [server.raw() for _ in range(5)]
    conns[0].send("BLPOP", "k", "0")
    conns[1].call("WATCH", "k")
    conns[1].call("MULTI")
    conns[2].send("SUBSCRIBE", "ch")
    conns[2].read()
    conns[3].call("MONITOR")
    wait_for(lambda: blocked_count(r) == 1, timeout=5)
    killer = RespConn(server.port)
    assert killer.call("MULTI") == "OK"
    killer.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    killer.call("RPUSH", "k", "v")
    killer.call("PUBLISH", "ch", "m")
    killer.call("CLIENT", "KILL", "TYPE", "pubsub")
    res = killer.call("EXEC")
    assert res[0] >= 4 and res[1:] == [1, 1, 1]   # the subscriber is "pubsub", killed last
    for c in conns:
        assert gone(server, c)
    killer.close()
    r = server.client()   # the first one was a normal client too
    assert r.lrange("k", 0, -1) == [b"v"]
    assert blocked_count(r) == 0
