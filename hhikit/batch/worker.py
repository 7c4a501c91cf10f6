"""One batch worker: builds the pipelines once, turns one input path into one record line.

The same ``Worker`` runs inside a local pool process and inside a Ray actor. Images go to
``hhikit.pipeline.Pipeline``; videos (and audio files, which fail with a clear message) go
to ``hhikit.video.VideoPipeline`` when that module is installed. Nothing an input does
escapes as an exception: every input gives exactly one record.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from typing import Any

from hhikit.batch.inputs import SNIFF_BYTES, media_kind
from hhikit.errors import ConfigError, HHIError, InputError, ModelUnavailable, error_record
from hhikit.io.safeopen import open_regular
from hhikit.pipeline import Pipeline, PipelineConfig

# Thread limits live in one place (``hhikit.threads``); these names are kept for one release.
from hhikit.threads import THREAD_ENV_VARS as THREAD_ENV_VARS
from hhikit.threads import limit_threads as limit_threads
from hhikit.threads import thread_env as thread_env


@dataclass
class WorkerSpec:
    """How to build a worker: picklable, sent once to every process or actor. ``pipeline``
    holds every option of the image pipeline (the same ``PipelineConfig`` as ``hhi analyze``)."""

    pipeline: PipelineConfig = field(default_factory=PipelineConfig)
    plugins: list[str] = field(default_factory=list)  # modules imported first (they register backends)
    threads: int | None = None  # intra-op threads per worker; None leaves library defaults
    video_options: dict[str, Any] = field(default_factory=dict)


def video_config(spec: WorkerSpec) -> Any:
    """The ``VideoConfig`` of a batch run: ``spec.video_options`` (fields of ``VideoConfig``;
    an unknown key is a ``ConfigError``), with the image pipeline's person detector unless
    the video options name one."""
    from hhikit.options import from_mapping
    from hhikit.video.pipeline import VideoConfig

    opts = dict(spec.video_options)
    if spec.pipeline.detector and "detector" not in opts:
        opts["detector"] = spec.pipeline.detector
        opts.setdefault("detector_options", dict(spec.pipeline.detector_options))
    return from_mapping(VideoConfig, opts, "video options")


class FatalWorkerError(ConfigError):
    """The pipeline itself cannot be built: every input would fail the same way, so the run stops."""


def load_plugins(plugins: list[str]) -> None:
    """``hhikit.registry.load_plugins``, failing as a ``FatalWorkerError`` (the run stops)."""
    from hhikit.registry import load_plugins as load

    try:
        load(plugins)
    except ConfigError as exc:
        raise FatalWorkerError(str(exc)) from None


def video_pipeline_class() -> type | None:
    """``hhikit.video.VideoPipeline`` if that module exists in this install, else ``None``."""
    try:
        mod = importlib.import_module("hhikit.video")
    except ImportError:
        return None
    return getattr(mod, "VideoPipeline", None)


def probe_media(path: str) -> float:
    """Open an audio/video container; return its duration in seconds or raise ``InputError``
    (broken file, audio only, nothing decodable)."""
    import av

    try:
        with av.open(path) as container:
            if not container.streams.video:
                kinds = sorted({s.type for s in container.streams}) or ["no"]
                raise InputError(f"{path}: no video stream ({', '.join(kinds)} streams only): not a video")
            s = container.streams.video[0]
            if next(container.decode(s), None) is None:
                raise InputError(f"{path}: no decodable video frame")
            if container.duration:
                return float(container.duration) / 1_000_000
            if s.duration and s.time_base:
                return float(s.duration * s.time_base)
            return 0.0
    except InputError:
        raise
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot open as video ({' '.join(str(exc).split())})") from None


class Worker:
    """Holds the models of one process; ``process(path)`` -> ``(line, ok, kind, timings)``."""

    def __init__(self, spec: WorkerSpec) -> None:
        limit_threads(spec.threads)
        load_plugins(spec.plugins)
        self.spec = spec
        try:
            self.pipeline = Pipeline(spec.pipeline)
        except HHIError as exc:
            raise FatalWorkerError(f"cannot build the image pipeline: {exc}") from None
        limit_threads(spec.threads)  # again, for libraries the pipeline just loaded
        self._video: Any = None
        self._video_error: dict[str, str] | None = None

    def _video_pipeline(self) -> Any:
        if self._video is None and self._video_error is None:
            cls = video_pipeline_class()
            if cls is None:
                self._video_error = ModelUnavailable(
                    "video analysis needs hhikit.video.VideoPipeline, which this install does not have"
                ).to_dict()
            else:
                try:
                    self._video = cls(video_config(self.spec))
                except Exception as exc:
                    self._video_error = error_record(exc)
        return self._video

    def _image(self, path: str) -> Any:
        return self.pipeline.analyze(path)

    def _video_record(self, path: str) -> Any:
        from hhikit.types import VideoResult

        t0 = time.perf_counter()
        try:
            duration = probe_media(path)
        except Exception as exc:
            return VideoResult(path=path, error=error_record(exc, path))
        probe = time.perf_counter() - t0
        pipe = self._video_pipeline()
        if pipe is None:
            err = dict(self._video_error or {})
            err["message"] = f"{path}: {err.get('message', 'no video pipeline')}"
            return VideoResult(path=path, duration=duration, error=err)
        result = pipe.analyze(path)
        result.path = path
        result.timings = {"probe": probe, **result.timings}
        return result

    def record(self, path: str) -> Any:
        """One record for one input, never an exception."""
        from hhikit.types import ImageResult

        kind = "image"
        try:
            with open_regular(path, what="image or video") as fh:  # never blocks on a FIFO
                head = fh.read(SNIFF_BYTES)
            kind = media_kind(path, head)
            return self._video_record(path) if kind == "video" else self._image(path)
        except Exception as exc:
            err = error_record(exc, path)
            if kind == "video":
                from hhikit.types import VideoResult

                return VideoResult(path=path, error=err)
            return ImageResult(path=path, error=err)

    def process(self, path: str) -> tuple[str, bool, str, dict[str, float]]:
        from hhikit.types import VideoResult, dumps

        rec = self.record(path)
        kind = "video" if isinstance(rec, VideoResult) else "image"
        return dumps(rec), rec.error is None, kind, dict(rec.timings)
