"""``run_batch``: list inputs, skip what the results file already holds, process the rest on
an engine, append one record per input, report progress and a summary."""

from __future__ import annotations

import collections
import contextlib
import glob
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hhikit.batch.inputs import BadEntry, input_key, iter_inputs, key_hash
from hhikit.batch.output import ResultWriter, output_reason, record_config
from hhikit.batch.worker import WorkerSpec, load_plugins, video_config
from hhikit.errors import ConfigError, HHIError, InputError, OutputError, error_record
from hhikit.io.safeopen import is_stream
from hhikit.options import check_fields, opt

ENGINES = ("local", "ray")


@dataclass
class BatchConfig:
    """Options of a batch run: the single source of ``hhi batch``'s run options (``hhikit.options``)."""

    source: str = opt(cli=False)
    out: str = opt(cli=False)
    workers: int = opt(1, bounds=(0, None), help="worker processes / Ray actors (0: in this process)")
    engine: str = opt("local", choices=ENGINES, help="local processes or Ray actors")
    ray_address: str | None = opt(None, help="an existing Ray cluster (e.g. HEAD:6379 or 'auto')")
    chunksize: int = opt(4, bounds=(1, None), help="inputs sent to a local worker at a time")
    fsync_every: float = opt(
        1.0, bounds=(0.0, None), help="seconds between fsyncs of the results file (0: every record)"
    )
    threads: int | None = opt(
        None,
        bounds=(1, None),
        help="intra-op threads per worker: onnxruntime, torch, OpenCV (default 1 when workers > 1)",
    )
    progress: bool = opt(True, help="progress bar on stderr")
    spec: WorkerSpec = opt(cli=False, default_factory=WorkerSpec)


@dataclass
class Summary:
    """What a run did. ``rate`` counts records written per second of wall time."""

    done: int = 0
    failed: int = 0
    skipped: int = 0  # already recorded by an earlier run
    duplicates: int = 0  # a second name (symlink, repeated manifest line) of an input
    images: int = 0
    videos: int = 0
    wall: float = 0.0
    stage_totals: dict[str, float] = field(default_factory=dict)
    repaired_tail_bytes: int = 0
    out: str = ""
    config: str = ""  # the file recording the pipeline options (<out>.config.json)
    interrupted: bool = False  # stopped by Ctrl-C or SIGTERM; a rerun resumes

    @property
    def processed(self) -> int:
        return self.done + self.failed

    @property
    def rate(self) -> float:
        return self.processed / self.wall if self.wall > 0 else 0.0

    @property
    def images_per_s(self) -> float:
        return self.images / self.wall if self.wall > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": self.out,
            "config": self.config,
            "done": self.done,
            "failed": self.failed,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "images": self.images,
            "videos": self.videos,
            "wall_s": round(self.wall, 3),
            "records_per_s": round(self.rate, 3),
            "images_per_s": round(self.images_per_s, 3),
            "stage_totals_s": {k: round(v, 3) for k, v in sorted(self.stage_totals.items())},
            "repaired_tail_bytes": self.repaired_tail_bytes,
            "interrupted": self.interrupted,
        }

    def text(self) -> str:
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in sorted(self.stage_totals.items())) or "none"
        lines = [
            f"batch: {self.done} done, {self.failed} failed, {self.skipped} skipped (already in {self.out})"
            + (f", {self.duplicates} duplicate names" if self.duplicates else ""),
            f"batch: {self.processed} records in {self.wall:.1f}s = {self.rate:.2f}/s"
            f" ({self.images} images = {self.images_per_s:.2f} images/s, {self.videos} videos)",
            f"batch: time per stage, summed over workers: {stages}",
        ]
        if self.interrupted:
            lines.append("batch: interrupted; rerun the same command to resume")
        if self.repaired_tail_bytes:
            lines.append(f"batch: cut a torn last line ({self.repaired_tail_bytes} bytes) left by an interrupted run")
        return "\n".join(lines)


