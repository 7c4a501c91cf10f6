"""Pairs benchmark: interactiveness APs (HICO-DET person pairs, V-COCO test) and the cost
of building pairs. Prints figures; nothing is asserted.

    PYTHONPATH=. python bench/bench_pairs.py [--timing-only]
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from hhikit.eval.interactiveness import evaluate_interactiveness, format_report
from hhikit.pairs import build_pairs, get_interactiveness
from hhikit.pairs.geometry import pair_geometry, pairs_geometry
from hhikit.pairs.maps import pose_map, spatial_maps
from hhikit.types import Person

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def main(evaluate: bool = True) -> None:
    model = get_interactiveness()
    hico = DATA / "hicodet" / "instances_test2015.json"
    vcoco = DATA / "vcoco" / "instances_vcoco_test.json"
    if evaluate and hico.exists() and vcoco.exists():
        t0 = time.perf_counter()
        print(format_report(evaluate_interactiveness(model, hicodet=hico, vcoco=vcoco)))
        print(f"evaluation: {time.perf_counter() - t0:.1f} s")
    rng = np.random.default_rng(0)
    print("pair geometry, per pair (pair_geometry loop, the old build_pairs path) vs pairs_geometry (vectorised):")
    for n in (2, 5, 10, 20, 50):
        people = []
        for i in range(n):
            x, y = rng.uniform(0, 1500), rng.uniform(0, 500)
            kp = np.c_[rng.uniform(x, x + 150, 17), rng.uniform(y, y + 400, 17), np.full(17, 0.9)]
            people.append(Person(i, [x, y, x + 150, y + 400], 0.9, keypoints=kp))
        boxes = np.array([p.box for p in people])
        kps = [p.keypoints for p in people]
        idx = [(i, j) for i in range(n) for j in range(i + 1, n)]
        reps = max(2, 200 // len(idx))
        t0 = time.perf_counter()
        for _ in range(reps):
            [pair_geometry(boxes[i], boxes[j], kps[i], kps[j]) for i, j in idx]
        t_loop = (time.perf_counter() - t0) / reps
        t0 = time.perf_counter()
        for _ in range(reps):
            pairs_geometry(boxes, kps, idx)
        t_vec = (time.perf_counter() - t0) / reps
        t0 = time.perf_counter()
        for _ in range(reps):
            pairs = build_pairs(people, model)
        t_build = (time.perf_counter() - t0) / reps
        print(
            f"  {n:2d} people, {len(pairs):4d} pairs: loop {t_loop * 1000:7.1f} ms, vectorised {t_vec * 1000:6.1f} ms "
            f"(x{t_loop / t_vec:.0f}); build_pairs with scoring {t_build * 1000:6.1f} ms"
        )
    a = rng.uniform(0, 100, (1000, 4))
    a[:, 2:] += a[:, :2] + 10
    t0 = time.perf_counter()
    spatial_maps(a, a[::-1])
    print(f"spatial_maps: 1000 pairs 2x64x64: {(time.perf_counter() - t0) * 1000:.0f} ms")
    kp = np.c_[rng.uniform(0, 100, 17), rng.uniform(0, 100, 17), np.full(17, 0.9)]
    t0 = time.perf_counter()
    for i in range(1000):
        pose_map(a[i], a[-1 - i], kp, kp)
    print(f"pose_map: 1000 pairs: {(time.perf_counter() - t0) * 1000:.0f} ms")


if __name__ == "__main__":
    import sys

    main(evaluate="--timing-only" not in sys.argv)
