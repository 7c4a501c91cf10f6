"""Does ``hhi batch --threads N`` limit a worker's threads? For N in 1, 2, 4, runs
``python -m hhikit batch --workers 1 --threads N`` on one example image with the
``thread_probe`` plugin detector (the real MoveNet ONNX model) and prints, measured inside
the worker process: its thread count (``/proc/<pid>/task``) and the intra-op threads of
onnxruntime, torch and OpenCV.

    PYTHONPATH=$PWD .venv/bin/python bench/batch_threads.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGE = ROOT / "examples" / "images" / "handshake.jpg"


def probe(threads: int, tmp: Path) -> dict:
    folder = tmp / f"in{threads}"
    folder.mkdir()
    (folder / IMAGE.name).symlink_to(IMAGE)
    out = tmp / f"probe{threads}.jsonl"
    env = dict(os.environ, HHIKIT_THREAD_PROBE=str(out))
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "bench"), str(ROOT), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, "-m", "hhikit", "batch", str(folder), "--out", str(tmp / f"r{threads}.jsonl"),
           "--workers", "1", "--threads", str(threads), "--plugin", "thread_probe", "--detector", "thread-probe",
           "--describer", "none", "--no-progress"]  # fmt: skip
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return json.loads(out.read_text().splitlines()[0])


def main() -> None:
    print("threads  worker tasks  onnxruntime  torch  opencv")
    with tempfile.TemporaryDirectory() as d:
        for n in (1, 2, 4):
            r = probe(n, Path(d))
            print(f"{n:7d}  {r['tasks']:12d}  {r['onnxruntime']:11d}  {r['torch']!s:>5}  {r['opencv']!s:>6}")


if __name__ == "__main__":
    main()
