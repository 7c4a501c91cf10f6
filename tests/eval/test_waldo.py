from __future__ import annotations

import json
import math

import pytest

from hhikit.errors import InputError
from hhikit.eval.text import TextMetrics, WordVectors
from hhikit.eval.waldo import evaluate_waldo, load_waldo_labels, load_waldo_predictions
from tests.conftest import shared_path

LABELS = """source,id,label,caption,url
ww,000001,_ hugging _,"_ hugs _ at the airport",
ww,000002,_ kissing _,"_ kisses _",
cc,000003,_ saluting _,"_ salutes _",
coco,000004,_ hugging _,"two people hug",
"""


@pytest.fixture
def labels(tmp_path):
    p = tmp_path / "labels.csv"
    p.write_text(LABELS)
    return load_waldo_labels(p)


@pytest.fixture
def tiny_metrics(tmp_path):
    g = tmp_path / "g.txt"
    g.write_text("hugging 1 0\nkissing 0.6 0.8\nsaluting 0 1\n")
    tm = TextMetrics(vectors=WordVectors.from_file(g))
    for name in ("minilm", "bleurt", "nli_entail", "nli_contra"):
        tm.unavailable[name] = "not loaded in this test"
    return tm


def test_labels_keep_leading_zeros(labels):
    assert list(labels) == ["000001", "000002", "000003", "000004"]
    assert labels["000001"].caption == "_ hugs _ at the airport"


def test_hand_computed_verb_similarity_means(labels, tiny_metrics):
    preds = {
        "000001": ["_ kissing _", "_ hugging _"],  # @1 0.6, @2 1.0
        "000002": ["_ saluting _"],  # 0.8 at every k
        "3": ["_ dancing with _", "_ saluting _"],  # numeric id -> 000003; @1 0 (OOV), @2 1
        # 000004 (coco) has no prediction: coco is absent, not scored
        "zzz": ["_ hugging _"],
    }
    r = evaluate_waldo(preds, labels, k=(1, 2), metrics=tiny_metrics).to_dict()
    vs = r["metrics"]["verb_sim"]
    assert vs["available"] is True
    assert vs["at"]["1"]["ww"] == pytest.approx((0.6 + 0.8) / 2)
    assert vs["at"]["1"]["cc"] == pytest.approx(0.0)
    assert vs["at"]["1"]["overall"] == pytest.approx(((0.6 + 0.8) / 2 + 0.0) / 2)  # mean of source means
    assert vs["at"]["2"]["ww"] == pytest.approx(0.9)
    assert vs["at"]["2"]["overall"] == pytest.approx((0.9 + 1.0) / 2)
    assert "coco" not in vs["at"]["1"] and r["sources"] == ["ww", "cc"]
    assert r["unknown_ids"] == 1 and r["missing"] == {"ww": 0, "cc": 0}
    for name in ("minilm", "bleurt", "nli_entail", "nli_contra"):
        assert r["metrics"][name] == {"available": False, "reason": "not loaded in this test", "at": None}


def test_missing_items_are_counted_not_scored(labels, tiny_metrics):
    rep = evaluate_waldo({"000001": ["_ hugging _"], "000002": []}, labels, k=(1,), metrics=tiny_metrics)
    r = rep.to_dict()
    assert r["metrics"]["verb_sim"]["at"]["1"]["ww"] == pytest.approx(1.0)
    assert r["missing"] == {"ww": 1} and r["empty_predictions"] == 1 and r["coverage"]["ww"] == 0.5
    missing = [it for it in rep.items if it.get("missing")]
    assert [it["id"] for it in missing] == ["000002"]


def test_report_files(labels, tiny_metrics, tmp_path):
    rep = evaluate_waldo({"000001": ["_ kissing _"]}, labels, metrics=tiny_metrics)
    paths = rep.write(tmp_path / "out")
    d = json.loads(paths["json"].read_text())
    assert d["metrics"]["bleurt"]["at"] is None
    md = paths["markdown"].read_text()
    assert "| verb similarity (GloVe) | @1 | 0.6000 |" in md and "not loaded in this test" in md
    items = [json.loads(x) for x in paths["items"].read_text().splitlines()]
    assert items[0]["id"] == "000001" and math.isclose(items[0]["at"]["1"]["verb_sim"], 0.6, rel_tol=1e-6)


