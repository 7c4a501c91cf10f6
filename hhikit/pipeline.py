"""The image pipeline: read -> perception -> pairs -> describe -> ``ImageResult``.

The CLI, the web demo and the batch runner all call ``Pipeline.analyze``. Models load once
when the pipeline is built; ``analyze`` never raises for a bad input: it returns a record
with ``error`` set.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ConfigError, error_record
from hhikit.io.images import read_image
from hhikit.options import check_fields, opt
from hhikit.pairs import build_pairs, get_interactiveness
from hhikit.perception.base import get_detector, sort_and_number
from hhikit.types import ImageResult

# A stage takes the image and the record being built and fills part of it.
Stage = Callable[[np.ndarray, ImageResult], None]


@dataclass
class PipelineConfig:
    """Options of the image pipeline: the single source of the CLI options of ``hhi analyze``
    and ``hhi batch`` (``hhikit.options``), of the web app's settings and of the workers'."""

    detector: str | None = opt(None, help="person detector backend (default fusion; see `hhi models list`)")
    detector_options: dict[str, Any] = opt(
        {}, help="option of the detector backend, e.g. pose33=true (value parsed as JSON when it can be)"
    )
    objects: bool = opt(True, help="context objects (COCO-80) when the detector also finds objects")
    describer: str | None = opt("default", help="default | encdec:PATH | clipcap:PATH | clip:DIR | none")
    describer_options: dict[str, Any] = opt(
        {}, help="option of the describer, e.g. ocr=true; clip=DIR gpt2=DIR for a released captioner checkpoint"
    )
    # Pairs: interactiveness model (None: the default "geometry"; "" turns scoring off) and
    # the NIS threshold (None: the model's own, chosen on V-COCO val; see docs/pairs.md).
    interactiveness: str | None = opt(None, help="pair interactiveness model: geometry (default) or tin")
    interactiveness_options: dict[str, Any] = opt({}, help="option of the interactiveness model, e.g. weights=PATH")
    nis_threshold: float | None = opt(
        None,
        bounds=(0.0, 1.0),
        help="suppress pairs below this interactiveness, in [0, 1] (default: the model's, 95% recall on V-COCO val)",
    )
    # HOI triplets (person x detected object, TIN; hhikit.hoi): on by default when the model
    # is available; TIN scores low-grade detections too (LIS weighs them down), so objects
    # from ``hoi_object_threshold`` up are paired; those below the context threshold are
    # appended to ``objects`` after the describer ran (its context is unchanged).
    hoi: bool = opt(True, help="HOI triplets of each person with each detected object (on when the model is available)")
    hoi_model: str | None = opt(None, help="HOI model: tin-spatial (default, packaged) or tin")
    hoi_options: dict[str, Any] = opt({}, help="option of the HOI model, e.g. weights=PATH")
    hoi_object_threshold: float = opt(0.2, bounds=(0.0, 1.0), help="detector score from which objects are paired")

    def check(self) -> None:
        """Cheap checks of every option, without loading a model: unknown backend names, a
        missing weights file, a threshold outside [0, 1] raise ``ConfigError`` here, before
        a batch run starts any worker, rather than once per worker later."""
        from hhikit.pairs import available_interactiveness
        from hhikit.perception.base import available_detectors

        def known(kind: str, name: str, names: list[str]) -> None:
            if name not in names:
                raise ConfigError(f"unknown {kind} {name!r}; available: {', '.join(names) or 'none'}")

        if self.detector:
            known("detector", self.detector, available_detectors())
        if self.describer and self.describer != "none":
            from hhikit.describe import available_describers

            known("describer", self.describer.partition(":")[0], [*available_describers(), "none"])
        if self.interactiveness:
            known("interactiveness model", self.interactiveness, available_interactiveness())
        weights = self.interactiveness_options.get("weights")
        if self.interactiveness != "" and weights is not None and not Path(weights).is_file():
            raise ConfigError(f"{weights}: interactiveness weights file not found")
        if self.hoi and self.hoi_model:
            from hhikit.hoi.models import available_hoi_models

            known("HOI model", self.hoi_model, available_hoi_models())
        hw = self.hoi_options.get("weights")
        if self.hoi and hw is not None and not Path(hw).is_file():
            raise ConfigError(f"{hw}: HOI model weights file not found")
        t = self.nis_threshold
        if t is not None and not (isinstance(t, int | float) and not math.isnan(t) and 0.0 <= t <= 1.0):
            raise ConfigError(f"NIS threshold must be a number in [0, 1], got {t!r}")
        check_fields(self)

    def to_dict(self) -> dict[str, Any]:
        """The options as JSON types (paths as strings): what a batch run records."""
        return json.loads(json.dumps(asdict(self), default=str))


class Pipeline:
    """Build once, call ``analyze`` many times."""

    def __init__(self, config: PipelineConfig | None = None, **overrides: Any) -> None:
        self.config = config or PipelineConfig(**overrides)
        self.config.check()
        self.detector = get_detector(self.config.detector, **self.config.detector_options)
        self.interactiveness = (
            None
            if self.config.interactiveness == ""
            else get_interactiveness(self.config.interactiveness, **self.config.interactiveness_options)
        )
        self.stages: list[tuple[str, Stage]] = [("people", self._people)]
        if self.config.objects and callable(getattr(self.detector, "detect_objects", None)):
            self.stages.append(("objects", self._objects))
        self.stages.append(("pairs", self._pairs))
        self.describer = None
        if self.config.describer and self.config.describer != "none":
            from hhikit.describe import get_describer

            self.describer = get_describer(self.config.describer, **self.config.describer_options)
            self.stages.append(("describe", self._describe))
        self.hoi_model = self._hoi_model() if any(n == "objects" for n, _ in self.stages) else None
        if self.hoi_model is not None:
            self.stages.append(("hoi", self._hoi))

    def _people(self, image: np.ndarray, result: ImageResult) -> None:
        result.people = sort_and_number(self.detector.detect(image))

    def _objects(self, image: np.ndarray, result: ImageResult) -> None:
        """Context objects (COCO-80 labels) when the detector also finds objects."""
        result.objects = self.detector.detect_objects(image)

    def _pairs(self, image: np.ndarray, result: ImageResult) -> None:
        result.pairs = build_pairs(result.people, self.interactiveness, self.config.nis_threshold)

    def _hoi_model(self) -> Any:
        """The HOI model; the default is skipped quietly when its weights are missing."""
        if not self.config.hoi:
            return None
        from hhikit.errors import ModelUnavailable
        from hhikit.hoi.models import get_hoi_model

        try:
            return get_hoi_model(self.config.hoi_model, **self.config.hoi_options)
        except ModelUnavailable:
            if self.config.hoi_model is None and not self.config.hoi_options:
                return None
            raise

    def _hoi(self, image: np.ndarray, result: ImageResult) -> None:
        import inspect

        from hhikit.hoi.image import detect_hois, merge_objects

        if "threshold" in inspect.signature(self.detector.detect_objects).parameters:
            low = self.detector.detect_objects(image, threshold=self.config.hoi_object_threshold)
            result.objects = merge_objects(result.objects, low)
        result.hois = detect_hois(result.people, result.objects, self.hoi_model, image=image)

    def _describe(self, image: np.ndarray, result: ImageResult) -> None:
        assert self.describer is not None
        self.describer.describe(image, result)

    def analyze_array(
        self, image: np.ndarray, path: str = "<array>", on_stage: Callable[[str], None] | None = None
    ) -> ImageResult:
        """Run every stage on an RGB uint8 array; ``on_stage(name)`` is called before each
        stage (progress reporting in the web demo)."""
        h, w = image.shape[:2]
        result = ImageResult(path=path, width=int(w), height=int(h))
        for name, stage in self.stages:
            if on_stage is not None:
                on_stage(name)
            t0 = time.perf_counter()
            stage(image, result)
            result.timings[name] = result.timings.get(name, 0.0) + time.perf_counter() - t0
        return result

    def analyze(self, path: str | Path, on_stage: Callable[[str], None] | None = None) -> ImageResult:
        """Analyse one image file; any failure gives a record with ``error`` set (the one
        error policy, ``hhikit.errors.error_record``): typed for hhikit's own errors,
        ``internal`` for a library's."""
        t0 = time.perf_counter()
        try:
            image = read_image(path)
        except Exception as exc:
            return ImageResult(path=str(path), error=error_record(exc, path))
        t_read = time.perf_counter() - t0
        try:
            result = self.analyze_array(image, str(path), on_stage=on_stage)
        except Exception as exc:
            h, w = image.shape[:2]
            return ImageResult(path=str(path), width=int(w), height=int(h), error=error_record(exc, path))
        result.timings = {"read": t_read, **result.timings}
        return result

    def analyze_many(self, paths: Iterable[str | Path]) -> Iterator[ImageResult]:
        for p in paths:
            yield self.analyze(p)
