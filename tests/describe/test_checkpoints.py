"""Released captioner layouts (the paper's Lightning checkpoint, CLIPCap's ``.pt``, a hhikit
directory) built here at tiny sizes with the original module names, loaded through
``--describer clipcap:PATH`` and checked against a forward pass written in the test."""

from __future__ import annotations

import gc
import json

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from torch import nn  # noqa: E402

from hhikit.cli import build_parser, main  # noqa: E402
from hhikit.cli.common import _pipeline_config  # noqa: E402
from hhikit.describe import get_describer  # noqa: E402
from hhikit.describe.captioners import normalise_caption, preprocess  # noqa: E402
from hhikit.errors import HHIError, ModelUnavailable  # noqa: E402
from tests.describe.test_captioners import COLOURS, image, tiny_tokenizer  # noqa: E402

P = 10  # the paper's prefix length


class MLP(nn.Module):
    """CLIPCap's mapping network as its code names it: ``self.model`` = Linear, Tanh, Linear."""

    def __init__(self, sizes):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.Tanh(), nn.Linear(sizes[1], sizes[2]))

    def forward(self, x):
        return self.model(x)


class ClipCaptionModel(nn.Module):
    """CLIPCap's ``ClipCaptionModel``: ``gpt`` + ``clip_project`` (the official ``.pt``)."""

    def __init__(self, gpt_cfg, prefix_size):
        super().__init__()
        self.gpt = transformers.GPT2LMHeadModel(gpt_cfg)
        d = gpt_cfg.n_embd
        self.clip_project = MLP((prefix_size, d * P // 2, d * P))


class HHICCModel(nn.Module):
    """The paper's Lightning module for ClipCap: ``clip`` (whole CLIPModel) + ``cc``."""

    def __init__(self, clip, gpt_cfg):
        super().__init__()
        self.clip = clip
        self.cc = ClipCaptionModel(gpt_cfg, clip.config.projection_dim)


class HHIModel(nn.Module):
    """The paper's Lightning module for EncDec: ``clip``, ``gpt2`` (cross-attention), ``proj``."""

    def __init__(self, clip, gpt_cfg):
        super().__init__()
        self.clip = clip
        cfg = transformers.GPT2Config(**{**gpt_cfg.to_dict(), "add_cross_attention": True, "is_decoder": True})
        self.gpt2 = transformers.GPT2LMHeadModel(cfg)
        self.proj = nn.Linear(clip.config.projection_dim, gpt_cfg.n_embd)


def clip_embed(clip, px):
    return clip.visual_projection(clip.vision_model(pixel_values=px).pooler_output)


def ref_clipcap_logits(clip, cc, px, ids):
    """The paper's ``HHICCModel.forward``: prefix (b, P, d) then the text embeddings."""
    e = cc.clip_project(clip_embed(clip, px)).reshape(px.shape[0], P, -1)
    x = torch.cat((e, cc.gpt.transformer.wte(ids)), dim=1)
    return cc.gpt(inputs_embeds=x).logits[:, P:]


def ref_encdec_logits(m, px, ids):
    e = m.proj(clip_embed(m.clip, px).unsqueeze(1))
    return m.gpt2(input_ids=ids, encoder_hidden_states=e).logits


def legacy_buffers(prefix, n_layer, n):
    """Buffers that transformers 4.x wrote into every GPT-2 / CLIP state dict."""
    out = {}
    for i in range(n_layer):
        out[f"{prefix}transformer.h.{i}.attn.bias"] = torch.tril(torch.ones(n, n)).view(1, 1, n, n)
        out[f"{prefix}transformer.h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
    return out


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """Tiny CLIP and GPT-2 Hugging Face directories, and the released layouts."""
    d = tmp_path_factory.mktemp("released")
    tok = tiny_tokenizer()
    torch.manual_seed(1)
    clip_cfg = transformers.CLIPConfig(
        text_config=dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                         vocab_size=40, max_position_embeddings=16, bos_token_id=0, eos_token_id=1, pad_token_id=1),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                           image_size=32, patch_size=8),
        projection_dim=16,
    )  # fmt: skip
    clip = transformers.CLIPModel(clip_cfg).eval()
    clip.save_pretrained(d / "clip")
    transformers.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(
        d / "clip"
    )  # the paper preprocesses with CLIPProcessor: the captioner uses the directory's processor
    gcfg = transformers.GPT2Config(vocab_size=len(tok), n_positions=40, n_embd=32, n_layer=2, n_head=2,
                                   bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)  # fmt: skip
    transformers.GPT2LMHeadModel(gcfg).save_pretrained(d / "gpt2")
    tok.save_pretrained(d / "gpt2")

    # Official CLIPCap .pt: ClipCaptionModel.state_dict() (with transformers 4.x buffers).
    cc = ClipCaptionModel(gcfg, 16).eval()
    torch.save({**cc.state_dict(), **legacy_buffers("gpt.", 2, 40)}, d / "coco_weights.pt")

    # The paper's Lightning checkpoint of HHICCModel, inside a directory as unpacked from cc_ft.tar.gz.
    # Its CLIP differs from clip/ (fine-tuned checkpoints carry their own tower).
    torch.manual_seed(2)
    hhicc = HHICCModel(transformers.CLIPModel(clip_cfg), gcfg).eval()
    ck = d / "cc_ft" / "lightning_logs" / "version_0" / "checkpoints"
    ck.mkdir(parents=True)
    state = {**hhicc.state_dict(), **legacy_buffers("cc.gpt.", 2, 40)}
    state["clip.text_model.embeddings.position_ids"] = torch.arange(16)[None]
    torch.save({"epoch": 0, "global_step": 5, "pytorch-lightning_version": "1.9.0", "state_dict": state,
                "optimizer_states": [], "lr_schedulers": []}, ck / "last.ckpt")  # fmt: skip

    # The paper's EncDec Lightning checkpoint.
    torch.manual_seed(3)
    hhim = HHIModel(transformers.CLIPModel(clip_cfg), gcfg).eval()
    torch.save({"state_dict": hhim.state_dict(), "global_step": 1}, d / "encdec.ckpt")

    # A hhikit captioner directory written by hand: its own layout, the paper's module names.
    h = d / "hhikit_dir"
    for sub in ("clip", "gpt2"):
        (h / sub).mkdir(parents=True)
    transformers.CLIPVisionConfig(**{**clip_cfg.vision_config.to_dict(), "projection_dim": 16}).save_pretrained(
        h / "clip"
    )
    gcfg.save_pretrained(h / "gpt2")
    tok.save_pretrained(h / "gpt2")
    torch.manual_seed(4)
    hd = HHICCModel(transformers.CLIPModel(clip_cfg), gcfg).eval()
    keep = {k: v for k, v in hd.state_dict().items() if not k.startswith(("clip.text", "clip.logit"))}
    torch.save(keep, h / "model.pt")
    meta = {"kind": "clipcap", "prefix_len": P, "mapper": "mlp", "image_size": 32, "targets": "paper",
            "format": "hhikit-captioner/2", "source": {"format": "test"}}  # fmt: skip
    (h / "hhi_captioner.json").write_text(json.dumps(meta))
    return {"dir": d, "clip": clip, "cc": cc, "hhicc": hhicc, "hhim": hhim, "hd": hd, "tok": tok}


def describer_via_cli(spec, released, *extra):
    """The describer the real ``hhi analyze`` options build (its ``PipelineConfig``, built as
    ``Pipeline`` builds its describer; no detector is loaded)."""
    d = released["dir"]
    args = build_parser().parse_args(
        ["analyze", "x.jpg", "--describer", spec, "--describer-option", f"clip={d / 'clip'}",
         "--describer-option", f"gpt2={d / 'gpt2'}", "--describer-option", "beam=4", *extra]
    )  # fmt: skip
    cfg = _pipeline_config(args)
    cfg.check()
    return get_describer(cfg.describer, **cfg.describer_options)


def pixels_and_ids(tok):
    px = preprocess([image(COLOURS[0], 1), image(COLOURS[2], 2)], 32)
    ids = torch.tensor([[0, *tok.encode("shaking hands with _", add_special_tokens=False)], [0, 3, 4, 5, 6]])
    return px, ids


@pytest.mark.parametrize("layout", ["coco_weights.pt", "cc_ft", "cc_ft/lightning_logs/version_0/checkpoints/last.ckpt",
                                    "hhikit_dir"])  # fmt: skip
def test_clipcap_layouts_give_the_reference_logits(layout, released):
    desc = describer_via_cli(f"clipcap:{released['dir'] / layout}", released)
    m = desc.model
    px, ids = pixels_and_ids(released["tok"])
    with torch.no_grad():
        got = m.module.logits(m.module.encode(px), ids)
        if layout == "coco_weights.pt":  # CLIPCap's .pt: CLIP from clip=DIR
            ref = ref_clipcap_logits(released["clip"], released["cc"], px, ids)
        else:
            src = released["hd" if layout == "hhikit_dir" else "hhicc"]
            ref = ref_clipcap_logits(src.clip, src.cc, px, ids)
    assert got.shape == ref.shape == (2, 5, len(released["tok"]))
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-5)
    assert m.module.prefix_len == P and m.targets == "paper"


