"""Independent ports of the reference HOI evaluation code, written from the published
algorithms as plain loops over the raw annotation JSON (no hhikit code), to check the shipped
vectorised evaluators against. Each function names the file it follows.

Tie order, where a reference's own order is not fixed: score descending, then the image's
position in the annotation file, then the detection's line in the predictions (the order the
HICO-DET Matlab code produces; ``vsrl_eval.py`` and UPT use unstable sorts).
"""

from __future__ import annotations

import math
from typing import Any

# Matlab's 0:0.1:1 (MathWorks colonop: the first half a + k*d, the second half b - k*d)
MATLAB_THRESHOLDS = [k * 0.1 for k in range(5)] + [0.5] + [1.0 - k * 0.1 for k in (4, 3, 2, 1, 0)]


def iou_pixel(a: list[float], b: list[float]) -> float:
    """IoU with the +1 pixel convention, as VOCevaldet_bboxpair.m / vsrl_eval.get_overlap."""
    iw = min(a[2], b[2]) - max(a[0], b[0]) + 1
    ih = min(a[3], b[3]) - max(a[1], b[1]) + 1
    if iw <= 0 or ih <= 0:
        return 0.0
    ua = (a[2] - a[0] + 1) * (a[3] - a[1] + 1) + (b[2] - b[0] + 1) * (b[3] - b[1] + 1) - iw * ih
    return iw * ih / ua


def iou_coord(a: list[float], b: list[float]) -> float:
    """IoU of real coordinates (torchvision ``box_iou``, used by UPT)."""
    iw = max(min(a[2], b[2]) - max(a[0], b[0]), 0.0)
    ih = max(min(a[3], b[3]) - max(a[1], b[1]), 0.0)
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def ap_11_point(tp: list[int], npos: int, thresholds: list[float] = MATLAB_THRESHOLDS) -> float:
    """VOCevaldet_bboxpair.m lines 85-99: cumulative tp/fp, then ap = ap + max(prec(rec >= t))/11."""
    ctp = cfp = 0
    rec, prec = [], []
    for t in tp:
        ctp += t
        cfp += 1 - t
        rec.append(ctp / npos if npos else math.nan)
        prec.append(ctp / (ctp + cfp))
    ap = 0.0
    for t in thresholds:
        p = [pr for r, pr in zip(rec, prec, strict=True) if r >= t]
        ap = ap + (max(p) if p else 0.0) / 11
    return ap


def voc_ap(rec: list[float], prec: list[float]) -> float:
    """vsrl_eval.py ``voc_ap``: precision envelope, area over the recall steps."""
    mrec = [0.0, *rec, 1.0]
    mpre = [0.0, *prec, 0.0]
    for i in range(len(mpre) - 1, 0, -1):
        mpre[i - 1] = max(mpre[i - 1], mpre[i])
    return sum((mrec[i + 1] - mrec[i]) * mpre[i + 1] for i in range(len(mrec) - 1) if mrec[i + 1] != mrec[i])


def _by_rank(items: list[tuple[float, int, int, Any]]) -> list[Any]:
    """(score, image, line, payload) sorted by the documented tie order."""
    return [x[3] for x in sorted(items, key=lambda x: (-x[0], x[1], x[2]))]


# ---------------------------------------------------------------- HICO-DET, Matlab


