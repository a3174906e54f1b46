"""Configuration: redis.conf files, command-line directives, CONFIG SET/GET/
REWRITE, and the holes of issue 17 (a value that injects lines through
CONFIG REWRITE, file names that are paths).

Redis's own words are quoted in the docstrings where a test checks them;
tests/interop/test_diff_config.py compares the same against redis-server."""

import hashlib
import os
import re
import socket
import subprocess

import pytest

from castortest import CASTOR_SERVER, Server, run_to_exit, wait_for
from resp import Err, RespConn

FATAL_HEADER = "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***"


def fatal_lines(out):
    """The report's lines after Redis's header."""
    lines = out.splitlines()
    assert FATAL_HEADER in lines, out
    return lines[lines.index(FATAL_HEADER) + 1:]


# ---- CONFIG REWRITE never writes a line a value did not come from (issue 17) ------------

INJECTION = ('x"\nenable-protected-configs yes\nenable-debug-command yes\ndir /tmp\n'
             'dbfilename pwned.rdb\nmasterauth "y')


def test_rewrite_of_injected_newlines_keeps_dir_and_dbfilename(start_server, tmp_path):
    """Issue 17: "CONFIG SET masterauth 'x"\\nenable-protected-configs yes\\n...' then
    CONFIG REWRITE and a restart gives the client control of dir, dbfilename and the
    protected-config switches". Redis writes every string quoted and escaped."""
    s = start_server(config="# my config\nport 0\n")
    c = s.raw()
    workdir = c.call("CONFIG", "GET", "dir")[1]
    assert c.call("CONFIG", "SET", "masterauth", INJECTION) == "OK"
    assert c.call("CONFIG", "SET", "replica-announce-ip", 'a\r\nb\\c') == "OK"
    assert c.call("CONFIG", "REWRITE") == "OK"
    with open(s.config_path) as f:
        text = f.read()
    # Each value is one line, in sdscatrepr's escapes.
    assert ('masterauth "x\\"\\nenable-protected-configs yes\\nenable-debug-command yes\\n'
            'dir /tmp\\ndbfilename pwned.rdb\\nmasterauth \\"y"') in text.splitlines(), text
    assert 'replica-announce-ip "a\\r\\nb\\\\c"' in text.splitlines(), text
    assert "\ndbfilename pwned.rdb" not in text and "\ndir /tmp\n" not in text
    s.stop()
    s.start()
    c = s.raw()
    assert c.call("CONFIG", "GET", "dir") == [b"dir", workdir]
    assert c.call("CONFIG", "GET", "dbfilename") == [b"dbfilename", b"dump.rdb"]
    assert c.call("CONFIG", "GET", "enable-protected-configs") == [b"enable-protected-configs", b"no"]
    # The values themselves come back byte for byte.
    assert c.call("CONFIG", "GET", "masterauth") == [b"masterauth", INJECTION.encode()]
    assert c.call("CONFIG", "GET", "replica-announce-ip") == [b"replica-announce-ip", b"a\r\nb\\c"]
    assert c.call("SAVE") == "OK"
    assert os.path.exists(os.path.join(workdir.decode(), "dump.rdb"))
    assert not os.path.exists("/tmp/pwned.rdb")


def test_rewrite_of_a_replicaof_host_with_newlines_stays_one_line(start_server):
    """REPLICAOF takes any host; CONFIG REWRITE writes it quoted when it needs to be, so
    a host can't add lines either (Redis writes it as it is)."""
    s = start_server(config="port 0\n")
    c = s.raw()
    assert c.call("REPLICAOF", "bad\nenable-protected-configs yes", "6379") == "OK"
    assert c.call("CONFIG", "REWRITE") == "OK"
    lines = open(s.config_path).read().splitlines()
    assert 'replicaof "bad\\nenable-protected-configs yes" 6379' in lines, lines
    assert "enable-protected-configs yes" not in lines
    assert c.call("REPLICAOF", "127.0.0.1", "6379") == "OK"
    assert c.call("CONFIG", "REWRITE") == "OK"
    assert "replicaof 127.0.0.1 6379" in open(s.config_path).read().splitlines()


