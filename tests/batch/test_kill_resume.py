"""Kill ``hhi batch`` with SIGKILL at random moments, rerun, and check the results file holds
exactly one valid record per input and no corrupt line."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.batch.batch_corpus import PLUGIN, ROOT

N_INPUTS = 40


def _start(manifest: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "hhikit", "batch", str(manifest), "--out", str(out), "--workers", "2",
           "--plugin", PLUGIN, "--detector", "hog", "--chunksize", "2", "--no-progress"]  # fmt: skip
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _lines(out: Path) -> int:
    return out.read_bytes().count(b"\n") if out.exists() else 0


def test_sigkill_at_random_moments_then_resume(tmp_path, ww_images):
    assert len(ww_images) >= N_INPUTS
    inputs = ww_images[:N_INPUTS]
    manifest = tmp_path / "inputs.txt"
    manifest.write_text("".join(f"{p}\n" for p in inputs))
    out = tmp_path / "results.jsonl"
    rng = random.Random(int(os.environ.get("HHI_TEST_SEED", "0")) or None)

    kills = 0
    for _ in range(6):
        before = _lines(out)
        if before >= N_INPUTS - 2:
            break
        # kill once this run has written a random number of new records, plus a random
        # few milliseconds: anywhere in the middle of writing, between writes, in a fsync
        target = before + rng.randint(1, max(1, (N_INPUTS - before) // 2))
        proc = _start(manifest, out)
        deadline = time.monotonic() + 120
        while proc.poll() is None and _lines(out) < target and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.05))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 2, "the runs finished before they could be killed"

    proc = _start(manifest, out)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]

    data = out.read_bytes()
    assert data.endswith(b"\n")
    recs = [json.loads(line) for line in data.splitlines()]  # any corrupt line raises here
    paths = [r["path"] for r in recs]
    assert len(paths) == len(set(paths)) == N_INPUTS
    assert set(paths) == {os.path.realpath(p) for p in inputs}
    assert all(r["error"] is None and r["schema"] == "hhikit/1" for r in recs)
