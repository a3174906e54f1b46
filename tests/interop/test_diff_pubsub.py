"""Pub/Sub and keyspace notifications, differential against redis-server:
subscribers on both servers must receive the same pushes, in the same
order, with the same wire types (RESP2 arrays, RESP3 pushes)."""

import pytest

from resp import RespConn, normalize


def conns(pair, proto=2):
    return (RespConn(pair.castor.port, protocol=proto, password=pair.castor.password),
            RespConn(pair.redis.port, protocol=proto, password=pair.redis.password))


def same_nodes(a, b, what):
    assert normalize(a) == normalize(b), "%s\n castor: %r\n  redis: %r" % (what, a, b)


def both_call(cs, *args):
    a, b = cs[0].call_node(*args), cs[1].call_node(*args)
    same_nodes(a, b, args)
    return a


def both_read(cs, what):
    a, b = cs[0].read_node(), cs[1].read_node()
    same_nodes(a, b, what)
    return a


@pytest.mark.parametrize("proto", [2, 3])
def test_subscribe_publish_unsubscribe(pair, proto):
    subs, pubs = conns(pair, proto), conns(pair)
    try:
        for c in subs:
            c.send("SUBSCRIBE", "a", "b", "a")
        for _ in range(3):
            both_read(subs, "subscribe reply")
        assert both_call(pubs, "PUBLISH", "a", "hello") == (":", 1)
        both_read(subs, "message a")
        assert both_call(pubs, "PUBLISH", "nobody", "x") == (":", 0)
        both_call(pubs, "PUBSUB", "NUMSUB", "a", "b", "c")
        both_call(pubs, "PUBSUB", "NUMPAT")
        for c in subs:
            c.send("PSUBSCRIBE", "h?llo", "a*")
        both_read(subs, "psubscribe 1")
        both_read(subs, "psubscribe 2")
        assert both_call(pubs, "PUBLISH", "a", "two") == (":", 2)
        both_read(subs, "message")
        both_read(subs, "pmessage")
        both_call(pubs, "PUBLISH", "hello", "pat")
        both_read(subs, "pmessage h?llo")
        both_call(pubs, "PUBSUB", "NUMPAT")
        for c in subs:
            c.send("UNSUBSCRIBE", "b", "zz")
        both_read(subs, "unsubscribe b")
        both_read(subs, "unsubscribe zz")
        for c in subs:
            c.send("PUNSUBSCRIBE")
        both_read(subs, "punsubscribe all 1")
        both_read(subs, "punsubscribe all 2")
        for c in subs:
            c.send("UNSUBSCRIBE")
        both_read(subs, "unsubscribe all")
        for c in subs:
            c.send("UNSUBSCRIBE")
        both_read(subs, "unsubscribe with nothing subscribed")
        both_call(subs, "GET", "k")   # back to normal mode
    finally:
        for c in subs + pubs:
            c.close()


def test_resp2_subscribed_mode_allows_only_the_subscribe_family(pair):
    subs = conns(pair)
    try:
        for c in subs:
            c.send("SUBSCRIBE", "ch")
        both_read(subs, "subscribe")
        both_call(subs, "GET", "k")
        both_call(subs, "PING")
        both_call(subs, "PING", "hi")
        both_call(subs, "CONFIG", "GET", "port")
        both_call(subs, "RESET")
        both_call(subs, "PING")
    finally:
        for c in subs:
            c.close()


def test_resp3_subscriber_may_run_any_command(pair):
    subs = conns(pair, 3)
    try:
        for c in subs:
            c.send("SUBSCRIBE", "ch")
        both_read(subs, "subscribe")
        both_call(subs, "SET", "k", "v")
        both_call(subs, "GET", "k")
        both_call(subs, "PING")
    finally:
        for c in subs:
            c.close()


