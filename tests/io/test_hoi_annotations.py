from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hhikit.errors import InputError
from hhikit.eval.hoi.data import load_hicodet
from hhikit.eval.hoi.data import load_vcoco as load_vcoco_gt
from hhikit.io.hoi_annotations import box_ok, read_hicodet, read_vcoco
from hhikit.pairs.datasets import _load_json, _valid, load_hicodet_pairs
from hhikit.pairs.datasets import load_vcoco as load_vcoco_pairs
from tests.conftest import shared_path


def test_shared_files_have_no_bad_box() -> None:
    """The counts the box policy was chosen from: every shared pair is usable."""
    hico = read_hicodet(shared_path("hicodet", "instances_test2015.json"))
    assert len(hico.images) == 9658 and sum(len(im) for im in hico.images) == 33405
    assert all(im.usable.all() for im in hico.images)
    assert sum(len(im) == 0 for im in hico.images) == len(hico.meta["empty"]) == 112
    for split, n in (("train", 6400), ("val", 7417), ("test", 12402)):
        v = read_vcoco(shared_path("vcoco", f"instances_vcoco_{split}.json"))
        assert sum(len(im) for im in v.images) == n and all(im.usable.all() for im in v.images)


def _vcoco(tmp_path: Path, boxes_o: list, boxes_h: list | None = None) -> Path:
    n = len(boxes_o)
    ann = {"objects": ["background", "person", "cup"], "classes": ["hold obj", "look obj"],
           "annotations": [{"file_name": "x.jpg", "boxes_h": boxes_h or [[0, 0, 10, 20]] * n, "boxes_o": boxes_o,
                            "actions": [0] * n, "objects": [2] * n}]}  # fmt: skip
    p = tmp_path / "v.json"
    p.write_text(json.dumps(ann))
    return p


def test_no_role_object_is_a_value_and_degenerate_boxes_stay_in_the_ground_truth(tmp_path: Path) -> None:
    p = _vcoco(tmp_path, [None, [], [0, 0, 0, 0], [5, 5, 5, 9], [2, 2, 6, 6]])
    im = read_vcoco(p).images[0]
    assert np.isnan(im.boxes_o[:3]).all() and not np.isnan(im.boxes_o[3:]).any()
    assert im.usable.tolist() == [False, False, False, False, True]
    gt = load_vcoco_gt(p)  # evaluation keeps all five pairs
    assert len(gt.image) == 5 and gt.box_o[3].tolist() == [5, 5, 5, 9]
    pairs = load_vcoco_pairs(p)  # training uses only the usable one
    assert len(pairs) == 1 and pairs.boxes_b[0].tolist() == [2, 2, 6, 6] and pairs.labels.tolist() == [1]


@pytest.mark.parametrize(
    ("boxes_o", "boxes_h", "message"),
    [
        ([[1, 2, 3]], None, "annotation 0: boxes_o is not a list"),
        ([["a", 2, 3, 4]], None, "annotation 0: boxes_o is not a list"),
        ([[1, 2, 3, 4]], [[0, 0, float("nan"), 1]], "annotation 0, pair 0: boxes_h is not finite"),
        ([[1, 2, 3, 4], [1, 2, float("inf"), 4]], None, "pair 1: boxes_o is not finite"),
        ([[1, 2, 3, 4]], [None], "boxes_h is not a list"),
    ],
)
def test_bad_boxes_are_one_line_errors_for_every_reader(tmp_path: Path, boxes_o, boxes_h, message) -> None:
    p = _vcoco(tmp_path, boxes_o, boxes_h)
    for load in (read_vcoco, load_vcoco_gt, load_vcoco_pairs):
        with pytest.raises(InputError, match=message) as e:
            load(p)
        assert str(p) in str(e.value) and "\n" not in str(e.value)


def test_hicodet_entries_are_checked(tmp_path: Path) -> None:
    good = {"boxes_h": [[0, 0, 4, 4]], "boxes_o": [[1, 1, 5, 5]], "hoi": [0], "object": [1], "verb": [0]}
    base = {"filenames": ["a.jpg"], "objects": ["airplane", "person"], "verbs": ["no_interaction"],
            "correspondence": [[0, 1, 0]], "empty": []}  # fmt: skip
    p = tmp_path / "h.json"
    for entry, message in (({**good, "hoi": [0, 1]}, "annotation 0 has lists of different lengths"),
                           ({k: v for k, v in good.items() if k != "object"}, "annotation 0 lacks the lists"),
                           ({**good, "boxes_o": [None]}, "boxes_o is not a list")):  # fmt: skip
        p.write_text(json.dumps({**base, "annotation": [entry]}))
        for load in (read_hicodet, load_hicodet, load_hicodet_pairs):
            with pytest.raises(InputError, match=message):
                load(p)
    p.write_text(json.dumps({**base, "annotation": [good, good]}))
    with pytest.raises(InputError, match="same length"):
        load_hicodet(p)
    p.write_text(json.dumps({**base, "annotation": [good]}))
    assert len(load_hicodet(p).image) == 1 and len(load_hicodet_pairs(p)) == 1


def test_old_helpers_stay_importable(tmp_path: Path) -> None:
    assert _valid is box_ok and box_ok([0, 0, 1, 1]) and not box_ok([0, 0, 0, 1]) and not box_ok([0, 0, 1])
    assert not box_ok([0, 0, float("nan"), 1]) and not box_ok(None)
    with pytest.raises(InputError, match="needs keys a, b"):
        _load_json(_vcoco(tmp_path, []), ("a", "b"))
