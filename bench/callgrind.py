#!/usr/bin/python3
"""Server instructions per request under callgrind (load-independent).

    /usr/bin/python3 bench/callgrind.py [--server BIN] [-n N] [-P 1] [-c 50] TEST...

Starts BIN (default build/castor-server; /usr/bin/redis-server works too)
under `valgrind --tool=callgrind --instr-atstart=no` on a free loopback
port in a temp dir, loads what TEST needs, warms up with redis-benchmark,
then counts only the measured run (callgrind_control -i on/off) and prints
instructions per request. The count covers the whole process while the run
lasts, so timers (cron) are included, slowed down by valgrind; one client
(-c 1) gives the steadiest figure for comparing two builds. The server is
stopped by pid at the end. TEST is one of the names below; the loads are
bench.py's. --keep keeps the callgrind output for callgrind_annotate."""

import argparse
import glob
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ACL_AUTH, ACL_PATTERNS, make_certs  # noqa: E402  (tls certificates, acl user)

SMALL = "redis.call('incr', KEYS[1]) return redis.call('expire', KEYS[1], ARGV[1])"
TEN = ("local k = KEYS[1] "
       "redis.call('incr', k) redis.call('expire', k, ARGV[1]) "
       "redis.call('set', k .. ':s', ARGV[1]) redis.call('get', k .. ':s') "
       "redis.call('hset', k .. ':h', 'f', ARGV[1]) redis.call('hget', k .. ':h', 'f') "
       "redis.call('lpush', k .. ':l', ARGV[1]) redis.call('ltrim', k .. ':l', 0, 9) "
       "redis.call('sadd', k .. ':z', ARGV[1]) return redis.call('scard', k .. ':z')")


def sha(body):
    return hashlib.sha1(body.encode()).hexdigest()


TESTS = {
    "SET": ["-t", "set", "-d", "3"],
    "GET": ["-t", "get", "-d", "3"],
    # As bench.py's acl section: a user with 20 key patterns (set up below).
    "SET_ACL": ACL_AUTH + ["-t", "set", "-d", "3"],
    "GET_ACL": ACL_AUTH + ["-t", "get", "-d", "3"],
    "INCR": ["-t", "incr"],
    "MSET": ["-t", "mset", "-d", "3"],
    "LPUSH": ["-t", "lpush"],
    "HSET": ["-t", "hset"],
    "SADD": ["-t", "sadd"],
    "ZADD": ["-t", "zadd"],
    "EVALSHA": ["EVALSHA", sha(SMALL), "1", "rl:__rand_int__", "100"],
    "EVALSHA10": ["EVALSHA", sha(TEN), "1", "s:__rand_int__", "100"],
    "PFADD": ["PFADD", "hll:dense", "__rand_int__"],
    "PFADD_NEW": ["PFADD", "hll:__rand_int__", "__rand_int__"],
    "PFCOUNT": ["PFCOUNT", "hll:dense"],
    "GEOADD": ["GEOADD", "geo:new", "13.__rand_int__", "37.__rand_int__", "m:__rand_int__"],
    "XADD": ["XADD", "xs", "*", "a", "__rand_int__", "b", "vv"],
    "XRANGE_100": ["XRANGE", "xr", "-", "+", "COUNT", "100"],
    "GEOSEARCH": ["GEOSEARCH", "geo", "FROMMEMBER", "m:__rand_int__", "BYRADIUS", "1", "km", "ASC"],
    "GEOSEARCH_B": ["GEOSEARCH", "geo", "FROMMEMBER", "m:__rand_int__", "BYBOX", "4", "4", "km",
                    "COUNT", "10", "WITHDIST"],
    # bench.py's consumer-group loop (XREADGROUP COUNT 10 then XACK of the
    # ten, one client): -n counts messages; the figure is per message.
    "XREADGROUP_XACK": None,
}


class _Port:
    """What bench.group_loop needs of a server: a name, a port, a CPU clock."""

    def __init__(self, port):
        self.name, self.port = "server", port

    def cpu_ns(self):
        return 0


def group_load(port, count):
    """The stream xg of count entries (bench.py's load) and its group g at 0."""
    import bench
    srv = _Port(port)
    bench.stream_pipe_load(srv, bench.stream_load(b"xg", count))
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(bench.encode_command([b"XGROUP", b"CREATE", b"xg", b"g", b"0"]))
        sock.recv(100)


