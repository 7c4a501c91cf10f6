"""Records for the export tests: real ones (the pipeline on a few shared Waldo and Wenda
images, so boxes, keypoints, objects and pairs are what users get) and a hand-made one with
HOI triplets, suppressed pairs and a video (what the pipeline does not make yet)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hhikit.types import (
    Clip,
    ClipLabel,
    DetectedObject,
    ImageResult,
    Interaction,
    Pair,
    Person,
    Shot,
    VideoResult,
    dumps,
)
from tests.conftest import shared_path


@pytest.fixture(scope="session")
def ww_records() -> list[ImageResult]:
    from hhikit.pipeline import Pipeline

    images = sorted(shared_path("waldo_and_wenda", "images").glob("*.jpg"))[:12]
    records = list(Pipeline().analyze_many(images))
    assert all(r.ok for r in records) and sum(len(r.pairs) for r in records) > 5
    return records


def write_results(records: list, path: Path) -> Path:
    path.write_text("".join(dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def ww_results(ww_records: list[ImageResult], tmp_path: Path) -> Path:
    return write_results(ww_records, tmp_path / "results.jsonl")


def hoi_record(path: str = "/data/HICO_test2015_00000001.jpg") -> ImageResult:
    kp = np.array([[20 + k, 30 + k, 0.9 if k % 3 else 0.1] for k in range(17)], dtype=np.float32)
    people = [Person(0, [10, 20, 60, 150], 0.95, keypoints=kp, keypoint_format="coco17"),
              Person(1, [70, 25, 120, 160], 0.8), Person(2, [150, 30, 190, 140], 0.7)]  # fmt: skip
    objects = [DetectedObject("cup", [40, 60, 50, 75], 0.6), DetectedObject("skateboard", [5, 140, 70, 155], 0.5)]
    pairs = [Pair(0, 1, 0.8, False, [Interaction("_ shaking hands with _", 0.7), Interaction("_ hugging _", 0.2)]),
             Pair(1, 2, 0.1, True, [Interaction("_ talking to _", 0.3)])]  # fmt: skip
    hois = [
        {"person": 0, "object": 0, "hoi": 86, "verb": "hold", "object_name": "cup", "score": 0.42,
         "interactiveness": 0.9, "suppressed": False, "cues": ["hand near cup"]},
        {"person": 0, "object": 1, "hoi": 488, "verb": "ride", "object_name": "skateboard", "score": 0.3,
         "interactiveness": 0.7, "suppressed": False, "cues": []},
        {"person": 2, "object": 1, "hoi": 490, "verb": "no_interaction", "object_name": "skateboard", "score": 0.01,
         "interactiveness": 0.02, "suppressed": True, "cues": []},
    ]  # fmt: skip
    return ImageResult(path=path, width=200, height=160, people=people, pairs=pairs, objects=objects,
                       interactions=[Interaction("_ shaking hands with _", 0.7)], extra={"hois": hois})  # fmt: skip


def video_record(path: str = "/data/scene.mp4") -> VideoResult:
    shots = [Shot(0.0, 4.0, 0, 100), Shot(4.0, 10.0, 100, 250)]
    clips = [Clip([0], 0.0, 4.0, "hello", [ClipLabel("hug", 0.8, ["arms"]), ClipLabel("talk", 0.6)]),
             Clip([1], 4.0, 10.0, "", [ClipLabel("fight", 0.55)]), Clip([0, 1], 0.0, 10.0, "", [])]  # fmt: skip
    return VideoResult(path=path, duration=10.0, fps=25.0, shots=shots, clips=clips,
                       extra={"width": 640, "height": 360})  # fmt: skip
