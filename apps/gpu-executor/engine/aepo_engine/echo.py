"""What the engine runs, as wire messages: Load's settings read back from what it built (the AdamW
parameter group, peft's adapter config), and the parsed settings of a Sample group and a Train call.

The executor's field-by-field test compares these with the job's stored spec, so they are built from
the engine's own objects after parsing, never copied from the request.
"""

from __future__ import annotations

from aepo_engine import lora
from aepo_engine.policy import LoadedPolicy
from aepo_engine.proto import pb
from aepo_engine.specs import GroupSpec, LossSpec
from aepo_engine.validation import AGGREGATION

_AGGREGATION_WIRE = {ours: wire for wire, ours in AGGREGATION.items()}


def loaded_settings(s: LoadedPolicy) -> pb.LoadedSettings:
    group = s.optimizer.param_groups[0]
    beta1, beta2 = group["betas"]
    return pb.LoadedSettings(
        seed=s.asked.seed,
        optimizer=pb.Optimizer(
            lr=float(group["lr"]),
            beta1=float(beta1),
            beta2=float(beta2),
            eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]),
            grad_clip=s.grad_clip,
        ),
        lora=_adapter(s),
        kl_reference=s.kl_reference,
        gradient_checkpointing=s.gradient_checkpointing,
        precision=s.precision.name,
        max_tokens_per_micro_batch=s.token_budget,
        chat_template=s.asked.chat_template,
    )


def _adapter(s: LoadedPolicy) -> pb.Lora | None:
    if not lora.is_lora(s.model):
        return None
    cfg = s.model.peft_config["default"]
    return pb.Lora(
        rank=cfg.r,
        alpha=float(cfg.lora_alpha),
        dropout=float(cfg.lora_dropout),
        # As asked: peft expands "every linear projection" (none asked) into the module paths.
        target_modules=list(s.asked.lora.target_modules if s.asked.lora else ()),
    )


def sampled_group(g: GroupSpec) -> pb.PromptGroup:
    return pb.PromptGroup(
        n=g.n,
        temperature=g.temperature,
        top_p=g.top_p,
        max_new_tokens=g.max_new_tokens,
        stop=list(g.stop),
    )


def loss_settings(loss: LossSpec, lr_in_force: float) -> pb.LossSettings:
    return pb.LossSettings(
        clip_low=loss.clip_low,
        clip_high=loss.clip_high,
        dual_clip=loss.dual_clip,
        aggregation=_AGGREGATION_WIRE[loss.aggregation],
        kl_coef=loss.kl_coef,
        entropy_coef=loss.entropy_coef,
        entropy_adv_alpha=loss.entropy_adv_alpha,
        entropy_adv_kappa=loss.entropy_adv_kappa,
        mini_batch_size=loss.mini_batch_size,
        micro_batch_size=loss.micro_batch_size,
        epochs=loss.epochs,
        shuffle_seed=loss.shuffle_seed,
        lr=lr_in_force,
    )
