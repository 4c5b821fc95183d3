"""Runs one instance's command and copies its output into a rotated log file.

    python -m shipmate.targets.log_pump --log PATH --max-bytes N --backups K [--ready-fd FD] -- argv...

The pump is the process-group leader the process target tracks. It forwards SIGTERM/SIGINT to
the command, keeps pumping until the command's output ends, records the exit code as the last log
line and exits with it. --ready-fd gets "running" once the command was spawned, so the starter
knows at once whether it could run. Stdlib only, because it starts once per instance.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from types import FrameType

EXIT_CANNOT_RUN = 127
MAX_LINE_BYTES = 64 * 1024  # longer lines are split rather than buffered without bound
EXIT_LINE_PREFIX = "[shipmate] process exited with code"


def usage_error(message: str) -> int:
    print(f"log_pump: {message}", file=sys.stderr)
    print("usage: python -m shipmate.targets.log_pump --log PATH --max-bytes N --backups K "
          "[--ready-fd FD] -- argv...", file=sys.stderr)
    return 2


@dataclass(frozen=True)
class PumpArgs:
    log: str
    max_bytes: int
    backups: int
    ready_fd: int | None  # written to (then closed) once the command runs, so the starter need not guess
    argv: list[str]


def parse_args(args: list[str]) -> PumpArgs | str:
    """Returns the arguments or an error message; hand-rolled to start fast."""
    if "--" not in args:
        return "missing '--' before the command"
    split = args.index("--")
    options, argv = args[:split], args[split + 1:]
    if not argv:
        return "no command after '--'"
    if len(options) % 2:
        return f"option without value: {options[-1]}"
    values = dict(zip(options[::2], options[1::2], strict=True))
    unknown = set(values) - {"--log", "--max-bytes", "--backups", "--ready-fd"}
    if unknown:
        return f"unknown option {sorted(unknown)[0]}"
    if "--log" not in values:
        return "--log is required"
    try:
        max_bytes = int(values.get("--max-bytes", str(10 * 1024 * 1024)))
        backups = int(values.get("--backups", "3"))
        ready_fd = int(values["--ready-fd"]) if "--ready-fd" in values else None
    except ValueError as exc:
        return f"bad number: {exc}"
    return PumpArgs(values["--log"], max_bytes, backups, ready_fd, argv)


def open_log(path: str, max_bytes: int, backups: int) -> logging.Logger:
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups,
                                                   encoding="utf-8")
    formatter = logging.Formatter("%(asctime)s.%(msecs)03dZ %(message)s", datefmt="%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logger = logging.getLogger("shipmate.log_pump")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger


def exit_status(returncode: int) -> int:
    """Popen reports death by signal N as -N; a shell would say 128+N, so do we."""
    return returncode if returncode >= 0 else 128 - returncode


def pump(log: logging.Logger, argv: list[str], ready_fd: int | None = None) -> int:
    children: list[subprocess.Popen[bytes]] = []
    pending: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        # Installed before the spawn so an early SIGTERM is passed on instead of orphaning the child.
        if children:
            children[0].send_signal(signum)  # no-op once the child has been reaped
        else:
            pending.append(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT)
    except OSError as exc:
        log.info("[shipmate] cannot run %s: %s", argv[0], exc.strerror or exc)
        log.info("%s %d", EXIT_LINE_PREFIX, EXIT_CANNOT_RUN)
        return EXIT_CANNOT_RUN
    children.append(child)
    if ready_fd is not None:
        with contextlib.suppress(OSError):
            os.write(ready_fd, b"running\n")
            os.close(ready_fd)
    for signum in pending:
        child.send_signal(signum)
    output = child.stdout
    assert output is not None
    for raw in iter(lambda: output.readline(MAX_LINE_BYTES), b""):
        log.info("%s", raw.decode("utf-8", errors="replace").rstrip("\r\n"))
    returncode = child.wait()
    log.info("%s %d%s", EXIT_LINE_PREFIX, returncode, signal_note(returncode))
    return exit_status(returncode)


def signal_note(returncode: int) -> str:
    if returncode >= 0:
        return ""
    try:
        return f" (signal {signal.Signals(-returncode).name})"
    except ValueError:
        return f" (signal {-returncode})"


def main(args: list[str] | None = None) -> int:
    parsed = parse_args(sys.argv[1:] if args is None else args)
    if isinstance(parsed, str):
        return usage_error(parsed)
    try:
        log = open_log(parsed.log, parsed.max_bytes, parsed.backups)
    except OSError as exc:
        print(f"log_pump: cannot open log {parsed.log}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    try:
        return pump(log, parsed.argv, parsed.ready_fd)
    finally:
        logging.shutdown()


if __name__ == "__main__":
    sys.exit(main())
