"""Average precision of a ranked list.

``continuous``: the area under the interpolated precision-recall curve (precision made
monotone from the right, summed over recall steps), as in HICO-DET's and VOC2010+'s code.
``voc11``: the VOC2007 11-point interpolation (mean of the best precision at recall >= t
for the 11 thresholds of Matlab's ``0:0.1:1``, exactly as the HICO-DET and VOC Matlab code
builds them: ``VOC11_THRESHOLDS``; its 4th value is 0.30000000000000004, so a recall of exactly
0.3 does not reach it).
``step``: no interpolation, the sum of precision times recall step over the ranked list
(scikit-learn's ``average_precision_score``); it is lower than ``continuous`` wherever
precision dips and recovers.

``average_precision`` treats **tied scores as one threshold**: a run of equal scores enters
the precision-recall curve as a single point, so the result never depends on the order of
the input (a constant score gives the positive rate, with every method but ``voc11``'s
rounding). A heuristic such as box IoU, which gives 0 to every pair of boxes that do not
overlap, is judged on what it can actually tell apart.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

APMethod = Literal["continuous", "voc11", "step"]
AP_METHODS: tuple[str, ...] = ("continuous", "voc11", "step")


def matlab_colon(a: float, d: float, b: float) -> np.ndarray:
    """Matlab's ``a:d:b`` bit for bit: the first half is ``a + k*d``, the second half
    ``b - k*d`` and an even count's middle element ``(a+b)/2`` (MathWorks' ``colonop``).
    ``torch.linspace`` builds the same values; ``np.linspace`` and ``np.arange`` do not."""
    n = int(round((b - a) / d))
    if a + n * d - b > 2.0 * np.finfo(float).eps * max(abs(a), abs(b)):
        n -= 1
    out = np.empty(n + 1)
    k = np.arange(n // 2 + 1)
    out[k] = a + k * d
    out[n - k] = b - k * d
    if n % 2 == 0:
        out[n // 2] = (a + b) / 2
    return out


VOC11_THRESHOLDS: np.ndarray = matlab_colon(0.0, 0.1, 1.0)


def ap_from_pr(recall: np.ndarray, precision: np.ndarray, method: APMethod = "continuous") -> float:
    """AP from recall/precision arrays ordered by descending score."""
    recall = np.asarray(recall, dtype=float)
    precision = np.asarray(precision, dtype=float)
    if recall.size == 0:
        return 0.0
    if method == "voc11":
        total = 0.0
        for t in VOC11_THRESHOLDS:  # Matlab: ap = ap + p/11, in this order
            p = precision[recall >= t]
            total += (float(p.max()) if p.size else 0.0) / 11.0
        return total
    if method == "step":
        steps = np.diff(np.concatenate([[0.0], recall]))
        return float(np.sum(steps * precision))
    if method != "continuous":
        raise ValueError(f"unknown AP method {method!r}")
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    idx = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[idx + 1] - mrec[idx]) * mpre[idx + 1]))


def average_precision(
    scores: np.ndarray, labels: np.ndarray, n_positives: int | None = None, method: APMethod = "continuous"
) -> float:
    """AP of ``scores`` against binary ``labels`` (1 = true positive detection).

    ``n_positives`` is the number of ground-truth positives (defaults to ``labels.sum()``);
    pass it when some positives were never detected. Equal scores count as one threshold
    (see the module docstring), so the order of the input never matters.
    """
    scores = np.asarray(scores, dtype=float).ravel()
    labels = np.asarray(labels, dtype=float).ravel()
    if scores.shape != labels.shape:
        raise ValueError("scores and labels differ in length")
    npos = float(labels.sum()) if n_positives is None else float(n_positives)
    if npos <= 0:
        return float("nan")
    order = np.argsort(-scores, kind="stable")
    tp = labels[order]
    fp = 1.0 - tp
    ctp = np.cumsum(tp)
    cfp = np.cumsum(fp)
    ranked = scores[order]
    last = np.flatnonzero(np.append(ranked[1:] != ranked[:-1], True))  # end of each run of equal scores
    ctp, cfp = ctp[last], cfp[last]
    recall = ctp / npos
    precision = ctp / np.maximum(ctp + cfp, np.finfo(float).eps)
    return ap_from_pr(recall, precision, method)
