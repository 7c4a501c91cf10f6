"""Video pipeline benchmark: time per stage and real-time factor on the shared scenes and
multi-person clips, and peak memory (RSS) of a 1-minute vs a 10-minute video made by
looping the shared clips (each run in its own subprocess).

    PYTHONPATH=$PWD python bench/bench_video.py [--skip-memory] [--long 600]

Prints figures; asserts nothing. Other processes on the machine change the timings: the
load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "videos"

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from hhikit.video.pipeline import VideoPipeline
pipe = VideoPipeline()
load = time.perf_counter() - t0
r = pipe.analyze(sys.argv[1])
u = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"load": load, "cpu": u.ru_utime + u.ru_stime, "duration": r.duration, "timings": r.timings, "error": r.error,
                  "shots": len(r.shots), "clips": len(r.clips), "segments": len(r.transcript),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def loadavg() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def make_long(seconds: float, out: Path) -> Path:
    """The shared clips looped to ``seconds`` (320x180, 25 fps, with their audio)."""
    from hhikit.video.decode import probe
    from hhikit.video.synth import concat_clips

    if out.exists():
        return out
    clips = sorted((SHARED / "scenes").glob("*.webm")) + sorted((SHARED / "multiperson").glob("*.mp4"))
    parts, total = [], 0.0
    while total < seconds:
        for c in clips:
            d = min(probe(c).duration - 0.2, seconds - total)
            if d <= 0.5:
                break
            parts.append((c, 0.0, d))
            total += d
    concat_clips(parts, out)
    return out


def run_child(path: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, env=env)
    if res.returncode != 0:
        raise SystemExit(res.stderr[-2000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--long", type=float, default=600.0, help="seconds of the long video")
    args = ap.parse_args()
    from hhikit.video.pipeline import VideoPipeline

    print(f"cores {os.cpu_count()}, {loadavg()}")
    t0 = time.perf_counter()
    pipe = VideoPipeline()
    print(f"models loaded in {time.perf_counter() - t0:.1f} s")
    files = sorted((SHARED / "scenes").glob("*.webm")) + sorted((SHARED / "multiperson").glob("*.mp4"))
    stages = ["decode", "shots", "people", "audio", "asr", "features", "labels"]
    print(f"{'video':34s} {'dur s':>6s} {'total s':>7s} {'x real':>6s}  " + " ".join(f"{s:>8s}" for s in stages))
    import resource

    def cpu() -> float:
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    for f in files:
        c0 = cpu()
        r = pipe.analyze(f)
        used = cpu() - c0
        t = r.timings
        print(f"{f.name:34s} {r.duration:6.1f} {t.get('total', 0):7.2f} {t.get('total', 0) / max(r.duration, 1e-6):6.2f}  "
              + " ".join(f"{t.get(s, 0):8.2f}" for s in stages) + f"   ({loadavg()})")  # fmt: skip
        print(f"{'':34s} CPU time {used:.1f} s = {used / max(r.duration, 1e-6):.2f} x real in CPU-seconds "
              f"(alone on 2 cores the wall time lies between {used / 2:.1f} and {used:.1f} s); "
              f"shots {len(r.shots)}, clips {len(r.clips)}, transcript segments {len(r.transcript)}")  # fmt: skip
    if args.skip_memory:
        return
    tmp = Path("/tmp/hhikit-bench-video")
    tmp.mkdir(exist_ok=True)
    rows = []
    for secs in (60.0, args.long):
        t = time.perf_counter()
        p = make_long(secs, tmp / f"looped_{int(secs)}s.mp4")
        made = time.perf_counter() - t
        r = run_child(p)
        rows.append((secs, r))
        tt = r["timings"]
        print(f"looped {secs:5.0f} s (made in {made:.0f} s): peak RSS {r['rss_mb']:.0f} MB, total {tt['total']:.1f} s "
              f"(x real {tt['total'] / r['duration']:.2f}; process CPU incl. loading {r['cpu']:.0f} s), shots {r['shots']}, clips {r['clips']}, segments {r['segments']} "
              f"({loadavg()})")  # fmt: skip
    if len(rows) == 2:
        a, b = rows[0][1]["rss_mb"], rows[1][1]["rss_mb"]
        print(f"peak RSS {rows[1][0]:.0f} s / {rows[0][0]:.0f} s = {b / a:.3f} ({(b / a - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()
