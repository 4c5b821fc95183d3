"""Which router code is running: a digest of the daemon's own source files.

A daemon started before `pip install -U shipmate` keeps serving with the old code; the client
compares this digest with the one its own files give and, when they differ, replaces the
daemon through the socket hand-over (handover.py), so an upgrade never closes a public port.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import shipmate

SALT_ENV = "SHIPMATE_ROUTER_CODE_SALT"  # tests: make one daemon look like another version's


def code_fingerprint() -> str:
    """sha256 (16 hex digits) over the router package, traffic.py and the histogram, in a stable order."""
    root = Path(shipmate.__file__).parent
    files = [*sorted((root / "router").glob("*.py")), root / "traffic.py", root / "analysis" / "histogram.py"]
    digest = hashlib.sha256(os.environ.get(SALT_ENV, "").encode())
    for path in files:
        digest.update(path.name.encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"-")
    return digest.hexdigest()[:16]
