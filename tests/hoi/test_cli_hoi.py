"""`hhi train hoi-spatial`, `hhi hoi predict --gt-boxes` and `hhi eval hoi` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hhikit.cli import main

pytest.importorskip("torch")


def _lines(p: Path) -> list[dict]:
    return [json.loads(x) for x in p.read_text().splitlines() if x.strip()]


def test_hicodet_path_trains_predicts_and_evaluates(hicodet_files, tmp_path: Path, capsys) -> None:
    train, test = hicodet_files
    w = tmp_path / "hico.pt"
    assert main(["train", "hoi-spatial", "--hicodet", str(train), "--out", str(w), "--epochs", "2",
                 "--width", "16"]) == 0  # fmt: skip
    rep = json.loads(capsys.readouterr().out)
    assert rep["data"] == "HICO-DET" and rep["selected_epoch"] in (1, 2) and len(rep["history"]) == 2
    out = tmp_path / "p.jsonl"
    assert main(["hoi", "predict", "--hicodet", str(test), "--gt-boxes", "--weights", str(w), "--out", str(out)]) == 0
    rows = _lines(out)
    # 8 images x (1 human x 3 objects) x 600 classes
    assert len(rows) == 8 * 3 * 600 and len({r["hoi"] for r in rows}) == 600
    # NIS never touches a no_interaction class: the far cup keeps a no_interaction score
    from hhikit.hoi.data import load_hicodet_hoi_pairs

    classes = load_hicodet_hoi_pairs(test).classes
    none_cup = classes.index("no_interaction cup")
    assert all(r["score"] > 0 for r in rows if r["hoi"] == none_cup)
    assert set(rows[0]) == {"image", "box_h", "box_o", "hoi", "score"}
    assert main(["eval", "hoi", "--hicodet", str(test), "--predictions", str(out), "--json"]) == 0
    assert "full" in capsys.readouterr().out.lower()


def test_training_refuses_the_test_split(hicodet_files, capsys) -> None:
    _, test = hicodet_files
    assert main(["train", "hoi-spatial", "--hicodet", str(test), "--out", "/tmp/never.pt"]) == 1
    assert "test split" in capsys.readouterr().err


def test_training_refuses_zero_epochs(hicodet_files, tmp_path: Path, capsys) -> None:
    train, _ = hicodet_files
    out = tmp_path / "m.pt"
    assert main(["train", "hoi-spatial", "--hicodet", str(train), "--epochs", "0", "--out", str(out)]) == 2
    assert "at least 1" in capsys.readouterr().err and not out.exists()  # no untrained file written


def test_vcoco_prior_rows_one_per_pair_and_class(tmp_path: Path, capsys) -> None:
    from tests.conftest import shared_path

    val = shared_path("vcoco", "instances_vcoco_val.json")
    train = shared_path("vcoco", "instances_vcoco_train.json")
    small = tmp_path / "instances_vcoco_small.json"
    d = json.loads(val.read_text())
    d["annotations"] = d["annotations"][:40]
    small.write_text(json.dumps(d))
    out = tmp_path / "prior.jsonl"
    assert main(["hoi", "predict", "--vcoco", str(small), "--gt-boxes", "--model", "prior", "--prior-from",
                 str(train), "--out", str(out)]) == 0  # fmt: skip
    n_pairs = sum(
        1
        for a in d["annotations"]
        for h in {tuple(h) for h in a["boxes_h"]}
        for o in {tuple(o) for o in a["boxes_o"]}
        if h != o
    )  # every human box with every other annotated box, identical boxes merged
    rows = _lines(out)
    assert len(rows) == n_pairs * 24
    kick = d["classes"].index("kick obj")
    ball_rows = [r for r in rows if r["hoi"] == kick and r["score"] > 0]
    assert ball_rows  # kick is scored only where the object is a sports ball
    assert main(["eval", "hoi", "--vcoco", str(small), "--predictions", str(out), "--json"]) == 0


def test_bad_inputs_are_one_line_errors(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "instances_vcoco_train.json"
    assert main(["hoi", "predict", "--vcoco", str(missing), "--gt-boxes", "--out", str(tmp_path / "p.jsonl")]) == 1
    err = capsys.readouterr().err
    assert str(missing) in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["train", "hoi", "--vcoco", str(missing), "--images", str(tmp_path / "nope"), "--out",
                 str(tmp_path / "t.pt")]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "nope" in err and "not a folder" in err


def test_packaged_model_beats_the_prior_on_vcoco_test_images(tmp_path: Path, capsys) -> None:
    """A regression check of the shipped weights on real data: the first 300 test images."""
    from tests.conftest import shared_path

    test = shared_path("vcoco", "instances_vcoco_test.json")
    train = shared_path("vcoco", "instances_vcoco_train.json")
    d = json.loads(test.read_text())
    d["annotations"] = d["annotations"][:300]
    small = tmp_path / "instances_vcoco_head.json"
    small.write_text(json.dumps(d))
    aps = {}
    for name, extra in (("model", []), ("prior", ["--model", "prior", "--prior-from", str(train)])):
        out = tmp_path / f"{name}.jsonl"
        assert main(["hoi", "predict", "--vcoco", str(small), "--gt-boxes", "--out", str(out), *extra]) == 0
        capsys.readouterr()
        assert main(["eval", "hoi", "--vcoco", str(small), "--predictions", str(out), "--json"]) == 0
        aps[name] = json.loads(capsys.readouterr().out)["scenario1"]
    assert aps["model"] > aps["prior"] + 0.1, aps
