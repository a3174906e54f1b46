"""Pub/Sub behaviour that differential tests can't show: slow subscribers are
cut off by the pubsub output-buffer class, and disconnects leave nothing."""

import socket

from castortest import wait_for


def test_slow_subscriber_is_cut_off_by_pubsub_limit(start_server):
    s = start_server({"client-output-buffer-limit": "pubsub 2mb 1mb 60"})
    r = s.client()
    rss_before = s.rss_kb()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", s.port))
    try:
        sock.sendall(b"SUBSCRIBE slow\r\n")
        wait_for(lambda: r.pubsub_numsub("slow") == [(b"slow", 1)], timeout=5)
        payload = b"x" * (64 * 1024)
        for _ in range(200):   # 12.5 MB to a subscriber that never reads
            r.publish("slow", payload)
            if r.pubsub_numsub("slow") == [(b"slow", 0)]:
                break
        wait_for(lambda: r.pubsub_numsub("slow") == [(b"slow", 0)], timeout=10,
                 msg="the slow subscriber to be disconnected")
    finally:
        sock.close()
    assert "output buffer limits" in s.logfile
    assert s.rss_kb() - rss_before < 64 * 1024
    assert r.info("stats")["pubsub_channels"] == 0


def test_subscriber_disconnect_removes_subscriptions(server):
    r = server.client()
    p = r.pubsub()
    p.subscribe("a", "b")
    p.psubscribe("x*")
    wait_for(lambda: r.pubsub_numpat() == 1, timeout=5)
    assert dict(r.pubsub_numsub("a", "b")) == {b"a": 1, b"b": 1}
    p.close()
    wait_for(lambda: r.pubsub_numpat() == 0, timeout=5)
    assert dict(r.pubsub_numsub("a", "b")) == {b"a": 0, b"b": 0}
    assert r.publish("a", "nobody") == 0


def test_client_list_shows_subscription_counts(server):
    r = server.client()
    p = r.pubsub()
    p.subscribe("a", "b")
    p.psubscribe("x*")
    wait_for(lambda: r.pubsub_numpat() == 1, timeout=5)
    lines = [l for l in r.execute_command("CLIENT", "LIST").decode().splitlines() if "sub=2" in l]
    assert len(lines) == 1 and "psub=1" in lines[0] and "flags=P" in lines[0], lines
    p.close()
