"""Typed exceptions. Inside the library errors are exceptions; at the edges (CLI, batch)
they become one-line messages or error records."""

from __future__ import annotations


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


def error_record(exc: BaseException) -> dict[str, str]:
    """The `error` field of a record for any exception, with a one-line message."""
    if isinstance(exc, HHIError):
        d = exc.to_dict()
    else:
        d = {"type": type(exc).__name__, "message": str(exc) or type(exc).__name__}
    d["message"] = " ".join(d["message"].split())
    return d
