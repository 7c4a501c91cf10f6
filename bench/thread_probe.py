"""A plugin detector (``--plugin thread_probe --detector thread-probe``) that runs the real
MoveNet ONNX detector and writes, per input, how many threads its worker process has
(``/proc/self/task``) and the limits onnxruntime, torch and OpenCV run with, as one JSON
line to ``$HHIKIT_THREAD_PROBE``. Used by bench/batch_threads.py and the batch tests."""

from __future__ import annotations

import json
import os
import sys

from hhikit.perception import get_detector, register_detector


@register_detector("thread-probe")
class ThreadProbe:
    name = "thread-probe"

    def __init__(self) -> None:
        self.inner = get_detector("movenet")

    def detect(self, image):
        people = self.inner.detect(image)
        torch = sys.modules.get("torch")
        try:
            import cv2

            cv = cv2.getNumThreads()
        except ImportError:
            cv = None
        row = {
            "pid": os.getpid(),
            "tasks": len(os.listdir("/proc/self/task")),
            "onnxruntime": self.inner.model.session.get_session_options().intra_op_num_threads,
            "torch": torch.get_num_threads() if torch is not None else None,
            "opencv": cv,
        }
        with open(os.environ["HHIKIT_THREAD_PROBE"], "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
        return people
