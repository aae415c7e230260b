"""Access to the generated stubs (aepo_engine/gen, DO NOT EDIT). grpc_tools writes absolute imports
(`from aepo.engine.v1 import engine_pb2`), so the gen folder goes on sys.path once, here."""

from __future__ import annotations

import sys
from pathlib import Path

_GEN = str(Path(__file__).resolve().parent / "gen")
if _GEN not in sys.path:
    sys.path.insert(0, _GEN)

from aepo.engine.v1 import engine_pb2 as pb
from aepo.engine.v1 import engine_pb2_grpc as pb_grpc

__all__ = ["pb", "pb_grpc"]
