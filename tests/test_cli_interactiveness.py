from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from hhikit.cli import main
from tests.conftest import ROOT, shared_path


def test_eval_interactiveness_cli(tmp_path: Path, capsys) -> None:
    per = tmp_path / "p.jsonl"
    rc = main(["eval", "interactiveness", "--hicodet", str(shared_path("hicodet", "instances_test2015.json")),
               "--per-item", str(per), "--json", "--bootstrap", "50"])  # fmt: skip
    assert rc == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["hicodet_person_pairs"]["pairs"] == 516
    b = rep["hicodet_person_pairs"]["bootstrap"]["step"]
    assert b["resamples"] == 50 and b["unit"] == "image" and b["best_heuristic"] == "iou"
    assert len(per.read_text().splitlines()) == 516


def test_eval_needs_a_file_and_reports_bad_ones(tmp_path: Path, capsys) -> None:
    assert main(["eval", "interactiveness"]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert main(["eval", "interactiveness", "--vcoco", str(bad)]) == 1
    assert "bad.json" in capsys.readouterr().err


def _tiny_vcoco(path: Path, seed: int) -> Path:
    """Synthetic V-COCO layout: two people per image, each holding their own cup."""
    rng = np.random.default_rng(seed)
    anns = []
    for i in range(30):
        x, gap = rng.uniform(0, 50), rng.uniform(60, 300)
        hs = [[x, 0, x + 50, 150], [x + gap, 0, x + gap + 50, 150]]
        cups = [[x + 40, 60, x + 60, 80], [x + gap + 40, 60, x + gap + 60, 80]]
        anns.append({"file_name": f"{i}.jpg", "boxes_h": hs, "boxes_o": cups, "actions": [0, 0], "objects": [2, 2]})
    path.write_text(json.dumps({"objects": ["background", "person", "cup"], "annotations": anns}))
    return path


def test_train_interactiveness_cli(tmp_path: Path) -> None:
    a, b = _tiny_vcoco(tmp_path / "a.json", 0), _tiny_vcoco(tmp_path / "b.json", 1)
    out = tmp_path / "w.npz"
    proc = subprocess.run(
        [sys.executable, "-m", "hhikit", "train", "interactiveness", "--vcoco", str(a), str(b), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    assert rep["out"] == str(out) and out.is_file()
    assert rep["nis_threshold"] > 0


def test_train_interactiveness_cli_with_hicodet_training_file(tmp_path: Path, capsys) -> None:
    from tests.train.test_train_interactiveness import _tiny_hicodet

    h = _tiny_hicodet(tmp_path / "instances_train2015.json", 0)
    out = tmp_path / "w.npz"
    argv = ["train", "interactiveness", "--hicodet", str(h), "--hicodet-objects", "person", "--out", str(out)]
    assert main(argv) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["train_pairs"] == 400 and rep["prior_selected_on"] == "held-out human-human pairs" and out.is_file()
    test_split = _tiny_hicodet(tmp_path / "instances_test2015.json", 0, n_images=10)
    assert (
        main(["train", "interactiveness", "--hicodet", str(test_split), "--out", str(out)]) == 2
    )  # a configuration error (exit-code table)
    assert "test split" in capsys.readouterr().err
    assert main(["train", "interactiveness"]) == 2
