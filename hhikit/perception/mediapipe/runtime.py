"""Running the MediaPipe Tasks API on the CPU: task holders, image conversion and the
geometry shared by the pose, face and hand detectors."""

from __future__ import annotations

import atexit
import contextlib
import os
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ConfigError, InputError, ModelUnavailable
from hhikit.keypoints import KeypointLayout, blazepose33_to_coco17
from hhikit.perception.imageops import containment, greedy_keep, same_object
from hhikit.types import Person

# ------------------------------------------------------------------ running the Tasks API


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence the native libraries' start-up chatter (XNNPACK, LiteRT, absl warnings),
    which is written straight to file descriptor 2, while models load."""
    if os.environ.get("HHIKIT_MEDIAPIPE_VERBOSE") == "1":
        yield
        return
    try:
        fd = 2
        saved = os.dup(fd)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), fd)
            try:
                yield
            finally:
                os.dup2(saved, fd)
    finally:
        os.close(saved)


def _vision() -> Any:
    """The Tasks vision module, or ``ModelUnavailable`` saying what to install."""
    try:
        from mediapipe.tasks.python import vision
    except ImportError as exc:
        raise ModelUnavailable(f"the MediaPipe backends need mediapipe (pip install mediapipe==1.2.2): {exc}") from None
    return vision


def _as_rgb(image: np.ndarray) -> np.ndarray:
    a = np.asarray(image)
    if a.ndim != 3 or a.shape[2] != 3 or a.dtype != np.uint8:
        raise InputError(f"expected an (H, W, 3) uint8 RGB image, got shape {a.shape} dtype {a.dtype}")
    if min(a.shape[:2]) < 2:
        raise InputError(f"image of {a.shape[1]}x{a.shape[0]} pixels is too small")
    return np.ascontiguousarray(a)


def _mp_image(rgb: np.ndarray) -> Any:
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))


def _base_options(path: Path) -> Any:
    from mediapipe.tasks.python.core.base_options import BaseOptions

    return BaseOptions(model_asset_path=str(path))


def _close_task(task: Any) -> None:
    """Close a Tasks object; at interpreter exit its worker thread may already be gone, and
    then there is nothing left to release (the process is ending), so mark it closed."""
    try:
        with _quiet_native_stderr():
            task.close()
    except RuntimeError:
        task._handle = None


# Tasks of holders that were garbage-collected, closed later from ordinary code. Closing a
# task hands work to its native worker thread; doing that from a garbage-collector callback
# (which can run inside any allocation, e.g. while another thread pool is submitting) can
# deadlock, so a collected holder only queues its task here.
_PENDING: list[Any] = []
_LIVE: weakref.WeakSet[_TaskHolder] = weakref.WeakSet()


def _close_pending() -> None:
    while _PENDING:
        _close_task(_PENDING.pop())


@atexit.register
def _close_all() -> None:
    """Before interpreter exit (a task's own ``__del__`` would run after ctypes is torn
    down and print noise): close every live holder's task and every queued one."""
    for holder in list(_LIVE):
        holder.close()
    _close_pending()


class _TaskHolder:
    """Owns one Tasks object, warms it up quietly and closes it: on ``close()``, after the
    holder is collected (queued, closed by the next holder or at exit), or at exit."""

    def __init__(self, build: Any, name: str) -> None:
        _close_pending()
        try:
            with _quiet_native_stderr():
                self.task = build()
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelUnavailable(f"model {name!r} failed to load: {' '.join(str(exc).split())}") from None
        self._warm = False
        self._finalizer = weakref.finalize(self, _PENDING.append, self.task)
        self._finalizer.atexit = False  # _close_all closes it at exit, from ordinary code
        _LIVE.add(self)

    def run(self, image: np.ndarray) -> Any:
        mpi = _mp_image(image)
        if not self._warm:
            self._warm = True
            with _quiet_native_stderr():
                return self.task.detect(mpi)
        return self.task.detect(mpi)

    def close(self) -> None:
        if self._finalizer.detach() is not None:
            _LIVE.discard(self)
            _close_task(self.task)


def _image_task(kind: str, path: Path, name: str, **options: Any) -> _TaskHolder:
    """A ``_TaskHolder`` of the Tasks ``vision.<kind>`` (e.g. ``"HandLandmarker"``) built from
    ``vision.<kind>Options`` in IMAGE mode with the model at ``path`` and ``options``."""
    vision = _vision()
    opts = getattr(vision, kind + "Options")(
        base_options=_base_options(path), running_mode=vision.RunningMode.IMAGE, **options
    )
    return _TaskHolder(lambda: getattr(vision, kind).create_from_options(opts), name)


