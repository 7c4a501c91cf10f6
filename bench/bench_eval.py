"""Time the evaluation suite on real data and print the figures.

    PYTHONPATH=$PWD python bench/bench_eval.py [--per-image 50] [--skip-waldo]

1. ``hhi eval hoi`` (a subprocess, so the figure includes start-up and reading) on the full
   HICO-DET test set, with the ground truth as predictions (must give mAP 1.0), and with a
   synthetic detector output: every ground-truth pair with jittered boxes plus random
   false pairs, ``--per-image`` detections per image in total.
2. V-COCO role AP and interactiveness AP in-process.
3. The Waldo and Wenda metrics on all 850 labels with 8 predictions each (verb similarity
   with the packaged GloVe, MiniLM sentence similarity), model loading timed apart.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))


def hhi(*args: str) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "hhikit", *args], env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - t, p.stdout


def synthetic_detections(gt, per_image: int, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    by_img: dict[int, list[int]] = {}
    for i, im in enumerate(gt.image.tolist()):
        by_img.setdefault(im, []).append(i)
    for im, name in enumerate(gt.filenames):
        idx = by_img.get(im, [])
        for i in idx:
            jit = rng.normal(0, 6, size=(2, 4))
            rows.append({"image": name, "box_h": (gt.box_h[i] + jit[0]).round(1).tolist(),
                         "box_o": (gt.box_o[i] + jit[1]).round(1).tolist(), "hoi": int(gt.hoi[i]),
                         "score": float(rng.uniform(0.3, 1.0))})  # fmt: skip
        for _ in range(max(0, per_image - len(idx))):
            xy = rng.uniform(0, 400, size=(2, 2))
            wh = rng.uniform(20, 200, size=(2, 2))
            rows.append({"image": name, "box_h": [*xy[0], *(xy[0] + wh[0])], "box_o": [*xy[1], *(xy[1] + wh[1])],
                         "hoi": int(rng.integers(0, gt.n_classes)), "score": float(rng.uniform(0, 0.6))})  # fmt: skip
    return rows


def bench_hoi(per_image: int) -> None:
    from hhikit.eval import hoi

    ann = SHARED / "hicodet" / "instances_test2015.json"
    if not ann.exists():
        print(f"skip HOI: {ann} not found")
        return
    with tempfile.TemporaryDirectory() as tmp:
        gt_path = Path(tmp) / "gt.jsonl"
        t, _ = hhi("eval", "hoi", "--hicodet", str(ann), "--gt-as-predictions", str(gt_path))
        print(f"hhi eval hoi --gt-as-predictions (write {len(gt_path.read_text().splitlines())} lines): {t:.2f} s")
        t, out = hhi("eval", "hoi", "--hicodet", str(ann), "--predictions", str(gt_path), "--json")
        d = json.loads(out)
        print(f"hhi eval hoi, HICO-DET test, GT as predictions: {t:.2f} s  "
              f"full {d['full']:.4f} rare {d['rare']:.4f} non_rare {d['non_rare']:.4f} "
              f"known_object full {d['known_object']['full']:.4f}")  # fmt: skip
        gt = hoi.load_hicodet(ann)
        syn = Path(tmp) / "syn.jsonl"
        n = hoi.write_hoi_predictions(synthetic_detections(gt, per_image), syn)
        t, out = hhi("eval", "hoi", "--hicodet", str(ann), "--predictions", str(syn), "--json")
        d = json.loads(out)
        print(f"hhi eval hoi, HICO-DET test, {n} synthetic detections ({per_image}/image): {t:.2f} s  "
              f"full {d['full']:.4f} rare {d['rare']:.4f} non_rare {d['non_rare']:.4f}")  # fmt: skip
        t0 = time.perf_counter()
        det = hoi.read_hoi_predictions(syn)
        t1 = time.perf_counter()
        hoi.evaluate_hicodet(gt, det)
        t2 = time.perf_counter()
        print(f"  in-process: read {t1 - t0:.2f} s, evaluate {t2 - t1:.2f} s")
        t0 = time.perf_counter()
        r = hoi.evaluate_interactiveness(gt, det).to_dict()
        print(f"interactiveness AP on the same detections: {time.perf_counter() - t0:.2f} s  AP {r['ap']:.4f}")
    vpath = SHARED / "vcoco" / "instances_vcoco_test.json"
    if vpath.exists():
        v = hoi.load_vcoco(vpath)
        det = hoi.HOIDetections.from_rows(hoi.gt_as_predictions(v))
        t0 = time.perf_counter()
        r = hoi.evaluate_vcoco(v, det).to_dict()
        print(f"V-COCO role AP, GT as predictions ({len(det)}): {time.perf_counter() - t0:.2f} s  "
              f"sc1 {r['scenario1']:.4f} sc2 {r['scenario2']:.4f} agent {r['agent']:.4f}")  # fmt: skip


def bench_waldo() -> None:
    from hhikit.eval.text import TextMetrics
    from hhikit.eval.waldo import evaluate_waldo, load_waldo_labels

    path = SHARED / "waldo_and_wenda" / "labels.csv"
    if not path.exists():
        print(f"skip Waldo: {path} not found")
        return
    labels = load_waldo_labels(path)
    rng = np.random.default_rng(0)
    pool = sorted({lab.label for lab in labels.values()})
    preds = {i: [lab.label, *rng.choice(pool, 7).tolist()] for i, lab in labels.items()}
    t0 = time.perf_counter()
    tm = TextMetrics.load()
    t1 = time.perf_counter()
    r = evaluate_waldo(preds, labels, metrics=tm).to_dict()
    t2 = time.perf_counter()
    tm.sentence._cache.clear()  # type: ignore[union-attr]
    t3 = time.perf_counter()
    evaluate_waldo(preds, labels, metrics=tm)
    t4 = time.perf_counter()
    n = sum(len(p) for p in preds.values())
    print(f"Waldo and Wenda: load GloVe 50-d + MiniLM {t1 - t0:.2f} s; evaluate {len(preds)} items x 8 "
          f"({n} predictions) {t2 - t1:.2f} s (again, embeddings recomputed: {t4 - t3:.2f} s)")  # fmt: skip
    vs, ml = r["metrics"]["verb_sim"]["at"], r["metrics"]["minilm"]["at"]
    print(f"  gold label at rank 1: verb_sim@1 {vs['1']['overall']:.4f}, minilm@1 {ml['1']['overall']:.4f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-image", type=int, default=50)
    ap.add_argument("--skip-waldo", action="store_true")
    ap.add_argument("--skip-hoi", action="store_true")
    args = ap.parse_args()
    if not args.skip_hoi:
        bench_hoi(args.per_image)
    if not args.skip_waldo:
        bench_waldo()


if __name__ == "__main__":
    main()