def test_binary_secrets_round_trip_through_rewrite_and_restart(start_server):
    """requirepass and masterauth are Redis's binary-safe (sds) directives: every byte is
    kept, NUL included, and CONFIG REWRITE writes them as \\xHH escapes. (Whether AUTH
    compares all the bytes is the AUTH code's test, tests/integration/test_auth_config.py.)"""
    s = start_server(config="port 0\n")
    c = s.raw()
    secret = bytes(range(256))
    assert c.call("CONFIG", "SET", "masterauth", secret) == "OK"
    assert c.call("CONFIG", "GET", "masterauth") == [b"masterauth", secret]
    assert c.call("CONFIG", "REWRITE") == "OK"
    with open(s.config_path, "rb") as f:
        text = f.read()
    assert b"\x00" not in text and text.count(b"\nmasterauth ") == 1, text
    s.stop()
    s.start()
    c = s.raw()
    assert c.call("CONFIG", "GET", "masterauth") == [b"masterauth", secret]
    # requirepass: stored whole, rewritten escaped; the restarted server asks for it.
    assert c.call("CONFIG", "SET", "requirepass", b"abc\x00def") == "OK"
    assert c.call("CONFIG", "GET", "requirepass") == [b"requirepass", b"abc\x00def"]
    assert c.call("CONFIG", "REWRITE") == "OK"
    with open(s.config_path, "rb") as f:
        lines = f.read().splitlines()
    assert b'requirepass "abc\\x00def"' in lines, lines
    # The first rewrite's "user default" line was loaded with the restart, which
    # resets the user first (sanitize-payload), as Redis's ACLLoadConfiguredUsers.
    assert (b"user default on sanitize-payload #"
            + hashlib.sha256(b"abc\x00def").hexdigest().encode() + b" ~* &* +@all") in lines, lines
    s.stop()
    s.password = b"abc\x00def"
    s.start()
    assert RespConn(s.port).call("GET", "k") == Err("NOAUTH Authentication required.")


# ---- File names that are paths (issue 17) --------------------------------------------------

@pytest.mark.parametrize("directive,value,message", [
    ("dbfilename", "../escape.rdb", "dbfilename can't be a path, just a filename"),
    ("dbfilename", "/tmp/abs.rdb", "dbfilename can't be a path, just a filename"),
    ("dbfilename", "a\\b.rdb", "dbfilename can't be a path, just a filename"),
    ("appendfilename", "../x.aof", "appendfilename can't be a path, just a filename"),
    ("appendfilename", "", "appendfilename can't be empty"),
    ("appenddirname", "../ad", "appenddirname can't be a path, just a dirname"),
    ("appenddirname", "..", "appenddirname can't be a path, just a dirname"),
    ("appenddirname", "", "appenddirname can't be empty"),
])
def test_paths_refused_at_startup(tmp_path, directive, value, message):
    rc, out = run_to_exit(tmp_path, args=["--port", "0", "--" + directive, value])
    assert rc == 1, out
    assert fatal_lines(out)[-1] == message, out
    assert not os.path.exists(os.path.join(str(tmp_path), "..", "escape.rdb"))


def test_dbfilename_path_refused_by_config_set_even_when_protected_configs_allowed(start_server):
    s = start_server({"enable-protected-configs": "yes"})
    c = s.raw()
    for bad in ("../escape.rdb", "/tmp/abs.rdb", "sub/x.rdb"):
        assert c.call("CONFIG", "SET", "dbfilename", bad) == Err(
            "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename "
            "can't be a path, just a filename")
    assert c.call("CONFIG", "GET", "dbfilename") == [b"dbfilename", b"dump.rdb"]
    assert c.call("CONFIG", "SET", "dbfilename", "other.rdb") == "OK"
    assert c.call("SAVE") == "OK"
    assert os.path.exists(os.path.join(s.workdir, "other.rdb"))