class _Listing:
    """Streams new inputs (resolved, deduplicated, not yet recorded); counts what it drops.
    An unusable manifest row is queued in ``bad`` (the run writes it as an error record) and
    the listing goes on. A listing error (e.g. a manifest without a path column) is kept and
    re-raised by the run. It may run in the pool's feeder thread: ``bad`` is a deque."""

    def __init__(self, source: str, done: set[int]) -> None:
        self.source = source
        self.done = done
        self.seen: set[int] = set()
        self.skipped = 0
        self.duplicates = 0
        self.listed = 0
        self.finished = False
        self.bad: collections.deque[BadEntry] = collections.deque()
        self.error: BaseException | None = None

    def _new(self, h: int) -> bool:
        self.listed += 1
        if h in self.done:
            self.skipped += 1
        elif h in self.seen:
            self.duplicates += 1
        else:
            self.seen.add(h)
            return True
        return False

    def _on_bad(self, entry: BadEntry) -> None:
        if self._new(key_hash(entry.key)):
            self.bad.append(entry)

    def __iter__(self) -> Iterator[str]:
        try:
            for path in iter_inputs(self.source, on_bad=self._on_bad):
                key = input_key(path)
                if self._new(key_hash(key)):
                    yield key
        except Exception as exc:
            self.error = exc
        finally:
            self.finished = True


def _bad_record(entry: BadEntry) -> str:
    from hhikit.types import ImageResult, dumps

    return dumps(ImageResult(path=entry.key, error=error_record(InputError(entry.message))))


def _count_inputs(source: str, bar: Any) -> None:
    """Background count of the listing, so the progress bar can show an ETA without the
    run waiting for a full listing first. Never for a pipe or stdin: counting would read
    the inputs the run is to process (their bar shows an unknown total)."""
    if source == "-" or is_stream(source):
        return
    n = 0
    try:
        for _ in iter_inputs(source, on_bad=lambda _e: None):
            n += 1
    except Exception:
        return
    bar.total = n
    bar.refresh()


def _progress(cfg: BatchConfig, total: int | None) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="input",
        file=sys.stderr,
        disable=not cfg.progress,
        dynamic_ncols=True,
        mininterval=0.5,
        smoothing=0.1,
    )


PART_LINES = 10_000


def _write_pending(listing: _Listing, folder: str) -> int:
    """The inputs still to do, one JSON string per line (ASCII, so any file name survives),
    in parts of ``PART_LINES`` lines so Ray reads them as a stream of blocks."""
    os.makedirs(folder, exist_ok=True)
    n = 0
    fh = None
    try:
        for key in listing:
            if n % PART_LINES == 0:
                if fh:
                    fh.close()
                fh = open(os.path.join(folder, f"part-{n // PART_LINES:06d}.txt"), "w", encoding="ascii")  # noqa: SIM115
            fh.write(json.dumps(key, ensure_ascii=True) + "\n")
            n += 1
    finally:
        if fh:
            fh.close()
    return n


def run_config(spec: WorkerSpec) -> dict[str, Any]:
    """What a run records beside its results file (``<out>.config.json``)."""
    from hhikit import __version__

    return {
        "hhikit": __version__,
        "pipeline": spec.pipeline.to_dict(),
        "plugins": list(spec.plugins),
        "video_options": json.loads(json.dumps(spec.video_options, default=str)),
    }


