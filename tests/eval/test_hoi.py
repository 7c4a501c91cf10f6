from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hhikit.errors import InputError
from hhikit.eval.ap import average_precision
from hhikit.eval.hoi import (
    HOIDetections,
    evaluate_hicodet,
    evaluate_interactiveness,
    evaluate_vcoco,
    gt_as_predictions,
    interactive_pairs,
    load_hicodet,
    load_vcoco,
    match_detections,
    read_hoi_predictions,
    write_hoi_predictions,
)
from tests.conftest import ROOT, shared_path

H = [0, 0, 99, 99]
O1 = [200, 200, 299, 299]
O2 = [400, 0, 499, 99]
FAR = [600, 600, 699, 699]


def toy_hicodet(tmp_path):
    """3 classes: 0 = ride bicycle, 1 = hold cup, 2 = no_interaction bicycle; class 1 is rare."""
    d = {
        "filenames": ["a.jpg", "b.jpg", "c.jpg", "empty.jpg"],
        "annotation": [
            {"boxes_h": [H, H], "boxes_o": [O1, O2], "hoi": [0, 1], "object": [0, 1], "verb": [0, 1]},
            {"boxes_h": [H], "boxes_o": [O1], "hoi": [0], "object": [0], "verb": [0]},
            {"boxes_h": [H], "boxes_o": [O2], "hoi": [2], "object": [0], "verb": [2]},
            {"boxes_h": [], "boxes_o": [], "hoi": [], "object": [], "verb": []},
        ],
        "empty": [3],
        "correspondence": [[0, 0, 0], [1, 1, 1], [2, 0, 2]],
        "objects": ["bicycle", "cup"],
        "verbs": ["ride", "hold", "no_interaction"],
        "rare": [1],
        "non_rare": [0, 2],
    }
    p = tmp_path / "hico.json"
    p.write_text(json.dumps(d))
    return load_hicodet(p)


def det(rows):
    return HOIDetections.from_rows(
        [{"image": im, "box_h": bh, "box_o": bo, "hoi": c, "score": s} for im, bh, bo, c, s in rows]
    )


def test_hicodet_hand_computed(tmp_path):
    gt = toy_hicodet(tmp_path)
    d = det([
        ("a.jpg", H, O1, 0, 0.9),  # TP class 0
        ("a.jpg", H, O1, 0, 0.8),  # duplicate -> FP
        ("c.jpg", H, O1, 0, 0.85),  # FP (c has no class 0); c has a bicycle -> stays in Known Object
        ("b.jpg", H, O1, 0, 0.7),  # TP
        ("b.jpg", H, O1, 1, 0.95),  # FP class 1; b has no cup -> dropped in Known Object
        ("a.jpg", H, O2, 1, 0.6),  # TP class 1
        ("c.jpg", [1, 1, 99, 99], O2, 2, 0.5),  # TP class 2 (IoU human 0.98)
        ("empty.jpg", H, O1, 0, 0.99),  # on an 'empty' image: ignored
    ])  # fmt: skip
    r = evaluate_hicodet(gt, d).to_dict()
    # official: the detection on the 'empty' image is a false positive, VOC 11-point AP.
    # class 0: F(.99) T(.9) F(.85) F(.8) T(.7), 2 positives: best precision 0.5 up to recall 0.5,
    # then 0.4 -> (6 * 0.5 + 5 * 0.4) / 11; class 1: F(.95) T(.6) -> 0.5 everywhere; class 2: 1
    ap0, ap1, ap2 = 5 / 11, 0.5, 1.0
    assert r["full"] == pytest.approx((ap0 + ap1 + ap2) / 3, abs=1e-12)
    assert r["rare"] == pytest.approx(ap1, abs=1e-12)
    assert r["non_rare"] == pytest.approx((ap0 + ap2) / 2, abs=1e-12)
    ko = r["known_object"]  # the empty image and b.jpg (no cup) are out for their classes
    assert ko["rare"] == pytest.approx(1.0) and ko["non_rare"] == pytest.approx((8.5 / 11 + 1) / 2)
    assert r["detections_on_empty_images"] == 1 and r["n_true_positives"] == 4
    assert [f["detection"] for f in r["top_false_positives"]] == [8, 5, 3, 2]  # by score: .99, .95, .85, .8
    # all-point AP, same matching: class 0 envelope 0.5 to recall 0.5, then 0.4 -> 0.45
    assert r["continuous"]["full"] == pytest.approx((0.45 + 0.5 + 1.0) / 3, abs=1e-12)
    ignored = evaluate_hicodet(gt, d, count_empty=False).to_dict()
    assert ignored["full"] == pytest.approx((8.5 / 11 + 0.5 + 1.0) / 3, abs=1e-12)
    assert ignored["continuous"]["full"] == pytest.approx((0.75 + 0.5 + 1.0) / 3, abs=1e-12)


