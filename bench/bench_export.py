"""Export speed and memory: records/s and peak RSS of ``hhi export`` per format, on a
synthetic results file of N records, for two sizes, to show memory stays flat.

    PYTHONPATH=$PWD .venv/bin/python bench/bench_export.py [--records 100000] [--small 10000]
        [--from results.jsonl] [--formats coco,coco-detections,labelstudio,import-labelstudio,csv,hoi]

The input is made once: real records cycled from ``--from`` (default: a results file of the
shared Waldo and Wenda images when one is given, else a record shaped like a busy photo: 4
people with 17 keypoints, 6 pairs with 8 interactions, 3 objects, 6 HOI triplets), each with
its own path. ``import-labelstudio`` reads the Label Studio export of the same size back
(``hhi import --from labelstudio``; list it after ``labelstudio``). Each (format, size) runs ``python -m hhikit export`` in a fresh subprocess and
reads its peak resident memory (VmHWM); times are the subprocess's wall and CPU time
(start-up included). Flat memory
means the peak at N records is about the peak at the small size. Other processes on the
machine compete for the CPU: compare rows of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("coco", "coco-detections", "labelstudio", "import-labelstudio", "csv", "hoi")

CHILD = """
import sys
from hhikit.cli import main
code = main(sys.argv[1:])
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print("HWM", int(hwm.split()[1]) // 1024, file=sys.stderr)
sys.exit(code)
"""


def _busy_record() -> dict:
    from hhikit.types import DetectedObject, ImageResult, Interaction, Pair, Person

    people = [Person(i, [40 + 90 * i, 30, 120 + 90 * i, 300], 0.9, keypoints=[[50 + 90 * i + k, 40 + 10 * k, 0.6]
              for k in range(17)], keypoint_format="coco17", sources=["centernet", "movenet"]) for i in range(4)]  # fmt: skip
    texts = ["_ talking to _", "_ hugging _", "_ shaking hands with _", "_ walking with _", "_ dancing with _",
             "_ posing for a photo with _", "_ holding hands with _", "_ playing with _"]  # fmt: skip
    pairs = [Pair(a, b, 0.5, (a + b) % 3 == 0, [Interaction(t, 0.5 - 0.01 * k, ["cue"]) for k, t in enumerate(texts)])
             for a in range(4) for b in range(a + 1, 4)]  # fmt: skip
    objects = [
        DetectedObject(n, [10 + 30 * k, 200, 40 + 30 * k, 240], 0.5) for k, n in enumerate(["cup", "chair", "tie"])
    ]
    hois = [{"person": p, "object": o, "hoi": 86 + o, "verb": "hold", "object_name": "cup", "score": 0.3,
             "interactiveness": 0.6, "suppressed": False, "cues": []} for p in range(2) for o in range(3)]  # fmt: skip
    r = ImageResult(path="x.jpg", width=640, height=480, people=people, pairs=pairs, objects=objects,
                    interactions=[Interaction(texts[0], 0.5)], extra={"hois": hois})  # fmt: skip
    return r.to_dict()


def make_input(path: Path, n: int, source: Path | None) -> None:
    if source is not None:
        base = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        base = [_busy_record()]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            d = dict(base[i % len(base)])
            d["path"] = f"/photos/{i // 1000:03d}/{i:07d}.jpg"
            fh.write(json.dumps(d, separators=(",", ":")) + "\n")


def _child_cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def run(fmt: str, results: Path, out: Path) -> tuple[float, float, int, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if fmt.startswith("import-"):  # read an export back: hhi import FILE --from FORMAT
        argv = ["import", str(results), "--from", fmt.removeprefix("import-"), "--out", str(out)]
    else:
        argv = ["export", str(results), "--to", fmt, "--out", str(out)]
    cpu0 = _child_cpu()
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", CHILD, *argv], env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    cpu = _child_cpu() - cpu0
    if p.returncode != 0:
        raise SystemExit(f"{fmt}: export failed: {p.stderr.strip()}")
    hwm = int(next(line for line in p.stderr.splitlines() if line.startswith("HWM")).split()[1])
    return dt, cpu, hwm, out.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--from", dest="source", type=Path, default=None, help="results file whose records are cycled")
    ap.add_argument("--formats", default=",".join(FORMATS))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_export_") as tmp:
        rows = []
        for n in (args.small, args.records):
            results = Path(tmp) / f"results_{n}.jsonl"
            make_input(results, n, args.source)
            size = results.stat().st_size / 1e6
            for fmt in args.formats.split(","):
                src = Path(tmp) / f"out_{n}.labelstudio" if fmt == "import-labelstudio" else results
                dt, cpu, hwm, out_size = run(fmt, src, Path(tmp) / f"out_{n}.{fmt}")
                rows.append((fmt, n, size, dt, cpu, n / dt, hwm, out_size / 1e6))
                print(f"{fmt:16s} {n:>8d} records  input {size:7.1f} MB  {dt:6.1f} s ({cpu:6.1f} s CPU)  {n / dt:8.0f} rec/s  "
                      f"peak RSS {hwm:5d} MB  output {out_size / 1e6:7.1f} MB", flush=True)  # fmt: skip
            results.unlink()
        print("\n| format | records | input MB | wall s | CPU s | records/s (wall) | peak RSS MB | output MB |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for fmt, n, size, dt, cpu, rate, hwm, out in rows:
            print(f"| {fmt} | {n} | {size:.1f} | {dt:.1f} | {cpu:.1f} | {rate:.0f} | {hwm} | {out:.1f} |")


if __name__ == "__main__":
    main()
