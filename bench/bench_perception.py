"""Speed, memory and recall of the people detectors on the 150 Waldo and Wenda dev images.

    PYTHONPATH=. python bench/bench_perception.py [--backends movenet fusion blazepose] [--threads 1]
        [--option centernet_size=512] [--repeat 2]

Each backend runs in its own process (so peak RSS is its own): it builds the analyze
pipeline once, analyses every image (``--repeat`` passes; figures are from the last, so
the first pass warms the caches), and prints images/s and ms/image of the whole
pipeline, ms/image of each stage (people, objects, pairs, describe) and, for ``fusion``,
of each model inside the people stage (its pre- and post-processing included), peak
RSS, the share of images with >= 2 people and people per image. ``--option KEY=VALUE``
(value parsed as JSON when it can be) goes to the detector, as ``--detector-option`` of
``hhi analyze``. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "data" / "waldo_and_wenda" / "images"


def _timed(totals: dict[str, float], key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[key] = totals.get(key, 0.0) + time.perf_counter() - t0

    return wrapper


def _time_models(det: Any, totals: dict[str, float]) -> None:
    """Wrap the sub-detectors of a voting detector (``fusion``) with timers, in place."""
    for attr, method in [("movenet", "raw"), ("centernet", "raw"), ("blazepose", "detect")]:
        sub = getattr(det, attr, None)
        if sub is not None and callable(getattr(sub, method, None)):
            setattr(sub, method, _timed(totals, attr, getattr(sub, method)))
    if getattr(det, "faces", None) is not None and callable(getattr(det, "_faces", None)):
        det._faces = _timed(totals, "faces", det._faces)


def one(backend: str, threads: int, options: dict[str, Any], repeat: int) -> dict:
    from hhikit.perception.base import available_detectors
    from hhikit.pipeline import Pipeline

    if backend not in available_detectors():
        return {"backend": backend, "skipped": "not registered here"}
    os.environ["HHIKIT_THREADS"] = str(threads)
    t0 = time.perf_counter()
    pipe = Pipeline(detector=backend, detector_options=options)
    load = time.perf_counter() - t0
    models: dict[str, float] = {}
    _time_models(pipe.detector, models)
    paths = sorted(DEV.glob("*.jpg"))
    for _ in range(max(1, repeat)):
        models.clear()
        stages: dict[str, float] = {}
        counts, objects = [], 0
        t0 = time.perf_counter()
        for r in pipe.analyze_many(paths):
            counts.append(len(r.people))
            objects += len(r.objects)
            for k, v in r.timings.items():
                stages[k] = stages.get(k, 0.0) + v
        dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(paths)
    return {
        "backend": backend, "options": options, "threads": threads, "images": n, "load_s": round(load, 2),
        "images_per_s": round(n / dt, 2), "ms_per_image": round(1000 * dt / n, 1),
        "stage_ms": {k: round(1000 * v / n, 1) for k, v in stages.items()},
        "model_ms": {k: round(1000 * v / n, 1) for k, v in models.items()},
        "peak_rss_mb": round(rss, 1), "ge2_people": sum(c >= 2 for c in counts),
        "people_per_image": round(sum(counts) / n, 3), "objects_per_image": round(objects / n, 2),
    }  # fmt: skip


def _options(items: list[str]) -> dict[str, Any]:
    from hhikit.cli import parse_key_values

    try:
        return parse_key_values(items)
    except ValueError as exc:
        raise SystemExit(f"--option: {exc}") from None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", nargs="*", default=["movenet", "fusion", "blazepose"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="detector option")
    ap.add_argument("--repeat", type=int, default=1, help="passes over the images; figures from the last")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    options = _options(args.option)
    if args.one:
        print(json.dumps(one(args.one, args.threads, options, args.repeat)))
        return
    if not DEV.exists():
        print(f"dev images not found: {DEV}")
        return
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for b in args.backends:
        cmd = [sys.executable, __file__, "--one", b, "--threads", str(args.threads), "--repeat", str(args.repeat)]
        for o in args.option:
            cmd += ["--option", o]
        res = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if res.returncode != 0:
            print(f"{b}: failed: {res.stderr.strip().splitlines()[-1:]}")
            continue
        d = json.loads(res.stdout.strip().splitlines()[-1])
        if "skipped" in d:
            print(f"{b:10s} skipped ({d['skipped']})")
            continue
        opts = " ".join(f"{k}={v}" for k, v in d["options"].items())
        print(f"{b:10s} {opts}\n  {d['images_per_s']:6.2f} images/s  {d['ms_per_image']:7.1f} ms/image  "
              f"peak RSS {d['peak_rss_mb']:6.0f} MB  >=2 people {d['ge2_people']}/{d['images']}  "
              f"people/image {d['people_per_image']:.3f}  objects/image {d['objects_per_image']:.2f}  "
              f"load {d['load_s']:.1f} s  threads {d['threads']}")  # fmt: skip
        print("  stages ms/image: " + "  ".join(f"{k} {v:.1f}" for k, v in d["stage_ms"].items()))
        if d["model_ms"]:
            print("  models ms/image: " + "  ".join(f"{k} {v:.1f}" for k, v in d["model_ms"].items()))


if __name__ == "__main__":
    main()
