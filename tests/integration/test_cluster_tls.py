"""Redis Cluster over TLS (tls-cluster yes, issue 19): the bus connects and
accepts over TLS with the certificates of tls-port, nodes announce their
TLS port as their port and the plain one as pport, and a client sees the
ports of its own kind in -MOVED, CLUSTER NODES/SLOTS and CLUSTER SHARDS
(port and tls-port), as Redis 7.0 does. Clusters of castor nodes, and of
castor and Debian's redis-server (built with TLS) together.

Each node keeps its plain port beside its TLS port (the fixtures' readiness
PING uses it); its bus port is 10000 above the TLS port."""

import os
import shutil
import socket
import ssl
import subprocess

import pytest
import redis

import tlscerts
from castortest import REDIS_SERVER, free_port, wait_for
from test_cluster import role, wait_ok

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
# Handshakes over TLS cost more CPU (ASan, a loaded machine): a handshake
# that outlives the node timeout is dropped, and a MEET with it.
TIMEOUT_MS = 5000


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make_certs(tmp_path_factory.mktemp("certs"))


def tls_node(start_server, certs, binary=None, **more):
    port = free_port()
    d = certs.directives(tls_port=port, tls_cluster="yes", tls_replication="yes",
                         cluster_enabled="yes", cluster_node_timeout=str(TIMEOUT_MS), **more)
    s = start_server(directives=d, binary=binary,
                     name="redis%d" % port if binary == REDIS_SERVER else None)
    s.tls_port = port
    return s


def cli(certs, port, *args, cluster_mode=False):
    extra = ["-c"] if cluster_mode else []
    out = subprocess.run([REDIS_CLI, *certs.cli_args(), "-p", str(port), *extra, *args],
                         capture_output=True, text=True, timeout=120)
    return out.returncode, (out.stdout + out.stderr).strip()


def create(certs, nodes, replicas):
    rc, out = cli(certs, nodes[0].tls_port, "--cluster", "create",
                  *["127.0.0.1:%d" % n.tls_port for n in nodes],
                  "--cluster-replicas", str(replicas), "--cluster-yes")
    assert rc == 0, out
    assert "[OK] All 16384 slots covered." in out, out


def myid(n):
    return n.client(decode_responses=True).execute_command("CLUSTER", "MYID")


def tls_client(n, certs):
    return redis.Redis(host="127.0.0.1", port=n.tls_port, socket_timeout=5,
                       decode_responses=True, **certs.ssl_kwargs())


def master_of(nodes, replica):
    line = [l for l in replica.client(decode_responses=True).execute_command(
        "CLUSTER", "NODES").splitlines() if "myself" in l][0]
    return [n for n in nodes if myid(n) == line.split()[3]][0]


def write_read_through_cli(certs, node, keys, prefix):
    for i in range(keys):
        rc, out = cli(certs, node.tls_port, "SET", "%s%d" % (prefix, i), str(i), cluster_mode=True)
        assert rc == 0 and out.endswith("OK"), out
    for i in range(keys):
        rc, out = cli(certs, node.tls_port, "GET", "%s%d" % (prefix, i), cluster_mode=True)
        assert out.splitlines()[-1] == str(i), out


def bus_handshake(port, certs, client_cert):
    """A TLS handshake with a bus port; True if the node keeps the link."""
    ctx = certs.context(client=client_cert)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with ctx.wrap_socket(raw) as t:
                t.settimeout(1)
                try:
                    return t.recv(1) != b""  # the node never speaks first
                except socket.timeout:
                    return True
    except (ssl.SSLError, OSError):
        return False