def test_prediction_file_formats(tmp_path):
    p = tmp_path / "p.jsonl"
    lines = [
        {"id": "000001", "predictions": ["_ hugging _", "_ kissing _"]},
        {"schema": "x", "path": "/imgs/000002.jpg", "interactions": [{"text": "_ saluting _", "score": 0.9}]},
        {
            "path": "000003.png",
            "interactions": [],
            "pairs": [
                {"a": 0, "b": 1, "interactions": [{"text": "_ a _", "score": 0.1}, {"text": "_ b _", "score": 0.7}]}
            ],
        },
        {"path": "000004.jpg", "error": {"type": "InputError", "message": "bad"}},
    ]
    p.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n")
    got = load_waldo_predictions(p)
    assert got == {
        "000001": ["_ hugging _", "_ kissing _"],
        "000002": ["_ saluting _"],
        "000003": ["_ b _", "_ a _"],
        "000004": [],
    }
    p.write_text('{"id": 1}\n')
    with pytest.raises(InputError, match="line 1"):
        load_waldo_predictions(p)
    p.write_text("not json\n")
    with pytest.raises(InputError, match="not JSON"):
        load_waldo_predictions(p)


def test_bad_labels_file(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="columns"):
        load_waldo_labels(p)


@pytest.mark.slow
def test_real_labels_with_packaged_models():
    labels = load_waldo_labels(shared_path("waldo_and_wenda", "labels.csv"))
    assert len(labels) == 850 and labels["002716"].source == "ww"
    tm = TextMetrics.load()
    ww = [lid for lid, lab in labels.items() if lab.source == "ww"][:40]
    perfect = evaluate_waldo({i: [labels[i].label] for i in ww}, labels, metrics=tm).to_dict()
    assert perfect["metrics"]["minilm"]["at"]["1"]["ww"] == pytest.approx(1.0, abs=1e-4)
    assert perfect["metrics"]["verb_sim"]["at"]["1"]["ww"] == pytest.approx(1.0, abs=1e-4)
    assert perfect["missing"] == {"ww": 110}
    # a constant wrong answer scores lower; adding the right answer at rank 2 helps @5 only
    wrong = {i: ["_ eating _", labels[i].label] for i in ww}
    r = evaluate_waldo(wrong, labels, metrics=tm).to_dict()
    for m in ("minilm", "verb_sim"):
        assert r["metrics"][m]["at"]["1"]["ww"] < 0.9
        assert r["metrics"][m]["at"]["5"]["ww"] == pytest.approx(1.0, abs=1e-4)


def _paper_verb_sim(pred: str, label: str, glove: dict[str, list[float]]) -> float:
    """modeling/src/eval.py get_verb_sim, written again: second words as they are, 0 if absent."""
    v0 = pred.split()[1] if len(pred.split()) > 1 else ""
    v1 = label.split()[1]
    if v0 in glove and v1 in glove:
        a, b = glove[v0], glove[v1]
        dot = sum(x * y for x, y in zip(a, b, strict=True))
        return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    return 0


def test_verb_sim_paper_definition_by_default_lenient_as_option(labels, tmp_path):
    glove = {"hugging": [1.0, 0.0], "kissing": [0.6, 0.8], "saluting": [0.0, 1.0], "Kissing": [0.8, 0.6]}
    g = tmp_path / "g.txt"
    g.write_text("".join(f"{w} {a} {b}\n" for w, (a, b) in glove.items()))
    tm = TextMetrics(vectors=WordVectors.from_file(g))
    for name in ("minilm", "bleurt", "nli_entail", "nli_contra"):
        tm.unavailable[name] = "not loaded in this test"
    preds = {"000001": ["_ Kissing _", "_ hugging, _", "_ HUGGING _", "_"], "000002": ["_ kissing _"],
             "000003": ["_ saluting _", "_ saluting! _"]}  # fmt: skip
    paper = evaluate_waldo(preds, labels, k=(1, 4), metrics=tm)
    assert paper.summary["definitions"]["verb_sim"].startswith("paper")
    for it in paper.items:
        if it.get("missing"):
            continue
        want = [_paper_verb_sim(p, it["label"], glove) for p in it["predictions"]]
        assert it["per_prediction"]["verb_sim"] == pytest.approx(want, abs=1e-6)
    # "Kissing" is its own (case-sensitive) entry, "hugging," and "HUGGING" are absent: 0
    assert paper.items[0]["per_prediction"]["verb_sim"] == pytest.approx([0.8, 0.0, 0.0, 0.0], abs=1e-6)
    lenient = evaluate_waldo(preds, labels, k=(1, 4), metrics=tm, verb="lenient")
    assert lenient.items[0]["per_prediction"]["verb_sim"] == pytest.approx([0.6, 1.0, 1.0, 0.0], abs=1e-6)
    assert lenient.summary["metrics"]["verb_sim"]["at"]["4"]["cc"] == pytest.approx(1.0)
