"""Fixtures for differential tests: castor beside Debian's redis-server.

    pair       a castor and a redis-server with identical settings (see
               tests/lib/pair.py). The two processes are shared by the tests of
               one module to keep the suite fast; each test gets fresh
               connections and empty datasets (FLUSHALL). A test that changes
               server config must restore it, or use make_pair.
    make_pair  factory: make_pair(directives=...) -> a Pair of its own,
               stopped after the test.
    server, start_server   as in tests/integration.

REDIS_SERVER overrides the reference binary (default /usr/bin/redis-server).
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from castorfixtures import *  # noqa: E402,F401,F403  (server, start_server)
from castorfixtures import finish_server  # noqa: E402
from castortest import CASTOR_SERVER, REDIS_SERVER, Server  # noqa: E402
from pair import Pair  # noqa: E402


def _start_pair(base, directives=()):
    c = Server(base / "castor", binary=CASTOR_SERVER, directives=directives, name="castor")
    r = Server(base / "redis", binary=REDIS_SERVER, directives=directives, name="redis")
    try:
        c.start()
        r.start()
    except BaseException:
        c.stop()
        r.stop()
        raise
    return Pair(c, r)


def _finish_pair(p):
    p.close()
    return [m for m in (finish_server(p.castor), finish_server(p.redis)) if m]


@pytest.fixture(scope="module")
def _module_pair(tmp_path_factory):
    holder = {"pair": None, "base": tmp_path_factory.mktemp("pair")}
    try:
        yield holder
    finally:
        if holder["pair"] is not None:
            problems = _finish_pair(holder["pair"])
            if problems:
                pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def pair(_module_pair, tmp_path):
    p = _module_pair["pair"]
    if p is not None and not (p.castor.alive() and p.redis.alive()):
        # The previous test killed a server; that test has already failed.
        _finish_pair(p)
        p = None
    if p is None:
        p = _start_pair(_module_pair["base"] / ("run-" + tmp_path.name))
        _module_pair["pair"] = p
    p.reset()
    yield p
    p.close()
    if not p.castor.alive():
        problems = _finish_pair(p)
        _module_pair["pair"] = None
        pytest.fail("castor is no longer running after this test\n" + "\n".join(problems),
                    pytrace=False)


@pytest.fixture
def make_pair(tmp_path):
    made = []

    def make(directives=()):
        p = _start_pair(tmp_path / ("pair%d" % len(made)), directives)
        made.append(p)
        p.reset()
        return p

    try:
        yield make
    finally:
        problems = []
        for p in made:
            problems += _finish_pair(p)
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)
