from __future__ import annotations

import csv
import json

import pytest
import torch

from hhikit.pseudolabel.format import is_valid_interaction
from hhikit.pseudolabel.teacher import (
    SEEDS_PATH,
    LineGenerator,
    Seeds,
    Teacher,
    TeacherConfig,
    first_line,
    generate_pairs,
    newline_token_ids,
)
from tests.conftest import shared_path
from tests.pseudolabel.conftest import tiny_llama


class _BiasedHead(torch.nn.Module):
    """An output layer that always prefers the given tokens (deterministic tiny 'LM')."""

    def __init__(self, hidden: int, vocab: int, favour: dict[int, float]) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(vocab, hidden))
        self.bias = torch.zeros(vocab)
        self.bias[:] = -30.0
        for i, v in favour.items():
            self.bias[i] = v

    def forward(self, h):
        return h @ self.weight.T + self.bias


@pytest.fixture(scope="module")
def teacher(tok):
    return Teacher(LineGenerator(tiny_llama(tok), tok), config=TeacherConfig(batch_size=4, seed=1))


def test_seed_file_has_provenance_and_no_test_captions():
    data = json.loads(SEEDS_PATH.read_text())
    assert "provenance" in data and len(data["pairs"]) >= 20
    for p in data["pairs"]:
        assert is_valid_interaction(p["interaction"]), p
    ww = shared_path("waldo_and_wenda", "labels.csv")
    with ww.open(encoding="utf-8") as fh:
        test_caps = {" ".join(r["caption"].lower().split()) for r in csv.DictReader(fh)}
    for p in data["pairs"]:
        assert " ".join(p["caption"].lower().split()) not in test_caps


def test_prompts_follow_the_paper(teacher):
    prompt, names = teacher.caption_prompt("_ hugging _")
    assert prompt.count("Caption of image showing ") == 11  # 10 examples + the query
    assert prompt.endswith(f"Caption of image showing {names[0]} hugging {names[1]}:\n")
    assert "_" not in prompt
    ip, (a, b) = teacher.interaction_prompt()
    lines = ip.splitlines()
    assert len(lines) == 10 and ip.endswith("\n")
    assert all(line.startswith(a + " ") and b in line for line in lines)


def test_check_interaction():
    names = ("Anna", "Ben")
    assert Teacher.check_interaction("Anna tickling Ben", names) == "_ tickling _"
    assert Teacher.check_interaction("Anna and Ben shaking hands", names) == "_ shaking hands with _"
    assert Teacher.check_interaction("Ben hugging Anna", names) is None  # must start with the first name
    assert Teacher.check_interaction("Anna hugging Ben in Paris", names) is None  # other proper name
    assert Teacher.check_interaction("Anna hugs Ben", names) is None  # not -ing
    assert Teacher.check_interaction("Anna hugging Ben and Ben", names) is None


def test_newline_ids_and_first_line(tok):
    ids = newline_token_ids(tok)
    assert tok("\n", add_special_tokens=False)["input_ids"][0] in ids
    assert all("\n" in tok.decode([i]) for i in ids)
    assert first_line("  hugs Ben\nnext line") == "hugs Ben"
    assert first_line("\nx") == ""


def test_generation_stops_at_newline(tok):
    model = tiny_llama(tok)
    word = tok(" hugging", add_special_tokens=False)["input_ids"][0]
    nl = tok("\n", add_special_tokens=False)["input_ids"][0]
    model.lm_head = _BiasedHead(32, len(tok), {nl: 10.0})
    gen = LineGenerator(model, tok)
    out = gen.complete(["Anna hugging Ben\n", "Ben"], temperature=1.0, max_new_tokens=15)
    assert out == ["", ""] and gen.last_new_tokens == 1
    # a word first, then the newline: "no repeated 3-grams" forces the stop sooner or later
    model.lm_head = _BiasedHead(32, len(tok), {word: 10.0, nl: 9.0})
    out = gen.complete(["Anna"] * 3, temperature=1.0, max_new_tokens=15)
    assert all("\n" not in o for o in out)
    assert gen.last_new_tokens < 15


def test_random_tiny_teacher_end_to_end(teacher, tmp_path):
    inters = list(teacher.new_interactions(2, max_tries=8))  # a random model rarely writes valid ones
    assert all(is_valid_interaction(i) for i in inters)
    recs = list(teacher.captions(["_ hugging _", "_ kissing _"]))
    assert [r["interaction"] for r in recs] == ["_ hugging _", "_ kissing _"]
    for r in recs:
        assert "\n" not in r["caption"] and len(r["names"]) == 2 and isinstance(r["ok"], bool)