def matlab_hicodet(ann: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """ho-rcnn eval_one.m + VOCevaldet_bboxpair.m, Default and Known-Object, Full/Rare/Non-rare."""
    files = {f: i for i, f in enumerate(ann["filenames"])}
    corr = ann["correspondence"]
    n_cls = len(corr)
    obj_of = {h: o for h, o, _ in corr}
    gt: dict[tuple[int, int], list[list[float]]] = {}
    images_with_object: dict[int, set[int]] = {}
    for i, a in enumerate(ann["annotation"]):
        for bh, bo, h in zip(a["boxes_h"], a["boxes_o"], a["hoi"], strict=True):
            gt.setdefault((h, i), []).append(list(bh) + list(bo))
            images_with_object.setdefault(obj_of[h], set()).add(i)
    per_class: dict[int, list[tuple[float, int, int, list[float]]]] = {c: [] for c in range(n_cls)}
    for line, r in enumerate(rows):
        if r["image"] in files:
            bo = r["box_o"] if r.get("box_o") else [math.nan] * 4
            per_class[r["hoi"]].append((r["score"], files[r["image"]], line, list(r["box_h"]) + list(bo)))
    out: dict[str, Any] = {}
    for setting in ("default", "ko"):
        aps, cont = [], []
        for c in range(n_cls):
            dets = per_class[c]
            if setting == "ko":
                iid = images_with_object.get(obj_of[c], set())
                dets = [d for d in dets if d[1] in iid]
            order = [(d[1], d[3]) for d in sorted(dets, key=lambda d: (-d[0], d[1], d[2]))]
            npos = sum(len(v) for (h, _), v in gt.items() if h == c)
            claimed: set[tuple[int, int]] = set()
            tp = []
            for img, bb in order:
                ov_max, j_max = -math.inf, -1
                for j, g in enumerate(gt.get((c, img), [])):
                    ov = min(iou_pixel(bb[:4], g[:4]), iou_pixel(bb[4:], g[4:]))
                    if ov > ov_max:
                        ov_max, j_max = ov, j
                if ov_max >= 0.5 and (img, j_max) not in claimed:
                    claimed.add((img, j_max))
                    tp.append(1)
                else:
                    tp.append(0)
            aps.append(ap_11_point(tp, npos))
            cont.append(_all_point(tp, npos))
        out[setting] = aps
        out["continuous_" + setting] = cont
    return _means(out, ann)


def _all_point(tp: list[int], npos: int) -> float:
    """The all-point (VOC2010) AP of a ranked tp list: hhikit's ``continuous`` extra."""
    if not tp or not npos:
        return 0.0
    ctp, run = [], 0
    for t in tp:
        run += t
        ctp.append(run)
    return voc_ap([c / npos for c in ctp], [c / (i + 1) for i, c in enumerate(ctp)])


def _means(out: dict[str, list[float]], ann: dict[str, Any]) -> dict[str, Any]:
    def mean(idx: list[int], aps: list[float]) -> float:
        return sum(aps[i] for i in idx) / len(idx)

    allc = list(range(len(ann["correspondence"])))
    res = {}
    for setting, aps in out.items():
        res[setting] = {"full": mean(allc, aps), "rare": mean(ann["rare"], aps), "non_rare": mean(ann["non_rare"], aps)}
        res[setting + "_aps"] = aps
    return res


# ---------------------------------------------------------------- HICO-DET, UPT


def upt_hicodet(ann: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """UPT utils.test_hico with pocket BoxPairAssociation(min_iou=0.5) and
    DetectionAPMeter(algorithm='11P'): 'empty' images never evaluated, coordinate IoU,
    max IoU > 0.5, per ground truth the highest-scored associated detection is the positive."""
    files = {f: i for i, f in enumerate(ann["filenames"])}
    empty = set(ann.get("empty", []))
    n_cls = len(ann["correspondence"])
    per_image: dict[int, list[tuple[int, int, dict[str, Any]]]] = {}
    for line, r in enumerate(rows):
        i = files.get(r["image"])
        if i is not None and i not in empty:
            per_image.setdefault(i, []).append((line, r["hoi"], r))
    scored: dict[int, list[tuple[float, int, int, int]]] = {c: [] for c in range(n_cls)}
    npos = [0] * n_cls
    for a in ann["annotation"]:
        for h in a["hoi"]:
            npos[h] += 1
    for i, dets in per_image.items():
        a = ann["annotation"][i]
        for c in sorted({d[1] for d in dets}):
            mine = [d for d in dets if d[1] == c]
            gts = [(bh, bo) for bh, bo, h in zip(a["boxes_h"], a["boxes_o"], a["hoi"], strict=True) if h == c]
            labels = [0] * len(mine)
            if gts:
                assigned: dict[int, list[int]] = {}
                for n, (_, _, r) in enumerate(mine):
                    ious = [min(iou_coord(r["box_h"], g[0]), iou_coord(r["box_o"], g[1])) for g in gts]
                    best = max(ious)
                    if best > 0.5:
                        assigned.setdefault(ious.index(best), []).append(n)
                for members in assigned.values():
                    top = max(mine[n][2]["score"] for n in members)
                    labels[next(n for n in members if mine[n][2]["score"] == top)] = 1
            for n, (line, _, r) in enumerate(mine):
                scored[c].append((r["score"], i, line, labels[n]))
    aps = []
    for c in range(n_cls):
        tp = _by_rank(scored[c])
        aps.append(ap_11_point(tp, npos[c]) if tp and npos[c] else 0.0)
    return _means({"default": aps}, ann)


# ---------------------------------------------------------------- V-COCO, vsrl_eval.py


def _action(name: str) -> str:
    return name.rsplit(" ", 1)[0] if " " in name else name


def vsrl_vcoco(ann: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """s-gupta/v-coco vsrl_eval.py ``_do_role_eval`` (scenarios 1 and 2) and ``_do_agent_eval``
    on the fredzzhang layout: people = distinct boxes_h of an image; a person does an action when
    one of their pairs has a class of it; their role object of a class is that pair's box_o."""
    classes = ann["classes"]
    actions = list(dict.fromkeys(_action(c) for c in classes))
    act_of = [actions.index(_action(c)) for c in classes]
    files = {a["file_name"]: i for i, a in enumerate(ann["annotations"])}
    people: list[list[dict[str, Any]]] = []
    for a in ann["annotations"]:
        ps: list[dict[str, Any]] = []
        for bh, bo, c in zip(a["boxes_h"], a["boxes_o"], a["actions"], strict=True):
            p = next((q for q in ps if q["box"] == list(bh)), None)
            if p is None:
                p = {"box": list(bh), "actions": set(), "roles": {}}
                ps.append(p)
            p["actions"].add(act_of[c])
            if c not in p["roles"]:
                p["roles"][c] = list(bo) if bo and any(bo) else None
        people.append(ps)
    dets: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for line, r in enumerate(rows):
        if r["image"] in files:
            dets.setdefault(files[r["image"]], []).append((line, r))

    def evaluate(kind: str) -> list[float]:
        n = len(actions) if kind == "agent" else len(classes)
        npos = [0] * n
        scored: list[list[tuple[float, int, int, int]]] = [[] for _ in range(n)]
        for i, ps in enumerate(people):
            for p in ps:
                for c in range(n):
                    npos[c] += (c if kind == "agent" else act_of[c]) in p["actions"]
            for c in range(n):
                mine = [(line, r) for line, r in dets.get(i, [])
                        if (act_of[r["hoi"]] if kind == "agent" else r["hoi"]) == c]  # fmt: skip
                mine.sort(key=lambda x: (-x[1]["score"], x[0]))
                covered = [False] * len(ps)
                for line, r in mine:
                    if not ps:  # vsrl_eval.py: argmax of an empty array (stops); here a false positive
                        scored[c].append((r["score"], i, line, 0))
                        continue
                    ovs = [iou_pixel(r["box_h"], p["box"]) for p in ps]
                    jmax = ovs.index(max(ovs))
                    a = c if kind == "agent" else act_of[c]
                    ok = a in ps[jmax]["actions"] and ovs[jmax] >= 0.5
                    if kind != "agent":
                        g = ps[jmax]["roles"].get(c)
                        pred = r.get("box_o") if r.get("box_o") and any(r["box_o"]) else None
                        if g is None:
                            ov_role = (1.0 if pred is None else 0.0) if kind == "scenario1" else 1.0
                        else:
                            ov_role = iou_pixel(g, pred) if pred is not None else math.nan
                        ok = ok and ov_role >= 0.5
                    if ok and not covered[jmax]:
                        covered[jmax] = True
                        scored[c].append((r["score"], i, line, 1))
                    else:
                        scored[c].append((r["score"], i, line, 0))
        aps = []
        for c in range(n):
            tp = _by_rank(scored[c])
            if not tp:
                aps.append(0.0)  # vsrl_eval.py: np.amax of an empty array (stops)
                continue
            if npos[c] == 0:
                aps.append(math.nan)
                continue
            ctp = cfp = 0
            rec, prec = [], []
            for t in tp:
                ctp += t
                cfp += 1 - t
                rec.append(ctp / npos[c])
                prec.append(ctp / max(ctp + cfp, 2.220446049250313e-16))
            aps.append(voc_ap(rec, prec))
        return aps

    out: dict[str, Any] = {}
    for kind in ("scenario1", "scenario2"):
        aps = evaluate(kind)
        valid = [x for x in aps if not math.isnan(x)]
        out[kind] = sum(valid) / len(valid)
        out[kind + "_aps"] = aps
    agent = evaluate("agent")
    out["agent"] = sum(x for x in agent if not math.isnan(x)) / len(actions)
    out["agent_aps"] = agent
    return out
