"""MediaPipe perception on the Waldo and Wenda images: people found and speed.

    PYTHONPATH=$PWD python bench/bench_perception_mp.py [--limit N]

Every Waldo and Wenda image shows at least two interacting people, so "images with >= 2
people" is a recall proxy (it also counts false positives; there are no person boxes).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT.parent / "shared" / "data" / "waldo_and_wenda" / "images"

CONFIGS: list[tuple[str, str, dict]] = [
    ("blazepose default (crops, faces)", "blazepose", {}),
    ("blazepose face_crops=False", "blazepose", {"face_crops": False}),
    ("blazepose whole image only, 0.5 thresholds", "blazepose", {"crops": "none", "min_detection": 0.5, "min_presence": 0.5, "faces": False}),
    ("blazepose default + hands", "blazepose", {"hands": True}),
    ("faces (full range)", "faces", {}),
]  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="first N images only")
    args = ap.parse_args()
    from hhikit.io.images import read_image
    from hhikit.models.setup import run_setup
    from hhikit.perception.base import get_detector

    files = sorted(IMAGES.glob("*.jpg"))
    if not files:
        print(f"no images in {IMAGES}; skipping")
        return 0
    if args.limit:
        files = files[: args.limit]
    run_setup(["blazepose", "face-full-range", "hand-landmarker"])
    images = [read_image(f) for f in files]
    print(f"{len(images)} Waldo and Wenda images")
    for label, name, opts in CONFIGS:
        t0 = time.perf_counter()
        det = get_detector(name, **opts)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        counts = [len(det.detect(img)) for img in images]
        dt = time.perf_counter() - t0
        det.close()
        two = sum(c >= 2 for c in counts)
        one = sum(c >= 1 for c in counts)
        print(
            f"{label:45s} >=2 people: {two:3d}/{len(images)}  >=1: {one:3d}  mean {sum(counts) / len(counts):.2f}"
            f"  {len(images) / dt:.2f} img/s (load {t_load:.1f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
