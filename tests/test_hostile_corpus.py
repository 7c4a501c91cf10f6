"""The hostile-input corpus (tests/hostile.py) through every command a user runs: each bad
input gives its clear one-line message, nothing hangs, and every good input of the same run
is processed. (The per-input table of the same corpus: scripts/hostile_table.py.)"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.hostile import HOG, build_hostile, hhi


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_hostile(tmp_path_factory.mktemp("hostile"))


def _summary_lines(stdout: bytes) -> dict[str, str]:
    """First line of each input's summary, keyed by the (escaped) path it starts with."""
    text = stdout.decode("utf-8")  # strict: the whole output is valid UTF-8
    return {line.split(": ", 1)[0]: line for line in text.splitlines() if not line.startswith(" ")}


def _escaped(name: str) -> str:
    """A file name as a summary must show it: undecodable bytes and control characters escaped."""
    b = os.fsencode(name)
    return "".join(chr(c) if 0x20 <= c < 0x7F else f"\\x{c:02x}" for c in b)


def test_analyze_gives_each_bad_input_its_line_and_processes_the_good_ones(corpus):
    paths = [c.path for c in corpus.cases] + corpus.good_images
    r = hhi("analyze", *paths, *HOG, timeout=300)
    assert r.returncode == 1, r.stderr[-2000:]
    assert b"Traceback" not in r.stderr
    lines = _summary_lines(r.stdout)
    for c in corpus.cases:
        line = lines[c.path]
        assert "ERROR InputError" in line and c.image_msg in line, (c.name, line)
    for g in corpus.good_images:
        line = lines[_escaped(g)]
        assert "200x133" in line, line
    assert "\x1b" not in r.stdout.decode()  # the escape in a name is shown as \x1b
    # --json: one valid UTF-8 record per input, names kept (surrogate-escaped)
    r = hhi("analyze", *paths, *HOG, "--json", timeout=300)
    recs = [json.loads(line) for line in r.stdout.decode("utf-8").splitlines()]
    assert [rec["path"] for rec in recs] == paths
    assert [rec["error"] is None for rec in recs] == [False] * len(corpus.cases) + [True] * len(corpus.good_images)
    assert os.fsencode(recs[-2]["path"]).endswith(b"caf\xe9_latin1.jpg")


@pytest.mark.slow
def test_video_names_the_real_problem_and_processes_the_good_video(corpus):
    cases = [c for c in corpus.cases if c.video_msg]
    r = hhi("video", *[c.path for c in cases], *corpus.good_videos, "--no-asr", "--no-visual", timeout=600)
    assert r.returncode == 1 and b"Traceback" not in r.stderr, r.stderr[-2000:]
    lines = _summary_lines(r.stdout)
    for c in cases:
        assert c.video_msg in lines[c.path], (c.name, lines[c.path])
    assert "shots" in lines[corpus.good_videos[0]] and "ERROR" not in lines[corpus.good_videos[0]]


@pytest.mark.slow
def test_batch_manifest_of_every_case_gives_one_record_each(corpus, tmp_path):
    listed = [c.path for c in corpus.cases] + corpus.good_images + corpus.good_videos
    manifest = tmp_path / "list.txt"
    manifest.write_bytes(b"\n".join(os.fsencode(p) for p in listed) + b"\n")
    out = tmp_path / "r.jsonl"
    r = hhi("batch", str(manifest), "--out", str(out), "--workers", "2", "--no-progress", *HOG, timeout=600)
    assert r.returncode == 1 and b"Traceback" not in r.stderr, r.stderr[-2000:]
    data = out.read_bytes()
    data.decode("utf-8")
    recs = {rec["path"]: rec for rec in map(json.loads, data.splitlines())}
    for c in corpus.cases:
        key = os.path.realpath(c.path) if not os.path.islink(c.path) or os.path.exists(c.path) else c.path
        rec = recs.get(key) or recs.get(os.path.realpath(c.path)) or recs.get(os.path.abspath(c.path))
        assert rec is not None, (c.name, sorted(recs))
        assert rec["error"] and c.batch_msg in rec["error"]["message"], (c.name, rec)
    for g in corpus.good_images + corpus.good_videos:
        assert recs[os.path.realpath(g)]["error"] is None, recs[os.path.realpath(g)]
    assert len(recs) == len(listed)


def test_web_upload_path_gives_the_users_name_and_processes_the_good_ones(corpus):
    from hhikit.app.uploads import UploadStore, analyze_upload
    from hhikit.pipeline import Pipeline
    from hhikit.video.pipeline import VideoConfig, VideoPipeline
    from tests.batch.batch_corpus import PLUGIN

    __import__(PLUGIN)
    pipe = Pipeline(detector="hog")
    vp = VideoPipeline(VideoConfig(shot_detector="adaptive", asr=False, visual=False))
    with UploadStore(max_mb=5) as store:
        for c in corpus.cases:
            if not c.upload:
                continue
            name = "holiday " + Path(c.path).name
            rec, _, _ = analyze_upload(store, Path(c.path).read_bytes(), name, pipe, vp)
            msg = rec.error["message"]
            assert rec.path == name and msg.startswith(name), (c.name, msg)
            assert str(store.dir) not in msg and "hhikit-upload" not in msg, msg
        for g in corpus.good_images:
            rec, _, saved = analyze_upload(store, Path(g).read_bytes(), "mine.jpg", pipe, None)
            assert rec.error is None and rec.width == 200 and rec.path == "mine.jpg"
            assert saved.path.parent == store.dir
        rec, sheet, _ = analyze_upload(store, Path(corpus.good_videos[0]).read_bytes(), "clip.mp4", pipe, vp)
        assert rec.error is None and rec.path == "clip.mp4" and len(rec.shots) >= 1 and sheet.ndim == 3
        d = store.dir
    assert not d.exists()
