"""Resharding under load: while redis-cli --cluster reshard moves slots
(MIGRATE a few keys at a time, ASK redirections for the keys already
gone), a client keeps writing random commands of every type through
redis-py's RedisCluster. Every command also runs on a standalone
redis-server, the reference, and every reply must match; at the end every
key matches the reference (DEBUG DIGEST-VALUE, whether it has a TTL),
every key is on the master that owns its slot, and every replica has its
master's dataset (DEBUG DIGEST).

Seeds: CASTOR_RESHARD_SEEDS=a-b runs the hunt (test_reshard_under_load_hunt)."""

import os
import random
import threading

import pytest
import redis
from redis.cluster import RedisCluster
from redis.crc import key_slot

from castorfixtures import finish_server
from castortest import REDIS_SERVER, wait_for
from test_cluster import (agreed, check, create, master_of, node, reshard, role, wait_ok,
                          wait_synced)

TAG = "{t29}"     # slot 69


def _names():
    """300 keys in the first 450 slots (what the moves take: redis-cli
    moves a node's lowest slots first), 100 anywhere, and 8 in one slot
    for multi-key commands."""
    low = [k for k in ("k%d" % i for i in range(20000)) if key_slot(k.encode()) < 450]
    names = low[:300] + ["k%d" % i for i in range(100)] + ["%s%d" % (TAG, i) for i in range(8)]
    return list(dict.fromkeys(names))


NAMES = _names()
TTL = 100000      # seconds: nothing expires while a test runs
BIG = 150000      # bytes: a value MIGRATE carries in more than one read


class Gen:
    """Random single-key writes (and a few same-slot multi-key ones on the
    TAG keys), replies comparable between the cluster and the reference."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.xid = {}
        self.done = 0

    def key(self):
        return self.r.choice(NAMES)

    def cmd(self):
        r, k = self.r, self.key()
        v = "v%d" % r.randint(0, 999)
        n = r.randint(1, 6)
        items = ["e%d" % r.randint(0, 40) for _ in range(n)]
        pick = r.randint(0, 27)
        if pick == 0:
            return ["SET", k, v] + (["EX", str(TTL)] if r.random() < 0.3 else [])
        if pick == 1:
            return ["SET", k, "x" * BIG if r.random() < 0.3 else v * r.randint(1, 60)]
        if pick == 2:
            return ["APPEND", k, v]
        if pick == 3:
            return ["INCRBY", k, str(r.randint(-5, 5))]
        if pick == 4:
            return ["DEL", k]
        if pick == 5:
            return ["EXPIRE", k, str(TTL)]
        if pick == 6:
            return ["PERSIST", k]
        if pick == 7:
            return ["RPUSH", k] + items
        if pick == 8:
            return ["RPUSH", k] + ["%d" % i for i in range(r.randint(200, 1500))]
        if pick == 9:
            return ["LPOP", k, str(r.randint(1, 3))]
        if pick == 10:
            return ["HSET", k] + [x for it in items for x in (it, v)]
        if pick == 11:
            return ["HDEL", k] + items
        if pick == 12:
            return ["SADD", k] + items
        if pick == 13:
            return ["SADD", k] + ["%d" % r.randint(0, 10**6) for _ in range(n)]
        if pick == 14:
            return ["SREM", k] + items
        if pick == 15:
            return ["ZADD", k] + [x for it in items for x in ("%d" % r.randint(-9, 9), it)]
        if pick == 16:
            return ["ZINCRBY", k, "1.5", items[0]]
        if pick == 17:
            self.xid[k] = self.xid.get(k, 0) + r.randint(0, 2)
            return ["XADD", k, "MAXLEN", "~", "50", "%d-1" % self.xid[k], "f", v]
        if pick == 18:
            return ["PFADD", k] + items
        if pick == 19:
            return ["SETRANGE", k, str(r.randint(0, 20)), v]
        if pick == 20:
            return ["HINCRBY", k, items[0], "3"]
        if pick == 21:
            return ["GETDEL", k]
        if pick == 22:
            return ["LTRIM", k, "0", str(r.randint(0, 20))]
        if pick == 23:
            return ["ZREMRANGEBYRANK", k, "0", "1"]
        if pick == 24:
            return ["SETBIT", k, str(r.randint(0, 4000)), "1"]
        a, b = "%s%d" % (TAG, r.randint(0, 7)), "%s%d" % (TAG, r.randint(0, 7))
        return [["RENAME", a, b], ["LMOVE", a, b, "LEFT", "RIGHT"],
                ["SUNIONSTORE", a, a, b]][pick - 25]


def reply(client, args):
    """The reply, or the error's text; TRYAGAIN passes (the command did not run)."""
    try:
        return client.execute_command(*args)
    except redis.exceptions.TryAgainError:
        raise
    except redis.exceptions.ResponseError as e:
        return "ERR: " + str(e)


def writer(rc, ref, gen, stop, log, minimum):
    """Run commands until stop is set (and at least minimum of them). A
    command the cluster refused for the move (TRYAGAIN, an exhausted
    redirection) did not run, so the reference skips it too."""
    done = 0
    while done < minimum or not stop.is_set():
        args = gen.cmd()
        try:
            got = reply(rc, args)
        except (redis.exceptions.TryAgainError, redis.exceptions.ClusterError) as e:
            log.append(("skipped", args, str(e)))
            continue
        want = reply(ref, args)
        if got != want:
            log.append(("reply", args, got, want))
        done += 1
        gen.done += 1
    log.append(("done", done))


