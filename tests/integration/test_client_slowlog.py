"""CLIENT subcommands (KILL filters, PAUSE/UNPAUSE, REPLY, SETNAME, LIST),
the slow log and the latency monitor, checked against Redis 7.0's replies."""

import re
import time

import pytest

from castortest import wait_for
from resp import Err


def client_id(conn):
    return conn.call("CLIENT", "ID")


def client_addr(conn):
    info = conn.call("CLIENT", "INFO").decode()
    return re.search(r"\baddr=(\S+)", info).group(1)


def list_ids(conn, *args):
    out = conn.call("CLIENT", "LIST", *args).decode()
    assert out == "" or out.endswith("\n")
    return [int(re.match(r"id=(\d+) ", line).group(1)) for line in out.splitlines()]


def no_reply_within(conn, seconds):
    """True if nothing arrives on conn for 'seconds'."""
    conn.sock.settimeout(seconds)
    try:
        conn.read_node()
        return False
    except TimeoutError:
        return True
    finally:
        conn.sock.settimeout(conn.timeout)


# ---- CLIENT ID, SETNAME, GETNAME, LIST, INFO -------------------------------------------

def test_setname_validates_and_empty_name_clears(server):
    """"Client names cannot contain spaces, newlines or special characters"
    (Redis docs); an empty name removes the name."""
    c = server.raw()
    assert c.call("CLIENT", "GETNAME") is None
    assert c.call("CLIENT", "SETNAME", "worker-1") == "OK"
    assert c.call("CLIENT", "GETNAME") == b"worker-1"
    bad = Err("ERR Client names cannot contain spaces, newlines or special characters.")
    for name in ("a b", "a\nb", "caf\u00e9", "tab\there", "\x7f"):
        assert c.call("CLIENT", "SETNAME", name) == bad
    assert c.call("CLIENT", "GETNAME") == b"worker-1"  # a rejected name changes nothing
    assert " name=worker-1 " in c.call("CLIENT", "INFO").decode()
    assert c.call("CLIENT", "SETNAME", "") == "OK"
    assert c.call("CLIENT", "GETNAME") is None
    assert " name= " in c.call("CLIENT", "INFO").decode()


def test_client_list_filters_by_type_and_ids_in_given_order(server):
    a, b = server.raw(), server.raw()
    ia, ib = client_id(a), client_id(b)
    assert ib > ia
    assert list_ids(a) == sorted(list_ids(a))  # oldest connection first, as Redis
    assert set(list_ids(a, "TYPE", "normal")) >= {ia, ib}
    assert list_ids(a, "TYPE", "pubsub") == []
    assert list_ids(a, "TYPE", "slave") == []
    assert list_ids(a, "ID", str(ib), str(ia), "999999", str(ib)) == [ib, ia, ib]
    assert a.call("CLIENT", "LIST", "ID", "1", "x") == Err("ERR Invalid client ID")
    assert a.call("CLIENT", "LIST", "TYPE", "bogus") == Err("ERR Unknown client type 'bogus'")
    assert a.call("CLIENT", "LIST", "TYPE") == Err("ERR syntax error")
    assert a.call("CLIENT", "LIST", "FOO", "bar") == Err("ERR syntax error")


def test_client_info_is_verbatim_in_resp3(server):
    c = server.raw(protocol=3)
    kind, _ = c.call_node("CLIENT", "INFO")
    assert kind == "="
    kind, _ = c.call_node("CLIENT", "LIST", "ID", "999999")
    assert kind == "="


# ---- CLIENT KILL ---------------------------------------------------------------------------

def test_kill_filters_combine_and_count(server):
    admin = server.raw()
    a, b, c = server.raw(), server.raw(), server.raw()
    ia, ib = client_id(a), client_id(b)
    # Filters are ANDed: ID a with ADDR of b matches nobody.
    assert admin.call("CLIENT", "KILL", "ID", str(ia), "ADDR", client_addr(b)) == 0
    assert admin.call("CLIENT", "KILL", "ID", str(ia), "TYPE", "pubsub") == 0
    assert admin.call("CLIENT", "KILL", "ID", str(ia), "TYPE", "normal", "USER", "default") == 1
    assert a.wait_closed(5)
    assert b.call("PING") == "PONG" and c.call("PING") == "PONG"
    assert admin.call("CLIENT", "KILL", "ADDR", client_addr(b), "SKIPME", "yes") == 1
    assert b.wait_closed(5)
    assert ib not in list_ids(admin)
    # LADDR is the server side of the connection: everyone, but not the caller.
    assert admin.call("CLIENT", "KILL", "LADDR", "127.0.0.1:%d" % server.port) == 1
    assert c.wait_closed(5)
    assert admin.call("CLIENT", "KILL", "LADDR", "127.0.0.1:1") == 0
    assert admin.call("PING") == "PONG"


