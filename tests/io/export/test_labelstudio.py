from __future__ import annotations

import json

import numpy as np
import pytest

from hhikit.errors import InputError
from hhikit.io.export import ExportOptions, export, export_records
from hhikit.io.export.labelstudio import config_path
from hhikit.io.export.labelstudio_read import check_config, iter_json_array, read_labelstudio
from hhikit.types import read_jsonl
from tests.io.export.conftest import hoi_record, video_record


def _pairs(r, include_suppressed=False):
    return [(p.a, p.b, p.interactions[0].text if p.interactions else None)
            for p in r.pairs if include_suppressed or not p.suppressed]  # fmt: skip


def test_real_results_round_trip_people_boxes_and_relations(ww_results, tmp_path):
    ww_records = list(read_jsonl(ww_results))  # what was exported (the file rounds to 4 decimals)
    out = tmp_path / "tasks.json"
    s = export(ww_results, "labelstudio", out, ExportOptions(keypoints=True))
    assert s.paths == [out, config_path(out)]
    tasks = json.loads(out.read_text())
    assert len(tasks) == len(ww_records)
    assert check_config(config_path(out).read_text(), tasks) == []
    back = list(read_labelstudio(out))
    assert [b.path for b in back] == [r.path for r in ww_records]
    for r, b in zip(ww_records, back):
        assert [p.id for p in b.people] == [p.id for p in r.people]
        for p, q in zip(r.people, b.people):
            np.testing.assert_allclose(q.box, p.box, rtol=0, atol=1e-6)
            assert q.score == pytest.approx(p.score, abs=1e-4)
        assert _pairs(b) == _pairs(r)
        assert (b.width, b.height) == (r.width, r.height)
    relations = [i for t in tasks for i in t["predictions"][0]["result"] if i["type"] == "relation"]
    assert len(relations) == sum(len(_pairs(r)) for r in ww_records) > 0


def test_keypoints_objects_and_suppressed_pairs(tmp_path):
    r = hoi_record()
    out = tmp_path / "t.json"
    export_records([r], "labelstudio", out, ExportOptions(keypoints=True, keypoint_threshold=0.5))
    result = json.loads(out.read_text())[0]["predictions"][0]["result"]
    kps = [i for i in result if i["type"] == "keypointlabels"]
    assert len(kps) == sum(1 for k in range(17) if k % 3) and all(i["parentID"] == "p0" for i in kps)
    assert [i["value"]["rectanglelabels"][0] for i in result if i["type"] == "rectanglelabels"] == [
        "person", "person", "person", "cup", "skateboard"]  # fmt: skip
    rel = [i for i in result if i["type"] == "relation"]
    assert [(i["from_id"], i["to_id"], i["labels"]) for i in rel] == [("p0", "p1", ["_ shaking hands with _"])]
    xml = config_path(out).read_text()
    assert '<Relation value="_ shaking hands with _"/>' in xml and "<KeyPointLabels" in xml
    back = list(read_labelstudio(out))[0]
    np.testing.assert_allclose(back.people[0].keypoints[1], r.people[0].keypoints[1], atol=1e-4)
    assert back.people[0].keypoints[0, 2] == 0  # below the threshold: not exported
    assert [o.label for o in back.objects] == ["cup", "skateboard"]
    export_records([r], "labelstudio", out, ExportOptions(all_interactions=True))
    xml = config_path(out).read_text()
    assert xml.count("<Relation value=") > 100 and xml.index("shaking hands") < xml.index("_ kissing _")
    assert check_config(xml, json.loads(out.read_text())) == []
    export_records([r], "labelstudio", out, ExportOptions(include_suppressed=True))
    assert _pairs(list(read_labelstudio(out))[0]) == [(0, 1, "_ shaking hands with _"), (1, 2, "_ talking to _")]


def test_hoi_triplets_as_person_object_relations(tmp_path):
    out = tmp_path / "t.json"
    export_records([hoi_record()], "labelstudio", out, ExportOptions(hoi_relations=True))
    tasks = json.loads(out.read_text())
    rel = [
        (i["from_id"], i["to_id"], i["labels"]) for i in tasks[0]["predictions"][0]["result"] if i["type"] == "relation"
    ]
    assert rel == [
        ("p0", "p1", ["_ shaking hands with _"]),
        ("p0", "o0", ["hold cup"]),
        ("p0", "o1", ["ride skateboard"]),
    ]
    assert check_config(config_path(out).read_text(), tasks) == []
    back = list(read_labelstudio(out))[0]
    assert [(h["person"], h["object"], h["label"], h["object_name"]) for h in back.extra["hois"]] == [
        (0, 0, "hold cup", "cup"), (0, 1, "ride skateboard", "skateboard")]  # fmt: skip
    assert [(p.a, p.b) for p in back.pairs] == [(0, 1)]


