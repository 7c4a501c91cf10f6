"""HOI pairs from the real V-COCO files and a synthetic HICO-DET file."""

from __future__ import annotations

from pathlib import Path

import pytest

from hhikit.errors import InputError
from hhikit.hoi.data import COCO80, load_hicodet_hoi_pairs, load_vcoco_pairs
from tests.conftest import shared_path


def test_coco80_matches_the_detector_labels_and_vcoco() -> None:
    import json

    from hhikit.perception.tfjs.centernet import COCO80 as DETECTOR

    assert tuple(DETECTOR) == COCO80
    d = json.loads(shared_path("vcoco/instances_vcoco_train.json").read_text())
    assert tuple(d["objects"][1:]) == COCO80


def test_vcoco_pairs_all_and_annotated() -> None:
    f = shared_path("vcoco/instances_vcoco_train.json")
    all_ = load_vcoco_pairs(f, "all")
    ann = load_vcoco_pairs(f, "annotated")
    assert len(all_.classes) == 24 and all_.labels.shape == (len(all_), 24)
    assert len(ann) < len(all_) and ann.labels.sum(1).min() >= 1  # annotated pairs have a class
    assert all_.labels.sum() == ann.labels.sum()  # the extra combinations carry no class
    assert 0.5 < all_.interactive.mean() < 0.9
    ball = COCO80.index("sports ball")
    kick = all_.classes.index("kick obj")
    assert set(all_.obj[all_.labels[:, kick] == 1]) == {ball}


def test_hicodet_pairs_no_interaction_and_object_mapping(hicodet_files) -> None:
    train, _ = hicodet_files
    p = load_hicodet_hoi_pairs(train, "annotated")
    assert len(p.classes) == 600 and p.no_interaction.sum() == 80  # one no_interaction class per object
    hold, none_cup = p.classes.index("hold cup"), p.classes.index("no_interaction cup")
    assert p.no_interaction[none_cup] and not p.no_interaction[hold]
    assert p.class_object[hold] == COCO80.index("cup") and p.class_object[p.classes.index("hug person")] == 0
    # the far cup is annotated no_interaction only: not interactive
    far = p.labels[:, none_cup] == 1
    assert far.any() and (p.interactive[far] == 0).all() and (p.interactive[~far] == 1).all()


def test_bad_files_are_one_line_errors(tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text('{"annotations": [{"boxes_h": [[0,0,1,1]]}], "classes": [], "objects": []}')
    with pytest.raises(InputError, match="annotation 0"):
        load_vcoco_pairs(f)
    f.write_text("{not json")
    with pytest.raises(InputError, match="not a readable JSON"):
        load_vcoco_pairs(f)
