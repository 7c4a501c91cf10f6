"""The one error policy: any exception at an edge becomes one typed error record."""

from __future__ import annotations

import json
import os

import pytest

from hhikit.errors import INTERNAL, ConfigError, InputError, error_record, set_debug
from hhikit.io.jsonl import read_jsonl
from hhikit.perception import register_detector
from hhikit.pipeline import Pipeline, PipelineConfig
from hhikit.types import ImageResult, dumps


class _Broken:
    name = "x-broken"

    def detect(self, image):
        raise RuntimeError("the library\nfell over")


def test_records_keep_hhikit_types_and_mark_the_rest_internal(tmp_path):
    assert error_record(InputError("bad file")) == {"type": "InputError", "message": "bad file"}
    rec = error_record(KeyError("k"), tmp_path / "a.jpg")
    assert rec["type"] == INTERNAL and rec["class"] == "KeyError"
    assert rec["message"] == f"{tmp_path / 'a.jpg'}: KeyError: 'k'"
    missing = error_record(FileNotFoundError(2, "No such file"), "gone.jpg")
    assert missing == {"type": "InputError", "message": "gone.jpg: no such file (or a dangling symlink)"}


def test_the_traceback_only_with_debug(capsys, monkeypatch):
    monkeypatch.delenv("HHIKIT_DEBUG", raising=False)
    error_record(ValueError("quiet"))
    assert capsys.readouterr().err == ""
    set_debug(True)
    try:
        error_record(ValueError("loud"))
    finally:
        set_debug(False)
    assert "ValueError: loud" in capsys.readouterr().err


def test_a_library_failure_inside_the_image_pipeline_is_a_record(scratch_registry, example_image):
    register_detector("x-broken")(_Broken)
    pipe = Pipeline(PipelineConfig(detector="x-broken", describer="none", interactiveness=""))
    result = pipe.analyze(example_image)  # raised RuntimeError before the one policy
    assert isinstance(result, ImageResult) and result.width > 0
    assert result.error == {
        "type": INTERNAL,
        "class": "RuntimeError",
        "message": f"{example_image}: RuntimeError: the library fell over",
    }
    assert json.loads(dumps(result))["error"]["type"] == INTERNAL


def test_read_jsonl_tolerates_only_a_truncated_last_line(tmp_path):
    good = dumps(ImageResult(path="a.jpg", width=2, height=2))
    f = tmp_path / "r.jsonl"
    f.write_text(good + "\n\n" + good + '\n{"path": "b.jp')  # a write cut short
    assert [r.path for r in read_jsonl(f)] == ["a.jpg", "a.jpg"]
    f.write_text(good + "\n{oops\n" + good + "\n")
    with pytest.raises(InputError, match=r"r\.jsonl: line 2: not valid JSON"):
        list(read_jsonl(f))
    f.write_text(good + '\n{"path": "b.jp' + "\n")  # a complete line that is not JSON
    with pytest.raises(InputError, match="line 2"):
        list(read_jsonl(f))
    f.write_text(good + '\n{"path": "b.jp' + "\n\n")  # ... followed by blank lines only
    with pytest.raises(InputError, match="line 2"):
        list(read_jsonl(f))
    f.write_bytes(good.encode() + b"\n\xff\xfe\n")
    with pytest.raises(InputError, match="line 2: not UTF-8"):
        list(read_jsonl(f))


def test_read_jsonl_refuses_special_files_without_blocking(tmp_path):
    fifo = tmp_path / "r.fifo"
    os.mkfifo(fifo)  # a plain open() would wait for a writer for ever
    with pytest.raises(InputError, match="fifo|FIFO|pipe"):
        list(read_jsonl(fifo))
    with pytest.raises(InputError, match="directory"):
        list(read_jsonl(tmp_path))


def test_config_errors_are_not_internal():
    assert error_record(ConfigError("x"))["type"] == "ConfigError"


def test_jsonl_helpers_stay_importable_from_types(tmp_path):
    import hhikit.types
    from hhikit.io import jsonl

    assert hhikit.types.read_jsonl is jsonl.read_jsonl and hhikit.types.write_jsonl is jsonl.write_jsonl
    rec = ImageResult(path="a.jpg", width=4, height=3)
    assert hhikit.types.write_jsonl([rec], tmp_path / "r.jsonl") == 1
    assert [r.path for r in hhikit.types.read_jsonl(tmp_path / "r.jsonl")] == ["a.jpg"]


def test_hhi_report_refuses_a_fifo_or_folder_with_one_line(tmp_path, capsys):
    from hhikit.cli import main

    fifo = tmp_path / "r.fifo"
    os.mkfifo(fifo)
    assert main(["report", str(fifo), "--out", str(tmp_path / "r.html")]) == 2
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "FIFO" in err[0] and "directory" in err[1] and not (tmp_path / "r.html").exists()
