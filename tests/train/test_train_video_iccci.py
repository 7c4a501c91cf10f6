"""``hhi train video --model iccci`` on data in the paper's layout with tiny random models."""

from __future__ import annotations

import json
import shutil

import numpy as np
import torch

from hhikit.cli import main
from tests.video.conftest import iccci_args


def test_trains_lowers_the_loss_and_saves_the_authors_state_dict(iccci_run, iccci_data):
    from hhikit.video.iccci_model import ICCCIConfig, MultimodalLSTM

    ck = torch.load(iccci_run / "last.pt", map_location="cpu", weights_only=True)
    assert ck["format"] == "hhikit-video-iccci/1" and ck["epoch"] == 4
    loss = ck["history"]["loss"]
    assert len(loss) == 4 and loss[-1] < loss[0]
    ref = MultimodalLSTM(ICCCIConfig(hidden_dim=16, visual_dim=16, text_dim=32, audio_dim=24)).state_dict()
    assert {k: tuple(v.shape) for k, v in ck["model"].items()} == {k: tuple(v.shape) for k, v in ref.items()}
    # 10 training scenes -> int(0.78 * 10) = 7 train, 3 validation; pos_weight from the 20 label rows
    assert len(ck["split"]["train"]) == 7 and len(ck["split"]["val"]) == 3
    assert ck["max_len"] == 2 and len(ck["pos_weight"]) == 7
    assert ck["features"]["visual"]["config"]["seed"] == 42
    card = json.loads((iccci_run / "card.json").read_text())
    assert card["model"] == "iccci" and card["test"]["scenes"] == 3
    assert len(list((iccci_run / "features").glob("*.npz"))) == 19 + 6


def test_test_scene_predictions_evaluate_as_scikit_learn(iccci_run, capsys):
    from sklearn.metrics import f1_score, precision_score, recall_score

    pred = [json.loads(x) for x in (iccci_run / "test_predictions.jsonl").read_text().splitlines()]
    truth = [json.loads(x) for x in (iccci_run / "test_truth.jsonl").read_text().splitlines()]
    assert sorted(p["id"] for p in pred) == ["Film0-0", "Film1-1", "Film2-2"]
    assert [t["id"] for t in truth] == [p["id"] for p in pred]
    classes = list(pred[0]["scores"])
    y = np.array([[c in t["labels"] for c in classes] for t in truth], int)
    assert y[[t["id"] for t in truth].index("Film0-0")].tolist() == [
        0,
        1,
        1,
        0,
        0,
        0,
        0,
    ]  # Film0-0: clips labelled gives to, talks to -> OR
    s = np.array([[p["scores"][c] for c in classes] for p in pred])
    # spread the scores so the threshold cuts inside them, then compare with scikit-learn
    s = (s - s.min()) / max(np.ptp(s), 1e-9)
    (iccci_run / "spread.jsonl").write_text("".join(json.dumps({"id": p["id"], "scores": dict(zip(classes, r, strict=True))})
                                              + "\n" for p, r in zip(pred, s.tolist(), strict=True)))  # fmt: skip
    capsys.readouterr()
    rc = main(["eval", "multilabel", "--truth", str(iccci_run / "test_truth.jsonl"), "--predictions", str(iccci_run / "spread.jsonl"),
               "--threshold", "0.6", "--json"])  # fmt: skip
    assert rc == 0
    rep = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    summary = rep.get("summary", rep)
    yp = (s >= 0.6).astype(int)
    cols = [classes.index(c) for c in sorted(classes)]  # the report orders classes by name
    for avg in ("macro", "micro"):
        want = {"precision": precision_score(y[:, cols], yp[:, cols], average=avg, zero_division=0),
                "recall": recall_score(y[:, cols], yp[:, cols], average=avg, zero_division=0),
                "f1": f1_score(y[:, cols], yp[:, cols], average=avg, zero_division=0)}  # fmt: skip
        for k, v in want.items():
            assert abs(summary[avg][k] - v) < 1e-9, (avg, k)


