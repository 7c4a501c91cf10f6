"""Options defined once: a config dataclass is the single source of its CLI options, of
the web app's settings and of what reaches batch and Ray workers.

A field declares its help, choices and bounds with ``opt(...)``; ``add_options`` adds one
argparse option per field (``bool`` -> ``--x/--no-x``, ``dict`` -> ``--x-option KEY=VALUE``,
``list`` -> a repeatable option) and ``from_args`` builds the dataclass back from the
parsed arguments; ``check_fields`` checks choices and bounds; ``from_mapping`` builds it
from a plain dict (a worker's options) and refuses unknown keys.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from hhikit.errors import ConfigError

T = TypeVar("T")


def opt(
    default: Any = dataclasses.MISSING,
    *,
    help: str = "",
    choices: Iterable[Any] | None = None,
    bounds: tuple[float | None, float | None] | None = None,
    flag: str | None = None,
    metavar: str | None = None,
    cli: bool = True,
    default_factory: Any = dataclasses.MISSING,
) -> Any:
    """A dataclass field with what the CLI, the web app and the checks need to know."""
    meta = {"help": help, "choices": tuple(choices) if choices is not None else None, "bounds": bounds,
            "flag": flag, "metavar": metavar, "cli": cli}  # fmt: skip
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=meta)
    if isinstance(default, dict | list):
        value = default
        return dataclasses.field(default_factory=lambda: type(value)(value), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def parse_key_values(items: Iterable[str]) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}`` (values parsed as JSON when they can be);
    ``ValueError`` for an item without ``=`` or key."""
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


def _base(tp: Any) -> tuple[Any, bool]:
    """The type of a field without ``| None``, and whether ``None`` is allowed."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return (args[0] if len(args) == 1 else str), len(args) < len(typing.get_args(tp))
    return tp, False


def _fields(cls: type) -> list[tuple[dataclasses.Field, Any]]:
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in dataclasses.fields(cls)]


def flag_of(f: dataclasses.Field, prefix: str = "") -> str:
    """The CLI flag of a field: its ``flag`` metadata or ``--name-with-dashes``; a ``dict``
    field ``x_options`` is ``--x-option`` (repeatable KEY=VALUE)."""
    name = f.metadata.get("flag")
    if not name:
        stem = f.name[: -len("_options")] + "_option" if f.name.endswith("_options") else f.name
        name = "--" + stem.replace("_", "-")
    return "--" + prefix + name[2:]


def add_options(
    parser: Any, cls: type, *, prefix: str = "", exclude: Iterable[str] = (), group: str | None = None
) -> None:
    """Add one option per field of ``cls`` (defaults suppressed: an option not given keeps
    the dataclass default). ``prefix`` (e.g. ``video-``) keeps two configs apart on one parser."""
    target = parser.add_argument_group(group) if group else parser
    skip = set(exclude)
    for f, tp in _fields(cls):
        if f.name in skip or not f.metadata.get("cli", True):
            continue
        base, _ = _base(tp)
        origin = typing.get_origin(base) or base
        meta = f.metadata
        kw: dict[str, Any] = {"dest": f"{prefix.replace('-', '_')}{f.name}", "default": argparse.SUPPRESS}
        help_ = meta.get("help", "")
        default = f.default if f.default is not dataclasses.MISSING else None
        if origin is bool:
            kw["action"] = argparse.BooleanOptionalAction
        elif origin is dict:
            kw.update(action="append", metavar=meta.get("metavar") or "KEY=VALUE")
        elif origin is list:
            kw.update(action="append", metavar=meta.get("metavar") or f.name.upper().rstrip("S"))
        else:
            kw["type"] = base if base in (int, float) else str
            if meta.get("choices"):
                kw["choices"] = meta["choices"]
            kw["metavar"] = meta.get("metavar") or flag_of(f)[2:].upper().replace("-", "_")
            if default is not None and "default" not in help_:
                help_ = f"{help_} (default {default})" if help_ else f"default {default}"
        kw["help"] = help_.replace("%", "%%")
        target.add_argument(flag_of(f, prefix), **kw)


def given(args: argparse.Namespace, cls: type, *, prefix: str = "") -> dict[str, Any]:
    """The fields of ``cls`` set on the command line (``dict`` options parsed)."""
    out: dict[str, Any] = {}
    ns = vars(args)
    for f, tp in _fields(cls):
        dest = f"{prefix.replace('-', '_')}{f.name}"
        if dest not in ns:
            continue
        value = ns[dest]
        base, _ = _base(tp)
        if (typing.get_origin(base) or base) is dict:
            try:
                value = parse_key_values(value)
            except ValueError as exc:
                raise ConfigError(f"{flag_of(f, prefix)}: {exc}") from None
        out[f.name] = value
    return out


def from_args(cls: type[T], args: argparse.Namespace, *, prefix: str = "", check: bool = True, **fixed: Any) -> T:
    """The dataclass of the options added by ``add_options`` (``fixed`` overrides them)."""
    values = given(args, cls, prefix=prefix)
    values.update(fixed)
    obj = cls(**values)
    if check:
        check_fields(obj)
    return obj


def from_mapping(cls: type[T], values: Mapping[str, Any], what: str | None = None) -> T:
    """``cls(**values)`` with a ``ConfigError`` naming unknown keys (never a guess)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(
            f"{what or cls.__name__}: unknown options {', '.join(unknown)}; known: {', '.join(sorted(names))}"
        )
    obj = cls(**values)
    check_fields(obj)
    return obj


def non_default(obj: Any) -> dict[str, Any]:
    """The fields of a dataclass instance that differ from their defaults."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else dataclasses.MISSING
        )  # fmt: skip
        value = getattr(obj, f.name)
        if value != default:
            out[f.name] = value
    return out


def check_fields(obj: Any) -> None:
    """``ConfigError`` for a value outside its field's choices or bounds."""
    for f, tp in _fields(type(obj)):
        value = getattr(obj, f.name)
        if value is None:
            continue
        base, _ = _base(tp)
        choices = f.metadata.get("choices")
        if choices and value not in choices:
            raise ConfigError(f"{f.name} must be one of {', '.join(map(str, choices))}, got {value!r}")
        bounds = f.metadata.get("bounds")
        if bounds and base in (int, float):
            ok = isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)
            lo, hi = bounds
            if not ok or (lo is not None and value < lo) or (hi is not None and value > hi):
                rng = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
                raise ConfigError(f"{f.name} must be a number in {rng}, got {value!r}")


def describe(cls: type) -> list[dict[str, Any]]:
    """Name, type, default, help, choices and bounds of every field (the web app's settings)."""
    rows = []
    for f, tp in _fields(cls):
        base, optional = _base(tp)
        default = f.default if f.default is not dataclasses.MISSING else None
        rows.append({"name": f.name, "type": getattr(typing.get_origin(base) or base, "__name__", str(base)),
                     "optional": optional, "default": default, **{k: f.metadata.get(k) for k in ("help", "choices", "bounds")}})  # fmt: skip
    return rows
