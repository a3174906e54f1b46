"""Active expiry, and Redis's own tools (redis-cli, redis-benchmark) against
castor."""

import re
import subprocess

from castortest import REDIS_BENCHMARK, REDIS_CLI, wait_for
from resp import encode_command


def test_active_expiry_removes_untouched_keys(server):
    """Keys with a TTL disappear even if no command touches them (DBSIZE
    counts logically expired keys until they are reclaimed)."""
    c = server.raw()
    replies = c.pipeline([("SET", "k%d" % i, "v", "PX", "50") for i in range(100)])
    assert all(r == ("+", b"OK") for r in replies)
    c.call("SET", "persistent", "v")
    wait_for(lambda: c.call("DBSIZE") == 1, timeout=10, msg="DBSIZE to drop to 1")
    stats = server.info("stats")
    assert stats["expired_keys"] == 100
    assert stats["keyspace_hits"] == 0 and stats["keyspace_misses"] == 0
    assert c.call("GET", "persistent") == b"v"


def test_lazy_expiry_on_access(server):
    c = server.raw()
    c.call("CONFIG", "SET", "hz", "1")
    c.call("SET", "k", "v", "PX", "1")
    wait_for(lambda: c.call("PTTL", "k") == -2, timeout=5)
    assert c.call("EXISTS", "k") == 0
    assert server.info("stats")["expired_keys"] == 1


def test_redis_cli_pipe_mode(server):
    data = b"".join(encode_command("SET", "key:%d" % i, "value-%d" % i) for i in range(1000))
    data += encode_command("INCR", "key:0")  # one error among the replies
    p = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(server.port), "--pipe"],
                       input=data, capture_output=True, timeout=60)
    out = p.stdout.decode() + p.stderr.decode()
    assert "errors: 1, replies: 1001" in out, out
    assert p.returncode == 1  # redis-cli --pipe exits 1 when a reply was an error
    r = server.client()
    assert r.dbsize() == 1000
    assert r.get("key:999") == b"value-999"


def test_redis_cli_commands_and_raw_output(server):
    def cli(*args):
        p = subprocess.run([REDIS_CLI, "-p", str(server.port), *args], capture_output=True,
                           timeout=30)
        return p.returncode, p.stdout.decode()
    assert cli("SET", "a", "1") == (0, "OK\n")
    assert cli("INCR", "a") == (0, "2\n")
    assert cli("GET", "nosuch") == (0, "\n")
    assert cli("--no-raw", "GET", "nosuch") == (0, "(nil)\n")
    assert cli("--no-raw", "GET", "a") == (0, '"2"\n')
    assert cli("--no-raw", "NOSUCHCMD")[1].startswith("(error) ERR unknown command")
    # An empty RESP3 map (collections arrive with issue #3; CONFIG GET gives one now).
    assert cli("-3", "--no-raw", "CONFIG", "GET", "nosuch*") == (0, "(empty hash)\n")
    code, out = cli("INFO", "server")
    assert code == 0 and "redis_version:" in out


def test_redis_benchmark_runs(server):
    # The string and connection tests; the list/set/hash ones join with issue #3.
    p = subprocess.run([REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(server.port), "-n", "1000",
                        "-t", "ping,set,get,incr,mset", "-q"], capture_output=True, timeout=120)
    out = p.stdout.decode(errors="replace")
    err = p.stderr.decode(errors="replace")
    assert p.returncode == 0, out + err
    # -q prints "NAME: N requests per second, p50=..." after \r-separated progress.
    results = re.findall(r"([A-Z_0-9]+)[^:\r\n]*: ([\d.]+) requests per second", out)
    names = [name for name, _ in results]
    for required in ("PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET"):
        assert required in names, out
    assert all(float(rps) > 0 for _, rps in results), results
    assert "ERR" not in out + err and "Error" not in out + err, out + err
    assert server.client().ping() is True
