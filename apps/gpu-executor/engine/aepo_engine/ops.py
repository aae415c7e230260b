"""Pure tensor functions of the policy losses and token statistics.

Shapes: B sequences (rows), T response positions, V vocabulary. `mask_B_T` is 1.0 on response tokens
and 0.0 on padding. Everything is computed in float32 whatever the model dtype.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import torch
import torch.utils.checkpoint


def token_logprob_entropy(
    logits_B_T_V: torch.Tensor, targets_B_T: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-prob of each target token and full-vocabulary entropy, both at T=1.

    logp = z[target] - logsumexp(z);  H = logsumexp(z) - sum_v softmax(z)_v z_v  (nats).
    Differentiable in both outputs (Entropy-Reg backpropagates through H).
    """
    z = logits_B_T_V.float()
    lse_B_T = torch.logsumexp(z, dim=-1)
    logp_B_T = z.gather(-1, targets_B_T.unsqueeze(-1)).squeeze(-1) - lse_B_T
    entropy_B_T = lse_B_T - (torch.softmax(z, dim=-1) * z).sum(-1)
    return logp_B_T, entropy_B_T


def _head_logprob_entropy(h_N_H, weight_V_H, bias_V, targets_N):
    # The head in fp32 whatever the autocast: bf16 logits would put ~0.03 nats of noise into every
    # log-prob, more than the PPO ratios it feeds.
    with torch.autocast(device_type=h_N_H.device.type, enabled=False):
        z = torch.nn.functional.linear(
            h_N_H.float(), weight_V_H.float(), None if bias_V is None else bias_V.float()
        )
        return token_logprob_entropy(z, targets_N)


def chunked_logprob_entropy(
    hidden_N_H: torch.Tensor,
    weight_V_H: torch.Tensor,
    bias_V: torch.Tensor | None,
    targets_N: torch.Tensor,
    chunk_rows: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """token_logprob_entropy of `hidden @ weight.T (+ bias)`, `chunk_rows` positions at a time, so at
    most [chunk_rows, V] fp32 logits exist at once. With gradients on, each chunk is checkpointed: the
    backward pass recomputes its logits instead of keeping them (the memory of the loss stays one
    chunk's logits, at the price of a second head matmul)."""
    logps, ents = [], []
    grad = torch.is_grad_enabled()
    for r0 in range(0, hidden_N_H.shape[0], max(chunk_rows, 1)):
        h = hidden_N_H[r0 : r0 + chunk_rows]
        t = targets_N[r0 : r0 + chunk_rows]
        if grad:
            lp, ent = torch.utils.checkpoint.checkpoint(
                _head_logprob_entropy, h, weight_V_H, bias_V, t, use_reentrant=False
            )
        else:
            lp, ent = _head_logprob_entropy(h, weight_V_H, bias_V, t)
        logps.append(lp)
        ents.append(ent)
    if not logps:
        empty = hidden_N_H.new_zeros((0,), dtype=torch.float32)
        return empty, empty
    return torch.cat(logps), torch.cat(ents)


def entropy_shaped_advantages(
    adv_B_T: torch.Tensor, entropy_B_T: torch.Tensor, alpha: float, kappa: float
) -> torch.Tensor:
    """Entropy-Adv (Cheng et al. 2025, arXiv 2506.14758): A' = A + min(alpha * H_t, |A| / kappa).

    H_t is detached. With kappa >= 1 the bonus never flips the sign of A, and it is 0 where A = 0.
    """
    if alpha <= 0:
        return adv_B_T
    bonus = torch.minimum(alpha * entropy_B_T.detach(), adv_B_T.abs() / kappa)
    return adv_B_T + bonus


@dataclass(frozen=True)
class PpoTerms:
    """Per-token PPO loss and which clip was active (float masks, for clip fractions)."""

    loss_B_T: torch.Tensor
    clipped_low_B_T: torch.Tensor
    clipped_high_B_T: torch.Tensor
    clipped_dual_B_T: torch.Tensor


def ppo_clip_loss(
    logp_B_T: torch.Tensor,
    old_logp_B_T: torch.Tensor,
    adv_B_T: torch.Tensor,
    clip_low: float,
    clip_high: float,
    dual_clip: float,
) -> PpoTerms:
    """PPO clipped surrogate (Schulman et al. 2017) with asymmetric clip and dual clip (Ye et al. 2020).

    ratio = exp(logp - old_logp);  l = max(-A ratio, -A clip(ratio, 1 - clip_low, 1 + clip_high));
    for A < 0 with dual_clip c > 1: l = min(l, -c A). With old_logp equal to logp (the first
    mini-batch), the gradient is the REINFORCE gradient -A grad logp.
    """
    ratio = torch.exp(logp_B_T - old_logp_B_T)
    unclipped = -adv_B_T * ratio
    clipped = -adv_B_T * torch.clamp(ratio, 1.0 - clip_low, 1.0 + clip_high)
    loss = torch.maximum(unclipped, clipped)
    took_clip = (clipped > unclipped).float()
    low = took_clip * (adv_B_T < 0).float()
    high = took_clip * (adv_B_T > 0).float()
    dual = torch.zeros_like(loss)
    if dual_clip > 0:
        cap = -dual_clip * adv_B_T
        use_cap = (adv_B_T < 0) & (loss > cap)
        loss = torch.where(use_cap, cap, loss)
        dual = use_cap.float()
    return PpoTerms(loss, low.detach(), high.detach(), dual.detach())


class Aggregation(enum.Enum):
    """How token losses reduce to a mini-batch loss (verl's names)."""

    TOKEN_MEAN = "token-mean"
    SEQ_MEAN_TOKEN_MEAN = "seq-mean-token-mean"
    SEQ_MEAN_TOKEN_SUM = "seq-mean-token-sum"


def aggregate(
    values_B_T: torch.Tensor,
    mask_B_T: torch.Tensor,
    mode: Aggregation,
    minibatch_tokens: int,
    minibatch_seqs: int,
) -> torch.Tensor:
    """A micro-batch's share of the mini-batch loss, so summing the micro-batches' shares gives the
    loss of the whole mini-batch exactly (gradient accumulation without bias).

    token-mean: sum over tokens / tokens in the mini-batch; seq-mean-token-mean: sum over sequences
    of each sequence's token mean / sequences; seq-mean-token-sum: sum over sequences of token sums /
    sequences.
    """
    masked = values_B_T * mask_B_T
    if mode is Aggregation.TOKEN_MEAN:
        return masked.sum() / max(minibatch_tokens, 1)
    per_seq = masked.sum(-1)
    if mode is Aggregation.SEQ_MEAN_TOKEN_MEAN:
        per_seq = per_seq / mask_B_T.sum(-1).clamp(min=1.0)
    return per_seq.sum() / max(minibatch_seqs, 1)


def k3_kl(logp_B_T: torch.Tensor, ref_logp_B_T: torch.Tensor) -> torch.Tensor:
    """k3 estimator of KL(pi || ref) per token (Schulman 2020): exp(d) - d - 1 with d = ref - logp."""
    d = (ref_logp_B_T - logp_B_T).clamp(-20.0, 20.0)
    return torch.exp(d) - d - 1.0
