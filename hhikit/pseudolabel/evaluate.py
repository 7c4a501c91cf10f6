"""Compare pseudo-labelling methods against gold interactions (Waldo and Wenda, evaluation only).

For each method's output (``hhi pseudolabel`` JSONL) and each gold row: *coverage* (a valid
``_ <verb>ing ... _`` came out), *exact verb* (same second word), *verb similarity* (GloVe
cosine of the second words, ``hhikit.eval.text``) and *sentence similarity* (MiniLM cosine,
``_`` -> person). Rows without a valid pseudo-label score 0 on every metric ("all rows");
the "covered" figures average over labelled rows only.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import InputError
from hhikit.pseudolabel.format import is_valid_interaction


def load_gold(path: str | Path) -> list[dict[str, str]]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: gold labels file not found")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or not {"id", "label", "caption"} <= set(rows[0]):
        raise InputError(f"{path}: needs the columns id, label, caption")
    return rows


def load_outputs(path: str | Path) -> dict[str, str]:
    out: dict[str, str] = {}
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            out[str(rec["id"])] = rec.get("pseudolabel") or ""
    return out


def _key(row: Mapping[str, str]) -> str:
    return f"{row.get('source', '')}:{row['id']}" if "source" in row else row["id"]


def score_method(gold: list[dict[str, str]], preds: Mapping[str, str], metrics: Any) -> dict[str, dict[str, float]]:
    """Per source and overall: n, coverage, exact verb, verb sim and MiniLM sim (all rows and covered)."""
    from hhikit.eval.text import verb_of

    texts = [preds.get(_key(r), preds.get(r["id"], "")) for r in gold]
    valid = np.array([is_valid_interaction(t) for t in texts])
    labels = [r["label"] for r in gold]
    exact = np.array([v and verb_of(t) == verb_of(g) for t, g, v in zip(texts, labels, valid)], float)
    idx = np.flatnonzero(valid)
    verb = np.zeros(len(gold))
    sent = np.zeros(len(gold))
    if len(idx):
        sc = metrics.score_pairs([texts[i] for i in idx], [labels[i] for i in idx])
        verb[idx] = sc.get("verb_sim", np.full(len(idx), np.nan))
        sent[idx] = sc.get("minilm", np.full(len(idx), np.nan))
    out: dict[str, dict[str, float]] = {}
    groups: dict[str, np.ndarray] = {"all": np.ones(len(gold), bool)}
    for s in sorted({r.get("source", "") for r in gold} - {""}):
        groups[s] = np.array([r.get("source") == s for r in gold])
    for name, m in groups.items():
        cov = m & valid
        out[name] = {
            "n": int(m.sum()),
            "coverage": float(valid[m].mean()),
            "exact_verb": float(exact[m].mean()),
            "verb_sim": float(verb[m].mean()),
            "minilm": float(sent[m].mean()),
            "exact_verb_covered": float(exact[cov].mean()) if cov.any() else float("nan"),
            "verb_sim_covered": float(verb[cov].mean()) if cov.any() else float("nan"),
            "minilm_covered": float(sent[cov].mean()) if cov.any() else float("nan"),
        }
    return out


def markdown_table(results: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    """One row per (method, source)."""
    head = ("method", "source", "n", "coverage", "exact verb", "verb sim", "MiniLM sim",
            "exact verb (covered)", "verb sim (covered)", "MiniLM (covered)")  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for method, per in results.items():
        for src, r in per.items():
            vals = [method, src, str(r["n"])] + [
                f"{r[k]:.3f}" for k in ("coverage", "exact_verb", "verb_sim", "minilm",
                                        "exact_verb_covered", "verb_sim_covered", "minilm_covered")
            ]  # fmt: skip
            lines.append("| " + " | ".join(vals) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m hhikit.pseudolabel.evaluate --gold labels.csv parse=OUT1.jsonl student=OUT2.jsonl``"""
    import argparse

    from hhikit.eval.text import TextMetrics

    ap = argparse.ArgumentParser(prog="python -m hhikit.pseudolabel.evaluate", description=main.__doc__)
    ap.add_argument("--gold", required=True, type=Path)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("outputs", nargs="+", help="NAME=OUT.jsonl")
    args = ap.parse_args(argv)
    gold = load_gold(args.gold)
    metrics = TextMetrics.load()
    results = {}
    for spec in args.outputs:
        name, _, path = spec.partition("=")
        results[name] = score_method(gold, load_outputs(path or name), metrics)
    print(markdown_table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
