import torch

from aepo_engine import ops


def test_entropy_and_logprob_match_definitions():
    torch.manual_seed(0)
    z = torch.randn(2, 3, 7)
    targets = torch.randint(0, 7, (2, 3))
    logp, ent = ops.token_logprob_entropy(z, targets)
    p = torch.softmax(z, -1)
    assert torch.allclose(ent, -(p * p.log()).sum(-1), atol=1e-5)
    assert torch.allclose(logp, p.log().gather(-1, targets.unsqueeze(-1)).squeeze(-1), atol=1e-6)


def test_ppo_gradient_raises_logprob_of_positive_and_lowers_negative_advantage():
    logp = torch.tensor([[-1.0, -2.0]], requires_grad=True)
    old = logp.detach().clone()
    adv = torch.tensor([[1.0, -1.0]])
    terms = ops.ppo_clip_loss(logp, old, adv, 0.2, 0.2, 3.0)
    terms.loss_B_T.sum().backward()
    # Gradient descent moves logp against the gradient: up for A > 0, down for A < 0.
    assert logp.grad[0, 0] < 0
    assert logp.grad[0, 1] > 0


def test_ppo_clip_stops_gradient_outside_the_trust_region():
    old = torch.zeros(1, 2)
    logp = torch.tensor([[0.5, -0.5]], requires_grad=True)  # ratios e^0.5 > 1.2, e^-0.5 < 0.8
    adv = torch.tensor([[1.0, -1.0]])
    terms = ops.ppo_clip_loss(logp, old, adv, 0.2, 0.2, 0.0)
    terms.loss_B_T.sum().backward()
    assert torch.equal(logp.grad, torch.zeros(1, 2))
    assert terms.clipped_high_B_T[0, 0] == 1 and terms.clipped_low_B_T[0, 1] == 1


def test_dual_clip_caps_negative_advantage_loss():
    old = torch.zeros(1, 1)
    logp = torch.tensor([[3.0]])  # ratio e^3 ~ 20
    adv = torch.tensor([[-1.0]])
    terms = ops.ppo_clip_loss(logp, old, adv, 0.2, 0.2, 3.0)
    assert terms.loss_B_T.item() == 3.0 and terms.clipped_dual_B_T.item() == 1


def test_micro_batch_shares_sum_to_the_mini_batch_loss():
    torch.manual_seed(0)
    values = torch.randn(4, 5)
    mask = (torch.rand(4, 5) > 0.3).float()
    mask[:, 0] = 1
    tokens, seqs = int(mask.sum()), 4
    for mode in ops.Aggregation:
        whole = ops.aggregate(values, mask, mode, tokens, seqs)
        parts = ops.aggregate(values[:1], mask[:1], mode, tokens, seqs) + ops.aggregate(
            values[1:], mask[1:], mode, tokens, seqs
        )
        assert torch.allclose(whole, parts, atol=1e-6)
    seq_means = (values * mask).sum(-1) / mask.sum(-1)
    got = ops.aggregate(values, mask, ops.Aggregation.SEQ_MEAN_TOKEN_MEAN, tokens, seqs)
    assert torch.allclose(got, seq_means.mean())


def test_entropy_advantage_never_flips_sign_and_is_zero_at_zero():
    adv = torch.tensor([1.0, -1.0, 0.0, -0.1])
    ent = torch.tensor([5.0, 5.0, 5.0, 0.1])
    shaped = ops.entropy_shaped_advantages(adv, ent, 0.4, 2.0)
    assert torch.allclose(shaped, torch.tensor([1.5, -0.5, 0.0, -0.06]))
