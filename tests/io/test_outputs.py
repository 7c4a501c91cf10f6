from __future__ import annotations

import json
import os

from hhikit.io.outputs import OutputNames, utf8_json


def test_same_named_inputs_get_distinct_stems_and_one_input_keeps_its_own(tmp_path):
    for d in ("a", "b", "c"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "x.jpg").write_bytes(b"")
    names = OutputNames()
    got = [names.stem(tmp_path / d / "x.jpg") for d in ("a", "b", "c")]
    assert got == ["x", "x-2", "x-3"]
    assert names.stem(tmp_path / "a" / "x.jpg") == "x"  # asked again: the same stem
    assert names.stem(tmp_path / "X.png") == "X-4"  # case-insensitive file systems too


def test_utf8_json_escapes_only_what_cannot_be_utf8():
    line = json.dumps({"path": os.fsdecode(b"/d/caf\xe9.jpg")}, ensure_ascii=False)
    out = utf8_json(line)
    out.encode("utf-8")
    assert os.fsencode(json.loads(out)["path"]) == b"/d/caf\xe9.jpg"
    assert utf8_json('{"path":"ü"}') == '{"path":"ü"}'
