"""Training the student from the paper's ``synthetic_captions.csv`` and refusing a missing one."""

from __future__ import annotations

import csv
import json

import pytest
import torch

from hhikit.cli import main
from hhikit.errors import InputError, ModelUnavailable
from hhikit.pseudolabel.distil import load_student, read_synthetic, train_from_synthetic
from hhikit.pseudolabel.student import META_FILE, Summariser, TrainConfig
from tests.pseudolabel.conftest import tiny_t5

# the layout of the paper's synthetic_captions.csv (filter_new_captions.py writes these columns)
COLUMNS = ["interaction", "caption", "names", "pc", "pn", "pe", "interaction_no_pp"]
ROWS = [
    ("_ hugging _ at the station", "Anna hugs Ben at the station.", "Anna;Ben", "_ hugging _"),
    ("_ kissing _", "Carla kisses David on the cheek.", "Carla;David", "_ kissing _"),
    ("_ shaking hands with _", "Elena and Frank shake hands.", "Elena;Frank", "_ shaking hands with _"),
]


def _write_synthetic(path):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for inter, cap, names, no_pp in ROWS:
            w.writerow([inter, cap, names, 0.01, 0.02, 0.97, no_pp])
    return path


@pytest.fixture()
def tiny_base(tok, tmp_path):
    d = tmp_path / "t5-base-tiny"
    Summariser(tiny_t5(tok, seed=1), tok).save(d)
    (d / META_FILE).unlink()  # a plain Hugging Face directory, as a downloaded T5 would be
    return d


def test_read_synthetic_layout_and_errors(tmp_path):
    f = _write_synthetic(tmp_path / "synthetic_captions.csv")
    assert read_synthetic(f) == [(cap, no_pp) for _, cap, _, no_pp in ROWS]
    bad = tmp_path / "bad.csv"
    bad.write_text("caption,interaction\nx,y\n")
    with pytest.raises(InputError, match=r"bad.csv: needs the columns caption\+interaction_no_pp"):
        read_synthetic(bad)
    with pytest.raises(InputError, match="not found"):
        read_synthetic(tmp_path / "none.csv")


def test_tiny_t5_from_synthetic_captions_reproduces_its_targets(tiny_base, tmp_path):
    f = _write_synthetic(tmp_path / "synthetic_captions.csv")
    out = tmp_path / "student"
    cfg = TrainConfig.paper(epochs=60, lr=1e-2, batch_size=3)
    assert cfg.prefix == "summarize:" and TrainConfig.paper().lr == 5e-5 and TrainConfig.paper().epochs == 3
    train_from_synthetic(f, base_dir=tiny_base, out_dir=out, train_cfg=cfg, progress=False, log=lambda m: None)
    meta = json.loads((out / META_FILE).read_text())
    assert meta["kind"] == "seq2seq" and meta["pairs"] == 3 and meta["prefix"] == "summarize:"
    s = load_student(out)
    assert s.seq2seq and s.prefix == "summarize:"  # inference reads captions as it was trained
    assert s.summarise([cap for _, cap, _, _ in ROWS]) == [no_pp for *_, no_pp in ROWS]


def test_paper_decoding_from_t5_task_settings(tok):
    from hhikit.pseudolabel.student import paper_decoding

    model = tiny_t5(tok)
    model.config.task_specific_params = {
        "summarization": {"num_beams": 4, "length_penalty": 2.0, "no_repeat_ngram_size": 3,
                          "early_stopping": True, "min_length": 30, "max_length": 200, "prefix": "summarize: "}
    }  # fmt: skip
    s = Summariser(model, tok)
    assert s.prefix == "summarize: "
    kw = paper_decoding(s.task_params)
    assert kw == {"do_sample": False, "min_length": 1, "max_length": 20, "num_beams": 4, "length_penalty": 2.0,
                  "no_repeat_ngram_size": 3, "early_stopping": True}  # fmt: skip
    outs = s.summarise(["Anna hugs Ben."])
    assert len(outs) == 1 and len(tok(outs[0])["input_ids"]) <= 40


def test_cli_trains_t5_from_synthetic_with_the_paper_recipe(tiny_base, tmp_path, capsys):
    f = _write_synthetic(tmp_path / "synthetic_captions.csv")
    out = tmp_path / "cli-student"
    rc = main(["pseudolabel", "--train-student", "--synthetic", str(f), "--student-base", str(tiny_base),
               "--student-out", str(out), "--no-progress"])  # fmt: skip
    assert rc == 0
    meta = json.loads((out / META_FILE).read_text())
    assert (meta["epochs"], meta["batch_size"], meta["lr"], meta["prefix"]) == (3.0, 8, 5e-5, "summarize:")
    assert meta["trained_on"] == str(f) and meta["steps"] == 3  # 3 rows, batch 8: one step per epoch


def test_missing_student_is_refused_at_once_with_the_setup_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HHIKIT_HOME", str(tmp_path / "home"))
    caps = tmp_path / "c.csv"
    caps.write_text("id,caption\n1,_ hugs _.\n")
    with pytest.raises(ModelUnavailable, match="hhi models setup pseudolabel-student"):
        load_student()
    rc = main(["pseudolabel", "--captions", str(caps), "--out", str(tmp_path / "o.jsonl"), "--method", "student"])
    err = capsys.readouterr().err
    assert rc == 2 and "hhi models setup pseudolabel-student" in err and "training" not in err
    assert not (tmp_path / "o.jsonl").exists()
    with pytest.raises(ModelUnavailable, match="not a student summariser directory"):
        load_student(tmp_path)


def test_cli_teacher_that_writes_nothing_usable_stops_within_budget(tok, tmp_path, monkeypatch, capsys):
    from tests.pseudolabel.conftest import tiny_llama

    monkeypatch.setenv("HHIKIT_HOME", str(tmp_path / "home"))
    teacher = tmp_path / "teacher"
    tiny_llama(tok).save_pretrained(teacher)
    tok.save_pretrained(teacher)
    ww = tmp_path / "ww_parses.csv"
    ww.write_text('id,encoded,parses\n1,"Adam hugs Bob.",Adam hugging Bob\n2,"Bob kisses Adam.",Bob kissing Adam\n')
    torch.manual_seed(0)  # the sampled lines are then the same on every run
    rc = main(["pseudolabel", "--train-student", "--teacher-dir", str(teacher), "--parses", str(ww),
               "--seed-interactions", "--pairs", "4", "--max-attempts", "8", "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 1
    assert "wrote 0 of 4 usable pairs in 8 attempts (budget 8); rejected: caption" in err, err


def test_cli_options_come_from_the_config_dataclasses(tmp_path, capsys):
    from hhikit.options import describe
    from hhikit.pseudolabel.config import LabelConfig, StudentTrainingConfig

    names = {r["name"] for r in describe(StudentTrainingConfig)} | {r["name"] for r in describe(LabelConfig)}
    assert {"synthetic", "student_base", "parses", "nli", "hashes", "ignore", "test_set", "max_attempts"} <= names
    rc = main(["pseudolabel", "--train-student", "--pairs", "0"])
    assert rc == 2 and "pairs must be a number in [1, inf], got 0" in capsys.readouterr().err
