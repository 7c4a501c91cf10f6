"""TIN's post-processing rules: Low-grade Instance Suppression (LIS) and Non-Interaction
Suppression (NIS), with the thresholds of its HICO-DET and V-COCO test scripts.

- **LIS** weights a detection score ``x`` by ``T / (1 + exp(k - w * x))``; TIN uses
  ``(T, k, w) = (6, 10, 1.4)`` for HICO-DET and ``(6, 6, 7)`` for V-COCO. An HOI score is
  ``P(hoi) * LIS(human score) * LIS(object score)``.
- **NIS** uses the discriminator's two outputs ``P(interactive)`` and ``P(not interactive)``
  (two sigmoids, not a softmax). *HICO-DET*: a pair is suppressed when
  ``P(not) > t_no`` and ``P(inter) < t_inter`` (TIN's defaults 0.9 / 0.1, with its
  per-object exceptions in ``HICO_NIS_EXCEPTIONS``); its ``no_interaction`` classes
  are never suppressed (they are the answer for a non-interacting pair). *V-COCO*: per
  object category ``(inter_bound, no_inter_bound)`` from ``VCOCO_NIS_BOUNDS``; suppressed when
  ``P(inter) < inter_bound`` and ``P(not) > no_inter_bound``, and always when the object is
  a person (TIN's V-COCO script scores no person as a role object).
"""

from __future__ import annotations

from typing import Any

import numpy as np

LIS_HICODET: tuple[float, float, float] = (6.0, 10.0, 1.4)
LIS_VCOCO: tuple[float, float, float] = (6.0, 6.0, 7.0)

# TIN's HICO-DET NIS: (t_no, t_inter) for some objects (COCO-80 index), the rest use the
# command's pair; keyed here by COCO-80 name.
HICO_NIS_DEFAULT: tuple[float, float] = (0.9, 0.1)  # TIN's test script: thres_y = 0.9, thres_x = 0.1
HICO_NIS_EXCEPTIONS: dict[str, tuple[float, float]] = {
    "person": (0.85, 0.05), "bicycle": (0.85, 0.2), "motorcycle": (0.85, 0.15), "fire hydrant": (0.85, 0.15),
    "sheep": (0.85, 0.2), "skis": (0.85, 0.1), "wine glass": (0.85, 0.15), "fork": (0.85, 0.1),
    "apple": (0.85, 0.2), "chair": (0.85, 0.2), "tv": (0.95, 0.15),
}  # fmt: skip

# TIN's V-COCO NIS bounds per COCO-80 object (index order): (inter_bound, no_inter_bound).
VCOCO_NIS_BOUNDS: tuple[tuple[float, float], ...] = (
    (1e-05, 0.85), (0.0015, 0.8), (0.0002, 0.85), (0.001, 0.8), (0.0007, 0.85), (0.0007, 0.85), (0.002, 0.8),
    (1e-04, 0.85), (5e-05, 0.85), (1e-05, 0.85), (0.0007, 0.85), (0.0007, 0.85), (0.0007, 0.85), (0.0002, 0.85),
    (0.0007, 0.85), (1e-05, 0.85), (1e-05, 0.85), (0.01, 0.95), (0.0008, 0.8), (1e-05, 0.85), (5e-05, 0.95),
    (0.0007, 0.85), (0.0007, 0.85), (0.0007, 0.85), (0.00015, 1.0), (5e-05, 0.85), (1e-04, 0.9), (0.004, 0.75),
    (0.0004, 0.9), (0.01, 0.9), (0.01, 0.9), (1e-05, 0.95), (0.005, 0.95), (0.0007, 0.85), (1e-05, 0.85),
    (1e-05, 0.85), (5e-05, 0.95), (1e-05, 0.95), (0.001, 0.95), (0.05, 0.8), (0.005, 0.8), (0.1, 0.75),
    (0.005, 0.8), (0.001, 0.8), (0.007, 0.75), (0.0008, 0.8), (0.0015, 0.85), (0.004, 0.75), (0.0007, 0.9),
    (0.0004, 0.85), (0.00015, 0.8), (0.005, 0.8), (1e-04, 0.8), (0.0035, 0.8), (0.002, 0.9), (5e-05, 0.85),
    (0.005, 0.8), (0.0015, 0.85), (1e-05, 0.85), (0.0025, 0.9), (0.05, 0.75), (0.0007, 0.85), (0.0007, 0.85),
    (1e-05, 0.9), (0.0007, 0.85), (0.05, 0.9), (1e-05, 0.85), (0.0015, 1.0), (1e-05, 0.85), (1e-05, 0.85),
    (0.0007, 0.85), (0.0007, 0.85), (0.0007, 0.85), (0.003, 0.75), (0.0007, 0.85), (1e-05, 0.85), (0.0035, 0.9),
    (0.05, 0.75), (1e-05, 0.85), (1e-05, 0.85),
)  # fmt: skip
PERSON = 0  # COCO-80 index of "person"