def _landmarks_to_array(landmarks: Any, w: int, h: int, ox: float = 0.0, oy: float = 0.0) -> np.ndarray:
    """Tasks landmarks of one pose in a ``w x h`` crop at ``(ox, oy)`` -> ``(33, 3)`` array of
    ``x, y, score`` in image pixels. Score = visibility x presence, and 0 for a point the
    model places outside the crop (it is guessing there)."""
    a = np.zeros((len(landmarks), 3), dtype=np.float32)
    for i, lm in enumerate(landmarks):
        vis = 1.0 if lm.visibility is None else float(lm.visibility)
        pres = 1.0 if lm.presence is None else float(lm.presence)
        inside = -0.02 <= lm.x <= 1.02 and -0.02 <= lm.y <= 1.02
        a[i] = (lm.x * w + ox, lm.y * h + oy, vis * pres if inside else 0.0)
    return a


def box_from_pose33(pose33: np.ndarray, width: int, height: int, min_score: float = 0.3) -> np.ndarray | None:
    """A person box from 33 landmarks: the extent of the confident points, raised above the
    nose to cover the top of the head (BlazePose has no head-top point), padded by 8 % and
    clipped to the image. ``None`` when fewer than 3 points are confident."""
    ok = pose33[:, 2] >= min_score
    if ok.sum() < 3:
        return None
    pts = pose33[ok, :2]
    x1, y1 = pts.min(axis=0)
    x2, y2 = pts.max(axis=0)
    nose, lear, rear, leye, reye = pose33[0], pose33[7], pose33[8], pose33[2], pose33[5]
    if nose[2] >= min_score:
        if lear[2] >= min_score and rear[2] >= min_score:
            head = float(np.hypot(*(lear[:2] - rear[:2])))
        elif leye[2] >= min_score and reye[2] >= min_score:
            head = 2.2 * float(np.hypot(*(leye[:2] - reye[:2])))
        else:
            head = 0.0
        y1 = min(y1, nose[1] - 0.9 * head)
    pw, ph = 0.08 * (x2 - x1), 0.08 * (y2 - y1)
    box = np.array([x1 - pw, y1 - ph, x2 + pw, y2 + ph], dtype=np.float32)
    box[[0, 2]] = box[[0, 2]].clip(0, width)
    box[[1, 3]] = box[[1, 3]].clip(0, height)
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        return None
    return box


def person_from_pose33(pose33: np.ndarray, width: int, height: int, source: str = "blazepose") -> Person | None:
    """A ``Person`` from 33 landmarks in pixels: COCO-17 keypoints, box, and a score that is
    the mean COCO-17 keypoint score (the Tasks API does not expose the detector's score)."""
    box = box_from_pose33(pose33, width, height)
    if box is None:
        return None
    kp = blazepose33_to_coco17(pose33)
    return Person(
        id=0,
        box=box,
        score=float(kp[:, 2].mean()),
        keypoints=kp,
        keypoint_format=KeypointLayout.COCO17,
        sources=[source],
        pose33=pose33.copy(),
    )


_containment = containment  # kept for one release: the one rule lives in ``hhikit.perception.imageops``


def same_pose(a: Person, b: Person, min_score: float = 0.3, max_containment: float = 0.8) -> bool:
    """Whether two detections are the same person: their boxes overlap a lot (IoU > 0.6, or
    one lies almost wholly inside the other), or their confidently placed keypoints
    coincide (median distance under 15 % of the body size): ``imageops.same_object``."""
    ka, kb = a.pose33 if a.pose33 is not None else a.keypoints, b.pose33 if b.pose33 is not None else b.keypoints
    return same_object(a.box, b.box, 0.6, max_containment=max_containment, points_a=ka, points_b=kb,
                       point_dist=0.15, min_score=min_score)  # fmt: skip


def dedupe(people: list[Person]) -> list[Person]:
    """Keep the best-scoring detection of each person (greedy, by ``same_pose``)."""
    return [people[i] for i in greedy_keep([p.score for p in people], lambda i, k: same_pose(people[i], people[k]))]


def crop_windows(width: int, height: int, mode: str = "auto", frac: float = 0.6) -> list[tuple[int, int, int, int]]:
    """Windows ``(x1, y1, x2, y2)`` to scan besides the whole image. ``auto``: two
    overlapping crops of ``frac`` of the longer side (left/right or top/bottom); ``none``:
    the whole image only."""
    wins = [(0, 0, width, height)]
    if mode == "none":
        return wins
    if mode != "auto":
        raise ConfigError(f"blazepose: crops must be 'auto' or 'none', not {mode!r}")
    if width >= height:
        cw = int(round(width * frac))
        if cw >= 32:
            wins += [(0, 0, cw, height), (width - cw, 0, width, height)]
    else:
        ch = int(round(height * frac))
        if ch >= 32:
            wins += [(0, 0, width, ch), (0, height - ch, width, height)]
    return wins


def _example_image() -> Path:
    """The bundled example photo smoke tests run on (public domain, two people)."""
    return Path(__file__).resolve().parents[3] / "examples" / "images" / "handshake.jpg"
