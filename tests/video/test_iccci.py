"""Inference with a trained ICCCI run: `hhi video SCENE --weights RUN/last.pt`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from hhikit.cli import main
from hhikit.errors import ConfigError
from hhikit.types import Clip, Shot
from hhikit.video.iccci import ICCCIRun, _clip_frames
from hhikit.video.iccci_model import ICCCI_LABELS, ICCCIConfig, MultimodalLSTM


@pytest.mark.slow
def test_hhi_video_with_the_run_labels_the_shared_scenes(iccci_run, scenes, capsys):
    paths = [str(p) for p in scenes]
    capsys.readouterr()
    assert main(["video", *paths, "--weights", str(iccci_run / "last.pt"), "--json", "--no-visual"]) == 0
    recs = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert len(recs) == len(paths) >= 2
    run = ICCCIRun(iccci_run / "last.pt")
    for r in recs:
        assert r["error"] is None and r["labeller"] == "iccci"
        scene = r["scene_labels"]
        assert list(scene) == list(ICCCI_LABELS) and all(0.0 < v < 1.0 for v in scene.values())
        assert r["scene_predicted"] == [k for k, v in scene.items() if v > 0.6]
        for c in r["clips"]:  # every clip carries the scene probability of every label, best first
            assert {lab["label"]: lab["score"] for lab in c["labels"]} == pytest.approx(
                scene, abs=1e-4
            )  # records keep 4 decimals
            assert [lab["score"] for lab in c["labels"]] == sorted((lab["score"] for lab in c["labels"]), reverse=True)
        assert r["iccci_features"]["visual"] == "paper ViViT, weights random, torch.manual_seed(42) (as the paper)"
        assert r["transcript"]  # the scenes have speech: BERT read the Whisper lines of each clip
    # the run rebuilt the extractors it was trained with (folders, the ViViT seed and size)
    assert run.extractors.card() == torch.load(iccci_run / "last.pt", weights_only=True)["features"]
    assert recs[0]["scene_labels"] != recs[1]["scene_labels"]
    # scene-level evaluation straight from the records (id = the video's stem), as scikit-learn
    from pathlib import Path

    from sklearn.metrics import f1_score, precision_score, recall_score

    tmp = iccci_run / "eval"
    tmp.mkdir(exist_ok=True)
    (tmp / "pred.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    gold = {Path(p).stem: ["talks to", "watches"] if i % 2 else ["talks to", "asks"] for i, p in enumerate(paths)}
    (tmp / "truth.jsonl").write_text("".join(json.dumps({"id": k, "labels": v}) + "\n" for k, v in gold.items()))
    (tmp / "classes.txt").write_text("\n".join(ICCCI_LABELS) + "\n")
    t = float(np.median([v for r in recs for v in r["scene_labels"].values()]))  # cuts inside the scores
    capsys.readouterr()
    assert main(["eval", "multilabel", "--truth", str(tmp / "truth.jsonl"), "--predictions", str(tmp / "pred.jsonl"),
                 "--classes", str(tmp / "classes.txt"), "--threshold", str(t), "--json"]) == 0  # fmt: skip
    rep = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    summary = rep.get("summary", rep)
    y = np.array([[lab in gold[Path(p).stem] for lab in ICCCI_LABELS] for p in paths], int)
    yp = np.array([[r["scene_labels"][lab] >= t for lab in ICCCI_LABELS] for r in recs], int)
    for avg in ("macro", "micro"):
        for k, fn in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
            assert abs(summary[avg][k] - fn(y, yp, average=avg, zero_division=0)) < 1e-9, (avg, k)


def test_frames_of_each_clip_in_one_pass(tmp_path):
    from hhikit.video.synth import write_video
    from hhikit.video.vivit import sample_indices

    frames = [np.full((32, 48, 3), 12 * i, np.uint8) for i in range(20)]
    path = write_video(tmp_path / "v.mp4", frames, fps=10)
    shots = [Shot(0.0, 0.8, 0, 8), Shot(0.8, 1.4, 8, 14), Shot(1.4, 2.0, 14, 20)]
    clips = [Clip([0, 1], 0.0, 1.4), Clip([1, 2], 0.8, 2.0)]

    class Vis:
        num_frames = 4

        def prepare(self, rgb):
            return round(float(rgb[..., 0].mean()) / 12)  # the frame's index back

    got = _clip_frames(str(path), clips, shots, Vis())
    assert got[0] == sample_indices(14, 4).tolist()  # frames 0..13 -> [0, 4, 8, 13]
    assert got[1] == (8 + sample_indices(12, 4)).tolist()


def test_a_bare_authors_state_dict_loads_as_it_is(tmp_path):
    torch.manual_seed(1)
    authors = MultimodalLSTM(ICCCIConfig(hidden_dim=8, visual_dim=6, text_dim=5, audio_dim=4))
    torch.save(authors.state_dict(), tmp_path / "best_model.pth")  # what their notebook saves
    with pytest.raises(ConfigError, match="needs the BERT and AST folders"):
        ICCCIRun(tmp_path / "best_model.pth")
    run = ICCCIRun(tmp_path / "best_model.pth", bert="b", ast="a")
    for (k, a), (_, b) in zip(authors.state_dict().items(), run.model.state_dict().items(), strict=True):
        assert torch.equal(a, b), k
    x = [np.random.default_rng(0).normal(size=(1, 3, d)).astype(np.float32) for d in (6, 5, 4)]
    with torch.no_grad():
        ref = torch.sigmoid(authors.eval()(*map(torch.from_numpy, x))).numpy()
    assert np.allclose(run.predict(*x), ref, atol=1e-6)
    sd = authors.state_dict()
    sd["fusion_fc1.0.weight_renamed"] = sd.pop("fusion_fc1.0.weight")
    torch.save(sd, tmp_path / "other.pth")
    with pytest.raises(ConfigError, match="does not fit the ICCCI model"):
        ICCCIRun(tmp_path / "other.pth", bert="b", ast="a")


def test_a_moved_extractor_folder_is_a_one_line_error(iccci_run, tmp_path, capsys):
    capsys.readouterr()
    rc = main(["video", str(tmp_path / "any.mp4"), "--weights", str(iccci_run / "last.pt"), "--bert-dir", str(tmp_path),
               "--no-asr", "--no-visual"])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2 and "no BERT model here" in err and len(err.strip().splitlines()) == 1
