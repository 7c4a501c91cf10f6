"""The one registry of hhikit: every backend, model card and set-up step is an entry.

An entry has a kind (``detector``, ``interactiveness``, ``describer``, ``shot_detector``,
``asr``, ``model``, ``setup``), a name, a factory, an optional model card, a smoke test
and a preparation step, all declared by one decorator where the backend is defined::

    @register("detector", "hog")
    def hog(**options): ...

The modules of ``BACKEND_MODULES`` are imported on first use (cheap: no weights are
touched). A module that fails to import is recorded with the reason and shown next to the
available names (``hhi models list`` lists them), so a typo or an import circle never hides
as "unknown detector". Registering a second, different factory under a taken name is an
error. Options are checked against the factory's signature before it is called, so a
``TypeError`` raised inside a factory stays what it is.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from hhikit.errors import ConfigError, ModelUnavailable

Factory = Callable[..., Any]

# The one list of modules that declare entries (backends, cards, set-up steps). A new
# built-in backend adds its module here; a plugin is imported with ``--plugin MODULE``.
BACKEND_MODULES: list[str] = [
    "hhikit.models.cards",
    "hhikit.perception.mediapipe.cards",
    "hhikit.perception.mediapipe.prepare",
    "hhikit.perception.mediapipe.pose",
    "hhikit.perception.mediapipe.faces",
    "hhikit.perception.mediapipe.hands",
    "hhikit.perception.tfjs.runtime",
    "hhikit.perception.tfjs.prepare",
    "hhikit.perception.tfjs.movenet",
    "hhikit.perception.tfjs.centernet",
    "hhikit.perception.fusion",
    "hhikit.pairs.interactiveness",
    "hhikit.pairs.tin",
    "hhikit.describe.default",
    "hhikit.describe.captioner_backend",
    "hhikit.describe.clip",
    "hhikit.video.shots",
    "hhikit.video.asr",
    "hhikit.video.models",
    "hhikit.video.features",
    "hhikit.pseudolabel.cards",
    "hhikit.pseudolabel.prepare",
    "hhikit.eval.cards",
    "hhikit.hoi.models",
    "hhikit.io.export",
]


@dataclass
class Entry:
    """One registered thing. ``card`` is a ``ModelCard`` for models; ``smoke(model) -> str``
    runs a built model once (``hhi models verify``); ``prepare`` names the set-up step
    (an entry of kind ``setup``) that makes its files."""

    kind: str
    name: str
    factory: Factory | None = None
    card: Any = None
    smoke: Callable[[Any], str] | None = None
    prepare: str | None = None
    module: str = ""
    options_of: Factory | None = None  # what a ``**options`` factory passes them to (for checking)


_ENTRIES: dict[tuple[str, str], Entry] = {}
_FAILED: dict[str, str] = {}  # module -> "ExcType: message" of its import failure
_TRIED: set[str] = set()


def _origin(fn: Any) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def add(entry: Entry) -> Entry:
    """Add ``entry``; a different factory or card under a taken ``(kind, name)`` is a
    ``ConfigError``. Re-adding the same factory (a module imported twice) is allowed, and a
    factory may be attached to an entry that so far had only a card."""
    key = (entry.kind, entry.name)
    old = _ENTRIES.get(key)
    if old is not None:
        same_factory = old.factory is None or entry.factory is None or _origin(old.factory) == _origin(entry.factory)
        same_card = old.card is None or entry.card is None or old.card == entry.card
        if not (same_factory and same_card):
            raise ConfigError(
                f"{entry.kind} {entry.name!r} is already registered by {old.module or _origin(old.factory)}; "
                "pick another name"
            )
        entry = Entry(
            entry.kind,
            entry.name,
            entry.factory or old.factory,
            entry.card if entry.card is not None else old.card,
            entry.smoke or old.smoke,
            entry.prepare or old.prepare,
            entry.module or old.module,
            entry.options_of or old.options_of,
        )
    _ENTRIES[key] = entry
    return entry


def register(
    kind: str,
    name: str,
    *,
    card: Any = None,
    smoke: Callable[[Any], str] | None = None,
    prepare: str | None = None,
    options_of: Factory | None = None,
) -> Callable[[Factory], Factory]:
    """Decorator declaring ``fn`` as the factory of ``(kind, name)``. A factory taking
    ``**options`` names with ``options_of`` the callable they go to, so they are checked."""

    def deco(fn: Factory) -> Factory:
        add(Entry(kind, name, fn, card, smoke, prepare, getattr(fn, "__module__", ""), options_of))
        return fn

    return deco


def discover() -> None:
    """Import every module of ``BACKEND_MODULES`` once, recording the ones that fail."""
    for mod in list(BACKEND_MODULES):
        if mod in _TRIED:
            continue
        _TRIED.add(mod)
        try:
            importlib.import_module(mod)
        except Exception as exc:  # any failure is recorded and shown, never swallowed
            _FAILED[mod] = f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def failed_modules() -> dict[str, str]:
    """Backend modules that could not be imported, with the reason."""
    discover()
    return dict(_FAILED)


def entries(kind: str | None = None) -> Iterator[Entry]:
    discover()
    for key in sorted(_ENTRIES):
        if kind is None or key[0] == kind:
            yield _ENTRIES[key]


def lookup(kind: str, name: str, what: str | None = None) -> Entry:
    """The entry ``(kind, name)``; ``ConfigError`` naming the available ones and the
    modules that failed to load."""
    discover()
    entry = _ENTRIES.get((kind, name))
    if entry is None:
        raise ConfigError(unknown_message(kind, name, what))
    return entry


def unknown_message(kind: str, name: str, what: str | None = None) -> str:
    names = sorted(n for k, n in _ENTRIES if k == kind)
    msg = f"unknown {what or kind} {name!r}; available: {', '.join(names) or 'none'}"
    if _FAILED:
        msg += "; failed to load: " + "; ".join(f"{m} ({why})" for m, why in sorted(_FAILED.items()))
    return msg


def _accepted(sig: inspect.Signature, skip: int = 0) -> str:
    names = [p.name for p in sig.parameters.values() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return ", ".join(names[skip:]) or "none"


def check_options(
    fn: Factory, args: tuple[Any, ...], options: dict[str, Any], label: str, options_of: Factory | None = None
) -> None:
    """``ConfigError`` when ``fn`` does not accept ``args`` and ``options`` by its signature
    (options swallowed by ``**kwargs`` are checked against ``options_of`` when given)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin without a signature: nothing to check
        return
    try:
        bound = sig.bind(*args, **options)
    except TypeError as exc:
        raise ConfigError(f"{label}: bad options {options}: {exc}; accepted: {_accepted(sig, len(args))}") from None
    var = [p.name for p in sig.parameters.values() if p.kind is p.VAR_KEYWORD]
    if options_of is None or not var:
        return
    rest = bound.arguments.get(var[0], {})
    inner = inspect.signature(options_of)
    try:
        inner.bind_partial(**rest)
    except TypeError as exc:
        raise ConfigError(f"{label}: bad options {rest}: {exc}; accepted: {_accepted(inner)}") from None


