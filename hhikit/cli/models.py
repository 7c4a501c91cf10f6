"""`hhi models`: list, prepare and verify model cards."""

from __future__ import annotations

import argparse
import json
from typing import Any

from hhikit.cli.common import _print_err, fail


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
    pi = msub.add_parser(
        "import", help="convert released captioner weights (the paper's .ckpt, CLIPCap's .pt) to a captioner directory"
    )
    pi.add_argument(
        "src", help="a captioner directory, the paper's Lightning .ckpt (or unpacked cc_ft.tar.gz), a CLIPCap .pt"
    )
    pi.add_argument("--out", required=True, help="captioner directory to write")
    pi.add_argument("--kind", choices=["encdec", "clipcap"], default=None, help="check the checkpoint is of this kind")
    pi.add_argument("--clip", help="CLIP directory (Hugging Face layout): configs, and the image tower for a .pt")
    pi.add_argument("--gpt2", help="GPT-2 directory (Hugging Face layout): config and tokenizer")
    pi.set_defaults(func=run_models_import)


def run_models_list(args: argparse.Namespace) -> int:
    from hhikit import registry
    from hhikit.models.card import list_cards
    from hhikit.models.store import is_available

    rows = []
    for c in list_cards():
        d = c.to_dict()
        d["available"] = is_available(c.name)
        rows.append(d)
    failed = registry.failed_modules()
    for mod, why in sorted(failed.items()):
        _print_err(f"backend module {mod} failed to load: {why}")
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
    print("\nbackends:")
    kinds = sorted({e.kind for e in registry.entries()} - {"model", "setup"})
    for kind in kinds:
        print(f"  {kind}: {', '.join(e.name for e in registry.entries(kind))}")
    return 0


def run_models_setup(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.models.setup import run_setup

    try:
        done = run_setup(args.names or None, force=args.force)
    except HHIError as exc:
        return fail(exc)
    print(f"prepared: {', '.join(done)}" if done else "all packaged models are ready")
    return 0


def run_models_verify(args: argparse.Namespace) -> int:
    from hhikit.models.verify import verify_models

    failures = 0
    for name, ok, msg in verify_models(args.names or None):
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {msg}")
        failures += not ok
    return 1 if failures else 0


def run_models_import(args: argparse.Namespace) -> int:
    from hhikit.describe.checkpoints import import_captioner
    from hhikit.errors import HHIError

    try:
        out = import_captioner(args.src, args.out, args.kind, clip=args.clip, gpt2=args.gpt2)
    except HHIError as exc:
        return fail(exc)
    meta = json.loads((out / "hhi_captioner.json").read_text())
    src = meta.get("source", {})
    print(f"wrote {meta['kind']} captioner {out} (from {src.get('format', '?')} {src.get('path', args.src)})")
    return 0