def test_protected_and_immutable_file_names(server):
    c = server.raw()
    assert c.call("CONFIG", "SET", "dbfilename", "x.rdb") == Err(
        "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set "
        "protected config")
    assert c.call("CONFIG", "SET", "dir", "/tmp") == Err(
        "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config")
    for d in ("appendfilename", "appenddirname"):
        assert c.call("CONFIG", "SET", d, "x") == Err(
            "ERR CONFIG SET failed (possibly related to argument '%s') - can't set immutable "
            "config" % d)


# ---- Config files: lines, includes, errors ------------------------------------------------

def test_error_names_file_and_line_counting_blank_and_comment_lines(tmp_path):
    """Redis counts every line, blank and comment ones too:
        *** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
        Reading the configuration file, at line 6
        >>> 'maxmemory lots'
        argument must be a memory value
    castor adds the file's name after the line number."""
    text = "# comment\n\n   \n# another\nhz 12\nmaxmemory lots\nport 0\n"
    rc, out = run_to_exit(tmp_path, config=text)
    assert rc == 1
    path = os.path.join(str(tmp_path), "server.conf")
    assert fatal_lines(out)[:3] == [
        "Reading the configuration file, at line 6 of %s" % os.path.realpath(path),
        ">>> 'maxmemory lots'", "argument must be a memory value"], out


def test_error_in_included_file_names_that_file_and_its_line(tmp_path):
    inc = tmp_path / "inc.conf"
    inc.write_text("# included\n\nhz 5\nnosuch-directive 1\n")
    rc, out = run_to_exit(tmp_path, config="port 0\ninclude %s\n" % inc)
    assert rc == 1
    assert fatal_lines(out)[:3] == [
        "Reading the configuration file, at line 4 of %s" % inc,
        ">>> 'nosuch-directive 1'", "Bad directive or wrong number of arguments"], out


@pytest.mark.parametrize("args", [["--sentinel"], ["--port", "0", "--sentinel"],
                                  ["CONF", "--sentinel"], ["--sentinel", "CONF"]])
def test_sentinel_mode_points_to_redis_sentinel(tmp_path, args):
    """--sentinel anywhere asks for Sentinel mode, as redis-server reads it:
    castor has none, and says so instead of failing on the file's lines."""
    conf = tmp_path / "sentinel.conf"
    conf.write_text("port 0\nsentinel monitor m 127.0.0.1 1 1\n")
    rc, out = run_to_exit(tmp_path, args=[str(conf) if a == "CONF" else a for a in args])
    assert rc == 1 and "castor has no Sentinel mode: use redis-sentinel" in out, out


def test_version_has_redis_shape():
    """Tools read the Redis version from "v=" (as redis-server prints it);
    castor's own version comes last."""
    out = subprocess.run([CASTOR_SERVER, "--version"], capture_output=True, text=True,
                         timeout=10).stdout.strip()
    assert re.fullmatch(r"castor-server v=7\.0\.15 sha=00000000:0 malloc=\S+ bits=64 "
                        r"build=[0-9a-f]+ castor=\d+\.\d+\.\d+", out), out


def test_options_alone_are_a_configuration(start_server):
    """As Redis: only a bare start warns that no config file was given."""
    s = start_server()
    assert "Configuration loaded" in s.logfile
    assert "no config file specified" not in s.logfile


def test_error_on_the_command_line_says_so(tmp_path):
    """Command-line options are quoted as Redis shows them: >>> 'hz "abc"'."""
    rc, out = run_to_exit(tmp_path, args=["--port", "0", "--hz", "abc"])
    assert rc == 1
    assert fatal_lines(out)[:3] == ["Reading the configuration file, at line 2 of the command line",
                                    ">>> 'hz \"abc\"'",
                                    "argument couldn't be parsed into an integer"], out


