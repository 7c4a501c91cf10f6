"""Folders and manifests at scale: local worker processes or Ray, one resumable JSONL file.

``run_batch(BatchConfig(source, out, workers=2))`` is what ``hhi batch`` calls."""

from __future__ import annotations

from hhikit.batch.inputs import iter_inputs
from hhikit.batch.output import ResultWriter
from hhikit.batch.runner import BatchConfig, Summary, run_batch
from hhikit.batch.worker import Worker, WorkerSpec

__all__ = ["BatchConfig", "ResultWriter", "Summary", "Worker", "WorkerSpec", "iter_inputs", "run_batch"]
