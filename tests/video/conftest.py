"""Fixtures of the video tests: one pipeline (models load once) and generated files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_path


@pytest.fixture(scope="session")
def video_pipeline():
    from hhikit.video.pipeline import VideoPipeline

    return VideoPipeline()


@pytest.fixture(scope="session")
def scenes() -> list[Path]:
    return sorted(shared_path("videos", "scenes").glob("*.webm"))


@pytest.fixture(scope="session")
def multiperson() -> list[Path]:
    return sorted(shared_path("videos", "multiperson").glob("*.mp4"))


def tone(seconds: float, freq: float = 200.0, amp: float = 0.1, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def colour_frames(n: int, size=(160, 96), seed: int = 0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, 3)
    for i in range(n):
        img = np.zeros((size[1], size[0], 3), np.uint8)
        img[:] = base
        x = (i * 3) % (size[0] - 20)
        img[30:60, x : x + 20] = 255 - base
        yield img


# ---------------------------------------------------------------- ICCCI: tiny models and data in the paper's layout

TINY_VIVIT = {"image_size": 32, "dim": 16, "depth": 1, "heads": 2, "dim_head": 8, "mlp_dim": 20}
WORDS = ["hello", "there", "give", "me", "that", "walk", "with", "you", "why", "stop", "it", "look", "at", "this"]


def write_mp3(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    import av

    with av.open(str(path), "w") as out:
        st = out.add_stream("libmp3lame", rate=rate, layout="mono")
        fr = av.AudioFrame.from_ndarray(samples.astype(np.float32).reshape(1, -1), format="flt", layout="mono")
        fr.sample_rate, fr.pts = rate, 0
        for pkt in st.encode(fr):
            out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)
    return path


def write_srt(path: Path, lines: list[str]) -> Path:
    blocks = [f"{i}\n00:00:0{i - 1},000 --> 00:00:0{i},000\n{t}\n" for i, t in enumerate(lines, 1)]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_hf(tmp_path_factory) -> dict[str, Path]:
    """Tiny random BERT (with a WordPiece vocab), AST (+ its feature extractor) and ViViT
    folders written with ``save_pretrained``: the layout of the real models."""
    import torch
    from transformers import (
        ASTConfig,
        ASTFeatureExtractor,
        ASTForAudioClassification,
        BertConfig,
        BertModel,
        BertTokenizerFast,
        VivitConfig,
        VivitModel,
    )

    root = tmp_path_factory.mktemp("hf")
    torch.manual_seed(0)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *".,!?-", *WORDS, "##s", "##ing"]
    (root / "bert").mkdir()
    (root / "bert" / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(root / "bert" / "vocab.txt"), do_lower_case=True).save_pretrained(root / "bert")
    BertModel(BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=40)).save_pretrained(root / "bert")  # fmt: skip
    cfg = ASTConfig(hidden_size=24, num_hidden_layers=1, num_attention_heads=2, intermediate_size=30, max_length=128,
                    num_mel_bins=32, num_labels=5)  # fmt: skip
    ASTForAudioClassification(cfg).save_pretrained(root / "ast")
    ASTFeatureExtractor(num_mel_bins=32, max_length=128).save_pretrained(root / "ast")
    VivitModel(VivitConfig(image_size=32, num_frames=4, tubelet_size=[2, 16, 16], hidden_size=24, num_hidden_layers=1,
                           num_attention_heads=2, intermediate_size=30), add_pooling_layer=False).save_pretrained(root / "vivit")  # fmt: skip
    return {"bert": root / "bert", "ast": root / "ast", "vivit": root / "vivit"}


def _clip(root: Path, split: str, rel: str, name: str, k: int, label: str, with_srt: bool = True) -> None:
    from hhikit.video.synth import write_video

    for sub in ("clip", "dialogue", "audio"):
        (root / f"{sub}_{split}" / rel).mkdir(parents=True, exist_ok=True)
    write_video(root / f"clip_{split}" / rel / f"{name}.mp4", colour_frames(10 + k % 5, size=(48, 32), seed=k), fps=10)
    rng = np.random.default_rng(k)
    if with_srt:
        write_srt(root / f"dialogue_{split}" / rel / f"{name}.srt",
                  [" ".join(rng.choice(WORDS, 4)) + "!", "<i>(sighs)</i> [music] " + label.split()[0]])  # fmt: skip
    write_mp3(root / f"audio_{split}" / rel / f"{name}.mp3", tone(1.0, 150 + 40 * k, 0.2))


@pytest.fixture(scope="session")
def iccci_data(tmp_path_factory) -> Path:
    """The paper's layout: 10 training scenes and 3 test scenes of 2 clips each (one
    training clip lacks its subtitle and must be left out)."""
    from hhikit.video.iccci_model import ICCCI_LABELS

    root = tmp_path_factory.mktemp("iccci")
    rows: dict[str, list[str]] = {"train": [], "test": []}
    k = 0
    for split, n in (("train", 10), ("test", 3)):
        for s in range(n):
            for c in (1, 2):
                name, lab = f"Film{s % 3}-{s}-{c}", ICCCI_LABELS[(s + c) % 7]
                _clip(root, split, f"main{s % 2}/sub{s % 3}", name, k, lab, with_srt=(split, s, c) != ("train", 9, 2))
                rows[split].append(f"{name},{lab}")
                k += 1
        (root / f"{split}_labels" / "main0").mkdir(parents=True)
        (root / f"{split}_labels" / "main0" / "labels.csv").write_text(
            "Clip,Interaction\n" + "\n".join(rows[split]) + "\n"
        )
    return root


def iccci_args(data, hf, out, epochs, *extra) -> list[str]:
    """``hhi train video --model iccci`` arguments with the tiny models (the paper's ViViT at a tiny size)."""
    opts = [f"--vivit-option={k}={v}" for k, v in TINY_VIVIT.items()]
    return ["train", "video", "--model", "iccci", "--iccci-data", str(data), "--bert", str(hf["bert"]), "--ast",
            str(hf["ast"]), "--vivit-frames", "4", *opts, "--out", str(out), "--epochs", str(epochs), "--lr", "1e-3",
            "--hidden", "16", *extra]  # fmt: skip


@pytest.fixture(scope="session")
def iccci_run(iccci_data, tiny_hf, tmp_path_factory) -> Path:
    """A run of ``hhi train video --model iccci`` (4 epochs) on the synthetic data set."""
    out = tmp_path_factory.mktemp("run")
    from hhikit.cli import main

    assert main(iccci_args(iccci_data, tiny_hf, out, 4)) == 0
    return out
