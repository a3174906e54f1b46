"""Start-up, configuration errors and shutdown of castor-server."""

import os
import re
import signal
import socket

from castortest import CASTOR_SERVER, run_to_exit, wait_for
from resp import RespConn


def test_start_logs_ready_and_pid(server):
    log = wait_for(lambda: server.logfile if "Ready to accept connections" in server.logfile else "",
                   timeout=5, msg="'Ready to accept connections' in the log")
    # Redis writes "pid=<pid>" on its version line and "PID: <pid>" in the
    # logo; DESIGN.md asks castor for "PID: <pid>" (see the always-show-logo
    # test), so either form is accepted here.
    assert re.search(r"(PID: |pid=)%d\b" % server.pid, log), log
    # Log line format: pid:role date time.ms level message
    line = next(l for l in log.splitlines() if "Ready to accept connections" in l)
    assert re.match(r"^%d:[MSCX] \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} [.\-*#] "
                    % server.pid, line), line


def test_always_show_logo_prints_pid_line(start_server):
    s = start_server({"always-show-logo": "yes"})
    assert "PID: %d" % s.pid in s.logfile


def test_second_server_on_taken_port_fails(server, tmp_path):
    rc, out = run_to_exit(tmp_path / "second", args=[
        "--port", str(server.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", str(tmp_path / "second"), "--logfile", ""])
    assert rc == 1
    assert "Failed listening on port %d" % server.port in out, out
    assert server.client().ping() is True  # the first one is unharmed


def test_unknown_directive_in_config_file_exits_with_line_and_directive(tmp_path):
    """Redis prints (to stderr):
        *** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
        Reading the configuration file, at line 3
        >>> 'foobar yes'
        Bad directive or wrong number of arguments
    (Redis does not name the file; castor may add it.)"""
    rc, out = run_to_exit(tmp_path, config="# a comment\nmaxmemory 1mb\nfoobar yes\n",
                          args=["--port", "0"])
    assert rc == 1
    assert "FATAL CONFIG FILE ERROR" in out, out
    assert "line 3" in out
    assert ">>> 'foobar yes'" in out
    assert "Bad directive or wrong number of arguments" in out


def test_bad_directive_value_exits_with_reason(tmp_path):
    rc, out = run_to_exit(tmp_path, config="maxmemory lots\n", args=["--port", "0"])
    assert rc == 1
    assert "line 1" in out and ">>> 'maxmemory lots'" in out
    assert "argument must be a memory value" in out


def test_unknown_directive_on_command_line_exits(tmp_path):
    rc, out = run_to_exit(tmp_path, args=["--port", "0", "--no-such-directive", "1"])
    assert rc == 1
    assert "Bad directive or wrong number of arguments" in out


def test_config_file_with_comments_and_quotes_loads(start_server):
    s = start_server(config='# comment\n\n  # indented comment\nmaxmemory-policy "allkeys-lru"\n'
                            "hz 15\nrequirepass 'p w'\n")
    r = s.client(password="p w")
    assert r.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
    assert r.config_get("hz") == {"hz": "15"}


def test_command_line_overrides_config_file(start_server):
    s = start_server(config="hz 15\n", directives={"hz": "25"})
    assert s.client().config_get("hz") == {"hz": "25"}


def test_sigterm_shuts_down_cleanly(server):
    port = server.port
    server.client().set("k", "v")
    server.proc.send_signal(signal.SIGTERM)
    assert server.wait_exit(10) == 0
    with socket.socket() as s:  # the port is free again
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


def test_shutdown_nosave_exits_and_closes_connection(server):
    c = RespConn(server.port)
    other = RespConn(server.port)
    c.send("SHUTDOWN", "NOSAVE")
    assert c.wait_closed(10), "connection still open after SHUTDOWN NOSAVE"
    assert other.wait_closed(10)
    assert server.wait_exit(10) == 0
    assert not os.path.exists(os.path.join(server.workdir, "dump.rdb"))


def test_shutdown_with_bad_option_is_an_error(server):
    c = server.raw()
    assert c.call("SHUTDOWN", "FOO").message == "ERR syntax error"
    assert c.call("PING") == "PONG"


def test_binary_is_the_one_under_test(server):
    assert server.binary == CASTOR_SERVER
    assert server.info("server")["process_id"] == server.pid
