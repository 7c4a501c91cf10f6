"""Ray engine: the same ``Worker`` inside Ray Data actors; results stream back to the driver.

The driver writes the inputs still to do to a pending folder beside the results file (one
JSON string per line, in parts of ``PART_LINES`` lines, streamed, so the driver's memory
stays flat), Ray Data reads it with ``read_text`` (one read task per part) and runs ``map_batches`` on an actor pool (``concurrency=N``, one CPU
each, models built once per actor). The driver iterates the output with ``iter_rows`` and
is the only process that writes the results file. On a cluster the pending list, the
inputs and the results file must be on storage every node sees (docs/batch.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from hhikit.batch.worker import FatalWorkerError, Worker, WorkerSpec, thread_env
from hhikit.errors import ConfigError

Outcome = tuple[str, bool, str, dict[str, float]]
BLOCK_BYTES = 16 * 1024


class BatchActor:
    """A Ray Data callable class: one pipeline per actor, one record per input row."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.worker = Worker(spec)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {"line": [], "ok": [], "kind": [], "timings": []}
        for text in batch["text"]:
            line, ok, kind, timings = self.worker.process(json.loads(str(text)))
            out["line"].append(line)
            out["ok"].append(bool(ok))
            out["kind"].append(kind)
            out["timings"].append(json.dumps(timings))
        return out


def init_ray(address: str | None, workers: int, threads: int | None) -> bool:
    """Connect to a cluster (``address``) or start a lean local instance. Returns True when
    this call started Ray (and so must shut it down)."""
    try:
        import ray
    except ImportError:
        raise ConfigError("--engine ray needs the 'ray[data]' package") from None
    if ray.is_initialized():
        return False
    runtime_env = {"env_vars": thread_env(threads)} if threads else None
    kwargs: dict[str, Any] = {"runtime_env": runtime_env, "logging_level": logging.WARNING, "log_to_driver": False}
    if address:
        ray.init(address=address, **kwargs)
    else:
        ray.init(
            num_cpus=max(1, workers),
            include_dashboard=False,
            object_store_memory=256 * 1024 * 1024,
            **kwargs,
        )
    return True


def run_ray(
    spec: WorkerSpec,
    pending_path: str,  # a folder of pending-list parts (or one file)
    workers: int,
    address: str | None = None,
    batch_size: int = 4,
) -> Iterator[Outcome]:
    """Process the inputs listed in ``pending_path`` on ``workers`` Ray actors."""
    import ray

    started = init_ray(address, workers, spec.threads)
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        # Small blocks: a map task's output is bundled up to the target block size before the
        # driver sees it, so with the default (128 MiB) every record of a block would arrive
        # at once when the block ends. 16 KiB is a few records, so results stream back (and a
        # killed driver loses little work in flight); reads get ~100-200 paths per block.
        ctx.target_max_block_size = BLOCK_BYTES
        if hasattr(ctx, "target_min_block_size"):
            ctx.target_min_block_size = min(ctx.target_min_block_size, BLOCK_BYTES)
        if hasattr(ctx, "print_on_execution_start"):
            ctx.print_on_execution_start = False
        # Reading the pending list is trivial: it asks for no CPU (even 0.001 waits for a free
        # CPU), so N actors of one CPU each can fill an N-CPU instance without starving it.
        ds = ray.data.read_text(pending_path, num_cpus=0)
        ds = ds.map_batches(
            BatchActor,
            fn_constructor_kwargs={"spec": spec},
            batch_size=batch_size,
            compute=ray.data.ActorPoolStrategy(size=max(1, workers)),  # `concurrency=N` before Ray 2.51
            num_cpus=1,
            batch_format="numpy",
        )
        try:
            for row in ds.iter_rows():
                yield str(row["line"]), bool(row["ok"]), str(row["kind"]), json.loads(str(row["timings"]))
        except ray.exceptions.RayError as exc:
            msg = " ".join(str(exc).split())
            if "FatalWorkerError" in msg:
                raise FatalWorkerError(f"Ray workers failed to start: {msg[-400:]}") from None
            raise
    finally:
        if started:
            ray.shutdown()
