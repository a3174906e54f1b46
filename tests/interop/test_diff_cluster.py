"""Cluster mode on one node, differential against redis-server: CLUSTER's
subcommands and their errors, hash slots, redirection texts (-CLUSTERDOWN,
-CROSSSLOT, -ASK, -TRYAGAIN), what cluster mode forbids (SELECT, MOVE,
SWAPDB, COPY DB), and cluster support being disabled."""

import os

import pytest

from castortest import free_port, wait_for
from pair import same_call

CLUSTER = {"cluster-enabled": "yes", "cluster-node-timeout": "2000"}


@pytest.fixture
def cpair(make_pair):
    return make_pair(CLUSTER)


def wait_state(p, state):
    for side in ("castor", "redis"):
        c = p.conn(side)
        wait_for(lambda: ("cluster_state:%s" % state) in str(c.call("CLUSTER", "INFO")), 10,
                 msg="%s cluster_state:%s" % (side, state))


def test_cluster_disabled_errors(pair):
    for cmd in [("CLUSTER", "INFO"), ("CLUSTER", "MYID"), ("CLUSTER", "NODES"),
                ("CLUSTER", "ADDSLOTS", "1"), ("READONLY",), ("READWRITE",), ("ASKING",),
                ("CLUSTER", "NOSUCH"), ("CLUSTER",), ("CLUSTER", "KEYSLOT", "foo"),
                ("CLUSTER", "HELP")]:
        pair.check(*cmd)


def test_keyslot_and_hash_tags(cpair):
    for key in ["foo", "bar", "{user1000}.following", "{user1000}.followers", "foo{}{bar}",
                "foo{{bar}}zap", "foo{bar}{zap}", "{}", "", "a{b", "x}y{z}", "123456789"]:
        cpair.check("CLUSTER", "KEYSLOT", key)
    cpair.check("CLUSTER", "KEYSLOT")
    cpair.check("CLUSTER", "KEYSLOT", "a", "b")


def test_slot_assignment_errors(cpair):
    for cmd in [("CLUSTER", "ADDSLOTS", "-1"), ("CLUSTER", "ADDSLOTS", "16384"),
                ("CLUSTER", "ADDSLOTS", "abc"), ("CLUSTER", "ADDSLOTS", "5", "5"),
                ("CLUSTER", "ADDSLOTSRANGE", "10", "5"), ("CLUSTER", "ADDSLOTSRANGE", "1"),
                ("CLUSTER", "ADDSLOTSRANGE", "1", "2", "3"),
                ("CLUSTER", "DELSLOTS", "7"), ("CLUSTER", "DELSLOTSRANGE", "7", "9"),
                ("CLUSTER", "ADDSLOTS", "1", "2", "3"), ("CLUSTER", "ADDSLOTS", "3"),
                ("CLUSTER", "ADDSLOTSRANGE", "0", "5"), ("CLUSTER", "DELSLOTS", "2"),
                ("CLUSTER", "DELSLOTS", "2"), ("CLUSTER", "DELSLOTSRANGE", "1", "3"),
                ("CLUSTER", "ADDSLOTSRANGE", "100", "200", "150", "300"),
                ("CLUSTER", "FLUSHSLOTS"), ("CLUSTER", "COUNTKEYSINSLOT", "16384"),
                ("CLUSTER", "COUNTKEYSINSLOT", "x"), ("CLUSTER", "GETKEYSINSLOT", "1", "-1"),
                ("CLUSTER", "GETKEYSINSLOT", "16384", "1"), ("CLUSTER", "GETKEYSINSLOT", "1", "x")]:
        cpair.check(*cmd)