def test_sharded_channels(pair):
    subs, pubs = conns(pair), conns(pair)
    try:
        for c in subs:
            c.send("SSUBSCRIBE", "s1", "s2")
        both_read(subs, "ssubscribe 1")
        both_read(subs, "ssubscribe 2")
        both_call(pubs, "SPUBLISH", "s1", "m")
        both_read(subs, "smessage")
        both_call(pubs, "PUBLISH", "s1", "not for shard subscribers")
        both_call(pubs, "PUBSUB", "SHARDNUMSUB", "s1", "s3")
        pair.check("PUBSUB", "SHARDCHANNELS", unordered=True)
        pair.check("PUBSUB", "SHARDCHANNELS", "s*", unordered=True)
        for c in subs:
            c.send("SUNSUBSCRIBE", "s1")
        both_read(subs, "sunsubscribe")
    finally:
        for c in subs + pubs:
            c.close()


def test_pubsub_channels_and_errors(pair):
    subs = conns(pair)
    try:
        for c in subs:
            c.send("SUBSCRIBE", "news.1", "news.2", "other")
        for _ in range(3):
            both_read(subs, "subscribe")
        pair.check("PUBSUB", "CHANNELS", "news.*", unordered=True)
        pair.check("PUBSUB", "CHANNELS", unordered=True)
        pair.check("PUBSUB", "NUMSUB")
        pair.check("PUBSUB", "NOSUCH")
        pair.check("PUBSUB")
        pair.check("PUBLISH", "a")
        pair.check("SUBSCRIBE")
        pair.check("PUBSUB", "HELP")
    finally:
        for c in subs:
            c.close()


@pytest.mark.parametrize("classes", ["KEA", "K$", "Eg", "Kx", "KEm", "En"])
def test_keyspace_notifications_sequence(pair, classes):
    """Same notifications, same order, for a string workload."""
    pair.check("CONFIG", "SET", "notify-keyspace-events", classes)
    pair.check("CONFIG", "GET", "notify-keyspace-events")
    subs = conns(pair)
    try:
        for c in subs:
            c.send("PSUBSCRIBE", "__key*__:*")
        both_read(subs, "psubscribe")
        cmds = [("SET", "k", "1"), ("INCR", "k"), ("APPEND", "k", "x"), ("GET", "missing"),
                ("EXPIRE", "k", "100"), ("PERSIST", "k"), ("RENAME", "k", "k2"), ("DEL", "k2"),
                ("SET", "t", "v", "PX", "1"), ("MSET", "a", "1", "b", "2"), ("GETDEL", "a"),
                ("SETRANGE", "b", "3", "zz"), ("INCRBYFLOAT", "f", "1.5"), ("PING",)]
        for cmd in cmds:
            pair.check(*cmd)
        # A marker publish: everything before it must have arrived in order.
        pair.check("PUBLISH", "__keymarker__:end", "end")
        for c in subs:
            c.send("PING")   # RESP2 subscribed PING: ["pong", ""]
        while True:
            node = both_read(subs, "notification")
            if node[0] == "*" and node[1][0] == ("$", b"pong"):
                break
    finally:
        pair.check("CONFIG", "SET", "notify-keyspace-events", "")
        for c in subs:
            c.close()


def test_notify_keyspace_events_config_values(pair):
    for v in ["", "A", "KEA", "gE", "AKE", "Kl", "KEA$", "xyz", "KE?", "m"]:
        pair.check("CONFIG", "SET", "notify-keyspace-events", v)
        pair.check("CONFIG", "GET", "notify-keyspace-events")
    pair.check("CONFIG", "SET", "notify-keyspace-events", "")


def test_many_messages_to_many_subscribers_lose_nothing(pair):
    """A burst to many subscribers that keep reading loses nothing."""
    castor = pair.castor
    subs = [RespConn(castor.port) for _ in range(20)]
    pub = RespConn(castor.port)
    try:
        for s in subs:
            assert s.call("SUBSCRIBE", "burst") is not None
        n = 5000
        pub.pipeline([("PUBLISH", "burst", str(i)) for i in range(n)])
        for s in subs:
            for i in range(n):
                node = s.read_node()
                assert node[1][2] == ("$", str(i).encode())
    finally:
        for s in subs + [pub]:
            s.close()