def test_kill_of_the_caller_replies_first_then_closes(server):
    me = server.raw()
    assert me.call("CLIENT", "KILL", "ID", str(client_id(me)), "SKIPME", "no") == 1
    assert me.wait_closed(5)
    old = server.raw()
    assert old.call("CLIENT", "KILL", client_addr(old)) == "OK"  # the old form may kill itself
    assert old.wait_closed(5)
    assert server.raw().call("PING") == "PONG"


@pytest.mark.parametrize("args,err", [
    (("ID", "0"), "ERR client-id should be greater than 0"),
    (("ID", "1", "TYPE"), "ERR syntax error"),
    (("SKIPME", "no", "TYPE", "bogus"), "ERR Unknown client type 'bogus'"),
    (("USER", "Default"), "ERR No such user 'Default'"),
    (("LADDR",), "ERR No such client"),
])
def test_kill_errors(server, args, err):
    c = server.raw()
    assert c.call("CLIENT", "KILL", *args) == Err(err)
    assert c.call("PING") == "PONG"


# ---- CLIENT PAUSE / UNPAUSE ------------------------------------------------------------------

def test_pause_write_holds_set_until_unpause_while_get_runs(server):
    admin, w, r = server.raw(), server.raw(), server.raw()
    assert w.call("SET", "k", "old") == "OK"
    assert admin.call("CLIENT", "PAUSE", "20000", "WRITE") == "OK"
    w.send("SET", "k", "new")
    w.send("GET", "k")  # pipelined behind the held SET: must wait for it
    assert no_reply_within(w, 0.3)
    assert r.call("GET", "k") == b"old"  # reads from other clients still run
    held = [l for l in admin.call("CLIENT", "LIST").decode().splitlines() if " cmd=set " in l]
    assert len(held) == 1 and " flags=b " in held[0]  # shown as blocked, as Redis does
    assert admin.call("CLIENT", "UNPAUSE") == "OK"
    assert w.read_node() == ("+", b"OK")
    assert w.read_node() == ("$", b"new")
    assert r.call("GET", "k") == b"new"


def test_unpause_resumes_held_writes_in_the_order_they_were_paused(server):
    admin = server.raw()
    older, newer = server.raw(), server.raw()
    assert admin.call("CLIENT", "PAUSE", "20000", "WRITE") == "OK"
    older.send("SET", "k", "first")
    assert no_reply_within(older, 0.1)
    newer.send("SET", "k", "second")
    assert no_reply_within(newer, 0.1)
    older.send("GET", "k")  # queued behind older's SET, runs right after it
    assert admin.call("CLIENT", "UNPAUSE") == "OK"
    assert [older.read(), older.read(), newer.read()] == ["OK", b"first", "OK"]
    assert admin.call("GET", "k") == b"second"


def test_pause_all_still_rejects_bad_requests_at_once(server):
    """Redis 7.0 pauses a command only after its checks pass: errors come back
    during a pause."""
    admin, c = server.raw(), server.raw()
    assert admin.call("CLIENT", "PAUSE", "400") == "OK"
    t = time.monotonic()
    assert c.call("NOSUCHCMD") == Err("ERR unknown command 'NOSUCHCMD', with args beginning with: ")
    assert c.call("GET") == Err("ERR wrong number of arguments for 'get' command")
    assert time.monotonic() - t < 0.2
    assert c.call("PING") == "PONG"
    assert time.monotonic() - t >= 0.25  # the valid command waited for the pause to end


def test_second_pause_only_extends_and_tightens(server):
    admin, c = server.raw(), server.raw()
    assert admin.call("CLIENT", "PAUSE", "600", "WRITE") == "OK"
    assert admin.call("CLIENT", "PAUSE", "1", "ALL") == "OK"  # shorter: keeps 600 ms, now ALL
    t = time.monotonic()
    assert c.call("GET", "k") is None
    assert time.monotonic() - t >= 0.4


def test_paused_client_is_not_closed_as_idle(start_server):
    s = start_server({"timeout": "1"})
    admin, w = s.raw(), s.raw()
    assert admin.call("CLIENT", "PAUSE", "20000", "WRITE") == "OK"
    w.send("SET", "k", "v")
    deadline = time.monotonic() + 2.6  # w waits longer than 'timeout' allows an idle client
    while time.monotonic() < deadline:
        assert admin.call("PING") == "PONG"  # admin stays active
        assert no_reply_within(w, 0.3)
    assert admin.call("CLIENT", "UNPAUSE") == "OK"
    assert w.read_node() == ("+", b"OK")


