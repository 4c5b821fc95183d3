"""Seeing a death without polling: a pidfd per watched process (Linux 5.3+), all waited on with poll().

The instances are not our children (they must outlive `serve`), so waitpid cannot tell; a pidfd
becomes readable the moment its process exits, whoever its parent is. The pid is checked against the
instance's create time by the caller right after the pidfd is opened, so a reused pid is never watched.
"""

from __future__ import annotations

import contextlib
import os
import select


class DeathWatch:
    """Keys (instance ids) watched by pidfd; ``wait`` returns the keys whose process exited."""

    def __init__(self) -> None:
        self._fds: dict[str, int] = {}
        self._keys: dict[int, str] = {}
        self._poll = select.poll()

    def __contains__(self, key: str) -> bool:
        return key in self._fds

    def watch(self, key: str, pid: int) -> bool:
        """Start watching ``pid`` under ``key``; False when it is already gone (or pidfds are not available)."""
        if key in self._fds:
            return True
        try:
            fd = os.pidfd_open(pid)
        except (OSError, AttributeError):
            return False
        self._fds[key], self._keys[fd] = fd, key
        self._poll.register(fd, select.POLLIN)
        return True

    def forget(self, key: str) -> None:
        fd = self._fds.pop(key, None)
        if fd is None:
            return
        self._keys.pop(fd, None)
        with contextlib.suppress(KeyError, ValueError):
            self._poll.unregister(fd)
        with contextlib.suppress(OSError):
            os.close(fd)

    def wait(self, timeout_s: float) -> list[str]:
        """Block up to ``timeout_s`` for deaths; the dead are forgotten and returned."""
        if not self._fds:
            return []
        ready = self._poll.poll(max(0, int(timeout_s * 1000)))
        dead = [self._keys[fd] for fd, _ in ready if fd in self._keys]
        for key in dead:
            self.forget(key)
        return dead

    def close(self) -> None:
        for key in list(self._fds):
            self.forget(key)