def test_resumes_and_a_second_run_reuses_the_cached_features(
    iccci_run, iccci_data, tiny_hf, tmp_path, monkeypatch, capsys
):
    from hhikit.video.features import ICCCIExtractors

    run = tmp_path / "resumed"
    shutil.copytree(iccci_run, run)  # the shared run stays as it is
    first = torch.load(run / "last.pt", map_location="cpu", weights_only=True)["history"]["loss"]

    calls = []
    monkeypatch.setattr(ICCCIExtractors, "encode", lambda self, clip: calls.append(clip))
    capsys.readouterr()
    assert main(iccci_args(iccci_data, tiny_hf, run, 6)) == 0
    assert "resumed from" in capsys.readouterr().out
    ck = torch.load(run / "last.pt", map_location="cpu", weights_only=True)
    assert ck["epoch"] == 6 and ck["history"]["loss"][:4] == first
    # a new run elsewhere, reading the first run's feature cache: nothing is recomputed
    new = tmp_path / "run2"
    assert main(iccci_args(iccci_data, tiny_hf, new, 1, "--feature-cache", str(run / "features"))) == 0
    assert (new / "last.pt").is_file()
    assert calls == []  # every clip (train and test) came from the cache


def test_bad_inputs_are_one_line_errors(tmp_path, tiny_hf, capsys):
    assert main(["train", "video", "--model", "iccci", "--iccci-data", str(tmp_path), "--bert", str(tiny_hf["bert"]),
                 "--ast", str(tiny_hf["ast"]), "--out", str(tmp_path / "o")]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "clip_train" in err and len(err.strip().splitlines()) == 1
    assert main(["train", "video", "--model", "iccci", "--iccci-data", str(tmp_path), "--bert", str(tmp_path),
                 "--ast", str(tmp_path), "--out", str(tmp_path / "o")]) == 2  # fmt: skip
    assert "no BERT model here" in capsys.readouterr().err


def test_scene_manifest_with_a_corrupt_clip_trains_on_the_rest(iccci_run, iccci_data, tiny_hf, tmp_path, capsys):
    from hhikit.video.scenes import read_iccci_split

    items = read_iccci_split(iccci_data, "train")[0]
    (tmp_path / "broken-9-9.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video")
    rows = [f"{it.video},{it.scene},{';'.join(it.labels)},{it.subtitle},{it.audio}" for it in items]
    rows.append("broken-9-9.mp4,,asks,,")
    (tmp_path / "scenes.csv").write_text("clip,scene,labels,subtitle,audio\n" + "\n".join(rows) + "\n")
    args = iccci_args(iccci_data, tiny_hf, tmp_path / "run", 1, "--feature-cache", str(iccci_run / "features"))
    i = args.index("--iccci-data")
    args[i : i + 2] = ["--manifest", str(tmp_path / "scenes.csv")]
    capsys.readouterr()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "skipped:" in out and "broken-9-9.mp4" in out
    ck = torch.load(tmp_path / "run" / "last.pt", map_location="cpu", weights_only=True)
    assert len(ck["split"]["train"]) + len(ck["split"]["val"]) == 10  # the broken clip's scene has no clip left


def test_a_pretrained_vivit_folder_for_the_visual_feature(iccci_data, tiny_hf, tmp_path):
    args = iccci_args(iccci_data, tiny_hf, tmp_path / "run", 1, "--vivit", str(tiny_hf["vivit"]))
    assert main(args) == 0
    ck = torch.load(tmp_path / "run" / "last.pt", map_location="cpu", weights_only=True)
    assert ck["features"]["visual"]["kind"] == "vivit-hf"
    assert tuple(ck["model"]["visual_lstm.weight_ih_l0"].shape) == (64, 24)  # 4 x 16 units, the ViViT's 24


def test_options_come_from_the_train_config_and_are_checked(tmp_path, capsys):
    from hhikit.cli import build_parser
    from hhikit.options import from_args
    from hhikit.train.video import ICCCITrainConfig

    cfg = from_args(ICCCITrainConfig, build_parser().parse_args(["train", "video", "--model", "iccci"]))
    assert (cfg.epochs, cfg.batch_size, cfg.hidden_dim, cfg.lr, cfg.weight_decay, cfg.threshold, cfg.train_fraction) == (
        60, 16, 512, 3e-5, 1e-4, 0.6, 0.78)  # fmt: skip
    assert main(["train", "video", "--model", "iccci", "--threshold", "2", "--out", str(tmp_path)]) == 2
    assert "threshold must be a number in [0.0, 1.0]" in capsys.readouterr().err
    assert main(["train", "video", "--out", str(tmp_path)]) == 2  # the hhikit model needs a manifest
    assert "needs --manifest" in capsys.readouterr().err
