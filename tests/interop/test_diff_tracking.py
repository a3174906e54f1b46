"""Client-side caching (CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO),
differential against redis-server: the same scenario runs on both servers
and everything each connection receives (replies and invalidation
messages, in their order and wire types) must be the same. Client IDs
differ between the servers, so they are replaced by names before the
transcripts are compared.

"When tracking is enabled Redis remembers the keys that each client
requested, in order to send later invalidation messages when such keys
are modified. Invalidation messages are sent in the same connection (only
available when the RESP3 protocol is used) or redirected in a different
connection (available also with RESP2 and Pub/Sub)." (CLIENT TRACKING
documentation)
"""

import time

import pytest

from resp import RespConn, normalize, fmt


class Run:
    """One side's run of a scenario: its connections and transcript."""

    def __init__(self, srv):
        self.srv = srv
        self.conns = []
        self.ids = {}
        self.log = []

    def conn(self, name, proto=2):
        c = RespConn(self.srv.port, protocol=proto, password=self.srv.password)
        c.name = name
        self.conns.append(c)
        self.ids[c.call("CLIENT", "ID")] = name
        return c

    def _note(self, c, what, node):
        self.log.append((c.name, what, self._names(node)))
        return node

    def _names(self, node):
        kind, v = node
        if kind == ":" and v in self.ids:
            return (":", "id:" + self.ids[v])
        if kind in "*>~" and v is not None:
            return (kind, [self._names(x) for x in v])
        if kind == "%":
            return (kind, [(self._names(k), self._names(x)) for k, x in v])
        if kind in "$=" and v is not None:
            # CLIENT LIST lines carry ids and addresses: keep the fields
            # tracking changes (flags, redir) only.
            if v.startswith(b"id=") or v.startswith(b"txt:id="):
                fields = dict(f.split(b"=", 1) for f in v.split() if b"=" in f)
                redir = int(fields.get(b"redir", b"-1"))
                return (kind, (fields.get(b"flags"), self.ids.get(redir, redir)))
        return node

    def call(self, c, *args):
        """A command and its reply; the id of a client named in args is
        written as ID:<name>."""
        real = []
        for a in args:
            if isinstance(a, str) and a.startswith("ID:"):
                a = str(next(i for i, n in self.ids.items() if n == a[3:]))
            real.append(a)
        c.send(*real)
        return self._note(c, " ".join(map(str, args)), c.read_node())

    def read(self, c, what="message"):
        return self._note(c, what, c.read_node())

    def close(self):
        for c in self.conns:
            c.close()


def same_scenario(pair, scenario):
    """Run scenario(run) on castor then on redis; the transcripts must match."""
    runs = []
    for srv in (pair.castor, pair.redis):
        for c in pair.conns():
            c.call("FLUSHALL")
            c.call("CONFIG", "SET", "tracking-table-max-keys", "1000000")
            c.close()
        r = Run(srv)
        try:
            scenario(r)
        finally:
            r.close()
        runs.append(r.log)
    a, b = runs
    for i, (x, y) in enumerate(zip(a, b)):
        assert (x[0], x[1], normalize(x[2])) == (y[0], y[1], normalize(y[2])), (
            "step %d (%s: %s)\n castor: %s\n  redis: %s" % (i, x[0], x[1], fmt(x[2]), fmt(y[2])))
    assert len(a) == len(b)


# ---- Options and their errors --------------------------------------------------------------

OPTION_CASES = [
    ("CLIENT", "TRACKING", "on", "prefix", "a"),
    ("CLIENT", "TRACKING", "on", "bcast", "optin"),
    ("CLIENT", "TRACKING", "on", "bcast", "optout"),
    ("CLIENT", "TRACKING", "on", "optin", "optout"),
    ("CLIENT", "TRACKING", "on", "redirect", "999999"),
    ("CLIENT", "TRACKING", "on", "redirect", "0"),
    ("CLIENT", "TRACKING", "on", "redirect", "-1"),
    ("CLIENT", "TRACKING", "on", "redirect", "abc"),
    ("CLIENT", "TRACKING", "off", "redirect", "999999"),
    ("CLIENT", "TRACKING", "on", "foo"),
    ("CLIENT", "TRACKING", "on", "redirect"),
    ("CLIENT", "TRACKING", "on", "prefix"),
    ("CLIENT", "TRACKING", "maybe"),
    ("CLIENT", "TRACKING"),
    ("CLIENT", "TRACKING", "on", "bcast", "prefix", "ab", "prefix", "a"),
    ("CLIENT", "TRACKING", "on", "bcast", "prefix", "a", "prefix", "ab"),
    ("CLIENT", "CACHING", "yes"),
    ("CLIENT", "CACHING", "no"),
    ("CLIENT", "CACHING", "maybe"),
    ("CLIENT", "CACHING"),
    ("CLIENT", "CACHING", "yes", "no"),
    ("CLIENT", "GETREDIR"),
    ("CLIENT", "GETREDIR", "x"),
    ("CLIENT", "TRACKINGINFO"),
    ("CLIENT", "TRACKINGINFO", "x"),
    ("CLIENT", "TRACKING", "off", "bcast"),
]


