"""No call home: `hhi analyze` and `hhi video` on shared inputs with every non-loopback
`getaddrinfo` and `socket.connect` made to fail loudly (a sitecustomize in the subprocess),
and, where strace can watch, no native library (onnxruntime's telemetry) opening an
Internet socket either (a DNS query to port 53 included)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, shared_path

GUARD = """
import socket, traceback

LOG = {log!r}
LOCAL = ("localhost", "127.", "::1", "0.0.0.0", "")


def _local(host):
    return host is None or isinstance(host, bytes) and host.decode().startswith(LOCAL) or str(host).startswith(LOCAL)


def _refuse(what):
    with open(LOG, "a") as fh:
        fh.write(what + "\\n" + "".join(traceback.format_stack(limit=12)) + "\\n")
    raise OSError("network use blocked by the test: " + what)


_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, *a, **k):
    if not _local(host):
        _refuse("getaddrinfo " + str(host))
    return _getaddrinfo(host, *a, **k)


_connect = socket.socket.connect


def connect(self, addr):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(addr[0]):
        _refuse("connect " + str(addr))
    return _connect(self, addr)


socket.getaddrinfo = getaddrinfo
socket.socket.connect = connect
socket.socket.connect_ex = connect
"""

INET = re.compile(
    r"connect\(\d+, \{sa_family=AF_INET6?, (sin6?_port=htons\((\d+)\)), [^}]*?(inet_addr\(\"([^\"]+)\"\)|inet_pton\(AF_INET6, \"([^\"]+)\")"
)


def _strace_ok() -> bool:
    if shutil.which("strace") is None:
        return False
    return subprocess.run(["strace", "-f", "-o", os.devnull, "true"], capture_output=True).returncode == 0


def _run(tmp_path: Path, *args: str, timeout: float = 900) -> tuple[subprocess.CompletedProcess, list[str]]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    log = tmp_path / "net.log"
    (site / "sitecustomize.py").write_text(GUARD.format(log=str(log)))
    env = dict(os.environ, PYTHONPATH=f"{site}{os.pathsep}{ROOT}")
    for k in ("ORT_DISABLE_TELEMETRY", "HF_HUB_OFFLINE", "HF_HUB_DISABLE_TELEMETRY", "DO_NOT_TRACK"):
        env.pop(k, None)  # hhikit itself must set what it needs
    cmd = [sys.executable, "-m", "hhikit", *args]
    trace = tmp_path / "strace.txt"
    if _strace_ok():
        cmd = ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace), *cmd]
    r = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    calls = log.read_text().split("\n\n") if log.exists() else []
    if trace.exists():
        for m in INET.finditer(trace.read_text()):
            addr = m.group(4) or m.group(5)
            if not addr.startswith(("127.", "::1", "::ffff:127.")):
                calls.append(f"native connect to {addr} port {m.group(2)}")
    return r, [c for c in calls if c.strip()]


@pytest.mark.slow
def test_analyze_makes_no_network_call(tmp_path):
    images = sorted(EXAMPLES.glob("*.jpg"))[:2] + sorted(shared_path("waldo_and_wenda", "images").glob("*.jpg"))[:2]
    r, calls = _run(tmp_path, "analyze", *map(str, images))
    assert r.returncode in (0, 1), r.stderr.decode()[-2000:]
    assert r.stdout.count(b"people") + r.stdout.count(b"person") >= len(images)
    assert calls == [], calls


@pytest.mark.slow
def test_video_makes_no_network_call(tmp_path):
    video = shared_path("videos", "scenes", "sophie-7.webm")
    r, calls = _run(tmp_path, "video", str(video))
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    assert b"clips" in r.stdout
    assert calls == [], calls
