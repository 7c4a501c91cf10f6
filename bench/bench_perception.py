"""Speed, memory and recall of the people detectors on the 150 Waldo and Wenda dev images.

    PYTHONPATH=. python bench/bench_perception.py [--backends movenet fusion blazepose] [--threads 1]

Each backend runs in its own process (so peak RSS is its own): it builds the analyze
pipeline once, analyses every image, and prints images/s, ms/image, peak RSS, the share
of images with >= 2 people and people per image. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "data" / "waldo_and_wenda" / "images"


def one(backend: str, threads: int) -> dict:
    from hhikit.perception.base import available_detectors
    from hhikit.pipeline import Pipeline

    if backend not in available_detectors():
        return {"backend": backend, "skipped": "not registered here"}
    os.environ["HHIKIT_THREADS"] = str(threads)
    t0 = time.perf_counter()
    pipe = Pipeline(detector=backend)
    load = time.perf_counter() - t0
    paths = sorted(DEV.glob("*.jpg"))
    t0 = time.perf_counter()
    counts, objects = [], 0
    for r in pipe.analyze_many(paths):
        counts.append(len(r.people))
        objects += len(r.objects)
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "backend": backend, "threads": threads, "images": len(paths), "load_s": round(load, 2),
        "images_per_s": round(len(paths) / dt, 2), "ms_per_image": round(1000 * dt / len(paths), 1),
        "peak_rss_mb": round(rss, 1), "ge2_people": round(sum(c >= 2 for c in counts) / len(counts), 3),
        "people_per_image": round(sum(counts) / len(counts), 2), "objects_per_image": round(objects / len(counts), 2),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", nargs="*", default=["movenet", "fusion", "blazepose"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.threads)))
        return
    if not DEV.exists():
        print(f"dev images not found: {DEV}")
        return
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for b in args.backends:
        res = subprocess.run(
            [sys.executable, __file__, "--one", b, "--threads", str(args.threads)],
            capture_output=True,
            text=True,
            env=env,
        )
        if res.returncode != 0:
            print(f"{b}: failed: {res.stderr.strip().splitlines()[-1:]}")
            continue
        d = json.loads(res.stdout.strip().splitlines()[-1])
        if "skipped" in d:
            print(f"{b:10s} skipped ({d['skipped']})")
            continue
        print(f"{b:10s} {d['images_per_s']:6.2f} images/s  {d['ms_per_image']:7.1f} ms/image  peak RSS {d['peak_rss_mb']:6.0f} MB  "
              f">=2 people {100 * d['ge2_people']:5.1f}%  people/image {d['people_per_image']:.2f}  "
              f"objects/image {d['objects_per_image']:.2f}  load {d['load_s']:.1f} s  threads {d['threads']}")  # fmt: skip


if __name__ == "__main__":
    main()
