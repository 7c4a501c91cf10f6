"""The ``hhi`` command. Each subcommand is a thin call into the API.

A subcommand is a pair of functions: ``add_<name>(subparsers)`` declares its options and
sets ``func`` to ``run_<name>(args) -> int``. Adding one is one function pair and one line
in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hhikit import __version__

if TYPE_CHECKING:
    from hhikit.pipeline import PipelineConfig


def _print_err(msg: str) -> None:
    print(f"hhi: {msg}", file=sys.stderr)


# Nested command groups (``hhi train ...``, ``hhi eval ...``) shared by several areas: the
# first add_* that needs a group creates it, later ones add their subcommand to it.
_GROUPS: dict[str, Any] = {}


def _group(sub: Any, name: str, help: str) -> Any:
    if name not in _GROUPS or _GROUPS[name][0] is not sub:
        p = sub.add_parser(name, help=help)
        _GROUPS[name] = (sub, p.add_subparsers(dest=f"{name}_cmd", required=True))
    return _GROUPS[name][1]


# ---------------------------------------------------------------- analyze


def _add_pipeline_options(p: Any) -> None:
    """Every option of the image pipeline (``PipelineConfig``), shared by analyze and batch
    so one configuration tried on a few images runs unchanged on a whole corpus."""
    p.add_argument("--detector", default=None, help="person detector backend (see `hhi models list`)")
    p.add_argument(
        "--detector-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="option of the detector backend, e.g. pose33=true (value parsed as JSON when it can be)",
    )
    p.add_argument("--describer", default="default", help="default | encdec:DIR | clipcap:DIR | none")
    p.add_argument("--ocr", action="store_true", help="default describer: use scene text (rapidocr) as a cue")
    p.add_argument("--interactiveness", default=None, help="pair interactiveness model: geometry (default) or tin")
    p.add_argument(
        "--interactiveness-weights", type=Path, default=None, help="weights file of the interactiveness model"
    )
    p.add_argument(
        "--nis-threshold",
        type=float,
        default=None,
        help="suppress pairs below this interactiveness, in [0, 1] (default: the model's, 95%% recall on V-COCO val)",
    )
    p.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE",
        help="module imported before the pipeline is built (in every batch worker): registers extra backends",
    )


def _pipeline_config(args: argparse.Namespace) -> PipelineConfig:
    """The ``PipelineConfig`` of the options added by ``_add_pipeline_options``. Raises
    ``ConfigError`` for a malformed ``--detector-option``; values are checked by
    ``PipelineConfig.check`` (the pipeline and the batch runner call it)."""
    from hhikit.errors import ConfigError
    from hhikit.pipeline import PipelineConfig

    try:
        detector_options = parse_key_values(args.detector_option)
    except ValueError as exc:
        raise ConfigError(f"--detector-option: {exc}") from None
    describer = args.describer
    ocr = args.ocr and (describer or "").startswith("default")  # scene text is a cue of the default describer only
    weights = args.interactiveness_weights
    return PipelineConfig(
        detector=args.detector,
        detector_options=detector_options,
        describer=describer,
        describer_options={"ocr": True} if ocr else {},
        interactiveness=args.interactiveness,
        interactiveness_options={"weights": weights} if weights else {},
        nis_threshold=args.nis_threshold,
    )


def add_analyze(sub: Any) -> None:
    p = sub.add_parser("analyze", help="find people and their interactions in images")
    p.add_argument("paths", nargs="+", help="image files")
    p.add_argument("--json", action="store_true", help="one JSON record per input per line on stdout")
    p.add_argument("--out", type=Path, help="write <stem>.json and an annotated <stem>.png per image here")
    _add_pipeline_options(p)
    p.set_defaults(func=run_analyze)


def _summary(result: Any) -> str:
    if result.error:
        return f"{result.path}: ERROR {result.error['type']}: {result.error['message']}"
    n = len(result.people)
    lines = [f"{result.path}: {result.width}x{result.height}, {n} {'person' if n == 1 else 'people'}"]
    for p in result.people:
        kp = "" if p.keypoints is None else f", {int((p.keypoints[:, 2] >= 0.2).sum())} keypoints"
        face = ", face" if p.face is not None else ""
        box = ", ".join(f"{v:.0f}" for v in p.box)
        lines.append(f"  person #{p.id}: box [{box}] score {p.score:.2f}{kp}{face}")
    for pr in result.pairs:
        state = "suppressed" if pr.suppressed else "interacting"
        lines.append(f"  pair #{pr.a}-#{pr.b}: interactiveness {pr.interactiveness:.2f} ({state})")
        for it in pr.interactions[:3]:
            lines.append(f"    {it.text}  {it.score:.2f}  [{'; '.join(it.cues)}]")
    if result.interactions:
        lines.append("  image: " + " | ".join(f"{i.text} ({i.score:.2f})" for i in result.interactions[:3]))
    t = sum(result.timings.values())
    lines.append(
        f"  time {t * 1000:.0f} ms (" + ", ".join(f"{k} {v * 1000:.0f}" for k, v in result.timings.items()) + ")"
    )
    return "\n".join(lines)


def run_analyze(args: argparse.Namespace) -> int:
    from hhikit.batch.worker import load_plugins
    from hhikit.errors import HHIError
    from hhikit.io.draw import annotate, save_png
    from hhikit.io.images import read_image
    from hhikit.pipeline import Pipeline
    from hhikit.types import dumps

    try:
        load_plugins(args.plugin)
        pipe = Pipeline(_pipeline_config(args))
    except (HHIError, ValueError) as exc:
        _print_err(str(exc))
        return 2
    failed = 0
    for path in args.paths:
        result = pipe.analyze(path)
        failed += result.error is not None
        if args.json:
            print(dumps(result), flush=True)
        else:
            print(_summary(result), flush=True)
        if args.out and result.error is None:
            args.out.mkdir(parents=True, exist_ok=True)
            stem = Path(path).stem
            from hhikit.io.atomic import atomic_write_text

            atomic_write_text(args.out / f"{stem}.json", dumps(result) + "\n")
            save_png(str(args.out / f"{stem}.png"), annotate(read_image(path), result))
            if not args.json:
                print(f"  wrote {args.out / (stem + '.json')} and {args.out / (stem + '.png')}")
    if failed and not args.json:
        _print_err(f"{failed} of {len(args.paths)} inputs failed")
    return 1 if failed else 0


# ---------------------------------------------------------------- models


def add_models(sub: Any) -> None:
    p = sub.add_parser("models", help="list, prepare and verify models")
    msub = p.add_subparsers(dest="models_cmd", required=True)
    pl = msub.add_parser("list", help="table of model cards")
    pl.add_argument("--json", action="store_true")
    pl.set_defaults(func=run_models_list)
    ps = msub.add_parser("setup", help="one-time preparation of packaged models (bundles, conversions)")
    ps.add_argument("names", nargs="*")
    ps.add_argument("--force", action="store_true")
    ps.set_defaults(func=run_models_setup)
    pv = msub.add_parser("verify", help="load every available default model and run it once")
    pv.add_argument("names", nargs="*")
    pv.set_defaults(func=run_models_verify)


def run_models_list(args: argparse.Namespace) -> int:
    from hhikit.models.card import list_cards
    from hhikit.models.store import is_available

    rows = []
    for c in list_cards():
        d = c.to_dict()
        d["available"] = is_available(c.name)
        rows.append(d)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    head = ("name", "task", "source", "licence", "size MB", "default", "available")
    table = [head] + [
        (r["name"], r["task"], f"{r['source_kind']}:{r['source']}"[:48], r["licence"], f"{r['size_mb']:.1f}",
         "yes" if r["default"] else "", "yes" if r["available"] else "no")
        for r in rows
    ]  # fmt: skip
    widths = [max(len(str(row[i])) for row in table) for i in range(len(head))]
    for row in table:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return 0


def run_models_setup(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.models.setup import run_setup

    try:
        done = run_setup(args.names or None, force=args.force)
    except HHIError as exc:
        _print_err(str(exc))
        return 1
    print(f"prepared: {', '.join(done)}" if done else "all packaged models are ready")
    return 0


def run_models_verify(args: argparse.Namespace) -> int:
    from hhikit.models.verify import verify_models

    failures = 0
    for name, ok, msg in verify_models(args.names or None):
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {msg}")
        failures += not ok
    return 1 if failures else 0


# ---------------------------------------------------------------- batch


def add_batch(sub: Any) -> None:
    p = sub.add_parser("batch", help="analyse a folder or manifest into one resumable JSON Lines file")
    p.add_argument(
        "input", help="a folder (walked recursively), a manifest (one path per line, or CSV with a 'path' column)"
    )
    p.add_argument("--out", required=True, type=Path, help="results file (JSON Lines); a rerun skips inputs it holds")
    p.add_argument("--workers", type=int, default=1, help="worker processes / Ray actors (0: in this process)")
    p.add_argument("--engine", choices=("local", "ray"), default="local")
    p.add_argument("--ray-address", default=None, help="an existing Ray cluster (e.g. HEAD:6379 or 'auto')")
    _add_pipeline_options(p)
    p.add_argument("--threads", type=int, default=None, help="intra-op threads per worker (default 1 when workers > 1)")
    p.add_argument("--chunksize", type=int, default=4, help="inputs sent to a local worker at a time")
    p.add_argument(
        "--fsync-every", type=float, default=1.0, help="seconds between fsyncs of the results file (0: every record)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--summary-json", action="store_true", help="print the summary as JSON on stdout")
    p.set_defaults(func=run_batch)


def parse_key_values(items: list[str]) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}`` (values parsed as JSON when they can be);
    ``ValueError`` for an item without ``=`` or key. Used by the CLI and the bench scripts."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def run_batch(args: argparse.Namespace) -> int:
    from hhikit.batch import BatchConfig, WorkerSpec
    from hhikit.batch import run_batch as batch
    from hhikit.errors import HHIError

    try:
        pipeline = _pipeline_config(args)
    except HHIError as exc:
        _print_err(str(exc))
        return 2
    cfg = BatchConfig(
        source=args.input,
        out=str(args.out),
        workers=args.workers,
        engine=args.engine,
        ray_address=args.ray_address,
        chunksize=args.chunksize,
        fsync_every=args.fsync_every,
        threads=args.threads,
        progress=not args.no_progress,
        spec=WorkerSpec(pipeline=pipeline, plugins=list(args.plugin)),
    )
    try:
        summary = batch(cfg)
    except HHIError as exc:
        _print_err(str(exc))
        return 2
    print(summary.text(), file=sys.stderr)
    if args.summary_json:
        print(json.dumps(summary.to_dict()))
    return 1 if summary.failed else 0


# ---------------------------------------------------------------- pseudolabel


def add_pseudolabel(sub: Any) -> None:
    p = sub.add_parser(
        "pseudolabel",
        help="caption -> interaction pseudo-labels (parse baseline or distilled student), with training weights",
    )
    p.add_argument("--captions", type=Path, help="CSV or JSONL with columns id, caption")
    p.add_argument("--out", type=Path, help="output JSONL (appended; a rerun resumes)")
    p.add_argument("--method", choices=("parse", "student"), default="parse")
    p.add_argument("--student", type=Path, default=None, help="student directory (HF layout); default: the store's")
    p.add_argument(
        "--train-student", action="store_true", help="(re)train the default student, then label if --captions"
    )
    p.add_argument("--pairs", type=int, default=200, help="synthetic pairs the teacher writes for training")
    p.add_argument("--epochs", type=float, default=1.0, help="student fine-tuning epochs")
    p.add_argument("--teacher", default="smollm2-135m-instruct", help="teacher model card")
    p.add_argument("--teacher-dir", type=Path, default=None, help="local causal LM directory to use as the teacher")
    p.add_argument(
        "--nli", type=Path, default=None, help="local NLI model directory for the filter (else the fallback)"
    )
    p.add_argument(
        "--seed-interactions",
        action="store_true",
        help="skip teacher step a: caption the seed interactions (weak teacher / slow CPU)",
    )
    p.add_argument("--limit", type=int, default=None, help="only the first N rows")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run_pseudolabel)


def run_pseudolabel(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError

    if not args.train_student and (args.captions is None or args.out is None):
        _print_err("pseudolabel needs --captions FILE and --out OUT.jsonl (or --train-student)")
        return 2
    try:
        if args.train_student or (args.method == "student" and args.student is None):
            from hhikit.pseudolabel.distil import student_available, train_student
            from hhikit.pseudolabel.student import TrainConfig
            from hhikit.pseudolabel.teacher import TeacherConfig

            if args.train_student or not student_available():
                print("training the default student summariser (weak teacher: SmolLM2-135M) ...", file=sys.stderr)
                train_student(
                    n_pairs=args.pairs, teacher_card=args.teacher, teacher_dir=args.teacher_dir, nli_dir=args.nli,
                    train_cfg=TrainConfig(epochs=args.epochs), progress=not args.no_progress,
                    teacher_cfg=TeacherConfig(interactions="seeds" if args.seed_interactions else "generate"),
                    log=lambda m: print(m, file=sys.stderr),
                )  # fmt: skip
        if args.captions is None:
            return 0
        from hhikit.pseudolabel.run import pseudolabel_file

        counts = pseudolabel_file(
            args.captions, args.out, method=args.method, student_dir=args.student,
            progress=not args.no_progress, log=lambda m: print(m, file=sys.stderr), limit=args.limit,
        )  # fmt: skip
    except HHIError as exc:
        _print_err(str(exc))
        return 1
    print(
        f"{args.out}: {counts['rows']} rows, {counts['labelled']} labelled, {counts['empty']} without a valid "
        f"interaction, {counts['errors']} errors, {counts['skipped']} already done",
        file=sys.stderr,
    )
    return 1 if counts["errors"] else 0


# ---------------------------------------------------------------- eval


def add_eval(sub: Any) -> None:
    esub = _group(sub, "eval", "evaluate predictions: Waldo and Wenda, imSitu-HHI, HOI mAP, interactiveness, ...")

    def common(q: Any) -> None:
        q.add_argument("--out", type=Path, help="write report.json, report.md and items.jsonl here")
        q.add_argument(
            "--json", action="store_true", help="print the JSON report (one line) instead of the Markdown table"
        )

    w = esub.add_parser("waldo", help="Waldo and Wenda text metrics at k = 1, 5, 8")
    w.add_argument("--predictions", type=Path, required=True, help="JSONL: image records or {id, predictions}")
    w.add_argument("--labels", type=Path, required=True, help="labels CSV: source,id,label,caption,url")
    w.add_argument("--glove", type=Path, help="GloVe text / word2vec file (default: packaged GloVe 6B 50-d)")
    w.add_argument("--bleurt", type=Path, help="local BLEURT checkpoint directory")
    w.add_argument("--nli", type=Path, help="local NLI model directory (transformers sequence classification)")
    w.add_argument("--no-minilm", action="store_true", help="skip the MiniLM sentence similarity")
    w.add_argument("-k", type=int, nargs="+", default=[1, 5, 8])
    common(w)
    w.set_defaults(func=run_eval_waldo)

    im = esub.add_parser("imsitu", help="imSitu-HHI verb similarity and accuracy")
    im.add_argument("--predictions", type=Path, required=True, help="JSONL: image records or {id, predictions}")
    im.add_argument("--ids", type=Path, required=True, help="imsitu-hhi.txt (one id like admiring_0 per line)")
    im.add_argument("--glove", type=Path, help="GloVe text / word2vec file (default: packaged GloVe 6B 50-d)")
    im.add_argument("-k", type=int, nargs="+", default=[1, 5, 8])
    common(im)
    im.set_defaults(func=run_eval_imsitu)

    h = esub.add_parser("hoi", help="HICO-DET mAP (Default, Known Object) or V-COCO role AP")
    g = h.add_mutually_exclusive_group(required=True)
    g.add_argument("--hicodet", type=Path, help="HICO-DET annotation JSON (instances_test2015.json layout)")
    g.add_argument("--vcoco", type=Path, help="V-COCO annotation JSON (instances_vcoco_test.json layout)")
    h.add_argument("--predictions", type=Path, help="JSONL, one detection per line: image, box_h, box_o, hoi, score")
    h.add_argument("--gt-as-predictions", type=Path, metavar="OUT", help="write the ground truth as predictions")
    h.add_argument("--interactiveness", action="store_true", help="class-agnostic interactiveness AP instead")
    h.add_argument("--iou", choices=["inclusive", "continuous"], default="inclusive", help="IoU pixel convention")
    h.add_argument("--count-empty", action="store_true", help="HICO-DET: detections on 'empty' images are FPs")
    common(h)
    h.set_defaults(func=run_eval_hoi)

    m = esub.add_parser("multilabel", help="per-class, macro and micro P/R/F1 with a threshold sweep")
    m.add_argument("--truth", type=Path, required=True, help="JSONL {id, labels: [...]}")
    m.add_argument("--predictions", type=Path, required=True, help="JSONL {id, scores: {label: s}} or video records")
    m.add_argument("--classes", type=Path, help="class names, one per line (default: all labels seen)")
    m.add_argument("--threshold", type=float, default=0.5)
    common(m)
    m.set_defaults(func=run_eval_multilabel)

    s = esub.add_parser("shots", help="shot-boundary P/R/F1 with a frame tolerance")
    s.add_argument("--truth", type=Path, required=True, help="JSONL {video, boundaries: [frames]} or shots")
    s.add_argument("--predictions", type=Path, required=True, help="same layout, or hhikit video records")
    s.add_argument("--tolerance", type=int, default=2, help="frames (default 2)")
    common(s)
    s.set_defaults(func=run_eval_shots)


def _emit_report(report: Any, args: argparse.Namespace) -> int:
    if args.out:
        paths = report.write(args.out)
        if not args.json:
            print(f"wrote {paths['json']}, {paths['markdown']}, {paths['items']}", file=sys.stderr)
    print(report.to_json(indent=None) if args.json else report.to_markdown())
    return 0


def _eval_guard(fn: Callable[[argparse.Namespace], Any]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from hhikit.errors import HHIError

        try:
            report = fn(args)
        except HHIError as exc:
            _print_err(str(exc))
            return 2
        return 0 if report is None else _emit_report(report, args)

    return run


@_eval_guard
def run_eval_waldo(args: argparse.Namespace) -> Any:
    from hhikit.eval.waldo import evaluate_waldo, load_waldo_labels, load_waldo_predictions

    labels = load_waldo_labels(args.labels)
    preds = load_waldo_predictions(args.predictions)
    return evaluate_waldo(preds, labels, k=args.k, glove=args.glove, bleurt=args.bleurt, nli=args.nli,
                          sentence=not args.no_minilm)  # fmt: skip


@_eval_guard
def run_eval_imsitu(args: argparse.Namespace) -> Any:
    from hhikit.eval.imsitu import evaluate_imsitu, load_imsitu_ids, predicted_verb
    from hhikit.eval.text import WordVectors
    from hhikit.eval.waldo import load_waldo_predictions

    ids = load_imsitu_ids(args.ids)
    preds = load_waldo_predictions(args.predictions)
    keep = {v for p in preds.values() for t in p for v in [predicted_verb(t)] if v} | {i.rsplit("_", 1)[0] for i in ids}
    vectors = WordVectors.from_file(args.glove, keep=keep) if args.glove else None
    return evaluate_imsitu(preds, ids, vectors=vectors, k=args.k)


@_eval_guard
def run_eval_hoi(args: argparse.Namespace) -> Any:
    from hhikit.errors import InputError
    from hhikit.eval import hoi

    gt = hoi.load_hoi_ground_truth(args.hicodet, args.vcoco)
    if args.gt_as_predictions:
        rows = hoi.gt_as_predictions(hoi.interactive_pairs(gt) if args.interactiveness else gt)
        n = hoi.write_hoi_predictions(rows, args.gt_as_predictions)
        print(f"wrote {n} detections to {args.gt_as_predictions}", file=sys.stderr)
        if not args.predictions:
            return None
    if not args.predictions:
        raise InputError("give --predictions FILE (or --gt-as-predictions OUT)")
    det = hoi.read_hoi_predictions(args.predictions)
    if args.interactiveness:
        return hoi.evaluate_interactiveness(gt, det, convention=args.iou, count_empty=args.count_empty)
    if gt.dataset == "vcoco":
        return hoi.evaluate_vcoco(gt, det, convention=args.iou)
    return hoi.evaluate_hicodet(gt, det, convention=args.iou, count_empty=args.count_empty)


@_eval_guard
def run_eval_multilabel(args: argparse.Namespace) -> Any:
    from hhikit.errors import InputError
    from hhikit.eval.multilabel import evaluate_multilabel, load_multilabel

    classes = None
    if args.classes:
        if not args.classes.is_file():
            raise InputError(f"{args.classes}: class list not found")
        classes = [c.strip() for c in args.classes.read_text(encoding="utf-8").splitlines() if c.strip()]
    yt, ys, names, ids, missing = load_multilabel(args.truth, args.predictions, classes)
    report = evaluate_multilabel(yt, ys, names, threshold=args.threshold, ids=ids)
    report.summary["missing_predictions"] = missing
    return report


@_eval_guard
def run_eval_shots(args: argparse.Namespace) -> Any:
    from hhikit.eval.shots import evaluate_shots, load_boundaries

    return evaluate_shots(load_boundaries(args.truth), load_boundaries(args.predictions), tolerance=args.tolerance)


# ---------------------------------------------------------------- app and report


def add_app(sub: Any) -> None:
    p = sub.add_parser("app", help="start the web demo (Streamlit) on this machine")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback only)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--max-upload-mb", type=float, default=25.0, help="upload size limit")
    p.set_defaults(func=run_app)


def run_app(args: argparse.Namespace) -> int:
    from hhikit.app.server import start_app

    if args.host not in ("127.0.0.1", "localhost", "::1"):
        _print_err(f"warning: binding to {args.host}: the demo is reachable from other machines")
    print(f"hhikit demo on http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    proc = start_app(args.host, args.port, args.max_upload_mb)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait()
        return 130


def add_report(sub: Any) -> None:
    p = sub.add_parser("report", help="render results (JSON Lines) as a self-contained HTML page")
    p.add_argument("results", type=Path, help="JSON Lines of hhikit records")
    p.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    p.add_argument("--title", default="hhikit report")
    p.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    from hhikit.io.report import write_report
    from hhikit.types import read_jsonl

    if not args.results.is_file():
        _print_err(f"{args.results}: no such file")
        return 2
    try:
        out = write_report(read_jsonl(args.results), args.out, args.title)
    except (ValueError, KeyError) as exc:
        _print_err(f"{args.results}: not a file of hhikit records ({exc})")
        return 2
    print(f"wrote {out}")
    return 0


# ---------------------------------------------------------------- train (captioner)


def add_train(sub: Any) -> None:
    tsub = _group(sub, "train", "train a model")
    c = tsub.add_parser(
        "captioner", help="train an interaction captioner on a CSV/JSONL manifest (image, text, weight)"
    )
    c.add_argument("--data", required=True, type=Path, help="manifest: CSV with a header or JSON Lines")
    c.add_argument("--out", required=True, type=Path, help="output directory (checkpoints and the final model)")
    c.add_argument("--kind", default="encdec", choices=["encdec", "clipcap"])
    c.add_argument("--init", type=Path, help="a captioner directory to continue from")
    c.add_argument("--clip", type=Path, help="pretrained CLIP directory (Hugging Face layout)")
    c.add_argument("--gpt2", type=Path, help="pretrained GPT-2 directory (Hugging Face layout)")
    c.add_argument("--epochs", type=int, default=1)
    c.add_argument("--max-steps", type=int, default=None)
    c.add_argument("--batch-size", type=int, default=16)
    c.add_argument("--lr", type=float, default=1e-5)
    c.add_argument("--weight-decay", type=float, default=0.1)
    c.add_argument("--save-every", type=int, default=500)
    c.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    c.set_defaults(func=run_train_captioner)


def run_train_captioner(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.train.captioner import train_captioner

    try:
        rep = train_captioner(
            args.data, args.out, init=args.init, kind=args.kind, clip_dir=args.clip, gpt2_dir=args.gpt2,
            epochs=args.epochs, max_steps=args.max_steps, batch_size=args.batch_size, lr=args.lr,
            weight_decay=args.weight_decay, save_every=args.save_every, resume=args.resume,
        )  # fmt: skip
    except HHIError as exc:
        _print_err(str(exc))
        return 2
    for msg in rep.skipped[:10]:
        _print_err(f"skipped: {msg}")
    last = f", last loss {rep.losses[-1]:.4f}" if rep.losses else ""
    print(f"trained {rep.steps} steps over {rep.epochs} epochs{last}; model in {rep.out_dir}")
    return 0


# ---------------------------------------------------------------- train / eval interactiveness


def add_interactiveness(sub: Any) -> None:
    t = _group(sub, "train", "train a model").add_parser(
        "interactiveness",
        help="train the pair interactiveness model (V-COCO human-object pairs; HICO-DET training files)",
    )
    t.add_argument(
        "--vcoco",
        nargs="+",
        default=[],
        type=Path,
        help="V-COCO instance files to learn from (e.g. train and val; the last is held out to choose the NIS threshold)",
    )
    t.add_argument(
        "--hicodet",
        nargs="+",
        default=[],
        type=Path,
        help="HICO-DET training instance files (e.g. instances_train2015.json; never the test split): explicit "
        "no_interaction negatives and human-human pairs; 20%% of their images are held out to choose the IoU prior "
        "weight and the NIS threshold on human-human pairs",
    )
    t.add_argument(
        "--hicodet-objects",
        choices=("all", "person", "non-person"),
        default="all",
        help="which HICO-DET pairs to learn from: all, human-human only, or human-object only (TIN's transfer)",
    )
    t.add_argument("--out", type=Path, default=None, help="weights file (default: the packaged geometry weights)")
    t.add_argument("--model", choices=("geometry", "tin"), default="geometry")
    t.add_argument("--recall", type=float, default=0.95, help="NIS threshold keeps this recall on the held-out file")
    t.add_argument("--seed", type=int, default=0)
    t.set_defaults(func=run_train_interactiveness)
    e = _group(sub, "eval", "evaluate a model on a benchmark").add_parser(
        "interactiveness", help="AP of pair interactiveness vs single-geometry heuristics (ground-truth boxes)"
    )
    e.add_argument("--hicodet", type=Path, help="HICO-DET instances_test2015.json (person-person pairs)")
    e.add_argument("--vcoco", type=Path, help="a V-COCO instances file (human-object pairs), e.g. the test split")
    e.add_argument("--per-item", type=Path, help="write one JSON line per pair here")
    e.add_argument("--model", default=None, help="interactiveness model (default geometry)")
    e.add_argument("--weights", type=Path, default=None, help="weights file of the model")
    e.add_argument("--nis-threshold", type=float, default=None, help="threshold for the NIS figures")
    e.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="N paired image resamples: 95%% intervals of the model's AP, the best heuristic's and their difference",
    )
    e.add_argument("--json", action="store_true", help="print the report as JSON")
    e.set_defaults(func=run_eval_interactiveness)


def run_train_interactiveness(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.train.interactiveness import default_out, report_json, train_interactiveness

    if not args.vcoco and not args.hicodet:
        _print_err("give --vcoco FILE... and/or --hicodet FILE...")
        return 2
    try:
        out = args.out or default_out(args.model)
        report = train_interactiveness(
            args.vcoco,
            out,
            model=args.model,
            target_recall=args.recall,
            seed=args.seed,
            hicodet=args.hicodet,
            hicodet_objects=args.hicodet_objects,
        )
    except HHIError as exc:
        _print_err(str(exc))
        return 1
    print(report_json(report))
    return 0


def run_eval_interactiveness(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.eval.interactiveness import evaluate_interactiveness, format_report
    from hhikit.pairs import get_interactiveness

    if args.hicodet is None and args.vcoco is None:
        _print_err("give --hicodet FILE and/or --vcoco FILE")
        return 2
    try:
        model = get_interactiveness(args.model, **({"weights": args.weights} if args.weights else {}))
        report = evaluate_interactiveness(
            model, args.hicodet, args.vcoco, args.per_item, args.nis_threshold, bootstrap=args.bootstrap
        )
    except HHIError as exc:
        _print_err(str(exc))
        return 1
    print(json.dumps(report, indent=2) if args.json else format_report(report))


# ---------------------------------------------------------------- video


def add_video(sub: Any) -> None:
    p = sub.add_parser("video", help="shots, transcript and interaction labels per clip of videos")
    p.add_argument("paths", nargs="+", help="video files")
    p.add_argument("--json", action="store_true", help="one JSON record per input per line on stdout")
    p.add_argument("--out", type=Path, help="write <stem>.json/.srt/.vtt/.interactions.vtt/.png here")
    p.add_argument("--shots", default="transnetv2", help="shot detector: transnetv2 (default) or adaptive")
    p.add_argument("--no-gate", action="store_true", help="run TransNetV2 on every window (slower)")
    p.add_argument("--clip-shots", type=int, default=3, help="shots per clip (default 3)")
    p.add_argument("--clip-stride", type=int, default=1, help="shots between clip starts (default 1)")
    p.add_argument("--sample-fps", type=float, default=1.0, help="frames per second given to the person detector")
    p.add_argument("--detector", default=None, help="person detector backend (default: the default detector)")
    p.add_argument("--no-visual", action="store_true", help="skip people detection")
    p.add_argument("--no-asr", action="store_true", help="skip speech recognition")
    p.add_argument("--whisper-dir", default=None, help="a local CTranslate2 Whisper folder (default: whisper-tiny.en)")
    p.add_argument("--weights", default=None, help="a fusion classifier checkpoint from `hhi train video`")
    p.add_argument("--threshold", type=float, default=0.6, help="classifier decision threshold")
    p.set_defaults(func=run_video)


def _video_summary(r: Any) -> str:
    if r.error:
        return f"{r.path}: ERROR {r.error['type']}: {r.error['message']}"
    lines = [f"{r.path}: {r.duration:.1f} s at {r.fps:.2f} fps, {len(r.shots)} shots, {len(r.clips)} clips"]
    for w in r.extra.get("warnings", []):
        lines.append(f"  warning: {w}")
    for s in r.transcript:
        lines.append(f"  [{s.start:6.1f}-{s.end:6.1f}] {s.text}")
    for i, c in enumerate(r.clips):
        labs = ", ".join(f"{lab.label} {lab.score:.2f}" for lab in c.labels)
        lines.append(f"  clip {i} [{c.start:.1f}-{c.end:.1f} s, shots {c.shots[0]}-{c.shots[-1]}]: {labs}")
        for lab in c.labels[:2]:
            for cue in lab.cues[:3]:
                lines.append(f"      {lab.label}: {cue}")
    lines.append("  time " + ", ".join(f"{k} {v:.2f}" for k, v in r.timings.items()) + " s")
    return "\n".join(lines)


def run_video(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.types import VideoResult, dumps
    from hhikit.video.pipeline import VideoConfig, VideoPipeline

    cfg = VideoConfig(
        shot_detector=args.shots, shot_options={"gate": False} if args.no_gate and args.shots == "transnetv2" else {},
        clip_shots=args.clip_shots, clip_stride=args.clip_stride, sample_fps=args.sample_fps, detector=args.detector,
        visual=not args.no_visual, asr=not args.no_asr, asr_model_dir=args.whisper_dir, weights=args.weights,
        threshold=args.threshold,
    )  # fmt: skip
    try:
        pipe = VideoPipeline(cfg)
    except HHIError as exc:
        _print_err(str(exc))
        return 2
    failed = 0
    for path in args.paths:
        samples = None
        try:
            full = pipe.analyze_full(path)
            result, samples = full.result, full.samples
        except HHIError as exc:
            from hhikit.errors import error_record

            result = VideoResult(path=str(path), error=error_record(exc))
        except Exception:
            result = pipe.analyze(path)
        failed += result.error is not None
        print(dumps(result) if args.json else _video_summary(result), flush=True)
        if args.out:
            from hhikit.video.writers import write_outputs

            written = write_outputs(result, args.out, samples)
            if not args.json:
                print("  wrote " + ", ".join(str(p) for p in written))
    return 1 if failed else 0


def add_train_video(sub: Any) -> None:
    p = _group(sub, "train", "train models").add_parser(
        "video", help="train the video fusion classifier on a clips manifest"
    )
    p.add_argument("--manifest", required=True, type=Path, help="CSV with columns clip,labels (labels split by ;)")
    p.add_argument("--out", type=Path, default=Path("runs/video"), help="checkpoint folder (last.pt, history.json)")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=3e-5)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--no-resume", action="store_true", help="start over even if out/last.pt exists")
    p.add_argument("--no-visual", action="store_true", help="skip people detection when extracting features")
    p.set_defaults(func=run_train_video)


def run_train_video(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.video.classifier import train_video
    from hhikit.video.pipeline import VideoConfig, VideoPipeline

    try:
        pipe = VideoPipeline(VideoConfig(visual=not args.no_visual))
        res = train_video(args.manifest, args.out, pipe, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                          hidden=args.hidden, resume=not args.no_resume)  # fmt: skip
    except HHIError as exc:
        _print_err(str(exc))
        return 1
    print(
        f"checkpoint {res['checkpoint']}; loss "
        + " -> ".join(f"{v:.4f}" for v in res["history"][:1] + res["history"][-1:])
    )
    return 0


# ---------------------------------------------------------------- main

COMMANDS: list[Callable[[Any], None]] = [
    add_analyze,
    add_models,
    add_batch,
    add_pseudolabel,
    add_eval,
    add_app,
    add_report,
    add_interactiveness,
    add_video,
    add_train_video,
    add_train,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hhi", description="Human-human interactions in images and videos.")
    parser.add_argument("--version", action="version", version=f"hhikit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        _print_err("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