def test_node_arguments_errors(cpair):
    for cmd in [("CLUSTER", "MEET", "nosuchhost", "7000"), ("CLUSTER", "MEET", "127.0.0.1", "x"),
                ("CLUSTER", "MEET", "127.0.0.1", "99999"),
                ("CLUSTER", "MEET", "127.0.0.1", "7000", "x"),
                ("CLUSTER", "FORGET", "nosuchnode"), ("CLUSTER", "REPLICATE", "nosuchnode"),
                ("CLUSTER", "REPLICAS", "nosuchnode"), ("CLUSTER", "SLAVES", "nosuchnode"),
                ("CLUSTER", "COUNT-FAILURE-REPORTS", "nosuchnode"),
                ("CLUSTER", "SETSLOT", "1", "MIGRATING", "nosuchnode"),
                ("CLUSTER", "SETSLOT", "1", "IMPORTING", "nosuchnode"),
                ("CLUSTER", "SETSLOT", "1", "NODE", "nosuchnode"),
                ("CLUSTER", "SETSLOT", "1", "BOGUS"), ("CLUSTER", "SETSLOT", "x", "STABLE"),
                ("CLUSTER", "SETSLOT", "1", "STABLE", "extra"),
                ("CLUSTER", "SET-CONFIG-EPOCH", "-1"), ("CLUSTER", "SET-CONFIG-EPOCH", "x"),
                ("CLUSTER", "FAILOVER"), ("CLUSTER", "FAILOVER", "BOGUS"),
                ("CLUSTER", "RESET", "BOGUS"), ("CLUSTER", "RESET", "HARD", "x"),
                ("CLUSTER", "FAILOVER", "FORCE", "x")]:
        cpair.check(*cmd)
    # Itself: FORGET and REPLICATE refuse with their own words.
    for side in ("castor", "redis"):
        c = cpair.conn(side)
        me = c.call("CLUSTER", "MYID")
        assert len(me) == 40
    ids = [cpair.conn(s).call("CLUSTER", "MYID") for s in ("castor", "redis")]
    a = cpair.conn("castor").call_node("CLUSTER", "FORGET", ids[0])
    b = cpair.conn("redis").call_node("CLUSTER", "FORGET", ids[1])
    assert str(a) == str(b)
    a = cpair.conn("castor").call_node("CLUSTER", "REPLICATE", ids[0])
    b = cpair.conn("redis").call_node("CLUSTER", "REPLICATE", ids[1])
    assert str(a) == str(b)


