"""Pub/Sub and keyspace notifications, differential against redis-server:
subscribers on both servers must receive the same pushes, in the same
order, with the same wire types (RESP2 arrays, RESP3 pushes)."""

import pytest

from pair import same_call, same_read
from resp import RespConn


@pytest.mark.parametrize("proto", [2, 3])
def test_subscribe_publish_unsubscribe(pair, proto):
    subs, pubs = pair.conns(proto), pair.conns()
    try:
        for c in subs:
            c.send("SUBSCRIBE", "a", "b", "a")
        for _ in range(3):
            same_read(subs, "subscribe reply")
        assert same_call(pubs, "PUBLISH", "a", "hello") == (":", 1)
        same_read(subs, "message a")
        assert same_call(pubs, "PUBLISH", "nobody", "x") == (":", 0)
        same_call(pubs, "PUBSUB", "NUMSUB", "a", "b", "c")
        same_call(pubs, "PUBSUB", "NUMPAT")
        for c in subs:
            c.send("PSUBSCRIBE", "h?llo", "a*")
        same_read(subs, "psubscribe 1")
        same_read(subs, "psubscribe 2")
        assert same_call(pubs, "PUBLISH", "a", "two") == (":", 2)
        same_read(subs, "message")
        same_read(subs, "pmessage")
        same_call(pubs, "PUBLISH", "hello", "pat")
        same_read(subs, "pmessage h?llo")
        same_call(pubs, "PUBSUB", "NUMPAT")
        for c in subs:
            c.send("UNSUBSCRIBE", "b", "zz")
        same_read(subs, "unsubscribe b")
        same_read(subs, "unsubscribe zz")
        for c in subs:
            c.send("PUNSUBSCRIBE")
        same_read(subs, "punsubscribe all 1")
        same_read(subs, "punsubscribe all 2")
        for c in subs:
            c.send("UNSUBSCRIBE")
        same_read(subs, "unsubscribe all")
        for c in subs:
            c.send("UNSUBSCRIBE")
        same_read(subs, "unsubscribe with nothing subscribed")
        same_call(subs, "GET", "k")   # back to normal mode
    finally:
        for c in subs + pubs:
            c.close()


def test_resp2_subscribed_mode_allows_only_the_subscribe_family(pair):
    subs = pair.conns()
    try:
        for c in subs:
            c.send("SUBSCRIBE", "ch")
        same_read(subs, "subscribe")
        same_call(subs, "GET", "k")
        same_call(subs, "PING")
        same_call(subs, "PING", "hi")
        same_call(subs, "CONFIG", "GET", "port")
        same_call(subs, "RESET")
        same_call(subs, "PING")
    finally:
        for c in subs:
            c.close()


def test_resp3_subscriber_may_run_any_command(pair):
    subs = pair.conns(3)
    try:
        for c in subs:
            c.send("SUBSCRIBE", "ch")
        same_read(subs, "subscribe")
        same_call(subs, "SET", "k", "v")
        same_call(subs, "GET", "k")
        same_call(subs, "PING")
    finally:
        for c in subs:
            c.close()


def test_sharded_channels(pair):
    subs, pubs = pair.conns(), pair.conns()
    try:
        for c in subs:
            c.send("SSUBSCRIBE", "s1", "s2")
        same_read(subs, "ssubscribe 1")
        same_read(subs, "ssubscribe 2")
        same_call(pubs, "SPUBLISH", "s1", "m")
        same_read(subs, "smessage")
        same_call(pubs, "PUBLISH", "s1", "not for shard subscribers")
        same_call(pubs, "PUBSUB", "SHARDNUMSUB", "s1", "s3")
        pair.check("PUBSUB", "SHARDCHANNELS", unordered=True)
        pair.check("PUBSUB", "SHARDCHANNELS", "s*", unordered=True)
        for c in subs:
            c.send("SUNSUBSCRIBE", "s1")
        same_read(subs, "sunsubscribe")
    finally:
        for c in subs + pubs:
            c.close()