def test_encdec_lightning_checkpoint_gives_the_reference_logits(released):
    m = describer_via_cli(f"encdec:{released['dir'] / 'encdec.ckpt'}", released).model
    px, ids = pixels_and_ids(released["tok"])
    with torch.no_grad():
        torch.testing.assert_close(
            m.module.logits(m.module.encode(px), ids),
            ref_encdec_logits(released["hhim"], px, ids),
            rtol=1e-5,
            atol=1e-5,
        )


def test_beam_scores_are_the_reference_log_probs(released):
    """The describer's top beams: ``_ `` + decoded tokens, scored by the summed log-prob of
    the tokens and the end token under the reference model."""
    from hhikit.types import ImageResult, Pair, Person

    desc = describer_via_cli(f"clipcap:{released['dir'] / 'coco_weights.pt'}", released, "--describer-option",
                             "max_steps=6")  # fmt: skip
    im = image(COLOURS[1], 7)
    r = ImageResult("x", 48, 40, people=[Person(0, [0, 0, 20, 40], 0.9), Person(1, [24, 0, 48, 40], 0.9)],
                    pairs=[Pair(0, 1, 0.9)])  # fmt: skip
    desc.describe(im, r)
    assert 1 <= len(r.interactions) <= 8 and r.pairs[0].interactions
    beams = desc.model.beam_search(im, beam=4, max_steps=6)
    proc = transformers.CLIPImageProcessor.from_pretrained(released["dir"] / "clip")
    tok, px = released["tok"], proc(images=[im], return_tensors="pt")["pixel_values"]
    torch.testing.assert_close(desc.model.pixels([im]), px)
    for text, score in beams[:3]:
        assert text.startswith("_ ")
        ids = [0, *tok.encode(text[2:], add_special_tokens=False), 0]
        with torch.no_grad():
            logp = ref_clipcap_logits(released["clip"], released["cc"], px, torch.tensor([ids[:-1]]))[0].log_softmax(-1)
        ref = float(sum(logp[i, t] for i, t in enumerate(ids[1:])))
        assert score == pytest.approx(ref, abs=1e-4)


