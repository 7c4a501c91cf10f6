"""``hhi pseudolabel``: captions file -> one JSON line per caption, streaming and resumable.

Input: CSV or JSONL rows with ``id`` and ``caption`` (other columns ignored). Output: JSONL
``{"id", "pseudolabel", "weight"}`` (plus ``"error"`` for a bad row). Lines are appended and
flushed one by one; a rerun skips ids already in the output and first cuts a torn last line.
Weights need the whole label distribution, so while streaming each line carries a
provisional ``weight`` of 1.0 (0.0 when there is no usable label); when every row is done,
a second pass computes the final weights (``weights.caption_weights``, captions read again
from the input) and replaces the output atomically (temp file + rename). An interrupted
run therefore leaves provisional weights; rerunning the same command finishes the rows
and writes the final weights.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hhikit.errors import InputError, error_record
from hhikit.pseudolabel.format import is_valid_interaction
from hhikit.pseudolabel.postprocess import PostProcess
from hhikit.pseudolabel.weights import caption_weights

METHODS = ("parse", "student")


@dataclass
class Row:
    id: str
    caption: str | None
    problem: str | None = None


def read_captions(path: str | Path) -> Iterator[Row]:
    """Rows of a ``.csv`` or ``.jsonl`` captions file, streamed. A row without an id is
    reported by number; a row without a caption comes back with ``problem`` set."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: captions file not found")
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".jsonl", ".json", ".ndjson"}:
        raise InputError(f"{path}: expected a .csv or .jsonl captions file")
    with path.open(encoding="utf-8", newline="") as fh:
        if suffix == ".csv":
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or not {"id", "caption"} <= set(reader.fieldnames):
                raise InputError(f"{path}: CSV needs the columns id and caption (found {reader.fieldnames})")
            for n, rec in enumerate(reader, start=2):
                yield _row(rec, f"{path}:{n}")
        else:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError:
                    yield Row(f"line-{n}", None, f"{path}:{n}: not valid JSON")
                    continue
                if not isinstance(rec, dict):
                    yield Row(f"line-{n}", None, f"{path}:{n}: not a JSON object")
                    continue
                yield _row(rec, f"{path}:{n}")


def _row(rec: dict[str, Any], where: str) -> Row:
    rid = rec.get("id")
    if rid is None or str(rid).strip() == "":
        return Row(f"{where.rsplit(':', 1)[-1]}", None, f"{where}: row has no id")
    cap = rec.get("caption")
    if not isinstance(cap, str) or not cap.strip():
        return Row(str(rid), None, f"{where}: row {rid!r} has no caption")
    return Row(str(rid), cap)


def done_ids(out: Path) -> set[str]:
    """Ids already written to ``out``; a torn last line (interrupted write) is cut off."""
    if not out.exists():
        return set()
    ids: set[str] = set()
    good_end = 0
    with out.open("rb") as fh:
        pos = 0
        for raw in fh:
            pos += len(raw)
            if not raw.endswith(b"\n"):
                break
            try:
                rec = json.loads(raw)
                ids.add(str(rec["id"]))
            except (ValueError, KeyError, TypeError):
                break
            good_end = pos
    if good_end != out.stat().st_size:
        with out.open("r+b") as fh:
            fh.truncate(good_end)
    return ids


class Labeller:
    """Turns batches of captions into pseudo-labels with one method."""

    def __init__(self, method: str, student_dir: str | Path | None = None,
                 log: Callable[[str], None] = print) -> None:  # fmt: skip
        if method not in METHODS:
            from hhikit.errors import ConfigError

            raise ConfigError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
        self.method = method
        if method == "parse":
            from hhikit.pseudolabel.parser import ParseExtractor

            self.parser = ParseExtractor()
            self.batch_size = 64
        else:
            from hhikit.pseudolabel.distil import default_student_dir, load_student

            # never trains on the fly: a missing student is refused at once with how to prepare one
            self.student = load_student(student_dir)
            if student_dir is None:
                log(f"loaded the default student from {default_student_dir()}")
            self.batch_size = 16

    def label(self, captions: list[str]) -> list[str | None]:
        if self.method == "parse":
            return list(self.parser.extract_many(captions))
        return list(self.student.summarise(captions))


