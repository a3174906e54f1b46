"""Redis Cluster: clusters of castor nodes, and of castor and redis-server
nodes together, made by redis-cli --cluster create and used through
redis-py's RedisCluster; failover after kill -9 of a master, manual
failover, nodes.conf across restarts, -MOVED and -ASK/ASKING.

Nodes listen on free 127.0.0.1 ports whose bus port (+10000) is free too;
the fixtures retry a port lost to a race."""

import os
import shutil
import subprocess

import pytest
import redis
from redis.cluster import RedisCluster

from castortest import CASTOR_SERVER, REDIS_SERVER, Server, wait_for

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
TIMEOUT_MS = 1000


def node(start_server, binary=None, **extra):
    d = {"cluster-enabled": "yes", "cluster-node-timeout": str(TIMEOUT_MS)}
    d.update(extra)
    return start_server(directives=d, binary=binary)


def create(nodes, replicas):
    addrs = ["127.0.0.1:%d" % n.port for n in nodes]
    out = subprocess.run([REDIS_CLI, "--cluster", "create", *addrs, "--cluster-replicas",
                          str(replicas), "--cluster-yes"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "[OK] All 16384 slots covered." in out.stdout, out.stdout
    return out.stdout


def info(n):
    return dict(line.split(":", 1) for line in
                n.client(decode_responses=True).execute_command("CLUSTER", "INFO").split("\r\n")
                if ":" in line)


def wait_ok(nodes, timeout=30):
    for n in nodes:
        wait_for(lambda n=n: info(n)["cluster_state"] == "ok", timeout,
                 msg="%s cluster_state:ok" % n.name)


def role(n):
    return n.client(decode_responses=True).execute_command("ROLE")[0]


def cluster_client(n):
    return RedisCluster(host="127.0.0.1", port=n.port, decode_responses=True,
                        socket_timeout=10)


def cluster_check(n):
    """redis-cli --cluster check's report, from node n."""
    return subprocess.run([REDIS_CLI, "--cluster", "check", "127.0.0.1:%d" % n.port],
                          capture_output=True, text=True, timeout=60).stdout


def agreed(n):
    return "[OK] All nodes agree about slots configuration." in cluster_check(n)


def check(nodes):
    out = cluster_check(nodes[0])
    assert "[OK] All nodes agree about slots configuration." in out, out
    assert "[OK] All 16384 slots covered." in out, out


def myid(n):
    return n.client(decode_responses=True).execute_command("CLUSTER", "MYID")


def reshard(src, dst, slots, *extra):
    """redis-cli --cluster reshard of slots from src to dst, once the nodes
    agree about the slots (gossip carries a last move's owners to every
    node; redis-cli refuses to start before)."""
    wait_for(lambda: agreed(src), 30, msg="the nodes agree about the slots")
    out = subprocess.run([REDIS_CLI, "--cluster", "reshard", "127.0.0.1:%d" % src.port,
                          "--cluster-from", myid(src), "--cluster-to", myid(dst),
                          "--cluster-slots", str(slots), "--cluster-yes", *extra],
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr


def write_keys(rc, n, prefix="k"):
    for i in range(n):
        assert rc.set("%s%d" % (prefix, i), str(i))


def count_keys(rc, n, prefix="k"):
    return sum(1 for i in range(n) if rc.get("%s%d" % (prefix, i)) == str(i))


def master_of(nodes, replica):
    mid = replica.client(decode_responses=True).execute_command("CLUSTER", "NODES")
    line = [l for l in mid.splitlines() if "myself" in l][0].split()
    master_id = line[3]
    for n in nodes:
        if myid(n) == master_id:
            return n
    raise AssertionError("no master %s" % master_id)


def wait_synced(nodes):
    """Every replica is linked to its master and has all of its stream."""
    for n in nodes:
        if role(n) != "slave":
            continue
        m = master_of(nodes, n)
        wait_for(lambda n=n, m=m: n.info("replication")["master_link_status"] == "up" and
                 n.info("replication")["slave_repl_offset"] ==
                 m.info("replication")["master_repl_offset"], 30, interval=0.05,
                 msg="%s in sync" % n.name)


def killed(n):
    """kill -9, on purpose: the fixture must not call it a crash."""
    n.kill()
    n.proc = None


def failover_after_kill(nodes, keys):
    """Kill -9 the master of some replica; its replica takes over. Returns
    (killed, promoted, a cluster client started from a live node: redis-py
    4.3.4's client does not recover when its first seed node is gone)."""
    wait_synced(nodes)
    replica = [n for n in nodes if role(n) == "slave"][0]
    master = master_of(nodes, replica)
    killed(master)
    wait_for(lambda: role(replica) == "master", 30, msg="replica promoted")
    alive = [n for n in nodes if n is not master]
    wait_ok(alive)
    rc = cluster_client(replica)
    assert count_keys(rc, keys) == keys
    rc.set("after-failover", "1")
    return master, replica, rc


def test_castor_cluster_create_failover_restart(start_server):
    nodes = [node(start_server) for _ in range(6)]
    create(nodes, 1)
    wait_ok(nodes)
    i = info(nodes[0])
    assert i["cluster_known_nodes"] == "6" and i["cluster_size"] == "3"
    rc = cluster_client(nodes[0])
    write_keys(rc, 300)
    assert count_keys(rc, 300) == 300
    # Every master counts the keys of its slots; together, all of them.
    total = 0
    for n in nodes:
        c = n.client(decode_responses=True)
        if role(n) == "master":
            total += c.dbsize()
    assert total == 300
    # A wrong node redirects with Redis's words.
    slot = nodes[0].client().execute_command("CLUSTER", "KEYSLOT", "k1")
    for n in nodes:
        c = n.client(decode_responses=True)
        try:
            c.get("k1")
        except redis.exceptions.ResponseError as e:
            assert str(e).startswith("MOVED %d 127.0.0.1:" % slot), str(e)
    check(nodes)
    old_master, new_master, rc = failover_after_kill(nodes, 300)
    # The killed node comes back from its nodes.conf as a replica of the
    # node that replaced it.
    old_master.start()
    wait_for(lambda: role(old_master) == "slave", 30, msg="old master rejoins as replica")
    assert master_of(nodes, old_master) is new_master
    wait_ok(nodes)
    # A manual failover gives the slots back without losing a write.
    c = old_master.client(decode_responses=True)
    wait_for(lambda: old_master.info("replication")["master_link_status"] == "up", 30)
    assert c.execute_command("CLUSTER", "FAILOVER") in ("OK", b"OK", True)
    wait_for(lambda: role(old_master) == "master", 30, msg="manual failover")
    wait_for(lambda: role(new_master) == "slave", 30, msg="old master demoted")
    wait_ok(nodes)
    assert count_keys(rc, 300) == 300
    assert rc.get("after-failover") == "1"
    check(nodes)
    # TAKEOVER: the replica takes its master's slots with no agreement
    # (a new epoch of its own); the old master follows it.
    wait_synced(nodes)
    c = new_master.client(decode_responses=True)
    assert c.execute_command("CLUSTER", "FAILOVER", "TAKEOVER") in ("OK", b"OK", True)
    wait_for(lambda: role(new_master) == "master", 30, msg="takeover")
    wait_for(lambda: role(old_master) == "slave", 30, msg="old master follows the takeover")
    wait_ok(nodes)
    assert count_keys(rc, 300) == 300
    check(nodes)


def test_mixed_castor_and_redis_server_cluster(start_server):
    nodes = []
    for i in range(6):
        nodes.append(node(start_server, binary=REDIS_SERVER if i % 2 else None))
    create(nodes, 1)
    wait_ok(nodes)
    rc = cluster_client(nodes[0])
    write_keys(rc, 300)
    assert count_keys(rc, 300) == 300
    check(nodes)
    # Both kinds see the same six nodes and the same slots.
    views = []
    for n in nodes:
        text = n.client(decode_responses=True).execute_command("CLUSTER", "NODES")
        views.append(sorted(" ".join([l.split()[0]] + l.split()[8:]) for l in text.splitlines()))
    assert all(v == views[0] for v in views)
    # Kill a castor master: whoever its replica is (castor or redis) wins
    # the votes of both kinds of masters.
    castor_masters = [n for n in nodes if n.binary != REDIS_SERVER and role(n) == "master"]
    victim = castor_masters[0]
    replicas = [n for n in nodes if role(n) == "slave" and master_of(nodes, n) is victim]
    assert replicas
    wait_synced(nodes)
    killed(victim)
    wait_for(lambda: any(role(r) == "master" for r in replicas), 30, msg="promotion")
    alive = [n for n in nodes if n is not victim]
    wait_ok(alive)
    rc = cluster_client(alive[0])
    assert count_keys(rc, 300) == 300


def test_ask_and_asking_during_a_slot_move(start_server):
    a, b = node(start_server), node(start_server, binary=REDIS_SERVER)
    ca, cb = a.client(decode_responses=True), b.client(decode_responses=True)
    ida, idb = ca.execute_command("CLUSTER", "MYID"), cb.execute_command("CLUSTER", "MYID")
    assert ca.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 8191)
    assert cb.execute_command("CLUSTER", "ADDSLOTSRANGE", 8192, 16383)
    ca.execute_command("CLUSTER", "MEET", "127.0.0.1", b.port)
    wait_for(lambda: len(ca.execute_command("CLUSTER", "NODES").splitlines()) == 2 and
             "handshake" not in ca.execute_command("CLUSTER", "NODES"), 20)
    wait_ok([a, b])
    slot = ca.execute_command("CLUSTER", "KEYSLOT", "{b}")
    assert slot < 8192
    ca.set("{b}kept", "1")
    assert ca.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", idb)
    assert cb.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", ida)
    # The source serves what it still has and sends the rest to the target.
    assert ca.get("{b}kept") == "1"
    with pytest.raises(redis.exceptions.ResponseError, match="ASK %d 127.0.0.1:%d" % (slot, b.port)):
        ca.get("{b}gone")
    with pytest.raises(redis.exceptions.ResponseError, match="TRYAGAIN"):
        ca.mget("{b}kept", "{b}gone")
    # The target takes it only after ASKING, for one command.
    with pytest.raises(redis.exceptions.ResponseError, match="MOVED %d" % slot):
        cb.set("{b}gone", "2")
    raw = a.raw()
    raw_b = b.raw()
    assert raw_b.call("ASKING") == "OK"
    assert raw_b.call("SET", "{b}gone", "2") == "OK"
    assert str(raw_b.call("GET", "{b}gone")).startswith("MOVED")
    raw.close()
    raw_b.close()
    # CROSSSLOT, on castor as on Redis.
    with pytest.raises(redis.exceptions.ResponseError, match="CROSSSLOT"):
        ca.mget("{b}a", "{y}b")
    # The move ends: the source forgets the slot once the target owns it.
    # (MIGRATE would move the last key; here it goes.)
    ca.delete("{b}kept")
    assert ca.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) == 0
    assert cb.execute_command("CLUSTER", "SETSLOT", slot, "NODE", idb)
    assert ca.execute_command("CLUSTER", "SETSLOT", slot, "NODE", idb)
    wait_for(lambda: str(_err(ca, "{b}gone")).startswith("MOVED %d 127.0.0.1:%d" % (slot, b.port)),
             20)
    assert cb.get("{b}gone") == "2"


def _err(c, key):
    try:
        return c.get(key)
    except redis.exceptions.ResponseError as e:
        return e


def test_nodes_conf_survives_restart_and_per_slot_counts(start_server):
    n = node(start_server)
    c = n.client(decode_responses=True)
    myid = c.execute_command("CLUSTER", "MYID")
    assert c.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
    wait_ok([n])
    for i in range(50):
        c.set("{tag}%d" % i, i)
        c.set("other%d" % i, i)
    slot = c.execute_command("CLUSTER", "KEYSLOT", "{tag}")
    assert c.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) == 50
    assert sorted(c.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 100)) == \
        sorted("{tag}%d" % i for i in range(50))
    assert len(c.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 7)) == 7
    c.delete("{tag}0", "{tag}1")
    # Entries that move in memory (a TTL added or dropped, a value
    # replaced) stay listed under their slot, and nothing else does.
    c.expire("{tag}2", 1000)
    c.expire("{tag}4", 1000)
    c.persist("{tag}4")
    c.set("{tag}5", "x" * 100, keepttl=True)
    c.set("{tag}2", "y", keepttl=True)
    c.append("{tag}6", "more")
    c.rename("{tag}3", "{tag}x")
    assert c.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) == 48
    keys = sorted(c.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 1000))
    assert keys == sorted(["{tag}%d" % i for i in range(2, 50) if i != 3] + ["{tag}x"])
    assert c.get("{tag}5") == "x" * 100 and c.ttl("{tag}2") > 0 and c.ttl("{tag}4") == -1
    c.execute_command("DEBUG", "RELOAD")
    assert c.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) == 48
    assert sorted(c.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 1000)) == keys
    total = sum(c.execute_command("CLUSTER", "COUNTKEYSINSLOT", s) for s in
                {c.execute_command("CLUSTER", "KEYSLOT", k) for k in c.keys("*")})
    assert total == c.dbsize()
    c.flushall()
    assert c.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) == 0
    conf = open(os.path.join(n.workdir, "nodes.conf")).read()
    assert conf.startswith(myid + " ") and "myself,master" in conf and " 0-16383\n" in conf
    assert "vars currentEpoch" in conf
    n.stop()
    n.start()
    c = n.client(decode_responses=True)
    assert c.execute_command("CLUSTER", "MYID") == myid
    wait_ok([n])
    assert c.set("x", "1")


