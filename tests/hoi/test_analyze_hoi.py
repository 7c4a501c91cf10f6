"""`hhi analyze` lists and draws HOI triplets of the packaged model on real photos."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hhikit.cli import main
from tests.conftest import shared_path

pytest.importorskip("torch")


def test_analyze_ski_and_sports_ball_photos(tmp_path: Path, capsys) -> None:
    from hhikit.hoi.models import get_hoi_model

    try:
        get_hoi_model()
    except Exception as exc:  # the packaged weights are part of the package; say so if absent
        pytest.fail(f"packaged HOI model unavailable: {exc}")
    ski = shared_path("examples", "ski.jpg")
    ball = shared_path("examples", "teaser_3.jpg")  # a sports ball (and a frisbee) in play
    rows = tmp_path / "hoi.jsonl"
    code = main(["analyze", str(ski), str(ball), "--describer", "none", "--out", str(tmp_path), "--hoi-out", str(rows)])
    assert code == 0
    out = capsys.readouterr().out
    for stem, obj in (("ski", "skis"), ("teaser_3", "sports ball")):
        rec = json.loads((tmp_path / f"{stem}.json").read_text())
        hois = rec["hois"]
        assert hois and {h["object_name"] for h in hois} >= {obj}
        h = next(h for h in hois if h["object_name"] == obj)
        assert set(h) == {"person", "object", "hoi", "label", "verb", "object_name", "score", "interactiveness",
                          "suppressed", "cues"}  # fmt: skip
        assert rec["objects"][h["object"]]["label"] == obj and any(p["id"] == h["person"] for p in rec["people"])
        assert len(h["cues"]) == 4 and h["cues"][0].startswith("P(")
    assert out.count("  hoi: person #") >= 2 and "skis" in out and "sports ball" in out
    # the drawing: the PNG differs from the same record drawn without its HOI triplets
    from hhikit.io.draw import annotate
    from hhikit.io.images import read_image
    from hhikit.types import ImageResult

    rec = ImageResult.from_dict(json.loads((tmp_path / "ski.json").read_text()))
    img = read_image(ski)
    with_hoi = annotate(img, rec)
    rec.hois = []
    assert np.abs(with_hoi.astype(int) - annotate(img, rec).astype(int)).sum() > 0
    lines = [json.loads(x) for x in rows.read_text().splitlines()]
    assert lines and set(lines[0]) == {"image", "box_h", "box_o", "hoi", "score"}
    assert {r["image"] for r in lines} <= {"ski.jpg", "teaser_3.jpg"}
