"""castorfixtures.py -- pytest fixtures shared by tests/integration and
tests/interop (each conftest.py does `from castorfixtures import *`).

    server        a started castor (function scope), stopped afterwards
    start_server  factory: start_server(directives=..., config=..., binary=...)
                  -> started Server; every server it made is stopped afterwards

Teardown fails the test if castor died by a signal on its own or left a
sanitizer report on stderr (the ASan build is run with CASTOR_SERVER).
"""

import pytest

from castortest import CASTOR_SERVER, Server

__all__ = ["server", "start_server", "finish_server"]


def finish_server(s):
    """Stop s; return a problem description, or '' if it ended cleanly."""
    if s.proc is None:
        return ""
    died = s.proc.poll()
    s.stop()
    problems = []
    if died is not None and died < 0:
        problems.append("%s died by signal %d during the test" % (s.name, -died))
    report = s.sanitizer_report()
    if report:
        problems.append("%s wrote a sanitizer report" % s.name)
    if problems:
        return "; ".join(problems) + "\n" + s.diagnostics(80)
    return ""


def _teardown(servers):
    problems = [p for p in (finish_server(s) for s in servers) if p]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path / "castor", binary=CASTOR_SERVER, name="castor")
    try:
        s.start()
        yield s
    finally:
        _teardown([s])


@pytest.fixture
def start_server(tmp_path):
    made = []

    def start(directives=(), config=None, binary=None, name=None, port=None, defaults=True):
        n = len(made)
        s = Server(tmp_path / ("srv%d" % n), binary=binary or CASTOR_SERVER, directives=directives,
                   config=config, port=port, defaults=defaults,
                   name=name or ("castor%d" % n if not binary else "server%d" % n))
        made.append(s)
        return s.start()

    try:
        yield start
    finally:
        _teardown(made)
