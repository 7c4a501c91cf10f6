"""The web demo against hostile uploads and signals: one upload limit, names shown as text,
no orphan server, no upload folder left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from hhikit.app.server import app_command
from hhikit.app.uploads import UploadStore
from hhikit.errors import InputError
from tests.conftest import ROOT

MB = 1_000_000  # the unit of Streamlit's uploader (its frontend counts 10^6 bytes per MB)


@pytest.mark.parametrize("mb", [25, 3, 0.5, 2.5])
def test_one_upload_limit_for_the_page_streamlit_and_the_app(mb, example_image):
    cmd = app_command(max_upload_mb=mb)
    streamlit_mb = int(cmd[cmd.index("--server.maxUploadSize") + 1])
    store = UploadStore(max_mb=mb)
    try:
        assert store.max_bytes == int(mb * MB)
        # Streamlit takes whole MB of 10^6 bytes: it refuses above the same number, rounded up
        assert (streamlit_mb - 1) * MB < store.max_bytes <= streamlit_mb * MB
        data = example_image.read_bytes()
        small = UploadStore(max_mb=(len(data) - 1) / MB)
        with pytest.raises(InputError, match=r"over the .* MB upload limit"):
            small.save(data, "photo.jpg")
        small.close()
        assert UploadStore(max_mb=len(data) / MB).save(data, "photo.jpg").kind == "image"
    finally:
        store.close()


def test_names_are_shown_as_text_not_markdown():
    from markdown_it import MarkdownIt  # CommonMark, as Streamlit's renderer

    from hhikit.app.uploads import as_text

    name = "![t](http://127.0.0.1:9/pixel.png) <img src=x onerror=alert(1)> **b** [l](http://x) `c` # h"
    md = MarkdownIt("commonmark").enable("table")
    assert "<img" in md.render(name)  # as Markdown, the name would load a URL
    html = md.render(as_text(name))
    for tag in ("<img", "<a ", "<strong", "<code", "<h1"):
        assert tag not in html, html
    assert html == "<p>" + name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</p>\n"


def test_upload_folders_of_runs_cut_short_are_removed_at_exit(tmp_path):
    code = (
        "import threading, time, sys\n"
        "from hhikit.app.uploads import UploadStore\n"
        "def run():\n"
        "    store = UploadStore()\n"  # a page run in the middle of an analysis
        "    (store.dir / 'x.jpg').write_bytes(b'x')\n"
        "    print(store.dir, flush=True)\n"
        "    time.sleep(60)\n"
        "threading.Thread(target=run, daemon=True).start()\n"
        "time.sleep(1.5)\n"
        "sys.exit(0)\n"  # the server stops: the thread never reaches its `finally`
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, env=env)
    folder = Path(r.stdout.decode().strip())
    assert folder.parent == tmp_path and not folder.exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_hhi_app_ends_its_server_group_and_removes_the_upload_folder(tmp_path, sig):
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "hhikit", "app", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    server: list[int] = []
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None and time.time() < deadline, proc.stderr.read().decode()[-2000:]
            time.sleep(0.5)
        server = _children(proc.pid)
        assert server and all(_alive(p) for p in server)
        proc.send_signal(sig)
        assert proc.wait(timeout=60) in (0, 130, -sig)
        time.sleep(0.5)
        assert not any(_alive(p) for p in server), "the Streamlit server outlived hhi app"
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
        assert not [p for p in tmp_path.iterdir() if p.name.startswith("hhikit-")], list(tmp_path.iterdir())
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in set(server) | set(_children(proc.pid)):  # an orphan server too, so a failure leaves none
            if _alive(p):
                os.kill(p, signal.SIGKILL)