def test_pause_ends_by_itself(server):
    admin, w = server.raw(), server.raw()
    assert admin.call("CLIENT", "PAUSE", "300", "WRITE") == "OK"
    t = time.monotonic()
    assert w.call("SET", "k", "v") == "OK"
    assert 0.25 <= time.monotonic() - t < 5
    assert admin.call("CLIENT", "PAUSE", "0") == "OK"  # no pause at all
    assert w.call("SET", "k", "w") == "OK"


@pytest.mark.parametrize("args,err", [
    (("1.5",), "ERR timeout is not an integer or out of range"),
    (("-5", "WRITE"), "ERR timeout is negative"),
    (("abc", "FOO"), "ERR CLIENT PAUSE mode must be WRITE or ALL"),
    (("10", "WRITE", "x"), "ERR unknown subcommand or wrong number of arguments for 'PAUSE'. "
                           "Try CLIENT HELP."),
])
def test_pause_errors(server, args, err):
    c = server.raw()
    cmd = ("CLIENT", "PAUSE") + args
    assert c.call(*cmd) == Err(err)
    assert c.call("SET", "k", "v") == "OK"  # no pause was left behind


# ---- CLIENT REPLY --------------------------------------------------------------------------------

def test_reply_off_and_on(server):
    c = server.raw()
    c.send_raw(b"CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\nNOSUCH\r\nCLIENT REPLY ON\r\nGET a\r\n")
    assert c.read_node() == ("+", b"OK")  # from REPLY ON: nothing before it
    assert c.read_node() == ("$", b"1")
    assert c.call("CLIENT", "REPLY", "maybe") == Err("ERR syntax error")


def test_reply_skip_silences_exactly_one_request_even_a_rejected_one(server):
    c = server.raw()
    c.send_raw(b"CLIENT REPLY SKIP\r\nSET a 1\r\nPING one\r\n")
    assert c.read_node() == ("$", b"one")
    # A request rejected before it runs still uses up the skip.
    c.send_raw(b"CLIENT REPLY SKIP\r\nNOSUCH\r\nPING two\r\n")
    assert c.read_node() == ("$", b"two")
    c.send_raw(b"CLIENT REPLY SKIP\r\nGET\r\nPING three\r\n")
    assert c.read_node() == ("$", b"three")
    # SKIP twice in a row: the second SKIP is the skipped request.
    c.send_raw(b"CLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nPING a\r\nPING b\r\n")
    assert c.read_node() == ("$", b"b")
    assert c.call("GET", "a") == b"1"


def test_no_evict_flag_shows_in_client_info(server):
    c = server.raw()
    assert c.call("CLIENT", "NO-EVICT", "on") == "OK"
    assert re.search(r" flags=\S*e", c.call("CLIENT", "INFO").decode())
    assert c.call("CLIENT", "NO-EVICT", "off") == "OK"
    assert " flags=N " in c.call("CLIENT", "INFO").decode()
    assert c.call("CLIENT", "NO-EVICT", "maybe") == Err("ERR syntax error")


def test_client_help_ends_with_help_line(server):
    lines = server.raw().call("CLIENT", "HELP")
    assert lines[0] == "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert "PAUSE <timeout> [WRITE|ALL]" in lines
    assert lines[-2:] == ["HELP", "    Prints this help."]


# ---- SLOWLOG -----------------------------------------------------------------------------------

def test_slowlog_threshold_zero_logs_every_command_newest_first(start_server):
    s = start_server({"slowlog-log-slower-than": "0"})
    c = s.raw()
    addr = client_addr(c).encode()
    assert c.call("SLOWLOG", "RESET") == "OK"
    assert c.call("CLIENT", "SETNAME", "slowpoke") == "OK"
    assert c.call("ECHO", "x" * 200) == b"x" * 200
    c.call("DEL", *["k%d" % i for i in range(40)])
    c.call("AUTH", "user", "secret")
    entries = c.call("SLOWLOG", "GET")
    assert [e[3][0] for e in entries] == [b"AUTH", b"DEL", b"ECHO", b"CLIENT", b"SLOWLOG"]
    ids = [e[0] for e in entries]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5
    auth, dele, echo, setname, _ = entries
    assert auth[3] == [b"AUTH", b"(redacted)", b"(redacted)"]
    assert len(dele[3]) == 32
    assert dele[3][30] == b"k29" and dele[3][31] == b"... (10 more arguments)"
    assert echo[3] == [b"ECHO", b"x" * 128 + b"... (72 more bytes)"]
    assert setname[3] == [b"CLIENT", b"SETNAME", b"slowpoke"]
    for e in entries[:4]:
        assert abs(e[1] - time.time()) < 60  # unix seconds
        assert e[2] >= 0  # microseconds
        assert e[4] == addr
        assert e[5] == b"slowpoke"
    assert c.call("SLOWLOG", "LEN") == 6  # includes the SLOWLOG GET above
    assert len(c.call("SLOWLOG", "GET", "2")) == 2
    assert c.call("SLOWLOG", "GET", "0") == []
    assert len(c.call("SLOWLOG", "GET", "-1")) == 9  # RESET .. GET 0, LEN included


