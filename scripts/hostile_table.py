"""Print what each command says about each hostile input (the corpus of tests/hostile.py):
input, command, exit code, message, whether the good input of the same run was processed,
and wall time. Each run is one bad input plus one good input, with the default models.

    PYTHONPATH=. python scripts/hostile_table.py [--commands analyze,video,batch,upload]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hhikit.io.safeopen import shown
from tests.hostile import build_hostile, hhi


def _cell(text: str, n: int = 90) -> str:
    text = shown(" ".join(text.split())).replace("|", "\\|")
    return text if len(text) <= n else text[: n - 1] + "…"


def _line_for(stdout: str, path: str) -> str:
    for line in stdout.splitlines():
        if line.startswith(shown(path) + ":"):
            return line.split("ERROR ", 1)[-1]
    return "(no line)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commands", default="analyze,video,batch,upload")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    commands = args.commands.split(",")
    root = Path(tempfile.mkdtemp(prefix="hhikit-hostile-"))
    h = build_hostile(root / "corpus")
    good_img, good_vid = h.good_images[0], h.good_videos[0]
    print("| input | command | exit | message | others processed | time s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for c in h.cases:
        if "analyze" in commands:
            t0 = time.perf_counter()
            r = hhi("analyze", c.path, good_img, timeout=args.timeout)
            out = r.stdout.decode("utf-8")
            ok = f"{shown(good_img)}: 200x133" in out
            msg = _line_for(out, c.path)
            print(f"| {c.name} | `hhi analyze BAD good.jpg` | {r.returncode} | {_cell(msg)} | {'yes' if ok else 'NO'} | {time.perf_counter() - t0:.1f} |")  # fmt: skip
        if "video" in commands and c.video_msg:
            t0 = time.perf_counter()
            r = hhi("video", c.path, good_vid, timeout=args.timeout)
            out = r.stdout.decode("utf-8")
            ok = any(line.startswith(f"{good_vid}: ") and "shots" in line for line in out.splitlines())
            msg = _line_for(out, c.path)
            print(f"| {c.name} | `hhi video BAD good.mp4` | {r.returncode} | {_cell(msg)} | {'yes' if ok else 'NO'} | {time.perf_counter() - t0:.1f} |")  # fmt: skip
        if "batch" in commands:
            work = Path(tempfile.mkdtemp(dir=root))
            manifest = work / "list.txt"
            manifest.write_bytes(os.fsencode(c.path) + b"\n" + os.fsencode(good_img) + b"\n")
            t0 = time.perf_counter()
            r = hhi("batch", str(manifest), "--out", str(work / "r.jsonl"), "--no-progress", timeout=args.timeout)
            recs = [json.loads(x) for x in (work / "r.jsonl").read_bytes().splitlines()]
            bad = [x for x in recs if x["error"]]
            ok = any(x["error"] is None and x["path"] == os.path.realpath(good_img) for x in recs)
            msg = bad[0]["error"]["message"] if bad else "(no error record)"
            print(f"| {c.name} | `hhi batch LIST --out R.jsonl` | {r.returncode} | {_cell(msg)} | {'yes' if ok else 'NO'} | {time.perf_counter() - t0:.1f} |")  # fmt: skip
        if "upload" in commands and c.upload:
            print(_upload_row(c, good_img))
    return 0


_PIPES: dict[str, object] = {}


def _upload_row(c, good_img: str) -> str:
    from hhikit.app.uploads import UploadStore, analyze_upload
    from hhikit.pipeline import Pipeline
    from hhikit.video.pipeline import VideoPipeline

    if not _PIPES:
        _PIPES["image"], _PIPES["video"] = Pipeline(), VideoPipeline()
    t0 = time.perf_counter()
    with UploadStore() as store:
        rec, _, _ = analyze_upload(
            store, Path(c.path).read_bytes(), Path(c.path).name, _PIPES["image"], _PIPES["video"]
        )
        good, _, _ = analyze_upload(store, Path(good_img).read_bytes(), "good.jpg", _PIPES["image"], _PIPES["video"])
    msg = rec.error["message"] if rec.error else "(no error)"
    ok = "yes" if good.error is None else "NO"
    return f"| {c.name} | web upload (`analyze_upload`) | - | {_cell(msg)} | {ok} | {time.perf_counter() - t0:.1f} |"


if __name__ == "__main__":
    sys.exit(main())
