"""Captions per second of each pseudo-labelling method (prints figures; asserts nothing).

Captions: the Waldo and Wenda captions from ../shared/data when present, else a few
hand-written ones repeated. The student is timed only when it is trained (see
docs/pseudolabel.md); loading times are printed separately.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hhikit.pseudolabel.distil import load_student, student_available  # noqa: E402
from hhikit.pseudolabel.parser import ParseExtractor  # noqa: E402

WW = ROOT.parent / "shared" / "data" / "waldo_and_wenda" / "labels.csv"
FALLBACK = [
    "_ hugs _ at the station after the match.",
    "Two men are talking to each other near a fountain.",
    "A dog runs across the field.",
    "Coach _ talks with _ during practice on Monday.",
]


def captions() -> list[str]:
    if WW.exists():
        with WW.open(encoding="utf-8", newline="") as fh:
            return [r["caption"] for r in csv.DictReader(fh)]
    return FALLBACK * 50


def main() -> None:
    caps = captions()
    t = time.perf_counter()
    parser = ParseExtractor()
    print(f"parse: load {time.perf_counter() - t:.1f} s")
    n = min(len(caps), 400)
    t = time.perf_counter()
    out = list(parser.extract_many(caps[:n]))
    dt = time.perf_counter() - t
    print(f"parse: {n / dt:.1f} captions/s ({n} captions, {sum(o is not None for o in out)} labelled)")
    if not student_available():
        print("student: not prepared (run `hhi models setup pseudolabel-student`); skipped")
        return
    t = time.perf_counter()
    student = load_student()
    print(f"student: load {time.perf_counter() - t:.1f} s")
    n = min(len(caps), 64)
    t = time.perf_counter()
    student.summarise(caps[:n], batch_size=16)
    dt = time.perf_counter() - t
    print(f"student: {n / dt:.2f} captions/s ({n} captions, batch 16, greedy, <= 20 new tokens)")


if __name__ == "__main__":
    main()