@pytest.mark.parametrize("proto", [2, 3])
def test_tracking_options_and_errors(pair, proto):
    for args in OPTION_CASES:
        pair.check(*args, proto=proto)


def test_mode_switches_and_trackinginfo(pair):
    def scenario(r):
        a = r.conn("a", 3)
        r.conn("redir")
        steps = [
            ("CLIENT", "TRACKING", "on", "optin"),
            ("CLIENT", "TRACKINGINFO"),
            ("CLIENT", "CACHING", "no"),
            ("CLIENT", "CACHING", "yes"),
            ("CLIENT", "TRACKINGINFO"),
            ("CLIENT", "TRACKING", "on", "optout"),
            ("CLIENT", "TRACKING", "on", "bcast"),
            ("CLIENT", "TRACKING", "on", "noloop", "redirect", "ID:redir"),
            ("CLIENT", "TRACKINGINFO"),
            ("CLIENT", "GETREDIR"),
            ("CLIENT", "INFO"),
            ("CLIENT", "TRACKING", "off"),
            ("CLIENT", "GETREDIR"),
            ("CLIENT", "TRACKINGINFO"),
            ("CLIENT", "TRACKING", "on", "bcast", "prefix", "foo", "prefix", "bar"),
            ("CLIENT", "TRACKING", "on", "bcast", "prefix", "fo"),
            ("CLIENT", "TRACKING", "on", "bcast", "prefix", "barb"),
            ("CLIENT", "TRACKING", "on", "bcast", "prefix", "baz"),
            ("CLIENT", "TRACKING", "on"),
            ("CLIENT", "TRACKING", "on", "optout"),
            ("CLIENT", "TRACKINGINFO"),
            ("CLIENT", "INFO"),
            ("CLIENT", "TRACKING", "off"),
            ("CLIENT", "TRACKING", "on", "bcast"),
            ("CLIENT", "TRACKINGINFO"),
            ("RESET",),
            ("CLIENT", "TRACKINGINFO"),
        ]
        for s in steps:
            r.call(a, *s)
    same_scenario(pair, scenario)


# ---- Invalidation ---------------------------------------------------------------------------

def test_resp3_invalidation_in_the_same_connection(pair):
    """Keys read are invalidated once when another client changes them, and
    a client's own write is told after the reply of that write."""
    def scenario(r):
        t = r.conn("t", 3)
        w = r.conn("w")
        r.call(t, "CLIENT", "TRACKING", "on")
        r.call(w, "MSET", "k1", "1", "k2", "2", "h", "x")
        r.call(t, "MGET", "k1", "k2", "nokey")
        r.call(w, "INCR", "k1")
        r.call(t, "PING")          # the push comes first
        r.read(t, "PONG")
        r.call(w, "INCR", "k1")    # no longer tracked: nothing
        r.call(w, "DEL", "nokey")  # nothing deleted: no change
        r.call(w, "SET", "nokey", "1")
        r.call(t, "PING")
        r.read(t, "PONG")
        r.call(t, "GET", "k2")
        r.call(t, "SET", "k2", "mine")  # reply, then the push
        r.read(t)
        r.call(t, "HSET", "hh", "f", "1")
        r.call(t, "HGET", "hh", "f")
        r.call(t, "HDEL", "hh", "f")
        r.read(t)
        r.call(t, "PING")
    same_scenario(pair, scenario)