def test_nodes_conf_saves_reuse_a_spare_file(start_server):
    # Each save writes the spare "nodes.conf.spare" and exchanges it
    # with nodes.conf, so the spare then holds the previous version: no file
    # is created per save (that cost a busy ext4 milliseconds per CLUSTER
    # SETSLOT and made redis-cli --cluster reshard 4x slower than Redis).
    n = node(start_server)
    c = n.client(decode_responses=True)
    conf = os.path.join(n.workdir, "nodes.conf")
    spare = conf + ".spare"
    assert c.execute_command("CLUSTER", "ADDSLOTS", 100)
    first, first_ino = open(conf).read(), os.stat(conf).st_ino
    assert " 100\n" in first
    assert c.execute_command("CLUSTER", "ADDSLOTS", 101)
    second, second_ino = open(conf).read(), os.stat(conf).st_ino
    assert " 100-101\n" in second
    assert open(spare).read() == first and os.stat(spare).st_ino == first_ino
    # The two files take turns, SETSLOT's saves included.
    assert c.execute_command("CLUSTER", "SETSLOT", 101, "NODE",
                             c.execute_command("CLUSTER", "MYID"))
    assert os.stat(conf).st_ino == first_ino and os.stat(spare).st_ino == second_ino
    assert c.execute_command("CLUSTER", "DELSLOTS", 100)
    assert os.stat(conf).st_ino == second_ino and os.stat(spare).st_ino == first_ino
    assert " 101\n" in open(conf).read()
    # A clean shutdown removes the spare; nodes.conf loads at the restart.
    n.stop()
    assert not os.path.exists(spare)
    n.start()
    c = n.client(decode_responses=True)
    assert c.execute_command("CLUSTER", "COUNTKEYSINSLOT", 101) == 0
    assert " 101\n" in c.execute_command("CLUSTER", "NODES")
    # After kill -9 the next start takes the spare over: no pile of them.
    for slot in (200, 201):
        n.kill()
        n.start()
        assert n.client().execute_command("CLUSTER", "ADDSLOTS", slot)
        assert sorted(f for f in os.listdir(n.workdir) if f.startswith("nodes.conf")) == \
            ["nodes.conf", "nodes.conf.spare"]
    assert n.info("server")["redis_mode"] == "cluster"