def test_redirection_texts_and_cluster_mode_limits(cpair):
    # No slot served: the key's slot is unbound.
    cpair.check("SET", "foo", "1")
    cpair.check("GET", "foo")
    cpair.check("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
    cpair.check("CLUSTER", "SET-CONFIG-EPOCH", "1")
    cpair.check("CLUSTER", "SET-CONFIG-EPOCH", "2")
    wait_state(cpair, "ok")
    cpair.check("SET", "foo", "1")
    cpair.check("MSET", "a", "1", "b", "2")
    cpair.check("MSET", "{t}a", "1", "{t}b", "2")
    cpair.check("MGET", "{t}a", "{t}b")
    cpair.check("CLUSTER", "COUNTKEYSINSLOT", cpair.check("CLUSTER", "KEYSLOT", "{t}"))
    cpair.check("CLUSTER", "GETKEYSINSLOT", cpair.check("CLUSTER", "KEYSLOT", "{t}"), "10",
                unordered=True)
    cpair.check_shape("CLUSTER", "GETKEYSINSLOT", cpair.check("CLUSTER", "KEYSLOT", "{t}"), "1")
    cpair.check("CLUSTER", "COUNTKEYSINSLOT", "0")
    for cmd in [("SELECT", "1"), ("SELECT", "0"), ("MOVE", "foo", "1"), ("SWAPDB", "0", "1"),
                ("COPY", "foo", "bar", "DB", "1"), ("COPY", "foo", "{foo}bar"),
                ("RENAME", "foo", "bar"), ("SUNIONSTORE", "{t}x", "{t}y", "z"),
                ("EVAL", "return redis.call('get', KEYS[1])", "2", "foo", "bar"),
                ("EVAL", "return redis.call('get', 'other')", "1", "foo"),
                ("EVAL", "redis.call('get', 'a') return redis.call('get', 'b')", "0"),
                ("EVAL", "redis.call('get', 'a') return redis.call('get', '{a}b')", "0"),
                ("EVAL", "return redis.call('get', '{foo}x')", "1", "foo"),
                ("EVAL", "#!lua flags=allow-cross-slot-keys\nreturn redis.call('get', 'a')", "1",
                 "foo"),
                ("EVAL", "#!lua flags=no-cluster\nreturn 1", "0"),
                ("EVAL", "#!lua\nredis.call('get', 'a') return redis.call('get', 'b')", "0"),
                ("EVAL", "#!lua\nreturn redis.call('get', 'a')", "1", "b"),
                ("EVAL", "#!lua\nreturn redis.call('get', '{b}a')", "1", "b"),
                ("READONLY",), ("READWRITE",), ("ASKING",), ("CLUSTER", "FLUSHSLOTS"),
                ("CLUSTER", "RESET")]:
        cpair.check(*cmd)
    # A transaction whose commands span slots: refused when queued.
    cs = cpair.conns()
    try:
        for cmd in [("MULTI",), ("SET", "a", "1"), ("MGET", "a", "b"), ("EXEC",)]:
            same_call(cs, *cmd)
    finally:
        for c in cs:
            c.close()


def test_migrating_and_importing_slots(cpair):
    ids = [cpair.conn(s).call("CLUSTER", "MYID") for s in ("castor", "redis")]
    cpair.check("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
    wait_state(cpair, "ok")
    slot = cpair.check("CLUSTER", "KEYSLOT", "{k}")
    cpair.check("SET", "{k}here", "1")
    # Only nodes it knows: itself can't be the target of a migration...
    for side, me in zip(("castor", "redis"), ids):
        c = cpair.conn(side)
        assert str(c.call("CLUSTER", "SETSLOT", slot, "IMPORTING", me)) == \
            "ERR I'm already the owner of hash slot %d" % slot
    # ...but MIGRATING to itself is accepted by Redis: keys that are missing
    # get -ASK to itself, existing ones are served.
    for side, me in zip(("castor", "redis"), ids):
        assert cpair.conn(side).call("CLUSTER", "SETSLOT", slot, "MIGRATING", me) == "OK"
    cpair.check("GET", "{k}here")
    cpair.check("GET", "{k}missing")
    cpair.check("MGET", "{k}here", "{k}missing")
    cpair.check("CLUSTER", "SETSLOT", slot, "STABLE")
    cpair.check("GET", "{k}missing")


def test_bumpepoch_counts_the_current_epoch(make_pair, tmp_path):
    # A node whose config epoch is the greatest of the nodes it knows but
    # below the current epoch (an election or a vote moved it, or the node
    # that had it was forgotten): Redis takes a new epoch past the current
    # one, BUMPED 10, not STILL 3.
    me = "%040x" % 0xc0ffee
    for side in ("castor", "redis"):
        d = tmp_path / "pair0" / side  # where make_pair's first pair lives
        os.makedirs(str(d))
        with open(str(d / "nodes.conf"), "w") as f:
            f.write("%s 127.0.0.1:1@10001 myself,master - 0 0 3 connected\n"
                    "vars currentEpoch 9 lastVoteEpoch 0\n" % me)
    p = make_pair(CLUSTER)
    assert p.check("CLUSTER", "MYID") == me.encode()
    assert p.check("CLUSTER", "BUMPEPOCH") == "BUMPED 10"
    assert p.check("CLUSTER", "BUMPEPOCH") == "STILL 10"
    for side in ("castor", "redis"):
        info = str(p.conn(side).call("CLUSTER", "INFO"))
        assert "cluster_current_epoch:10" in info and "cluster_my_epoch:10" in info, (side, info)


def test_cluster_nodes_shows_a_node_in_handshake(cpair):
    """CLUSTER NODES lists a node MEET has not reached yet, flagged
    handshake (nodes.conf leaves it out); a node nothing listens for stays
    so until the handshake times out."""
    port = free_port()      # nothing listens there, nor on its bus port
    seen = []
    for side in ("castor", "redis"):
        c = cpair.conn(side)
        assert c.call("CLUSTER", "MEET", "127.0.0.1", str(port)) == "OK"
        lines = [ln.split(" ") for ln in c.call("CLUSTER", "NODES").decode().splitlines()]
        other = [ln for ln in lines if "myself" not in ln[2]]
        assert len(other) == 1, lines
        seen.append(other[0][1:])      # less the random name
        conf = open(os.path.join(c.call("CONFIG", "GET", "dir")[1].decode(),
                                 "nodes.conf")).read()
        assert "handshake" not in conf and str(port) not in conf
    assert seen[0] == seen[1] == ["127.0.0.1:%d@%d" % (port, port + 10000), "handshake", "-",
                                  "0", "0", "0", "disconnected"], seen
