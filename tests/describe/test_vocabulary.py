"""The packaged HHI vocabulary: phrase form, provenance, similarity matrix, rebuild."""

from __future__ import annotations

import importlib.util
import json
import sys

import numpy as np
import pytest

from hhikit.describe.vocabulary import DATA, Vocabulary, default_vocabulary
from hhikit.errors import ConfigError
from tests.conftest import ROOT, shared_path


def test_entries_have_paper_form_and_provenance():
    v = default_vocabulary()
    assert len(v) >= 100
    for e in v.entries:
        words = e.text.split()
        assert words[0] == "_" and "_" in " ".join(words[1:]).replace("_'s", "_"), e.text
        assert e.verb == words[1] and e.verb.endswith("ing"), e.text
        assert e.sources and e.prior > 0 and e.tags
    # every taxonomy the brief names is represented
    tax = {t for e in v.entries for t in e.taxonomies}
    assert {
        "AVA v2.2",
        "HICO-DET",
        "V-COCO",
        "imSitu-HHI",
        "ICCCI video HHI",
        "UT-Interaction",
        "TV Human Interactions",
    } <= tax
    assert "_ shaking hands with _" in v and "_ giving an award to _" in v and "_ hugging _" in v
    assert v.find("handshake").text == "_ shaking hands with _"


def test_similarity_matrix_matches_entries():
    v = default_vocabulary()
    assert v.sim.shape == (len(v), len(v))
    assert np.allclose(np.diag(v.sim), 1.0, atol=1e-2)
    i, j, k = v.index["_ hugging _"], v.index["_ kissing _"], v.index["_ signing an agreement with _"]
    assert v.sim[i, j] > v.sim[i, k]


def test_imsitu_verbs_all_covered():
    ids = shared_path("imsitu_hhi", "imsitu-hhi.txt").read_text().split()
    verbs = {i.rsplit("_", 1)[0] for i in ids}
    covered = {s["label"] for e in default_vocabulary().entries for s in e.sources if s["taxonomy"] == "imSitu-HHI"}
    assert verbs == covered and len(verbs) == 50


def test_build_script_reproduces_the_data_file():
    shared = shared_path()
    spec = importlib.util.spec_from_file_location("build_vocabulary", ROOT / "scripts" / "build_vocabulary.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_vocabulary"] = mod
    spec.loader.exec_module(mod)
    built = mod.build(shared)
    shipped = json.loads((DATA / "vocabulary.json").read_text())["entries"]
    assert built == shipped


def test_bad_vocabulary_file(tmp_path):
    (tmp_path / "v.json").write_text('{"entries": [{"prior": 1}]}')
    with pytest.raises(ConfigError, match="not a valid HHI vocabulary"):
        Vocabulary.load(tmp_path / "v.json")