LOCKED = ("Sorry, the cluster configuration file %s is already used by a different Redis "
          "Cluster node. Please make sure that different nodes use different cluster "
          "configuration files.")


@pytest.mark.parametrize("holder,second", [("castor", "castor"), ("redis", "castor"),
                                           ("castor", "redis")])
def test_nodes_conf_is_locked_by_its_node(start_server, tmp_path, holder, second):
    # Redis's clusterLockConfig: a node holds an flock() on its nodes.conf;
    # a second node (castor or redis-server) given the same file refuses to
    # start with Redis's words instead of sharing it. castor replaces
    # nodes.conf by another inode at each save (its spare file), and a fork
    # child (BGSAVE) inherits the lock's fd: the lock must follow the file
    # past both.
    binary = {"redis": REDIS_SERVER, "castor": CASTOR_SERVER}
    a = node(start_server, binary=binary[holder])
    c = a.client()
    conf = os.path.join(a.workdir, "nodes.conf")
    c.execute_command("DEBUG", "POPULATE", "10")
    c.config_set("rdb-key-save-delay", "100000")  # the child lives ~1 s
    c.bgsave()
    # Two saves: castor's nodes.conf is back on the inode the child had.
    for slot in (1, 2):
        assert c.execute_command("CLUSTER", "ADDSLOTS", slot)
    wait_for(lambda: a.info("persistence")["rdb_bgsave_in_progress"] == 0, 20)
    b = Server(tmp_path / "second", binary=binary[second], name="second",
               directives={"cluster-enabled": "yes", "cluster-config-file": conf})
    try:
        b.spawn()
        assert b.wait_exit(20) == 1
        assert LOCKED % conf in b.logfile, b.logfile[-2000:]
        assert " 1-2\n" in open(conf).read()
        c.config_set("rdb-key-save-delay", "0")
        # Once its node is gone, the file is free.
        a.stop()
        b.start()
        assert b.client(decode_responses=True).execute_command("CLUSTER", "MYID") in open(conf).read()
    finally:
        b.stop()