def test_import_writes_a_captioner_directory(released, tmp_path, capsys):
    d = released["dir"]
    rc = main(["models", "import", str(d / "cc_ft"), "--out", str(tmp_path / "imp"), "--clip", str(d / "clip"),
               "--gpt2", str(d / "gpt2")])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    meta = json.loads((tmp_path / "imp" / "hhi_captioner.json").read_text())
    assert meta["kind"] == "clipcap" and meta["source"]["format"] == "lightning"
    assert meta["source"]["path"].endswith("last.ckpt") and len(meta["source"]["sha256"]) == 64
    state = torch.load(tmp_path / "imp" / "model.pt", weights_only=True)
    assert (tmp_path / "imp" / "clip" / "preprocessor_config.json").exists()
    assert "cc.clip_project.model.0.weight" in state and not any(k.startswith("clip.text_model") for k in state)
    m = describer_via_cli(f"clipcap:{tmp_path / 'imp'}", released).model  # no clip/gpt2 needed now, ignored
    px, ids = pixels_and_ids(released["tok"])
    with torch.no_grad():
        ref = ref_clipcap_logits(released["hhicc"].clip, released["hhicc"].cc, px, ids)
        torch.testing.assert_close(m.module.logits(m.module.encode(px), ids), ref, rtol=1e-5, atol=1e-5)


def _bad_pt(released, path, edit):
    state = torch.load(released["dir"] / "coco_weights.pt", weights_only=True)
    edit(state)
    torch.save(state, path)
    return path