def test_transaction_reply_comes_before_its_invalidations(pair):
    def scenario(r):
        t = r.conn("t", 3)
        r.call(t, "CLIENT", "TRACKING", "on")
        r.call(t, "MSET", "a", "1", "b", "2")
        r.call(t, "GET", "a")
        r.call(t, "MULTI")
        r.call(t, "INCR", "a")
        r.call(t, "GET", "b")
        r.call(t, "EXEC")
        r.read(t)
        r.call(t, "MULTI")
        r.call(t, "FLUSHDB")
        r.call(t, "EXEC")
        r.read(t, "flush null")
        r.call(t, "PING")
    same_scenario(pair, scenario)


def test_resp2_redirection_to_invalidate_channel(pair):
    def scenario(r):
        sub = r.conn("sub")
        t = r.conn("t")
        w = r.conn("w")
        r.call(sub, "SUBSCRIBE", "__redis__:invalidate")
        r.call(t, "CLIENT", "TRACKING", "on", "redirect", "ID:sub")
        r.call(w, "SET", "a", "1")
        r.call(t, "GET", "a")
        r.call(w, "SET", "a", "2")
        r.read(sub)
        r.call(t, "GET", "a")
        r.call(w, "FLUSHALL")
        r.read(sub, "flushall null")
        r.call(t, "GET", "a")
        r.call(w, "SELECT", "9")
        r.call(w, "SET", "a", "other db")   # keys are not per database
        r.read(sub)
        r.call(t, "CLIENT", "GETREDIR")
        r.call(t, "CLIENT", "INFO")
        r.call(sub, "PING")
    same_scenario(pair, scenario)


def test_resp3_redirection_target_gets_pushes(pair):
    def scenario(r):
        target = r.conn("target", 3)
        t = r.conn("t")
        w = r.conn("w")
        r.call(t, "CLIENT", "TRACKING", "on", "redirect", "ID:target")
        r.call(t, "GET", "k")
        r.call(w, "SET", "k", "1")
        r.read(target)
        r.call(target, "PING")
    same_scenario(pair, scenario)


def test_broken_redirection_is_told_to_a_resp3_client(pair):
    def scenario(r):
        gone = r.conn("gone")
        t = r.conn("t", 3)
        w = r.conn("w")
        r.call(t, "CLIENT", "TRACKING", "on", "redirect", "ID:gone")
        r.call(t, "GET", "k")
        r.call(gone, "QUIT")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            info = w.call("CLIENT", "LIST")
            if b"id=%d " % next(i for i, n in r.ids.items() if n == "gone") not in info:
                break
            time.sleep(0.01)
        r.call(w, "SET", "k", "1")
        r.read(t, "tracking-redir-broken")
        r.call(t, "CLIENT", "TRACKINGINFO")
        r.call(t, "CLIENT", "INFO")
    same_scenario(pair, scenario)


def test_bcast_prefixes_and_noloop(pair):
    def scenario(r):
        sub = r.conn("sub")
        t = r.conn("t")
        w = r.conn("w")
        r.call(sub, "SUBSCRIBE", "__redis__:invalidate")
        r.call(t, "CLIENT", "TRACKING", "on", "bcast", "redirect", "ID:sub",
               "prefix", "b:", "prefix", "a:")
        r.call(t, "MULTI")
        for k in ("b:2", "a:2", "c:1", "a:1", "b:1", "a:10"):
            r.call(t, "INCR", k)
        r.call(t, "EXEC")
        r.read(sub, "prefix a:")
        r.read(sub, "prefix b:")
        r.call(t, "CLIENT", "TRACKING", "on", "bcast", "redirect", "ID:sub", "prefix", "c:")
        r.call(w, "SET", "c:9", "x")
        r.read(sub, "prefix c:")
        r.call(t, "CLIENT", "TRACKING", "off")
        r.call(t, "CLIENT", "TRACKING", "on", "bcast", "noloop", "redirect", "ID:sub")
        r.call(w, "SET", "other1", "1")
        r.read(sub)
        r.call(t, "SET", "loop", "1")     # its own: not told
        r.call(w, "SET", "other2", "1")
        r.read(sub)
        r.call(t, "CLIENT", "TRACKINGINFO")
        r.call(sub, "PING")
    same_scenario(pair, scenario)