def test_hicodet_bad_predictions(tmp_path):
    gt = toy_hicodet(tmp_path)
    with pytest.raises(InputError, match="class index"):
        evaluate_hicodet(gt, det([("a.jpg", H, O1, 7, 0.9)]))
    with pytest.raises(InputError, match="finite"):
        evaluate_hicodet(gt, det([("a.jpg", H, O1, 0, float("nan"))]))
    with pytest.raises(InputError, match="none of the"):
        evaluate_hicodet(gt, det([("zzz.jpg", H, O1, 0, 0.9)]))
    with pytest.raises(InputError, match="detection 1"):
        HOIDetections.from_rows([{"image": "a.jpg", "box_h": [1, 2], "box_o": O1, "hoi": 0, "score": 1}])
    p = tmp_path / "p.jsonl"
    p.write_text('{"image": "a.jpg"\n')
    with pytest.raises(InputError, match="line 1"):
        read_hoi_predictions(p)
    p.write_bytes(b'\xff{"image": "a.jpg"}\n')
    with pytest.raises(InputError, match="line 1 is not UTF-8"):
        read_hoi_predictions(p)
    with pytest.raises(InputError, match="directory"):
        read_hoi_predictions(tmp_path)


def test_predictions_round_trip(tmp_path):
    gt = toy_hicodet(tmp_path)
    p = tmp_path / "gt.jsonl"
    assert write_hoi_predictions(gt_as_predictions(gt), p) == 4
    first = json.loads(p.read_text().splitlines()[0])
    assert set(first) == {"image", "box_h", "box_o", "hoi", "score"} and first["image"] == "a.jpg"
    r = evaluate_hicodet(gt, read_hoi_predictions(p)).to_dict()
    # 11 times p/11 summed as the Matlab code does: 1.0000000000000002
    assert r["full"] == r["rare"] == r["non_rare"] == pytest.approx(1.0, abs=1e-15)


def test_vcoco_scenarios_hand_computed(tmp_path):
    d = {
        "classes": ["hold obj", "look obj"],
        "annotations": [
            {"file_name": "x.jpg", "boxes_h": [H, H], "boxes_o": [O1, None], "actions": [0, 1], "objects": [3, -1]},
            {"file_name": "y.jpg", "boxes_h": [], "boxes_o": [], "actions": [], "objects": []},
        ],
    }
    p = tmp_path / "v.json"
    p.write_text(json.dumps(d))
    gt = load_vcoco(p)
    assert np.isnan(gt.box_o[1]).all()
    with_box = det([("x.jpg", H, O1, 0, 0.9), ("x.jpg", H, O2, 1, 0.8), ("y.jpg", H, O1, 0, 0.95)])
    with pytest.warns(UserWarning, match="without any annotated person"):
        r = evaluate_vcoco(gt, with_box).to_dict()
    # class 0: F(.95, y: no person) T(.9) -> 0.5 in both; class 1: sc1 needs an empty role box -> 0,
    # sc2 ignores it -> 1; agent AP: hold 0.5, look 1
    assert r["scenario1"] == pytest.approx((0.5 + 0.0) / 2)
    assert r["scenario2"] == pytest.approx((0.5 + 1.0) / 2)
    assert r["agent"] == pytest.approx(0.75) and r["actions"] == ["hold", "look"]
    empty_role = det([("x.jpg", H, O1, 0, 0.9), ("x.jpg", H, None, 1, 0.8)])
    r2 = evaluate_vcoco(gt, empty_role).to_dict()
    assert r2["scenario1"] == r2["scenario2"] == 1.0
    zeros_role = det([("x.jpg", H, O1, 0, 0.9), ("x.jpg", H, [0, 0, 0, 0], 1, 0.8)])
    assert evaluate_vcoco(gt, zeros_role).to_dict()["scenario1"] == 1.0


