from __future__ import annotations

import json
import os

import pytest

from hhikit.batch import BatchConfig, run_batch
from hhikit.errors import HHIError
from tests.batch.batch_corpus import build_corpus, hog_spec


def _records(path) -> list[dict]:
    with open(path, "rb") as fh:
        data = fh.read()
    assert data.endswith(b"\n")
    data.decode("utf-8")  # the whole file is valid UTF-8 (non-UTF-8 names are escaped)
    return [json.loads(line) for line in data.splitlines()]


def test_bad_input_corpus_gives_one_record_each_and_good_inputs_succeed(tmp_path):
    corpus = build_corpus(tmp_path / "corpus")
    out = tmp_path / "out" / "results.jsonl"
    summary = run_batch(BatchConfig(str(corpus.root), str(out), workers=2, progress=False, spec=hog_spec()))

    recs = _records(out)
    by_path = {r["path"]: r for r in recs}
    assert len(by_path) == len(recs), "one record per input"
    assert set(by_path) == set(corpus.good) | set(corpus.bad)
    for path, what in corpus.good.items():
        r = by_path[path]
        assert r["error"] is None, (what, r["error"])
        if not path.endswith(".mp4"):
            assert r["width"] == 200 and r["height"] == 133, what
            assert "people" in r["timings"]
    for path, msg in corpus.bad.items():
        err = by_path[path]["error"]
        assert err is not None, path
        assert err["message"].startswith(path) or os.path.basename(path) in err["message"], err
        assert msg.lower() in err["message"].lower(), (msg, err)
        assert "Traceback" not in err["message"]
    # the non-UTF-8 name survives JSON: os.fsencode of the record's path gives back the bytes
    weird = [p for p in by_path if "caf" in p]
    assert len(weird) == 1 and os.fsencode(weird[0]).endswith(b"caf\xe9_\xff.jpg")
    with open(weird[0], "rb") as fh:
        assert fh.read(3) == b"\xff\xd8\xff"

    assert summary.done == len(corpus.good) and summary.failed == len(corpus.bad)
    assert summary.duplicates == 1 and summary.skipped == 0
    assert summary.stage_totals["people"] > 0

    # a rerun skips everything already recorded and writes nothing
    size = out.stat().st_size
    again = run_batch(BatchConfig(str(corpus.root), str(out), workers=1, progress=False, spec=hog_spec()))
    assert again.processed == 0 and again.skipped == len(recs) + 1  # + the second name of good.jpg
    assert out.stat().st_size == size


def test_manifest_csv_resolves_relative_paths_and_resumes_after_torn_line(tmp_path, example_image):
    ex = example_image.parent
    (tmp_path / "imgs").mkdir()
    for name in ("handshake.jpg", "salute.jpg", "arm_around.jpg"):
        os.symlink(ex / name, tmp_path / "imgs" / name)
    manifest = tmp_path / "list.csv"
    manifest.write_text("id,path\n1,imgs/handshake.jpg\n2,imgs/salute.jpg\n3,imgs/arm_around.jpg\n4,imgs/nope.jpg\n")
    out = tmp_path / "r.jsonl"
    first = run_batch(BatchConfig(str(manifest), str(out), workers=0, progress=False, spec=hog_spec()))
    assert (first.done, first.failed) == (3, 1)
    lines = out.read_bytes().splitlines(keepends=True)
    # simulate a kill in the middle of writing the last record
    out.write_bytes(b"".join(lines[:2]) + lines[2][:25])
    second = run_batch(BatchConfig(str(manifest), str(out), workers=0, progress=False, spec=hog_spec()))
    assert second.repaired_tail_bytes == 25 and second.skipped == 2 and second.processed == 2
    recs = _records(out)
    assert out.read_bytes().startswith(b"".join(lines[:2]))  # complete records untouched
    assert sorted(r["path"] for r in recs) == sorted(
        [os.path.realpath(ex / n) for n in ("handshake.jpg", "salute.jpg", "arm_around.jpg")]
        + [str(tmp_path / "imgs" / "nope.jpg")]
    )


def test_a_pipeline_that_cannot_be_built_stops_the_run_without_recording_failures(tmp_path, example_image):
    out = tmp_path / "r.jsonl"
    spec = hog_spec(detector_options={"no_such_option": 1})
    with pytest.raises(HHIError, match="no_such_option"):
        run_batch(BatchConfig(str(example_image.parent), str(out), workers=1, progress=False, spec=spec))
    assert out.read_bytes() == b""  # nothing recorded: a rerun with a good option does every input
