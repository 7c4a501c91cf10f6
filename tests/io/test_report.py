from __future__ import annotations

import re
import subprocess
import sys

from hhikit.io.report import render_report
from hhikit.types import ImageResult, Interaction, Person, dumps


def _record(path) -> ImageResult:
    return ImageResult(path=str(path), width=200, height=133,
                       people=[Person(0, [20, 10, 80, 130], 0.9), Person(1, [100, 5, 170, 130], 0.8)])  # fmt: skip


def test_report_is_self_contained_with_summary_and_errors(example_image, tmp_path):
    ok = _record(example_image)
    ok.interactions = [Interaction("_ shaking hands with _", 0.9, ["hands meet"])]
    bad = ImageResult(path="broken.jpg", error={"type": "InputError", "message": "broken.jpg: truncated"})
    page = render_report([ok, bad])
    assert page.count('class="card"') == 2
    assert "data:image/jpeg;base64," in page
    # no external resource of any kind
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "<td>_ shaking hands with _</td><td>1</td>" in page
    assert "broken.jpg: truncated" in page and "1 with errors" in page


def test_report_cli(example_image, tmp_path):
    res = tmp_path / "r.jsonl"
    res.write_text(dumps(_record(example_image)) + "\n")
    out = tmp_path / "report.html"
    p = subprocess.run(
        [sys.executable, "-m", "hhikit", "report", str(res), "--out", str(out)], capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr
    assert out.read_text().startswith("<!doctype html>")
    p = subprocess.run([sys.executable, "-m", "hhikit", "report", str(tmp_path / "nope.jsonl"), "--out", str(out)],
                       capture_output=True, text=True)  # fmt: skip
    assert p.returncode == 2 and "no such file" in p.stderr
