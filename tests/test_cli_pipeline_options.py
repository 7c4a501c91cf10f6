"""The image pipeline's options are defined once and mean the same in `hhi analyze` and
`hhi batch`; bad values fail with one clear line before any work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hhikit.cli import _pipeline_config, build_parser, main
from hhikit.pipeline import PipelineConfig
from tests.conftest import shared_path

PLUGIN = "hhikit.perception.hog_backend"
HOG = ["--plugin", PLUGIN, "--detector", "hog"]


def test_analyze_and_batch_turn_the_same_options_into_the_same_config(tmp_path: Path) -> None:
    weights = tmp_path / "w.npz"
    options = ["--detector", "hog", "--detector-option", "min_side=400", "--describer", "default", "--ocr",
               "--interactiveness", "tin", "--interactiveness-weights", str(weights), "--nis-threshold", "0.3"]  # fmt: skip
    parser = build_parser()
    analyze = parser.parse_args(["analyze", "x.jpg", *options])
    batch = parser.parse_args(["batch", "folder", "--out", "r.jsonl", *options])
    expected = PipelineConfig(
        detector="hog",
        detector_options={"min_side": 400},
        describer="default",
        describer_options={"ocr": True},
        interactiveness="tin",
        interactiveness_options={"weights": weights},
        nis_threshold=0.3,
    )
    assert _pipeline_config(analyze) == _pipeline_config(batch) == expected
    # the defaults agree too, and are PipelineConfig's own
    assert _pipeline_config(parser.parse_args(["analyze", "x.jpg"])) == PipelineConfig()
    assert _pipeline_config(parser.parse_args(["batch", "f", "--out", "r.jsonl"])) == PipelineConfig()
    # --ocr is a cue of the default describer only (as analyze always did)
    other = parser.parse_args(["batch", "f", "--out", "r", "--describer", "none", "--ocr"])
    assert _pipeline_config(other).describer_options == {}


BAD = [
    (["--describer", "nope"], "unknown describer 'nope'"),
    (["--interactiveness", "nope"], "unknown interactiveness model 'nope'"),
    (
        ["--interactiveness-weights", "/no/such/weights.npz"],
        "/no/such/weights.npz: interactiveness weights file not found",
    ),
    (["--nis-threshold", "1.5"], "NIS threshold must be a number in [0, 1], got 1.5"),
    (["--nis-threshold", "-0.1"], "NIS threshold must be a number in [0, 1]"),
    (["--nis-threshold", "nan"], "NIS threshold must be a number in [0, 1]"),
    (["--detector-option", "novalue"], "--detector-option: expected KEY=VALUE"),
    (["--detector", "nope"], "unknown detector 'nope'"),
    (["--plugin", "no.such.module"], "plugin 'no.such.module' cannot be imported"),
]


@pytest.mark.parametrize("command", ["analyze", "batch"])
@pytest.mark.parametrize(("options", "message"), BAD, ids=[" ".join(o) for o, _ in BAD])
def test_bad_option_values_fail_with_one_line_before_any_work(
    command: str, options: list[str], message: str, tmp_path: Path, example_image: Path, capsys
) -> None:
    out = tmp_path / "r.jsonl"
    if command == "analyze":
        argv = ["analyze", str(example_image), "--json", *options]
    else:
        argv = ["batch", str(example_image.parent), "--out", str(out), "--workers", "2", "--no-progress", *options]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("hhi: ") and len(captured.err.strip().splitlines()) == 1
    assert message in captured.err and "Traceback" not in captured.err
    assert captured.out == ""  # no record printed
    assert not out.exists()  # batch: checked before the results file is even created


def _analyze_json(capsys, image: Path, *options: str) -> dict:
    assert main(["analyze", str(image), "--json", *HOG, *options]) == 0
    return json.loads(capsys.readouterr().out)


def test_analyze_applies_the_options_to_a_real_image(capsys) -> None:
    image = shared_path("waldo_and_wenda", "images", "014744.jpg")  # two people, one pair at ~0.69
    default = _analyze_json(capsys, image)
    assert len(default["pairs"]) == 1 and not default["pairs"][0]["suppressed"]
    assert default["pairs"][0]["interactions"] and default["interactions"]
    tuned = _analyze_json(capsys, image, "--describer", "none", "--nis-threshold", "0.9")
    assert tuned["pairs"][0]["suppressed"] and tuned["pairs"][0]["interactions"] == []
    assert tuned["interactions"] == [] and "describe" not in tuned["timings"]
    assert tuned["pairs"][0]["interactiveness"] == default["pairs"][0]["interactiveness"]
