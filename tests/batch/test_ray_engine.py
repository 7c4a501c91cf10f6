from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from hhikit.batch.output import config_path
from tests.batch.batch_corpus import PLUGIN, ROOT
from tests.conftest import shared_path

pytest.importorskip("ray")


def _hhi_batch(*args: str, timeout: float = 600) -> tuple[int, str, str]:
    """Run the CLI in its own process group, so Ray's processes go with it on a time-out."""
    cmd = [sys.executable, "-m", "hhikit", "batch", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"hhi batch --engine ray did not finish in {timeout} s")
    return proc.returncode, out.decode(), err.decode(errors="replace")


def test_ray_engine_streams_one_record_per_input_to_one_file(tmp_path, example_image):
    ex = example_image.parent
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    names = ["handshake.jpg", "salute.jpg", "arm_around.jpg"]
    for name in names:
        (src / name).write_bytes((ex / name).read_bytes())
    (src / "sub" / "again.jpg").symlink_to(src / "handshake.jpg")  # same file: one record
    (src / "sub" / "bad.jpg").write_bytes(b"GIF89a broken")
    (src / "zero.png").write_bytes(b"")
    # two people (HOG) in one pair of interactiveness ~0.69: kept by the default NIS threshold
    (src / "ww.jpg").symlink_to(shared_path("waldo_and_wenda", "images", "014744.jpg"))
    out = tmp_path / "r.jsonl"
    out.write_bytes(
        (json.dumps({"schema": "hhikit/1", "path": str(src / "salute.jpg"), "error": None}) + "\n").encode()
    )

    rc, stdout, stderr = _hhi_batch(str(src), "--out", str(out), "--engine", "ray", "--workers", "2",
                                    "--plugin", PLUGIN, "--detector", "hog", "--no-progress", "--summary-json",
                                    "--describer", "none", "--nis-threshold", "0.9")  # fmt: skip
    assert rc == 1, stderr[-3000:]  # 1: some inputs failed (they are recorded)
    s = json.loads(stdout.strip().splitlines()[-1])

    recs = [json.loads(line) for line in out.read_bytes().splitlines()]
    paths = [r["path"] for r in recs]
    assert len(paths) == len(set(paths)) == 6
    assert recs[0]["path"] == str(src / "salute.jpg")  # the earlier record is kept, not redone
    assert (s["done"], s["failed"], s["skipped"], s["duplicates"]) == (3, 2, 1, 1)
    by = {os.path.basename(r["path"]): r for r in recs}
    assert by["handshake.jpg"]["error"] is None and by["handshake.jpg"]["width"] == 200
    assert "people" in by["arm_around.jpg"]["timings"]
    assert "not an image" in by["bad.jpg"]["error"]["message"]
    assert "empty file" in by["zero.png"]["error"]["message"]
    assert not list(tmp_path.glob(".r.jsonl.pending.*"))  # the pending list is cleaned up
    # the pipeline options reached the actors (the default describer fills `interactions` of
    # every good image; NIS at 0.9 suppresses the pair) and are recorded beside the results
    assert all(r["interactions"] == [] for r in recs[1:])
    ww = by["014744.jpg"]["pairs"]
    assert len(ww) == 1 and ww[0]["suppressed"] and ww[0]["interactions"] == []
    recorded = json.loads(config_path(out).read_text())["pipeline"]
    assert (recorded["describer"], recorded["nis_threshold"]) == ("none", 0.9)
