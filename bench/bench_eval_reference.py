"""Headline HOI figures against independent ports of the reference code, on the whole shared
HICO-DET and V-COCO test sets, and how much the AP choice and the tie order move them.

    PYTHONPATH=$PWD python bench/bench_eval_reference.py [--seeds 0 1 2]

Per seed: generated detections (jittered ground truth, misses, duplicates, wrong classes,
false positives also on 'empty' images, scores on a 0.01 grid so many tie; V-COCO also
missing and invented role boxes). Prints, for HICO-DET Default and Known-Object
Full/Rare/Non-rare and V-COCO role AP scenarios 1 and 2 and agent AP: hhikit's figure, the
port's, their largest difference; the continuous and UPT figures beside the official one;
and the change when ties are broken at random (scores + uniform noise below the grid).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

from hhikit.eval.hoi import HOIDetections, evaluate_hicodet, evaluate_vcoco, load_hicodet, load_vcoco  # noqa: E402
from tests.eval.hoi.generate import detections, hicodet_pairs, vcoco_pairs  # noqa: E402
from tests.eval.hoi.reference import matlab_hicodet, vsrl_vcoco  # noqa: E402

KEYS = ("full", "rare", "non_rare")


def _noisy(rows: list[dict], seed: int) -> list[dict]:
    rng = np.random.default_rng(1000 + seed)
    return [{**r, "score": r["score"] + float(rng.uniform(0, 1e-4))} for r in rows]


def hicodet(seed: int) -> float:
    path = SHARED / "hicodet" / "instances_test2015.json"
    ann = json.loads(path.read_text())
    gt = load_hicodet(path)
    rows = detections(hicodet_pairs(ann), ann["filenames"], 600, seed, fp_per_image=0.5, decimals=2)
    t = time.perf_counter()
    r = evaluate_hicodet(gt, HOIDetections.from_rows(rows)).summary
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    ref = matlab_hicodet(ann, rows)
    t_ref = time.perf_counter() - t
    noisy = evaluate_hicodet(gt, HOIDetections.from_rows(_noisy(rows, seed))).summary
    worst = 0.0
    print(f"HICO-DET seed {seed}: {len(rows)} detections, {r['detections_on_empty_images']} on 'empty' images; "
          f"hhikit {t_ours:.1f} s, port {t_ref:.1f} s")  # fmt: skip
    for name, ours, port, cont, tie in (
        ("Default", r, ref["default"], r["continuous"], noisy),
        ("Known-Object", r["known_object"], ref["ko"], r["continuous"]["known_object"], noisy["known_object"]),
    ):
        for k in KEYS:
            d = abs(ours[k] - port[k])
            worst = max(worst, d)
            upt = (
                f"  upt {r['upt'][k]:.6f} (random ties {noisy['upt'][k] - r['upt'][k]:+.1e})"
                if name == "Default"
                else ""
            )
            print(f"  {name:12s} {k:8s} official {ours[k]:.6f}  port {port[k]:.6f}  |diff| {d:.1e}  "
                  f"continuous {cont[k]:.6f} ({cont[k] - ours[k]:+.4f}){upt}  random ties {tie[k] - ours[k]:+.1e}")  # fmt: skip
    return worst


def vcoco(seed: int) -> float:
    path = SHARED / "vcoco" / "instances_vcoco_test.json"
    ann = json.loads(path.read_text())
    gt = load_vcoco(path)
    rows = detections(vcoco_pairs(ann), [a["file_name"] for a in ann["annotations"]], 24, seed,
                      p_no_role=0.1, p_invent_role=0.5, fp_per_image=0.5, decimals=2)  # fmt: skip
    r = evaluate_vcoco(gt, HOIDetections.from_rows(rows)).summary
    ref = vsrl_vcoco(ann, rows)
    noisy = evaluate_vcoco(gt, HOIDetections.from_rows(_noisy(rows, seed))).summary
    worst = 0.0
    print(f"V-COCO seed {seed}: {len(rows)} detections, {r['n_missing_roles']} people without a role object")
    for k in ("scenario1", "scenario2", "agent"):
        d = abs(r[k] - ref[k])
        worst = max(worst, d)
        print(f"  {k:9s} hhikit {r[k]:.6f}  port {ref[k]:.6f}  |diff| {d:.1e}  random ties {noisy[k] - r[k]:+.1e}")
    return worst


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    if not (SHARED / "hicodet").exists():
        sys.exit(f"shared data not found: {SHARED}")
    warnings.simplefilter("ignore")
    worst = max(max(hicodet(s), vcoco(s)) for s in args.seeds)
    print(f"largest |hhikit - port| over all figures and seeds: {worst:.1e}")


if __name__ == "__main__":
    main()
