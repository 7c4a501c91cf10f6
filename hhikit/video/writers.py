"""Outputs of a video record: transcript subtitles (.srt, .vtt), a WebVTT of the
interactions per clip, and a contact sheet PNG of keyframes with people, pairs and labels."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from hhikit.io.atomic import atomic_write_text
from hhikit.io.draw import person_colour, save_png
from hhikit.types import VideoResult
from hhikit.video.asr import to_srt, to_vtt
from hhikit.video.decode import iter_frames


def interactions_vtt(result: VideoResult) -> str:
    """One cue per clip: its labels and scores (clips overlap when the stride is below N)."""
    cues = []
    for c in result.clips:
        text = ", ".join(f"{lab.label} ({lab.score:.2f})" for lab in c.labels) or "no label"
        cues.append((c.start, c.end, text))
    return to_vtt(cues)


def transcript_vtt(result: VideoResult) -> str:
    return to_vtt((s.start, s.end, s.text) for s in result.transcript)


def contact_sheet(result: VideoResult, samples: list | None = None, tile_width: int = 360, max_tiles: int = 12,
                  columns: int = 3) -> np.ndarray:  # fmt: skip
    """Keyframes (the middle of each clip, up to ``max_tiles``) with tracked people, their
    closest pairs and the clip's labels. Frames are fetched by a second streamed pass."""
    clips = result.clips
    if len(clips) > max_tiles:
        pick = np.linspace(0, len(clips) - 1, max_tiles).round().astype(int)
        clips = [clips[i] for i in pick]
    want = []
    for c in clips:
        mid = (c.start + c.end) / 2
        if samples:
            inside = [s for s in samples if c.start <= s.time < c.end]
            best = min(inside, key=lambda s: (-len(s.people), abs(s.time - mid))) if inside else None
            want.append((best.time if best else mid, best))
        else:
            want.append((mid, None))
    order = sorted(range(len(want)), key=lambda i: want[i][0])
    frames: dict[int, np.ndarray] = {}
    scale: dict[int, float] = {}
    k = 0
    for f in iter_frames(result.path):
        while k < len(order) and f.time + 1e-6 >= want[order[k]][0]:
            img = f.rgb(tile_width)
            frames[order[k]] = img
            scale[order[k]] = img.shape[1] / f.size[0]
            k += 1
        if k >= len(order):
            break
    tiles = []
    for i, c in enumerate(clips):
        img = frames.get(i)
        if img is None:
            continue
        img = img.copy()
        s = scale[i]
        sample = want[i][1]
        if sample is not None:
            for o in sample.people:
                col = person_colour(o.track)
                x1, y1, x2, y2 = (int(v * s) for v in o.box)
                cv2.rectangle(img, (x1, y1), (x2, y2), col, 2)
                cv2.putText(img, f"#{o.track}", (x1 + 2, y1 + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, col, 1, cv2.LINE_AA)
            byid = {o.track: o for o in sample.people}
            for p in c.pairs[:3]:
                a, b = byid.get(p.a), byid.get(p.b)
                if a is not None and b is not None:
                    ca = (int((a.box[0] + a.box[2]) / 2 * s), int((a.box[1] + a.box[3]) / 2 * s))
                    cb = (int((b.box[0] + b.box[2]) / 2 * s), int((b.box[1] + b.box[3]) / 2 * s))
                    cv2.line(img, ca, cb, (255, 255, 0), 2, cv2.LINE_AA)
        h = img.shape[0]
        band = np.zeros((64, img.shape[1], 3), np.uint8)
        head = f"{c.start:.1f}-{c.end:.1f}s shots {c.shots[0]}-{c.shots[-1]}"
        cv2.putText(band, head, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
        labs = ", ".join(f"{lab.label} {lab.score:.2f}" for lab in c.labels[:3])
        cv2.putText(band, labs[:52], (4, 36), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 220, 80), 1, cv2.LINE_AA)
        said = (c.transcript[:56] + "...") if len(c.transcript) > 56 else c.transcript
        cv2.putText(
            band,
            f'"{said}"' if said else "(no speech)",
            (4, 56),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.4,
            (200, 200, 200),
            1,
            cv2.LINE_AA,
        )
        tiles.append(np.vstack([img[: max(h, 1)], band]))
    if not tiles:
        return np.zeros((64, tile_width, 3), np.uint8)
    th = max(t.shape[0] for t in tiles)
    tw = max(t.shape[1] for t in tiles)
    cols = min(columns, len(tiles))
    rows = (len(tiles) + cols - 1) // cols
    sheet = np.full((rows * (th + 4), cols * (tw + 4), 3), 30, np.uint8)
    for i, t in enumerate(tiles):
        r, cidx = divmod(i, cols)
        sheet[r * (th + 4) : r * (th + 4) + t.shape[0], cidx * (tw + 4) : cidx * (tw + 4) + t.shape[1]] = t
    return sheet


def write_outputs(
    result: VideoResult, out: str | Path, samples: list | None = None, stem: str | None = None
) -> list[Path]:
    """``<stem>.json``, ``<stem>.srt``, ``<stem>.vtt`` (transcript), ``<stem>.interactions.vtt``
    and ``<stem>.png`` (contact sheet) in ``out``; ``stem`` defaults to the input's (see
    ``hhikit.io.outputs.OutputNames`` for distinct stems of same-named inputs). Returns the paths written."""
    from hhikit.io.outputs import utf8_json
    from hhikit.types import dumps

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stem = stem or Path(result.path).stem
    paths = [out / f"{stem}.json"]
    atomic_write_text(paths[0], utf8_json(dumps(result)) + "\n")
    if result.error is not None:
        return paths
    for name, text in ((f"{stem}.srt", to_srt(result.transcript)), (f"{stem}.vtt", transcript_vtt(result)),
                       (f"{stem}.interactions.vtt", interactions_vtt(result))):  # fmt: skip
        atomic_write_text(out / name, text)
        paths.append(out / name)
    png = out / f"{stem}.png"
    save_png(str(png), contact_sheet(result, samples))
    paths.append(png)
    return paths
