from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hhikit.errors import InputError
from hhikit.pairs.datasets import load_hicodet_person_pairs, load_vcoco, load_vcoco_files
from tests.conftest import shared_path


def test_hicodet_person_pairs_counts() -> None:
    d = load_hicodet_person_pairs(shared_path("hicodet", "instances_test2015.json"))
    assert len(d) == 516 and len(set(d.images)) == 215
    assert d.labels.sum() == 320  # the rest are no_interaction
    assert d.b_is_person.all()


def test_vcoco_positives_and_negatives(tmp_path: Path) -> None:
    ann = {
        "objects": ["background", "person", "cup"],
        "annotations": [
            {"file_name": "x.jpg", "boxes_h": [[0, 0, 10, 20], [0, 0, 10, 20], [30, 0, 40, 20]],
             "boxes_o": [[2, 5, 4, 7], [2, 5, 4, 7], [30, 0, 40, 20.5]], "actions": [0, 1, 2], "objects": [2, 2, 1]},
            {"file_name": "y.jpg", "boxes_h": [], "boxes_o": [], "actions": [], "objects": []},
        ],
    }  # fmt: skip
    p = tmp_path / "v.json"
    p.write_text(json.dumps(ann))
    d = load_vcoco(p)
    # 2 humans x 2 objects = 4 pairs; 2 annotated (the duplicate counts once)
    assert len(d) == 4 and d.labels.sum() == 2
    assert d.b_is_person.sum() == 2
    both = load_vcoco_files([p, p])
    assert len(both) == 8


def test_vcoco_real_file_shape() -> None:
    d = load_vcoco(shared_path("vcoco", "instances_vcoco_val.json"))
    assert len(d) > 5000 and 0.5 < d.labels.mean() < 0.9
    assert (d.boxes_a[:, 2] > d.boxes_a[:, 0]).all()
    assert not np.isnan(d.boxes_b).any()


@pytest.mark.parametrize("content", ["", "{not json", '{"annotations": []}', "[1, 2]"])
def test_bad_files_raise_input_error(tmp_path: Path, content: str) -> None:
    p = tmp_path / "bad.json"
    p.write_text(content)
    with pytest.raises(InputError, match="bad.json"):
        load_vcoco(p)
    with pytest.raises(InputError, match="bad.json"):
        load_hicodet_person_pairs(p)


def test_missing_file() -> None:
    with pytest.raises(InputError, match="no such file"):
        load_vcoco("/nonexistent/v.json")