@pytest.mark.parametrize("source,target", [("redis", "castor"), ("castor", "castor"),
                                           ("castor", "redis")])
def test_reshard_moves_every_key(start_server, source, target):
    # MIGRATE runs on the source (as RESTORE-ASKING in cluster mode); the
    # target takes it in its importing slots. Every key written before is
    # readable through the cluster afterwards, none left behind.
    binary = {"redis": REDIS_SERVER, "castor": None}
    src = node(start_server, binary=binary[source])
    dst = node(start_server, binary=binary[target])
    third = node(start_server)
    create([src, dst, third], 0)
    wait_ok([src, dst, third])
    rc = cluster_client(src)
    write_keys(rc, 400)
    before = dst.client().dbsize()
    reshard(src, dst, 200)
    check([src, dst, third])
    dc = dst.client(decode_responses=True)
    assert dc.dbsize() > before
    # src had 0-5460: the first 200 of them now hold keys on dst, none on src.
    moved = [s for s in range(5461) if dc.execute_command("CLUSTER", "COUNTKEYSINSLOT", s)]
    assert moved and max(moved) <= 199
    sc = src.client(decode_responses=True)
    assert all(sc.execute_command("CLUSTER", "COUNTKEYSINSLOT", s) == 0 for s in moved)
    rc = cluster_client(dst)
    assert count_keys(rc, 400) == 400


