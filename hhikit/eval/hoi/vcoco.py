"""V-COCO role AP (scenarios 1 and 2) and agent AP as s-gupta/v-coco ``vsrl_eval.py``
computes them, on the fredzzhang/vcoco JSON layout.

Matching of one detection (person box, role box, score) of an action-role class, in rank
order (``hhikit.eval.hoi.match``): the ground-truth person is the one of highest IoU with the
detection's person box among *all* people of the image (first of equal IoU); the detection is a
true positive when that person does the class's action, the person IoU is >= 0.5, the role
overlap is >= 0.5 and the (person, class) is not covered yet; otherwise a false positive. The
role overlap is the IoU with that person's role object; when the person has no role object for
the class, scenario 1 wants an empty predicted role (overlap 1, else 0) and scenario 2 takes 1.
Positives of a class are the people doing its action (``npos`` per action, as the reference):
so a person who cuts but has no annotated instrument is a positive of ``cut instr`` that only
an empty role box (scenario 1) or any role box (scenario 2) can match. Agent AP: the same
without the role, per action; mean = sum over actions / number of actions (``nansum``).

People are the distinct ``boxes_h`` of an image in this layout (its pairs' people; the
reference also has the people without a role action, which this layout does not keep).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from hhikit.eval.boxes import IoUConvention, paired_iou
from hhikit.eval.hoi.data import HOIDetections, HOIGroundTruth, prepare_detections
from hhikit.eval.hoi.match import (
    IOU_THRESHOLD,
    best_candidate,
    expand,
    first_claims,
    nanmean,
    opt_float,
    per_class_ap,
    rank_order,
    ranks,
    warn,
)
from hhikit.eval.report import EvalReport, Table


def action_of(name: str) -> str:
    """``"talk_on_phone instr"`` -> ``"talk_on_phone"``: the action of an action-role class."""
    return name.rsplit(" ", 1)[0] if " " in name else name


class VcocoPeople:
    """The people of the ground truth, their actions and their role objects per class."""

    def __init__(self, gt: HOIGroundTruth) -> None:
        self.actions = list(dict.fromkeys(action_of(c) for c in gt.classes))
        a_index = {a: i for i, a in enumerate(self.actions)}
        self.class_action = np.array([a_index[action_of(c)] for c in gt.classes], dtype=np.int64)
        order = np.argsort(gt.image, kind="stable")
        keys: dict[tuple[int, bytes], int] = {}
        pid = np.empty(len(gt.image), dtype=np.int64)
        for i in order.tolist():  # people in image order, then order of first appearance
            pid[i] = keys.setdefault((int(gt.image[i]), gt.box_h[i].tobytes()), len(keys))
        first = np.full(len(keys), -1, dtype=np.int64)
        first[pid[::-1]] = np.arange(len(pid))[::-1]
        self.image = gt.image[first]
        self.box = gt.box_h[first]
        n_p, n_a, n_c = len(keys), len(self.actions), gt.n_classes
        self.does = np.zeros((n_p, n_a), dtype=bool)
        self.does[pid, self.class_action[gt.hoi]] = True
        self.role = np.full((n_p * n_c, 4), np.nan)  # first pair of (person, class); NaN = no role object
        flat = pid * n_c + gt.hoi
        seen = np.zeros(n_p * n_c, dtype=bool)
        for i in order.tolist():
            if not seen[flat[i]]:
                seen[flat[i]] = True
                self.role[flat[i]] = gt.box_o[i]
        self.n_classes = n_c

    def __len__(self) -> int:
        return len(self.image)


def vcoco_gt_as_predictions(gt: HOIGroundTruth, score: float = 1.0) -> Iterator[dict[str, Any]]:
    """Rows that score 1 on every V-COCO figure: see :func:`hhikit.eval.hoi.gt_as_predictions`."""
    people = VcocoPeople(gt)
    C = gt.n_classes
    for p in range(len(people)):
        for a in np.nonzero(people.does[p])[0].tolist():
            for n, c in enumerate(np.nonzero(people.class_action == a)[0].tolist()):
                role = people.role[p * C + c]
                yield {
                    "image": gt.filenames[int(people.image[p])],
                    "box_h": [float(v) for v in people.box[p]],
                    "box_o": None if np.isnan(role).any() else [float(v) for v in role],
                    "hoi": c,
                    "score": float(score) if n == 0 else float(score) / 2,
                }


def _match_people(people: VcocoPeople, d_img: np.ndarray, d_h: np.ndarray, convention: IoUConvention):  # type: ignore[no-untyped-def]
    """Best person of each detection (-1 when the image has no person) and its IoU."""
    n = len(d_img)
    best_ov = np.full(n, -np.inf)
    best = np.full(n, -1, dtype=np.int64)
    for rep, gi in expand(d_img, people.image):
        best_candidate(rep, gi, np.nan_to_num(paired_iou(d_h[rep], people.box[gi], convention), nan=0.0),
                       best_ov, best)  # fmt: skip
    return best, best_ov


def evaluate_vcoco(
    gt: HOIGroundTruth,
    det: HOIDetections,
    convention: IoUConvention = "inclusive",
    threshold: float = IOU_THRESHOLD,
) -> EvalReport:
    """V-COCO role AP (scenarios 1 and 2; mean over action-role classes) and agent AP (mean
    over actions) of ``vsrl_eval.py``. Every row is one detection of its class's action."""
    messages: list[str] = []
    prep = prepare_detections(gt, det, count_empty=True)
    k = np.nonzero(prep.keep)[0]
    d_img, d_cls, d_score = prep.det_img[k], det.hoi[k], det.score[k]
    d_h, d_o = det.box_h[k], det.box_o[k]
    people = VcocoPeople(gt)
    C, A = gt.n_classes, len(people.actions)
    rank = ranks(rank_order(d_score, d_img))
    person, ov_h = _match_people(people, d_img, d_h, convention)
    no_person = person < 0
    if no_person.any():
        warn(messages, f"{int(no_person.sum())} detections are on images without any annotated person: false "
                       "positives (vsrl_eval.py stops with an error there)")  # fmt: skip
    p = np.where(no_person, 0, person)
    d_act = people.class_action[d_cls]
    true_action = ~no_person & people.does[p, d_act] if len(people) else np.zeros(len(k), bool)
    person_ok = true_action & (ov_h >= threshold)
    g_role = people.role[p * C + d_cls] if len(people) else np.full((len(k), 4), np.nan)
    g_none = np.isnan(g_role).any(1)
    d_none = np.isnan(d_o).any(1)
    ov_role = paired_iou(d_o, np.where(np.isnan(g_role), 0.0, g_role), convention)  # NaN when no predicted role
    npos_act = people.does.sum(0).astype(float)
    npos = npos_act[people.class_action]
    res: dict[str, Any] = {}
    per: dict[str, np.ndarray] = {}
    for sc in ("scenario1", "scenario2"):
        missing = d_none.astype(float) if sc == "scenario1" else np.ones(len(k))
        ov = np.where(g_none, missing, np.nan_to_num(ov_role, nan=-1.0))
        tp = first_claims(person_ok & (ov >= threshold), d_cls * max(len(people), 1) + p, rank)
        per[sc] = per_class_ap(d_cls, d_score, tp, npos, "continuous", rank=rank)
        res[sc] = nanmean(per[sc])
    tp_agent = first_claims(person_ok, d_act * max(len(people), 1) + p, rank)
    per["agent"] = per_class_ap(d_act, d_score, tp_agent, npos_act, "continuous", rank=rank)
    res["agent"] = float(np.nansum(per["agent"]) / A) if A else None
    ndet = np.bincount(d_cls, minlength=C)
    for c in np.nonzero(ndet == 0)[0].tolist():
        warn(messages, f"class {c} ({gt.classes[c]}) has no detection: AP 0 (vsrl_eval.py stops with an error)")
    for c in np.nonzero(npos == 0)[0].tolist():
        warn(messages, f"class {c} ({gt.classes[c]}) has no ground truth: AP null, left out of the role mean")
    n_missing_role = int(sum(
        int(people.does[:, people.class_action[c]].sum()) - int((~np.isnan(people.role[c::C]).any(1)).sum())
        for c in range(C)))  # fmt: skip
    summary = {
        **res,
        "protocol": "s-gupta/v-coco vsrl_eval.py: role AP scenarios 1 and 2 (mean over action-role classes), "
                    "agent AP (sum over actions / number of actions); all-point VOC AP",
        "actions": people.actions,
        "n_classes": C, "n_actions": A, "n_people": len(people), "n_gt_pairs": len(gt.hoi),
        "n_missing_roles": n_missing_role, "n_detections": len(det),
        "unknown_images": prep.n_unknown_images, "iou_convention": convention, "iou_threshold": threshold,
        "tie_order": "score descending, then image order of the annotation file, then line order",
        "warnings": messages,
    }  # fmt: skip
    items = [
        {"class": c, "name": gt.classes[c], "n_gt": int(npos[c]), "n_detections": int(ndet[c]),
         "ap_scenario1": opt_float(per["scenario1"][c]), "ap_scenario2": opt_float(per["scenario2"][c])}
        for c in range(C)
    ] + [{"action": a, "n_gt": int(npos_act[i]), "ap_agent": opt_float(per["agent"][i])}
         for i, a in enumerate(people.actions)]  # fmt: skip
    tables = [
        Table("V-COCO AP", ["figure", "AP"],
              [["role, scenario 1", res["scenario1"]], ["role, scenario 2", res["scenario2"]], ["agent", res["agent"]]]),
        Table("Role AP per class", ["class", "name", "n_gt", "AP sc1", "AP sc2"],
              [[it["class"], it["name"], it["n_gt"], it["ap_scenario1"], it["ap_scenario2"]] for it in items[:C]]),
    ]  # fmt: skip
    return EvalReport("vcoco", summary, items, tables)
