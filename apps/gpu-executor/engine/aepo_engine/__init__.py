"""AEPO policy engine: PyTorch sampling, training and checkpoints behind gRPC (aepo.engine.v1)."""

__version__ = "0.1.0"