def test_interactiveness_hand_computed(tmp_path):
    gt = toy_hicodet(tmp_path)
    pos = interactive_pairs(gt)
    assert len(pos.image) == 3  # a:(H,O1),(H,O2); b:(H,O1); c's pair is no_interaction
    d = det([
        ("a.jpg", H, O1, 0, 0.9), ("a.jpg", H, O1, 1, 0.3),  # same pair twice: merged, max score
        ("c.jpg", H, O2, 0, 0.8),  # non-interactive pair -> FP
        ("b.jpg", H, O1, 0, 0.7),
    ])  # fmt: skip
    r = evaluate_interactiveness(gt, d).to_dict()
    assert r["n_unique_detections"] == 3
    # T F T, 3 positives: recall 1/3 at P 1, 2/3 at P 2/3
    assert r["ap"] == pytest.approx(1 / 3 + (1 / 3) * (2 / 3))


def test_interactive_pairs_merges_near_duplicate_annotations(tmp_path):
    d = {
        "filenames": ["a.jpg"],
        "annotation": [{"boxes_h": [H, [1, 1, 99, 99]], "boxes_o": [O1, O1], "hoi": [0, 1], "object": [0, 0],
                        "verb": [0, 1]}],
        "correspondence": [[0, 0, 0], [1, 0, 1]], "objects": ["x"], "verbs": ["a", "b"],
    }  # fmt: skip
    p = tmp_path / "h.json"
    p.write_text(json.dumps(d))
    gt = load_hicodet(p)
    assert len(interactive_pairs(gt).image) == 1
    assert len(interactive_pairs(gt, merge_iou=1.0).image) == 2


# ---- properties


boxes_st = st.tuples(st.integers(0, 400), st.integers(0, 400), st.integers(5, 200), st.integers(5, 200)).map(
    lambda t: [float(t[0]), float(t[1]), float(t[0] + t[2]), float(t[1] + t[3])]
)


@st.composite
def gt_and_scores(draw):
    n = draw(st.integers(1, 12))
    img = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    cls = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    bh = draw(st.lists(boxes_st, min_size=n, max_size=n))
    bo = draw(st.lists(boxes_st, min_size=n, max_size=n))
    scores = draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    # ground-truth pairs are distinct (identical twins cannot both be matched under VOC rules)
    seen, keep = set(), []
    for i in range(n):
        k = (img[i], cls[i], tuple(bh[i]), tuple(bo[i]))
        if k not in seen:
            seen.add(k)
            keep.append(i)
    sel = np.array(keep)
    return np.array(img)[sel], np.array(cls)[sel], np.array(bh)[sel], np.array(bo)[sel], np.array(scores)[sel]


@settings(max_examples=60, deadline=None)
@given(gt_and_scores())
def test_property_perfect_predictions_give_ap_1(data):
    img, cls, bh, bo, scores = data
    key = img * 2 + cls
    tp, matched = match_detections(key, scores, bh, bo, key, bh, bo)
    # every gt is matched exactly once
    assert tp.all() and len(set(matched.tolist())) == len(key)
    for c in np.unique(cls):
        m = cls == c
        assert average_precision(scores[m], tp[m], n_positives=int(m.sum())) == 1.0