def test_checkpoint_that_does_not_fit_is_refused_in_one_line(released, tmp_path, capsys):
    miss = _bad_pt(released, tmp_path / "miss.pt", lambda s: s.pop("clip_project.model.2.bias"))
    with pytest.raises(ModelUnavailable, match=r"missing cc\.clip_project\.model\.2\.bias"):
        describer_via_cli(f"clipcap:{miss}", released)
    shaped = _bad_pt(
        released, tmp_path / "shaped.pt", lambda s: s.update({"clip_project.model.0.bias": torch.zeros(7)})
    )
    with pytest.raises(ModelUnavailable, match=r"mis-shaped cc\.clip_project\.model\.0\.bias: checkpoint \[7\]"):
        describer_via_cli(f"clipcap:{shaped}", released)
    extra = _bad_pt(
        released, tmp_path / "extra.pt", lambda s: s.update({"gpt.transformer.h.9.mlp.c_fc.weight": torch.zeros(2)})
    )
    with pytest.raises(ModelUnavailable, match=r"unexpected cc\.gpt\.transformer\.h\.9"):
        describer_via_cli(f"clipcap:{extra}", released)
    # Through `hhi analyze`: one line on stderr, exit 2, no traceback.
    d = released["dir"]
    rc = main(["analyze", "x.jpg", "--describer", f"clipcap:{miss}", "--describer-option", f"clip={d / 'clip'}",
               "--describer-option", f"gpt2={d / 'gpt2'}"])  # fmt: skip
    gc.collect()  # release the detector of the failed pipeline here, not inside a later load
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "missing cc.clip_project.model.2.bias" in err


def test_wrong_kind_missing_dirs_and_junk_are_one_line_errors(released, tmp_path):
    d = released["dir"]
    with pytest.raises(HHIError, match="is a clipcap checkpoint, not encdec"):
        describer_via_cli(f"encdec:{d / 'coco_weights.pt'}", released)
    with pytest.raises(HHIError, match="--describer-option clip=DIR --describer-option gpt2=DIR"):
        get_describer(f"clipcap:{d / 'coco_weights.pt'}")
    with pytest.raises(HHIError, match="bad options"):
        get_describer(f"clipcap:{d / 'coco_weights.pt'}", beams=4)
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelUnavailable, match="not a readable PyTorch checkpoint"):
        describer_via_cli(f"clipcap:{tmp_path / 'junk.pt'}", released)
    torch.save({"foo.weight": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ModelUnavailable, match="fit no known captioner layout"):
        describer_via_cli(f"clipcap:{tmp_path / 'other.pt'}", released)
    with pytest.raises(ModelUnavailable, match="no such captioner"):
        describer_via_cli(f"clipcap:{tmp_path / 'nope'}", released)


def test_hhi_analyze_with_the_official_pt(released, capsys):
    """The whole command on a real photo: the image's list is the captioner's top beams."""
    from hhikit.io.images import read_image
    from tests.conftest import shared_path

    path = shared_path("examples", "teaser_3.jpg")
    d = released["dir"]
    rc = main(["analyze", str(path), "--json", "--describer", f"clipcap:{d / 'coco_weights.pt'}",
               "--describer-option", f"clip={d / 'clip'}", "--describer-option", f"gpt2={d / 'gpt2'}",
               "--describer-option", "beam=4", "--describer-option", "max_steps=5"])  # fmt: skip
    gc.collect()  # release the pipeline's detector now
    rec = json.loads(capsys.readouterr().out.splitlines()[0])
    assert rc == 0 and not rec.get("error")
    m = describer_via_cli(f"clipcap:{d / 'coco_weights.pt'}", released).model
    beams = m.beam_search(read_image(path), beam=4, max_steps=5)
    assert [i["text"] for i in rec["interactions"]] == [normalise_caption(t) for t, _ in beams]
    assert rec["interactions"] and all("clipcap captioner beam search" in i["cues"][0] for i in rec["interactions"])


def test_directories_of_older_hhikit_still_load(tmp_path):
    """``hhikit-captioner/1`` named ClipCap's parts ``proj.{0,2}`` and ``gpt2`` and trained
    on whole texts: it loads under the paper's names and keeps its own targets."""
    from hhikit.describe.captioners import load_captioner, save_captioner
    from tests.describe.test_captioners import tiny

    m = tiny("clipcap")
    m.module.eval()
    save_captioner(m, tmp_path / "old")
    state = torch.load(tmp_path / "old" / "model.pt", weights_only=True)
    old = {k.replace("cc.clip_project.model.", "proj.").replace("cc.gpt.", "gpt2."): v for k, v in state.items()}
    torch.save(old, tmp_path / "old" / "model.pt")
    meta = json.loads((tmp_path / "old" / "hhi_captioner.json").read_text())
    meta = {k: meta[k] for k in ("kind", "prefix_len", "image_size")} | {"format": "hhikit-captioner/1"}
    (tmp_path / "old" / "hhi_captioner.json").write_text(json.dumps(meta))
    again = load_captioner(tmp_path / "old")
    assert again.targets == "hhikit"
    px = preprocess([image(COLOURS[0], 1)], 32)
    ids = torch.tensor([[0, 1, 2]])
    with torch.no_grad():
        torch.testing.assert_close(again.module(px, ids), m.module(px, ids))
