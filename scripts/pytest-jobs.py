#!/usr/bin/python3
"""pytest-jobs.py -- run the integration and interop test files as parallel
pytest processes, one per file, and count their results.

make test's Python layers are mostly waiting (servers starting, replication
links, timeouts), so two or three files at once fill the machine's cores
where one file at a time leaves them idle. Each worker slot hands out ports
from its own range (CASTOR_TEST_PORTS, see tests/lib/castortest.py), so
files running side by side never race for a port.

    pytest-jobs.py --out DIR [--jobs N] [--record] LAYER...

LAYER is "integration" (the ASan+UBSan server; sanitizer logs in
DIR/san) or "interop" (the release server beside Debian's redis-server).
Files run longest first, by tests/durations.txt ("seconds path" lines,
rewritten by --record after a full run; a file it does not list runs
first). Prints one line per finished file, the output of every failing
file, and last "pytest: P passed, F failed"; exits 0 iff F is 0.
"""

import argparse
import glob
import os
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DURATIONS = os.path.join(ROOT, "tests", "durations.txt")
FILE_TIMEOUT = 900  # seconds: a file that runs longer is killed and failed
PORT_BASE, PORT_SPAN = 20000, 9000  # slots share 20000-28999; bus ports +10000


def port_range():
    """CASTOR_TEST_PORT_RANGE "LO-HI" (a shared machine gives each engineer
    a range) or the default; the slots split it."""
    lo, sep, hi = os.environ.get("CASTOR_TEST_PORT_RANGE", "").partition("-")
    if sep:
        return int(lo), int(hi) - int(lo) + 1
    return PORT_BASE, PORT_SPAN


def layer_env(layer, out):
    env = dict(os.environ)
    if layer == "integration":
        san = os.path.join(out, "san")
        os.makedirs(san, exist_ok=True)
        env["ASAN_OPTIONS"] = "log_path=%s/asan:abort_on_error=1:detect_leaks=1" % san
        env["UBSAN_OPTIONS"] = "log_path=%s/ubsan:print_stacktrace=1:halt_on_error=1" % san
        env["LSAN_OPTIONS"] = "use_unaligned=1"
        env["CASTOR_SERVER"] = os.path.join(ROOT, "build-asan", "castor-server")
    else:
        env["CASTOR_SERVER"] = os.path.join(ROOT, "build", "castor-server")
    return env


def load_durations():
    d = {}
    try:
        with open(DURATIONS) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and not line.startswith("#"):
                    d[parts[1]] = float(parts[0])
    except OSError:
        pass
    return d


def junit_counts(xml):
    """(passed, failed) from a junit XML file, or None if it is unreadable."""
    try:
        root = ET.parse(xml).getroot()
    except (OSError, ET.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    t = f = 0
    for s in suites:
        t += int(s.get("tests", 0)) - int(s.get("skipped", 0))
        f += int(s.get("failures", 0)) + int(s.get("errors", 0))
    return t - f, f


class Runner:
    def __init__(self, jobs, out, files):
        self.out = out
        self.queue = list(files)  # [(layer, path)], next job first
        self.total = len(files)
        self.lock = threading.Lock()
        self.passed = self.failed = 0
        self.done = 0
        self.took = {}
        self.base, span = port_range()
        self.span = span // jobs

    def next_job(self):
        with self.lock:
            return self.queue.pop(0) if self.queue else None

    def worker(self, slot):
        lo = self.base + slot * self.span
        while True:
            job = self.next_job()
            if job is None:
                return
            self.run(job, "%d-%d" % (lo, lo + self.span - 1))

    def run(self, job, ports):
        layer, path = job
        name = os.path.basename(path)[:-3]
        xml = os.path.join(self.out, "%s-%s.xml" % (layer, name))
        log = os.path.join(self.out, "%s-%s.log" % (layer, name))
        env = layer_env(layer, self.out)
        env["CASTOR_TEST_PORTS"] = ports
        cmd = ["/usr/bin/python3", "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "--junitxml=" + xml, path]
        t0 = time.monotonic()
        with open(log, "wb") as f:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            try:
                rc = proc.wait(FILE_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                rc = "timeout after %d s" % FILE_TIMEOUT
        took = time.monotonic() - t0
        counts = junit_counts(xml)
        if counts is None or rc not in (0, 1, 5):
            p, fl = (counts or (0, 0))[0], max((counts or (0, 0))[1], 1)
        else:
            p, fl = counts
        with self.lock:
            self.passed += p
            self.failed += fl
            self.done += 1
            self.took[path] = took
            print("[%d/%d] %s: %d passed, %d failed (%.0f s)"
                  % (self.done, self.total, path, p, fl, took), flush=True)
            if fl:
                print("FAILED: %s (exit %s)" % (path, rc))
                with open(log, errors="replace") as f:
                    sys.stdout.write(f.read()[-20000:])
                sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="directory for logs and junit files")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("TEST_JOBS", "3")))
    ap.add_argument("--record", action="store_true", help="rewrite tests/durations.txt")
    ap.add_argument("layers", nargs="+", choices=("integration", "interop"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    known = load_durations()
    files = []
    for layer in args.layers:
        for path in sorted(glob.glob(os.path.join(ROOT, "tests", layer, "test_*.py"))):
            files.append((layer, os.path.relpath(path, ROOT)))
    # Longest first; a file without a recorded time first of all.
    files.sort(key=lambda j: -known.get(j[1], 1e9))
    jobs = max(1, min(args.jobs, 9))
    r = Runner(jobs, args.out, files)
    threads = [threading.Thread(target=r.worker, args=(i,)) for i in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if args.record:
        with open(DURATIONS, "w") as f:
            f.write("# seconds per test file in make test, longest first: the order\n"
                    "# scripts/pytest-jobs.py starts them in (its --record rewrites this)\n")
            for path, took in sorted(r.took.items(), key=lambda kv: -kv[1]):
                f.write("%.0f %s\n" % (took, path))
    print("pytest: %d passed, %d failed" % (r.passed, r.failed))
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