@settings(max_examples=60, deadline=None)
@given(gt_and_scores(), st.integers(0, 11))
def test_property_duplicates_of_a_matched_detection_are_false_positives(data, which):
    img, cls, bh, bo, scores = data
    key = img * 2 + cls
    i = which % len(key)
    dk = np.append(key, key[i])
    ds = np.append(scores, scores[i] - 0.5)  # a lower-scored copy of detection i
    tp, _ = match_detections(dk, ds, np.vstack([bh, bh[i]]), np.vstack([bo, bo[i]]), key, bh, bo)
    assert tp[:-1].all() and not tp[-1]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.booleans(), min_size=2, max_size=30), st.integers(0, 10))
def test_property_reversing_a_correct_ranking_lowers_ap(labels, missed):
    y = np.array(labels, dtype=float)
    if y.min() == y.max():  # need a mix of true and false detections
        y[0] = 1 - y[0]
    order = np.argsort(-y, kind="stable")  # true detections first
    y = y[order]
    s = np.linspace(1.0, 0.0, len(y))
    npos = int(y.sum()) + missed
    for method in ("continuous", "voc11"):
        best = average_precision(s, y, npos, method)  # type: ignore[arg-type]
        worst = average_precision(-s, y, npos, method)  # type: ignore[arg-type]
        assert worst < best


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=30), st.integers(0, 5))
def test_property_lowest_scored_false_positive_never_raises_ap(dets, missed):
    s = np.array([d[0] for d in dets])
    y = np.array([d[1] for d in dets], dtype=float)
    npos = int(y.sum()) + missed
    if npos == 0:
        return
    s2, y2 = np.append(s, s.min() - 1.0), np.append(y, 0.0)
    for method in ("continuous", "voc11"):
        assert average_precision(s2, y2, npos, method) <= average_precision(s, y, npos, method) + 1e-12  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(gt_and_scores(), st.integers(0, 3))
def test_property_false_detections_far_away_below_all_true_ones(data, n_fp):
    """True detections above far-away false ones keep AP 1; reversing the scores lowers it."""
    img, cls, bh, bo, _ = data
    key = img * 2 + cls
    n = len(key)
    n_fp = max(n_fp, 1)
    dk = np.concatenate([key, np.repeat(key[:1], n_fp)])
    dh = np.vstack([bh, np.tile([[900.0, 900, 950, 950]], (n_fp, 1))])
    do = np.vstack([bo, np.tile([[900.0, 900, 950, 950]], (n_fp, 1))])
    s = np.concatenate([np.linspace(1, 0.5, n), np.linspace(0.4, 0.1, n_fp)])
    tp, _ = match_detections(dk, s, dh, do, key, bh, bo)
    c0 = cls[0]
    m = np.concatenate([cls, np.repeat(c0, n_fp)]) == c0
    npos = int((cls == c0).sum())
    assert average_precision(s[m], tp[m], npos) == 1.0
    assert average_precision(-s[m], tp[m], npos) < 1.0


# ---- real data


@pytest.fixture(scope="module")
def hico():
    return load_hicodet(shared_path("hicodet", "instances_test2015.json"))


def test_hicodet_gt_as_predictions_is_perfect(hico):
    assert len(hico.filenames) == 9658 and len(hico.empty) == 112
    assert hico.box_h.min() >= 1  # 1-based pixel indices
    r = evaluate_hicodet(hico, HOIDetections.from_rows(gt_as_predictions(hico))).to_dict()
    for d in (r, r["known_object"], r["continuous"], r["continuous"]["known_object"], r["upt"]):
        assert d["full"] == pytest.approx(1.0, abs=1e-15)
        assert d["rare"] == pytest.approx(1.0, abs=1e-15) and d["non_rare"] == pytest.approx(1.0, abs=1e-15)


def test_hicodet_dropping_detections_lowers_map(hico):
    rows = list(gt_as_predictions(hico))
    r = evaluate_hicodet(hico, HOIDetections.from_rows(rows[::2])).to_dict()
    assert 0.3 < r["full"] < 0.8 and r["n_true_positives"] == len(rows[::2])


