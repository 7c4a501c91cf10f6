"""The batch worker applies the one error policy: a library failure is an ``internal`` record."""

from __future__ import annotations

import json

from hhikit.batch.worker import Worker, WorkerSpec
from hhikit.perception import register_detector
from hhikit.pipeline import PipelineConfig


class _Broken:
    name = "x-broken"

    def detect(self, image):
        raise MemoryError("out of memory in a library")


def test_a_library_failure_in_a_worker_is_an_internal_record(scratch_registry, example_image, tmp_path):
    register_detector("x-broken")(_Broken)
    worker = Worker(WorkerSpec(pipeline=PipelineConfig(detector="x-broken", describer="none", interactiveness="")))
    line, ok, kind, _ = worker.process(str(example_image))
    err = json.loads(line)["error"]
    assert not ok and kind == "image"
    assert err["type"] == "internal" and err["class"] == "MemoryError" and str(example_image) in err["message"]
    line, ok, _, _ = worker.process(str(tmp_path / "gone.jpg"))
    assert json.loads(line)["error"] == {
        "type": "InputError",
        "message": f"{tmp_path / 'gone.jpg'}: no such file (or a dangling symlink)",
    }
