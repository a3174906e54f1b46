"""WAIT against redis-server 7.0.15: it counts the replicas that
acknowledged the calling connection's own last write (Redis's c->woff), not
the master's whole stream. A connection that never wrote gets every online
replica at once, even while a replica lags behind other clients' writes;
the connection whose write the replica lacks gets 0 after its timeout.
(castor waited for the master's offset: the second connection got 0.)"""

import os
import signal

import pytest

from castortest import CASTOR_SERVER, REDIS_SERVER
from repltest import replicaof, start_server, wait_for_sync  # noqa: F401  (replicas stop first)


@pytest.mark.parametrize("binary", [CASTOR_SERVER, REDIS_SERVER], ids=["castor", "redis"])
def test_wait_counts_acks_of_the_connections_own_write(start_server, binary):
    m = start_server(binary=binary)
    r = start_server(binary=binary)
    mc = m.client()
    replicaof(r.client(), mc)
    wait_for_sync(mc, r.client())
    writer, other = m.raw(), m.raw()
    os.kill(r.pid, signal.SIGSTOP)
    try:
        writer.send("SET", "k", "v")
        assert writer.read() == "OK"
        # The stopped replica acknowledged everything before that SET.
        other.send("WAIT", "1", "200")
        assert other.read() == 1
        writer.send("WAIT", "1", "200")
        assert writer.read() == 0
    finally:
        os.kill(r.pid, signal.SIGCONT)
    writer.send("WAIT", "1", "10000")
    assert writer.read() == 1