@pytest.mark.parametrize("args,shown,message", [
    (["--port"], "'port'", "wrong number of arguments"),
    (["--port", "6379", "6380"], "'port \"6379\" \"6380\"'", "wrong number of arguments"),
    (["--port", "--loglevel", "verbose"], "'port \"--loglevel\" \"verbose\"'",
     "wrong number of arguments"),
    (["--port", "--bla", "--loglevel", "verbose"], "'port \"--bla\"'",
     "argument couldn't be parsed into an integer"),
    (["--replicaof", "--127.0.0.1", "--abc"], "'replicaof \"--127.0.0.1\"'", "wrong number of arguments"),
])
def test_command_line_errors_as_redis_server(tmp_path, args, shown, message):
    """From Redis's unit/introspection 'redis-server command line arguments - error cases'."""
    rc, out = run_to_exit(tmp_path, args=args)
    assert rc == 1
    lines = fatal_lines(out)
    assert lines[1] == ">>> %s" % shown and lines[2] == message, out


def test_command_line_values_as_redis_server(start_server):
    """A value may start with '--' right after its name; "--save" alone is save "";
    "--name value" may be one argument."""
    s = start_server([("proc-title-template", "--my--title--template"), ("save", ()),
                      ("loglevel", "verbose"), ("maxmemory 700mb", ())])
    c = s.raw()
    assert c.call("CONFIG", "GET", "proc-title-template") == [b"proc-title-template",
                                                              b"--my--title--template"]
    assert c.call("CONFIG", "GET", "save") == [b"save", b""]
    assert c.call("CONFIG", "GET", "loglevel") == [b"loglevel", b"verbose"]
    assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"734003200"]


def test_save_lines_replace_defaults_then_accumulate(start_server):
    """The first "save" in the config replaces the defaults, later ones add to it."""
    s = start_server(config="save 900 1\nsave 300 10\n", directives={"save": ["60", "10000"]},
                     defaults=False)
    assert s.raw().call("CONFIG", "GET", "save") == [b"save", b"900 1 300 10 60 10000"]


def test_a_save_count_past_int_is_kept_and_restarts(start_server):
    """Redis 7.0 wraps a save point's change count into an int (4294967295
    shows as -1, which then saves at every check, and its CONFIG REWRITE
    writes a line that refuses to load): castor keeps the count as given,
    so the rewritten file starts again (found by fuzz_config)."""
    s = start_server(config="bind 127.0.0.1\nappendonly no\n", defaults=False)
    c = s.raw()
    assert c.call("CONFIG", "SET", "save", "200 4294967295 100 2147483648") == "OK"
    assert c.call("CONFIG", "GET", "save") == [b"save", b"200 4294967295 100 2147483648"]
    assert c.call("CONFIG", "REWRITE") == "OK"
    s.stop()
    s.start()
    assert s.raw().call("CONFIG", "GET", "save") == [b"save", b"200 4294967295 100 2147483648"]


def test_an_empty_bind_address_fails_to_listen_as_in_redis(tmp_path):
    """`bind 127.0.0.1 ""`: Redis tries the empty address, fails and exits;
    castor skipped it and listened on the first alone."""
    port = _free_port()
    rc, out = run_to_exit(tmp_path, config='port %d\nbind 127.0.0.1 ""\n' % port)
    assert rc == 1, out
    assert "Could not create server TCP listening socket :%d" % port in out, out
    assert "Failed listening on port %d (TCP), aborting." % port in out, out


def test_include_reads_files_and_globs(start_server, tmp_path):
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "a.conf").write_text("hz 21\nmaxmemory-policy allkeys-lru\n")
    (conf_d / "b.conf").write_text("hz 22\n")
    one = tmp_path / "one.conf"
    one.write_text("slowlog-max-len 77\n")
    s = start_server(config="hz 10\ninclude %s\ninclude %s/*.conf\ninclude %s/none-*.conf\n"
                     % (one, conf_d, conf_d))
    c = s.raw()
    assert c.call("CONFIG", "GET", "hz") == [b"hz", b"22"]   # in order: b.conf last
    assert c.call("CONFIG", "GET", "maxmemory-policy") == [b"maxmemory-policy", b"allkeys-lru"]
    assert c.call("CONFIG", "GET", "slowlog-max-len") == [b"slowlog-max-len", b"77"]
    # CONFIG REWRITE keeps include lines as they are.
    assert c.call("CONFIG", "REWRITE") == "OK"
    assert "include %s/*.conf" % conf_d in open(s.config_path).read().splitlines()


