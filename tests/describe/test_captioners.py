"""Captioners: tiny random CLIP + GPT-2 configs trained on a synthetic image-text set."""

from __future__ import annotations

import csv

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from hhikit.describe.captioners import from_configs, load_captioner, save_captioner  # noqa: E402
from hhikit.errors import InputError, ModelUnavailable  # noqa: E402
from hhikit.io.draw import save_png  # noqa: E402
from hhikit.train.captioner import read_manifest, train_captioner  # noqa: E402

LABELS = ["_ hugging _", "_ shaking hands with _", "_ giving an award to _", "_ wrestling with _"]
COLOURS = [(220, 30, 30), (30, 200, 40), (40, 60, 230), (230, 230, 40)]


def tiny_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = sorted({w for t in LABELS for w in t.split()})
    vocab = {"<|endoftext|>": 0, **{w: i + 1 for i, w in enumerate(words)}, "[UNK]": len(words) + 1}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    from tokenizers import decoders

    tk.decoder = decoders.WordPiece(prefix="##")  # joins words with spaces
    return PreTrainedTokenizerFast(tokenizer_object=tk, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                   unk_token="[UNK]")  # fmt: skip


def tiny(kind: str):
    from transformers import CLIPVisionConfig, GPT2Config

    tok = tiny_tokenizer()
    v = CLIPVisionConfig(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, projection_dim=16)  # fmt: skip
    g = GPT2Config(vocab_size=len(tok), n_positions=32, n_embd=32, n_layer=2, n_head=2,
                   bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)  # fmt: skip
    torch.manual_seed(0)
    return from_configs(kind, v, g, tok, prefix_len=4)


def image(c, seed):
    rng = np.random.default_rng(seed)
    im = np.full((40, 48, 3), c, np.uint8).astype(int) + rng.integers(-20, 20, (40, 48, 3))
    return np.clip(im, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    d = tmp_path_factory.mktemp("caps")
    rows = []
    for k, (lab, c) in enumerate(zip(LABELS, COLOURS)):
        for j in range(3):
            name = f"img_{k}_{j}.png"
            save_png(str(d / name), image(c, 10 * k + j))
            rows.append({"image": name, "text": lab, "weight": 1.0 if j else 0.5})
    rows.append({"image": "missing.png", "text": "_ hugging _", "weight": 1})
    with open(d / "train.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["image", "text", "weight"])
        w.writeheader()
        w.writerows(rows)
    return d


@pytest.mark.parametrize("kind", ["encdec", "clipcap"])
def test_train_lowers_loss_and_reproduces_labels(kind, dataset, tmp_path):
    model = tiny(kind)
    rep = train_captioner(dataset / "train.csv", tmp_path / "out", model=model, epochs=60, batch_size=4, lr=3e-3,
                          weight_decay=0.0, save_every=0, log=None)  # fmt: skip
    assert np.mean(rep.losses[-5:]) < 0.3 * np.mean(rep.losses[:3])
    assert any("missing.png" in s for s in rep.skipped)  # the bad row was skipped, training went on
    for lab, c in zip(LABELS, COLOURS):
        beams = model.beam_search(image(c, 999), beam=8, max_steps=10, keep=4)
        assert beams[0][0] == lab
        assert all(beams[i][1] >= beams[i + 1][1] for i in range(len(beams) - 1))
    # The saved model (final directory) reloads to identical beams.
    again = load_captioner(tmp_path / "out")
    im = image(COLOURS[2], 5)
    assert again.beam_search(im, beam=8, max_steps=10) == model.beam_search(im, beam=8, max_steps=10)


def test_checkpoint_resume(dataset, tmp_path):
    model = tiny("encdec")
    rep1 = train_captioner(dataset / "train.csv", tmp_path / "o", model=model, epochs=1, batch_size=4, lr=1e-3,
                           save_every=2, log=None)  # fmt: skip
    # The paper's uniform sampling: len(data) // batch = 13 // 4 = 3 steps per epoch.
    assert rep1.steps == 3 and (tmp_path / "o" / "checkpoint-3" / "trainer_state.pt").exists()
    rep2 = train_captioner(dataset / "train.csv", tmp_path / "o", epochs=2, batch_size=4, lr=1e-3, resume=True,
                           save_every=0, log=None)  # fmt: skip
    assert rep2.steps == 6 and len(rep2.losses) == 3


def test_bad_inputs(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_manifest(tmp_path / "nope.csv")
    (tmp_path / "m.jsonl").write_text('{"image": "a.png", "text": "_ hugging _", "weight": "x"}\nnot json\n')
    with pytest.raises(InputError, match="no usable rows"):
        read_manifest(tmp_path / "m.jsonl")
    with pytest.raises(ModelUnavailable, match="not a trained captioner"):
        load_captioner(tmp_path)


def test_save_load_roundtrip_clipcap(tmp_path):
    m = tiny("clipcap")
    save_captioner(m, tmp_path / "c")
    m2 = load_captioner(tmp_path / "c", "clipcap")
    im = image(COLOURS[0], 1)
    assert m.beam_search(im, beam=4, max_steps=5) == m2.beam_search(im, beam=4, max_steps=5)


def test_cli_trains_from_pretrained_dirs_and_describes(dataset, tmp_path):
    """`hhi train captioner` from local Hugging Face directories, then the describer reads it."""
    from transformers import CLIPVisionModelWithProjection, GPT2LMHeadModel

    from hhikit.cli import main
    from hhikit.describe import get_describer
    from hhikit.types import ImageResult, Pair, Person

    m = tiny("encdec")
    CLIPVisionModelWithProjection(m.module.clip.config).save_pretrained(tmp_path / "clip")
    g = m.module.gpt2.config
    g.add_cross_attention = False
    GPT2LMHeadModel(g).save_pretrained(tmp_path / "gpt2")
    m.tokenizer.save_pretrained(tmp_path / "gpt2")
    rc = main(["train", "captioner", "--data", str(dataset / "train.csv"), "--out", str(tmp_path / "out"),
               "--clip", str(tmp_path / "clip"), "--gpt2", str(tmp_path / "gpt2"), "--max-steps", "2",
               "--batch-size", "4", "--save-every", "1"])  # fmt: skip
    assert rc == 0 and (tmp_path / "out" / "model.pt").exists() and (tmp_path / "out" / "checkpoint-2").exists()
    d = get_describer(f"encdec:{tmp_path / 'out'}", beam=4, max_steps=4)
    r = ImageResult("x", 48, 40, people=[Person(0, [0, 0, 20, 40], 0.9), Person(1, [24, 0, 48, 40], 0.9)],
                    pairs=[Pair(0, 1, 0.9)])  # fmt: skip
    d.describe(image(COLOURS[0], 3), r)
    assert 1 <= len(r.interactions) <= 8 and all(i.text.startswith("_") for i in r.interactions)
    assert r.pairs[0].interactions and "beam search" in r.interactions[0].cues[0]
    # a missing input file: exit 1 (the exit-code table)
    assert main(["train", "captioner", "--data", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o2"),
                 "--init", str(tmp_path / "out")]) == 1  # fmt: skip
