"""Batch throughput and memory: images/s and peak RSS of the whole process tree, for 1 and
2 workers on the local and Ray engines; for videos, processing time / duration.

    PYTHONPATH=$PWD .venv/bin/python bench/bench_batch.py [--limit N] [--engines local,ray]

Each configuration runs ``python -m hhikit batch`` as a subprocess on the shared Waldo and
Wenda development images (150 files) into a fresh results file. ``images/s`` counts the whole
run (start-up and model loading included); ``steady/s`` is the rate between the first and the
last record written (start-up excluded). Peak RSS sums the resident memory of the run's
process and all its descendants (workers; for Ray also raylet, GCS and actors), sampled
every 50 ms. Other processes on the machine compete for the CPU: compare rows of one run.
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

import psutil

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HHI_SHARED_DATA", ROOT.parent / "shared" / "data"))
IMAGES = SHARED / "waldo_and_wenda" / "images"
VIDEOS = SHARED / "videos"


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _lines(path: Path) -> int:
    try:
        with open(path, "rb") as fh:
            return fh.read().count(b"\n")
    except OSError:
        return 0


def run_one(source: Path, engine: str, workers: int, detector_args: list[str], tmp: Path) -> dict:
    out = tmp / f"{engine}-{workers}.jsonl"
    cmd = [sys.executable, "-m", "hhikit", "batch", str(source), "--out", str(out), "--engine", engine,
           "--workers", str(workers), "--no-progress", "--summary-json", *detector_args]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    peak = 0
    first = last = None
    seen = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(ps))
        n = _lines(out)
        if n > seen:
            now = time.perf_counter()
            if first is None:
                first = (now, n)
            last = (now, n)
            seen = n
        time.sleep(0.05)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{stderr.decode(errors='replace')[-3000:]}")
    summary = json.loads(stdout.decode().strip().splitlines()[-1])
    steady = None
    if first and last and last[0] > first[0]:
        steady = (last[1] - first[1]) / (last[0] - first[0])
    return {"engine": engine, "workers": workers, "wall": wall, "summary": summary, "peak_rss": peak, "steady": steady}


def bench_videos(detector_args: list[str], tmp: Path, folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from hhikit.batch.worker import video_pipeline_class

    if video_pipeline_class() is None:
        print("\nvideos: hhikit.video.VideoPipeline is not in this install: not measured")
        return
    vids = sorted(p for p in folder.rglob("*") if p.suffix in (".mp4", ".webm"))
    vtmp = tmp / "videos"
    vtmp.mkdir()
    r = run_one(folder, "local", 1, detector_args, vtmp)
    recs = [json.loads(x) for x in (vtmp / "local-1.jsonl").read_text().splitlines()]
    dur = sum(x.get("duration", 0.0) for x in recs if x.get("kind") == "video")
    print(
        f"\nvideos: {len(vids)} files, {dur:.1f} s of video in {r['wall']:.1f} s wall"
        f" = {r['wall'] / dur if dur else float('nan'):.2f} s per second of video (1 worker)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="use only the first N images (0: all)")
    ap.add_argument("--engines", default="local,ray")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--detector", default=None, help="detector backend (default: the built-in default, else hog)")
    ap.add_argument("--videos", action="store_true", help="also time the shared videos")
    ap.add_argument("--videos-dir", type=Path, default=VIDEOS, help="folder of videos for --videos")
    args = ap.parse_args()
    if not IMAGES.exists():
        raise SystemExit(f"shared images not found: {IMAGES}")

    sys.path.insert(0, str(ROOT))
    from hhikit.perception.base import available_detectors

    if args.detector:
        detector_args = ["--detector", args.detector]
    elif available_detectors():
        detector_args = []
    else:
        detector_args = ["--plugin", "hhikit.perception.hog_backend", "--detector", "hog"]
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        source = IMAGES
        if args.limit:
            source = tmp / "manifest.txt"
            source.write_text("".join(f"{p}\n" for p in sorted(IMAGES.glob("*.jpg"))[: args.limit]))
        print(
            f"inputs: {source}  detector args: {' '.join(detector_args) or '(default)'}  cpus: {os.cpu_count()}"
            f"  load avg: {os.getloadavg()[0]:.1f}"
        )
        print(
            f"{'engine':7} {'workers':>7} {'images':>6} {'wall s':>7} {'images/s':>9} {'steady/s':>9} {'peak RSS MB':>12}"
        )
        rows = {}
        for engine in args.engines.split(","):
            for w in (int(x) for x in args.workers.split(",")):
                r = run_one(source, engine, w, detector_args, tmp)
                rows[(engine, w)] = r
                s = r["summary"]
                steady = f"{r['steady']:.2f}" if r["steady"] else "-"
                print(
                    f"{engine:7} {w:>7} {s['images']:>6} {r['wall']:>7.1f} {s['images_per_s']:>9.2f} {steady:>9}"
                    f" {r['peak_rss'] / 2**20:>12.0f}",
                    flush=True,
                )
        for engine in args.engines.split(","):
            a, b = rows.get((engine, 1)), rows.get((engine, 2))
            if a and b:
                sp = b["summary"]["images_per_s"] / max(a["summary"]["images_per_s"], 1e-9)
                st = (b["steady"] / a["steady"]) if a["steady"] and b["steady"] else float("nan")
                print(f"{engine}: 2 workers / 1 worker = {sp:.2f}x end to end, {st:.2f}x steady state")
        print(f"load avg after: {os.getloadavg()[0]:.1f}")
        if args.videos:
            bench_videos(detector_args, tmp, args.videos_dir)


if __name__ == "__main__":
    main()
