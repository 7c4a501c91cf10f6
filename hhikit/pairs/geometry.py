"""Geometry of a pair of people: box relations, facing directions and hand contacts.

Boxes are ``[x1, y1, x2, y2]`` in pixels. Keypoints are COCO-17 ``(17, 3)`` arrays of
``x, y, score`` in pixels (or ``None``). Every value is a float so that it fits
``Pair.geometry``. Box values are always present; keypoint values only when the keypoints
needed for them are visible (score >= ``min_score``), so an absent key means "unknown".

Definitions (``a`` is the person with the smaller id; signed values are ``b`` minus ``a``):

- ``iou``: intersection over union of the two boxes.
- ``overlap_min``: intersection over the smaller box's area (1 when one contains the other).
- ``center_dist``: distance of the box centres over the diagonal of the union box (0..~0.7,
  invariant to image size and to the pair's scale).
- ``center_dist_height``: distance of the centres over the mean box height (a person's
  height is a better ruler than the union box when the two are far apart).
- ``gap``: shortest distance between the two boxes' edges over the mean height (0 if they touch).
- ``rel_size``: smaller box area over larger box area (0..1); ``rel_height`` the same for heights.
- ``dx``, ``dy``: centre offsets over the mean width / mean height; ``dy > 0`` means b is lower.
- ``bottom_offset``: difference of the boxes' bottom edges over the mean height (b minus a);
  people standing on the same floor at the same depth have a small one.
- ``facing_a``, ``facing_b``: -1 facing image-left, +1 facing image-right, 0 facing the camera
  (or no horizontal cue), from nose, ears, eyes and shoulders.
- ``a_faces_b``, ``b_faces_a``: 1 when that person's facing direction points towards the other's
  box centre, else 0; ``mutual_facing`` is their product.
- ``a_hand_in_b_box``: how many of a's wrists (0..2) are inside b's box grown by 10% of its size;
  ``a_hand_near_b``: how many of a's wrists are within half of b's torso length (or 0.15 of
  b's box height when b's torso is not visible) of any of b's visible keypoints; and the same for b. ``hand_contacts`` sums the
  "near" counts; ``min_hand_dist`` is the smallest wrist-to-other's-keypoint distance over the
  mean height.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hhikit.boxes import box_iou as _box_iou

# COCO-17 indices used here.
NOSE, L_EYE, R_EYE, L_EAR, R_EAR, L_SHOULDER, R_SHOULDER = 0, 1, 2, 3, 4, 5, 6
L_WRIST, R_WRIST, L_HIP, R_HIP = 9, 10, 11, 12

MIN_SCORE = 0.2
BOX_MARGIN = 0.10  # grow the other's box by this fraction of its size for "hand in box"
NEAR_TORSO = 0.5  # "near a keypoint": within half the other's torso length ...
NEAR_HEIGHT = 0.15  # ... or, torso not visible, 0.15 of the other's box height
FACING_MIN = 0.25  # |horizontal facing cue| below this counts as facing the camera


def _box(b: Any) -> np.ndarray:
    b = np.asarray(b, dtype=np.float64).reshape(4)
    x1, y1, x2, y2 = b
    return np.array([min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)])


def _wh(b: np.ndarray) -> tuple[float, float]:
    return max(float(b[2] - b[0]), 1e-6), max(float(b[3] - b[1]), 1e-6)


def box_iou(a: Any, b: Any) -> float:
    """Intersection over union of two boxes."""
    return _box_iou(_box(a), _box(b))


def box_geometry(box_a: Any, box_b: Any) -> dict[str, float]:
    """The box-only relations of two boxes (see the module docstring)."""
    a, b = _box(box_a), _box(box_b)
    wa, ha = _wh(a)
    wb, hb = _wh(b)
    area_a, area_b = wa * ha, wb * hb
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = area_a + area_b - inter
    cxa, cya = (a[0] + a[2]) / 2, (a[1] + a[3]) / 2
    cxb, cyb = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    ux1, uy1 = min(a[0], b[0]), min(a[1], b[1])
    ux2, uy2 = max(a[2], b[2]), max(a[3], b[3])
    diag = max(float(np.hypot(ux2 - ux1, uy2 - uy1)), 1e-6)
    dist = float(np.hypot(cxb - cxa, cyb - cya))
    mh, mw = (ha + hb) / 2, (wa + wb) / 2
    gx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    gy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return {
        "iou": float(inter / union) if union > 0 else 0.0,
        "overlap_min": float(inter / max(min(area_a, area_b), 1e-6)),
        "center_dist": dist / diag,
        "center_dist_height": dist / mh,
        "gap": float(np.hypot(gx, gy)) / mh,
        "rel_size": float(min(area_a, area_b) / max(area_a, area_b)),
        "rel_height": float(min(ha, hb) / max(ha, hb)),
        "dx": float(cxb - cxa) / mw,
        "dy": float(cyb - cya) / mh,
        "bottom_offset": float(b[3] - a[3]) / mh,
    }


def _visible(kp: np.ndarray, i: int, min_score: float) -> bool:
    return bool(kp[i, 2] >= min_score)


def facing_cue(keypoints: Any, min_score: float = MIN_SCORE) -> float | None:
    """A horizontal facing cue in [-1, 1]: negative facing image-left, positive image-right,
    near 0 facing the camera; ``None`` without usable keypoints.

    The head gives the sign: the nose lies on the side the person faces, relative to the
    middle of the ears (or eyes); with one ear visible, the nose is on the far side of it.
    Shoulders seen frontally (left shoulder on the image right, wide apart) pull the cue
    towards 0; a profile (narrow shoulders) keeps it.
    """
    if keypoints is None:
        return None
    kp = np.asarray(keypoints, dtype=np.float64).reshape(-1, 3)
    if len(kp) < 17 or not _visible(kp, NOSE, min_score):
        return None
    nose = kp[NOSE, 0]
    head: float | None = None
    for li, ri in ((L_EAR, R_EAR), (L_EYE, R_EYE)):
        lv, rv = _visible(kp, li, min_score), _visible(kp, ri, min_score)
        if lv and rv:
            span = abs(kp[li, 0] - kp[ri, 0])
            mid = (kp[li, 0] + kp[ri, 0]) / 2
            scale = max(span, 1e-6)
            # In a profile the ears (or eyes) nearly coincide and the nose sticks out.
            head = float(np.clip(2.0 * (nose - mid) / scale, -1.0, 1.0))
            break
        if lv != rv and li == L_EAR:
            ear = kp[li if lv else ri, 0]
            # Only the left ear visible: the person turned to their right, i.e. towards
            # image-left, and the nose is left of the ear (and vice versa).
            head = float(np.sign(nose - ear)) or None
            break
    if head is None:
        return None
    ls, rs = _visible(kp, L_SHOULDER, min_score), _visible(kp, R_SHOULDER, min_score)
    if ls and rs:
        sw = kp[L_SHOULDER, 0] - kp[R_SHOULDER, 0]  # > 0 when seen from the front
        torso = _body_scale(kp, min_score) or abs(sw) or 1.0
        frontal = float(np.clip(sw / (0.5 * torso), 0.0, 1.0))
        head *= 1.0 - 0.5 * frontal
    return head


def facing_direction(keypoints: Any, min_score: float = MIN_SCORE) -> float | None:
    """-1 (image-left), +1 (image-right) or 0 (camera); ``None`` when unknown."""
    cue = facing_cue(keypoints, min_score)
    if cue is None:
        return None
    return 0.0 if abs(cue) < FACING_MIN else float(np.sign(cue))


def _body_scale(kp: np.ndarray, min_score: float) -> float | None:
    """Shoulder-mid to hip-mid distance (a torso length), if visible."""
    if all(_visible(kp, i, min_score) for i in (L_SHOULDER, R_SHOULDER, L_HIP, R_HIP)):
        sh = (kp[L_SHOULDER, :2] + kp[R_SHOULDER, :2]) / 2
        hp = (kp[L_HIP, :2] + kp[R_HIP, :2]) / 2
        d = float(np.hypot(*(sh - hp)))
        return d if d > 1e-6 else None
    return None


def _hands(
    kp_a: np.ndarray | None, box_b: np.ndarray, kp_b: np.ndarray | None, min_score: float
) -> tuple[float, float, float] | None:
    """(wrists in b's grown box, wrists near b's keypoints, min wrist distance in pixels)."""
    if kp_a is None or len(kp_a) < 17:
        return None
    wrists = [kp_a[i, :2] for i in (L_WRIST, R_WRIST) if _visible(kp_a, i, min_score)]
    if not wrists:
        return None
    wb, hb = _wh(box_b)
    mx, my = BOX_MARGIN * wb, BOX_MARGIN * hb
    in_box = sum(box_b[0] - mx <= x <= box_b[2] + mx and box_b[1] - my <= y <= box_b[3] + my for x, y in wrists)
    near, dmin = 0, float("inf")
    if kp_b is not None:
        pts = kp_b[kp_b[:, 2] >= min_score, :2]
        if len(pts):
            torso = _body_scale(kp_b, min_score)
            radius = NEAR_TORSO * torso if torso else NEAR_HEIGHT * hb
            for w in wrists:
                d = float(np.min(np.hypot(*(pts - w).T)))
                dmin = min(dmin, d)
                near += d <= radius
    return float(in_box), float(near), dmin


def pair_geometry(
    box_a: Any,
    box_b: Any,
    keypoints_a: Any = None,
    keypoints_b: Any = None,
    min_score: float = MIN_SCORE,
) -> dict[str, float]:
    """All relations of a pair: box values always, keypoint values when visible."""
    a, b = _box(box_a), _box(box_b)
    g = box_geometry(a, b)
    kpa = None if keypoints_a is None else np.asarray(keypoints_a, dtype=np.float64).reshape(-1, 3)
    kpb = None if keypoints_b is None else np.asarray(keypoints_b, dtype=np.float64).reshape(-1, 3)
    fa, fb = facing_direction(kpa, min_score), facing_direction(kpb, min_score)
    cxa, cxb = (a[0] + a[2]) / 2, (b[0] + b[2]) / 2
    if fa is not None:
        g["facing_a"] = fa
        g["a_faces_b"] = float(fa != 0 and np.sign(cxb - cxa) == fa)
    if fb is not None:
        g["facing_b"] = fb
        g["b_faces_a"] = float(fb != 0 and np.sign(cxa - cxb) == fb)
    if fa is not None and fb is not None:
        g["mutual_facing"] = g["a_faces_b"] * g["b_faces_a"]
    mh = ((a[3] - a[1]) + (b[3] - b[1])) / 2
    ha, hb = _hands(kpa, b, kpb, min_score), _hands(kpb, a, kpa, min_score)
    dmins = []
    if ha is not None:
        g["a_hand_in_b_box"], g["a_hand_near_b"] = ha[0], ha[1]
        dmins.append(ha[2])
    if hb is not None:
        g["b_hand_in_a_box"], g["b_hand_near_a"] = hb[0], hb[1]
        dmins.append(hb[2])
    if ha is not None or hb is not None:
        g["hand_contacts"] = (ha[1] if ha else 0.0) + (hb[1] if hb else 0.0)
        finite = [d for d in dmins if np.isfinite(d)]
        if finite:
            g["min_hand_dist"] = float(min(finite) / max(mh, 1e-6))
    return g


# ---------------------------------------------------------------- many pairs at once


def _boxes(boxes: Any) -> np.ndarray:
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.stack([np.minimum(b[:, 0], b[:, 2]), np.minimum(b[:, 1], b[:, 3]),
                     np.maximum(b[:, 0], b[:, 2]), np.maximum(b[:, 1], b[:, 3])], axis=1)  # fmt: skip


def _box_geometry_many(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """``box_geometry`` of N box pairs as arrays (same formulas, vectorised)."""
    wa, ha = np.maximum(a[:, 2] - a[:, 0], 1e-6), np.maximum(a[:, 3] - a[:, 1], 1e-6)
    wb, hb = np.maximum(b[:, 2] - b[:, 0], 1e-6), np.maximum(b[:, 3] - b[:, 1], 1e-6)
    area_a, area_b = wa * ha, wb * hb
    iw = np.maximum(0.0, np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]))
    ih = np.maximum(0.0, np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]))
    inter = iw * ih
    union = area_a + area_b - inter
    dxc = (b[:, 0] + b[:, 2]) / 2 - (a[:, 0] + a[:, 2]) / 2
    dyc = (b[:, 1] + b[:, 3]) / 2 - (a[:, 1] + a[:, 3]) / 2
    uw = np.maximum(a[:, 2], b[:, 2]) - np.minimum(a[:, 0], b[:, 0])
    uh = np.maximum(a[:, 3], b[:, 3]) - np.minimum(a[:, 1], b[:, 1])
    diag = np.maximum(np.hypot(uw, uh), 1e-6)
    dist = np.hypot(dxc, dyc)
    mh, mw = (ha + hb) / 2, (wa + wb) / 2
    gx = np.maximum(0.0, np.maximum(a[:, 0], b[:, 0]) - np.minimum(a[:, 2], b[:, 2]))
    gy = np.maximum(0.0, np.maximum(a[:, 1], b[:, 1]) - np.minimum(a[:, 3], b[:, 3]))
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    return {
        "iou": iou,
        "overlap_min": inter / np.maximum(np.minimum(area_a, area_b), 1e-6),
        "center_dist": dist / diag,
        "center_dist_height": dist / mh,
        "gap": np.hypot(gx, gy) / mh,
        "rel_size": np.minimum(area_a, area_b) / np.maximum(area_a, area_b),
        "rel_height": np.minimum(ha, hb) / np.maximum(ha, hb),
        "dx": dxc / mw,
        "dy": dyc / mh,
        "bottom_offset": (b[:, 3] - a[:, 3]) / mh,
    }


def _hand_matrices(
    boxes: np.ndarray, kps: list[np.ndarray | None], min_score: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For every ordered pair (i, j) of people: i's wrists in j's grown box, i's wrists near
    j's keypoints, i's smallest wrist-to-j distance in pixels (inf if none), and whether i
    has a visible wrist at all (``_hands`` is not None)."""
    n = len(boxes)
    wrist = np.zeros((n, 2, 2))
    wvis = np.zeros((n, 2), dtype=bool)
    pts = np.zeros((n, 17, 2))
    pvis = np.zeros((n, 17), dtype=bool)
    radius = np.zeros(n)
    for i, kp in enumerate(kps):
        hb = max(float(boxes[i, 3] - boxes[i, 1]), 1e-6)
        if kp is None or len(kp) < 17:
            radius[i] = NEAR_HEIGHT * hb
            continue
        wrist[i] = kp[[L_WRIST, R_WRIST], :2]
        wvis[i] = kp[[L_WRIST, R_WRIST], 2] >= min_score
        pts[i] = kp[:17, :2]
        pvis[i] = kp[:17, 2] >= min_score
        torso = _body_scale(kp, min_score)
        radius[i] = NEAR_TORSO * torso if torso else NEAR_HEIGHT * hb
    has = wvis.any(axis=1)
    wb = np.maximum(boxes[:, 2] - boxes[:, 0], 1e-6)
    hb = np.maximum(boxes[:, 3] - boxes[:, 1], 1e-6)
    mx, my = BOX_MARGIN * wb, BOX_MARGIN * hb
    x, y = wrist[:, None, :, 0], wrist[:, None, :, 1]  # (i, 1, w)
    inside = (
        ((boxes[None, :, 0] - mx[None])[..., None] <= x) & (x <= (boxes[None, :, 2] + mx[None])[..., None])
        & ((boxes[None, :, 1] - my[None])[..., None] <= y) & (y <= (boxes[None, :, 3] + my[None])[..., None])
    )  # fmt: skip
    in_box = (inside & wvis[:, None, :]).sum(axis=2).astype(np.float64)
    d = np.hypot(*(wrist[:, None, :, None, :] - pts[None, :, None, :, :]).transpose(4, 0, 1, 2, 3))  # (i, j, w, k)
    d = np.where(pvis[None, :, None, :], d, np.inf).min(axis=3)  # (i, j, w)
    d = np.where(wvis[:, None, :], d, np.inf)
    near = (d <= radius[None, :, None]).sum(axis=2).astype(np.float64)
    return in_box, near, d.min(axis=2), has


