from __future__ import annotations

import json
import os

import pytest

from hhikit.batch.inputs import key_hash
from hhikit.batch.output import ResultWriter, encode_line
from hhikit.errors import ConfigError
from hhikit.types import ImageResult, dumps


def test_non_utf8_path_round_trips_through_json():
    path = os.fsdecode(b"/data/caf\xe9_\xff.jpg")
    data = encode_line(dumps(ImageResult(path=path, width=3, height=4)))
    data.decode("ascii")  # escaped, so valid UTF-8 too
    back = json.loads(data)
    assert os.fsencode(back["path"]) == b"/data/caf\xe9_\xff.jpg"
    assert encode_line(dumps(ImageResult(path="/données/ü.jpg"))).decode("utf-8").count("ü") == 1


def test_writer_resumes_cuts_torn_tail_and_locks(tmp_path):
    out = tmp_path / "r.jsonl"
    with ResultWriter(out, fsync_every=0) as w:
        assert w.state.records == 0
        w.write(dumps(ImageResult(path="/a.jpg")))
        w.write(dumps(ImageResult(path="/b.jpg")))
        with pytest.raises(ConfigError, match="another batch run"):
            ResultWriter(out)
    complete = out.read_bytes()
    out.write_bytes(complete + b'{"schema":"hhikit/1","path":"/c.j')  # killed mid-write
    with ResultWriter(out) as w:
        assert w.state.records == 2 and w.state.torn_bytes == 33
        assert w.state.done == {key_hash("/a.jpg"), key_hash("/b.jpg")}
        w.write(dumps(ImageResult(path="/c.jpg")))
    data = out.read_bytes()
    assert data.startswith(complete) and data.count(b"\n") == 3
    assert [json.loads(x)["path"] for x in data.splitlines()] == ["/a.jpg", "/b.jpg", "/c.jpg"]


def test_writer_cuts_an_over_long_torn_tail_too(tmp_path, monkeypatch):
    import hhikit.batch.output as output

    good = encode_line(dumps(ImageResult(path="/a.jpg")))
    monkeypatch.setattr(output, "RECORD_LINE_MAX", len(good) + 8)
    out = tmp_path / "r.jsonl"
    torn = b'{"schema":"hhikit/1","path":"/c.j' + b"y" * 3 * len(good)  # killed mid-write
    out.write_bytes(good + b"x" * 3 * len(good) + b"\n" + torn)
    with ResultWriter(out) as w:
        assert w.state.records == 1 and w.state.bad_lines == 1 and w.state.torn_bytes == len(torn)
        w.write(dumps(ImageResult(path="/b.jpg")))
    lines = out.read_bytes().splitlines()
    assert len(lines) == 3 and json.loads(lines[2])["path"] == "/b.jpg"  # not glued to the torn tail
