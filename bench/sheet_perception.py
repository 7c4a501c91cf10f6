"""Contact sheet of a detector on the 150 Waldo and Wenda dev images (for eyeballing).

    PYTHONPATH=. python bench/sheet_perception.py --detector fusion --out /tmp/sheet.png
        [--detector-option precision=int8] [--only 6 8 16]

Writes the whole sheet (10 x 15 tiles) and one PNG per block of rows (``--rows``) next to
it, and prints how many images got >= 2 people. ``--detector-option KEY=VALUE`` (value
parsed as JSON when it can be) goes to the detector; ``--only`` keeps the images at these
positions in sorted file order (tiles keep their position number). Nothing is asserted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from hhikit.cli import parse_key_values
from hhikit.io.draw import PeopleAnnotator
from hhikit.io.images import read_image
from hhikit.perception.base import get_detector
from hhikit.types import ImageResult

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "waldo_and_wenda" / "images"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--detector", default="fusion")
    ap.add_argument("--out", default="/tmp/sheet.png")
    ap.add_argument("--tile", type=int, default=300, help="tile side in pixels (images are upscaled to fit)")
    ap.add_argument("--cols", type=int, default=10)
    ap.add_argument("--rows", type=int, default=2, help="rows per extra PNG block")
    ap.add_argument("--detector-option", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--only", type=int, nargs="*", help="positions (sorted file order) to draw")
    args = ap.parse_args()
    try:
        options = parse_key_values(args.detector_option)
    except ValueError as exc:
        raise SystemExit(f"--detector-option: {exc}") from None
    det = get_detector(args.detector, **options)
    paths = sorted(DEV.glob("*.jpg"))
    tiles, two = [], 0
    t = args.tile
    for k, p in enumerate(paths):
        if args.only and k not in args.only:
            continue
        image = read_image(p)
        h, w = image.shape[:2]
        s = t / max(h, w)
        big = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_CUBIC)
        people = det.detect(image)
        for q in people:  # draw on the upscaled copy
            q.box = q.box * s
            if q.keypoints is not None:
                q.keypoints[:, :2] *= s
            if q.face is not None:
                q.face = q.face * s
        two += len(people) >= 2
        drawn = PeopleAnnotator().annotate(big, ImageResult(str(p), big.shape[1], big.shape[0], people=people))
        tile = np.full((t + 18, t, 3), 255, np.uint8)
        tile[: drawn.shape[0], : drawn.shape[1]] = drawn
        srcs = ",".join("".join(x[0] for x in q.sources) for q in people)
        cv2.putText(
            tile, f"{k} {p.stem[:10]} n={len(people)} {srcs}", (2, t + 13), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1
        )
        tiles.append(tile)
    drawn_n = len(tiles)
    while len(tiles) % args.cols:
        tiles.append(np.full_like(tiles[0], 255))
    rows = [np.concatenate(tiles[i : i + args.cols], 1) for i in range(0, len(tiles), args.cols)]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(out), cv2.cvtColor(np.concatenate(rows, 0), cv2.COLOR_RGB2BGR)):
        raise SystemExit(f"{out}: could not write the sheet")
    for b in range(0, len(rows), args.rows):
        block = np.concatenate(rows[b : b + args.rows], 0)
        cv2.imwrite(str(out.with_name(f"{out.stem}_{b // args.rows:02d}.png")), cv2.cvtColor(block, cv2.COLOR_RGB2BGR))
    print(f"{args.detector} {options}: {two}/{drawn_n} images with >= 2 people; sheet {out}")


if __name__ == "__main__":
    main()
