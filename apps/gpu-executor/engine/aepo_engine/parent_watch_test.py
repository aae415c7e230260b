"""parent_watch with real processes: a watched process exits when its stdin's writer or its parent dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

WATCHED = (
    "import time; from aepo_engine.parent_watch import exit_with_parent; "
    "exit_with_parent(); print('watching', flush=True); time.sleep(120)"
)


def _gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_exits_when_stdin_closes():
    child = subprocess.Popen(
        [sys.executable, "-c", WATCHED], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "watching"
        assert child.poll() is None  # still running while the writer lives
        child.stdin.close()
        assert child.wait(timeout=15) == 0
    finally:
        child.kill()


def test_exits_when_its_parent_is_killed():
    # A shell in the middle (as uv is): it starts the watched process and is then SIGKILLed, while the
    # stdin pipe stays open here, so only the parent-pid check can notice. (sh gives a background job
    # /dev/null as stdin unless told otherwise: fd 3 hands it the pipe.)
    middle = subprocess.Popen(
        ["sh", "-c", f'exec 3<&0; {sys.executable} -c "{WATCHED}" <&3 & echo $!; wait'],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        pid = int(middle.stdout.readline())
        assert middle.stdout.readline().strip() == "watching"
        os.kill(middle.pid, signal.SIGKILL)
        middle.wait(timeout=15)
        assert _gone(pid), f"watched process {pid} outlived its parent"
    finally:
        middle.kill()
        middle.stdin.close()
