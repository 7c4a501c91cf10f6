"""The Waldo and Wenda benchmark (Alper & Averbuch-Elor, ICCV 2023).

Each item has a gold interaction (``_ shaking hands with _``), its source (``ww`` Who's Waldo,
``cc`` Conceptual Captions, ``coco`` COCO) and the original caption. A system gives a ranked
list of interaction texts per item. At each k (1, 5, 8) every metric is aggregated over the
first k predictions of an item (max; min for contradiction), averaged per source, and the
overall figure is the mean of the source means over the sources that have predictions.

Items without predictions are *not scored*: they are counted (``missing`` per source, and
``coverage``) and left out of the means, so a partial run (e.g. the 150-image ``ww``
development split) gives figures for what it covers and says how much that is. A metric whose
model is missing is reported as unavailable (``null`` with the reason), never as 0.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import InputError
from hhikit.eval.jsonl import iter_json_objects
from hhikit.eval.report import EvalReport, Table
from hhikit.eval.text import TextMetrics, VerbMode, paper_verb, verb_of

METRICS = ("verb_sim", "bleurt", "nli_entail", "nli_contra", "minilm")
METRIC_TITLES = {
    "verb_sim": "verb similarity (GloVe)",
    "bleurt": "BLEURT",
    "nli_entail": "NLI entailment",
    "nli_contra": "NLI contradiction (lower is better)",
    "minilm": "sentence similarity (MiniLM)",
}
SOURCES = ("ww", "cc", "coco")


@dataclass(frozen=True)
class WaldoLabel:
    source: str
    id: str
    label: str
    caption: str
    url: str = ""


def load_waldo_labels(path: str | Path) -> dict[str, WaldoLabel]:
    """Read the labels CSV (``source,id,label,caption,url``); ids stay strings (leading zeros)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: labels file not found")
    out: dict[str, WaldoLabel] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        need = {"source", "id", "label", "caption"}
        if reader.fieldnames is None or not need <= set(reader.fieldnames):
            raise InputError(f"{path}: expected columns source,id,label,caption,url; got {reader.fieldnames}")
        for n, row in enumerate(reader, 2):
            iid = (row["id"] or "").strip()
            if not iid or not (row["label"] or "").strip():
                raise InputError(f"{path}: line {n} has no id or label")
            if iid in out:
                raise InputError(f"{path}: id {iid!r} appears twice (line {n})")
            out[iid] = WaldoLabel(
                row["source"].strip(), iid, row["label"].strip(), row["caption"] or "", row.get("url") or ""
            )
    if not out:
        raise InputError(f"{path}: no labels")
    return out


def _texts_of_record(d: dict[str, Any]) -> list[str]:
    """Ranked interaction texts of an hhikit image record: the image-level list, or the pairs'
    interactions by descending score when the image-level list is empty."""
    its = d.get("interactions") or []
    if not its:
        its = sorted(
            (i for p in d.get("pairs", []) if not p.get("suppressed") for i in p.get("interactions", [])),
            key=lambda i: -float(i.get("score", 0.0)),
        )
    return [str(i["text"]) if isinstance(i, dict) else str(i) for i in its]


def load_waldo_predictions(path: str | Path) -> dict[str, list[str]]:
    """Predictions from JSON Lines: hhikit image records (the item id is the file stem of
    ``path``; ranked ``interactions``) or ``{"id": str, "predictions": [str, ...]}`` lines.
    Blank lines are skipped; a malformed line raises ``InputError`` naming the line."""
    out: dict[str, list[str]] = {}
    for n, d in iter_json_objects(path, "predictions file"):
        if "predictions" in d and "id" in d:
            preds = d["predictions"]
            if not isinstance(preds, list):
                raise InputError(f"{path}: line {n}: 'predictions' must be a list of strings")
            out[str(d["id"])] = [str(p) for p in preds]
        elif "path" in d:
            out[Path(str(d["path"])).stem] = [] if d.get("error") else _texts_of_record(d)
        else:
            raise InputError(f"{path}: line {n} has neither 'id'+'predictions' nor an image record 'path'")
    return out


