"""One place that limits the threads of the native libraries hhikit runs on.

``limit_threads(n)`` caps onnxruntime (the sessions read ``HHIKIT_THREADS`` through
``onnx_threads``), torch and OpenCV in this process, and sets the environment that caps
OpenMP/BLAS pools of libraries loaded later and of child processes (``thread_env``).
``hhi batch --threads N`` calls it in every worker.
"""

from __future__ import annotations

import os
import sys

THREADS_ENV = "HHIKIT_THREADS"  # onnxruntime intra-op threads per session (read by ``onnx_threads``)

THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    THREADS_ENV,
)


def thread_env(threads: int) -> dict[str, str]:
    """Environment that caps the intra-op threads of native libraries in a new process."""
    return {k: str(threads) for k in THREAD_ENV_VARS}


def onnx_threads(default: int = 1) -> int:
    """Intra-op threads of an onnxruntime session: ``$HHIKIT_THREADS`` or ``default``
    (1: the cores are shared by the batch workers)."""
    try:
        return max(1, int(os.environ.get(THREADS_ENV, str(default))))
    except ValueError:
        return default


def limit_threads(threads: int | None) -> None:
    """Cap intra-op threads in this process: onnxruntime sessions made from now on, torch
    and OpenCV if they are loaded (torch is not imported here: it reads ``OMP_NUM_THREADS``
    when it is imported later), and child processes through the environment."""
    if not threads:
        return
    os.environ.update(thread_env(threads))
    try:
        import cv2

        cv2.setNumThreads(threads)
    except ImportError:
        pass
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(threads)
        except RuntimeError:
            pass  # only settable before the first parallel op