def test_include_of_missing_file_is_fatal(tmp_path):
    rc, out = run_to_exit(tmp_path, config="include /nonexistent/castor.conf\n", args=["--port", "0"])
    assert rc == 1
    assert "Fatal error, can't open config file '/nonexistent/castor.conf'" in out


def test_include_loop_is_an_error_not_a_crash(tmp_path):
    rc, out = run_to_exit(tmp_path, config="include %s\n" % (tmp_path / "server.conf"),
                          args=["--port", "0"])
    assert rc == 1
    assert "includes are nested more than" in out, out


def test_rename_command_renames_and_survives_rewrite(start_server):
    """Redis's unit/introspection 'CONFIG REWRITE handles rename-command properly'."""
    s = start_server(config="rename-command flushdb badger\nrename-command debug \"\"\n")
    c = s.raw()
    assert c.call("FLUSHDB").message.startswith("ERR unknown command 'FLUSHDB'")
    assert c.call("DEBUG", "HELP").message.startswith("ERR unknown command 'DEBUG'")
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("BADGER") == "OK"
    assert c.call("DBSIZE") == 0
    assert c.call("CONFIG", "REWRITE") == "OK"
    s.stop()
    s.start()
    c = s.raw()
    assert c.call("FLUSHDB").message.startswith("ERR unknown command")
    assert c.call("badger") == "OK"


@pytest.mark.parametrize("line,message", [
    ("rename-command nosuch x", "No such command in rename-command"),
    ("rename-command get set", "Target command name already exists"),
    ("rename-command get", "Bad directive or wrong number of arguments"),
])
def test_rename_command_errors(tmp_path, line, message):
    rc, out = run_to_exit(tmp_path, config=line + "\n", args=["--port", "0"])
    assert rc == 1
    assert fatal_lines(out)[2] == message, out


# ---- What castor does not have yet: refused, never ignored ------------------------------

@pytest.mark.parametrize("text,message", [
    ("loadmodule /usr/lib/redis/modules/x.so\n", "castor does not support modules: loadmodule "
                                                 "can't be used"),
])
def test_missing_features_are_refused_at_startup(tmp_path, text, message):
    rc, out = run_to_exit(tmp_path, config=text, args=["--port", "0"])
    assert rc == 1
    assert fatal_lines(out)[-1] == message, out


def test_default_user_line_of_a_redis_rewrite_is_accepted(start_server):
    """Redis's CONFIG REWRITE always writes the default user; a file it wrote must start
    castor, with the password requirepass sets."""
    s = start_server(config="requirepass foo\nuser default on "
                     "#2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae "
                     "~* &* +@all\n", directives={"requirepass": "foo"})
    assert s.raw().call("CONFIG", "GET", "requirepass") == [b"requirepass", b"foo"]
    assert RespConn(s.port).call("GET", "x") == Err("NOAUTH Authentication required.")


def test_tls_port_without_certificate_is_refused_at_run_time(server):
    """As Redis: TLS needs its files first (tests/integration/test_tls.py has the rest)."""
    c = server.raw()
    assert c.call("CONFIG", "SET", "tls-port", "6390") == Err(
        "ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to update TLS "
        "configuration. Check server logs.")
    assert c.call("CONFIG", "GET", "tls-port") == [b"tls-port", b"0"]
    assert "No tls-cert-file configured!" in server.logfile


def test_directive_without_its_feature_is_named_in_the_log(start_server):
    s = start_server({"io-threads": "4", "activedefrag": "no"})
    assert ("castor accepts 'io-threads 4' but does not implement what it controls yet"
            in s.logfile), s.logfile
    assert "'activedefrag" not in s.logfile


# ---- CONFIG GET / SET -----------------------------------------------------------------------

def test_hidden_directives_answer_only_by_exact_name(server):
    c = server.raw()
    everything = c.call("CONFIG", "GET", "*")
    names = set(everything[::2])
    for hidden in (b"watchdog-period", b"use-exit-on-panic", b"lua-enable-deprecated-api",
                   b"loading-process-events-interval-bytes"):
        assert hidden not in names
        assert c.call("CONFIG", "GET", hidden)[0] == hidden
    assert len(names) == len(everything) // 2