def _match_ids(
    predictions: Mapping[str, Sequence[str]], labels: Mapping[str, WaldoLabel]
) -> tuple[dict[str, list[str]], list[str]]:
    """Map prediction ids to label ids: exact string first, then numeric value (``2716`` ->
    ``002716``) for ids that lost their leading zeros. Returns (matched, unknown ids)."""
    by_num = {}
    for lid in labels:
        if lid.isdigit():
            by_num.setdefault(int(lid), lid)
    matched: dict[str, list[str]] = {}
    unknown: list[str] = []
    for pid, preds in predictions.items():
        pid = str(pid)
        lid = pid if pid in labels else (by_num.get(int(pid)) if pid.isdigit() else None)
        if lid is None:
            unknown.append(pid)
        else:
            matched[lid] = [str(p) for p in preds]
    return matched, unknown


def evaluate_waldo(
    predictions: Mapping[str, Sequence[str]],
    labels: Mapping[str, WaldoLabel] | str | Path,
    k: Sequence[int] = (1, 5, 8),
    metrics: TextMetrics | None = None,
    verb: VerbMode = "paper",
    **load: Any,
) -> EvalReport:
    """Score ranked interaction texts against Waldo and Wenda labels.

    ``predictions``: item id -> ranked texts. ``labels``: as from :func:`load_waldo_labels`, or
    its path. ``metrics``: a loaded :class:`TextMetrics` (built with ``TextMetrics.load(**load)``
    when None, e.g. ``glove=..., bleurt=..., nli=...``). ``verb``: ``"paper"`` (the second word
    as it is, case-sensitive GloVe look-up) or ``"lenient"`` (lower-cased, punctuation
    stripped). Returns an :class:`EvalReport` whose
    summary holds ``metrics[name]["at"][str(k)][source | "overall"]``.
    """
    if isinstance(labels, str | Path):
        labels = load_waldo_labels(labels)
    ks = sorted({int(x) for x in k})
    if not ks or ks[0] < 1:
        raise InputError(f"k must be positive integers, got {list(k)}")
    kmax = ks[-1]
    matched, unknown = _match_ids(predictions, labels)
    scored = [lid for lid, p in matched.items() if p]
    if metrics is None:
        texts = [t for lid in scored for t in [*matched[lid][:kmax], labels[lid].label]]
        verbs = {v for t in texts for v in (verb_of(t), paper_verb(t)) if v}
        metrics = TextMetrics.load(glove_keep=verbs if load.get("glove") else None, **load)

    # flat (item, rank) table of every prediction that is scored
    flat_item: list[int] = []
    flat_pred: list[str] = []
    for i, lid in enumerate(scored):
        for p in matched[lid][:kmax]:
            flat_item.append(i)
            flat_pred.append(p)
    flat_label = [labels[scored[i]].label for i in flat_item]
    flat_caption = [labels[scored[i]].caption for i in flat_item]

    unavailable = dict(metrics.unavailable)
    per_pred = metrics.score_pairs(flat_pred, flat_label, flat_caption, verb=verb)

    flat_item_arr = np.asarray(flat_item, dtype=int)
    rank = np.zeros(len(flat_item), dtype=int)
    for j in range(1, len(flat_item)):
        rank[j] = rank[j - 1] + 1 if flat_item[j] == flat_item[j - 1] else 0

    # per item, per metric, per k
    item_scores: dict[str, dict[int, np.ndarray]] = {}
    for name, vals in per_pred.items():
        item_scores[name] = {}
        for kk in ks:
            sel = rank < kk
            agg = np.full(len(scored), np.nan)
            if name == "nli_contra":
                agg_init = np.full(len(scored), np.inf)
                np.minimum.at(agg_init, flat_item_arr[sel], vals[sel])
            else:
                agg_init = np.full(len(scored), -np.inf)
                np.maximum.at(agg_init, flat_item_arr[sel], vals[sel])
            ok = np.isfinite(agg_init)
            agg[ok] = agg_init[ok]
            item_scores[name][kk] = agg

    sources_present = sorted({labels[lid].source for lid in scored}, key=_source_order)
    src_of = np.array([labels[lid].source for lid in scored])
    summary_metrics: dict[str, Any] = {}
    for name in METRICS:
        if name not in per_pred:
            summary_metrics[name] = {"available": False, "reason": unavailable.get(name, "not computed"), "at": None}
            continue
        at: dict[str, dict[str, float | None]] = {}
        for kk in ks:
            row: dict[str, float | None] = {}
            for s in sources_present:
                row[s] = float(np.nanmean(item_scores[name][kk][src_of == s]))
            row["overall"] = float(np.mean([row[s] for s in sources_present])) if sources_present else None
            at[str(kk)] = row
        summary_metrics[name] = {"available": True, "model": _model_name(metrics, name), "at": at}

    n_labels = {s: 0 for s in sorted({lab.source for lab in labels.values()}, key=_source_order)}
    for lab in labels.values():
        n_labels[lab.source] += 1
    n_scored = {s: int((src_of == s).sum()) for s in n_labels}
    missing = {s: n_labels[s] - n_scored[s] for s in sources_present}
    summary = {
        "k": ks,
        "sources": sources_present,
        "n_labels": n_labels,
        "n_scored": n_scored,
        "missing": missing,
        "coverage": {s: n_scored[s] / n_labels[s] for s in sources_present},
        "empty_predictions": sum(1 for p in matched.values() if not p),
        "unknown_ids": len(unknown),
        "unknown_id_examples": unknown[:5],
        "missing_policy": "items without predictions are counted in 'missing' and left out of the means",
        "definitions": {
            "verb_sim": "paper: text.split()[1] as it is, case-sensitive look-up, 0 when absent"
            if verb == "paper"
            else "lenient: second word lower-cased, punctuation stripped",
            "bleurt": "reference = label, candidate = prediction, '_' -> 'person' in both (str.replace)",
            "nli": "premise = gold caption as it is, hypothesis = prediction with '_'",
            "minilm": "hhikit's addition: '_' -> 'person' in both",
        },
        "metrics": summary_metrics,
    }

    items: list[dict[str, Any]] = []
    for i, lid in enumerate(scored):
        lab = labels[lid]
        sel = flat_item_arr == i
        rec: dict[str, Any] = {
            "id": lid, "source": lab.source, "label": lab.label, "caption": lab.caption,
            "predictions": matched[lid][:kmax],
            "per_prediction": {n: [float(v) for v in per_pred[n][sel]] for n in per_pred},
            "at": {str(kk): {n: float(item_scores[n][kk][i]) for n in per_pred} for kk in ks},
        }  # fmt: skip
        items.append(rec)
    for lid in labels:
        if lid not in scored and labels[lid].source in sources_present:
            lab = labels[lid]
            items.append({"id": lid, "source": lab.source, "label": lab.label, "missing": True})

    return EvalReport("waldo", summary, items, _waldo_tables(summary))


