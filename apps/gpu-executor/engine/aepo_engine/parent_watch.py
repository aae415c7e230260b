"""Ends the engine when the process that started it is gone.

The executor spawns the engine under `uv run`, so the engine's parent is uv, and a SIGKILL of the
executor reaches neither: both would run on with no one to serve. Two signs of the executor's death,
both independent of how it died:

- stdin: the executor holds the write end of the engine's stdin pipe (uv passes it through) and never
  writes to it. When the executor dies, the kernel closes that end and a read here sees EOF.
- the parent pid: when uv itself dies, this process is re-parented, and getppid() changes.
"""

from __future__ import annotations

import os
import select
import sys
import threading
from collections.abc import Callable

POLL_SECONDS = 1.0


def _watch(stdin_fd: int, parent_pid: int, on_gone: Callable[[str], None]) -> None:
    while True:
        readable, _, _ = select.select([stdin_fd], [], [], POLL_SECONDS)
        if readable and not os.read(stdin_fd, 4096):
            on_gone("stdin closed: the executor that started the engine is gone")
            return
        if os.getppid() != parent_pid:
            on_gone(f"parent process {parent_pid} is gone")
            return


def _exit_now(reason: str) -> None:
    # No client is left to finish a call for, and a graceful stop could wait for a long Train call.
    try:
        # stdout/stderr usually went to the dead parent too: writing may fail (BrokenPipeError).
        print(f"aepo-engine: {reason}; exiting", file=sys.stderr, flush=True)
    except OSError:
        pass
    finally:
        os._exit(0)


def exit_with_parent(on_gone: Callable[[str], None] = _exit_now) -> threading.Thread:
    """Starts a daemon thread that calls `on_gone` (default: exit at once) when the parent is gone."""
    thread = threading.Thread(
        target=_watch,
        args=(sys.stdin.fileno(), os.getppid(), on_gone),
        name="parent-watch",
        daemon=True,
    )
    thread.start()
    return thread