def lis(score: Any, params: tuple[float, float, float] = LIS_HICODET) -> np.ndarray:
    """Low-grade Instance Suppression weight ``T / (1 + exp(k - w * score))`` of detector scores."""
    t, k, w = params
    return t / (1.0 + np.exp(k - w * np.asarray(score, dtype=np.float64)))


def nis_hicodet(
    p_inter: Any, p_not: Any, obj: Any, t_no: float | None = None, t_inter: float | None = None
) -> np.ndarray:
    """``(N,)`` bool: HICO-DET pairs that NIS suppresses (their ``no_interaction`` classes stay).

    ``t_no`` / ``t_inter`` replace TIN's defaults for every object (no per-object exceptions then)."""
    from hhikit.hoi.data import COCO80

    pi, pn = np.asarray(p_inter, np.float64), np.asarray(p_not, np.float64)
    o = np.asarray(obj, np.int64)
    if t_no is not None or t_inter is not None:
        tn = np.full(len(o), HICO_NIS_DEFAULT[0] if t_no is None else t_no)
        ti = np.full(len(o), HICO_NIS_DEFAULT[1] if t_inter is None else t_inter)
    else:
        table = np.array([HICO_NIS_EXCEPTIONS.get(n, HICO_NIS_DEFAULT) for n in COCO80])
        tn, ti = table[o, 0], table[o, 1]
    return (pn > tn) & (pi < ti)


def nis_vcoco(p_inter: Any, p_not: Any, obj: Any, person_objects: bool = False) -> np.ndarray:
    """``(N,)`` bool: V-COCO pairs that NIS suppresses (TIN: all pairs whose object is a person;
    ``person_objects=True`` is hhikit's option to judge those by the bounds too)."""
    b = np.asarray(VCOCO_NIS_BOUNDS, np.float64)
    o = np.asarray(obj, np.int64)
    pi, pn = np.asarray(p_inter, np.float64), np.asarray(p_not, np.float64)
    return ((pi < b[o, 0]) & (pn > b[o, 1])) | ((o == PERSON) & (not person_objects))


def apply_hoi_rules(
    p_hoi: np.ndarray,
    p_inter: Any,
    p_not: Any,
    obj: Any,
    dataset: str,
    human_score: Any = 1.0,
    object_score: Any = 1.0,
    no_interaction: np.ndarray | None = None,
    nis: bool = True,
    person_objects: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """TIN's final scores ``(N, C)`` and the ``(N,)`` NIS mask: LIS on both detections, then
    NIS (suppressed pairs score 0, except HICO-DET's ``no_interaction`` classes)."""
    params = LIS_VCOCO if dataset == "vcoco" else LIS_HICODET
    n = len(p_hoi)
    w = lis(np.broadcast_to(human_score, (n,)), params) * lis(np.broadcast_to(object_score, (n,)), params)
    scores = np.asarray(p_hoi, np.float64) * w[:, None]
    if not nis:
        return scores, np.zeros(n, bool)
    mask = nis_vcoco(p_inter, p_not, obj, person_objects) if dataset == "vcoco" else nis_hicodet(p_inter, p_not, obj)
    keep_cols = no_interaction if no_interaction is not None else np.zeros(scores.shape[1], bool)
    scores[np.ix_(mask, ~keep_cols)] = 0.0
    return scores, mask
