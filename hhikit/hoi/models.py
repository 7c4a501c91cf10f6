"""HOI model backends: a registry, the packaged offline model and its card.

``get_hoi_model(name, **options)``; ``tin-spatial`` (default) loads the packaged V-COCO
weights, or ``weights=PATH`` from ``hhi train hoi-spatial``; ``tin`` loads a full TIN
network checkpoint from ``hhi train hoi`` (``hhikit.hoi.tin_net``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.models.card import ModelCard, register_model
from hhikit.pairs.interactiveness import register_interactiveness
from hhikit.registry import Registry

DEFAULT_HOI = "tin-spatial"
_MODELS = Registry("hoi", "HOI model")
register_hoi_model = _MODELS.register
available_hoi_models = _MODELS.names

SPATIAL_FILE = "hoi_spatial_vcoco.pt"
SPATIAL_CARD = ModelCard(
    name="hoi-tin-spatial-vcoco",
    task="hoi",
    source_kind="package",
    source="module:hhikit/models/weights",
    files=(SPATIAL_FILE,),
    licence="Apache-2.0 (weights trained by hhikit on V-COCO annotations, CC BY 4.0)",
    size_mb=3.7,
    obtain="ships with hhikit; rebuild with `hhi train hoi-spatial --vcoco instances_vcoco_train.json "
    "instances_vcoco_val.json --out hhikit/models/weights/hoi_spatial_vcoco.pt`",
    description=(
        "TIN's spatial stream and interactiveness discriminator on TIN's 64x64 interaction patterns "
        "(no pose in V-COCO boxes: TIN's 0.05 fill), plus the COCO-80 object and box-pair geometry; "
        "24 V-COCO action-role classes; width 128, float16. Command: `hhi train hoi-spatial --vcoco "
        "instances_vcoco_train.json instances_vcoco_val.json --epochs 5` (seed 0, one thread, ~12 min on a "
        "loaded 2-core CPU). Data: V-COCO train box annotations (5,759 human x object pairs); epoch chosen on "
        "V-COCO val by role AP scenario 1 with oracle boxes (epoch 5, 0.744; prior 0.538). V-COCO test, oracle "
        "boxes, `hhi eval hoi --vcoco`: role AP scenario 1 0.741 (scenario 2 0.756, agent 0.804) against 0.507 "
        "for the object-category prior; discriminator interactiveness AP 0.901 on the 11,233 test pairs, 0.917 "
        "(step 0.902) on HICO-DET's 516 person-person pairs. docs/pairs.md (HOI detection)."
    ),
    default=True,
)


def _smoke(model: Any) -> str:
    p, b = model.predict([[0, 0, 100, 200]], [[40, 150, 90, 200]], [32])
    top = int(p[0].argmax())
    return f"person + sports ball below: top class {model.classes[top]} {p[0, top]:.2f}, interactive {b[0, 0]:.2f}"


@register_model(SPATIAL_CARD, smoke=_smoke)
def build_spatial_card(resolved: Any, **_: Any) -> Any:
    from hhikit.hoi.spatial import HOISpatialModel

    return HOISpatialModel.load(resolved.path(SPATIAL_FILE))


@register_hoi_model("tin-spatial")
def tin_spatial(weights: str | Path | None = None) -> Any:
    """The offline HOI model: packaged V-COCO weights, or ``weights=PATH``."""
    from hhikit.hoi.spatial import HOISpatialModel

    if weights is not None:
        return HOISpatialModel.load(weights)
    from hhikit.models.store import resolve

    return build_spatial_card(resolve(SPATIAL_CARD.name))


@register_hoi_model("tin")
def tin_full(weights: str | Path | None = None, backbone: str | Path | None = None) -> Any:
    """The full TIN network from a checkpoint of ``hhi train hoi`` (needs images)."""
    from hhikit.hoi.tin_net import TINModel

    if weights is None:
        raise ModelUnavailable(
            "the full TIN network has no packaged weights (V-COCO/HICO-DET images are not here); "
            "train it with `hhi train hoi --vcoco FILE --images DIR --backbone RESNET_DIR --out PATH`"
        )
    return TINModel.load(weights, backbone)


def get_hoi_model(name: str | None = None, **options: Any) -> Any:
    """Build a registered HOI model by name (``None`` gives the default)."""
    return _MODELS.build(name or DEFAULT_HOI, **options)


class HOIDiscriminatorInteractiveness:
    """The HOI model's interactiveness discriminator as a pair interactiveness model:
    ``P(interactive)`` of (a as the human, b as an object of class ``object_class``), averaged
    with the swapped order so an unordered pair of people scores the same either way.
    ``threshold`` is TIN's HICO-DET NIS bound on ``P(interactive)`` for person objects (0.05;
    TIN also asks ``P(not) > 0.85``, which a single threshold cannot say)."""

    name = "tin-hoi"

    def __init__(self, model: Any, object_class: str = "person", threshold: float = 0.05) -> None:
        from hhikit.hoi.data import COCO80_INDEX

        if object_class not in COCO80_INDEX:
            raise ConfigError(f"unknown COCO-80 object class {object_class!r}")
        self.model = model
        self.obj = COCO80_INDEX[object_class]
        self.threshold = float(threshold)

    def score(self, boxes_a: Any, boxes_b: Any, keypoints_a: Any = None, keypoints_b: Any = None) -> Any:
        import numpy as np

        a = np.asarray(boxes_a, np.float64).reshape(-1, 4)
        b = np.asarray(boxes_b, np.float64).reshape(-1, 4)
        if len(a) == 0:
            return np.zeros(0, np.float32)
        obj = np.full(len(a), self.obj)
        p1 = self.model.predict(a, b, obj)[1][:, 0]
        p2 = self.model.predict(b, a, obj)[1][:, 0]
        return ((p1 + p2) / 2).astype(np.float32)


@register_interactiveness("tin-hoi")
def tin_hoi_interactiveness(
    weights: str | Path | None = None, object_class: str = "person", threshold: float = 0.05
) -> HOIDiscriminatorInteractiveness:
    """The packaged HOI model's discriminator scoring pairs (of people, by default)."""
    return HOIDiscriminatorInteractiveness(tin_spatial(weights), object_class, threshold)
