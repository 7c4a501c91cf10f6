"""Pairs benchmark: interactiveness APs (HICO-DET person pairs, V-COCO test) and the cost
of building pairs. Prints figures; nothing is asserted.

    PYTHONPATH=. python bench/bench_pairs.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from hhikit.eval.interactiveness import evaluate_interactiveness, format_report
from hhikit.pairs import build_pairs, get_interactiveness
from hhikit.pairs.maps import pose_map, spatial_maps
from hhikit.types import Person

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def main() -> None:
    model = get_interactiveness()
    hico = DATA / "hicodet" / "instances_test2015.json"
    vcoco = DATA / "vcoco" / "instances_vcoco_test.json"
    if hico.exists() and vcoco.exists():
        t0 = time.perf_counter()
        print(format_report(evaluate_interactiveness(model, hicodet=hico, vcoco=vcoco)))
        print(f"evaluation: {time.perf_counter() - t0:.1f} s")
    rng = np.random.default_rng(0)
    for n in (2, 5, 10, 20):
        people = []
        for i in range(n):
            x, y = rng.uniform(0, 1500), rng.uniform(0, 500)
            kp = np.c_[rng.uniform(x, x + 150, 17), rng.uniform(y, y + 400, 17), np.full(17, 0.9)]
            people.append(Person(i, [x, y, x + 150, y + 400], 0.9, keypoints=kp))
        t0 = time.perf_counter()
        for _ in range(20):
            pairs = build_pairs(people, model)
        dt = (time.perf_counter() - t0) / 20
        print(f"build_pairs: {n:2d} people, {len(pairs):3d} pairs: {dt * 1000:.2f} ms")
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
    main()
