"""HOI triplets of one image: every (person, detected object) pair scored by an HOI model.

``detect_hois`` pairs each detected person with each detected COCO-80 object, scores the
pairs (``model.predict``), applies TIN's rules (LIS on the two detector scores, NIS of the
model's dataset) and keeps, per pair, the ``top_k`` classes by model probability (at least
the best one, so every pair shows its interactiveness and NIS state). A model trained
without poses (``meta["pose"]`` false, as the packaged V-COCO one) is given TIN's no-pose
fill, the input it was trained on; one trained with poses gets the people's keypoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from hhikit.errors import ConfigError
from hhikit.hoi.data import COCO80_INDEX
from hhikit.hoi.rules import apply_hoi_rules
from hhikit.pairs.features import BOX_FEATURES, box_features
from hhikit.types import HOI, DetectedObject, Person


def _where(box_h: np.ndarray, box_o: np.ndarray) -> str:
    """A short spatial cue from the two boxes."""
    f = box_features(box_h, box_o)[0]
    iou, overlap = f[BOX_FEATURES.index("iou")], f[BOX_FEATURES.index("overlap_min")]
    if overlap > 0.9:
        return "object inside the person's box" if iou < 0.5 else "boxes nearly coincide"
    if overlap > 0:
        return f"boxes overlap ({overlap:.0%} of the smaller)"
    gap = float(np.exp(f[BOX_FEATURES.index("log_gap")]) - 0.01)
    return f"object {gap:.1f} mean box heights away"


def merge_objects(objects: Sequence[DetectedObject], more: Sequence[DetectedObject]) -> list[DetectedObject]:
    """``objects`` then every object of ``more`` not already among them (same label and box),
    so indices into ``objects`` stay valid."""
    out = list(objects)
    seen = [(o.label, np.asarray(o.box, np.float32)) for o in out]
    for o in more:
        b = np.asarray(o.box, np.float32)
        if not any(lab == o.label and np.allclose(b, sb, atol=0.5) for lab, sb in seen):
            out.append(o)
            seen.append((o.label, b))
    return out


def split_label(label: str) -> tuple[str, str]:
    """``"kick obj"`` -> ``("kick", "obj")``; ``"ride horse"`` -> ``("ride", "horse")``."""
    verb, _, rest = label.partition(" ")
    return verb, rest


def detect_hois(
    people: Sequence[Person],
    objects: Sequence[DetectedObject],
    model: Any,
    top_k: int = 3,
    min_prob: float = 0.1,
    image: np.ndarray | None = None,
) -> list[HOI]:
    """Scored HOI triplets of the image (see the module docstring). A model that looks at the
    pixels (the full TIN network: ``predict_image``) needs ``image``, RGB uint8."""
    from hhikit.pairs.nis import _coco17

    idx = [(p, j) for p in people for j, o in enumerate(objects) if o.label in COCO80_INDEX and o.label != "person"]
    if not idx:
        return []
    box_h = np.stack([np.asarray(p.box, np.float64) for p, _ in idx])
    box_o = np.stack([np.asarray(objects[j].box, np.float64) for _, j in idx])
    obj = np.array([COCO80_INDEX[objects[j].label] for _, j in idx])
    use_pose = bool(getattr(model, "meta", {}).get("pose", False))
    kps = [_coco17(p) for p, _ in idx] if use_pose else None
    if callable(getattr(model, "predict_image", None)):
        if image is None:
            raise ConfigError(f"HOI model {getattr(model, 'name', '?')!r} needs the image")
        p_hoi, p_bin = model.predict_image(image, box_h, box_o, kps)
    else:
        p_hoi, p_bin = model.predict(box_h, box_o, obj, kps)
    s_h = np.array([p.score for p, _ in idx])
    s_o = np.array([objects[j].score for _, j in idx])
    no_int = getattr(model, "no_interaction", None)
    scores, mask = apply_hoi_rules(p_hoi, p_bin[:, 0], p_bin[:, 1], obj, model.dataset, s_h, s_o, no_int)
    out: list[HOI] = []
    for n, (person, j) in enumerate(idx):
        order = np.argsort(-p_hoi[n], kind="stable")
        keep = [c for c in order[:top_k] if p_hoi[n, c] >= min_prob] or [int(order[0])]
        where = _where(box_h[n : n + 1], box_o[n : n + 1])
        for c in keep:
            verb, _ = split_label(model.classes[c])
            cues = [
                f"P({model.classes[c]}) {p_hoi[n, c]:.2f}",
                f"interactive {p_bin[n, 0]:.2f} / not {p_bin[n, 1]:.2f}" + (" -> NIS" if mask[n] else ""),
                f"{objects[j].label} detected {objects[j].score:.2f}",
                where,
            ]
            out.append(HOI(person=person.id, object=j, hoi=int(c), label=model.classes[c], verb=verb,
                           object_name=objects[j].label, score=float(scores[n, c]),
                           interactiveness=float(p_bin[n, 0]), suppressed=bool(mask[n]), cues=cues))  # fmt: skip
    out.sort(key=lambda h: (h.suppressed, -h.score))
    return out


def hoi_rows(result: Any, include_suppressed: bool = False) -> list[dict[str, Any]]:
    """An image record's HOI triplets in the prediction format of ``hhi eval hoi``
    (``{"image", "box_h", "box_o", "hoi", "score"}``, image = the file name of the record's path)."""
    from pathlib import Path

    people = {p.id: p for p in result.people}
    rows = []
    for h in result.hois:
        if (
            (h.suppressed and not include_suppressed)
            or h.person not in people
            or not 0 <= h.object < len(result.objects)
        ):
            continue
        rows.append({
            "image": Path(result.path).name,
            "box_h": [round(float(v), 2) for v in people[h.person].box],
            "box_o": [round(float(v), 2) for v in result.objects[h.object].box],
            "hoi": h.hoi,
            "score": h.score,
        })  # fmt: skip
    return rows