def test_config_get_answers_with_the_name_as_asked(server):
    c = server.raw()
    assert c.call("CONFIG", "GET", "HZ") == [b"HZ", b"10"]
    assert c.call("CONFIG", "GET", "slave-priority") == [b"slave-priority", b"100"]
    got = c.call("CONFIG", "GET", "maxmemory", "maxmemory*", "bind", "*of")
    pairs = dict(zip(got[::2], got[1::2]))
    assert len(pairs) * 2 == len(got)   # no name twice
    assert {b"replicaof", b"slaveof", b"maxmemory", b"maxmemory-clients", b"bind"} <= set(pairs)


def test_config_set_errors_name_the_directive_as_typed(server):
    c = server.raw()
    assert c.call("CONFIG", "SET", "slave-priority", "x") == Err(
        "ERR CONFIG SET failed (possibly related to argument 'slave-priority') - argument "
        "couldn't be parsed into an integer")
    assert c.call("CONFIG", "SET", "daemonize", "yes", "nosuch", "1") == Err(
        "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable "
        "config")
    assert c.call("CONFIG", "SET", "nosuch", "1", "daemonize", "yes") == Err(
        "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")


def test_config_set_rolls_back_every_value_when_one_fails(server):
    """Redis's unit/introspection 'CONFIG SET rollback on set error'."""
    c = server.raw()
    assert c.call("CONFIG", "SET", "maxmemory", "10000002") == "OK"
    assert c.call("CONFIG", "SET", "maxmemory", "10000001", "maxmemory-clients", "200%",
                  "client-query-buffer-limit", "invalid") == Err(
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage "
        "argument must be less or equal to 100")
    assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"10000002"]
    assert c.call("CONFIG", "GET", "maxmemory-clients") == [b"maxmemory-clients", b"0"]


def test_port_changes_at_run_time(server):
    c = server.raw()
    old = server.port
    new = _free_port()
    assert c.call("CONFIG", "SET", "port", str(new)) == "OK"
    assert RespConn(new).call("PING") == "PONG"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", old), timeout=1).close()
    assert c.call("PING") == "PONG"   # connections made before stay
    server.port = new


def test_port_taken_is_refused_and_rolled_back(server):
    """Redis's unit/introspection 'CONFIG SET rollback on apply error'."""
    c = server.raw()
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    taken = blocker.getsockname()[1]
    try:
        assert c.call("CONFIG", "SET", "maxmemory", "10000001", "port", str(taken),
                      "client-query-buffer-limit", "10m") == Err(
            "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on "
            "this port. Check server logs.")
        assert c.call("CONFIG", "GET", "port") == [b"port", str(server.port).encode()]
        assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"0"]
        assert c.call("CONFIG", "GET", "client-query-buffer-limit") == [
            b"client-query-buffer-limit", b"1073741824"]
        assert RespConn(server.port).call("PING") == "PONG"
    finally:
        blocker.close()


def test_bind_changes_at_run_time(server):
    c = server.raw()
    assert c.call("CONFIG", "SET", "bind", "127.0.0.1 -::1") == "OK"
    assert c.call("CONFIG", "GET", "bind") == [b"bind", b"127.0.0.1 -::1"]
    assert RespConn(server.port).call("PING") == "PONG"
    assert c.call("CONFIG", "SET", "bind", "192.0.2.1") == Err(
        "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to "
        "specified addresses.")
    assert c.call("CONFIG", "GET", "bind") == [b"bind", b"127.0.0.1 -::1"]
    assert RespConn(server.port).call("PING") == "PONG"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _oom_score_adj(pid):
    with open("/proc/%d/oom_score_adj" % pid) as f:
        return int(f.read())


