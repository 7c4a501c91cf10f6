"""No call home: the telemetry of every dependency is switched off when hhikit is imported.

hhikit runs offline by default (model weights resolve to local files). Some dependencies
would still try the network on their own: onnxruntime's telemetry resolves and posts to a
collector from its own threads, Streamlit gathers usage statistics, the Hugging Face hub
sends telemetry and checks for updates, Ray reports usage. The environment variables below
turn each off before the library is loaded (subprocesses and batch workers inherit them).

A user who sets one of the ``*_OFFLINE`` variables keeps their value, and with
``HHIKIT_ALLOW_HUB=1`` (hub downloads allowed, see ``hhikit.models.store``) they are not set:
going online for a hub model is the user's call. Telemetry switches are always forced off.
"""

from __future__ import annotations

import contextlib
import os
import sys

# always off: telemetry and usage statistics
FORCED = {
    "ORT_DISABLE_TELEMETRY": "1",  # onnxruntime (read when its library initialises)
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_USAGE_STATS_PROMPT_ENABLED": "0",
    "DO_NOT_TRACK": "1",  # honoured by several libraries (Hugging Face among them)
}
# off unless the user says otherwise: hub downloads and update checks
DEFAULTS = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",
}


def disable_telemetry() -> None:
    """Set the variables above; for an onnxruntime imported before hhikit, also call its
    ``disable_telemetry_events``. Idempotent and cheap (imports nothing)."""
    os.environ.update(FORCED)
    if os.environ.get("HHIKIT_ALLOW_HUB") != "1":
        for k, v in DEFAULTS.items():
            os.environ.setdefault(k, v)
    ort = sys.modules.get("onnxruntime")
    off = getattr(ort, "disable_telemetry_events", None)
    if off is not None:
        with contextlib.suppress(Exception):
            off()
