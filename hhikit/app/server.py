"""Launch the Streamlit demo as a subprocess with safe defaults (loopback, headless, no
telemetry, upload limit)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hhikit.app.uploads import DEFAULT_MAX_MB, UPLOAD_ROOT_ENV, streamlit_limit_mb

APP = Path(__file__).with_name("streamlit_app.py")


def app_command(host: str = "127.0.0.1", port: int = 8501, max_upload_mb: float = DEFAULT_MAX_MB) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.maxUploadSize", str(streamlit_limit_mb(max_upload_mb)),  # the app's own limit, in MB
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip


def app_env(max_upload_mb: float = DEFAULT_MAX_MB, upload_root: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["HHIKIT_APP_MAX_MB"] = str(max_upload_mb)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    if upload_root:
        env[UPLOAD_ROOT_ENV] = upload_root
    return env


def start_app(
    host: str = "127.0.0.1",
    port: int = 8501,
    max_upload_mb: float = DEFAULT_MAX_MB,
    upload_root: str | None = None,
    **popen: object,
) -> subprocess.Popen:
    """Start the demo server; the caller owns the process. ``upload_root``: the folder the
    uploads go under (the caller removes it); ``start_new_session=True`` in ``popen`` gives the
    server its own process group, which ``stop_app`` ends as a whole."""
    env = app_env(max_upload_mb, upload_root)
    return subprocess.Popen(app_command(host, port, max_upload_mb), env=env, **popen)  # type: ignore[call-overload]


def stop_app(proc: subprocess.Popen, timeout: float = 10.0) -> int:
    """End the server's process group (SIGTERM, then SIGKILL after ``timeout`` s); its code."""
    import signal

    if proc.poll() is not None:  # ended on its own; the group leader's pid may be reused
        return proc.wait()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        except PermissionError:  # not a group leader of ours: the process alone
            proc.send_signal(sig)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
    return proc.wait()
