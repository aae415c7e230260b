"""LoRA training, `hf:` model resolution and the chat-template switch (issue [Real models])."""

from __future__ import annotations

import shutil

import grpc
import pytest
import torch

from aepo_engine.engine import MERGED_DIR, PolicyCore
from aepo_engine.errors import EngineError
from aepo_engine.hf_hub import resolve_hf
from aepo_engine.real_models_test import _fixed_rollouts, _items, _put
from aepo_engine.spec_fixtures import group, load_spec, lora_spec, loss_spec

LORA = lora_spec(rank=4, alpha=8.0)


def _lora_core(settings, path, **kw) -> PolicyCore:
    c = PolicyCore(settings)
    c.load(load_spec(str(path), lr=1e-2, lora=LORA, **kw))
    return c


def _named(core: PolicyCore) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in core.state.model.named_parameters()}


def test_lora_trains_only_the_adapter_and_its_reference_is_the_base(settings, random_model_path):
    core = _lora_core(settings, random_model_path, kl_reference=True)
    info = core.model_info()
    assert info["lora"] and 0 < info["trainable_parameters"] < info["parameters"] / 5
    assert all("lora_" in n for n, p in core.state.model.named_parameters() if p.requires_grad)
    assert core.state.ref_model is None  # no second copy of the weights
    before = _named(core)
    ids = _put(core, _fixed_rollouts(6))
    first = core.train(_items(ids), loss_spec(kl_coef=0.1), keep=True)
    assert first.kl == pytest.approx(0.0, abs=1e-9)  # B = 0: the policy starts as the base
    second = core.train(_items(ids), loss_spec(kl_coef=0.1), keep=True)
    assert second.kl > 0
    after = _named(core)
    for n, p in after.items():
        if "lora_" in n:
            continue
        assert torch.equal(before[n], p), n  # the base never moves
    assert any(not torch.equal(before[n], after[n]) for n in after if "lora_B" in n)


def test_lora_checkpoint_round_trips_exactly_and_the_merged_export_loads_in_transformers(
    settings, random_model_path, tmp_path
):
    from transformers import AutoModelForCausalLM

    rollouts = _fixed_rollouts(6)
    a = _lora_core(settings, random_model_path)
    a.train(_items(_put(a, rollouts)), loss_spec(), keep=False)
    a.save_checkpoint(tmp_path / "ck", merge_adapter=True)
    ck = tmp_path / "ck"
    assert (ck / "adapter_model.safetensors").is_file()
    assert not (ck / "model.safetensors").exists()  # only the adapter, not the base

    b = _lora_core(settings, random_model_path)
    b.load_checkpoint(ck)
    wa, wb = _named(a), _named(b)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    for core in (a, b):
        core.train(_items(_put(core, rollouts)), loss_spec(), keep=False)
    wa, wb = _named(a), _named(b)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)

    # The merged export is a plain HF model with the adapter's function (taken before step 2).
    plain = AutoModelForCausalLM.from_pretrained(ck / MERGED_DIR, dtype=torch.float32)
    c = _lora_core(settings, random_model_path)
    c.load_checkpoint(ck)
    held = [c.store.get_many([rid])[0][0] for rid in _put(c, rollouts)]
    engine_lp, _, _, _, _ = c._old_pass(held, 10_000)
    for r, lp in zip(held, engine_lp, strict=True):
        ids = torch.cat([r.prompt_ids, r.completion_ids]).long().unsqueeze(0)
        with torch.no_grad():
            logits = plain(input_ids=ids).logits[0, :-1].float()
        p = r.prompt_ids.numel()
        want = torch.log_softmax(logits, -1)[p - 1 :].gather(-1, ids[0, p:, None]).squeeze(-1)
        assert torch.allclose(want, lp, atol=1e-5), (want, lp)


def test_lora_settings_are_validated(settings, random_model_path):
    core = PolicyCore(settings)
    with pytest.raises(EngineError) as e:
        core.load(
            load_spec(str(random_model_path), lora=lora_spec(rank=2, target_modules=("nope",)))
        )
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert e.value.message.startswith("lora.target_modules")


# ---- 4. hf: model loading and chat templates -----------------------------------------------------
def _fake_hub_cache(home, model_path, repo: str, commit: str):
    """A Hugging Face cache (HF_HOME/hub) holding one snapshot of `repo`, as huggingface_hub lays it
    out after a download."""
    base = home / "hub" / f"models--{repo.replace('/', '--')}"
    shutil.copytree(model_path, base / "snapshots" / commit)
    (base / "refs").mkdir(parents=True)
    (base / "refs" / "main").write_text(commit)
    return base / "snapshots" / commit


def test_hf_ids_resolve_from_the_model_dir_then_the_cache_and_never_download_offline(
    random_model_path, tmp_path, monkeypatch
):
    commit = "a" * 40
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    snap = _fake_hub_cache(tmp_path / "hf", random_model_path, "org/tiny", commit)
    assert resolve_hf("hf:org/tiny", None) == snap
    assert resolve_hf(f"hf:org/tiny@{commit}", None) == snap
    local = tmp_path / "models" / "org" / "tiny"
    shutil.copytree(random_model_path, local)
    assert resolve_hf("hf:org/tiny", tmp_path / "models") == local
    with pytest.raises(EngineError) as e:
        resolve_hf("hf:org/absent", tmp_path / "models")
    assert e.value.code == grpc.StatusCode.NOT_FOUND and "HF_HUB_OFFLINE=1" in e.value.message
    with pytest.raises(EngineError) as e:
        resolve_hf("hf:../etc", None)
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_hf_model_loads_from_the_cache_and_prompts_use_its_chat_template(
    settings, random_model_path, tmp_path, monkeypatch
):
    from transformers import AutoTokenizer

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    snap = _fake_hub_cache(tmp_path / "hf", random_model_path, "org/chat", "b" * 40)
    tok = AutoTokenizer.from_pretrained(snap)
    tok.chat_template = "{% for m in messages %}[{{ m['content'] }}]{% endfor %}"
    tok.save_pretrained(snap)
    core = PolicyCore(settings)
    info = core.load(load_spec("hf:org/chat", chat_template=True))
    assert info["path"] == str(snap) and info["chat_template"]
    res = core.sample([group(n=1, temperature=0.0, max_new_tokens=2, text="1+1=")], 0, True)
    assert res.prompt_tokens == len("[1+1=]")
    verbatim = PolicyCore(settings)
    assert not verbatim.load(load_spec("hf:org/chat"))["chat_template"]
    res = verbatim.sample([group(n=1, temperature=0.0, max_new_tokens=2, text="1+1=")], 0, True)
    assert res.prompt_tokens == len("1+1=")
