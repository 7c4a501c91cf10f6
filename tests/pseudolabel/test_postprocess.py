"""The paper's post-processing: id lists, label rules, caption-hash weights."""

from __future__ import annotations

import csv
import gzip
import json

import pytest

from hhikit.errors import InputError
from hhikit.pseudolabel.postprocess import PostProcess, has_ing_verb, label_problem, read_hashes, read_test_ids
from hhikit.pseudolabel.run import finalise_weights, write_phhi


def test_label_rules():
    assert has_ing_verb("_ hugging _") and not has_ing_verb("_ king with _") and not has_ing_verb("_ during _")
    assert label_problem("_ hugging _") is None
    assert label_problem("_ bring _") == "no -ing verb"
    assert label_problem("_ taking a photograph of _") == "banned word"  # substring, as the paper
    assert label_problem("_ hugging") == "format"
    assert label_problem("") == "no interaction"


def test_postprocess_ids_and_hash_weights(tmp_path):
    caps = tmp_path / "c.csv"
    caps.write_text("id,caption\n1,a\n2,b\n3,c\n4,d\n5,e\n6,f\n")
    out = tmp_path / "o.jsonl"
    labels = ["_ hugging _", "_ hugging _", "_ kissing _", "_ taking a picture of _", "_ hugging _", "_ talking with _"]
    out.write_text("".join(json.dumps({"id": str(i + 1), "pseudolabel": lab, "weight": 1.0}) + "\n"
                           for i, lab in enumerate(labels)))  # fmt: skip
    (tmp_path / "ignore.txt").write_text("5\n")
    (tmp_path / "ww.csv").write_text("source,id,label,caption\nww,6,x,y\ncc,1,x,y\n")
    with gzip.open(tmp_path / "hashes.csv.gz", "wt") as fh:
        fh.write("id,hash\n1,h1\n2,h1\n3,h3\n4,h4\n5,h5\n6,h6\n")
    post = PostProcess.load(tmp_path / "ignore.txt", tmp_path / "ww.csv", tmp_path / "hashes.csv.gz")
    finalise_weights(caps, out, post=post, log=lambda m: None)
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r.get("dropped") for r in recs] == [None, None, None, "banned word", "ignore list", "test item"]
    assert recs[3]["pseudolabel"] == "" and recs[3]["raw"] == "_ taking a picture of _"
    # kept: hugging x2 (same hash h1), kissing x1. 1/freq = .5, .5, 1 -> mean-1 -> ^.25 -> mean-1 -> / hash count
    raw = [0.5, 0.5, 1.0]
    m = sum(raw) / 3
    p = [(r / m) ** 0.25 for r in raw]
    m2 = sum(p) / 3
    want = [p[0] / m2 / 2, p[1] / m2 / 2, p[2] / m2]
    assert [r["weight"] for r in recs[:3]] == pytest.approx(want, abs=1e-6)
    assert [r["weight"] for r in recs[3:]] == [0.0, 0.0, 0.0]
    finalise_weights(caps, out, post=post, log=lambda m: None)  # idempotent
    assert [json.loads(x) for x in out.read_text().splitlines()] == recs
    assert write_phhi(out, tmp_path / "phhi.csv") == 3  # the paper's layout: kept rows only
    rows = list(csv.DictReader((tmp_path / "phhi.csv").open()))
    assert [(r["id"], r["pseudolabel"]) for r in rows] == [("1", labels[0]), ("2", labels[1]), ("3", labels[2])]
    assert [float(r["weight"]) for r in rows] == pytest.approx(want, abs=1e-6)


def test_postprocess_bad_files(tmp_path):
    bad = tmp_path / "h.csv"
    bad.write_text("id,x\n1,2\n")
    with pytest.raises(InputError, match="h.csv: hashes file needs the columns id and hash"):
        read_hashes(bad)
    with pytest.raises(InputError, match="not found"):
        read_test_ids(tmp_path / "none.csv")
