"""BLEURT from a local checkpoint in the bleurt-pytorch layout (tiny random models built here,
checked against transformers' own BERT / ELECTRA computing the same network) and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from hhikit.errors import ModelUnavailable
from hhikit.eval.text import Bleurt

REFS = ["person hugging person", "person shaking hands with person"]
CANDS = ["person kissing person", "person shaking hands with person at a party"]


def _vocab(d: Path):
    from transformers import BertTokenizerFast

    from hhikit.models.store import resolve

    tok = BertTokenizerFast(vocab_file=str(resolve("minilm").root / "vocab.txt"), do_lower_case=True)
    tok.save_pretrained(d)
    return tok


def _write(d: Path, cfg: dict, sd: dict) -> None:
    from safetensors.torch import save_file

    (d / "config.json").write_text(json.dumps({"model_type": "bleurt", **cfg}))
    save_file({k: v.contiguous() for k, v in sd.items()}, str(d / "model.safetensors"))


def _cfg(tok, **kw) -> dict:
    return {"vocab_size": tok.vocab_size, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
            "intermediate_size": 32, "max_position_embeddings": 128, "type_vocab_size": 2, "hidden_act": "gelu",
            "layer_norm_eps": 1e-12, "num_labels": 1, **kw}  # fmt: skip


def test_bleurt_pytorch_layout_equals_bert_regression(tmp_path):
    from transformers import BertConfig, BertForSequenceClassification

    tok = _vocab(tmp_path)
    cfg = _cfg(tok)
    torch.manual_seed(0)
    ref = BertForSequenceClassification(BertConfig(**{k: v for k, v in cfg.items() if k != "model_type"})).eval()
    sd = {k.replace("bert.", "bleurt.", 1): v for k, v in ref.state_dict().items() if "position_ids" not in k}
    _write(tmp_path, cfg, sd)
    ours = Bleurt(tmp_path).score(REFS, CANDS)
    with torch.inference_mode():
        want = ref(**tok(REFS, CANDS, padding=True, return_tensors="pt")).logits[:, 0].numpy()
    assert ours == pytest.approx(want.tolist(), abs=1e-5)


def test_bleurt_pytorch_layout_with_embedding_projection_equals_electra_plus_pooler(tmp_path):
    from transformers import ElectraConfig, ElectraModel

    tok = _vocab(tmp_path)
    cfg = _cfg(tok, embedding_size=8)
    torch.manual_seed(1)
    electra = ElectraModel(ElectraConfig(**{k: v for k, v in cfg.items() if k != "num_labels"})).eval()
    pooler, head = torch.nn.Linear(16, 16), torch.nn.Linear(16, 1)
    sd = {}
    for k, v in electra.state_dict().items():
        if "position_ids" in k or "token_type_ids" in k:
            continue
        k = k.replace("embeddings_project", "encoder.embedding_projection")
        sd["bleurt." + k] = v
    sd.update({"bleurt.pooler.dense.weight": pooler.weight.detach(), "bleurt.pooler.dense.bias": pooler.bias.detach(),
               "classifier.weight": head.weight.detach(), "classifier.bias": head.bias.detach()})  # fmt: skip
    _write(tmp_path, cfg, sd)
    ours = Bleurt(tmp_path).score(REFS, CANDS)
    enc = tok(REFS, CANDS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        want = head(torch.tanh(pooler(electra(**enc).last_hidden_state[:, 0])))[:, 0].numpy()
    assert ours == pytest.approx(want.tolist(), abs=1e-5)


def test_checkpoints_that_do_not_fit_are_refused_in_one_line(tmp_path):
    from transformers import BertConfig, BertForSequenceClassification

    tok = _vocab(tmp_path)
    cfg = _cfg(tok)
    sd = {k.replace("bert.", "bleurt.", 1): v for k, v in
          BertForSequenceClassification(BertConfig(**cfg)).state_dict().items() if "position_ids" not in k}  # fmt: skip
    _write(tmp_path, {**cfg, "intermediate_size": 64}, sd)
    with pytest.raises(ModelUnavailable, match=r"not a bleurt-pytorch BLEURT model: shape of .*intermediate") as e:
        Bleurt(tmp_path)
    assert "\n" not in str(e.value)
    _write(tmp_path, cfg, {k: v for k, v in sd.items() if "pooler" not in k})
    with pytest.raises(ModelUnavailable, match="missing"):
        Bleurt(tmp_path)
    (tmp_path / "model.safetensors").unlink()
    BertForSequenceClassification(BertConfig(**{**cfg, "num_labels": 3})).save_pretrained(tmp_path)  # model_type bert
    with pytest.raises(ModelUnavailable, match="1 output"):
        Bleurt(tmp_path)