def test_import_reads_corrected_annotations_before_predictions(tmp_path):
    """A reviewer's annotation made in Label Studio (its own random region ids) wins over
    the predictions; a relation to an object is no person-person pair."""
    out = tmp_path / "t.json"
    export_records([hoi_record()], "labelstudio", out)
    task = json.loads(out.read_text())[0]
    common = {"from_name": "label", "to_name": "image", "original_width": 200, "original_height": 160}
    task["annotations"] = [
        {"was_cancelled": True, "result": []},
        {"was_cancelled": False, "result": [
            {"id": "Dx_aB91ISN", "type": "rectanglelabels", **common,
             "value": {"x": 10.0, "y": 12.5, "width": 20.0, "height": 50.0, "rectanglelabels": ["person"]}},
            {"id": "t5sp3TyXPo", "type": "rectanglelabels", **common,
             "value": {"x": 50.0, "y": 12.5, "width": 25.0, "height": 50.0, "rectanglelabels": ["person"]}},
            {"id": "obj", "type": "rectanglelabels", **common,
             "value": {"x": 80.0, "y": 80.0, "width": 5.0, "height": 5.0, "rectanglelabels": ["cup"]}},
            {"id": "kp1", "type": "keypointlabels", **common,  # drawn by the reviewer: no parentID
             "value": {"x": 55.0, "y": 20.0, "width": 0.5, "keypointlabels": ["nose"]}},
            {"type": "relation", "from_id": "t5sp3TyXPo", "to_id": "Dx_aB91ISN", "labels": ["_ hugging _"]},
            {"type": "relation", "from_id": "Dx_aB91ISN", "to_id": "obj", "labels": ["_ holding _"]},
        ]},
    ]  # fmt: skip
    out.write_text(json.dumps([task]))
    r = list(read_labelstudio(out))[0]
    np.testing.assert_allclose(r.people[0].box, [20, 20, 60, 100], atol=1e-5)
    assert r.people[0].keypoints is None and r.people[1].keypoints[0].tolist() == pytest.approx([110, 32, 1])
    assert [(p.a, p.b, [i.text for i in p.interactions]) for p in r.pairs] == [(0, 1, ["_ hugging _"])]
    assert [o.label for o in r.objects] == ["cup"]
    assert r.path == "/data/HICO_test2015_00000001.jpg"
    pred = list(read_labelstudio(out, source="predictions"))[0]
    assert len(pred.people) == 3


def test_image_urls_local_files_and_prefix_mapped(tmp_path):
    r = hoi_record(str(tmp_path / "photos" / "a b.jpg"))
    out = tmp_path / "t.json"
    export_records([r], "labelstudio", out, ExportOptions(document_root=tmp_path))
    task = json.loads(out.read_text())[0]
    assert task["data"]["image"] == "/data/local-files/?d=photos/a%20b.jpg"
    del task["data"]["hhi_path"]
    out.write_text(json.dumps([task]))
    assert list(read_labelstudio(out, options=ExportOptions(document_root=tmp_path)))[0].path == str(r.path)
    export_records([r], "labelstudio", out, ExportOptions(document_root=tmp_path))
    opts = ExportOptions(document_root=tmp_path, image_root="s3://bucket/set/")
    export_records([r], "labelstudio", out, opts)
    task = json.loads(out.read_text())[0]
    assert task["data"]["image"] == "s3://bucket/set/photos/a b.jpg"
    del task["data"]["hhi_path"]  # a task made elsewhere: the path comes back from the URL
    out.write_text(json.dumps([task]))
    assert list(read_labelstudio(out, options=opts))[0].path == (tmp_path / "photos" / "a b.jpg").as_posix()


def test_video_tasks_are_timeline_segments(tmp_path):
    out = tmp_path / "v.json"
    s = export_records([video_record(), hoi_record()], "labelstudio", out, on_problem=lambda m: None)
    assert (s.written, s.skipped) == (1, 1)  # one kind per project
    task = json.loads(out.read_text())[0]
    segs = [(i["value"]["ranges"][0]["start"], i["value"]["ranges"][0]["end"], i["value"]["timelinelabels"][0])
            for i in task["predictions"][0]["result"]]  # fmt: skip
    assert segs == [(1, 100, "hug"), (1, 100, "talk"), (101, 250, "fight")]
    xml = config_path(out).read_text()
    assert "<TimelineLabels" in xml and check_config(xml, [task]) == []
    back = list(read_labelstudio(out))[0]
    assert [(c.start, c.end, [lab.label for lab in c.labels]) for c in back.clips] == [
        (0.0, 4.0, ["hug", "talk"]), (4.0, 10.0, ["fight"])]  # fmt: skip


