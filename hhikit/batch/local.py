"""Local engine: a pool of spawned processes, each holding one ``Worker`` (models load once
per process), fed with a bounded number of inputs in flight so memory stays flat."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator

from hhikit.batch.worker import FatalWorkerError, Worker, WorkerSpec, thread_env

Outcome = tuple[str, bool, str, dict[str, float]]

_WORKER: Worker | BaseException | None = None


def _init_worker(spec: WorkerSpec) -> None:
    """Pool initializer: build the pipeline once per process. A failure is kept and reported
    by the first task (an initializer that raises would make the pool respawn it forever)."""
    global _WORKER
    # Ctrl-C reaches the whole process group: the parent stops the pool, a worker stays quiet.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent(os.getppid())
    try:
        _WORKER = Worker(spec)
    except Exception as exc:
        _WORKER = exc


def _watch_parent(parent: int) -> None:
    """End this worker quietly when the parent dies (SIGKILL): without it, each worker
    would print a BrokenPipe traceback when it next sends a result. On Linux the kernel
    does it at once (``PR_SET_PDEATHSIG``); elsewhere a thread polls the parent."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG = 1
            if os.getppid() != parent:  # the parent died before the call
                os._exit(0)
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="hhikit-parent-watch", daemon=True).start()


def _task(path: str) -> Outcome:
    w = _WORKER
    if not isinstance(w, Worker):
        return (f"{type(w).__name__}: {w}", False, "fatal", {})
    return w.process(path)


@contextlib.contextmanager
def _environ(extra: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _gated(items: Iterable[str], gate: threading.Semaphore, stop: threading.Event) -> Iterator[str]:
    """Yield an item only when a slot is free: the pool's feeder thread would otherwise
    drain the whole listing into its queue."""
    for item in items:
        while not gate.acquire(timeout=0.2):
            if stop.is_set():
                return
        if stop.is_set():
            return
        yield item


def run_local(
    spec: WorkerSpec, items: Iterable[str], workers: int, chunksize: int = 4, inflight: int | None = None
) -> Iterator[Outcome]:
    """Process ``items`` on ``workers`` processes; yield outcomes as they finish (any order).

    ``workers=0`` runs in this process (debugging, profiling)."""
    if workers <= 0:
        w = Worker(spec)
        for item in items:
            yield w.process(item)
        return
    chunksize = max(1, int(chunksize))
    limit = max(inflight or 0, 2 * workers * chunksize)
    gate = threading.Semaphore(limit)
    stop = threading.Event()
    ctx = mp.get_context("spawn")
    env = thread_env(spec.threads) if spec.threads else {}
    with _environ(env):
        pool = ctx.Pool(processes=workers, initializer=_init_worker, initargs=(spec,))
    try:
        for out in pool.imap_unordered(_task, _gated(items, gate, stop), chunksize=chunksize):
            gate.release()
            if out[2] == "fatal":
                raise FatalWorkerError(f"worker failed to start: {out[0]}")
            yield out
        pool.close()
    finally:
        stop.set()
        pool.terminate()
        pool.join()