def shard_health(n, node_id):
    for shard in n.client(decode_responses=True).execute_command("CLUSTER", "SHARDS"):
        for nd in shard[3]:
            d = dict(zip(nd[::2], nd[1::2]))
            if d["id"] == node_id:
                return d["health"]
    return None


def master_and_replica(start_server):
    """A master serving every slot and its replica, linked."""
    m = node(start_server)
    r = node(start_server)
    mc, rc = m.client(decode_responses=True), r.client(decode_responses=True)
    mc.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
    mc.execute_command("CLUSTER", "MEET", "127.0.0.1", r.port)
    mid = mc.execute_command("CLUSTER", "MYID")
    wait_for(lambda: mid in rc.execute_command("CLUSTER", "NODES"), 20, msg="met")
    rc.execute_command("CLUSTER", "REPLICATE", mid)
    wait_ok([m, r])
    wait_for(lambda: r.info("replication")["master_link_status"] == "up", 20)
    return m, r


def test_replica_hidden_only_while_it_loads(start_server):
    """Redis's legacy 22-replica-in-sync: a replica that synced while its
    master's offset was 0 is in CLUSTER SLOTS only once its offset moves
    (Redis's isReplicaAvailable); when its link drops and it loads a full
    sync (slowly: key-load-delay, with clients and the bus served every
    1024 bytes although the payload compresses into a few KB), the master
    leaves it out of SLOTS while it says loading:1, and puts it back after.
    castor hid it as soon as its master's offset moved (before it even
    reconnected), and answered nobody while it loaded."""
    m, r = master_and_replica(start_server)
    mc, rc = m.client(decode_responses=True), r.client(decode_responses=True)
    rid = rc.execute_command("CLUSTER", "MYID")
    in_slots = lambda: any(x[2] == rid for rng in mc.execute_command("CLUSTER", "SLOTS")  # noqa
                           for x in rng[3:])
    mc.execute_command("DEBUG", "POPULATE", 1000, "key", 1000)
    mc.config_set("repl-ping-replica-period", 1)  # the replica's offset moves off 0
    wait_for(in_slots, 20, msg="the replica in CLUSTER SLOTS")
    mc.config_set("repl-backlog-size", 100)
    rc.config_set("key-load-delay", 4000)  # 1100 keys: 4.4 s at least
    rc.config_set("loading-process-events-interval-bytes", 1024)
    p = mc.pipeline(transaction=True)
    p.execute_command("CLIENT", "KILL", "TYPE", "replica")
    for i in range(100):
        p.set("{0}%d" % i, "A" * 1024)
    p.execute()
    wait_for(lambda: not in_slots(), 20, interval=0.05, msg="the replica left out of SLOTS")
    quick = r.client(decode_responses=True, socket_timeout=2)
    assert quick.info("persistence")["loading"] == 1
    rc.config_set("key-load-delay", 0)
    wait_for(lambda: r.info("replication")["master_link_status"] == "up", 60)
    wait_for(in_slots, 20, msg="the replica back in CLUSTER SLOTS")


