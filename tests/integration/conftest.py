"""Fixtures for castor-only integration tests: see tests/lib/castorfixtures.py.

Run: CASTOR_SERVER=/path/to/castor-server python3 -m pytest tests/integration
(default binary: build/castor-server)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from castorfixtures import *  # noqa: E402,F401,F403  (server, start_server)
