"""The CLIP-family describer with tiny random CLIP and SigLIP directories built here."""

from __future__ import annotations

import gc
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from hhikit.cli import main  # noqa: E402
from hhikit.describe import get_describer  # noqa: E402
from hhikit.describe.clip import TEMPLATES, sentence, union_crop  # noqa: E402
from hhikit.describe.vocabulary import default_vocabulary  # noqa: E402
from hhikit.errors import HHIError  # noqa: E402
from hhikit.io.images import read_image  # noqa: E402
from hhikit.types import ImageResult, Pair, Person  # noqa: E402
from tests.conftest import shared_path  # noqa: E402


def word_tokenizer(max_len):
    """A word-level tokenizer over the vocabulary's sentences, with BOS/EOS around each text."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    words = sorted({w for e in default_vocabulary().entries for w in sentence(e.text).replace(".", " ").split()}
                   | {w for t in TEMPLATES for w in t.replace("{}", "").replace(".", " ").split()} | {"."})  # fmt: skip
    vocab = {"<pad>": 0, "<bos>": 1, "<eos>": 2, "<unk>": 3, **{w: i + 4 for i, w in enumerate(words)}}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tk.post_processor = processors.TemplateProcessing(
        single="<bos> $A <eos>", special_tokens=[("<bos>", 1), ("<eos>", 2)]
    )
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>",
                                  unk_token="<unk>", model_max_length=max_len)  # fmt: skip
    return tok, len(vocab)


def tiny_dual_encoder(d, family: str, seed: int):
    """A tiny random CLIPModel or SiglipModel directory (weights, word tokenizer, image processor)."""
    tok, n = word_tokenizer(24)
    torch.manual_seed(seed)
    tower = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2)
    text = dict(tower, vocab_size=n, max_position_embeddings=24, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    vision = dict(tower, image_size=32, patch_size=8)
    if family == "clip":
        model = transformers.CLIPModel(
            transformers.CLIPConfig(text_config=text, vision_config=vision, projection_dim=16)
        )
        proc = transformers.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    else:
        model = transformers.SiglipModel(transformers.SiglipConfig(text_config=text, vision_config=vision))
        proc = transformers.SiglipImageProcessor(size={"height": 32, "width": 32})
    model.save_pretrained(d)
    tok.save_pretrained(d)
    proc.save_pretrained(d)
    return d


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory):
    return tiny_dual_encoder(tmp_path_factory.mktemp("clip"), "clip", seed=0)


@pytest.fixture(scope="module")
def siglip_dir(tmp_path_factory):
    return tiny_dual_encoder(tmp_path_factory.mktemp("siglip"), "siglip", seed=1)


def two_people(path):
    im = read_image(path)
    h, w = im.shape[:2]
    people = [Person(0, [0.05 * w, 0.1 * h, 0.5 * w, h - 1], 0.9), Person(1, [0.45 * w, 0.1 * h, 0.95 * w, h - 1], 0.9),
              Person(2, [0, 0, 10, 10], 0.5)]  # fmt: skip
    pairs = [Pair(0, 1, 0.9), Pair(0, 2, 0.1, suppressed=True)]
    return im, ImageResult(str(path), w, h, people=people, pairs=pairs)


def test_clip_ranks_8_vocabulary_entries_per_pair(clip_dir):
    path = shared_path("examples", "teaser_1.jpg")
    im, r = two_people(path)
    desc = get_describer(f"clip:{clip_dir}")
    desc.describe(im, r)
    vocab = default_vocabulary()
    live, dead = r.pairs
    assert len(live.interactions) == 8 and not dead.interactions  # suppressed pairs are skipped
    assert len(r.interactions) == 8
    for it in live.interactions + r.interactions:
        assert it.text in vocab and len(it.cues) == 3
        assert any(f"'{t}'" in it.cues[1] for t in TEMPLATES)
    assert "crop of pair #0-#1" in live.interactions[0].cues[0] and "whole image" in r.interactions[0].cues[0]
    scores = [i.score for i in live.interactions]
    assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1 + 1e-6

    # Independently: the crop's embedding against the template-averaged text embeddings.
    model = transformers.CLIPModel.from_pretrained(clip_dir).eval()
    tok = transformers.AutoTokenizer.from_pretrained(clip_dir)
    proc = transformers.CLIPImageProcessor.from_pretrained(clip_dir)
    crop, box = union_crop(im, r.people[0].box, r.people[1].box)
    assert box[0] <= r.people[0].box[0] and box[2] >= r.people[1].box[2]
    with torch.no_grad():
        e = model.vision_model(pixel_values=proc(images=[crop], return_tensors="pt")["pixel_values"]).pooler_output
        e = model.visual_projection(e)[0]
        e = e / e.norm()
        per_t = []
        for t in TEMPLATES:
            enc = tok([t.format(sentence(x.text)) for x in vocab.entries], padding=True, return_tensors="pt")
            out = model.text_model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).pooler_output
            te = model.text_projection(out)
            per_t.append(te / te.norm(dim=-1, keepdim=True))
        ens = torch.stack(per_t).mean(0)
        ens = ens / ens.norm(dim=-1, keepdim=True)
        p = (model.logit_scale.exp() * ens @ e).softmax(-1)
    top = torch.argsort(p, descending=True)[:8].tolist()
    assert [vocab.entries[j].text for j in top] == [i.text for i in live.interactions]
    np.testing.assert_allclose([float(p[j]) for j in top], scores, rtol=1e-4)


def test_siglip_and_the_cli(siglip_dir, capsys):
    path = shared_path("examples", "teaser_2.jpg")
    im, r = two_people(path)
    get_describer(f"clip:{siglip_dir}", templates=["a photo of {}."]).describe(im, r)
    assert len(r.pairs[0].interactions) == 8
    assert all(0 < i.score < 1 and i.cues[2].endswith("sigmoid") for i in r.pairs[0].interactions)
    # The real command: hhi analyze --describer clip:DIR, packaged perception.
    rc = main(["analyze", str(path), "--json", "--describer", f"clip:{siglip_dir}"])
    gc.collect()  # release the pipeline's detector now
    rec = json.loads(capsys.readouterr().out.splitlines()[0])
    assert rc == 0 and len(rec["interactions"]) == 8
    live = [p for p in rec["pairs"] if not p["suppressed"]]
    assert live and all(len(p["interactions"]) == 8 for p in live)


def test_bad_clip_dirs(tmp_path, clip_dir):
    with pytest.raises(HHIError, match="no config.json"):
        get_describer(f"clip:{tmp_path}")
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(HHIError, match="config.json: unreadable"):
        get_describer(f"clip:{tmp_path}")
    (tmp_path / "config.json").write_text('{"model_type": "gpt2"}')
    with pytest.raises(HHIError, match="clip or siglip"):
        get_describer(f"clip:{tmp_path}")
    with pytest.raises(HHIError, match="needs a"):
        get_describer(f"clip:{clip_dir}", templates=["no placeholder"])
