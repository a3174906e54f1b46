"""ACL users from the configuration: "user" lines in redis.conf and the
aclfile (which exclude each other, as in Redis), ACL LOAD/SAVE, CONFIG
REWRITE of users, acllog-max-len, and a replica authenticating to its
master as a named user (masteruser + masterauth)."""

import pytest

from castortest import run_to_exit, wait_for
from resp import Err, RespConn

NOPERM_CMD = "NOPERM this user has no permissions to run the '%s' command"
FATAL_HEADER = "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***"


def conn(s, user=None, password=None):
    c = RespConn(s.port)
    if user:
        assert c.call("AUTH", user, password) == "OK"
    return c


def test_user_lines_apply_and_survive_config_rewrite(start_server):
    """unit/acl.tcl "ACL from config file and config rewrite"."""
    s = start_server(config="user default on nopass ~* &* +@all -flushdb\n"
                            "user alice on >apw ~a:* +get +set\n")
    c = conn(s)
    assert c.call("FLUSHDB") == Err(NOPERM_CMD % "flushdb")
    a = conn(s, "alice", "apw")
    assert a.call("SET", "a:1", "v") == "OK"
    assert a.call("SET", "b:1", "v") == Err(
        "NOPERM this user has no permissions to access one of the keys used as arguments")
    assert c.call("CONFIG", "REWRITE") == "OK"
    with open(s.config_path) as f:
        lines = f.read().splitlines()
    assert "user default on nopass sanitize-payload ~* &* +@all -flushdb" in lines, lines
    assert any(ln.startswith("user alice on #") and ln.endswith(" ~a:* resetchannels -@all "
                                                                  "+get +set") for ln in lines)
    s.stop()
    s.start()
    assert conn(s).call("FLUSHDB") == Err(NOPERM_CMD % "flushdb")
    assert conn(s, "alice", "apw").call("GET", "b:1") == Err(
        "NOPERM this user has no permissions to access one of the keys used as arguments")


def test_requirepass_and_a_default_user_line(start_server):
    """The user line, loaded after the directives, has the last word, as in Redis."""
    s = start_server(config="requirepass foo\nuser default on >bar ~* &* +@all\n")
    c = RespConn(s.port)
    assert c.call("GET", "x") == Err("NOAUTH Authentication required.")
    assert c.call("AUTH", "foo") == Err(
        "WRONGPASS invalid username-password pair or user is disabled.")
    assert c.call("AUTH", "bar") == "OK"


@pytest.mark.parametrize("text,message", [
    ("user default on #0000 ~* &* +@all\n",
     "Error in user declaration 'default': The password hash must be exactly 64 characters "
     "and contain only lowercase hexadecimal characters"),
    ("user alice on >pw ~* +@all\nuser alice on\n",
     "Error in user declaration 'alice': Duplicate user found. A user can only be defined once "
     "in config files"),
    ("user bob on (+get\n", "Error in user declaration 'bob': Unknown command or category name "
                            "in ACL"),
    ("user bob on badrule\n", "Error in user declaration 'bob': Syntax error"),
])
def test_bad_user_lines_are_fatal_config_errors(tmp_path, text, message):
    rc, out = run_to_exit(tmp_path, config=text, args=["--port", "0"])
    assert rc == 1
    lines = out.splitlines()
    assert FATAL_HEADER in lines, out
    assert lines[-1] == message, out


@pytest.mark.parametrize("text,logged", [
    ("user bob on +nosuch\n", "Error loading ACL rule '+nosuch' for the user named 'bob': "
                              "Unknown command or category name in ACL"),
    ("aclfile /nonexistent/users.acl\n",
     "Aborting Redis startup because of ACL errors: Error loading ACLs, opening file "
     "'/nonexistent/users.acl': No such file or directory"),
    ("user bob on\naclfile users.acl\n",
     "Configuring Redis with users defined in redis.conf and at the same setting an ACL file "
     "path is invalid. This setup is very likely to lead to configuration errors and security "
     "holes, please define either an ACL file or declare users directly in your redis.conf, but "
     "not both."),
])
def test_acl_startup_errors_stop_the_server(tmp_path, text, logged):
    with open(tmp_path / "users.acl", "w") as f:
        f.write("user bob on\n")
    rc, out = run_to_exit(tmp_path, config=text, args=["--port", "0", "--dir", str(tmp_path)])
    assert rc == 1
    assert logged in out, out


def test_aclfile_errors_at_startup_list_every_bad_line(tmp_path):
    path = tmp_path / "y.acl"
    with open(path, "w") as f:
        f.write("user a on\n# comment\nuser a off\nfoo bar\nuser b (+get\nuser c on ~a ~*\n")
    rc, out = run_to_exit(tmp_path, config="aclfile %s\n" % path, args=["--port", "0"])
    assert rc == 1
    p = str(path)
    assert ("Aborting Redis startup because of ACL errors: %s:2 should start with user keyword "
            "followed by the username. WARNING: Duplicate user 'a' found on line 3. %s:4 should "
            "start with user keyword followed by the username. %s:5: Unmatched parenthesis in "
            "selector definition.WARNING: ACL errors detected, no change to the previously "
            "active ACL rules was performed" % (p, p, p)) in out, out