def test_noloop_hides_own_writes(pair):
    def scenario(r):
        sub = r.conn("sub")
        t = r.conn("t")
        w = r.conn("w")
        r.call(sub, "SUBSCRIBE", "__redis__:invalidate")
        r.call(t, "CLIENT", "TRACKING", "on", "redirect", "ID:sub", "noloop")
        r.call(t, "MGET", "o1", "mine", "o2")
        r.call(w, "SET", "o1", "1")
        r.read(sub)
        r.call(t, "SET", "mine", "1")
        r.call(w, "SET", "o2", "1")
        r.read(sub)
        r.call(sub, "PING")
    same_scenario(pair, scenario)


def test_optin_and_optout(pair):
    def scenario(r):
        t = r.conn("t", 3)
        w = r.conn("w")
        r.call(t, "CLIENT", "TRACKING", "on", "optin")
        r.call(t, "GET", "k1")                  # not cached
        r.call(t, "CLIENT", "CACHING", "yes")
        r.call(t, "GET", "k2")                  # cached
        r.call(t, "GET", "k3")                  # CACHING held for one command
        r.call(w, "MSET", "k1", "1", "k2", "2", "k3", "3")
        r.read(t)
        r.call(t, "CLIENT", "CACHING", "yes")
        r.call(t, "MULTI")
        r.call(t, "GET", "m1")
        r.call(t, "GET", "m2")
        r.call(t, "EXEC")
        r.call(w, "MSET", "m1", "1", "m2", "2")
        r.read(t)
        r.read(t)
        r.call(t, "CLIENT", "TRACKING", "off")
        r.call(t, "CLIENT", "TRACKING", "on", "optout")
        r.call(t, "CLIENT", "CACHING", "no")
        r.call(t, "GET", "k1")                  # not cached
        r.call(t, "GET", "k2")                  # cached
        r.call(w, "MSET", "k1", "1", "k2", "2")
        r.read(t)
        r.call(t, "PING")
    same_scenario(pair, scenario)


