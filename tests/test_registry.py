"""The one registry: duplicates refused, import failures shown, options checked by signature."""

from __future__ import annotations

import sys

import pytest

from hhikit import registry
from hhikit.cli import main
from hhikit.errors import ConfigError
from hhikit.models.card import get_card, list_cards
from hhikit.perception import available_detectors, get_detector, register_detector


@pytest.fixture
def scratch(scratch_registry):
    return scratch_registry


def test_every_kind_is_one_view_of_the_same_table():
    kinds = {e.kind for e in registry.entries()}
    assert {"detector", "interactiveness", "describer", "shot_detector", "asr", "model", "setup"} <= kinds
    assert "blazepose" in available_detectors() and registry.lookup("detector", "blazepose").factory
    # cards and set-up steps are entries too: the card view and the setup view read them
    assert {c.name for c in list_cards()} == {e.name for e in registry.entries("model")}
    assert get_card("blazepose").setup in {e.name for e in registry.entries("setup")}
    assert registry.failed_modules() == {}


def test_a_taken_name_is_an_error_but_reimporting_the_same_factory_is_not(scratch):
    def first(**kw):
        return kw

    def second(**kw):
        return kw

    register_detector("x-dup")(first)
    register_detector("x-dup")(first)  # the same module imported twice
    with pytest.raises(ConfigError, match="already registered"):
        register_detector("x-dup")(second)
    with pytest.raises(ConfigError, match="already registered"):
        register_detector("fusion")(second)


def test_a_module_that_fails_to_import_is_named_with_the_available_names(scratch, tmp_path, monkeypatch, capsys):
    (tmp_path / "x_broken_backend.py").write_text("import x_module_that_does_not_exist\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    scratch.BACKEND_MODULES.append("x_broken_backend")
    with pytest.raises(ConfigError) as info:
        get_detector("nope")
    msg = str(info.value)
    assert "available: blazepose" in msg and "fusion" in msg
    assert "x_broken_backend (ModuleNotFoundError: No module named 'x_module_that_does_not_exist')" in msg
    assert main(["models", "list"]) == 0
    assert "backend module x_broken_backend failed to load: ModuleNotFoundError" in capsys.readouterr().err
    sys.modules.pop("x_broken_backend", None)


def test_options_are_checked_by_signature_and_a_typeerror_inside_passes(scratch):
    @register_detector("x-sig")
    def make(size: int = 1, *, mode: str = "a"):
        raise TypeError("a bug inside the factory")

    with pytest.raises(ConfigError, match=r"bad options \{'colour': 1\}.*accepted: size, mode"):
        get_detector("x-sig", colour=1)
    with pytest.raises(TypeError, match="a bug inside the factory"):  # not hidden as "bad options"
        get_detector("x-sig", size=2)


def test_kwargs_factories_check_options_against_what_they_build(scratch):
    class Thing:
        def __init__(self, size: int = 1) -> None:
            self.size = size

    @register_detector("x-kw", options_of=Thing)
    def make(**options):
        return Thing(**options)

    assert get_detector("x-kw", size=3).size == 3
    with pytest.raises(ConfigError, match="accepted: size"):
        get_detector("x-kw", colour=1)
    with pytest.raises(ConfigError, match="nonsense"):
        get_detector("blazepose", nonsense=1)
