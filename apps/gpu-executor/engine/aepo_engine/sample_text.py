"""Sample's text side: a group's prompt as token ids (raw text or the chat template), and sampled
rows back as completions (decoded text, held as rollouts unless discarded)."""

from __future__ import annotations

import torch

from aepo_engine.errors import invalid, precondition
from aepo_engine.policy import LoadedPolicy
from aepo_engine.rollouts import Rollout, RolloutStore
from aepo_engine.sampling import SampledRow
from aepo_engine.specs import CompletionOut, GroupSpec


def prompt_ids(s: LoadedPolicy, gi: int, g: GroupSpec) -> list[int]:
    """The token ids of group `gi`'s prompt."""
    tok = s.tokenizer
    messages = g.messages
    if not messages and s.chat_template:
        messages = (("user", g.text or ""),)
    if messages:
        if not getattr(tok, "chat_template", None):
            raise precondition("the model has no chat template: send groups[].text instead")
        text = tok.apply_chat_template(
            [{"role": r, "content": c} for r, c in messages],
            add_generation_prompt=True,
            tokenize=False,
        )
    else:
        text = g.text or ""
    ids = tok.encode(text, add_special_tokens=False)
    if not ids:
        raise invalid(f"groups[{gi}].text", "the prompt has no tokens")
    return list(ids)


def completions(
    s: LoadedPolicy,
    store: RolloutStore,
    groups: list[GroupSpec],
    prompts: list[list[int]],
    sampled: list[SampledRow],
    discard: bool,
) -> tuple[list[list[CompletionOut]], int, int]:
    """The completions of each group (rows in group order, `n` per group), holding each as a
    rollout unless `discard`; with the completion and prompt token totals."""
    out: list[list[CompletionOut]] = []
    k = 0
    total = prompt_total = 0
    for gi, g in enumerate(groups):
        prompt_t = torch.tensor(prompts[gi], dtype=torch.int32)
        comps = []
        for _ in range(g.n):
            r = sampled[k]
            k += 1
            text = s.tokenizer.decode(r.token_ids.tolist(), skip_special_tokens=True)
            if r.stop_text_end is not None:
                text = text[: r.stop_text_end]
            n_tok = int(r.token_ids.numel())
            rid = ""
            if not discard:
                rid = store.put(Rollout(prompt_t, r.token_ids.to(torch.int32), r.logprobs))
            comps.append(
                CompletionOut(
                    rollout_id=rid,
                    text=text,
                    tokens=n_tok,
                    finish_reason=r.finish_reason,
                    entropy=float(r.entropies.mean()) if n_tok else 0.0,
                    neg_log_prob=float(-r.logprobs.mean()) if n_tok else 0.0,
                )
            )
            total += n_tok
            prompt_total += len(prompts[gi])
        out.append(comps)
    return out, total, prompt_total
