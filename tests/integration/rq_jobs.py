"""Job functions for the RQ workload in test_script_clients.py (a worker
imports them by name)."""


def add(a, b):
    return a + b


def fail():
    raise ValueError("job failed on purpose")
