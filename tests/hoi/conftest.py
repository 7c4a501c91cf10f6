"""Small synthetic annotation files in the V-COCO and HICO-DET layouts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest


def write_hicodet(path: Path, n_images: int = 30, seed: int = 0) -> Path:
    """An ``instances_*2015.json``-layout file: 4 classes over 2 objects (cup, person), one
    of them ``no_interaction``; "hold cup" pairs overlap, "no_interaction" ones are far."""
    rng = np.random.default_rng(seed)
    objects = ["cup", "person"]
    verbs = ["hold", "no_interaction", "hug"]
    corr = [[0, 0, 0], [1, 0, 1], [2, 1, 2], [3, 1, 1]]
    ann, names = [], []
    for k in range(n_images):
        x = float(rng.uniform(0, 200))
        h = [x, 50.0, x + 80, 250.0]
        near = [x + 50, 120.0, x + 90, 160.0]
        far = [x + 300, 40.0, x + 330, 70.0]
        other = [x + 60, 60.0, x + 140, 250.0]
        ann.append({"boxes_h": [h, h, h], "boxes_o": [near, far, other], "hoi": [0, 1, 2], "object": [0, 0, 1],
                    "verb": [0, 1, 2]})  # fmt: skip
        names.append(f"HICO_train2015_{k:08d}.jpg")
    path.write_text(json.dumps({"annotation": ann, "filenames": names, "empty": [], "objects": objects,
                                "verbs": verbs, "correspondence": corr, "size": [[640, 480]] * n_images,
                                "rare": [2], "non_rare": [0, 1, 3]}))  # fmt: skip
    return path


@pytest.fixture
def hicodet_files(tmp_path: Path) -> tuple[Path, Path]:
    return write_hicodet(tmp_path / "instances_train2015.json"), write_hicodet(
        tmp_path / "instances_test2015.json", 8, 1
    )
