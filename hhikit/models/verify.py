"""``hhi models verify``: build every available default model and run it once."""

from __future__ import annotations

import time
from collections.abc import Iterator

from hhikit.errors import ModelUnavailable
from hhikit.models.card import get_factory, get_smoke, list_cards
from hhikit.models.store import resolve


def verify_models(names: list[str] | None = None) -> Iterator[tuple[str, bool, str]]:
    """Yield ``(name, ok, message)`` for each default card (or each named card)."""
    for card in list_cards():
        if names and card.name not in names:
            continue
        if not names and not card.default:
            continue
        t0 = time.perf_counter()
        try:
            resolved = resolve(card, verify=True)
        except ModelUnavailable as exc:
            yield card.name, False, str(exc)
            continue
        factory = get_factory(card.name)
        if factory is None:
            yield card.name, True, f"files present in {resolved.root} (data, nothing to run)"
            continue
        try:
            model = factory(resolved)
            smoke = get_smoke(card.name)
            msg = smoke(model) if smoke else "built"
        except Exception as exc:  # report any failure of a model as a line, go on
            yield card.name, False, f"{type(exc).__name__}: {exc}"
            continue
        yield card.name, True, f"{msg} ({time.perf_counter() - t0:.2f} s)"
