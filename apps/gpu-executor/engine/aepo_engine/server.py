"""grpc.aio server of aepo.engine.v1.PolicyEngine over PolicyCore.

Torch work runs in a worker thread, one call at a time (an asyncio lock), so Health answers while a
long Sample or Train runs. Every failure maps to a status here; nothing a client sends ends the
process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import grpc
import torch
import transformers

from aepo_engine import __version__, echo, parent_watch, validation
from aepo_engine.config import EngineSettings
from aepo_engine.engine import PolicyCore
from aepo_engine.errors import EngineError, invalid
from aepo_engine.proto import pb, pb_grpc

log = logging.getLogger(__name__)
T = TypeVar("T")


def _model_info(d: dict) -> pb.ModelInfo:
    return pb.ModelInfo(**d)


class PolicyEngineServicer(pb_grpc.PolicyEngineServicer):
    def __init__(self, core: PolicyCore) -> None:
        self.core = core
        self._lock = asyncio.Lock()

    async def _run(self, context, what: str, fn: Callable[[], T]) -> T:
        async with self._lock:
            try:
                return await asyncio.to_thread(fn)
            except EngineError as e:
                await context.abort(e.code, e.message)
            except torch.OutOfMemoryError:
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
                await context.abort(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"out of memory in {what}: lower the batch (completions, max_new_tokens, "
                    "micro_batch_size) or use a smaller dtype or model",
                )
            except MemoryError:
                await context.abort(
                    grpc.StatusCode.RESOURCE_EXHAUSTED, f"out of host memory in {what}"
                )
            except RuntimeError as e:
                # The CPU allocator reports exhaustion as a plain RuntimeError.
                if "can't allocate memory" not in str(e) and "out of memory" not in str(e):
                    log.exception("%s failed", what)
                    await context.abort(
                        grpc.StatusCode.INTERNAL, f"{what} failed inside the engine"
                    )
                await context.abort(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"out of memory in {what}: lower the batch or max_new_tokens",
                )
            except PermissionError as e:
                await context.abort(grpc.StatusCode.PERMISSION_DENIED, f"{what}: {e}")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed", what)
                await context.abort(grpc.StatusCode.INTERNAL, f"{what} failed inside the engine")
            raise AssertionError("unreachable")

    async def Load(self, request, context):
        spec = await self._validated(context, lambda: validation.load_spec(request))
        info, settings = await self._run(
            context, "Load", lambda: (self.core.load(spec), echo.loaded_settings(self.core.state))
        )
        return pb.LoadResponse(model=_model_info(info), settings=settings)

    async def Sample(self, request, context):
        groups = await self._validated(context, lambda: validation.sample_specs(request))
        res = await self._run(
            context,
            "Sample",
            lambda: self.core.sample(
                groups, request.seed, request.discard_rollouts, request.max_tokens_per_batch
            ),
        )
        return pb.SampleResponse(
            groups=[
                pb.CompletionGroup(
                    completions=[
                        pb.Completion(
                            rollout_id=c.rollout_id,
                            text=c.text,
                            tokens=c.tokens,
                            finish_reason=c.finish_reason,
                            entropy=c.entropy,
                            neg_log_prob=c.neg_log_prob,
                        )
                        for c in g
                    ],
                    sampled=echo.sampled_group(spec),
                )
                for g, spec in zip(res.groups, groups, strict=True)
            ],
            total_tokens=res.total_tokens,
            prompt_tokens=res.prompt_tokens,
            seconds=res.seconds,
        )

    async def Train(self, request, context):
        items, loss = await self._validated(context, lambda: validation.train_specs(request))
        out = await self._run(
            context,
            "Train",
            lambda: self.core.train(
                items, loss, request.keep_rollouts, request.max_tokens_per_micro_batch
            ),
        )
        return pb.TrainResponse(**vars(out), loss=echo.loss_settings(loss, out.lr))

    async def ReleaseRollouts(self, request, context):
        n = await self._run(
            context, "ReleaseRollouts", lambda: self.core.release(list(request.rollout_ids))
        )
        return pb.ReleaseRolloutsResponse(released=n)

    async def SaveCheckpoint(self, request, context):
        if not request.path:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "path: required")
        started = time.monotonic()
        step, size = await self._run(
            context,
            "SaveCheckpoint",
            lambda: self.core.save_checkpoint(Path(request.path), request.merge_adapter),
        )
        return pb.SaveCheckpointResponse(
            path=str(Path(request.path).resolve()),
            step=step,
            bytes=size,
            seconds=time.monotonic() - started,
        )

    async def LoadCheckpoint(self, request, context):
        if not request.path:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "path: required")

        def go():
            step = self.core.load_checkpoint(Path(request.path))
            return step, self.core.model_info()

        step, info = await self._run(context, "LoadCheckpoint", go)
        return pb.LoadCheckpointResponse(step=step, model=_model_info(info))

    async def Info(self, request, context):
        def go():
            return (
                self.core.model_info() if self.core.loaded else None,
                len(self.core.store),
                self.core.store.tokens,
            )

        info, held, held_tokens = await self._run(context, "Info", go)
        return pb.InfoResponse(
            model=_model_info(info) if info else None,
            engine_version=__version__,
            torch_version=torch.__version__,
            transformers_version=transformers.__version__,
            cuda_available=torch.cuda.is_available(),
            rollouts_held=held,
            rollout_tokens_held=held_tokens,
        )

    async def Health(self, request, context):
        return pb.HealthResponse(serving=True, model_loaded=self.core.loaded)

    @staticmethod
    async def _validated(context, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except EngineError as e:
            await context.abort(e.code, e.message)
        raise AssertionError("unreachable")


def _prepare_address(address: str) -> str:
    if address.startswith("unix://"):
        sock = Path(address.removeprefix("unix://"))
        sock.parent.mkdir(parents=True, exist_ok=True)
        # A socket left by a killed engine would make the bind fail.
        if sock.exists() and stat.S_ISSOCK(os.stat(sock).st_mode):
            sock.unlink()
        return address
    if ":" not in address:
        raise invalid("address", "expected unix:///path.sock or HOST:PORT")
    return address


async def serve(
    address: str,
    settings: EngineSettings,
    ready: Callable[[str], None] | None = None,
    exit_with_parent: bool = False,
    core: PolicyCore | None = None,
):
    """Serves until SIGTERM/SIGINT, then stops gracefully (running calls get grace_seconds).

    exit_with_parent: exit at once when the executor that started the engine dies (see parent_watch).
    core: the core to serve (the engine ranks pass rank 0's); a PolicyCore by default.
    """
    if exit_with_parent:
        parent_watch.exit_with_parent()
    core = core or PolicyCore(settings)  # engine ranks: rank 0's LeaderCore
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", 256 << 20),
            ("grpc.max_send_message_length", 256 << 20),
        ]
    )
    pb_grpc.add_PolicyEngineServicer_to_server(PolicyEngineServicer(core), server)
    port = server.add_insecure_port(_prepare_address(address))
    if port == 0:
        raise RuntimeError(f"cannot bind {address}")
    bound = address
    if not address.startswith("unix:") and address.rsplit(":", 1)[1] == "0":
        bound = f"{address.rsplit(':', 1)[0]}:{port}"
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("aepo-engine %s serving on %s", __version__, bound)
    print(f"aepo-engine serving on {bound}", flush=True)
    if ready:
        ready(bound)
    await stop.wait()
    log.info("stopping (grace %.1fs)", settings.grace_seconds)
    await server.stop(settings.grace_seconds)
