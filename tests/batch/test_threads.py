"""`hhi batch --threads N` limits a worker's threads: onnxruntime sessions, torch, OpenCV
(through one function, ``hhikit.threads.limit_threads``), counted in /proc/<pid>/task."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hhikit.cli import main

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _probe(tmp_path: Path, monkeypatch, example_image: Path, threads: int) -> dict:
    folder = tmp_path / f"in{threads}"
    folder.mkdir()
    (folder / example_image.name).symlink_to(example_image)
    probe = tmp_path / f"probe{threads}.jsonl"
    monkeypatch.setenv("HHIKIT_THREAD_PROBE", str(probe))
    argv = ["batch", str(folder), "--out", str(tmp_path / f"r{threads}.jsonl"), "--workers", "1", "--threads",
            str(threads), "--plugin", "thread_probe", "--detector", "thread-probe", "--describer", "none",
            "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    rows = [json.loads(line) for line in probe.read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["pid"] != os.getpid()  # measured in a worker process
    return rows[0]


@pytest.mark.slow
def test_threads_limit_the_worker(tmp_path, monkeypatch, example_image):
    pytest.importorskip("onnxruntime")
    monkeypatch.syspath_prepend(str(BENCH))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(BENCH), os.environ.get("PYTHONPATH", "")]))
    one, three = _probe(tmp_path, monkeypatch, example_image, 1), _probe(tmp_path, monkeypatch, example_image, 3)
    assert one["onnxruntime"] == 1 and three["onnxruntime"] == 3  # HHI_NUM_THREADS reached no session before
    assert three["tasks"] >= one["tasks"] + 2  # onnxruntime's intra-op pool: N - 1 threads
    if one["opencv"] is not None:
        assert (one["opencv"], three["opencv"]) == (1, 3)
    if one["torch"] is not None:
        assert (one["torch"], three["torch"]) == (1, 3)