def test_tls_cluster_forms_redirects_over_tls_and_fails_over(start_server, certs):
    nodes = [tls_node(start_server, certs) for _ in range(6)]
    create(certs, nodes, 1)
    wait_ok(nodes)
    # The bus is TLS, on the TLS port + 10000, and wants a client certificate
    # whatever tls-auth-clients says (Redis: TLS_CLIENT_AUTH_YES).
    assert bus_handshake(nodes[0].tls_port + 10000, certs, client_cert=True)
    assert not bus_handshake(nodes[0].tls_port + 10000, certs, client_cert=False)
    assert nodes[0].info("cluster")["cluster_enabled"] == 1
    write_read_through_cli(certs, nodes[0], 30, "k")

    # A TLS client is sent to TLS ports, a plain one to plain ports.
    key = "foo"
    slot = nodes[0].client().execute_command("CLUSTER", "KEYSLOT", key)
    ranges = nodes[0].client(decode_responses=True).execute_command("CLUSTER", "SLOTS")
    owner = [r[2][2] for r in ranges if r[0] <= slot <= r[1]][0]
    b = [n for n in nodes if myid(n) == owner][0]
    a = [n for n in nodes if role(n) == "master" and n is not b][0]
    with pytest.raises(redis.ResponseError, match=r"^MOVED %d 127\.0\.0\.1:%d$" % (slot, b.tls_port)):
        tls_client(a, certs).get(key)
    with pytest.raises(redis.ResponseError, match=r"^MOVED %d 127\.0\.0\.1:%d$" % (slot, b.port)):
        a.client().get(key)
    tls_nodes = tls_client(a, certs).execute_command("CLUSTER", "NODES")
    plain_nodes = a.client(decode_responses=True).execute_command("CLUSTER", "NODES")
    for n in nodes:
        assert "127.0.0.1:%d@%d" % (n.tls_port, n.tls_port + 10000) in tls_nodes
        assert "127.0.0.1:%d@%d" % (n.port, n.tls_port + 10000) in plain_nodes
    slots_tls = tls_client(a, certs).execute_command("CLUSTER", "SLOTS")
    assert {r[2][1] for r in slots_tls} == {n.tls_port for n in nodes if role(n) == "master"}
    slots_plain = a.client().execute_command("CLUSTER", "SLOTS")
    assert {r[2][1] for r in slots_plain} == {n.port for n in nodes if role(n) == "master"}
    # SHARDS gives both ports of every node, to either kind of client.
    for shard in a.client(decode_responses=True).execute_command("CLUSTER", "SHARDS"):
        for nd in shard[3]:
            d = dict(zip(nd[::2], nd[1::2]))
            n = [x for x in nodes if myid(x) == d["id"]][0]
            assert (d["port"], d["tls-port"]) == (n.port, n.tls_port)
    # nodes.conf keeps the announced (TLS) port.
    a.client().execute_command("CLUSTER", "SAVECONFIG")
    conf = open(os.path.join(a.workdir, "nodes.conf")).read()
    assert "127.0.0.1:%d@%d" % (a.tls_port, a.tls_port + 10000) in conf

    # kill -9 a master: its replica, linked over TLS, takes over.
    replica = [n for n in nodes if role(n) == "slave"][0]
    master = master_of(nodes, replica)
    wait_for(lambda: replica.info("replication")["master_link_status"] == "up", 30)
    assert replica.info("replication")["master_port"] == master.tls_port
    master.kill()
    master.proc = None
    wait_for(lambda: role(replica) == "master", 30, msg="replica promoted")
    alive = [n for n in nodes if n is not master]
    wait_ok(alive)
    for i in range(30):
        rc, out = cli(certs, alive[0].tls_port, "GET", "k%d" % i, cluster_mode=True)
        assert out.splitlines()[-1] == str(i), out
    rc, out = cli(certs, replica.tls_port, "--cluster", "check", "127.0.0.1:%d" % replica.tls_port)
    assert "[OK] All 16384 slots covered." in out, out


def test_mixed_castor_and_redis_server_tls_cluster(start_server, certs):
    """Debian's redis-server 7.0.15 is built with TLS: the same bus, both ways."""
    out = subprocess.run([REDIS_SERVER, "--version"], capture_output=True, text=True)
    if "7.0" not in out.stdout:
        pytest.skip("needs redis-server 7.0: %s" % out.stdout.strip())
    nodes = [tls_node(start_server, certs, binary=REDIS_SERVER if i % 2 else None)
             for i in range(6)]
    create(certs, nodes, 1)
    wait_ok(nodes)
    write_read_through_cli(certs, nodes[1], 30, "m")
    # Every node, of either kind, comes to give both ports of every node
    # (a node first heard of in gossip learns its plain port from its PING).
    def views():
        out = []
        for n in nodes:
            view = set()
            for shard in n.client(decode_responses=True).execute_command("CLUSTER", "SHARDS"):
                for nd in shard[3]:
                    d = dict(zip(nd[::2], nd[1::2]))
                    view.add((d["id"], d.get("port"), d.get("tls-port")))
            out.append(view)
        return out
    expected = {(myid(n), n.port, n.tls_port) for n in nodes}
    wait_for(lambda: all(v == expected for v in views()), 10, msg="ports agree")
    # A castor master killed: its replica (castor or redis-server) wins over TLS.
    victim = [n for n in nodes if n.binary != REDIS_SERVER and role(n) == "master"][0]
    replicas = [n for n in nodes if role(n) == "slave" and master_of(nodes, n) is victim]
    wait_for(lambda: all(r.info("replication")["master_link_status"] == "up" for r in replicas), 30)
    victim.kill()
    victim.proc = None
    wait_for(lambda: any(role(r) == "master" for r in replicas), 30, msg="promotion")
    alive = [n for n in nodes if n is not victim]
    wait_ok(alive)
    for i in range(30):
        rc, out = cli(certs, alive[0].tls_port, "GET", "m%d" % i, cluster_mode=True)
        assert out.splitlines()[-1] == str(i), out
