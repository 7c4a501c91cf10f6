"""One small registry for every kind of backend (person detectors, interactiveness models,
describers, shot detectors, ASR engines), in the style of timm's ``@register_model``.

A backend module decorates a plain factory with ``registry.register("name")``; modules
listed in ``modules`` are imported on first use, so a backend whose optional dependency is
missing simply does not register.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from hhikit.errors import ConfigError, ModelUnavailable

Factory = Callable[..., Any]


class Registry:
    """Name -> factory, with lazy discovery of backend modules and clear errors."""

    def __init__(self, kind: str, modules: Sequence[str] = ()) -> None:
        self.kind = kind
        self.modules = modules  # kept by reference: a module list appended to later still counts
        self._factories: dict[str, Factory] = {}

    def register(self, name: str) -> Callable[[Factory], Factory]:
        """Decorator registering ``fn`` under ``name``."""

        def deco(fn: Factory) -> Factory:
            self._factories[name] = fn
            return fn

        return deco

    def _discover(self) -> None:
        for mod in self.modules:
            try:
                importlib.import_module(mod)
            except ImportError:
                continue

    def names(self) -> list[str]:
        self._discover()
        return sorted(self._factories)

    def build(self, name: str, *args: Any, **options: Any) -> Any:
        """Build the backend ``name``; unknown names and bad options become ``ConfigError``."""
        self._discover()
        if name not in self._factories:
            raise ConfigError(f"unknown {self.kind} {name!r}; available: {', '.join(self.names()) or 'none'}")
        try:
            return self._factories[name](*args, **options)
        except (ModelUnavailable, ConfigError):
            raise
        except TypeError as exc:
            raise ConfigError(f"{self.kind} {name!r}: bad options {options}: {exc}") from None