def _absolute_paths(spec: WorkerSpec) -> None:
    """A relative weights path means the same file in every worker (Ray actors may run in
    another folder or on another node) and in the recorded configuration."""
    spec.plugins = [os.path.abspath(p) if p.endswith(".py") else p for p in spec.plugins]
    opts = spec.pipeline.interactiveness_options
    if opts.get("weights") is not None:
        opts["weights"] = os.path.abspath(opts["weights"])


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the run like Ctrl-C: workers stopped, a summary, resumable."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def run_batch(cfg: BatchConfig) -> Summary:
    """Run a batch to completion (or until killed: a rerun resumes where it stopped).

    Ctrl-C or SIGTERM stops the workers and returns the summary so far with
    ``interrupted`` set; an output failure (full disk, read-only, ...) raises ``OutputError``
    after the workers are stopped, the records written so far being whole."""
    if cfg.engine not in ENGINES:
        raise ConfigError(f"unknown engine {cfg.engine!r}; choose one of {', '.join(ENGINES)}")
    check_fields(cfg)
    if cfg.source != "-" and not os.path.lexists(cfg.source):
        raise ConfigError(f"{cfg.source}: no such file or folder")
    spec = cfg.spec
    workers = max(0, int(cfg.workers))
    if spec.threads is None:
        spec.threads = cfg.threads or (1 if workers > 1 else None)
    # Fail fast in the parent for a bad plugin or option value, without loading any model.
    load_plugins(spec.plugins)
    _absolute_paths(spec)
    spec.pipeline.check()
    video_config(spec)  # unknown or out-of-range video options fail here, before any worker starts

    summary = Summary(out=str(cfg.out))
    t0 = time.perf_counter()
    with _sigterm_as_interrupt(), ResultWriter(cfg.out, fsync_every=cfg.fsync_every) as writer:
        summary.repaired_tail_bytes = writer.state.torn_bytes
        summary.config = str(record_config(cfg.out, run_config(spec), writer.state.records))
        listing = _Listing(cfg.source, writer.state.done)
        pending_file = None
        outcomes: Any = iter(())
        bar = None
        try:
            if cfg.engine == "ray":
                out = Path(cfg.out)
                for stale in glob.glob(str(out.parent / f".{out.name}.pending.*")):
                    shutil.rmtree(stale, ignore_errors=True)  # we hold the results file's lock: no other run uses them
                pending_file = str(out.parent / f".{out.name}.pending.{os.getpid()}")
                try:
                    n = _write_pending(listing, pending_file)
                except OSError as exc:
                    raise OutputError(
                        f"{pending_file}: cannot write the list of inputs ({output_reason(exc)})"
                    ) from None
                bar = _progress(cfg, listing.listed)
                bar.update(listing.skipped + listing.duplicates)
            else:
                bar = _progress(cfg, None)
                if cfg.progress:
                    threading.Thread(target=_count_inputs, args=(cfg.source, bar), daemon=True).start()
            if cfg.engine == "ray":
                from hhikit.batch.ray_engine import run_ray

                outcomes = run_ray(spec, pending_file, workers or 1, cfg.ray_address) if n else iter(())
            else:
                from hhikit.batch.local import run_local

                outcomes = run_local(spec, listing, workers, chunksize=cfg.chunksize)
            dropped = listing.skipped + listing.duplicates

            def write_bad() -> None:
                while listing.bad:
                    writer.write(_bad_record(listing.bad.popleft()))
                    summary.failed += 1
                    bar.update(1)

            for line, ok, kind, timings in outcomes:
                write_bad()
                writer.write(line)
                if ok:
                    summary.done += 1
                else:
                    summary.failed += 1
                if kind == "video":
                    summary.videos += 1
                else:
                    summary.images += 1
                for k, v in timings.items():
                    summary.stage_totals[k] = summary.stage_totals.get(k, 0.0) + float(v)
                now_dropped = listing.skipped + listing.duplicates
                bar.update(1 + now_dropped - dropped)
                dropped = now_dropped
            write_bad()
            bar.update(listing.skipped + listing.duplicates - dropped)
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            close = getattr(outcomes, "close", None)
            if close is not None:
                close()  # stops the workers now, not at interpreter exit
            if bar is not None:
                bar.close()
            if pending_file:
                shutil.rmtree(pending_file, ignore_errors=True)
    if listing.error is not None and not summary.interrupted:
        err = listing.error
        raise err if isinstance(err, HHIError) else ConfigError(f"{cfg.source}: cannot list inputs ({err})")
    summary.skipped = listing.skipped
    summary.duplicates = listing.duplicates
    summary.wall = time.perf_counter() - t0
    return summary