def test_generate_pairs_resumes(teacher, tmp_path, monkeypatch):
    out = tmp_path / "raw.jsonl"
    monkeypatch.setattr(Teacher, "new_interactions", lambda self, n, max_tries=None: iter(["_ hugging _"] * n))
    monkeypatch.setattr(Teacher, "caption_problem", staticmethod(lambda line, names=(): None))
    generate_pairs(teacher, 3, out, progress=False)
    n1 = len(out.read_text().splitlines())
    assert n1 >= 3
    generate_pairs(teacher, 3, out, progress=False)  # already enough: nothing added
    assert len(out.read_text().splitlines()) == n1
    generate_pairs(teacher, 5, out, progress=False)
    assert sum(json.loads(x)["ok"] for x in out.read_text().splitlines()) >= 5


def test_seeds_bad_file(tmp_path):
    from hhikit.errors import InputError

    bad = tmp_path / "s.json"
    bad.write_text("{}")
    with pytest.raises(InputError, match="s.json"):
        Seeds.load(bad)


def test_seed_interaction_mode_skips_step_a(tok, tmp_path, monkeypatch):
    t = Teacher(LineGenerator(tiny_llama(tok), tok), config=TeacherConfig(batch_size=2, interactions="seeds"))
    monkeypatch.setattr(Teacher, "new_interactions", lambda *a, **k: pytest.fail("step a must be skipped"))
    monkeypatch.setattr(Teacher, "caption_problem", staticmethod(lambda line, names=(): None))
    out = generate_pairs(t, 2, tmp_path / "raw.jsonl", progress=False)
    seeds = {i for i, _ in t.seeds.pairs}
    assert all(json.loads(x)["interaction"] in seeds for x in out.read_text().splitlines())


def test_teacher_without_valid_interactions_stops_within_its_budget(tok, tmp_path):
    from hhikit.errors import HHIError

    model = tiny_llama(tok)
    nl = tok("\n", add_special_tokens=False)["input_ids"][0]
    model.lm_head = _BiasedHead(32, len(tok), {nl: 10.0})  # every line comes out empty
    t = Teacher(LineGenerator(model, tok), config=TeacherConfig(batch_size=4))
    out = tmp_path / "raw.jsonl"
    with pytest.raises(
        HHIError, match=r"0 of 3 usable pairs in 10 attempts \(budget 10\); rejected: interaction: empty line x10"
    ):
        generate_pairs(t, 3, out, progress=False, max_attempts=10)
    assert t.attempts == 10
    assert not out.exists() or out.read_text() == ""


def test_rejection_reasons():
    names = ("Anna", "Ben")
    assert Teacher.interaction_problem("Ben hugging Anna", names) == "does not start with the first name"
    assert Teacher.interaction_problem("Anna hugging Ben in Paris", names) == "other capitalised word"
    assert Teacher.interaction_problem("Anna hugs Ben", names) == "not `_ <verb>ing ... _`"
    assert Teacher.interaction_problem("Anna photographing Ben for a picture", names) == "banned word"
    assert Teacher.caption_problem("too short") == "caption not 4-60 words"
    assert Teacher.caption_problem("Anna hugs Bennet at the station.", names) == "caption lacks a name"
    assert Teacher.caption_problem("Anna hugs Ben at the station.", names) is None
    assert Teacher.interaction_problem("Anna hugging Ben the", names) == "ends with an article"


def test_seeds_from_the_papers_parse_files(tok, tmp_path):
    cc = tmp_path / "cc_news_parsed.csv"
    cc.write_text(
        "text,patterns,cleaned,parsed\n"
        "x,(left),x,[NAME] shaking hands with [NAME];[NAME] greeting [NAME]\n"
        "y,(left),y,[NAME] interviewing [NAME]\n"
    )
    ww = tmp_path / "ww_parses.csv"
    ww.write_text(
        "id,encoded,parses\n"
        '1,"Adam congratulates Bob after the final.",Adam congratulating Bob\n'
        '2,"Bob hugs his coach Adam.",Bob hugging Adam;Bob hugging his coach Adam\n'
    )
    seeds = Seeds.from_parses([cc, ww])
    assert seeds.interactions == ("_ shaking hands with _", "_ greeting _", "_ interviewing _")
    assert seeds.pairs[1] == ("[P1] hugging [P0];[P1] hugging his coach [P0]", "[P1] hugs his coach [P0].")
    t = Teacher(LineGenerator(tiny_llama(tok), tok), seeds=seeds, config=TeacherConfig(n_examples=2, seed=3))
    prompt, _ = t.caption_prompt("_ kissing _")
    blocks = prompt.split("\n\n")
    for block in blocks[:2]:  # the example's caption names the same people as its interaction
        head, cap = block.split(":\n")
        words = head.removeprefix("Caption of image showing ").split()
        assert words[0] in cap and words[-1] in cap and "[P" not in block and "Adam" not in block
    ip, (a, b) = t.interaction_prompt()
    assert set(ip.splitlines()) <= {f"{a} shaking hands with {b}", f"{a} greeting {b}", f"{a} interviewing {b}"}
    bad = tmp_path / "bad.csv"
    bad.write_text("id,caption\n1,x\n")
    with pytest.raises(Exception, match=r"bad.csv: needs the columns parsed or encoded\+parses"):
        Seeds.from_parses([bad])