def test_writing_script_on_readonly_replica_is_moved(start_server):
    """EVAL takes its script's flags: a shebang script without no-writes
    is a write, so a READONLY replica sends it to the master (-MOVED) as
    Redis does (legacy 16-transactions-on-replica); a no-writes one runs."""
    m, r = master_and_replica(start_server)
    m.client().set("a", "1")
    wait_for(lambda: r.info("replication")["slave_repl_offset"] ==
             m.info("replication")["master_repl_offset"], 20)
    rc = r.client(decode_responses=True)
    rc.execute_command("READONLY")
    slot = rc.execute_command("CLUSTER", "KEYSLOT", "a")
    with pytest.raises(redis.ResponseError, match=r"^MOVED %d 127\.0\.0\.1:%d$" % (slot, m.port)):
        rc.eval("#!lua\nreturn redis.call('del','a')", 1, "a")
    assert rc.eval("#!lua flags=no-writes\nreturn redis.call('get','a')", 1, "a") == "1"
    assert rc.eval("return redis.call('get','a')", 1, "a") == "1"  # no shebang: may read here
    assert m.client().get("a") == b"1"


def test_replica_in_full_sync_shows_loading_and_leaves_slots(start_server):
    """A replica in a full sync announces offset 0 (Redis's
    replicationGetSlaveOffset), so its master's CLUSTER SHARDS shows it
    "loading" and CLUSTER SLOTS leaves it out (Redis's isReplicaAvailable),
    until it is synced. The master's slow snapshot keeps it in the sync."""
    m, r = master_and_replica(start_server)
    mc, rc = m.client(decode_responses=True), r.client(decode_responses=True)
    rid = rc.execute_command("CLUSTER", "MYID")
    mc.execute_command("DEBUG", "POPULATE", 2000, "key", 100)
    wait_for(lambda: shard_health(m, rid) == "online", 20, msg="online first")
    in_slots = lambda: any(x[2] == rid for rng in mc.execute_command("CLUSTER", "SLOTS")  # noqa
                           for x in rng[3:])
    assert in_slots()
    mc.config_set("rdb-key-save-delay", 2000)  # 2 ms a key: a 4 s snapshot
    mc.config_set("repl-backlog-size", 16384)
    p = mc.pipeline(transaction=True)  # the link drops with the backlog overrun
    p.execute_command("CLIENT", "KILL", "TYPE", "replica")
    for i in range(100):
        p.set("{x}%d" % i, "A" * 1024)
    p.execute()
    wait_for(lambda: shard_health(m, rid) == "loading", 20, interval=0.05,
             msg="the master sees the replica loading")
    assert not in_slots()
    mc.config_set("rdb-key-save-delay", 0)
    wait_for(lambda: shard_health(m, rid) == "online", 30, msg="online again")
    assert shard_health(r, rid) == "online"
    assert in_slots()
    wait_for(lambda: r.client().dbsize() == m.client().dbsize(), 20)


