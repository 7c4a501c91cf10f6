"""End-to-end tests in headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import re
import shutil
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import ROOT, shared_path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make test installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    from hhikit.app.server import start_app

    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "app.log"
    with open(log, "wb") as fh:
        proc = start_app("127.0.0.1", port, max_upload_mb=3, stdout=fh, stderr=subprocess_stdout())
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"the app did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except Exception:
            proc.kill()


def subprocess_stdout() -> int:
    import subprocess

    return subprocess.STDOUT


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _upload(browser, url: str, file: Path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.locator('input[type="file"]').wait_for(state="attached", timeout=60_000)
    page.locator('input[type="file"]').set_input_files(str(file))
    return page


def test_upload_image_shows_people_and_interactions(browser, app_url):
    from hhikit.pipeline import Pipeline

    image = shared_path("waldo_and_wenda", "images", "168588.jpg")
    expected = Pipeline().analyze(image)
    assert expected.error is None and len(expected.people) >= 2
    page = _upload(browser, app_url, image)
    page.get_by_text(f"People found: {len(expected.people)}").wait_for(timeout=180_000)
    # Streamlit renders progressively: wait for each expected element, not for the whole body.
    if expected.interactions:
        page.get_by_text(expected.interactions[0].text).first.wait_for(timeout=60_000)
    else:
        page.get_by_text("No interaction described").wait_for(timeout=60_000)
    page.get_by_text("Download the JSON record").wait_for(timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app_image_result.png"), full_page=True)
    page.close()


def test_upload_video_shows_timeline_transcript_and_keyframes(browser, app_url):
    video = shared_path("videos", "scenes", "sophie-7.webm")
    page = _upload(browser, app_url, video)
    page.get_by_text("Timeline of clips").wait_for(timeout=300_000)
    page.get_by_text("Keyframes", exact=True).wait_for(timeout=60_000)
    body = page.locator("body").inner_text()
    m = re.search(r"(\d+) shots, (\d+) clips", body)
    assert m and int(m.group(1)) >= 1 and int(m.group(2)) >= 1, body[:500]
    labels = ("asks", "gives to", "talks to", "walks with", "watches", "yells at", "no_interaction")
    assert any(lab in body for lab in labels)
    assert "Transcript" in body
    page.get_by_text("Download the JSON record").wait_for(timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app_video_result.png"), full_page=True)
    page.close()


def test_non_image_upload_shows_clear_message(browser, app_url, tmp_path):
    bad = tmp_path / "holiday.jpg"
    bad.write_text("<html><body>this is a web page, not a photo</body></html>")
    page = _upload(browser, app_url, bad)
    page.get_by_text("not an image or a video").wait_for(timeout=60_000)
    page.close()


def test_oversized_upload_shows_clear_message(browser, app_url, tmp_path):
    big = tmp_path / "big.png"
    # over the 3 MB limit (3,000,000 bytes, the one number the page, Streamlit and the app use)
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (1100, 1100, 3), dtype=np.uint8)).save(big)
    assert 3_000_000 < big.stat().st_size < 4_000_000
    page = _upload(browser, app_url, big)
    page.get_by_text("at most 3 MB").wait_for(timeout=60_000)
    page.get_by_text("3.0MB or smaller").wait_for(timeout=60_000)
    page.close()


def test_a_file_name_is_shown_as_text_and_the_browser_fetches_nothing(browser, app_url):
    import http.server
    import threading

    hits: list[str] = []

    class Pixel(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Pixel)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    name = f"![t](http://127.0.0.1:{srv.server_port}/pixel.png)"
    page = browser.new_page()
    page.goto(app_url)
    page.locator('input[type="file"]').wait_for(state="attached", timeout=60_000)
    page.locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "image/jpeg", "buffer": b"<html>not a photo</html>"}]
    )
    page.get_by_text("not an image or a video").wait_for(timeout=60_000)
    body = page.locator("[data-testid='stAlert']").inner_text()
    assert name in body and "hhikit-upload" not in body, body  # the user's name, as typed
    time.sleep(1)
    srv.shutdown()
    assert hits == [], hits
    page.close()


def test_an_error_names_the_users_file_not_the_server_copy(browser, app_url, tmp_path):
    bad = tmp_path / "my holiday.jpg"
    data = Image.new("RGB", (64, 64))
    data.save(bad, "JPEG")
    bad.write_bytes(bad.read_bytes()[:200])  # a truncated JPEG: decoding fails
    page = _upload(browser, app_url, bad)
    page.get_by_text("truncated").wait_for(timeout=120_000)
    body = page.locator("[data-testid='stAlert']").inner_text()
    assert "my holiday.jpg" in body and "/tmp" not in body and "hhikit-upload" not in body, body
    page.close()


def test_report_filter_in_browser(browser, tmp_path, example_image):
    from hhikit.io.report import write_report
    from hhikit.types import ImageResult, Interaction, Person

    def rec(text: str) -> ImageResult:
        return ImageResult(path=str(example_image), width=200, height=133, people=[Person(0, [10, 10, 90, 130], 0.9)],
                           interactions=[Interaction(text, 0.8, ["test"])])  # fmt: skip

    out = write_report([rec("_ hugging _"), rec("_ shaking hands with _"), rec("_ hugging _")], tmp_path / "r.html")
    page = browser.new_page()
    page.goto(out.as_uri())
    assert page.locator("#shown").inner_text() == "3"
    page.fill("#filter", "shaking")
    assert page.locator("#shown").inner_text() == "1"
    assert page.locator(".card:not(.hidden)").count() == 1
    page.fill("#filter", "")
    assert page.locator(".card:not(.hidden)").count() == 3
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report_filter.png"), full_page=True)
    page.close()
