"""Real clients whose correctness rests on scripts, against castor:
redis-py's Lock (three Lua scripts: release, extend, reacquire) and
register_script, and a job queue (Debian's python3-rq) enqueueing and
completing jobs with a worker."""

import os
import sys
import threading
import time

import pytest
from redis.exceptions import LockError, LockNotOwnedError, NoScriptError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def test_lock_acquire_extend_reacquire_release(server):
    c = server.client()
    lock = c.lock("resource", timeout=10)
    assert lock.acquire(blocking=False)
    assert c.get("resource") == lock.local.token
    assert 9000 < c.pttl("resource") <= 10000
    assert lock.extend(20)
    assert 20000 < c.pttl("resource") <= 30000
    assert lock.extend(5, replace_ttl=True)
    assert c.pttl("resource") <= 5000
    assert lock.reacquire()
    assert 9000 < c.pttl("resource") <= 10000
    assert lock.owned() and lock.locked()
    lock.release()
    assert c.exists("resource") == 0
    with pytest.raises(LockError):
        lock.release()


def test_lock_contention_and_ownership(server):
    c = server.client()
    a = c.lock("res", timeout=5)
    b = c.lock("res", timeout=5, blocking_timeout=0.2)
    assert a.acquire()
    assert not b.acquire()   # held: gives up after its blocking timeout
    # Another owner's token cannot release, extend or reacquire.
    for attempt in (b.release, lambda: b.extend(10), b.reacquire):
        b.local.token = b"not-the-owner"
        with pytest.raises(LockNotOwnedError):
            attempt()
    # A waiter gets the lock as soon as the holder releases it.
    got = []

    def waiter():
        w = c.lock("res", timeout=5, blocking_timeout=5, sleep=0.01)
        got.append(w.acquire())
        w.release()

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.05)   # let the waiter block on the held lock (not a synchronisation)
    a.release()
    t.join(10)
    assert got == [True]
    assert c.exists("res") == 0


def test_lock_counter_under_contention(server):
    """Eight threads increment a counter under the lock: no lost update."""
    c = server.client()
    c.set("counter", 0)

    def work():
        r = server.client()
        for _ in range(25):
            with r.lock("mutex", timeout=5, blocking_timeout=10, sleep=0.001):
                v = int(r.get("counter"))
                r.set("counter", v + 1)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert int(c.get("counter")) == 200


def test_register_script_loads_and_reloads(server):
    c = server.client()
    incr_by = c.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
    assert incr_by(keys=["n"], args=[5]) == 5
    assert c.script_exists(incr_by.sha) == [True]
    c.script_flush()
    # After a flush the object gets NOSCRIPT, loads the script again, retries.
    assert incr_by(keys=["n"], args=[2]) == 7
    pipe = c.pipeline()
    incr_by(keys=["n"], args=[1], client=pipe)
    incr_by(keys=["n"], args=[1], client=pipe)
    assert pipe.execute() == [8, 9]
    with pytest.raises(NoScriptError):
        c.evalsha("0" * 40, 0)


def test_rq_enqueues_and_completes_jobs(server):
    """RQ 1.13 keeps job results in a stream (XADD with MAXLEN, read back
    with XREVRANGE) on servers >= 5.0, which castor reports being: results
    and failures go through real streams."""
    rq = pytest.importorskip("rq")
    import rq_jobs
    c = server.client()
    q = rq.Queue("castor-test", connection=c)
    jobs = [q.enqueue(rq_jobs.add, i, 10 * i) for i in range(20)]
    bad = q.enqueue(rq_jobs.fail)
    assert len(q) == 21
    worker = rq.SimpleWorker([q], connection=c)
    assert worker.work(burst=True)
    for i, job in enumerate(jobs):
        job.refresh()
        assert job.get_status() == "finished"
        assert job.result == 11 * i
    bad.refresh()
    assert bad.get_status() == "failed"
    assert "job failed on purpose" in bad.exc_info
    # The results live in streams, not in the job hashes.
    result_keys = [k for k in c.scan_iter("rq:results:*")]
    assert len(result_keys) == 21
    assert all(c.type(k) == b"stream" for k in result_keys)
    assert len(q) == 0
    # Queue.empty() is a Lua script: it removes queued jobs and their data.
    more = [q.enqueue(rq_jobs.add, 1, 1) for _ in range(5)]
    assert len(q) == 5
    assert q.empty() == 5
    assert len(q) == 0
    assert not c.exists(*["rq:job:" + j.id for j in more])
