"""Runs one instance's command and copies its output into a rotated log file.

    python -m shipmate.targets.log_pump --log PATH --max-bytes N --backups K [--ready-fd FD] -- argv...
    python -m shipmate.targets.log_pump --log PATH --max-bytes N --backups K --attach PID:FD

The pump leads the instance's process group; the process target tracks the app (the command it
runs), not the pump. It forwards SIGTERM/SIGINT to the command, keeps pumping until the command's
output ends, records the exit code as the last log line and exits with it. --ready-fd gets
"running PID" once the command was spawned, so the starter knows at once whether it could run and
which process is the app. The app keeps a read end of its own output pipe (fd KEEPER_FD): if the
pump dies, the app neither gets SIGPIPE nor loses output; a new pump started with --attach reopens
that pipe through /proc and carries on (it cannot learn the exit code: it is not the parent).
Stdlib only, because it starts once per instance.
"""

from __future__ import annotations

import contextlib
import fcntl
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
ORPHAN_EXIT_LINE = "[shipmate] process exited (its exit code died with its first log pump)"
# The app's own read end of its output pipe (a re-attached pump opens /proc/PID/fd/63); high, so it is
# clear of the pump's own fds (log file, ready pipe).
KEEPER_FD = 63
PIPE_BYTES = 1024 * 1024  # room for the app's output while no pump reads (between a pump's death and the next)


def usage_error(message: str) -> int:
    print(f"log_pump: {message}", file=sys.stderr)
    print("usage: python -m shipmate.targets.log_pump --log PATH --max-bytes N --backups K "
          "[--ready-fd FD] (-- argv... | --attach PID:FD)", file=sys.stderr)
    return 2


@dataclass(frozen=True)
class PumpArgs:
    log: str
    max_bytes: int
    backups: int
    ready_fd: int | None  # written to (then closed) once the command runs, so the starter need not guess
    argv: list[str]
    attach: tuple[int, int] | None = None  # (app pid, fd): carry on pumping a running app's output


def parse_args(args: list[str]) -> PumpArgs | str:
    """Returns the arguments or an error message; hand-rolled to start fast."""
    split = args.index("--") if "--" in args else len(args)
    options, argv = args[:split], args[split + 1:]
    if len(options) % 2:
        return f"option without value: {options[-1]}"
    values = dict(zip(options[::2], options[1::2], strict=True))
    if "--attach" not in values and "--" not in args:
        return "missing '--' before the command"
    if "--attach" not in values and not argv:
        return "no command after '--'"
    unknown = set(values) - {"--log", "--max-bytes", "--backups", "--ready-fd", "--attach"}
    if unknown:
        return f"unknown option {sorted(unknown)[0]}"
    if "--log" not in values:
        return "--log is required"
    try:
        max_bytes = int(values.get("--max-bytes", str(10 * 1024 * 1024)))
        backups = int(values.get("--backups", "3"))
        ready_fd = int(values["--ready-fd"]) if "--ready-fd" in values else None
        attach = None
        if "--attach" in values:
            pid_text, _, fd_text = values["--attach"].partition(":")
            attach = (int(pid_text), int(fd_text or KEEPER_FD))
    except ValueError as exc:
        return f"bad number: {exc}"
    return PumpArgs(values["--log"], max_bytes, backups, ready_fd, argv, attach)


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
    read_end, write_end = output_pipe()
    try:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=write_end, stderr=write_end,
                                 pass_fds=(KEEPER_FD,))
    except OSError as exc:
        log.info("[shipmate] cannot run %s: %s", argv[0], exc.strerror or exc)
        log.info("%s %d", EXIT_LINE_PREFIX, EXIT_CANNOT_RUN)
        return EXIT_CANNOT_RUN
    finally:
        os.close(write_end)
        os.close(KEEPER_FD)  # the app holds its copy now
    children.append(child)
    if ready_fd is not None:
        with contextlib.suppress(OSError):
            os.write(ready_fd, f"running {child.pid}\n".encode())
            os.close(ready_fd)
    for signum in pending:
        child.send_signal(signum)
    copy_lines(log, read_end)
    returncode = child.wait()
    log.info("%s %d%s", EXIT_LINE_PREFIX, returncode, signal_note(returncode))
    return exit_status(returncode)


def output_pipe() -> tuple[int, int]:
    """The app's output pipe; its read end also sits at KEEPER_FD, which the app inherits and keeps."""
    read_end, write_end = os.pipe()
    with contextlib.suppress(OSError):  # a bigger buffer only buys time while no pump reads
        fcntl.fcntl(read_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    os.dup2(read_end, KEEPER_FD, inheritable=False)  # pass_fds makes it inheritable for the child only
    return read_end, write_end


def copy_lines(log: logging.Logger, fd: int) -> None:
    with os.fdopen(fd, "rb", closefd=False) as output:
        for raw in iter(lambda: output.readline(MAX_LINE_BYTES), b""):
            log.info("%s", raw.decode("utf-8", errors="replace").rstrip("\r\n"))


def attach(log: logging.Logger, pid: int, fd: int) -> int:
    """Carry on the output of an app whose first pump died: reopen its kept read end, copy until it ends."""
    try:
        read_end = os.open(f"/proc/{pid}/fd/{fd}", os.O_RDONLY)
    except OSError as exc:
        log.info("[shipmate] cannot attach to pid %d: %s", pid, exc.strerror or exc)
        return EXIT_CANNOT_RUN
    signal.signal(signal.SIGTERM, lambda signum, frame: None)  # stopping the app ends the output, and us
    log.info("[shipmate] log pump re-attached to pid %d", pid)
    copy_lines(log, read_end)
    log.info("%s", ORPHAN_EXIT_LINE)
    return 0


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
        if parsed.attach is not None:
            return attach(log, *parsed.attach)
        return pump(log, parsed.argv, parsed.ready_fd)
    finally:
        logging.shutdown()


if __name__ == "__main__":
    sys.exit(main())
