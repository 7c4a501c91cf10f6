"""The pipeline's objects stage: context objects from a detector that also finds objects."""

from __future__ import annotations

import pytest

from hhikit.errors import ModelUnavailable
from hhikit.perception.tfjs_backend import COCO80
from hhikit.pipeline import Pipeline
from hhikit.types import ImageResult, dumps, loads
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def pipeline():
    try:
        return Pipeline(detector="fusion")
    except ModelUnavailable as exc:
        pytest.skip(f"run `hhi models setup`: {exc}")


def test_fusion_pipeline_fills_people_and_objects(pipeline):
    names = [n for n, _ in pipeline.stages]
    assert names[:2] == ["people", "objects"]
    found_objects = 0
    for path in sorted(EXAMPLES.glob("*.jpg")):
        result = pipeline.analyze(path)
        # salute.jpg's second person is a face cut by the frame: no voter finds it yet
        need = 1 if path.name == "salute.jpg" else 2
        assert result.ok and len(result.people) >= need, path.name
        assert set(result.timings) >= {"read", "people", "objects"}
        assert all(o.label in COCO80 and o.label != "person" for o in result.objects)
        found_objects += len(result.objects)
        back = loads(dumps(result))
        assert isinstance(back, ImageResult) and len(back.objects) == len(result.objects)
        assert all(p.sources for p in back.people)
    assert found_objects >= 1  # the examples hold chairs, ties, cups...


def test_objects_stage_can_be_switched_off_and_skipped_for_people_only_detectors():
    try:
        assert "objects" not in [n for n, _ in Pipeline(detector="movenet").stages]
        assert "objects" not in [n for n, _ in Pipeline(detector="centernet", objects=False).stages]
    except ModelUnavailable as exc:
        pytest.skip(str(exc))


def test_bad_file_gives_an_error_record(pipeline, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg")
    result = pipeline.analyze(bad)
    assert not result.ok and "broken.jpg" in result.error["message"]