def test_slowlog_max_len_reset_and_disable(start_server):
    s = start_server({"slowlog-log-slower-than": "0", "slowlog-max-len": "3"})
    c = s.raw()
    for i in range(10):
        c.call("PING", str(i))
    assert c.call("SLOWLOG", "LEN") == 3
    last_id = c.call("SLOWLOG", "GET", "1")[0][0]
    assert c.call("SLOWLOG", "RESET") == "OK"
    assert c.call("SLOWLOG", "LEN") == 1  # the RESET itself was logged afterwards
    assert c.call("SLOWLOG", "GET")[0][0] > last_id  # ids keep counting
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "-1") == "OK"
    c.call("SLOWLOG", "RESET")
    c.call("PING")
    assert c.call("SLOWLOG", "LEN") == 0
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000000") == "OK"
    c.call("PING")
    assert c.call("SLOWLOG", "LEN") == 0


@pytest.mark.parametrize("args,err", [
    (("GET", "-2"), "ERR count should be greater than or equal to -1"),
    (("GET", "x"), "ERR count should be greater than or equal to -1"),
    (("GET", "1", "2"), "ERR unknown subcommand or wrong number of arguments for 'GET'. "
                        "Try SLOWLOG HELP."),
    (("LEN", "x"), "ERR wrong number of arguments for 'slowlog|len' command"),
])
def test_slowlog_errors(server, args, err):
    assert server.raw().call("SLOWLOG", *args) == Err(err)


# ---- LATENCY -------------------------------------------------------------------------------------

def fill_keys(conn, n):
    for base in range(0, n, 10000):
        args = []
        for i in range(base, min(n, base + 10000)):
            args += ["key:%d" % i, "v"]
        assert conn.call("MSET", *args) == "OK"


def test_latency_monitor_records_slow_keys_as_command_event(server):
    c = server.raw(timeout=60)
    fill_keys(c, 200000)
    assert c.call("KEYS", "*") and c.call("LATENCY", "LATEST") == []  # monitor off by default
    assert c.call("CONFIG", "SET", "latency-monitor-threshold", "1") == "OK"

    def slow_keys_recorded():
        c.call("KEYS", "*")
        return c.call("LATENCY", "LATEST")
    latest = {e[0]: e[1:] for e in wait_for(slow_keys_recorded, timeout=30, interval=0)}
    # KEYS is not a fast command; a stray slow fast command may add "fast-command".
    assert set(latest) <= {b"command", b"fast-command"}
    when, ms, worst = latest[b"command"]
    assert abs(when - time.time()) < 60 and 1 <= ms <= worst
    history = c.call("LATENCY", "HISTORY", "command")
    assert history and history[-1][0] == when and ms <= history[-1][1] <= worst
    assert all(len(h) == 2 and h[1] >= 1 for h in history)
    assert c.call("LATENCY", "HISTORY", "COMMAND") == []  # names are case-sensitive here
    assert c.call("LATENCY", "HISTORY", "nosuch") == []
    assert c.call("LATENCY", "RESET", "nosuch") == 0
    assert c.call("LATENCY", "RESET", "COMMAND") == 1  # RESET ignores case
    assert c.call("LATENCY", "HISTORY", "command") == []
    assert c.call("CONFIG", "SET", "latency-monitor-threshold", "0") == "OK"
    c.call("LATENCY", "RESET")
    c.call("KEYS", "*")
    assert c.call("LATENCY", "LATEST") == []  # 0 turns the monitor off


def test_latency_help_and_errors(server):
    c = server.raw()
    lines = c.call("LATENCY", "HELP")
    assert lines[0] == "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert "HISTORY <event>" in lines
    assert c.call("LATENCY", "HISTORY") == Err(
        "ERR wrong number of arguments for 'latency|history' command")
    assert c.call("LATENCY", "FOO") == Err(
        "ERR unknown subcommand 'FOO'. Try LATENCY HELP.")
