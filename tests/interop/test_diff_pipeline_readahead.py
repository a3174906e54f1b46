"""Differential: pipelines through castor's parse-once read-ahead, the same
bytes sent to castor and to Debian's redis-server (scenarios in
tests/lib/pipecases.py; tests/integration/test_pipeline_readahead.py says
which read-ahead guard each one checks). Replies, whether the connection
was closed and the data afterwards must agree.
"""

import pytest

import pipecases as pc

PW = [("requirepass", "pw")]


def both(pair, scenario, *args):
    out = [scenario(srv, *args) for srv in (pair.castor, pair.redis)]
    assert out[0] == out[1], "%s\n castor: %r\n  redis: %r" % (scenario.__name__, out[0], out[1])
    return out[0]


@pytest.mark.parametrize("before", [0, 2])
@pytest.mark.parametrize("blocker", sorted(pc.BLOCKERS))
def test_blocked_mid_pipeline(pair, blocker, before):
    replies, closed, values, dbsize, data = both(pair, pc.blocked_mid_pipeline, blocker, before, 12)
    assert (replies, closed, values, dbsize) == pc.blocked_mid_pipeline_expected(
        blocker, before, 12, data)


def test_blocked_mid_pipeline_served_while_more_bytes_arrive(pair):
    both(pair, pc.blocked_then_more_bytes)


def test_limits_change_mid_pipeline(make_pair):
    p = make_pair(PW)
    both(p, pc.reset_then_long_request, pc.many_args(6, "m"))
    both(p, pc.reset_then_long_request, pc.enc("SET", "big", "x" * 16385))
    both(p, pc.auth_then_long_requests,
         [pc.many_args(6, "m"), pc.enc("SET", "big", "x" * 20000), pc.enc("STRLEN", "big")])
    both(p, pc.unauth_while_blocked, pc.many_args(6, "m"))


def test_proto_max_bulk_len_lowered(pair):
    both(pair, pc.bulk_limit_lowered_while_blocked)
    both(pair, pc.bulk_limit_lowered_in_pipeline)


def test_mixed_pipeline(pair):
    pipe, n = pc.mixed_pipeline()

    def run(srv):
        with pc.admin(srv) as a:
            assert a.call("FLUSHALL") == "OK"
            out = [pc.run_split(srv, pipe, n, cut, a) for cut in (0, 1, len(pipe) // 2)]
            return out, a.call("FLUSHALL")

    out, _ = both(pair, run)
    assert out[0] == pc.MIXED_EXPECTED


def test_pipeline_over_read_buffer(pair):
    pipe, n = pc.big_pipeline()

    def run(srv):
        with pc.admin(srv) as a:
            assert a.call("FLUSHALL") == "OK"
            return pc.run_split(srv, pipe, n, 0, a)

    replies, closed = both(pair, run)
    assert not closed and replies[-1] == pc.big_pipeline_expected_mget()


def test_client_unpause_inside_exec(pair):
    both(pair, pc.unpause_mid_pipeline)
