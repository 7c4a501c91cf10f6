"""`--out` of `hhi analyze` and `hhi video` never overwrites a result of the same run, and
file names that are not UTF-8 or hold control characters reach stdout intact and safe."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.batch.batch_corpus import EXAMPLES, tiny_mp4
from tests.hostile import HOG, hhi


def test_analyze_same_named_inputs_get_distinct_outputs_saying_which_is_which(tmp_path):
    for d, src in (("a", "handshake.jpg"), ("b", sorted(EXAMPLES.glob("*.jpg"))[-1].name)):
        (tmp_path / d).mkdir()
        shutil.copy(EXAMPLES / src, tmp_path / d / "x.jpg")
    out = tmp_path / "out"
    a, b = str(tmp_path / "a" / "x.jpg"), str(tmp_path / "b" / "x.jpg")
    r = hhi("analyze", a, b, "--out", str(out), *HOG, timeout=300)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    assert sorted(p.name for p in out.iterdir()) == ["x-2.json", "x-2.png", "x.json", "x.png"]
    assert json.loads((out / "x.json").read_text())["path"] == a
    assert json.loads((out / "x-2.json").read_text())["path"] == b
    assert f"wrote {out / 'x-2.json'}" in r.stdout.decode()


@pytest.mark.slow
def test_video_same_named_inputs_get_distinct_outputs(tmp_path):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        tiny_mp4(tmp_path / d / "v.mp4", frames=10 if d == "a" else 12)
    out = tmp_path / "out"
    a, b = str(tmp_path / "a" / "v.mp4"), str(tmp_path / "b" / "v.mp4")
    r = hhi("video", a, b, "--out", str(out), "--shots", "adaptive", "--no-asr", "--no-visual", timeout=600)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    assert json.loads((out / "v.json").read_text())["path"] == a
    assert json.loads((out / "v-2.json").read_text())["path"] == b


def test_names_not_utf8_and_with_escapes_with_a_strict_utf8_stdout(tmp_path):
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9\x1b]0;pwned\x07.jpg")
    shutil.copy(EXAMPLES / "handshake.jpg", raw)
    name = os.fsdecode(raw)
    good = str(EXAMPLES / "handshake.jpg")
    r = hhi("analyze", name, good, "--json", *HOG, timeout=300)  # hhi() makes stdout strict UTF-8
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    recs = [json.loads(line) for line in r.stdout.decode("utf-8").splitlines()]
    assert os.fsencode(recs[0]["path"]) == raw and recs[1]["path"] == good
    r = hhi("analyze", name, good, *HOG, timeout=300)
    text = r.stdout.decode("utf-8")
    assert r.returncode == 0 and "\x1b" not in text and "\x07" not in text
    assert "caf\\xe9\\x1b]0;pwned\\x07.jpg: 200x133" in text and f"{good}: 200x133" in text
    video = os.path.join(os.fsencode(tmp_path), b"clip\xff.mp4")
    tiny_mp4(tmp_path / "t.mp4")
    os.rename(tmp_path / "t.mp4", video)
    r = hhi("video", os.fsdecode(video), "--json", "--shots", "adaptive", "--no-asr", "--no-visual", timeout=600)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    assert os.fsencode(json.loads(r.stdout.decode("utf-8"))["path"]) == video
