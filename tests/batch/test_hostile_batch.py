"""`hhi batch` against failing disks, special outputs, pipes, bad manifests and signals:
one line and exit 2 for an output it cannot use, nothing torn, nothing hanging, no input lost."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.batch.batch_corpus import EXAMPLES
from tests.hostile import HOG, ROOT, hhi


def _records(path: Path) -> list[dict]:
    data = path.read_bytes()
    assert not data or data.endswith(b"\n"), "a torn last line"
    return [json.loads(line) for line in data.splitlines()]


def _photos(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    src = (EXAMPLES / "handshake.jpg").read_bytes()
    for i in range(n):
        (folder / f"p{i:03d}.jpg").write_bytes(src)
    return folder


def _one_line_exit_2(r: subprocess.CompletedProcess, *words: str) -> str:
    err = r.stderr.decode()
    assert r.returncode == 2, (r.returncode, err[-2000:])
    assert "Traceback" not in err, err[-2000:]
    lines = [line for line in err.splitlines() if line.startswith("hhi: ")]
    assert len(lines) == 1, err
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "out,words",
    [
        ("/dev/zero", ("character device", "regular file")),
        ("/dev/full", ("character device",)),
        ("/dev/null", ("character device",)),
        ("DIR", ("is a directory",)),
        ("/proc/version", ("cannot",)),
    ],
)
def test_a_special_or_unusable_out_is_one_line_and_exit_2(tmp_path, out, words):
    photos = _photos(tmp_path / "photos", 2)
    out = str(photos) if out == "DIR" else out
    t0 = time.monotonic()
    r = hhi("batch", str(photos), "--out", out, "--workers", "0", "--no-progress", *HOG, timeout=120)
    _one_line_exit_2(r, *words)
    assert time.monotonic() - t0 < 100


def test_out_dev_stdout_into_a_pipe_is_refused(tmp_path):
    photos = _photos(tmp_path / "photos", 1)
    r = hhi("batch", str(photos), "--out", "/dev/stdout", "--workers", "0", "--no-progress", *HOG, timeout=120)
    _one_line_exit_2(r, "FIFO")


@contextlib.contextmanager
def _tmpfs(path: Path, size: str = "64k"):
    path.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if r.returncode != 0:
        yield False
        return
    try:
        yield True
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_full_disk_stops_the_run_with_one_line_and_a_whole_file_then_resume_says_so(tmp_path):
    photos = _photos(tmp_path / "photos", 120)
    with _tmpfs(tmp_path / "tiny") as mounted:
        if not mounted:
            pytest.skip("cannot mount a tmpfs here (see test_enospc_simulated for the same path)")
        out = tmp_path / "tiny" / "R.jsonl"
        args = ("batch", str(photos), "--out", str(out), "--workers", "2", "--no-progress", *HOG)
        r = hhi(*args, timeout=300)
        _one_line_exit_2(r, "no space left", "rerun")
        recs = _records(out)
        assert 0 < len(recs) < 120 and len({x["path"] for x in recs}) == len(recs)
        r = hhi(*args, timeout=300)  # a resume on the full disk: says so, exits
        _one_line_exit_2(r, "no space left")
        assert _records(out) == recs
        subprocess.run(["mount", "-o", "remount,ro", str(tmp_path / "tiny")], check=True)
        r = hhi(*args, timeout=300)
        _one_line_exit_2(r, "read-only")


def test_enospc_simulated_cuts_the_half_written_record_and_raises_output_error(tmp_path, monkeypatch):
    from hhikit.batch import output
    from hhikit.batch.output import ResultWriter
    from hhikit.errors import OutputError

    out = tmp_path / "r.jsonl"
    calls = {"n": 0}
    real_write = os.write

    def write(fd, data):
        calls["n"] += 1
        if calls["n"] == 2:  # the second record: half of it gets out, then the disk is full
            return real_write(fd, bytes(data[: len(data) // 2]))
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    with ResultWriter(out, fsync_every=0) as w:
        monkeypatch.setattr(output.os, "write", write)
        w.write(json.dumps({"path": "/a.jpg"}))
        with pytest.raises(OutputError, match=r"no space left on the device\); 1 records"):
            w.write(json.dumps({"path": "/b.jpg"}))
    assert out.read_bytes() == b'{"path": "/a.jpg"}\n'


def test_a_pipe_or_stdin_manifest_is_processed_whole_with_the_progress_bar(tmp_path):
    photos = _photos(tmp_path / "photos", 5)
    listing = "".join(f"photos/{p.name}\n" for p in sorted(photos.iterdir())).encode()
    out = tmp_path / "R.jsonl"
    e = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "hhikit", "batch", "/dev/stdin", "--out", str(out), "--workers", "1", *HOG]
    r = subprocess.run(cmd, input=listing, capture_output=True, timeout=300, cwd=tmp_path, env=e)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    assert len(_records(out)) == 5  # relative paths: to the current folder for a stream
    out2 = tmp_path / "R2.jsonl"  # a process substitution: a FIFO path, like <(ls -d photos/*)
    fifo = tmp_path / "list.fifo"
    os.mkfifo(fifo)
    cmd2 = [*cmd[:4], str(fifo), "--out", str(out2), "--workers", "1", *HOG]
    proc = subprocess.Popen(cmd2, stderr=subprocess.PIPE, cwd=tmp_path, env=e)
    with open(fifo, "wb") as fh:
        fh.write(listing)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()[-2000:]
    assert len(_records(out2)) == 5


def test_a_bad_manifest_row_is_an_error_record_and_the_listing_goes_on(tmp_path):
    _photos(tmp_path / "photos", 3)
    rows = [
        "path,label",
        "photos/p000.jpg,a",
        "x" * 200_000 + ",b",
        "photos/p001.jpg,c",
        "bad\x00nul,d",
        "photos/p002.jpg,e",
    ]
    manifest = tmp_path / "m.csv"
    manifest.write_text("\n".join(rows) + "\n")
    out = tmp_path / "R.jsonl"
    r = hhi("batch", str(manifest), "--out", str(out), "--workers", "0", "--no-progress", *HOG, timeout=300)
    assert r.returncode == 1 and b"Traceback" not in r.stderr, r.stderr.decode()[-2000:]
    recs = _records(out)
    good = [x for x in recs if x["error"] is None]
    bad = {x["path"]: x["error"]["message"] for x in recs if x["error"]}
    assert len(good) == 3
    assert set(bad) == {f"{manifest}:3", f"{manifest}:5"}
    assert "longer than 65,536 bytes" in bad[f"{manifest}:3"] and "NUL" in bad[f"{manifest}:5"]
    # a rerun knows the bad rows too: nothing is recorded twice
    r = hhi("batch", str(manifest), "--out", str(out), "--workers", "0", "--no-progress", *HOG, timeout=300)
    assert r.returncode == 0 and len(_records(out)) == 5


def test_a_jpeg_named_txt_is_one_image_not_a_manifest(tmp_path):
    jpg = tmp_path / "photo.txt"
    shutil.copy(EXAMPLES / "handshake.jpg", jpg)
    out = tmp_path / "R.jsonl"
    r = hhi("batch", str(jpg), "--out", str(out), "--workers", "0", "--no-progress", *HOG, timeout=300)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    recs = _records(out)
    assert len(recs) == 1 and recs[0]["error"] is None and recs[0]["width"] == 200


def _wait_for_records(out: Path, n: int, proc: subprocess.Popen, limit: float = 240) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if out.exists() and out.read_bytes().count(b"\n") >= n:
            return
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        time.sleep(0.1)
    pytest.fail("no records appeared")


@pytest.mark.slow
def test_sigterm_ends_like_ctrl_c_and_killing_the_parent_leaves_quiet_workers(tmp_path):
    photos = _photos(tmp_path / "photos", 150)
    out = tmp_path / "R.jsonl"
    e = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "hhikit", "batch", str(photos), "--out", str(out), "--workers", "2", "--chunksize", "1",
           "--no-progress", *HOG]  # fmt: skip
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, env=e)
    _wait_for_records(out, 3, proc)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    err = proc.stderr.read().decode()
    assert "Traceback" not in err and "leaked" not in err, err
    assert "interrupted; rerun the same command to resume" in err and "batch: " in err
    first = _records(out)
    assert 0 < len(first) < 150
    # the parent alone killed (SIGKILL): its workers end quietly, no BrokenPipe traceback
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, env=e)
    _wait_for_records(out, len(first) + 2, proc)
    proc.kill()
    proc.wait(timeout=30)
    t0 = time.monotonic()
    err = proc.stderr.read().decode()  # EOF once every worker holding the pipe has ended
    assert time.monotonic() - t0 < 30
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    # a resume completes with exactly one record per input
    r = subprocess.run(cmd, capture_output=True, timeout=600, env=e)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    recs = _records(out)
    assert len(recs) == 150 and len({x["path"] for x in recs}) == 150