def test_config_check_finds_what_label_studio_would_refuse(tmp_path):
    out = tmp_path / "t.json"
    export_records([hoi_record()], "labelstudio", out)
    tasks = json.loads(out.read_text())
    xml = config_path(out).read_text()
    assert check_config(xml, tasks) == []
    bad = xml.replace('<Relation value="_ shaking hands with _"/>', "")
    assert any("not declared in <Relations>" in p for p in check_config(bad, tasks))
    assert any("not declared in the config" in p for p in check_config(xml.replace('"cup"', '"mug"'), tasks))
    assert any("toName" in p for p in check_config(xml.replace('toName="image"', 'toName="img"'), []))
    assert check_config("<View><oops></View>") != []
    tasks[0]["predictions"][0]["result"][0]["value"]["y"] = 100.2
    assert any("y = 100.2, outside 0..100" in p for p in check_config(xml, tasks))


def test_regions_outside_the_image_are_clipped_or_left_out(tmp_path):
    """Pose models place keypoints past the border (a hip below the frame); Label Studio
    refuses regions outside 0..100 %, so such keypoints are not exported and boxes clipped."""
    r = hoi_record()
    r.people[0].keypoints[1] = (30, 161, 0.9)  # below the 160-pixel image
    r.people[2].box[2] = 230  # past the right edge (width 200)
    out = tmp_path / "t.json"
    export_records([r], "labelstudio", out, ExportOptions(keypoints=True, keypoint_threshold=0.5))
    tasks = json.loads(out.read_text())
    ids = [i.get("id") for i in tasks[0]["predictions"][0]["result"]]
    assert "p0k1" not in ids and "p0k2" in ids
    assert check_config(config_path(out).read_text(), tasks) == []
    assert list(read_labelstudio(out))[0].people[2].box[2] == pytest.approx(200)


def test_bad_label_studio_files_name_the_file_and_task(tmp_path):
    out = tmp_path / "t.json"
    export_records([hoi_record(), hoi_record("/data/b.jpg")], "labelstudio", out)
    text = out.read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) // 2 + 40])
    with pytest.raises(InputError, match=r"cut\.json: task 2 is not JSON"):
        list(read_labelstudio(cut))
    jpg = tmp_path / "x.json"
    jpg.write_bytes(b"\xff\xd8\xff\xe0JFIF")
    with pytest.raises(InputError, match=r"x\.json: not"):
        list(iter_json_array(jpg))
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps([{"data": {"text": "hi"}}, json.loads(text)[1]]))
    problems: list[str] = []
    got = list(read_labelstudio(odd, on_problem=problems.append))
    assert len(got) == 1 and problems == [f"{odd}: task 1: the task's data has neither 'image' nor 'video'"]


def test_a_pair_naming_a_missing_person_is_refused_for_that_record_only(tmp_path):
    bad = hoi_record("/data/bad.jpg")
    bad.pairs[0].b = 7
    problems: list[str] = []
    s = export_records([bad, hoi_record()], "labelstudio", tmp_path / "t.json", on_problem=problems.append)
    assert (s.written, s.skipped) == (1, 1) and problems == [
        "/data/bad.jpg: pair (0, 7) names a person the record does not have"
    ]
    assert len(json.loads((tmp_path / "t.json").read_text())) == 1


def test_large_exports_stream_in_small_chunks(tmp_path, monkeypatch):
    import hhikit.io.export.labelstudio_read as lsr

    monkeypatch.setattr(lsr, "CHUNK", 64)  # tasks span many chunks
    out = tmp_path / "t.json"
    export_records([hoi_record(f"/d/{i}.jpg") for i in range(30)], "labelstudio", out)
    assert [r.path for r in read_labelstudio(out)] == [f"/d/{i}.jpg" for i in range(30)]
    garbage = tmp_path / "garbage.json"
    garbage.write_text("[" + "x" * 100_000)
    monkeypatch.setattr(lsr, "TASK_MAX", 1000)  # a task never grows past the cap in memory
    with pytest.raises(InputError, match="task 1 is not JSON within 1,000 characters"):
        list(iter_json_array(garbage))


def test_a_pipe_or_folder_is_no_export(tmp_path):
    import os

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is a FIFO"):
        list(read_labelstudio(fifo))
    with pytest.raises(InputError, match="is a directory, not a Label Studio export"):
        list(read_labelstudio(tmp_path))
