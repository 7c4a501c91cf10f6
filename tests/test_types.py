from __future__ import annotations

import json

import numpy as np
import pytest

from hhikit.types import (
    SCHEMA,
    Clip,
    ClipLabel,
    ImageResult,
    Interaction,
    Pair,
    Person,
    Shot,
    TranscriptSegment,
    VideoResult,
    dumps,
    loads,
    read_jsonl,
    write_jsonl,
)


def _image_record() -> ImageResult:
    kp = np.array([[10, 20, 0.9]] * 17, dtype=np.float32)
    return ImageResult(
        path="a.jpg",
        width=200,
        height=100,
        people=[
            Person(0, [1, 2, 50, 90], 0.9, keypoints=kp, face=[10, 5, 30, 25]),
            Person(1, [60, 2, 120, 95], 0.7),
        ],
        pairs=[Pair(0, 1, 0.8, False, [Interaction("_ shaking hands with _", 0.6, ["hands touch"])])],
        interactions=[Interaction("_ shaking hands with _", 0.6, ["hands touch"])],
        timings={"people": 0.01},
    )


def test_image_record_json_has_the_documented_fields():
    d = json.loads(dumps(_image_record()))
    assert d["schema"] == SCHEMA == "hhikit/1"
    assert set(d) >= {"schema", "path", "width", "height", "people", "pairs", "interactions", "timings", "error"}
    p0 = d["people"][0]
    assert p0["box"] == [1.0, 2.0, 50.0, 90.0]
    assert len(p0["keypoints"]) == 17 and len(p0["keypoints"][0]) == 3
    assert d["people"][1]["keypoints"] is None and d["people"][1]["face"] is None
    assert d["pairs"][0]["interactions"][0]["cues"] == ["hands touch"]
    assert d["error"] is None


def test_image_record_round_trips():
    r = _image_record()
    back = loads(dumps(r))
    assert isinstance(back, ImageResult)
    assert dumps(back) == dumps(r)


def test_interactions_capped_at_eight():
    r = ImageResult(path="x", interactions=[Interaction(f"_ t{i}ing _", 1 - i / 10) for i in range(10)])
    assert len(json.loads(dumps(r))["interactions"]) == 8


def test_video_record_round_trips():
    v = VideoResult(
        path="v.mp4",
        duration=3.0,
        fps=25.0,
        shots=[Shot(0.0, 1.0, 0, 25), Shot(1.0, 3.0, 25, 75)],
        clips=[Clip([0, 1], 0.0, 3.0, "hi", [ClipLabel("talks to", 0.7, ["speech"])])],
        transcript=[TranscriptSegment(0.1, 0.9, "hi")],
    )
    back = loads(dumps(v))
    assert isinstance(back, VideoResult)
    assert dumps(back) == dumps(v)


def test_wrong_schema_is_refused():
    with pytest.raises(ValueError, match="schema"):
        loads(json.dumps({"schema": "other/9", "path": "x"}))


def test_jsonl_write_is_atomic_and_reader_skips_torn_last_line(tmp_path):
    out = tmp_path / "r.jsonl"
    assert write_jsonl([_image_record(), _image_record()], out) == 2
    with open(out, "a") as fh:
        fh.write('{"schema": "hhikit/1", "pa')  # a line torn by a kill
    assert len(list(read_jsonl(out))) == 2
    assert not list(tmp_path.glob(".*.tmp"))


def test_extra_fields_never_overwrite_schema_keys():
    from hhikit.types import VideoResult

    r = ImageResult(path="a.jpg", width=4, height=3, extra={"path": "evil.jpg", "width": 0, "note": "kept"})
    d = json.loads(dumps(r))
    assert d["path"] == "a.jpg" and d["width"] == 4 and d["note"] == "kept"
    assert d["extra"] == {"path": "evil.jpg", "width": 0}
    back = loads(dumps(r))
    assert back.path == "a.jpg" and back.extra == {"note": "kept", "path": "evil.jpg", "width": 0}
    v = VideoResult(path="v.mp4", extra={"kind": "image", "clips": []})
    assert json.loads(dumps(v))["kind"] == "video" and loads(dumps(v)).extra == {"kind": "image", "clips": []}


def test_clip_pairs_and_keypoint_layouts_are_typed():
    from hhikit.keypoints import KeypointLayout
    from hhikit.types import Clip, ClipPair

    pair = ClipPair(0, 1, 5, 1.2, -0.1, 0.3, 0.2, 0.9, 0.5, 0.1, 0.0, 0.4, 0.6)
    clip = Clip(shots=[0, 1], start=0.0, end=2.0, pairs=[pair])
    back = Clip.from_dict(json.loads(json.dumps(clip.to_dict())))
    assert back.pairs == [pair] and isinstance(back.pairs[0], ClipPair)
    p = Person(0, [0, 0, 1, 1], 0.5, keypoints=np.zeros((17, 3)), keypoint_format="COCO-17")
    assert p.keypoint_format is KeypointLayout.COCO17 and p.to_dict()["keypoint_format"] == "coco17"
    assert Person.from_dict(p.to_dict()).keypoint_format is KeypointLayout.COCO17
    with pytest.raises(ValueError, match="unknown keypoint layout"):
        Person(0, [0, 0, 1, 1], 0.5, keypoint_format="openpose25")