def test_aclfile_load_save_and_rewrite(start_server, tmp_path):
    acl = tmp_path / "users.acl"
    with open(acl, "w") as f:
        f.write("user alice on >alice ~* &* +@all\nuser bob on >bob -@all +@set +acl ~set*\n"
                "user default on nopass ~* &* +@all\n")
    s = start_server(config="aclfile %s\n" % acl)
    c = conn(s)
    assert c.call("ACL", "USERS") == [b"alice", b"bob", b"default"]
    bob = conn(s, "bob", "bob")
    assert bob.call("SADD", "set1", "m") == 1
    assert bob.call("GET", "x") == Err(NOPERM_CMD % "get")
    # A bad file changes nothing.
    with open(acl, "a") as f:
        f.write("user alice on nopass ~* -@all\n")
    err = c.call("ACL", "LOAD")
    assert isinstance(err, Err) and "Duplicate user 'alice' found on line 4" in str(err), err
    assert bob.call("SCARD", "set1") == 1
    # A good one replaces every user; clients of the old users are closed.
    with open(acl, "w") as f:
        f.write("user carol on >c ~* +@all\n")
    assert c.call("ACL", "LOAD") == "OK"
    assert bob.wait_closed(5)
    assert c.call("ACL", "USERS") == [b"carol", b"default"]
    assert c.call("PING") == "PONG"  # the default user, absent from the file, stays open
    assert c.call("ACL", "SETUSER", "dave", "on", ">d", "+get", "~d*") == "OK"
    assert c.call("ACL", "SAVE") == "OK"
    with open(acl) as f:
        saved = f.read().splitlines()
    assert len(saved) == 3 and saved[0].startswith("user carol on #"), saved
    assert saved[1].startswith("user dave on #") and saved[1].endswith(
        "~d* resetchannels -@all +get"), saved
    assert saved[2] == "user default on nopass ~* &* +@all", saved
    # With an aclfile, CONFIG REWRITE writes no user lines.
    assert c.call("CONFIG", "REWRITE") == "OK"
    with open(s.config_path) as f:
        assert not any(ln.startswith("user ") for ln in f.read().splitlines())
    s.stop()
    s.start()
    assert conn(s, "dave", "d").call("GET", "d1") is None


def test_acllog_max_len_trims_the_log(server):
    c = server.raw()
    assert c.call("CONFIG", "SET", "acllog-max-len", "3") == "OK"
    u = RespConn(server.port)
    for i in range(6):
        assert u.call("AUTH", "nouser%d" % i, "x") == Err(
            "WRONGPASS invalid username-password pair or user is disabled.")
    log = c.call("ACL", "LOG")
    assert [e[9] for e in log] == [b"nouser5", b"nouser4", b"nouser3"]
    assert c.call("CONFIG", "GET", "acllog-max-len") == [b"acllog-max-len", b"3"]


def test_replica_authenticates_as_masteruser(start_server):
    master = start_server(config="user default off\n"
                                 "user admin on >adm ~* &* +@all\n"
                                 "user repl on >rp +psync +replconf +ping\n")
    m = conn(master, "admin", "adm")
    assert m.call("SET", "k", "v1") == "OK"
    replica = start_server(directives={"masteruser": "repl", "masterauth": "rp"})
    r = conn(replica)
    assert r.call("REPLICAOF", "127.0.0.1", str(master.port)) == "OK"
    wait_for(lambda: b"master_link_status:up" in r.call("INFO", "replication"), timeout=15)
    wait_for(lambda: r.call("GET", "k") == b"v1", timeout=10)
    assert m.call("SET", "k", "v2") == "OK"
    wait_for(lambda: r.call("GET", "k") == b"v2", timeout=10)
    # The master's clients list the replica under its user.
    lines = m.call("CLIENT", "LIST").split(b"\n")
    assert any(b"flags=S" in ln and b"user=repl" in ln for ln in lines), lines


def test_replica_with_a_wrong_masterauth_stays_down(start_server):
    master = start_server(config="user default off\nuser admin on >adm ~* &* +@all\n"
                                 "user repl on >rp +psync +replconf +ping\n")
    replica = start_server(directives={"masteruser": "repl", "masterauth": "wrong"})
    r = conn(replica)
    assert r.call("REPLICAOF", "127.0.0.1", str(master.port)) == "OK"
    m = conn(master, "admin", "adm")
    wait_for(lambda: any(e[9] == b"repl" and e[3] == b"auth" for e in m.call("ACL", "LOG")),
             timeout=15)
    assert b"master_link_status:down" in r.call("INFO", "replication")
