"""The paper's captioner training recipe: its loss formula, targets, sampling, phhi.csv and
``--init`` from an official CLIPCap ``.pt``."""

from __future__ import annotations

import csv
import json

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from hhikit.cli import main  # noqa: E402
from hhikit.describe.captioners import from_configs, load_captioner, preprocess  # noqa: E402
from hhikit.errors import ConfigError  # noqa: E402
from hhikit.io.draw import save_png  # noqa: E402
from hhikit.train.captioner import Sample, _batches, read_manifest, train_captioner  # noqa: E402
from tests.describe.test_captioners import COLOURS, LABELS, image  # noqa: E402
from tests.describe.test_checkpoints import released  # noqa: E402, F401 - fixture


def star_tokenizer():
    """A word-level GPT-2-like tokenizer with the paper's padding token ``*``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = sorted({w for t in LABELS for w in t.split()})
    vocab = {"<|endoftext|>": 0, "*": 1, **{w: i + 2 for i, w in enumerate(words)}, "[UNK]": len(words) + 2}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tk.decoder = decoders.WordPiece(prefix="##")
    return PreTrainedTokenizerFast(tokenizer_object=tk, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                   unk_token="[UNK]")  # fmt: skip


def tiny_model(kind):
    tok = star_tokenizer()
    v = transformers.CLIPVisionConfig(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64,
                                      num_hidden_layers=2, num_attention_heads=2, projection_dim=16)  # fmt: skip
    g = transformers.GPT2Config(vocab_size=len(tok), n_positions=32, n_embd=32, n_layer=2, n_head=2,
                                bos_token_id=0, eos_token_id=0)  # fmt: skip
    torch.manual_seed(0)
    return from_configs(kind, v, g, tok, prefix_len=4)


def paper_loss(model, px, pseudolabels, weights):
    """The paper's ``Collator`` + ``training_step``, written out: targets ``pseudolabel[2:]``
    between BOS and EOS, padded with ``*``; ``CrossEntropyLoss(reduction='none',
    ignore_index=PAD)`` over the shifted tokens, times the weights, ``.mean()`` over b x n."""
    tok = model.tokenizer
    pad = tok.convert_tokens_to_ids("*")
    seqs = [[0, *tok.encode(p[2:], add_special_tokens=False), 0] for p in pseudolabels]
    n = max(map(len, seqs))
    ids = torch.tensor([s + [pad] * (n - len(s)) for s in seqs])
    logits = model.module(px, ids)  # no attention mask, as the paper
    crit = torch.nn.CrossEntropyLoss(reduction="none", ignore_index=pad)
    per = crit(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1)).view(len(seqs), n - 1)
    return (per * weights.unsqueeze(-1)).mean()


@pytest.mark.parametrize("kind", ["clipcap", "encdec"])
def test_loss_is_the_papers_formula(kind):
    model = tiny_model(kind)
    model.module.eval()
    texts = ["_ hugging _", "_ giving an award to _", "_ shaking hands with _"]
    px = preprocess([image(c, i) for i, c in enumerate(COLOURS[:3])], 32)
    w = torch.tensor([1.0, 0.25, 0.6])
    with torch.no_grad():
        got = model.loss(px, texts, w)
        ref = paper_loss(model, px, texts, w)
        tokens_mean = model.loss(px, texts, w, normalise="tokens")
    assert float(got) == pytest.approx(float(ref), rel=1e-5)
    assert float(tokens_mean) > float(got)  # padding counted as 0 lowers the paper's mean
    # The target drops the predictable "_ " and decoding puts it back.
    ids, _, _ = model.encode_texts(["_ hugging _"])
    assert ids[0].tolist() == [0, *model.tokenizer.encode("hugging _", add_special_tokens=False), 0]
    assert model.decode(ids[0, 1:-1].tolist()) == "_ hugging _"


def test_uniform_sampling_draws_len_over_batch_batches():
    samples = [Sample(image=f"{i}.png", text="_ hugging _") for i in range(10)]  # type: ignore[arg-type]
    batches = _batches(samples, 4, seed=0, epoch=0, uniform=True)
    assert len(batches) == 10 // 4 and all(len(b) == 4 and len(set(map(id, b))) == 4 for b in batches)
    assert batches == _batches(samples, 4, seed=0, epoch=0, uniform=True)  # reproducible (resume)
    assert batches != _batches(samples, 4, seed=0, epoch=1, uniform=True)
    shuffled = _batches(samples, 4, seed=0, epoch=0, uniform=False)
    assert sorted(id(s) for b in shuffled for s in b) == sorted(map(id, samples))  # hhikit: every sample once


def write_phhi(d, n_per_label=2):
    """The paper's files: phhi.csv (id, pseudolabel, weight) and <dir>/<id>/image.jpg."""
    import cv2

    rows = []
    for k, (lab, c) in enumerate(zip(LABELS, COLOURS, strict=True)):
        for j in range(n_per_label):
            ident = f"{k:03d}{j:03d}"
            (d / "ww" / ident).mkdir(parents=True)
            cv2.imwrite(str(d / "ww" / ident / "image.jpg"), image(c, 10 * k + j)[:, :, ::-1])
            rows.append({"id": ident, "pseudolabel": lab, "weight": 0.5 + 0.5 * j})
    with open(d / "phhi.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "pseudolabel", "weight"])
        w.writeheader()
        w.writerows(rows)
    return d / "phhi.csv"


def test_phhi_manifest(tmp_path):
    p = write_phhi(tmp_path, 1)
    samples, bad = read_manifest(p, tmp_path / "ww")
    assert not bad and len(samples) == 4
    assert samples[0].image == tmp_path / "ww" / "000000" / "image.jpg" and samples[0].text == LABELS[0]
    assert samples[0].weight == 0.5
    with pytest.raises(ConfigError, match="--images DIR"):
        read_manifest(p)


def test_training_lowers_the_papers_loss(tmp_path):
    model = tiny_model("clipcap")
    data = [Sample(tmp_path / f"{i}.png", lab, 1.0) for i, lab in enumerate(LABELS)]
    for i, c in enumerate(COLOURS):
        save_png(str(tmp_path / f"{i}.png"), image(c, i))
    px = preprocess([image(c, i) for i, c in enumerate(COLOURS)], 32)
    w = torch.ones(4)
    with torch.no_grad():
        before = float(paper_loss(model, px, LABELS, w))
    rep = train_captioner(data, tmp_path / "out", model=model, epochs=40, batch_size=4, lr=3e-3, save_every=0,
                          log=None)  # fmt: skip
    assert rep.steps == 40
    model.module.eval()
    with torch.no_grad():
        after = float(paper_loss(model, px, LABELS, w))
    assert after < 0.5 * before


def test_cli_trains_from_phhi_and_the_official_pt(released, tmp_path, capsys):  # noqa: F811
    """``hhi train captioner --data phhi.csv --images DIR --init coco_weights.pt``."""
    d = released["dir"]
    p = write_phhi(tmp_path)
    out = tmp_path / "run"
    rc = main(["train", "captioner", "--data", str(p), "--images", str(tmp_path / "ww"), "--out", str(out), "--init",
               str(d / "coco_weights.pt"), "--clip", str(d / "clip"), "--gpt2", str(d / "gpt2"), "--epochs", "3",
               "--batch-size", "4", "--lr", "1e-3", "--save-every", "0"])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    meta = json.loads((out / "hhi_captioner.json").read_text())
    assert meta["kind"] == "clipcap" and meta["targets"] == "paper" and meta["source"]["format"] == "clipcap-pt"
    m = load_captioner(out)
    assert m.module.prefix_len == 10
    # The mapping network moved away from the .pt's weights (it was trained).
    start = torch.load(d / "coco_weights.pt", weights_only=True)["clip_project.model.0.weight"]
    assert not torch.equal(m.module.cc.clip_project.model[0].weight, start)


def test_hhikit_recipe_is_kept_as_an_option(tmp_path):
    """``recipe="hhikit"``: shuffled epochs over every sample, loss over real tokens."""
    for i, c in enumerate(COLOURS):
        save_png(str(tmp_path / f"{i}.png"), image(c, i))
    data = [Sample(tmp_path / f"{i % 4}.png", LABELS[i % 4], 1.0) for i in range(10)]
    rep = train_captioner(data, tmp_path / "h", model=tiny_model("clipcap"), epochs=1, batch_size=4, save_every=0,
                          log=None, recipe="hhikit")  # fmt: skip
    assert rep.steps == 3  # ceil(10 / 4): every sample once
    rep = train_captioner(data, tmp_path / "p", model=tiny_model("clipcap"), epochs=1, batch_size=4, save_every=0,
                          log=None)  # fmt: skip
    assert rep.steps == 2  # the paper: len // batch draws
    with pytest.raises(ConfigError, match="unknown training recipe"):
        train_captioner(data, tmp_path / "x", model=tiny_model("clipcap"), recipe="fast", log=None)