def test_oom_score_adj_writes_proc_and_restores(server):
    """Redis's oom-score-adj: 'absolute' writes the class value, 'relative' adds it to the
    score castor started with, 'no' puts that score back."""
    c = server.raw()
    base = _oom_score_adj(server.pid)
    assert c.call("CONFIG", "SET", "oom-score-adj-values", "10 20 30", "oom-score-adj",
                  "absolute") == "OK"
    assert _oom_score_adj(server.pid) == 10
    # The replica class follows the role.
    assert c.call("REPLICAOF", "127.0.0.1", str(_free_port())) == "OK"
    assert _oom_score_adj(server.pid) == 20
    assert c.call("REPLICAOF", "NO", "ONE") == "OK"
    assert _oom_score_adj(server.pid) == 10
    assert c.call("CONFIG", "SET", "oom-score-adj", "relative") == "OK"
    assert _oom_score_adj(server.pid) == min(1000, base + 10)
    assert c.call("CONFIG", "SET", "oom-score-adj", "no") == "OK"
    assert _oom_score_adj(server.pid) == base
    assert c.call("CONFIG", "SET", "oom-score-adj-values", "1 2") == Err(
        "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong "
        "number of arguments")


def test_process_title_follows_the_template(start_server):
    s = start_server({"bind": "127.0.0.1"})

    def cmdline():
        with open("/proc/%d/cmdline" % s.pid, "rb") as f:
            return f.read().rstrip(b"\x00")

    assert cmdline() == ("%s 127.0.0.1:%d" % (CASTOR_SERVER, s.port)).encode()
    assert s.raw().call("CONFIG", "SET", "proc-title-template", "castor-{port} {config-file}") == "OK"
    assert cmdline() == ("castor-%d -" % s.port).encode()
    assert s.raw().call("CONFIG", "SET", "proc-title-template", "{nope}") == Err(
        "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template "
        "format is invalid or contains unknown variables")


def test_disable_thp_turns_off_huge_pages_for_the_process(start_server):
    s = start_server()
    with open("/proc/%d/status" % s.pid) as f:
        status = f.read()
    m = re.search(r"^THP_enabled:\s+(\d)", status, re.M)
    if m is None:
        pytest.skip("this kernel does not report THP_enabled")
    assert m.group(1) == "0"


def test_supervised_systemd_notifies_readiness(tmp_path):
    """supervised systemd: READY=1 on $NOTIFY_SOCKET once serving, as sd_notify(3)."""
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(20)
    old = os.environ.get("NOTIFY_SOCKET")
    os.environ["NOTIFY_SOCKET"] = path
    try:
        s = Server(tmp_path / "srv", directives={"supervised": "systemd"})
        s.start()
    finally:
        if old is None:
            del os.environ["NOTIFY_SOCKET"]
        else:
            os.environ["NOTIFY_SOCKET"] = old
    try:
        msg = sock.recv(4096)
        assert b"READY=1" in msg.split(b"\n"), msg
        assert "Supervised by systemd" in s.logfile
    finally:
        sock.close()
        s.stop()


def test_config_from_stdin(tmp_path):
    """castor-server - reads the configuration from standard input."""
    port = _free_port()
    p = subprocess.Popen([CASTOR_SERVER, "-", "--port", str(port), "--save", "",
                          "--dir", str(tmp_path)], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(tmp_path))
    try:
        p.stdin.write(b"hz 33\nbind 127.0.0.1\n")
        p.stdin.close()

        def ping():
            try:
                return RespConn(port).call("CONFIG", "GET", "hz")
            except OSError:
                return None
        assert wait_for(ping, timeout=20) == [b"hz", b"33"]
    finally:
        p.terminate()
        p.wait(10)


# ---- CONFIG REWRITE format ----------------------------------------------------------------