def _source_order(s: str) -> tuple[int, str]:
    return (SOURCES.index(s) if s in SOURCES else len(SOURCES), s)


def _model_name(metrics: TextMetrics, name: str) -> str:
    if name == "verb_sim" and metrics.vectors is not None:
        return metrics.vectors.name
    if name == "minilm" and metrics.sentence is not None:
        return metrics.sentence.name
    if name == "bleurt" and metrics.bleurt is not None:
        return metrics.bleurt.name
    if name.startswith("nli") and metrics.nli is not None:
        return metrics.nli.name
    return ""


def _waldo_tables(summary: dict[str, Any]) -> list[Table]:
    srcs = summary["sources"]
    rows = []
    for name in METRICS:
        m = summary["metrics"][name]
        if not m["available"]:
            rows.append([METRIC_TITLES[name], "-", *(None for _ in srcs), None])
            continue
        for kk, row in m["at"].items():
            rows.append([METRIC_TITLES[name], f"@{kk}", *(row[s] for s in srcs), row["overall"]])
    t1 = Table("Metrics (mean per source; overall = mean of source means)", ["metric", "k", *srcs, "overall"], rows)
    cov = [[s, summary["n_labels"][s], summary["n_scored"][s], summary["missing"][s]] for s in srcs]
    t2 = Table("Coverage", ["source", "labels", "scored", "missing"], cov)
    un = [[n, summary["metrics"][n]["reason"]] for n in METRICS if not summary["metrics"][n]["available"]]
    tables = [t1, t2]
    if un:
        tables.append(Table("Unavailable metrics", ["metric", "reason"], un))
    return tables


def predictions_from_pairs(pairs: Iterable[tuple[str, Sequence[str]]]) -> dict[str, list[str]]:
    """Convenience: build the predictions mapping from ``(id, texts)`` pairs."""
    return {str(i): list(t) for i, t in pairs}
