"""sample_rows's `part` (an engine rank's block of rows): the blocks together sample what the whole
call samples, so data-parallel sampling does not change the rollouts."""

from __future__ import annotations

import torch

from aepo_engine.sampling import RowSpec, sample_rows


def test_blocks_of_rows_sample_like_the_whole_call(core):
    s = core.state
    rows = [
        RowSpec(s.tokenizer.encode(t, add_special_tokens=False), temp, 1.0, 8, ())
        for t, temp in [
            ("12+34=", 1.0),
            ("5+6=", 1.3),
            ("40+2=", 0.7),
            ("7+70=", 1.0),
            ("1+8=", 1.0),
        ]
    ]
    whole = sample_rows(s.model, s.tokenizer, rows, s.eos, s.pad, seed=7)
    blocks = [range(2), range(2, 2), range(2, 5)]
    split = [
        r for b in blocks for r in sample_rows(s.model, s.tokenizer, rows, s.eos, s.pad, 7, 0, b)
    ]
    assert len(split) == len(whole) == len(rows)
    for a, b in zip(whole, split, strict=True):
        assert torch.equal(a.token_ids, b.token_ids)
        assert torch.allclose(a.logprobs, b.logprobs, atol=1e-5)
    # Not vacuous: the rows differ from each other, and another seed samples otherwise.
    assert len({tuple(r.token_ids.tolist()) for r in whole}) > 1
    other = sample_rows(s.model, s.tokenizer, rows, s.eos, s.pad, seed=8)
    assert any(not torch.equal(a.token_ids, b.token_ids) for a, b in zip(whole, other, strict=True))