def test_expired_keys_are_invalidated(pair):
    def scenario(r):
        t = r.conn("t", 3)
        w = r.conn("w")
        r.call(w, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
        r.call(t, "CLIENT", "TRACKING", "on")
        r.call(w, "SET", "x", "1")
        r.call(w, "SET", "y", "2", "PX", "20")
        r.call(t, "GET", "y")
        time.sleep(0.05)
        r.call(t, "MGET", "x", "y")             # lazily expired: after the reply
        r.read(t)
        r.call(w, "SET", "z", "3", "PX", "20")
        r.call(t, "GET", "z")
        r.call(w, "DEBUG", "SET-ACTIVE-EXPIRE", "1")
        r.read(t, "active expiry")
        r.call(t, "PING")
    same_scenario(pair, scenario)


def test_flushes_send_null(pair):
    def scenario(r):
        t2 = r.conn("t2")
        t3 = r.conn("t3", 3)
        sub = r.conn("sub")
        w = r.conn("w")
        r.call(sub, "SUBSCRIBE", "__redis__:invalidate")
        r.call(t2, "CLIENT", "TRACKING", "on", "redirect", "ID:sub")
        r.call(t3, "CLIENT", "TRACKING", "on")
        r.call(t2, "GET", "a")
        r.call(t3, "GET", "a")
        r.call(w, "INFO", "stats")  # (compared loosely below)
        r.call(w, "FLUSHDB")
        r.read(sub, "flushdb")
        r.read(t3, "flushdb")
        r.call(w, "FLUSHALL", "ASYNC")
        r.read(sub, "flushall async")
        r.read(t3, "flushall async")
        r.call(w, "SET", "a", "1")   # the table was forgotten: nothing
        r.call(t3, "PING")
        r.call(sub, "PING")
    same_scenario_loose_info(pair, scenario)


def same_scenario_loose_info(pair, scenario):
    """same_scenario, with INFO replies reduced to their tracking fields."""
    orig = Run._names

    def names(self, node):
        kind, v = node
        if kind in "$=" and v is not None and (b"# Stats" in v or b"# Clients" in v):
            keep = [ln for ln in v.split(b"\r\n") if ln.startswith(b"tracking_")]
            return (kind, b"\n".join(keep))
        return orig(self, node)
    Run._names = names
    try:
        same_scenario(pair, scenario)
    finally:
        Run._names = orig


def test_info_counts_tracking(pair):
    def scenario(r):
        t = r.conn("t")
        b = r.conn("b")
        sub = r.conn("sub")
        r.call(sub, "SUBSCRIBE", "__redis__:invalidate")
        r.call(t, "CLIENT", "TRACKING", "on", "redirect", "ID:sub")
        r.call(t, "MGET", "k1", "k2", "k3")
        r.call(b, "CLIENT", "TRACKING", "on", "bcast", "prefix", "p:", "prefix", "q:")
        r.call(b, "GET", "k9")                 # BCAST clients are not in the table
        r.call(t, "INFO", "stats")
        r.call(t, "INFO", "clients")
        r.call(b, "CLIENT", "TRACKING", "off")
        r.call(t, "INFO", "stats")
    same_scenario_loose_info(pair, scenario)


def test_tracking_table_max_keys_evicts_with_invalidations(pair):
    """Over tracking-table-max-keys, keys are dropped from the table as if
    they changed: each one's clients are told (which keys is random)."""
    def scenario(r):
        sub = r.conn("sub")
        t = r.conn("t")
        r.call(sub, "SUBSCRIBE", "__redis__:invalidate")
        r.call(t, "CLIENT", "TRACKING", "on", "redirect", "ID:sub")
        for i in range(30):
            t.call("GET", "key%d" % i)
        r.call(t, "CONFIG", "SET", "tracking-table-max-keys", "10")
        r.call(t, "PING")           # the next command enforces the limit
        for _ in range(20):
            msg = sub.read_node()
            assert msg[0] == "*" and msg[1][1] == ("$", b"__redis__:invalidate"), msg
            assert len(msg[1][2][1]) == 1
        r.call(sub, "PING")         # exactly 20: nothing more came
        r.call(t, "CONFIG", "SET", "tracking-table-max-keys", "1000000")
    same_scenario(pair, scenario)


def test_script_reads_track_the_declared_keys(pair):
    def scenario(r):
        t = r.conn("t", 3)
        w = r.conn("w")
        r.call(t, "CLIENT", "TRACKING", "on")
        r.call(t, "EVAL", "redis.call('set', 'k3', 'bar')", "2", "k1", "k2")
        r.call(w, "MSET", "k1", "1", "k2", "2")
        r.call(t, "EVAL", "return redis.call('get', 'k3')", "2", "k1", "k2")
        r.call(w, "MSET", "k2", "2", "k1", "1", "k3", "x")
        r.read(t)
        r.read(t)
        r.call(t, "EVAL_RO", "return redis.call('ping')", "1", "k1")
        r.call(w, "SET", "k1", "3")
        r.call(t, "PING")
    same_scenario(pair, scenario)


def test_blocked_client_gets_reply_before_invalidation(pair):
    def scenario(r):
        t = r.conn("t", 3)
        w = r.conn("w")
        r.call(w, "RPUSH", "dst", "a")
        r.call(t, "CLIENT", "TRACKING", "on")
        r.call(t, "LRANGE", "dst", "0", "-1")
        t.send("BLMOVE", "src", "dst", "LEFT", "LEFT", "0")
        deadline = time.monotonic() + 5
        while b"blocked_clients:1" not in w.call("INFO", "clients"):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        r.call(w, "RPUSH", "src", "foo")
        r.read(t, "BLMOVE reply")
        r.read(t, "invalidate dst")
    same_scenario(pair, scenario)


# ---- Pushes under CLIENT REPLY OFF ----------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
def test_pushes_reach_a_client_with_replies_off(pair, proto):
    """Subscribe confirmations, messages and invalidations are pushes: CLIENT
    REPLY OFF silences replies, not them."""
    def scenario(r):
        s = r.conn("s", proto)
        p = r.conn("p")
        s.send("CLIENT", "REPLY", "OFF")
        r.call(s, "SUBSCRIBE", "ch")
        r.call(s, "PSUBSCRIBE", "c*")
        r.call(p, "PUBLISH", "ch", "hi")
        r.read(s, "message")
        r.read(s, "pmessage")
        r.call(s, "UNSUBSCRIBE", "ch")
        r.call(s, "PUNSUBSCRIBE")
        if proto == 3:
            s.send("CLIENT", "TRACKING", "on")
            s.send("GET", "k")
            r.call(p, "SET", "k", "1")
            r.read(s, "invalidate")
        r.call(s, "CLIENT", "REPLY", "ON")
        r.call(s, "PING")
    same_scenario(pair, scenario)
