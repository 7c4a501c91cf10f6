"""`hhi batch` takes the image pipeline's options (the same as `hhi analyze`), they reach
the worker processes and change the records, and the results file records them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hhikit.batch.output import config_path
from hhikit.cli import main
from tests.batch.batch_corpus import PLUGIN, ROOT
from tests.conftest import shared_path

# Waldo and Wenda images where the HOG detector finds two or three people, and every pair
# scores below 0.9 interactiveness with the default (geometry) model.
IMAGES = ("014744.jpg", "022776.jpg", "035853.jpg", "073043.jpg")
HOG = ["--plugin", PLUGIN, "--detector", "hog"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    src = shared_path("waldo_and_wenda", "images")
    d = tmp_path / "in"
    d.mkdir()
    for name in IMAGES:
        (d / name).symlink_to(src / name)
    return d


def _batch(folder: Path, out: Path, *options: str) -> int:
    return main(["batch", str(folder), "--out", str(out), "--workers", "2", "--no-progress", *HOG, *options])


def _records(out: Path) -> dict[str, dict]:
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    return {Path(r["path"]).name: r for r in recs}


def test_options_reach_two_worker_processes_and_change_the_records(folder: Path, tmp_path: Path, capsys) -> None:
    default_out, tuned_out = tmp_path / "default.jsonl", tmp_path / "tuned.jsonl"
    assert _batch(folder, default_out) == 0
    weights = ROOT / "hhikit" / "models" / "weights" / "interactiveness_geometry.npz"  # the packaged default's
    assert _batch(folder, tuned_out, "--describer", "none", "--nis-threshold", "0.9",
                  "--interactiveness", "geometry", "--interactiveness-weights", str(weights)) == 0  # fmt: skip
    default, tuned = _records(default_out), _records(tuned_out)
    assert sorted(default) == sorted(tuned) == sorted(IMAGES)

    # default options: some pair interacts and the default describer says how
    assert all(r["error"] is None and r["interactions"] for r in default.values())
    assert any(not p["suppressed"] and p["interactions"] for r in default.values() for p in r["pairs"])
    # --nis-threshold 0.9: every pair suppressed; --describer none: no interactions at all
    pairs = [p for r in tuned.values() for p in r["pairs"]]
    assert len(pairs) >= len(IMAGES)
    assert all(p["suppressed"] and p["interactions"] == [] for p in pairs)
    assert all(
        r["error"] is None and r["interactions"] == [] and "describe" not in r["timings"] for r in tuned.values()
    )
    # same people and interactiveness (same weights, loaded from the file given): only the
    # options asked for changed
    for name in IMAGES:
        assert [p["interactiveness"] for p in tuned[name]["pairs"]] == [
            p["interactiveness"] for p in default[name]["pairs"]
        ]

    recorded = json.loads(config_path(tuned_out).read_text())
    assert recorded["pipeline"]["describer"] == "none" and recorded["pipeline"]["nis_threshold"] == 0.9
    assert recorded["pipeline"]["detector"] == "hog" and recorded["plugins"] == [PLUGIN]
    assert recorded["pipeline"]["interactiveness_options"] == {"weights": str(weights)}
    assert json.loads(config_path(default_out).read_text())["pipeline"]["describer"] == "default"


def test_resume_with_other_options_is_refused_and_with_the_same_ones_skips(
    folder: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "r.jsonl"
    assert _batch(folder, out, "--nis-threshold", "0.9") == 0
    before = out.read_bytes()
    capsys.readouterr()

    assert _batch(folder, out, "--nis-threshold", "0.5") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nis_threshold: 0.9 -> 0.5" in err and "4 records" in err
    assert out.read_bytes() == before  # nothing processed, nothing written

    assert main(["batch", str(folder), "--out", str(out), "--workers", "1", "--no-progress", "--summary-json",
                 *HOG, "--nis-threshold", "0.9"]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["skipped"], summary["done"]) == (len(IMAGES), 0)
    assert summary["config"] == str(config_path(out))

    config_path(out).unlink()  # the way to mix options in one file on purpose: the rerun adopts it
    assert _batch(folder, out, "--nis-threshold", "0.5") == 0
    assert json.loads(config_path(out).read_text())["pipeline"]["nis_threshold"] == 0.5


def test_a_describer_that_cannot_load_stops_the_run_with_one_line(folder: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "r.jsonl"
    assert _batch(folder, out, "--describer", f"encdec:{tmp_path / 'no-model'}") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no-model" in err and "Traceback" not in err
    assert out.read_bytes() == b""  # no input recorded as failed: a fixed rerun does them all