def owners(masters):
    """{slot: the master serving it}, from the first master's CLUSTER SLOTS."""
    by_port = {m.port: m for m in masters}
    out = {}
    for lo, hi, primary, *_ in masters[0].client().execute_command("CLUSTER", "SLOTS"):
        for slot in range(lo, hi + 1):
            out[slot] = by_port[primary[1]]
    return out


def compare(rc, ref, masters):
    """Mismatches between the cluster's keys and the reference's, and keys
    held by a master that does not own their slot."""
    owner = owners(masters)
    bad = []
    for k in NAMES:
        c = owner[rc.keyslot(k)].client()
        got = (c.execute_command("DEBUG", "DIGEST-VALUE", k), c.pttl(k) > 0)
        want = (ref.execute_command("DEBUG", "DIGEST-VALUE", k), ref.pttl(k) > 0)
        if got != want:
            bad.append(("key", k, got, want))
    for m in masters:
        for k in m.client().keys("*"):
            if owner[rc.keyslot(k)] is not m:
                bad.append(("misplaced", m.name, k))
    return bad


def run_seed(start_server, seed, kinds):
    """Three masters with a castor replica each; kinds names the binary of
    the first two masters (the moves go from the first to the second and
    back)."""
    binary = {"castor": None, "redis": REDIS_SERVER}
    masters = [node(start_server, binary=binary[kinds[0]]),
               node(start_server, binary=binary[kinds[1]]), node(start_server)]
    nodes = masters + [node(start_server) for _ in range(3)]
    create(nodes, 1)
    wait_ok(nodes)
    masters = [n for n in nodes if role(n) == "master"]
    ref = start_server(binary=REDIS_SERVER).client()
    rc = RedisCluster(host="127.0.0.1", port=masters[0].port, socket_timeout=20)
    gen = Gen(seed)
    log = []
    warm = threading.Event()
    warm.set()
    writer(rc, ref, gen, warm, log, 1500)      # keys everywhere before the move
    # The first two masters in creation order (create() keeps the order of
    # masters it was given).
    a, b = masters[0], masters[1]
    rnd = random.Random(seed)
    during = []
    for src, dst in ((a, b), (b, a)):
        stop = threading.Event()
        t = threading.Thread(target=writer, args=(rc, ref, gen, stop, log, 300))
        t.start()
        before = gen.done
        try:
            reshard(src, dst, rnd.randint(100, 450), "--cluster-pipeline",
                    str(rnd.choice([1, 3, 10])))
            during.append(gen.done - before)
        finally:
            stop.set()
            t.join(120)
        assert not t.is_alive(), "the writer hangs"
    wait_for(lambda: agreed(nodes[0]), 30, msg="the nodes agree about the slots")
    check(nodes)
    wait_synced(nodes)
    bad = [e for e in log if e[0] == "reply"] + compare(rc, ref, masters)
    for n in nodes:
        if role(n) == "slave":
            m = master_of(nodes, n)
            got, want = (x.client().execute_command("DEBUG", "DIGEST") for x in (n, m))
            if got != want:
                bad.append(("replica", n.name, m.name))
    done = sum(e[1] for e in log if e[0] == "done")
    assert not bad, "seed %d: %d mismatches, first %r" % (seed, len(bad), bad[:5])
    skipped = sum(1 for e in log if e[0] == "skipped")
    print("seed %d %s: %d commands, %r during the two moves, %d refused" % (
        seed, kinds, done, during, skipped))
    return done


@pytest.mark.parametrize("seed,kinds", [(1, ("castor", "castor")), (2, ("castor", "redis"))])
def test_reshard_under_load(start_server, seed, kinds):
    assert run_seed(start_server, seed, kinds) >= 1500 + 2 * 300


def test_reshard_under_load_hunt(start_server):
    seeds = os.environ.get("CASTOR_RESHARD_SEEDS")
    if not seeds:
        pytest.skip("set CASTOR_RESHARD_SEEDS=a-b to hunt")
    a, b = (int(x) for x in seeds.split("-"))
    for seed in range(a, b + 1):
        made = []

        def tracked(**kw):
            made.append(start_server(**kw))
            return made[-1]
        run_seed(tracked, seed, [("castor", "castor"), ("castor", "redis"),
                                 ("redis", "castor")][seed % 3])
        # Each seed's seven servers stop before the next seed's start.
        problems = [p for p in map(finish_server, made) if p]
        assert not problems, problems


def test_a_wrong_key_is_reported(start_server):
    """The comparison sees a key the cluster holds differently."""
    masters = [node(start_server) for _ in range(3)]
    create(masters, 0)
    wait_ok(masters)
    ref = start_server(binary=REDIS_SERVER).client()
    rc = RedisCluster(host="127.0.0.1", port=masters[0].port)
    rc.set("k1", "a")
    ref.set("k1", "b")
    rc.set("k2", "a")
    ref.set("k2", "a")
    ref.expire("k2", TTL)
    bad = compare(rc, ref, masters)
    assert sorted(e[1] for e in bad) == ["k1", "k2"]