def pairs_geometry(
    boxes: Any,
    keypoints: list[Any] | None,
    pairs: list[tuple[int, int]],
    min_score: float = MIN_SCORE,
) -> list[dict[str, float]]:
    """``pair_geometry`` of many pairs of the same people at once: ``boxes`` ``(n, 4)``,
    ``keypoints`` one COCO-17 array or ``None`` per person, ``pairs`` index pairs ``(i, j)``.
    Same values and keys as ``pair_geometry(boxes[i], boxes[j], keypoints[i], keypoints[j])``,
    computed with per-person work done once and the pair work vectorised (a 20-person
    image has 190 pairs)."""
    if not pairs:
        return []
    bx = _boxes(boxes)
    n = len(bx)
    kps = [None if k is None else np.asarray(k, dtype=np.float64).reshape(-1, 3) for k in (keypoints or [None] * n)]
    ia = np.array([i for i, _ in pairs])
    ib = np.array([j for _, j in pairs])
    geo = _box_geometry_many(bx[ia], bx[ib])
    cols = {k: v.tolist() for k, v in geo.items()}
    facing = [facing_direction(k, min_score) for k in kps]
    cx = (bx[:, 0] + bx[:, 2]) / 2
    in_box, near, dmin, has = _hand_matrices(bx, kps, min_score)
    hgt = bx[:, 3] - bx[:, 1]
    out: list[dict[str, float]] = []
    for p, (i, j) in enumerate(pairs):
        g = {k: float(cols[k][p]) for k in cols}
        fa, fb = facing[i], facing[j]
        if fa is not None:
            g["facing_a"] = fa
            g["a_faces_b"] = float(fa != 0 and np.sign(cx[j] - cx[i]) == fa)
        if fb is not None:
            g["facing_b"] = fb
            g["b_faces_a"] = float(fb != 0 and np.sign(cx[i] - cx[j]) == fb)
        if fa is not None and fb is not None:
            g["mutual_facing"] = g["a_faces_b"] * g["b_faces_a"]
        if has[i]:
            g["a_hand_in_b_box"], g["a_hand_near_b"] = float(in_box[i, j]), float(near[i, j])
        if has[j]:
            g["b_hand_in_a_box"], g["b_hand_near_a"] = float(in_box[j, i]), float(near[j, i])
        if has[i] or has[j]:
            g["hand_contacts"] = (float(near[i, j]) if has[i] else 0.0) + (float(near[j, i]) if has[j] else 0.0)
            finite = [d for d, h in ((dmin[i, j], has[i]), (dmin[j, i], has[j])) if h and np.isfinite(d)]
            if finite:
                mh = (hgt[i] + hgt[j]) / 2
                g["min_hand_dist"] = float(min(finite) / max(mh, 1e-6))
        out.append(g)
    return out
