from __future__ import annotations

import numpy as np
import pytest
import torch

from hhikit.errors import ModelUnavailable
from hhikit.video.features import ClipInputs, bert_text, build_extractors, clean_subtitle, read_srt_lines
from tests.video.conftest import TINY_VIVIT, tone, write_srt


def test_subtitle_cleaning_and_the_string_bert_reads(tmp_path):
    assert clean_subtitle("<i>Hello</i>  (laughs) there [music]\nfriend") == "Hello there friend"
    p = write_srt(tmp_path / "a.srt", ["<b>I'm here!</b>", "(door slams)", "Why?\nNo."])
    lines = read_srt_lines(p)
    assert lines == ["I'm here!", "", "Why? No."]
    # str() of the list, then every character outside [\w\s.,!?-] removed (quotes, brackets)
    assert bert_text(lines) == "Im here!, , Why? No."


def test_extractors_from_local_folders(tiny_hf):
    from transformers import AutoTokenizer, BertModel

    ex = build_extractors(tiny_hf["bert"], tiny_hf["ast"], None, vivit_frames=4, **TINY_VIVIT)
    assert ex.dims() == {"text_dim": 32, "audio_dim": 24, "visual_dim": 16}
    rng = np.random.default_rng(0)
    frames = [ex.visual.prepare(rng.integers(0, 255, (40, 50, 3), dtype=np.uint8)) for _ in range(4)]
    clip = ClipInputs(lines=["hello there!", "give me that"], audio=tone(2.0, 300), frames=frames)
    out = ex.encode(clip)
    assert {k: v.shape for k, v in out.items()} == {"text": (32,), "audio": (24,), "visual": (16,)}
    # text: [CLS] of BERT's last hidden state over the paper's string
    tok = AutoTokenizer.from_pretrained(str(tiny_hf["bert"]))
    bert = BertModel.from_pretrained(str(tiny_hf["bert"])).eval()
    with torch.no_grad():
        ref = bert(**tok(["hello there!, give me that"], return_tensors="pt")).last_hidden_state[0, 0].numpy()
    assert np.allclose(out["text"], ref, atol=1e-5)
    # audio: mean over every token (CLS and distillation tokens included) of AST's last hidden state
    from transformers import ASTFeatureExtractor, ASTModel

    fe, ast = ASTFeatureExtractor.from_pretrained(str(tiny_hf["ast"])), ASTModel.from_pretrained(str(tiny_hf["ast"]))
    with torch.no_grad():
        h = ast.eval()(**fe(tone(2.0, 300)[None], sampling_rate=16000, return_tensors="pt")).last_hidden_state
    assert np.allclose(out["audio"], h.mean(1)[0].numpy(), atol=1e-5)
    other = ex.encode(ClipInputs(lines=["stop it"], audio=tone(2.0, 900), frames=frames[::-1]))
    assert not np.allclose(other["text"], out["text"]) and not np.allclose(other["audio"], out["audio"])
    assert not np.allclose(other["visual"], out["visual"])
    card = ex.card()
    assert card["visual"]["weights"].startswith("random, torch.manual_seed(42)")
    assert card["text"]["dir"] == str(tiny_hf["bert"].resolve()) and card["text"]["model_type"] == "bert"


def test_pretrained_vivit_folder(tiny_hf):
    ex = build_extractors(tiny_hf["bert"], tiny_hf["ast"], tiny_hf["vivit"])
    assert ex.visual.num_frames == 4 and ex.visual.dim == 24
    frames = [ex.visual.prepare(np.full((40, 50, 3), i * 40, np.uint8)) for i in range(4)]
    assert ex.visual.encode(ClipInputs(frames=frames)).shape == (24,)
    assert ex.card()["visual"]["kind"] == "vivit-hf"


def test_missing_folder_is_a_one_line_refusal(tmp_path):
    with pytest.raises(ModelUnavailable, match="no BERT model here"):
        build_extractors(tmp_path, tmp_path)


def test_without_folders_the_cards_say_how_to_get_the_models(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))  # the card's folder ~/.cache/hhikit/local/bert-base-uncased: absent
    with pytest.raises(ModelUnavailable, match="bert-base-uncased.*HHIKIT_BERT_DIR"):
        build_extractors(None, None)


def test_the_papers_dropout_at_extraction_is_an_option(tiny_hf):
    rng = np.random.default_rng(1)
    ex = build_extractors(tiny_hf["bert"], tiny_hf["ast"], None, vivit_frames=4, **TINY_VIVIT)
    frames = [ex.visual.prepare(rng.integers(0, 255, (40, 50, 3), dtype=np.uint8)) for _ in range(4)]
    clip = ClipInputs(frames=frames)
    assert np.array_equal(ex.visual.encode(clip), ex.visual.encode(clip))  # eval mode: deterministic
    paper = build_extractors(tiny_hf["bert"], tiny_hf["ast"], None, vivit_frames=4, dropout_at_extraction=True,
                             **TINY_VIVIT)  # fmt: skip
    assert paper.card()["visual"]["config"]["dropout_at_extraction"] is True
    assert not np.array_equal(paper.visual.encode(clip), paper.visual.encode(clip))  # dropout 0.3 on every pass


def test_vivit_options_may_set_the_seed_and_frames(tiny_hf):
    # --vivit-options seed=7,frames=6 reach the paper's ViViT (not a duplicate-keyword TypeError)
    ex = build_extractors(tiny_hf["bert"], tiny_hf["ast"], None, vivit_frames=4, seed=7, frames=6, **TINY_VIVIT)
    cfg = ex.card()["visual"]["config"]
    assert (cfg["seed"], cfg["frames"]) == (7, 6) and ex.visual.num_frames == 6
