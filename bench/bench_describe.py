"""Benchmark the default describer on the Waldo and Wenda development images.

Runs perception once (cached under the store, ``$HHIKIT_HOME/bench/``, keyed by a digest of
the perception code), then the describer,
and scores the image-level ranked list with the evaluation suite's Waldo and Wenda metrics
(GloVe 50-d verb similarity and MiniLM sentence similarity) at @1, @5, @8. The baseline is
the best constant answer: the single gold label that scores best on these same images
(chosen with hindsight, separately per metric); for @5/@8 the best constant list (greedy,
also with hindsight) is printed too.

    PYTHONPATH=$PWD python bench/bench_describe.py [--detector fusion] [--ocr] [--risk mbr|map]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hhikit.describe.default import DefaultDescriber  # noqa: E402
from hhikit.eval.text import TextMetrics  # noqa: E402
from hhikit.eval.waldo import evaluate_waldo, load_waldo_labels  # noqa: E402
from hhikit.io.images import read_image  # noqa: E402
from hhikit.models.store import store_dir  # noqa: E402
from hhikit.types import ImageResult, dumps, loads  # noqa: E402

WW = ROOT.parent / "shared" / "data" / "waldo_and_wenda"


def perception_fingerprint() -> str:
    """A digest of the perception code and model set-up, so the cache follows any change."""
    import hashlib

    from hhikit.perception.tfjs_models import SETUP_VERSION

    h = hashlib.sha1(f"setup {SETUP_VERSION}".encode())
    for f in sorted((ROOT / "hhikit" / "perception").glob("*.py")):
        h.update(f.read_bytes())
    return h.hexdigest()[:10]


def perceive(
    images: list[Path], detector: str, refresh: bool, options: dict[str, Any] | None = None
) -> dict[str, ImageResult]:
    """Perception records (people, objects; no pairs, no interactions), cached per detector
    and ``perception_fingerprint``."""
    opts = "".join(f"_{k}-{v}" for k, v in sorted((options or {}).items()))
    cache = store_dir() / "bench" / f"ww_perception_{detector}{opts}_{perception_fingerprint()}.jsonl"
    recs: dict[str, ImageResult] = {}
    if cache.exists() and not refresh:
        for line in cache.read_text().splitlines():
            r = loads(line)
            recs[Path(r.path).stem] = r
    todo = [p for p in images if p.stem not in recs]
    if todo:
        from hhikit.pipeline import Pipeline, PipelineConfig

        pipe = Pipeline(PipelineConfig(detector=detector, detector_options=options or {}, describer="none"))
        cache.parent.mkdir(parents=True, exist_ok=True)
        with open(cache, "a") as fh:
            for i, p in enumerate(todo):
                r = pipe.analyze(p)
                recs[p.stem] = r
                fh.write(dumps(r) + "\n")
                if i % 25 == 0:
                    print(f"  perception {i + 1}/{len(todo)}", file=sys.stderr)
    return recs


def best_constant(labels, ids, metrics: TextMetrics, ks=(1, 5, 8)) -> dict:
    """Best single gold label per metric, and the best greedy constant list at each k."""
    cands = sorted({labels[i].label for i in ids})
    golds = [labels[i].label for i in ids]
    vs = np.array([[metrics.verb_similarity(c, g) for g in golds] for c in cands])
    ss = np.stack([metrics.sentence_similarity([c] * len(golds), golds) for c in cands])
    out = {}
    for name, M in (("verb_sim", vs), ("minilm", ss)):
        j = int(np.argmax(M.mean(1)))
        row = {"label": cands[j], "single": float(M[j].mean())}
        chosen: list[int] = []
        best = np.full(M.shape[1], -np.inf)
        for k in range(1, max(ks) + 1):
            gains = np.maximum(M, best[None, :]).mean(1)
            gains[chosen] = -np.inf
            c = int(np.argmax(gains))
            chosen.append(c)
            best = np.maximum(best, M[c])
            if k in ks:
                row[f"list@{k}"] = float(best.mean())
        out[name] = row
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--detector", default="fusion")
    ap.add_argument(
        "--detector-option", action="append", default=[], metavar="KEY=VALUE", help="e.g. centernet_size=512"
    )
    ap.add_argument("--ocr", action="store_true", help="use scene text (rapidocr) cues")
    ap.add_argument("--risk", default="mbr", choices=["mbr", "map"])
    ap.add_argument("--image-level", default="salient", choices=["salient", "mixture"])
    ap.add_argument("--pairs", default="geometry", help="interactiveness model of hhikit.pairs, or 'fallback'")
    ap.add_argument("--refresh", action="store_true", help="re-run perception instead of using the cache")
    ap.add_argument("--dump", type=Path, help="write per-image predictions (JSONL) here")
    args = ap.parse_args()
    labels = load_waldo_labels(WW / "labels.csv")
    images = sorted((WW / "images").glob("*.jpg"))
    images = [p for p in images if p.stem in labels and labels[p.stem].source == "ww"]
    t0 = time.perf_counter()
    from hhikit.cli import parse_key_values

    try:
        options = parse_key_values(args.detector_option)
    except ValueError as exc:
        raise SystemExit(f"--detector-option: {exc}") from None
    recs = perceive(images, args.detector, args.refresh, options)
    t_perc = time.perf_counter() - t0
    inter = None
    if args.pairs != "fallback":
        from hhikit.pairs import build_pairs, get_interactiveness

        inter = get_interactiveness(args.pairs)
    desc = DefaultDescriber(ocr=args.ocr, risk=args.risk, image_level=args.image_level)
    preds: dict[str, list[str]] = {}
    t0 = time.perf_counter()
    dump = open(args.dump, "w") if args.dump else None  # noqa: SIM115 - closed below
    for p in images:
        r = recs[p.stem]
        r.pairs, r.interactions = [], []
        if inter is not None:
            r.pairs = build_pairs(r.people, inter, None)
        if r.error is None:
            desc.describe(read_image(p), r)
        preds[p.stem] = [i.text for i in r.interactions]
        if dump:
            dump.write(json.dumps({"id": p.stem, "label": labels[p.stem].label, "predictions": preds[p.stem],
                                   "cues": r.interactions[0].cues if r.interactions else []}) + "\n")  # fmt: skip
    t_desc = time.perf_counter() - t0
    if dump:
        dump.close()
    metrics = TextMetrics.load()
    rep = evaluate_waldo(preds, labels, metrics=metrics)
    const = best_constant(labels, list(preds), metrics)
    m = rep.summary["metrics"]
    print(
        f"Waldo and Wenda dev ({len(preds)} ww images), detector {args.detector}, ocr {args.ocr}, risk {args.risk}, image level {args.image_level}, pairs {args.pairs}"
    )
    print(f"{'metric':28s} {'k':>3s} {'describer':>10s} {'const label':>12s} {'const list':>11s}")
    for name, title in (("verb_sim", "verb similarity (GloVe 50d)"), ("minilm", "sentence similarity (MiniLM)")):
        for k in ("1", "5", "8"):
            ours = m[name]["at"][k]["ww"]
            print(f"{title:28s} @{k:>2s} {ours:10.4f} {const[name]['single']:12.4f} {const[name]['list@' + k]:11.4f}")
        print(f"  best constant label ({name}): {const[name]['label']}")
    top1 = [p[0] for p in preds.values() if p]
    print(f"distinct top-1 answers: {len(set(top1))}; most common: "
          f"{max(set(top1), key=top1.count) if top1 else '-'} ({max(map(top1.count, set(top1))) if top1 else 0})")  # fmt: skip
    print(f"time: perception {t_perc:.1f} s (cached when ~0), describe {t_desc:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