def geo_load(port):
    """bench.py's geo data set (100,000 points m:%012d), pipelined."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        for k, payload in bench.geo_load():
            sock.sendall(payload)
            got = b""
            while got.count(b"\r\n") < k:
                got += sock.recv(1 << 16)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(server, test, n, pipeline, clients, keep, tls=False):
    tmp = tempfile.mkdtemp(prefix="castor-callgrind.")
    out = os.path.join(tmp, "callgrind.out")
    port = free_port()
    extra, bench_port, bench_tls = [], port, []
    if tls:
        f = make_certs(tmp)
        bench_port = free_port()
        extra = ["--tls-port", str(bench_port), "--tls-cert-file", f["server.crt"],
                 "--tls-key-file", f["server.key"], "--tls-ca-cert-file", f["ca.crt"]]
        bench_tls = ["--tls", "--cacert", f["ca.crt"], "--cert", f["client.crt"],
                     "--key", f["client.key"]]
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=" + out,
         server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", tmp] + extra,
        stdout=open(os.path.join(tmp, "log"), "w"), stderr=subprocess.STDOUT)

    def cli(*args):
        return subprocess.run(["redis-cli", "-p", str(port)] + list(args),
                              capture_output=True, text=True, timeout=60).stdout

    def bench(count):
        if test == "XREADGROUP_XACK":
            import bench as b
            b.group_loop(_Port(port), max(count // 10, 1))
            return
        args = TESTS[test]
        subprocess.run(["redis-benchmark", "-p", str(bench_port)] + bench_tls + ["-c", str(clients), "-P",
                        str(pipeline), "-r", "100000", "-q", "-n", str(count)] + args,
                       capture_output=True, timeout=3600)

    try:
        deadline = time.time() + 60
        while "PONG" not in cli("PING"):
            if time.time() > deadline or proc.poll() is not None:
                raise SystemExit("%s did not start (log in %s)" % (server, tmp))
            time.sleep(0.1)
        cli("SCRIPT", "LOAD", SMALL)
        cli("SCRIPT", "LOAD", TEN)
        if test.endswith("_ACL"):
            cli("ACL", "SETUSER", "benchacl", "reset", "on", ">benchpw", "+@all", *ACL_PATTERNS)
        if test.startswith("PF"):
            for i in range(0, 20000, 1000):
                cli("PFADD", "hll:dense", *[str(x) for x in range(i, i + 1000)])
            cli("PFCOUNT", "hll:dense")
        if test.startswith("XRANGE"):
            lines = "".join("XADD xr %d-1 a %d b vv\n" % (j, j) for j in range(1, 1001))
            subprocess.run(["redis-cli", "-p", str(port)], input=lines, capture_output=True,
                           text=True, timeout=600)
        if test.startswith("GEOSEARCH"):
            geo_load(port)
        if test == "XREADGROUP_XACK":
            group_load(port, max(n // 10, 1000) + n)
        bench(max(n // 10, 1000))
        subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], capture_output=True)
        bench(n)
        subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], capture_output=True)
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], capture_output=True)
    finally:
        proc.terminate()
        proc.wait()
    total = 0
    for f in glob.glob(out + "*"):
        for line in open(f):
            if line.startswith("totals:"):
                total = max(total, int(line.split()[1]))
    if keep:
        print("# callgrind output in", tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return total / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tests", nargs="+", choices=sorted(TESTS))
    ap.add_argument("--server", default="build/castor-server")
    ap.add_argument("-n", type=int, default=20000, help="requests measured")
    ap.add_argument("-P", type=int, default=1, help="pipeline")
    ap.add_argument("-c", type=int, default=50, help="clients")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--tls", action="store_true", help="drive a TLS port (bench.py's certificates)")
    a = ap.parse_args()
    for t in a.tests:
        per = measure(a.server, t, a.n, a.P, a.c, a.keep, a.tls)
        print("%-10s P%-2d c%-3d %s%s  %8.0f instructions/request" %
              (t, a.P, a.c, os.path.basename(a.server), " tls" if a.tls else "", per))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
