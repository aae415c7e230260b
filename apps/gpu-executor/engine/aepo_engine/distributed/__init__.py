"""The engine as N ranks under torchrun: rank 0 serves the gRPC contract, ranks 1..N-1 follow its
commands (protocol.py), the model is sharded with FSDP2 (sharding.py), Train and Sample are
data-parallel (sharded_train.py, rank_core.py) and checkpoints are sharded with
torch.distributed.checkpoint (sharded_checkpoint.py). launch.py starts a rank."""
