"""Test support: an engine started as a real process (plain, or N ranks under torchrun) on a unix
socket, with a gRPC stub, and the pids of its ranks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import grpc

from aepo_engine.proto import pb, pb_grpc

ENGINE_DIR = Path(__file__).resolve().parents[2]


class EngineProcess:
    def __init__(self, sock: Path, ranks: int, env: dict[str, str]) -> None:
        serve = ["-m", "aepo_engine", "serve", "--address", f"unix://{sock}"]
        launcher = []
        if ranks > 1:
            launcher = ["-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={ranks}"]
        self.log = sock.with_suffix(".log")
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, *launcher, *serve],
                cwd=ENGINE_DIR,
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.channel = grpc.insecure_channel(f"unix://{sock}")
        self.stub = pb_grpc.PolicyEngineStub(self.channel)

    def wait_serving(self, seconds: float = 240) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.stub.Health(pb.HealthRequest(), timeout=2)
                return
            except grpc.RpcError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"engine did not start:\n{self.log.read_text()}") from None
                time.sleep(0.2)

    def rank_pid(self, rank: int) -> int:
        """The pid of engine rank `rank`: the launcher's child whose environment says RANK=rank."""
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                environ = (entry / "environ").read_bytes().split(b"\0")
            except (OSError, IndexError, ValueError):
                continue
            if ppid == self.proc.pid and f"RANK={rank}".encode() in environ:
                return int(entry.name)
        raise LookupError(f"no engine rank {rank} under pid {self.proc.pid}")

    def terminate(self) -> None:
        """Asks the engine to stop (SIGTERM: rank 0's server stops, torchrun stops every rank)."""
        self.channel.close()
        if self.proc.poll() is None:
            self.proc.terminate()

    def wait(self) -> None:
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        self.terminate()
        self.wait()
