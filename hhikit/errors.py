"""Typed exceptions. Inside the library errors are exceptions; at the edges (CLI, batch)
they become one-line messages or error records."""

from __future__ import annotations

import os
import sys
import traceback


class HHIError(Exception):
    """Base class of every error hhikit raises on purpose."""

    kind = "HHIError"

    def to_dict(self) -> dict[str, str]:
        return {"type": type(self).__name__, "message": str(self)}


class InputError(HHIError):
    """An input file is missing, unreadable, not an image/video, truncated or absurd."""


class ModelUnavailable(HHIError):
    """A model's weights cannot be resolved to local files. The message says how to get them."""


class ConfigError(HHIError):
    """A bad option, card or configuration value."""


class OutputError(HHIError):
    """Results cannot be written (no space, read-only, not a regular file, broken pipe): the
    run stops with one line; what was written before stays whole and a rerun resumes."""


INTERNAL = "internal"  # the error type of any exception hhikit did not raise on purpose
DEBUG_ENV = "HHIKIT_DEBUG"  # set by ``hhi --debug``; inherited by batch worker processes


def debug_enabled() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def set_debug(on: bool) -> None:
    """Turn traceback printing on or off for this process and the workers it starts."""
    if on:
        os.environ[DEBUG_ENV] = "1"
    else:
        os.environ.pop(DEBUG_ENV, None)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def error_record(exc: BaseException, path: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The one error policy at the edges: the ``error`` field of a record for any exception.

    An ``HHIError`` keeps its type; an OS error reading ``path`` becomes an ``InputError``
    naming the file; anything else is ``{"type": "internal", "class": <its class>, ...}``.
    The message is one line and names ``path`` when given; the traceback goes to stderr
    only with ``hhi --debug``."""
    where = os.fspath(path) if path is not None else ""
    if isinstance(exc, HHIError):
        d = exc.to_dict()
    elif isinstance(exc, FileNotFoundError):
        d = {"type": "InputError", "message": "no such file (or a dangling symlink)"}
    elif isinstance(exc, PermissionError):
        d = {"type": "InputError", "message": "permission denied"}
    elif isinstance(exc, OSError):
        d = {"type": "InputError", "message": f"cannot read ({exc.strerror or exc})"}
    else:
        d = {"type": INTERNAL, "class": type(exc).__name__, "message": f"{type(exc).__name__}: {exc}"}
    d["message"] = _one_line(d["message"]) or type(exc).__name__
    if where and where not in d["message"]:
        d["message"] = f"{where}: {d['message']}"
    if debug_enabled():
        traceback.print_exception(exc, file=sys.stderr)
    return d
