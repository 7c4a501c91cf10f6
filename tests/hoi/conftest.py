"""Small synthetic annotation files in the HICO-DET layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest


def write_hicodet(path: Path, n_images: int = 30, seed: int = 0) -> Path:
    """An ``instances_*2015.json``-layout file with HICO-DET's own 600 classes, 80 objects and
    117 verbs (taken from the shared test file) and synthetic pairs: "hold cup" boxes overlap,
    "no_interaction cup" ones are far, "hug person" pairs stand side by side."""
    from tests.conftest import shared_path

    meta = json.loads(shared_path("hicodet", "instances_test2015.json").read_text())
    objects, verbs, corr = meta["objects"], meta["verbs"], meta["correspondence"]

    def cls(verb: str, obj: str) -> int:
        return next(h for h, o, v in corr if verbs[v] == verb and objects[o] == obj)

    hold, none_cup, hug = cls("hold", "cup"), cls("no_interaction", "cup"), cls("hug", "person")
    rng = np.random.default_rng(seed)
    ann, names = [], []
    for k in range(n_images):
        x = float(rng.uniform(0, 200))
        h = [x, 50.0, x + 80, 250.0]
        near = [x + 50, 120.0, x + 90, 160.0]
        far = [x + 300, 40.0, x + 330, 70.0]
        other = [x + 60, 60.0, x + 140, 250.0]
        ann.append({"boxes_h": [h, h, h], "boxes_o": [near, far, other], "hoi": [hold, none_cup, hug],
                    "object": [objects.index("cup")] * 2 + [objects.index("person")],
                    "verb": [verbs.index("hold"), verbs.index("no_interaction"), verbs.index("hug")]})  # fmt: skip
        names.append(f"HICO_train2015_{k:08d}.jpg")
    path.write_text(json.dumps({"annotation": ann, "filenames": names, "empty": [], "objects": objects,
                                "verbs": verbs, "correspondence": corr, "size": [[640, 480]] * n_images,
                                "rare": meta["rare"], "non_rare": meta["non_rare"]}))  # fmt: skip
    return path


@pytest.fixture
def hicodet_files(tmp_path: Path) -> tuple[Path, Path]:
    return write_hicodet(tmp_path / "instances_train2015.json"), write_hicodet(
        tmp_path / "instances_test2015.json", 8, 1
    )
