"""Print what each command says about each hostile input (the corpus of tests/hostile.py):
input, command, exit code, message, whether the good input of the same run was processed,
and wall time. Each run is one bad input plus one good input, with the default models.

    PYTHONPATH=. python scripts/hostile_table.py [--commands analyze,video,batch,upload]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hhikit.io.safeopen import shown
from tests.hostile import build_hostile, hhi

_ROOT = [""]


def _cell(text: str, n: int = 110) -> str:
    text = " ".join(text.split())
    if _ROOT[0]:
        text = text.replace(_ROOT[0] + os.sep, "")  # names relative to the corpus folder
    text = shown(text).replace("|", "\\|")
    return text if len(text) <= n else text[: n - 1] + "…"


def _line_for(stdout: str, path: str) -> str:
    for line in stdout.splitlines():
        if line.startswith(shown(path) + ":"):
            return line.split("ERROR ", 1)[-1]
    return "(no line)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commands", default="analyze,video,batch,upload,runs")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    commands = args.commands.split(",")
    root = Path(tempfile.mkdtemp(prefix="hhikit-hostile-"))
    try:
        return _table(root, commands, args.timeout)
    finally:
        for m in root.glob("**/tiny"):
            subprocess.run(["umount", "-l", str(m)], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _table(root: Path, commands: list[str], timeout: float) -> int:
    class _A:
        pass

    args = _A()
    args.timeout = timeout
    h = build_hostile(root / "corpus")
    _ROOT[0] = str(root / "corpus")
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
    if "runs" in commands:  # whole batch runs: outputs, full disk, pipes, manifests, signals
        _batch_rows(root, good_img, timeout)
    return 0


def _row(name: str, cmd: str, r: subprocess.CompletedProcess | None, msg: str, ok: bool | None, t: float) -> None:
    code = "-" if r is None else r.returncode
    others = "n/a (refused before any input)" if ok is None else "yes" if ok else "NO"
    print(f"| {name} | `{cmd.replace('|', chr(92) + '|')}` | {code} | {_cell(msg)} | {others} | {t:.1f} |")


def _last_err(r: subprocess.CompletedProcess) -> str:
    lines = [x for x in r.stderr.decode("utf-8", "replace").splitlines() if x.startswith(("hhi: ", "batch: "))]
    return " / ".join(lines[-2:]) if lines else "(none)"


def _batch_rows(root: Path, good_img: str, timeout: float) -> None:
    """The cases of a whole batch run: outputs it cannot use, a full disk, pipes, bad rows, SIGTERM."""
    work = root / "batch"
    photos = work / "photos"
    photos.mkdir(parents=True)
    for i in range(40):
        shutil.copy(good_img, photos / f"p{i:02d}.jpg")
    _ROOT[0] = str(work)
    for out in ("/dev/zero", "/dev/full", "/dev/null", str(photos), "/dev/stdout"):
        t0 = time.perf_counter()
        r = hhi("batch", str(photos), "--out", out, "--no-progress", timeout=timeout)
        _row(f"--out {out.replace(str(work) + os.sep, '')}", f"hhi batch photos --out {out.replace(str(work) + os.sep, '')}",
             r, _last_err(r), None, time.perf_counter() - t0)  # fmt: skip
    tiny = work / "tiny"
    tiny.mkdir()
    if (
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(tiny)], capture_output=True).returncode
        == 0
    ):
        for what in ("full disk (64 KB tmpfs)", "resume on the full disk"):
            t0 = time.perf_counter()
            r = hhi(
                "batch", str(photos), "--out", str(tiny / "R.jsonl"), "--workers", "2", "--no-progress", timeout=timeout
            )
            n = (tiny / "R.jsonl").read_bytes().count(b"\n")
            _row(what, "hhi batch photos --out tiny/R.jsonl --workers 2", r, _last_err(r) + f" [{n} whole records]",
                 n > 0, time.perf_counter() - t0)  # fmt: skip
    listing = "".join(f"photos/{p.name}\n" for p in sorted(photos.iterdir())).encode()
    t0 = time.perf_counter()
    e = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    cmd = [sys.executable, "-m", "hhikit", "batch", "/dev/stdin", "--out", str(work / "S.jsonl")]
    r = subprocess.run(cmd, input=listing, capture_output=True, timeout=timeout, cwd=work, env=e)
    n = (work / "S.jsonl").read_bytes().count(b"\n")
    _row("list on stdin (progress bar on)", "cat list | hhi batch /dev/stdin --out S.jsonl", r, f"{n} records of 40",
         n == 40, time.perf_counter() - t0)  # fmt: skip
    m = work / "m.csv"
    m.write_text("path\nphotos/p00.jpg\n" + "x" * 200_000 + "\nphotos/p01.jpg\n")
    t0 = time.perf_counter()
    r = hhi("batch", str(m), "--out", str(work / "M.jsonl"), "--no-progress", timeout=timeout)
    recs = [json.loads(x) for x in (work / "M.jsonl").read_bytes().splitlines()]
    bad = [x["error"]["message"] for x in recs if x["error"]]
    _row("CSV row with a 200 KB field", "hhi batch m.csv --out M.jsonl", r, bad[0] if bad else "(none)",
         sum(x["error"] is None for x in recs) == 2, time.perf_counter() - t0)  # fmt: skip
    txt = work / "photo.txt"
    shutil.copy(good_img, txt)
    t0 = time.perf_counter()
    r = hhi("batch", str(txt), "--out", str(work / "T.jsonl"), "--no-progress", timeout=timeout)
    recs = [json.loads(x) for x in (work / "T.jsonl").read_bytes().splitlines()]
    _row("JPEG named .txt", "hhi batch photo.txt --out T.jsonl", r, f"{len(recs)} record(s), error {recs[0]['error']}",
         len(recs) == 1 and recs[0]["error"] is None, time.perf_counter() - t0)  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen([*cmd[:4], str(photos), "--out", str(work / "K.jsonl"), "--workers", "2", "--no-progress"],
                            stderr=subprocess.PIPE, env=e)  # fmt: skip
    while not (work / "K.jsonl").exists() or (work / "K.jsonl").read_bytes().count(b"\n") < 2:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=timeout)[1].decode()
    r = subprocess.CompletedProcess(proc.args, proc.returncode, b"", err.encode())
    tb = "traceback!" if "Traceback" in err else "no traceback"
    said = next((x for x in err.splitlines() if "interrupted" in x), "(no summary)")
    n = (work / "K.jsonl").read_bytes().count(b"\n")
    r2 = hhi("batch", str(photos), "--out", str(work / "K.jsonl"), "--no-progress", timeout=timeout)
    total = (work / "K.jsonl").read_bytes().count(b"\n")
    _row("SIGTERM during a run, then rerun", "kill -TERM <hhi batch>; hhi batch (same)", r,
         f"{said} ({tb}; {n} records, rerun exit {r2.returncode}: {total} of 40)", total == 40, time.perf_counter() - t0)  # fmt: skip


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
