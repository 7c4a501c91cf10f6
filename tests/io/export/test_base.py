from __future__ import annotations

import json
import os
from types import SimpleNamespace

import pytest

from hhikit.errors import ConfigError, InputError
from hhikit.io.export import ExportOptions, export_records
from hhikit.io.export.base import AtomicFile, ImageRefs, image_root_to_path, record_hois
from tests.io.export.conftest import hoi_record


def test_images_are_copied_only_when_asked_once_each_and_names_never_clash(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d, data in (("a", b"one"), ("b", b"two")):
        (tmp_path / d / "x.jpg").write_bytes(data)
    records = [hoi_record(str(tmp_path / "a" / "x.jpg")), hoi_record(str(tmp_path / "b" / "x.jpg")),
               hoi_record(str(tmp_path / "a" / "x.jpg"))]  # fmt: skip
    out = tmp_path / "out"
    out.mkdir()
    export_records(records, "csv", out / "p.csv", ExportOptions(copy_images=out / "images", document_root=out))
    rows = [line.split(",")[0] for line in (out / "p.csv").read_text().splitlines()[1:]]
    copies = sorted(p.name for p in (out / "images").iterdir())
    assert len(copies) == 2 and "x.jpg" in copies  # the second x.jpg got a hashed name
    assert rows[0] == rows[1] == "images/x.jpg" and rows[4] == rows[0] and rows[2].startswith("images/x_")
    assert (out / rows[2]).read_bytes() == b"two"
    export_records(records[:1], "csv", tmp_path / "q.csv")  # default: referenced, nothing copied
    assert (tmp_path / "q.csv").read_text().count(str(tmp_path / "a" / "x.jpg")) == 2
    missing = hoi_record(str(tmp_path / "nope.jpg"))
    with pytest.raises(InputError, match="nope.jpg: cannot copy the image"):
        export_records([missing], "csv", tmp_path / "r.csv", ExportOptions(copy_images=tmp_path / "c"))


def test_urls_and_their_inverse(tmp_path):
    refs = ImageRefs(ExportOptions(document_root=tmp_path))
    assert refs.url(str(tmp_path / "d" / "p.jpg")) == "/data/local-files/?d=d/p.jpg"
    assert refs.url("/elsewhere/p.jpg") == "/data/local-files/?d=elsewhere/p.jpg"
    assert image_root_to_path("/data/local-files/?d=d/p.jpg", ExportOptions(document_root=tmp_path)) == str(
        tmp_path / "d" / "p.jpg")  # fmt: skip
    assert image_root_to_path("/data/local-files/?d=elsewhere/p.jpg", ExportOptions()) == "/elsewhere/p.jpg"
    odd = str(tmp_path / "a&b #1%.jpg")
    assert refs.url(odd) == "/data/local-files/?d=a%26b%20%231%25.jpg"
    assert image_root_to_path(refs.url(odd), ExportOptions(document_root=tmp_path)) == odd
    opts = ExportOptions(image_root="https://host/img/")
    assert ImageRefs(opts).url("/d/p.jpg") == "https://host/img/d/p.jpg"
    assert image_root_to_path("https://host/img/d/p.jpg", opts) == "/d/p.jpg"
    assert image_root_to_path("https://other/p.jpg", opts) == "https://other/p.jpg"


def test_hoi_triplets_read_in_their_spellings_and_bad_ones_named():
    r = hoi_record()
    r.extra["hois"] = [{"person_id": 0, "object_index": -1, "class": 3, "verb_name": "wave", "score": 0.5},
                       {"human": 1, "obj": 1, "hoi_class": 7, "object_label": "skateboard"}]  # fmt: skip
    a, b = record_hois(r)
    assert (a.person, a.object, a.hoi, a.verb) == (0, None, 3, "wave")
    assert (b.person, b.object, b.hoi, b.object_name, b.score) == (1, 1, 7, "skateboard", 0.0)
    # the typed form (records of kind types.HOI): read through their to_dict
    typed = SimpleNamespace(to_dict=lambda: {"person": 2, "object": 0, "hoi": 86, "label": "hold cup", "verb": "hold",
                                             "object_name": "cup", "score": 0.4, "interactiveness": 0.8,
                                             "suppressed": False, "cues": ["c"]})  # fmt: skip
    rec = SimpleNamespace(path="/t.jpg", hois=[typed], extra={"hois": [{"person": 9}]})
    (h,) = record_hois(rec)
    assert (h.person, h.object, h.hoi, h.label, h.interactiveness) == (2, 0, 86, "hold cup", 0.8)
    r.extra["hois"] = [{"person": "x"}]
    with pytest.raises(InputError, match="HOI triplet 0 is malformed"):
        list(record_hois(r))
    r.extra["hois"] = {"person": 0}
    with pytest.raises(InputError, match="'hois' is not a list"):
        list(record_hois(r))


def test_options_are_checked(tmp_path):
    with pytest.raises(ConfigError, match=r"keypoint_threshold must be a number in \[0.0, 1.0\], got 2"):
        export_records([], "coco", tmp_path / "c.json", ExportOptions(keypoint_threshold=2))
    with pytest.raises(ConfigError, match="document root is not a folder"):
        export_records([], "coco", tmp_path / "c.json", ExportOptions(document_root=tmp_path / "nope"))


def test_atomic_files_are_ordinary_files_or_nothing(tmp_path):
    f = AtomicFile(tmp_path / "a.txt")
    f.write("x")
    assert not (tmp_path / "a.txt").exists()
    f.commit()
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~mask
    g = AtomicFile(tmp_path / "b.txt")
    g.write("y")
    g.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    s = export_records([], "coco", tmp_path / "empty.json")
    assert s.written == 0 and json.loads((tmp_path / "empty.json").read_text())["images"] == []


@pytest.mark.parametrize("fmt", ["coco", "labelstudio", "csv", "hoi"])
def test_an_undecodable_file_name_stays_one_valid_output(tmp_path, fmt):
    """``os.listdir`` gives a name with bytes the file system encoding cannot decode as lone
    surrogates; every output stays valid UTF-8 and the JSON ones read back the same name."""
    name = "/photos/caf\udce9.jpg"
    out = tmp_path / f"o.{fmt}"
    export_records([hoi_record(name)], fmt, out, ExportOptions(keypoints=True))
    text = out.read_bytes().decode("utf-8")  # valid UTF-8
    if fmt == "coco":
        assert json.loads(text)["images"][0]["hhi_path"] == name
    elif fmt == "labelstudio":
        task = json.loads(text)[0]
        assert task["data"]["hhi_path"] == name and task["data"]["image"].endswith("caf%E9.jpg")  # the file's bytes
        assert image_root_to_path(task["data"]["image"], ExportOptions()) == name
    elif fmt == "hoi":
        assert json.loads(text.splitlines()[0])["image"] == "caf\udce9.jpg"
    else:
        assert "caf\\udce9.jpg" in text
