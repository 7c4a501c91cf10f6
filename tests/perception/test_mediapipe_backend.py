"""MediaPipe backends on real photos: the bundled public-domain examples (two people each)
and Waldo and Wenda images from the shared data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from hhikit.errors import InputError
from hhikit.io.images import read_image
from hhikit.models.setup import run_setup
from hhikit.models.store import resolve, sha256_file
from hhikit.perception.base import DEFAULT_DETECTOR, get_detector
from hhikit.perception.mediapipe_backend import (
    BLAZEPOSE_TO_COCO17,
    crop_windows,
    person_from_pose33,
    write_task_bundle,
)
from hhikit.types import Person
from tests.conftest import EXAMPLES, ROOT, shared_path

CARDS = ["blazepose", "face-full-range", "face-short-range", "hand-landmarker"]
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.jpg"))
# Waldo and Wenda images (200 px) whose two people BlazePose finds in a spot check.
WW_IDS = ["002529", "017849", "038772"]


@pytest.fixture(scope="session", autouse=True)
def prepared() -> None:
    run_setup(CARDS, log=lambda _msg: None)


@pytest.fixture(scope="module")
def pose():
    det = get_detector("blazepose")
    yield det
    det.close()


def _inside(kp: np.ndarray, w: int, h: int, min_score: float = 0.5) -> bool:
    ok = kp[:, 2] >= min_score
    x, y = kp[ok, 0], kp[ok, 1]
    return bool(((x >= -1) & (x <= w + 1) & (y >= -1) & (y <= h + 1)).all())


# ------------------------------------------------------------------ set-up and cards


def test_setup_writes_cards_files_and_is_idempotent():
    for name in CARDS:
        r = resolve(name, verify=True)
        for f in r.card.files:
            assert (r.root / f).stat().st_size > 100_000 or name == "face-short-range"
    assert run_setup(CARDS, log=lambda _m: None) == []


def test_task_bundles_hold_both_stages_aligned():
    for name, members in [
        ("blazepose", {"pose_detector.tflite", "pose_landmarks_detector.tflite"}),
        ("hand-landmarker", {"hand_detector.tflite", "hand_landmarks_detector.tflite"}),
    ]:
        path = resolve(name).path()
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            assert {i.filename for i in infos} == members
            for i in infos:
                assert i.compress_type == zipfile.ZIP_STORED
                data_start = i.header_offset + 30 + len(i.filename) + len(i.extra)
                assert data_start % 4 == 0
                assert zf.read(i.filename)[4:8] == b"TFL3"


def test_bundle_writer_is_reproducible(tmp_path):
    a, b = tmp_path / "a.task", tmp_path / "b.task"
    members = {"x.tflite": b"12345", "y.tflite": b"abcdefgh"}
    write_task_bundle(members, a)
    write_task_bundle(members, b)
    assert sha256_file(a) == sha256_file(b)


# ------------------------------------------------------------------ BlazePose


def test_blazepose_is_default_detector():
    assert DEFAULT_DETECTOR == "blazepose"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_blazepose_finds_two_people_in_examples(pose, path):
    img = read_image(path)
    h, w = img.shape[:2]
    people = pose.detect(img)
    assert len(people) >= 2
    assert [p.id for p in people] == list(range(len(people)))
    assert all(people[i].score >= people[i + 1].score for i in range(len(people) - 1))
    for p in people[:2]:
        assert p.keypoint_format == "coco17"
        assert p.keypoints.shape == (17, 3)
        assert p.pose33.shape == (33, 3)
        assert np.allclose(p.keypoints, p.pose33[list(BLAZEPOSE_TO_COCO17)])
        assert _inside(p.keypoints, w, h)
        x1, y1, x2, y2 = p.box
        assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
        # Confident keypoints lie in (or on the edge of) the person's own box.
        ok = p.keypoints[:, 2] >= 0.5
        assert ok.sum() >= 5
        kx, ky = p.keypoints[ok, 0], p.keypoints[ok, 1]
        assert ((kx >= x1 - 1) & (kx <= x2 + 1) & (ky >= y1 - 1) & (ky <= y2 + 1)).all()


def test_blazepose_two_people_are_side_by_side(pose):
    people = pose.detect(read_image(EXAMPLES / "handshake.jpg"))
    a, b = sorted(people[:2], key=lambda p: p.box[0])
    # Different people: their noses are far apart, the left one is left of the right one.
    assert b.keypoints[0, 0] - a.keypoints[0, 0] > 30


@pytest.mark.parametrize("stem", WW_IDS)
def test_blazepose_on_waldo_and_wenda(pose, stem):
    path = shared_path("waldo_and_wenda", "images", f"{stem}.jpg")
    img = read_image(path)
    people = pose.detect(img)
    assert len(people) >= 2
    for p in people:
        assert _inside(p.keypoints, img.shape[1], img.shape[0])


def test_blazepose_finds_nobody_in_a_blank_image(pose):
    assert pose.detect(np.full((240, 320, 3), 127, np.uint8)) == []


def test_blazepose_rejects_non_images(pose):
    with pytest.raises(InputError):
        pose.detect(np.zeros((10, 10), np.uint8))
    with pytest.raises(InputError):
        pose.detect(np.zeros((10, 10, 3), np.float32))


def test_blazepose_options(pose):
    img = read_image(EXAMPLES / "handshake.jpg")
    one = get_detector("blazepose", num_poses=1, crops="none")
    try:
        assert len(one.detect(img)) == 1
    finally:
        one.close()
    from hhikit.errors import ConfigError

    with pytest.raises(ConfigError):
        get_detector("blazepose", crops="sideways")
    with pytest.raises(ConfigError):
        get_detector("blazepose", nonsense=1)


def test_crop_windows_cover_the_image():
    wins = crop_windows(200, 100)
    assert wins[0] == (0, 0, 200, 100) and len(wins) == 3
    assert wins[1][0] == 0 and wins[2][2] == 200 and wins[1][2] > wins[2][0]
    tall = crop_windows(100, 200)
    assert tall[1][1] == 0 and tall[2][3] == 200
    assert crop_windows(200, 100, "none") == [(0, 0, 200, 100)]


def test_person_from_pose33_box_covers_head_and_points():
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(50, 100, 33), rng.uniform(60, 200, 33), np.ones(33)]).astype(np.float32)
    pts[0, :2] = (75, 60)  # nose at the top
    pts[7, :2], pts[8, :2] = (65, 62), (85, 62)  # ears 20 px apart
    p = person_from_pose33(pts, 300, 300)
    assert isinstance(p, Person)
    assert p.box[1] <= 60 - 0.9 * 20  # raised above the nose for the head
    assert p.box[0] <= pts[:, 0].min() and p.box[2] >= pts[:, 0].max()
    pts[:, 2] = 0.0
    assert person_from_pose33(pts, 300, 300) is None


# ------------------------------------------------------------------ CLI


def _hhi(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "hhikit", *args], capture_output=True, text=True, env=env, cwd=cwd or ROOT, timeout=300
    )


def test_cli_analyze_json_shape():
    res = _hhi("analyze", str(EXAMPLES / "handshake.jpg"), "--json")
    assert res.returncode == 0, res.stderr
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert len(lines) == 1
    rec = lines[0]
    assert rec["schema"] == "hhikit/1" and rec["error"] is None
    assert (rec["width"], rec["height"]) == (200, 133)
    assert len(rec["people"]) >= 2
    for p in rec["people"]:
        assert len(p["box"]) == 4 and 0 <= p["score"] <= 1
        assert p["keypoint_format"] == "coco17"
        assert len(p["keypoints"]) == 17 and all(len(k) == 3 for k in p["keypoints"])
        assert len(p["pose33"]) == 33
        assert p["sources"] == ["blazepose"]
    assert "people" in rec["timings"]


def test_cli_analyze_mixed_good_and_bad_inputs(tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpg"
    text.write_text("this is not a picture\n")
    missing = tmp_path / "missing.jpg"
    good = [EXAMPLES / "handshake.jpg", EXAMPLES / "arm_around.jpg"]
    inputs = [good[0], missing, empty, text, good[1]]
    res = _hhi("analyze", *map(str, inputs), "--json")
    assert res.returncode != 0
    recs = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert [r["path"] for r in recs] == [str(p) for p in inputs]
    for r in recs[1:4]:
        assert r["error"]["type"] == "InputError"
        assert "\n" not in r["error"]["message"] and r["path"] in r["error"]["message"]
        assert r["people"] == []
    for r in (recs[0], recs[4]):
        assert r["error"] is None and len(r["people"]) >= 2
    assert "Traceback" not in res.stderr


def test_cli_analyze_out_writes_annotated_png(tmp_path):
    res = _hhi("analyze", str(EXAMPLES / "handshake.jpg"), "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    png = read_image(tmp_path / "handshake.png")
    orig = read_image(EXAMPLES / "handshake.jpg")
    assert png.shape == orig.shape
    assert (np.abs(png.astype(int) - orig.astype(int)).sum(axis=2) > 60).mean() > 0.01  # skeletons drawn


def test_cli_models_verify_passes_for_mediapipe_cards():
    res = _hhi("models", "verify", *CARDS)
    assert res.returncode == 0, res.stdout + res.stderr
    lines = [x for x in res.stdout.splitlines() if x.strip()]
    assert len(lines) == len(CARDS)
    assert all(x.startswith("ok") for x in lines)
