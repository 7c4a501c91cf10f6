"""Launch the Streamlit demo as a subprocess with safe defaults (loopback, headless, no
telemetry, upload limit)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

from hhikit.app.uploads import DEFAULT_MAX_MB

APP = Path(__file__).with_name("streamlit_app.py")


def app_command(host: str = "127.0.0.1", port: int = 8501, max_upload_mb: float = DEFAULT_MAX_MB) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.maxUploadSize", str(max(1, math.ceil(max_upload_mb)) + 1),
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip


def app_env(max_upload_mb: float = DEFAULT_MAX_MB) -> dict[str, str]:
    env = dict(os.environ)
    env["HHIKIT_APP_MAX_MB"] = str(max_upload_mb)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    return env


def start_app(
    host: str = "127.0.0.1", port: int = 8501, max_upload_mb: float = DEFAULT_MAX_MB, **popen: object
) -> subprocess.Popen:
    """Start the demo server; the caller owns the process."""
    return subprocess.Popen(app_command(host, port, max_upload_mb), env=app_env(max_upload_mb), **popen)  # type: ignore[call-overload]
