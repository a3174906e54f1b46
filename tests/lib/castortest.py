"""castortest.py -- start and stop server processes for the Python tests.

A Server is one castor-server (or redis-server) process listening on a free
127.0.0.1 port, with its own working directory, started with redis-server's
command line:

    BINARY [configfile] --port N --bind 127.0.0.1 --dir D --save "" \
           --appendonly no --logfile D/server.log --enable-debug-command yes ...

Every process started here is also killed when the Python process exits
(atexit, and PR_SET_PDEATHSIG on Linux), so a crashed or interrupted test
run leaves nothing behind. Fixtures still stop servers explicitly.

Environment:
    CASTOR_SERVER        castor binary (default: <repo>/build/castor-server)
    REDIS_SERVER         reference binary (default: /usr/bin/redis-server)
    CASTOR_TEST_TIMEOUT  seconds to wait for a server to start (default 20)
    CASTOR_TEST_PORTS    "LO-HI": hand out ports only from this range
"""

import atexit
import ctypes
import os
import random
import re
import signal
import socket
import subprocess
import time

import redis

from resp import Err, RespConn

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASTOR_SERVER = os.environ.get("CASTOR_SERVER") or os.path.join(REPO_ROOT, "build", "castor-server")
REDIS_SERVER = os.environ.get("REDIS_SERVER") or "/usr/bin/redis-server"
REDIS_CLI = "/usr/bin/redis-cli"
REDIS_BENCHMARK = "/usr/bin/redis-benchmark"
START_TIMEOUT = float(os.environ.get("CASTOR_TEST_TIMEOUT", "20"))

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: UndefinedBehaviorSanitizer")

_live = set()  # every started Server not yet stopped


class WaitTimeout(AssertionError):
    pass


def wait_for(cond, timeout, interval=0.01, msg=None):
    """Call cond() until it returns a truthy value and return that value.
    Raise WaitTimeout (an AssertionError) after 'timeout' seconds; exceptions
    from cond() propagate."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= deadline:
            what = msg or getattr(cond, "__name__", "condition")
            raise WaitTimeout("timed out after %.2fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def parse_info(text):
    """INFO text (bytes or str) -> {section: {field: value}}, sections and
    fields in the order the server sent them."""
    if isinstance(text, bytes):
        text = text.decode()
    sections, cur = {}, None
    for line in text.split("\r\n"):
        if line.startswith("# "):
            cur = sections.setdefault(line[2:].lower(), {})
        elif line:
            assert cur is not None, "field outside a section: %r" % line
            k, sep, v = line.partition(":")
            assert sep, "INFO line without ':' %r" % line
            cur[k] = v
    return sections


def _port_range():
    """CASTOR_TEST_PORTS "LO-HI": the ports this test process may hand out.
    scripts/run-tests.sh gives each of its parallel pytest jobs its own range,
    so two jobs never race for one port (cluster bus ports, +10000, too)."""
    spec = os.environ.get("CASTOR_TEST_PORTS", "")
    lo, sep, hi = spec.partition("-")
    if not sep:
        return None
    return int(lo), int(hi)


_handed_out = []  # ports returned lately: a port not bound yet stays taken


def _bindable(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port():
    """A TCP port that was free on 127.0.0.1 a moment ago (never 6379)."""
    rng = _port_range()
    if rng:
        while True:
            port = random.randint(rng[0], rng[1])
            if (port != 6379 and port not in _handed_out and _bindable(port)
                    and (port + 10000 > 65535 or _bindable(port + 10000))):
                _handed_out.append(port)
                del _handed_out[:-256]
                return port
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != 6379 and port < 55535:  # keep port+10000 (cluster bus) valid
            return port


def _die_with_parent():
    """preexec_fn: have the kernel SIGKILL the server if the test run dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _directive_args(directives):
    """{'maxmemory': '10mb', 'client-output-buffer-limit': 'normal 1mb 0 0'}
    or [(name, value), ...] -> ['--maxmemory', '10mb', ...]. A value may be a
    list/tuple (several arguments); a str value is one argument. Repeated
    directives: pass a list of pairs."""
    items = directives.items() if isinstance(directives, dict) else directives
    out = []
    for name, value in items:
        out.append("--" + name)
        if isinstance(value, (list, tuple)):
            out.extend(str(v) for v in value)
        else:
            out.append(str(value))
    return out