def load_plugins(modules: list[str]) -> None:
    """Import plugins (they register backends): a module name, or a ``.py`` file path;
    ``ConfigError`` naming one that fails."""
    for mod in modules:
        try:
            if mod.endswith(".py"):
                _load_file(mod)
            else:
                importlib.import_module(mod)
        except Exception as exc:
            raise ConfigError(f"plugin {mod!r} cannot be imported: {type(exc).__name__}: {exc}") from None


def _load_file(path: str) -> None:
    import importlib.util
    import sys
    from pathlib import Path

    file = Path(path).expanduser().resolve()
    if not file.is_file():
        raise FileNotFoundError(f"no such file {file}")
    name = f"hhikit_plugin_{file.stem}"  # loaded again each time: re-registering the same factory is allowed
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise


class Registry:
    """A view of the entries of one kind, with ``register``/``names``/``build``."""

    def __init__(self, kind: str, what: str | None = None) -> None:
        self.kind = kind
        self.what = what or kind

    def register(self, name: str, **extra: Any) -> Callable[[Factory], Factory]:
        return register(self.kind, name, **extra)

    def names(self) -> list[str]:
        return [e.name for e in entries(self.kind)]

    def build(self, name: str, *args: Any, **options: Any) -> Any:
        """Build the backend ``name``; unknown names and options its factory does not take
        are a ``ConfigError``; whatever the factory raises passes through."""
        entry = lookup(self.kind, name, self.what)
        if entry.factory is None:
            raise ModelUnavailable(f"{self.what} {name!r} has no factory")
        check_options(entry.factory, args, options, f"{self.what} {name!r}", entry.options_of)
        return entry.factory(*args, **options)
