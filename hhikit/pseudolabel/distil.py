"""Distillation end to end: teacher pairs -> filter -> fine-tuned student in the store.

``train_student`` runs the three steps with resumable intermediate files in a work folder
(``<store>/pseudolabel/``): ``synthetic_raw.jsonl`` (every teacher output),
``synthetic_pairs.jsonl`` (scored, with ``kept``) and the student directory.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hhikit.errors import HHIError, ModelUnavailable
from hhikit.pseudolabel.student import META_FILE, STUDENT_CARD, Summariser, TrainConfig, iter_jsonl
from hhikit.pseudolabel.teacher import DEFAULT_TEACHER, Teacher, TeacherConfig, generate_pairs


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
        raise ModelUnavailable(f"no trained student summariser in {d}; run `hhi pseudolabel --train-student` first")
    return Summariser.load(d)


def student_meta(model_dir: str | Path | None = None) -> dict[str, Any]:
    d = Path(model_dir) if model_dir else default_student_dir()
    try:
        return json.loads((d / META_FILE).read_text())
    except (OSError, ValueError):
        return {}


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
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> Path:
    """Generate ``n_pairs`` usable teacher pairs (resumable), filter them, fine-tune the base
    model (default: the packaged SmolLM2-135M) on the kept ones and save it to ``out_dir``."""
    from hhikit.models.store import resolve
    from hhikit.pseudolabel.filter import filter_pairs, make_filter
    from hhikit.pseudolabel.parser import load_spacy

    work = Path(work) if work else work_dir()
    out = Path(out_dir) if out_dir else default_student_dir()
    raw = work / "synthetic_raw.jsonl"
    kept_path = work / "synthetic_pairs.jsonl"
    t0 = time.time()
    log(f"teacher: {teacher_dir or teacher_card} (a weak 135M-parameter teacher unless you pass a bigger one)")
    teacher = Teacher.from_card(teacher_card, teacher_dir, config=teacher_cfg or TeacherConfig())
    generate_pairs(teacher, n_pairs, raw, progress=progress)
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
    log(f"kept {len(pairs)} of {len(scored)} synthetic pairs ({kept_path})")
    if len(pairs) < 8:
        raise HHIError(
            f"only {len(pairs)} synthetic pairs survived the filter; generate more (n_pairs) or give an NLI model"
        )
    base_root = resolve(base_card, local_dir=base_dir).root
    student = Summariser.load(base_root)
    report = student.train(pairs, train_cfg or TrainConfig(), progress=progress, log=log)
    log(
        f"fine-tuned {report.steps} steps in {report.seconds:.0f} s, loss {report.first_loss:.3f} -> {report.last_loss:.3f}"
    )
    meta = {
        "teacher": str(teacher_dir or teacher_card),
        "base": str(base_dir or base_card),
        "filter": flt.kind,
        "pairs_generated": len(scored),
        "pairs_kept": len(pairs),
        "steps": report.steps,
        "loss_first": report.first_loss,
        "loss_last": report.last_loss,
        "seconds_generate": round(gen_s, 1),
        "seconds_train": round(report.seconds, 1),
        "weak": True,
    }
    student.save(out, meta)
    log(f"saved the student to {out}")
    return out
