"""The crash report and the watchdog (crash.c): a fatal signal (DEBUG
SEGFAULT, DEBUG PANIC, SIGABRT from outside) leaves Redis's bug report in
the log, with a backtrace under "STACK TRACE", INFO and the client that was
running, and the process dies by that same signal; crash-log-enabled no
leaves no report; watchdog-period logs where a stuck loop is and the
server goes on. The backtrace names static functions too (symtab.c), and
a stripped binary still gets a report with what backtrace_symbols_fd
names."""

import os
import shutil
import signal
import subprocess

from castortest import CASTOR_SERVER, Server, wait_for


def start(tmp_path, name, binary=CASTOR_SERVER, **directives):
    d = {"enable-debug-command": "yes"}
    d.update(directives)
    s = Server(tmp_path / name, binary=binary, directives=d, name=name)
    s.start()
    return s


def crash_and_read_log(s, how):
    c = s.raw()
    if how == "kill":
        os.kill(s.pid, signal.SIGABRT)
    else:
        c.send("DEBUG", how)
    status = s.wait_exit(20)
    return status, s.logfile


def assert_report(log):
    for part in ("=== REDIS BUG REPORT START: Cut & paste starting from here ===",
                 "------ STACK TRACE ------", "Backtrace:", "------ INFO OUTPUT ------",
                 "redis_version:7.0.15", "------ CLIENT LIST OUTPUT ------",
                 "------ CURRENT CLIENT INFO ------",
                 "=== REDIS BUG REPORT END. Make sure to include from START to END. ==="):
        assert part in log, (part, log[-3000:])
    # The backtrace names the dispatcher the crashing command came through.
    trace = log.split("Backtrace:")[1].split("------ INFO OUTPUT")[0]
    assert "cmdtable_call" in trace or "(+0x" in trace, trace


def test_debug_segfault_writes_the_report_and_dies_by_sigsegv(tmp_path):
    s = start(tmp_path, "seg")
    status, log = crash_and_read_log(s, "SEGFAULT")
    assert status == -signal.SIGSEGV
    assert "Redis 7.0.15 crashed by signal: 11" in log
    assert "Accessing address: 0x" in log
    assert_report(log)
    assert "argv[0]: '\"DEBUG\"'" in log and "argv[1]: '\"SEGFAULT\"'" in log
    assert "cmdtable_call" in log.split("Backtrace:")[1]
    # DEBUG's proc is static: named from the binary's .symtab, where it
    # faulted and in the backtrace.
    eip = log.split("EIP:\n")[1].split("\n")[0]
    assert "(cmd_debug+0x" in eip, eip
    assert "(cmd_debug+0x" in log.split("Backtrace:")[1].split("------ INFO OUTPUT")[0]


def test_a_stripped_binary_still_reports(tmp_path):
    binary = str(tmp_path / "castor-stripped")
    shutil.copy(CASTOR_SERVER, binary)
    subprocess.run(["strip", binary], check=True)
    s = start(tmp_path, "stripped", binary=binary)
    status, log = crash_and_read_log(s, "SEGFAULT")
    assert status == -signal.SIGSEGV
    assert_report(log)
    trace = log.split("Backtrace:")[1].split("------ INFO OUTPUT")[0]
    assert "cmd_debug" not in trace and "(+0x" in trace, trace


def test_debug_panic_and_sigabrt(tmp_path):
    s = start(tmp_path, "panic")
    status, log = crash_and_read_log(s, "PANIC")
    assert status == -signal.SIGABRT
    assert "Guru Meditation: DEBUG PANIC called at Unix time" in log
    assert "crashed by signal: 6" in log
    assert_report(log)
    s = start(tmp_path, "abrt")
    status, log = crash_and_read_log(s, "kill")
    assert status == -signal.SIGABRT
    assert "Killed by PID:" in log
    assert_report(log)


def test_crash_log_disabled(tmp_path):
    s = start(tmp_path, "quiet", **{"crash-log-enabled": "no"})
    status, log = crash_and_read_log(s, "SEGFAULT")
    assert status == -signal.SIGSEGV
    assert "BUG REPORT" not in log and "STACK TRACE" not in log


def test_watchdog_logs_a_stuck_loop_and_the_server_goes_on(tmp_path):
    s = start(tmp_path, "dog")
    c = s.raw()
    assert c.call("CONFIG", "SET", "watchdog-period", "200") == "OK"
    assert c.call("DEBUG", "SLEEP", "0.6") == "OK"
    wait_for(lambda: "--- WATCHDOG TIMER EXPIRED ---" in s.logfile, 5)
    log = s.logfile
    assert "Backtrace:" in log.split("WATCHDOG TIMER EXPIRED")[1]
    assert "(cmd_debug+0x" in log.split("WATCHDOG TIMER EXPIRED")[1]
    # The whole sleep happened (the signal does not cut it short).
    assert c.call("PING") == "PONG"
    assert c.call("CONFIG", "SET", "watchdog-period", "0") == "OK"
    before = log.count("WATCHDOG TIMER EXPIRED")
    assert c.call("DEBUG", "SLEEP", "0.5") == "OK"
    assert s.logfile.count("WATCHDOG TIMER EXPIRED") == before
    s.stop()
