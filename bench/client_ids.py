#!/usr/bin/python3
"""Invalidations per second with many idle clients connected.

One tracking client (the oldest) reads N keys; a writer then overwrites
them in one pipeline, and each write sends one invalidation, looked up by
the tracking client's ID. With a linear scan of the client list that
lookup walks every idle client (see bench/README.md).
Usage: client_ids.py SERVER [IDLE] [N]"""
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
from castortest import free_port, wait_for  # noqa: E402


def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def read_until(s, buf, pred):
    while not pred(buf):
        chunk = s.recv(1 << 20)
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def main():
    binary = sys.argv[1]
    idle = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    port = free_port()
    d = tempfile.mkdtemp()
    p = subprocess.Popen([binary, "--port", str(port), "--save", "", "--maxclients", str(idle + 100),
                          "--dir", d], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def up():
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                return True
            except OSError:
                return False
        wait_for(up, 10)
        t = socket.create_connection(("127.0.0.1", port))  # oldest: the list's tail
        t.sendall(cmd("HELLO", "3") + cmd("CLIENT", "TRACKING", "on"))
        read_until(t, b"", lambda b: b.endswith(b"+OK\r\n"))
        idles = []
        for _ in range(idle):
            s = socket.create_connection(("127.0.0.1", port))
            idles.append(s)
        w = socket.create_connection(("127.0.0.1", port))
        w.sendall(cmd("PING"))
        read_until(w, b"", lambda b: b == b"+PONG\r\n")
        keys = [b"k%d" % i for i in range(n)]
        w.sendall(b"".join(cmd("SET", k, "v") for k in keys))
        read_until(w, b"", lambda b: b.count(b"+OK\r\n") == n)
        t.sendall(b"".join(cmd("GET", k) for k in keys))
        read_until(t, b"", lambda b: b.count(b"$1\r\nv\r\n") == n)
        start = time.perf_counter()
        w.sendall(b"".join(cmd("SET", k, "w") for k in keys))
        read_until(w, b"", lambda b: b.count(b"+OK\r\n") == n)
        got = read_until(t, b"", lambda b: b.count(b"invalidate") == n)
        secs = time.perf_counter() - start
        print("idle=%d invalidations=%d seconds=%.3f invalidations/s=%.0f"
              % (idle, got.count(b"invalidate"), secs, n / secs))
        for s in idles:
            s.close()
    finally:
        p.terminate()
        p.wait()


main()
