"""Bounded Jepsen-style run under Debian's redis-sentinel (tests/lib/jepsen.py):
castor with the durability mode on (min-replicas-to-ack 1) loses no
acknowledged write over kill -9, SIGSTOP beyond down-after-milliseconds and
CLIENT KILL TYPE replica rounds, and over a network partition round run in
a private network namespace where the machine allows one (root, unshare,
nft; skipped with the reason otherwise). Kept short for make test;
bench/bench.py's section `jepsen` runs more rounds (partitions included
where allowed) and counts the losses with the mode off and for
redis-server with WAIT 1 after each write."""

import os
import sys

import pytest

import jepsen
import repltest as rt
import sentineltest as st
from sentineltest import sentinels  # noqa: F401  (fixture)
from castortest import CASTOR_SERVER

ROUNDS = int(os.environ.get("CASTOR_JEPSEN_ROUNDS", "3"))


@pytest.fixture
def start_server(start_server):
    stopper = rt.ReverseStopper(start_server)
    yield stopper
    stopper.stop_all()


@pytest.mark.skipif("redis-server" in os.path.basename(CASTOR_SERVER),
                    reason="the durability mode is castor's")
def test_no_acknowledged_write_lost_with_the_durability_mode(start_server, sentinels, capsys):
    res = jepsen.run(start_server, sentinels, kind="castor", mode="ack", rounds=ROUNDS)
    with capsys.disabled():
        print("\n" + res.line())
    assert len(res.rounds) == ROUNDS
    assert res.acked > 0
    assert not res.lost, "acknowledged writes lost: %r" % sorted(res.lost)[:10]


@pytest.mark.skipif(not os.environ.get("CASTOR_JEPSEN_ALL"),
                    reason="the counting runs are bench/bench.py's section jepsen")
@pytest.mark.parametrize("kind,mode", [("castor", "ack"), ("castor", "async"),
                                       ("castor", "wait"), ("redis", "wait")])
def test_count_losses(start_server, sentinels, capsys, kind, mode):
    """Prints the JEPSEN line of each configuration (bench/bench.py reads
    it); asserts only that the mode on loses nothing."""
    res = jepsen.run(start_server, sentinels, kind=kind, mode=mode, rounds=ROUNDS)
    with capsys.disabled():
        print("\n" + res.line())
    if mode == "ack":
        assert not res.lost


@pytest.mark.skipif("redis-server" in os.path.basename(CASTOR_SERVER),
                    reason="the durability mode is castor's")
def test_no_acknowledged_write_lost_over_a_partition(tmp_path, capsys):
    """One partition round: this file's test_partition_inside, run by a
    pytest of its own in a new network namespace (its own loopback: the
    nftables rules can reach nothing outside it)."""
    if jepsen.in_netns():
        pytest.skip("already inside the namespace: test_partition_inside runs here")
    why = jepsen.netns_unavailable()
    if why:
        pytest.skip(why)
    argv = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
            "--basetemp", str(tmp_path / "netns"), os.path.abspath(__file__),
            "-k", "test_partition_inside"]
    out = jepsen.run_in_netns(argv, os.environ, timeout=600)
    with capsys.disabled():
        print("\n" + "\n".join(l for l in out.stdout.splitlines() if l.startswith("JEPSEN ")))
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "JEPSEN " in out.stdout and "partition:0/" in out.stdout, out.stdout[-4000:]


@pytest.mark.skipif(not jepsen.in_netns(),
                    reason="runs in its own network namespace, started by "
                           "test_no_acknowledged_write_lost_over_a_partition")
def test_partition_inside(start_server, sentinels, capsys):
    rounds = int(os.environ.get("CASTOR_JEPSEN_PARTITION_ROUNDS", "1"))
    res = jepsen.run(start_server, sentinels, kind="castor", mode="ack", rounds=rounds,
                     fault_list=("partition",))
    with capsys.disabled():
        print("\n" + res.line())
    assert len(res.rounds) == rounds
    assert res.acked > 0
    assert not res.lost, "acknowledged writes lost: %r" % sorted(res.lost)[:10]