class ServerStartError(Exception):
    pass


class Server:
    """One server process.

    workdir: a directory owned by this server (a pytest tmp_path, or a
             subdirectory of it); created if missing.
    binary:  path of the server binary (default CASTOR_SERVER).
    directives: extra config given on the command line (see _directive_args).
    config:  text of a config file written to workdir/server.conf and passed
             as the first argument.
    port:    fixed port; default: a free one (retried if lost to a race).
    defaults: False to pass only --port (and the config file), nothing else.
    password: used by client(), raw() and info(); default: the requirepass
             given in directives, if any.
    """

    def __init__(self, workdir, binary=None, directives=(), config=None, port=None,
                 defaults=True, name="server", password=None):
        self.workdir = str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.binary = binary or CASTOR_SERVER
        self.directives = directives
        self.config = config
        self.fixed_port = port
        self.defaults = defaults
        self.name = name
        if password is None:
            items = directives.items() if isinstance(directives, dict) else directives
            password = dict(items).get("requirepass") or None
        self.password = password
        self.port = None
        self.proc = None
        self.returncode = None
        self.logfile_path = os.path.join(self.workdir, "server.log")
        self.stdout_path = os.path.join(self.workdir, "stdout.log")
        self.stderr_path = os.path.join(self.workdir, "stderr.log")
        self.config_path = os.path.join(self.workdir, "server.conf") if config is not None else None
        self._clients = []

    # -- command line

    def command(self):
        if not os.path.exists(self.binary):
            raise ServerStartError("server binary not found: %s (build it, or set CASTOR_SERVER)"
                                   % self.binary)
        cmd = [self.binary]
        if self.config_path:
            cmd.append(self.config_path)
        cmd += ["--port", str(self.port)]
        if self.defaults:
            cmd += ["--bind", "127.0.0.1", "--dir", self.workdir, "--save", "",
                    "--appendonly", "no", "--logfile", self.logfile_path,
                    "--enable-debug-command", "yes"]
        cmd += _directive_args(self.directives)
        return cmd

    # -- lifecycle

    def spawn(self):
        """Start the process and return at once (no readiness wait)."""
        if self.config is not None and not os.path.exists(self.config_path):
            with open(self.config_path, "w") as f:  # once: a restart keeps CONFIG REWRITE's
                f.write(self.config)
        if self.port is None:
            self.port = self.fixed_port or free_port()
        out = open(self.stdout_path, "ab")
        err = open(self.stderr_path, "ab")
        try:
            self.proc = subprocess.Popen(self.command(), cwd=self.workdir, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=err, preexec_fn=_die_with_parent)
        finally:
            out.close()
            err.close()
        self.returncode = None
        _live.add(self)
        return self

    def start(self, timeout=None):
        """Start and wait until the server answers PING. Retries with another
        port if an automatically chosen port was taken meanwhile."""
        timeout = timeout or START_TIMEOUT
        for attempt in range(5):
            self.spawn()
            try:
                self.wait_ready(timeout)
                return self
            except ServerStartError:
                lost_port = (self.fixed_port is None and self.proc.poll() is not None
                             and "Address already in use" in self.logfile + self.stderr)
                if not lost_port or attempt == 4:
                    raise
                self.port = None
        return self

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                self.returncode = rc
                _live.discard(self)
                raise ServerStartError("%s exited with status %s during start-up\n%s"
                                       % (self.binary, rc, self.diagnostics()))
            try:
                with RespConn(self.port, timeout=1.0) as c:
                    reply = c.call("PING")
                    # NOAUTH also proves the server is serving (requirepass).
                    if reply == "PONG" or (isinstance(reply, Err) and reply.code == "NOAUTH"):
                        return
            except (OSError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() >= deadline:
                self.stop()
                raise ServerStartError("%s did not answer PING within %.1fs\n%s"
                                       % (self.binary, timeout, self.diagnostics()))
            time.sleep(0.01)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout):
        """Wait (bounded) for the process to exit on its own; return its status."""
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise WaitTimeout("%s (pid %d) did not exit within %.1fs" % (self.name, self.pid, timeout))
        _live.discard(self)
        return self.returncode

    def stop(self, timeout=10.0):
        """SIGTERM by pid, wait up to 'timeout' seconds, then SIGKILL.
        Returns the exit status (negative: killed by that signal)."""
        for c in self._clients:
            try:
                c.close()
            except Exception:
                pass
        self._clients = []
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.returncode = self.proc.returncode
        _live.discard(self)
        return self.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc is not None:
            self.returncode = self.proc.returncode
        _live.discard(self)

    # -- clients

    def client(self, **kw):
        """A redis.Redis on this server (decode_responses=False unless given)."""
        kw.setdefault("decode_responses", False)
        kw.setdefault("socket_timeout", 10)
        kw.setdefault("password", self.password)
        r = redis.Redis(host="127.0.0.1", port=self.port, **kw)
        self._clients.append(r)
        return r

    def raw(self, protocol=2, timeout=10.0):
        """A raw RespConn (see resp.py)."""
        c = RespConn(self.port, timeout=timeout, protocol=protocol, password=self.password)
        self._clients.append(c)
        return c

    def info(self, section=None):
        """INFO [section] parsed by redis-py into a dict."""
        with redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10,
                         password=self.password) as r:
            return r.info(section) if section else r.info()

    # -- output

    def _read(self, path):
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    @property
    def logfile(self):
        """Text of the server log (the logfile, falling back to stdout when
        the server logs there)."""
        return self._read(self.logfile_path) or self._read(self.stdout_path)

    @property
    def stdout(self):
        return self._read(self.stdout_path)

    @property
    def stderr(self):
        return self._read(self.stderr_path)

    def sanitizer_report(self):
        """The stderr text if it holds a sanitizer report, else ''."""
        text = self.stderr
        return text if any(m in text for m in SANITIZER_MARKERS) else ""

    def diagnostics(self, lines=40):
        def tail(text):
            return "\n".join(text.splitlines()[-lines:])
        return ("--- %s log (%s) ---\n%s\n--- stderr ---\n%s"
                % (self.name, self.logfile_path, tail(self.logfile), tail(self.stderr)))

    def rss_kb(self):
        """Resident set size from /proc, in kB."""
        with open("/proc/%d/status" % self.pid) as f:
            m = re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M)
        return int(m.group(1))

    def __repr__(self):
        return "<Server %s %s port=%s pid=%s>" % (self.name, os.path.basename(self.binary),
                                                   self.port, self.pid)


def run_to_exit(workdir, binary=None, args=(), config=None, timeout=20.0):
    """Run a server that is expected to exit by itself (bad config, port
    taken). Returns (status, stdout+stderr+log text). Kills it and raises if
    it is still running after 'timeout' seconds."""
    s = Server(workdir, binary=binary, config=config, port=0, defaults=False)
    if config is not None:
        with open(s.config_path, "w") as f:
            f.write(config)
    if not os.path.exists(s.binary):
        raise ServerStartError("server binary not found: %s" % s.binary)
    cmd = [s.binary] + ([s.config_path] if config is not None else []) + list(args)
    with open(s.stdout_path, "wb") as out, open(s.stderr_path, "wb") as err:
        p = subprocess.Popen(cmd, cwd=s.workdir, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=err, preexec_fn=_die_with_parent)
    try:
        rc = p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(10)
        raise WaitTimeout("%s %s still running after %.1fs" % (s.binary, args, timeout))
    return rc, s.stdout + s.stderr + s.logfile


def stop_all():
    for s in list(_live):
        s.kill()


atexit.register(stop_all)
