"""The example plugin of the README: a new detector is one file and one decorator, loaded
with --plugin in `hhi analyze` and in every batch worker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hhikit.cli import main

PLUGIN = Path(__file__).resolve().parents[1] / "examples" / "plugins" / "largest_people.py"


def test_the_example_plugin_keeps_the_largest_people(example_image, capsys, scratch_registry):
    pytest.importorskip("onnxruntime")
    base = ["analyze", str(example_image), "--describer", "none", "--json", "--plugin", str(PLUGIN)]
    assert main([*base, "--detector", "movenet"]) == 0
    everyone = json.loads(capsys.readouterr().out)["people"]
    assert main([*base, "--detector", "largest", "--detector-option", "keep=1"]) == 0
    kept = json.loads(capsys.readouterr().out)["people"]
    area = [(p["box"][2] - p["box"][0]) * (p["box"][3] - p["box"][1]) for p in everyone]
    assert len(everyone) >= 2 and len(kept) == 1
    assert kept[0]["box"] == everyone[area.index(max(area))]["box"]
    assert main([*base, "--detector", "largest", "--detector-option", "colour=red"]) == 2
    assert "accepted: keep, inner" in capsys.readouterr().err


@pytest.mark.slow
def test_the_example_plugin_runs_in_a_batch_worker(example_image, tmp_path, monkeypatch, capsys):
    pytest.importorskip("onnxruntime")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / example_image.name).symlink_to(example_image)
    monkeypatch.chdir(tmp_path)  # a relative plugin path still reaches the workers
    rel = Path("../" * len(tmp_path.parts)).joinpath(*PLUGIN.parts[1:])
    out = tmp_path / "r.jsonl"
    argv = ["batch", str(folder), "--out", str(out), "--workers", "1", "--plugin", str(rel), "--detector", "largest",
            "--detector-option", "keep=1", "--describer", "none", "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    assert len(json.loads(out.read_text().splitlines()[0])["people"]) == 1
