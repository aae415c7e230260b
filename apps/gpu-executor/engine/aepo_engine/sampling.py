"""Batched sampling with a KV cache: one decoding loop over every completion of every prompt group.

Rows are left-padded prompts; each row has its own temperature, top_p, length limit and stop strings,
so AEPO's main samples (T=1) and its re-samples (T_high / T_low) share one generation. At each step the
untempered (T=1) logits give the row's full-vocabulary entropy and the sampled token's log-prob, so
the numbers Train recomputes match exactly what was sampled. Finished rows are dropped from the batch
(and the KV cache) once they are half of it, so long tails do not pay for short rows.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import torch

FINISH_STOP = 1
FINISH_LENGTH = 2


@dataclass(frozen=True)
class RowSpec:
    """One completion to sample: its prompt tokens and sampling settings."""

    prompt_ids: list[int]
    temperature: float
    top_p: float
    max_new_tokens: int
    stop: tuple[str, ...]


@dataclass
class SampledRow:
    """A sampled completion: token ids and per-token T=1 log-probs and entropies (CPU tensors)."""

    token_ids: torch.Tensor
    logprobs: torch.Tensor
    entropies: torch.Tensor
    finish_reason: int
    stop_text_end: int | None  # characters of the decoded text to keep when a stop string matched


def cache_kwarg(model) -> str:
    """Name of the KV-cache argument of the model's forward (`cache` in transformers >= 5.x, else the
    older `past_key_values`)."""
    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def output_cache(out):
    cache = getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values


def left_pad(prompts: list[list[int]], pad_id: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, p in enumerate(prompts):
        if p:
            ids[i, width - len(p) :] = torch.tensor(p, dtype=torch.long)
            mask[i, width - len(p) :] = 1
    return ids.to(device), mask.to(device)


def _top_p_filter(probs_R_V: torch.Tensor, top_p_R: torch.Tensor) -> torch.Tensor:
    """Zeroes the tail of each row outside its nucleus (smallest set with mass >= top_p)."""
    sorted_p, order = torch.sort(probs_R_V, dim=-1, descending=True)
    cum = torch.cumsum(sorted_p, dim=-1)
    drop_sorted = (cum - sorted_p) >= top_p_R.unsqueeze(-1)
    drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return probs_R_V.masked_fill(drop, 0.0)


def _pick_tokens(
    z_B_V: torch.Tensor,
    temps_B: torch.Tensor,
    top_p_B: torch.Tensor,
    greedy_B: torch.Tensor,
    any_top_p: bool,
    any_greedy: bool,
    uniform_B: torch.Tensor,
) -> torch.Tensor:
    """Inverse-CDF draw with each row's own uniform, so a row's tokens do not depend on which other
    rows share its batch."""
    scaled = z_B_V / temps_B.clamp(min=1e-6).unsqueeze(-1)
    probs = torch.softmax(scaled, dim=-1)
    if any_top_p:
        probs = _top_p_filter(probs, top_p_B)
    cdf = torch.cumsum(probs, dim=-1)
    x = (uniform_B * cdf[:, -1]).unsqueeze(-1)
    tokens = torch.searchsorted(cdf, x, right=True).squeeze(-1).clamp(max=z_B_V.shape[-1] - 1)
    if any_greedy:
        tokens = torch.where(greedy_B, z_B_V.argmax(-1), tokens)
    return tokens


def row_uniforms(seed: int, row: int, steps: int) -> torch.Tensor:
    """The uniforms row `row` of a call with `seed` draws its tokens with (one per step)."""
    g = torch.Generator().manual_seed((seed ^ (row * 0x9E3779B97F4A7C15)) & (2**63 - 1))
    return torch.rand(steps, generator=g, dtype=torch.float64).float()


def row_batches(rows: list[RowSpec], max_tokens: int) -> list[range]:
    """Consecutive row ranges whose rows x (longest prompt + longest max_new_tokens) stays within
    `max_tokens` (0: no limit), each with at least one row."""
    out: list[range] = []
    start, width_p, width_c = 0, 0, 0
    for i, r in enumerate(rows):
        p, c = max(width_p, len(r.prompt_ids)), max(width_c, r.max_new_tokens)
        if max_tokens > 0 and i > start and (i - start + 1) * (p + c) > max_tokens:
            out.append(range(start, i))
            start, p, c = i, len(r.prompt_ids), r.max_new_tokens
        width_p, width_c = p, c
    if rows:
        out.append(range(start, len(rows)))
    return out


def sample_rows(
    model,
    tokenizer,
    rows: list[RowSpec],
    eos_ids: list[int],
    pad_id: int,
    seed: int,
    max_tokens: int = 0,
    part: range | None = None,
) -> list[SampledRow]:
    """Samples the rows in generation batches of at most `max_tokens` tokens (row_batches); every row
    draws from its own random stream, so the result does not depend on the split. `part`: only
    these rows (an engine rank's share), each still drawing the stream of its index in `rows`."""
    part = part if part is not None else range(len(rows))
    out: list[SampledRow] = []
    for batch in row_batches(rows[part.start : part.stop], max_tokens):
        shifted = range(batch.start + part.start, batch.stop + part.start)
        out.extend(_sample_batch(model, tokenizer, rows, shifted, eos_ids, pad_id, seed))
    return out


@torch.inference_mode()
def _sample_batch(
    model,
    tokenizer,
    all_rows: list[RowSpec],
    batch: range,
    eos_ids: list[int],
    pad_id: int,
    seed: int,
) -> list[SampledRow]:
    """Samples rows[batch] in one batched, KV-cached decoding loop (see the module doc)."""
    device = next(model.parameters()).device
    rows = [all_rows[i] for i in batch]
    n = len(rows)

    input_ids, attn = left_pad([r.prompt_ids for r in rows], pad_id, device)
    temps = torch.tensor([r.temperature for r in rows], dtype=torch.float32, device=device)
    top_p = torch.tensor([r.top_p for r in rows], dtype=torch.float32, device=device)
    max_new = torch.tensor([r.max_new_tokens for r in rows], dtype=torch.long, device=device)
    greedy = temps <= 0
    any_top_p = any(r.top_p < 1.0 for r in rows)
    any_greedy = bool(greedy.any())
    eos_t = torch.tensor(eos_ids, dtype=torch.long, device=device)
    steps = max(r.max_new_tokens for r in rows)
    uniforms = torch.stack([row_uniforms(seed, i, steps) for i in batch]).to(device)
    stop_rows = {i: r.stop for i, r in enumerate(rows) if r.stop}
    stop_window = max((len(s) for st in stop_rows.values() for s in st), default=0) + 2

    # Output buffers for all rows; `live` maps the current batch rows to original row indices.
    tok_buf = torch.full((n, steps), pad_id, dtype=torch.long, device=device)
    lp_buf = torch.zeros((n, steps), dtype=torch.float32, device=device)
    ent_buf = torch.zeros((n, steps), dtype=torch.float32, device=device)
    lengths = torch.zeros(n, dtype=torch.long, device=device)
    finish = torch.full((n,), FINISH_LENGTH, dtype=torch.long, device=device)
    live = torch.arange(n, device=device)
    done = torch.zeros(n, dtype=torch.bool, device=device)  # indexed like the current batch
    stopped_at: dict[int, int] = {}

    position = attn.cumsum(-1) - 1
    position = position.clamp(min=0)
    out = model(
        input_ids=input_ids,
        attention_mask=attn,
        position_ids=position,
        use_cache=True,
        logits_to_keep=1,
    )
    cache = output_cache(out)
    cache_arg = cache_kwarg(model)
    logits = out.logits[:, -1, :]
    next_pos = position[:, -1] + 1

    for t in range(steps):
        z = logits.float()
        lse = torch.logsumexp(z, dim=-1)
        entropy = lse - (torch.softmax(z, dim=-1) * z).sum(-1)
        tokens = _pick_tokens(
            z, temps[live], top_p[live], greedy[live], any_top_p, any_greedy, uniforms[live, t]
        )
        logp = z.gather(-1, tokens.unsqueeze(-1)).squeeze(-1) - lse

        active = ~done
        rows_idx = live[active]
        tok_buf[rows_idx, t] = tokens[active]
        lp_buf[rows_idx, t] = logp[active]
        ent_buf[rows_idx, t] = entropy[active]
        lengths[rows_idx] += 1

        hit_eos = torch.isin(tokens, eos_t) & active
        hit_len = (lengths[live] >= max_new[live]) & active
        finish[live[hit_eos]] = FINISH_STOP
        newly = hit_eos | hit_len
        if stop_rows:
            for j in torch.nonzero(active & ~newly).flatten().tolist():
                row = int(live[j])
                stops = stop_rows.get(row)
                if not stops:
                    continue
                length = int(lengths[row])
                tail = tokenizer.decode(
                    tok_buf[row, max(0, length - stop_window) : length].tolist(),
                    skip_special_tokens=True,
                )
                if any(s in tail for s in stops):
                    newly[j] = True
                    finish[row] = FINISH_STOP
                    stopped_at[row] = length
        done = done | newly
        if bool(done.all()) or t == steps - 1:
            break

        # Drop finished rows from the batch once they are half of it (cuts compute on long tails).
        n_live = live.numel()
        n_done = int(done.sum())
        if n_done * 2 >= n_live and n_done > 0:
            keep = torch.nonzero(~done).flatten()
            cache.reorder_cache(keep)
            live, done = live[keep], done[keep]
            tokens, attn, next_pos = tokens[keep], attn[keep], next_pos[keep]

        attn = torch.cat([attn, torch.ones_like(attn[:, :1])], dim=1)
        out = model(
            input_ids=tokens.unsqueeze(-1),
            attention_mask=attn,
            position_ids=next_pos.unsqueeze(-1),
            use_cache=True,
            **{cache_arg: cache},
        )
        cache = output_cache(out)
        logits = out.logits[:, -1, :]
        next_pos = next_pos + 1

    tok_cpu, lp_cpu, ent_cpu = tok_buf.cpu(), lp_buf.cpu(), ent_buf.cpu()
    len_cpu, fin_cpu = lengths.cpu().tolist(), finish.cpu().tolist()
    result = []
    for i in range(n):
        k = len_cpu[i]
        result.append(
            SampledRow(
                token_ids=tok_cpu[i, :k].clone(),
                logprobs=lp_cpu[i, :k].clone(),
                entropies=ent_cpu[i, :k].clone(),
                finish_reason=fin_cpu[i],
                stop_text_end=None,
            )
        )
    for i, r in stop_rows.items():
        if result[i].finish_reason == FINISH_STOP and i in stopped_at:
            text = tokenizer.decode(result[i].token_ids.tolist(), skip_special_tokens=True)
            cuts = [text.find(s) for s in r if s in text]
            result[i].stop_text_end = min(cuts) if cuts else None
    return result