def test_shard_channels_leave_with_their_slot(start_server):
    """A slot given away takes its shard channels: each subscriber hears
    sunsubscribe (count 0 when it has no other), on SETSLOT NODE and on
    DELSLOTS, as Redis's clusterDelSlot (legacy 25-pubsubshard-slot-migration);
    channels of other slots stay."""
    a, b = node(start_server), node(start_server)
    ac, bc = a.client(decode_responses=True), b.client(decode_responses=True)
    ac.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 8191)
    bc.execute_command("CLUSTER", "ADDSLOTSRANGE", 8192, 16383)
    ac.execute_command("CLUSTER", "MEET", "127.0.0.1", b.port)
    wait_ok([a, b])
    chans = [c for c in ("ch%d" % i for i in range(200))
             if ac.execute_command("CLUSTER", "KEYSLOT", c) < 8192][:2]
    moved, kept = chans
    slot = ac.execute_command("CLUSTER", "KEYSLOT", moved)
    sub = redis.Connection(host="127.0.0.1", port=a.port, socket_timeout=5)
    sub.send_command("SSUBSCRIBE", moved)  # one slot per SSUBSCRIBE
    assert sub.read_response() == [b"ssubscribe", moved.encode(), 1]
    sub.send_command("SSUBSCRIBE", kept)
    assert sub.read_response() == [b"ssubscribe", kept.encode(), 2]
    bid, aid = bc.execute_command("CLUSTER", "MYID"), ac.execute_command("CLUSTER", "MYID")
    ac.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", bid)
    bc.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", aid)
    assert ac.execute_command("SPUBLISH", moved, "hello") == 1  # still here while it migrates
    assert sub.read_response() == [b"smessage", moved.encode(), b"hello"]
    ac.execute_command("CLUSTER", "SETSLOT", slot, "NODE", bid)
    assert sub.read_response() == [b"sunsubscribe", moved.encode(), 1]
    assert ac.execute_command("PUBSUB", "SHARDCHANNELS") == [kept]
    kslot = ac.execute_command("CLUSTER", "KEYSLOT", kept)
    ac.execute_command("CLUSTER", "DELSLOTS", kslot)
    assert sub.read_response() == [b"sunsubscribe", kept.encode(), 0]
    assert ac.execute_command("PUBSUB", "SHARDCHANNELS") == []
    sub.disconnect()