def test_rewrite_formats_as_redis(start_server):
    s = start_server(config="# top\nslave-priority 50\nhash-max-ziplist-entries 20\n"
                            "list-max-ziplist-entries 5\nsave 100 1\nsave 200 2\n"
                            "client-output-buffer-limit pubsub 32mb 8mb 60\n")
    c = s.raw()
    assert c.call("CONFIG", "SET", "maxmemory", "3mb", "notify-keyspace-events", "KEA",
                  "client-output-buffer-limit", "normal 1mb 2gb 3", "oom-score-adj-values",
                  "1 2 3", "repl-backlog-size", "1000000", "maxmemory-clients", "5%",
                  "save", "10 1", "hash-max-listpack-entries", "33") == "OK"
    assert c.call("CONFIG", "REWRITE") == "OK"
    lines = open(s.config_path).read().splitlines()
    # Lines are rewritten in place, old names under the new one; the pubsub line (at
    # its default now) gives its place to the changed normal class, as in Redis.
    assert lines[:7] == ["# top", "replica-priority 50", "hash-max-listpack-entries 33",
                         "# ??? list-max-ziplist-entries 5", "save 10 1", "",
                         "client-output-buffer-limit normal 1mb 2gb 3"], lines
    for expected in ("# Generated by CONFIG REWRITE", "maxmemory 3mb",
                     "notify-keyspace-events \"AKE\"", "oom-score-adj-values 1 2 3",
                     "repl-backlog-size 1000000", "maxmemory-clients 5%",
                     "latency-tracking-info-percentiles 50 99 99.9",
                     "user default on nopass ~* &* +@all"):
        assert expected in lines, lines
    s.stop()
    s.start()
    c = s.raw()
    assert c.call("CONFIG", "GET", "client-output-buffer-limit") == [
        b"client-output-buffer-limit",
        b"normal 1048576 2147483648 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60"]
    assert c.call("CONFIG", "GET", "maxmemory-clients") == [b"maxmemory-clients", b"5%"]


def test_debug_config_rewrite_force_all_restarts_with_the_same_config(start_server):
    """Redis's unit/introspection 'CONFIG REWRITE sanity'."""
    s = start_server(config="port 0\n")
    c = s.raw()
    before = c.call("CONFIG", "GET", "*")
    assert c.call("DEBUG", "CONFIG-REWRITE-FORCE-ALL") == "OK"
    text = open(s.config_path).read()
    assert "watchdog-period 0" in text and "activedefrag no" in text
    s.stop()
    s.start()
    after = s.raw().call("CONFIG", "GET", "*")
    assert dict(zip(before[::2], before[1::2])) == dict(zip(after[::2], after[1::2]))


# ---- The redis.conf files people have ------------------------------------------------------

@pytest.mark.parametrize("conf,expect", [
    ("/work/shared/redis-7.0.15/redis.conf", {b"bind": b"127.0.0.1 -::1", b"databases": b"16",
                                              b"save": b"3600 1 300 100 60 10000",
                                              b"client-output-buffer-limit":
                                              b"normal 0 0 0 slave 268435456 67108864 60 "
                                              b"pubsub 33554432 8388608 60"}),
    ("/etc/redis/redis.conf", {b"bind": b"127.0.0.1 -::1", b"dbfilename": b"dump.rdb",
                               b"oom-score-adj-values": b"0 200 800",
                               b"proc-title-template": b"{title} {listen-addr} {server-mode}"}),
], ids=["redis-7.0.15", "debian"])
def test_starts_unchanged_on_redis_conf_files(tmp_path, conf, expect):
    """Issue 14: castor starts unchanged on the redis.conf Redis ships and on Debian's,
    with only port, dir, daemonize and logfile on the command line.
    (tests/interop/test_diff_config.py compares every value with redis-server's.)"""
    if not os.path.exists(conf):
        pytest.skip("%s is not on this machine" % conf)
    s = Server(tmp_path, defaults=False)
    extra = ["--dir", str(tmp_path), "--daemonize", "no", "--logfile", s.logfile_path]
    if os.path.isdir("/run/redis"):
        extra += ["--pidfile", str(tmp_path / "server.pid")]   # not the packaged server's
    s.command = lambda: [CASTOR_SERVER, conf, "--port", str(s.port)] + extra
    s.start()
    try:
        got = s.raw().call("CONFIG", "GET", *expect)
        assert dict(zip(got[::2], got[1::2])) == expect
        assert "castor accepts" not in s.logfile   # nothing set that castor lacks
    finally:
        s.stop()
