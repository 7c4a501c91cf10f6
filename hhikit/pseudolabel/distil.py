"""Distillation end to end: teacher pairs -> filter -> fine-tuned student in the store.

``train_student`` runs the three steps with resumable intermediate files in a work folder
(``<store>/pseudolabel/``): ``synthetic_raw.jsonl`` (every teacher output),
``synthetic_pairs.jsonl`` (scored, with ``kept``) and the student directory.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hhikit.errors import HHIError, InputError, ModelUnavailable
from hhikit.pseudolabel.student import META_FILE, STUDENT_CARD, Summariser, TrainConfig, iter_jsonl
from hhikit.pseudolabel.teacher import DEFAULT_TEACHER, Teacher, TeacherConfig, generate_pairs

#: How to get a student, said at once whenever one is missing (never trained on the fly).
PREPARE_HINT = (
    "prepare one with `hhi models setup pseudolabel-student` (a few minutes on a CPU, about 520 MB), "
    "train one with `hhi pseudolabel --train-student`, or pass --student DIR"
)


def work_dir() -> Path:
    from hhikit.models.store import store_dir

    d = store_dir() / "pseudolabel"
    d.mkdir(parents=True, exist_ok=True)
    return d


def default_student_dir() -> Path:
    from hhikit.models.store import model_dir

    return model_dir(STUDENT_CARD)


def student_available(model_dir: str | Path | None = None) -> bool:
    d = Path(model_dir) if model_dir else default_student_dir()
    return (d / "config.json").exists()


def load_student(model_dir: str | Path | None = None) -> Summariser:
    """The student in ``model_dir`` (default: the store's ``pseudolabel-student``)."""
    d = Path(model_dir) if model_dir else default_student_dir()
    if not student_available(d):
        if model_dir:
            raise ModelUnavailable(f"{d}: not a student summariser directory (no config.json)")
        raise ModelUnavailable(f"no student summariser in {d}; {PREPARE_HINT}")
    return Summariser.load(d)


def student_meta(model_dir: str | Path | None = None) -> dict[str, Any]:
    d = Path(model_dir) if model_dir else default_student_dir()
    try:
        return json.loads((d / META_FILE).read_text())
    except (OSError, ValueError):
        return {}


def fit_student(
    pairs: list[tuple[str, str]],
    out_dir: str | Path,
    base_card: str = DEFAULT_TEACHER,
    base_dir: str | Path | None = None,
    train_cfg: TrainConfig | None = None,
    meta: dict[str, Any] | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> Path:
    """Fine-tune the base model (a seq2seq model such as T5, or a causal LM; default: the
    packaged SmolLM2-135M) on (caption, target) pairs and save it with its metadata."""
    from hhikit.models.store import resolve

    if not pairs:
        raise HHIError("no (caption, interaction) pairs to train the student on")
    cfg = train_cfg or TrainConfig()
    base_root = Path(base_dir) if base_dir is not None else resolve(base_card).root
    if not base_root.is_dir():
        raise ModelUnavailable(f"{base_root}: student base model directory not found")
    student = Summariser.load(base_root)
    kind = "seq2seq" if student.seq2seq else "causal"
    log(f"student base: {base_dir or base_card} ({kind}); {len(pairs)} pairs, {cfg.epochs:g} epochs, "
        f"batch {cfg.batch_size}, lr {cfg.lr:g}")  # fmt: skip
    report = student.train(pairs, cfg, progress=progress, log=log)
    log(
        f"fine-tuned {report.steps} steps in {report.seconds:.0f} s, loss {report.first_loss:.3f} -> {report.last_loss:.3f}"
    )
    info = {
        "base": str(base_dir or base_card),
        "kind": kind,
        "pairs": len(pairs),
        "epochs": cfg.epochs,
        "lr": cfg.lr,
        "batch_size": cfg.batch_size,
        "prefix": cfg.prefix,
        "steps": report.steps,
        "loss_first": report.first_loss,
        "loss_last": report.last_loss,
        "seconds_train": round(report.seconds, 1),
        **(meta or {}),
    }
    student.save(out_dir, info)
    log(f"saved the student to {out_dir}")
    return Path(out_dir)


def read_synthetic(path: str | Path) -> list[tuple[str, str]]:
    """(caption, interaction_no_pp) pairs of the paper's ``synthetic_captions.csv`` (the
    columns its summariser was trained on; ``.csv`` or ``.csv.gz``)."""
    from hhikit.pseudolabel.teacher import read_csv_rows

    path = Path(path)
    pairs: list[tuple[str, str]] = []
    for rec in read_csv_rows(path, ({"caption", "interaction_no_pp"},), "synthetic captions"):
        cap, tgt = rec.get("caption", "").strip(), rec.get("interaction_no_pp", "").strip()
        if cap and tgt:
            pairs.append((cap, tgt))
    if not pairs:
        raise InputError(f"{path}: no rows with both caption and interaction_no_pp")
    return pairs


def train_from_synthetic(
    synthetic: str | Path,
    base_card: str = DEFAULT_TEACHER,
    base_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    train_cfg: TrainConfig | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> Path:
    """The paper's student step alone: fine-tune on ``synthetic_captions.csv`` (caption ->
    interaction_no_pp), e.g. T5-base with ``TrainConfig.paper()``."""
    pairs = read_synthetic(synthetic)
    meta = {"trained_on": str(synthetic), "weak": False}
    out = Path(out_dir) if out_dir else default_student_dir()
    return fit_student(pairs, out, base_card, base_dir, train_cfg, meta, progress, log)


def train_from_seeds(
    out_dir: str | Path | None = None,
    train_cfg: TrainConfig | None = None,
    base_dir: str | Path | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> Path:
    """The set-up student (``hhi models setup pseudolabel-student``): the packaged SmolLM2-135M
    fine-tuned on the project's seed (caption, interaction) pairs alone, no teacher: bounded
    to a few minutes on a CPU, and weak."""
    from hhikit.pseudolabel.teacher import Seeds

    seeds = Seeds.load()
    pairs = [(cap, inter) for inter, cap in seeds.pairs]
    cfg = train_cfg or TrainConfig(epochs=3.0)
    out = Path(out_dir) if out_dir else default_student_dir()
    meta = {"trained_on": "hhikit seed pairs (data/seeds.json)", "teacher": None, "filter": None, "weak": True}
    return fit_student(pairs, out, base_dir=base_dir, train_cfg=cfg, meta=meta, progress=progress, log=log)


def train_student(
    n_pairs: int = 200,
    teacher_card: str = DEFAULT_TEACHER,
    teacher_dir: str | Path | None = None,
    base_card: str = DEFAULT_TEACHER,
    base_dir: str | Path | None = None,
    nli_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    work: str | Path | None = None,
    train_cfg: TrainConfig | None = None,
    teacher_cfg: TeacherConfig | None = None,
    parses: list[str | Path] | None = None,
    max_attempts: int | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> Path:
    """Generate ``n_pairs`` usable teacher pairs (resumable, within ``max_attempts``
    prompts), filter them, fine-tune the base model on the kept ones, save it to ``out_dir``.
    ``parses``: the paper's seed files (CC-News parses, ``ww_parses.csv``) instead of the
    project's seeds."""
    from hhikit.pseudolabel.filter import filter_pairs, make_filter
    from hhikit.pseudolabel.parser import load_spacy
    from hhikit.pseudolabel.teacher import Seeds

    work = Path(work) if work else work_dir()
    out = Path(out_dir) if out_dir else default_student_dir()
    raw = work / "synthetic_raw.jsonl"
    kept_path = work / "synthetic_pairs.jsonl"
    t0 = time.time()
    log(f"teacher: {teacher_dir or teacher_card}" + ("" if teacher_dir else " (a weak 135M-parameter teacher)"))
    seeds = Seeds.from_parses(parses) if parses else Seeds.load()
    teacher = Teacher.from_card(teacher_card, teacher_dir, seeds=seeds, config=teacher_cfg or TeacherConfig())
    generate_pairs(teacher, n_pairs, raw, progress=progress, max_attempts=max_attempts)
    gen_s = time.time() - t0
    del teacher
    flt = make_filter(nli_dir)
    log(
        f"filter: {flt.kind}"
        + (" (no NLI model given: MiniLM similarity + verb and people checks)" if flt.kind == "fallback" else "")
    )
    nlp = load_spacy()
    scored = list(filter_pairs(iter_jsonl(raw), flt, nlp))
    from hhikit.io.atomic import atomic_write_text

    atomic_write_text(kept_path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in scored))
    pairs = [(r["caption"], r["target"]) for r in scored if r["kept"]]
    why = Counter(r["why"] for r in scored if not r["kept"])
    log(f"kept {len(pairs)} of {len(scored)} synthetic pairs ({kept_path}); rejected: "
        + (", ".join(f"{k} x{v}" for k, v in why.most_common()) or "none"))  # fmt: skip
    if len(pairs) < 8:
        raise HHIError(
            f"only {len(pairs)} synthetic pairs survived the filter; generate more (--pairs) or give an NLI model"
        )
    meta = {
        "teacher": str(teacher_dir or teacher_card),
        "filter": flt.kind,
        "pairs_generated": len(scored),
        "pairs_kept": len(pairs),
        "seconds_generate": round(gen_s, 1),
        "weak": teacher_dir is None,
    }
    return fit_student(pairs, out, base_card, base_dir, train_cfg, meta, progress, log)
