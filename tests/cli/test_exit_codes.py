"""One table of exit codes for every subcommand: 0 all good, 1 some inputs failed, 2 bad
usage or configuration; an internal error is one line, its traceback only with --debug."""

from __future__ import annotations

import json

from hhikit.cli import main
from hhikit.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from hhikit.errors import set_debug
from hhikit.perception import register_detector
from tests.conftest import shared_path


class _Broken:
    name = "x-broken"

    def detect(self, image):
        raise RuntimeError("the library fell over")


def test_analyze_turns_a_library_failure_into_a_record_and_exit_1(scratch_registry, example_image, capsys):
    register_detector("x-broken")(_Broken)
    argv = ["analyze", str(example_image), "--detector", "x-broken", "--describer", "none", "--json"]
    assert main(argv) == EXIT_FAILED  # a traceback before the one error policy
    rec = json.loads(capsys.readouterr().out)
    assert rec["error"]["type"] == "internal" and rec["error"]["class"] == "RuntimeError"


def test_bad_configuration_is_2_and_a_missing_input_is_1(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "x.jpg"), "--detector", "nope"]) == EXIT_USAGE
    assert "unknown detector 'nope'" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "x.jpg"), "--describer", "none", "--json"]) == EXIT_FAILED
    assert json.loads(capsys.readouterr().out)["error"]["type"] == "InputError"
    assert main(["eval", "waldo", "--predictions", str(tmp_path / "p"), "--labels", str(tmp_path / "l")]) == 1
    assert main(["eval", "interactiveness"]) == EXIT_USAGE


def test_eval_interactiveness_returns_an_exit_code(capsys):
    from hhikit.cli import build_parser
    from hhikit.cli.interactiveness import run_eval_interactiveness

    val = shared_path("vcoco", "instances_vcoco_val.json")
    args = build_parser().parse_args(["eval", "interactiveness", "--vcoco", str(val), "--json"])
    assert run_eval_interactiveness(args) == EXIT_OK  # returned None before
    assert json.loads(capsys.readouterr().out)["vcoco"]["pairs"] > 0


def test_an_internal_error_is_one_line_and_debug_shows_the_traceback(monkeypatch, capsys):
    import hhikit.cli.models

    monkeypatch.setattr(hhikit.cli.models, "run_models_list", lambda args: 1 / 0)  # a bug in a command
    monkeypatch.delenv("HHIKIT_DEBUG", raising=False)
    assert main(["models", "list"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ZeroDivisionError: division by zero" in err and "--debug" in err
    assert main(["--debug", "models", "list"]) == EXIT_FAILED
    assert "Traceback (most recent call last)" in capsys.readouterr().err
    set_debug(False)  # --debug set it for this process (and its workers)