def pseudolabel_file(
    captions: str | Path,
    out: str | Path,
    method: str = "parse",
    student_dir: str | Path | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
    labeller: Labeller | None = None,
    limit: int | None = None,
    weight_exp: float = 0.25,
    post: PostProcess | None = None,
) -> dict[str, int]:
    """Label every row of ``captions`` into ``out`` (see the module docstring); returns counts."""
    from tqdm import tqdm

    out = Path(out)
    rows_total = sum(1 for _ in read_captions(captions))  # validates the file up front, cheap
    if limit is not None:
        rows_total = min(rows_total, limit)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = done_ids(out)
    todo = rows_total - len(done)
    if done:
        log(f"resuming: {len(done)} ids already in {out}")
    counts = {"rows": rows_total, "skipped": 0, "labelled": 0, "empty": 0, "errors": 0}
    if todo > 0:
        labeller = labeller or Labeller(method, student_dir, log=log)
        bar = tqdm(total=rows_total, initial=min(len(done), rows_total), desc=f"pseudolabel ({method})",
                   file=sys.stderr, disable=not progress)  # fmt: skip
        with out.open("a", encoding="utf-8") as fh:
            batch: list[Row] = []

            def flush() -> None:
                good = [r for r in batch if r.problem is None]
                try:
                    labels = labeller.label([r.caption or "" for r in good]) if good else []
                    errs: dict[str, dict[str, str]] = {}
                except Exception as exc:  # one bad batch: retry item by item
                    labels, errs = [], {}
                    for r in good:
                        try:
                            labels.append(labeller.label([r.caption or ""])[0])
                        except Exception as exc1:
                            labels.append(None)
                            errs[r.id] = error_record(exc1)
                    del exc
                lab = dict(zip((r.id for r in good), labels))
                for r in batch:
                    if r.problem is not None:
                        rec: dict[str, Any] = {"id": r.id, "pseudolabel": "", "weight": 0.0,
                                               "error": {"type": "InputError", "message": r.problem}}  # fmt: skip
                        counts["errors"] += 1
                    elif r.id in errs:
                        rec = {"id": r.id, "pseudolabel": "", "weight": 0.0, "error": errs[r.id]}
                        counts["errors"] += 1
                    else:
                        text = lab.get(r.id) or ""
                        ok = is_valid_interaction(text)
                        rec = {"id": r.id, "pseudolabel": text, "weight": 1.0 if ok else 0.0}
                        counts["labelled" if ok else "empty"] += 1
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    done.add(r.id)
                fh.flush()
                bar.update(len(batch))
                batch.clear()

            for i, row in enumerate(read_captions(captions)):
                if limit is not None and i >= limit:
                    break
                if row.id in done or any(b.id == row.id for b in batch):
                    counts["skipped"] += 1
                    continue
                batch.append(row)
                if len(batch) >= labeller.batch_size:
                    flush()
            if batch:
                flush()
        bar.close()
    else:
        counts["skipped"] = rows_total
    finalise_weights(captions, out, weight_exp=weight_exp, limit=limit, post=post, log=log)
    return counts


def finalise_weights(
    captions: str | Path,
    out: str | Path,
    weight_exp: float = 0.25,
    limit: int | None = None,
    post: PostProcess | None = None,
    log: Callable[[str], None] = print,
) -> None:
    """Second pass: the paper's post-processing (``post``: id lists, label rules, caption
    hashes), then final weights over the kept labels, written atomically. A dropped label
    is moved to ``raw`` and ``dropped`` says why."""
    from collections import Counter

    from hhikit.io.atomic import atomic_write_text

    post = post or PostProcess(weight_exp=weight_exp)
    out = Path(out)
    cap_of: dict[str, str] = {}
    for i, row in enumerate(read_captions(captions)):
        if limit is not None and i >= limit:
            break
        if row.caption is not None:
            cap_of[row.id] = row.caption
    recs = []
    with out.open(encoding="utf-8") as fh:
        for line in fh:
            recs.append(json.loads(line))
    labels: list[str | None] = []
    dropped: Counter[str] = Counter()
    for r in recs:
        if "error" in r:
            labels.append(None)
            continue
        text = r.get("raw", r["pseudolabel"]) if r.get("dropped") else r["pseudolabel"]
        why = post.drop_reason(str(r["id"]), text)
        r.pop("dropped", None)
        r.pop("raw", None)
        r["pseudolabel"] = text if why is None else ""
        if why is not None and text:
            r["raw"], r["dropped"] = text, why
            dropped[why] += 1
        labels.append(text if why is None else None)
    post.missing_hashes.clear()
    caps = [post.caption_key(str(r["id"]), cap_of.get(str(r["id"]))) for r in recs]
    if post.missing_hashes:
        log(f"{len(post.missing_hashes)} ids have no caption hash (first: {post.missing_hashes[0]}); "
            "their caption text stands in")  # fmt: skip
    if dropped:
        log("post-processing dropped: " + ", ".join(f"{k} x{v}" for k, v in dropped.most_common()))
    weights = caption_weights(labels, caps, exp=post.weight_exp)
    for r, w in zip(recs, weights):
        r["weight"] = round(w, 6)
    atomic_write_text(out, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))
    os.utime(out)


def write_phhi(out: str | Path, csv_path: str | Path) -> int:
    """The kept labels of a finished ``out`` as the paper's ``phhi.csv`` (``id,pseudolabel,weight``:
    only rows with a label, as its post-processing leaves them), written atomically. Returns
    the number of rows."""
    import io

    from hhikit.io.atomic import atomic_write_text

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "pseudolabel", "weight"])
    n = 0
    with Path(out).open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if "error" not in r and r.get("pseudolabel") and r.get("weight", 0) > 0:
                w.writerow([r["id"], r["pseudolabel"], r["weight"]])
                n += 1
    atomic_write_text(Path(csv_path), buf.getvalue())
    return n