def test_vcoco_gt_as_predictions_is_perfect():
    v = load_vcoco(shared_path("vcoco", "instances_vcoco_test.json"))
    assert len(v.classes) == 24
    r = evaluate_vcoco(v, HOIDetections.from_rows(gt_as_predictions(v))).to_dict()
    assert r["scenario1"] == r["scenario2"] == r["agent"] == 1.0
    pairs = HOIDetections.from_rows(gt_as_predictions(interactive_pairs(v)))
    assert evaluate_interactiveness(v, pairs).to_dict()["ap"] == 1.0


def test_cli_hoi_json_gt_as_predictions(tmp_path):
    ann = shared_path("hicodet", "instances_test2015.json")
    out = tmp_path / "gt.jsonl"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "hhikit", "eval", "hoi", "--hicodet", str(ann)]
    subprocess.run([*run, "--gt-as-predictions", str(out)], check=True, env=env, capture_output=True)
    p = subprocess.run([*run, "--predictions", str(out), "--json", "--out", str(tmp_path / "rep")],
                       check=True, env=env, capture_output=True, text=True)  # fmt: skip
    d = json.loads(p.stdout)
    for s in (d, d["known_object"]):
        assert [s["full"], s["rare"], s["non_rare"]] == pytest.approx([1.0] * 3, abs=1e-15)
    items = (tmp_path / "rep" / "items.jsonl").read_text().splitlines()
    assert len(items) == 600 and math.isclose(json.loads(items[0])["ap"], 1.0)
    bad = subprocess.run([*run, "--predictions", str(tmp_path / "none.jsonl")], env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "not found" in bad.stderr and "Traceback" not in bad.stderr


def test_no_detections_give_ap_0(tmp_path):
    gt = toy_hicodet(tmp_path)
    with pytest.warns(UserWarning, match="no detection"):
        r = evaluate_hicodet(gt, HOIDetections.from_rows([])).to_dict()
    assert r["full"] == 0.0 and r["known_object"]["full"] == 0.0 and r["n_detections"] == 0


def _reference_match(dk, ds, dh, do, gk, gh, go, thr=0.5):
    """The plain greedy VOC loop, one detection at a time (ties: the lowest gt index)."""
    from hhikit.eval.boxes import paired_iou

    taken = set()
    tp = np.zeros(len(dk), bool)
    for i in np.argsort(-ds, kind="stable"):
        best, best_j = -1.0, -1
        for j in range(len(gk)):
            if gk[j] != dk[i]:
                continue
            ov = min(paired_iou(dh[i], gh[j])[0], paired_iou(do[i], go[j])[0])
            if ov > best:
                best, best_j = ov, j
        if best >= thr and best_j not in taken:
            taken.add(best_j)
            tp[i] = True
    return tp


grid_box = st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 2)).map(
    lambda t: [t[0] * 20.0, t[1] * 20.0, t[0] * 20.0 + 30 + 10 * t[2], t[1] * 20.0 + 30 + 10 * t[2]]
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2), grid_box, grid_box), min_size=0, max_size=8),
    st.lists(st.tuples(st.integers(0, 2), grid_box, grid_box, st.integers(0, 5)), min_size=0, max_size=12),
    st.sampled_from([1, 3, 2_000_000]),
)
def test_property_vectorised_matching_equals_greedy_loop(gts, dets, chunk):
    gk = np.array([g[0] for g in gts], dtype=np.int64)
    gh = np.array([g[1] for g in gts], float).reshape(-1, 4)
    go = np.array([g[2] for g in gts], float).reshape(-1, 4)
    dk = np.array([d[0] for d in dets], dtype=np.int64)
    dh = np.array([d[1] for d in dets], float).reshape(-1, 4)
    do = np.array([d[2] for d in dets], float).reshape(-1, 4)
    ds = np.array([d[3] / 5 for d in dets], float)
    tp, _ = match_detections(dk, ds, dh, do, gk, gh, go, chunk=chunk)
    assert tp.tolist() == _reference_match(dk, ds, dh, do, gk, gh, go).tolist()