def test_pubsub_channels_and_errors(pair):
    subs = pair.conns()
    try:
        for c in subs:
            c.send("SUBSCRIBE", "news.1", "news.2", "other")
        for _ in range(3):
            same_read(subs, "subscribe")
        pair.check("PUBSUB", "CHANNELS", "news.*", unordered=True)
        pair.check("PUBSUB", "CHANNELS", unordered=True)
        pair.check("PUBSUB", "NUMSUB")
        pair.check("PUBSUB", "NOSUCH")
        pair.check("PUBSUB")
        pair.check("PUBLISH", "a")
        pair.check("SUBSCRIBE")
        pair.check("PUBSUB", "HELP")
        # One pattern at most: a second is the subcommand error, not a
        # list (the table's arity is only "at least 2").
        for sub in ("CHANNELS", "SHARDCHANNELS", "channels"):
            pair.check("PUBSUB", sub, "news.*", "other")
            pair.check("PUBSUB", sub, "a", "b", "c")
    finally:
        for c in subs:
            c.close()


@pytest.mark.parametrize("classes", ["KEA", "K$", "Eg", "Kx", "KEm", "En"])
def test_keyspace_notifications_sequence(pair, classes):
    """Same notifications, same order, for a string workload. The key with
    a 1 ms TTL is past it after DEBUG SLEEP and read at once, so it expires
    there on both servers (actively or on the read), never at a moment that
    depends on the machine's load."""
    pair.check("CONFIG", "SET", "notify-keyspace-events", classes)
    pair.check("CONFIG", "GET", "notify-keyspace-events")
    cmds = [("SET", "k", "1"), ("INCR", "k"), ("APPEND", "k", "x"), ("GET", "missing"),
            ("EXPIRE", "k", "100"), ("PERSIST", "k"), ("RENAME", "k", "k2"), ("DEL", "k2"),
            ("SET", "t", "v", "PX", "1"), ("DEBUG", "SLEEP", "0.005"), ("GET", "t"),
            ("MSET", "a", "1", "b", "2"), ("GETDEL", "a"),
            ("SETRANGE", "b", "3", "zz"), ("INCRBYFLOAT", "f", "1.5"), ("PING",)]
    pair.same_notifications(cmds, classes)


def test_writes_over_a_key_whose_ttl_passed(pair):
    """A write over a key whose TTL passed expires it first ("expired",
    then "new" and the write's event, expired_keys counted), as Redis's
    setKey() does; MSET and the STORE commands overwrote it in place."""
    pair.check("CONFIG", "RESETSTAT")
    writes = [("MSET", "a", "1", "k", "2"), ("SET", "k", "3"), ("MSETNX", "k", "4"),
              ("SORT", "l", "STORE", "k"), ("SUNIONSTORE", "k", "l2"), ("SINTERSTORE", "k", "l2"),
              ("ZUNIONSTORE", "k", "1", "l2"), ("ZRANGESTORE", "k", "z", "0", "-1"),
              ("GEOSEARCHSTORE", "k", "z", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"),
              ("BITOP", "OR", "k", "a"), ("SINTERSTORE", "k", "nokey")]
    try:
        for cmd in writes:
            pair.expire_unseen("k", ("SET", "k", "old"))
            pair.same([("RPUSH", "l", "2", "1"), ("SADD", "l2", "x"), ("SET", "a", "v"),
                       ("GEOADD", "z", "0", "0", "m")])
            pair.same_notifications([cmd, ("GET", "k")], "KEAn")
            pair.same([("FLUSHALL",)])
        # An empty result deletes the key ("del") without expiring it, as Redis.
        assert pair.stat("expired_keys") == (len(writes) - 1, len(writes) - 1)
    finally:
        pair.check("DEBUG", "SET-ACTIVE-EXPIRE", "1")


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
