"""Scene-level data of the ICCCI system: its folder layout, scenes, labels, padding, split.

The paper's layout (one root, ``<split>`` is ``train`` or ``test``)::

    clip_<split>/<main>/<sub>/<clip>.mp4      the clips (3 consecutive shots each)
    dialogue_<split>/<main>/<sub>/<clip>.srt  their subtitles (Whisper transcripts)
    audio_<split>/<main>/<sub>/<clip>.mp3     their audio
    <split>_labels/**/*.csv                   rows ``Clip,Interaction`` (clip name, one label)

A clip is used only when its ``.srt`` and ``.mp3`` exist (else a warning names it). The
scene of a clip is the first two ``-``-separated parts of its file name
(``Memphis-12-3.mp4`` -> ``Memphis-12``); a scene's label set is the OR of its clips'
labels; the sequences of a split are zero-padded to the longest scene of that split;
the training scenes are split 78 / 22 (train / validation) by ``torch.randperm`` with a
seed, as ``torch.utils.data.random_split`` does. Other data come as a manifest
``clip,scene,labels`` (optional ``subtitle``, ``audio`` columns).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import InputError
from hhikit.video.iccci_model import ICCCI_LABELS

MODALITIES = ("visual", "text", "audio")


@dataclass
class ClipItem:
    """One clip of the data: its files, labels and scene."""

    name: str
    video: str
    subtitle: str | None = None
    audio: str | None = None
    labels: tuple[str, ...] = ()
    scene: str = ""


@dataclass
class Scenes:
    """Scenes of one split: names, clip names, padded sequences ``(N, T, D)`` and OR-ed labels."""

    names: list[str]
    clips: list[list[str]]
    visual: np.ndarray
    text: np.ndarray
    audio: np.ndarray
    labels: np.ndarray
    lengths: list[int] = field(default_factory=list)

    def subset(self, idx: Sequence[int]) -> Scenes:
        idx = list(idx)
        return Scenes([self.names[i] for i in idx], [self.clips[i] for i in idx], self.visual[idx], self.text[idx],
                      self.audio[idx], self.labels[idx], [self.lengths[i] for i in idx])  # fmt: skip


def scene_id(file_name: str) -> str:
    """The paper's scene of a clip: ``"-".join(basename.split("-")[:2])``."""
    return "-".join(os.path.basename(file_name).split("-")[:2])


def _natural(s: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def read_label_csvs(folder: str | Path) -> tuple[dict[str, tuple[str, ...]], list[str], list[tuple[str, ...]]]:
    """``{clip: labels}`` from every ``*.csv`` under ``folder``, the warnings, and the labels of
    every row (duplicates included: what the paper counts); an ``Interaction`` may hold
    several labels split by ``;``; a later row of a clip wins."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: no label folder")
    out: dict[str, tuple[str, ...]] = {}
    warns: list[str] = []
    rows: list[tuple[str, ...]] = []
    for p in sorted(root.rglob("*.csv"), key=lambda q: _natural(str(q))):
        try:
            with open(p, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                if not reader.fieldnames or not {"Clip", "Interaction"} <= set(reader.fieldnames):
                    raise InputError(f"{p}: a label file needs the columns Clip,Interaction")
                for i, row in enumerate(reader, 2):
                    labs = tuple(x.strip() for x in (row["Interaction"] or "").split(";") if x.strip())
                    bad = [x for x in labs if x not in ICCCI_LABELS]
                    if bad or not labs:
                        warns.append(f"{p}:{i}: label {row['Interaction']!r} is not one of {', '.join(ICCCI_LABELS)}")
                        continue
                    out[str(row["Clip"]).strip()] = labs
                    rows.append(labs)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"{p}: cannot read labels ({exc})") from None
    if not out:
        raise InputError(f"{root}: no label rows (Clip,Interaction) found")
    return out, warns, rows


def read_iccci_split(root: str | Path, split: str = "train") -> tuple[list[ClipItem], list[str], np.ndarray]:
    """Clips of one split of the paper's layout, the warnings, and the clip-level label
    counts of every label row (what the paper's ``pos_weight`` is computed from)."""
    root = Path(root)
    vdir, tdir, adir = root / f"clip_{split}", root / f"dialogue_{split}", root / f"audio_{split}"
    if not vdir.is_dir():
        raise InputError(f"{vdir}: no clip folder (expected {root}/clip_{split}/<main>/<sub>/*.mp4)")
    labels, warns, rows = read_label_csvs(root / f"{split}_labels")
    items: list[ClipItem] = []
    seen: set[str] = set()
    for video in sorted(vdir.glob("*/*/*.mp4"), key=lambda q: _natural(str(q))):
        rel = video.relative_to(vdir).parent
        srt, mp3 = tdir / rel / f"{video.stem}.srt", adir / rel / f"{video.stem}.mp3"
        if not (srt.is_file() and mp3.is_file()):
            warns.append(f"{video}: missing subtitle or audio file ({srt.name}, {mp3.name}); clip not used")
            continue
        if video.stem not in labels:
            warns.append(f"{video}: no label row for {video.stem!r}; clip not used")
            continue
        if video.stem in seen:
            warns.append(f"{video}: a second clip named {video.stem!r}; clip not used")
            continue
        seen.add(video.stem)
        items.append(ClipItem(video.stem, str(video), str(srt), str(mp3), labels[video.stem], scene_id(video.name)))
    if not items:
        raise InputError(f"{vdir}: no usable clip (a clip needs its .srt, .mp3 and a label row)")
    return items, warns, label_counts(rows)


def read_scene_manifest(path: str | Path) -> tuple[list[ClipItem], list[str], np.ndarray]:
    """Clips of a manifest ``clip,scene,labels`` (optional ``subtitle``, ``audio``): paths are
    relative to the manifest; an empty scene is the paper's scene of the clip's file name; a
    missing subtitle means no text (a ``<stem>.srt`` beside the clip is used when present);
    without ``audio`` the clip's own audio track is used."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such manifest")
    items: list[ClipItem] = []
    warns: list[str] = []
    with open(p, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"clip", "labels"} <= set(reader.fieldnames):
            raise InputError(f"{p}: a scene manifest needs the columns clip,scene,labels")
        for i, r in enumerate(reader, 2):

            def rel(v: str | None) -> str | None:
                if not v:
                    return None
                q = Path(v)
                return str(q if q.is_absolute() else p.parent / q)

            video = rel(r["clip"])
            labs = tuple(x.strip() for x in (r.get("labels") or "").split(";") if x.strip())
            bad = [x for x in labs if x not in ICCCI_LABELS]
            if video is None or bad:
                warns.append(f"{p}:{i}: " + (f"unknown label(s) {bad}" if bad else "no clip"))
                continue
            srt = rel(r.get("subtitle"))
            if srt is None and Path(video).with_suffix(".srt").is_file():
                srt = str(Path(video).with_suffix(".srt"))
            scene = (r.get("scene") or "").strip() or scene_id(Path(video).name)
            items.append(ClipItem(Path(video).stem, video, srt, rel(r.get("audio")), labs, scene))
    if not items:
        raise InputError(f"{p}: the manifest has no usable row")
    return items, warns, label_counts([it.labels for it in items])


def label_counts(label_sets: Sequence[Sequence[str]]) -> np.ndarray:
    """``[N, n_1 .. n_C]``: the number of clips and of clips with each label."""
    y = np.zeros(len(ICCCI_LABELS) + 1, np.int64)
    y[0] = len(label_sets)
    for labs in label_sets:
        for lab in set(labs):
            y[1 + ICCCI_LABELS.index(lab)] += 1
    return y


def pos_weight_from_counts(counts: np.ndarray) -> np.ndarray:
    """The paper's ``pos_weight = (N - n_c) / n_c`` (1 for a label without positives)."""
    n, nc = float(counts[0]), counts[1:].astype(float)
    return np.where(nc > 0, (n - nc) / np.maximum(nc, 1), 1.0).astype(np.float32)


def group_scenes(items: Sequence[ClipItem]) -> dict[str, list[ClipItem]]:
    """Scenes in order of first appearance; clips of a scene in natural name order."""
    out: dict[str, list[ClipItem]] = {}
    for it in items:
        out.setdefault(it.scene or scene_id(it.name), []).append(it)
    return {k: sorted(v, key=lambda c: _natural(c.name)) for k, v in out.items()}


def multi_hot(labels: Sequence[str]) -> np.ndarray:
    y = np.zeros(len(ICCCI_LABELS), np.float32)
    for lab in labels:
        y[ICCCI_LABELS.index(lab)] = 1.0
    return y


def build_scenes(groups: dict[str, list[ClipItem]], feats: dict[str, dict[str, np.ndarray]],
                 length: int | None = None) -> Scenes:  # fmt: skip
    """Stack each scene's clip features (clips without features are left out), OR their
    labels and zero-pad every sequence to ``length`` (default: the longest scene)."""
    names, clips, seqs, ys = [], [], [], []
    for scene, members in groups.items():
        ok = [c for c in members if c.name in feats]
        if not ok:
            continue
        names.append(scene)
        clips.append([c.name for c in ok])
        seqs.append({m: np.stack([feats[c.name][m] for c in ok]).astype(np.float32) for m in MODALITIES})
        ys.append(np.max([multi_hot(c.labels) for c in ok], axis=0))
    if not names:
        raise InputError("no scene has a clip with features")
    lengths = [len(c) for c in clips]
    t = max(lengths) if length is None else length
    arr = {}
    for m in MODALITIES:
        d = seqs[0][m].shape[1]
        a = np.zeros((len(names), t, d), np.float32)
        for i, s in enumerate(seqs):
            a[i, : min(t, len(s[m]))] = s[m][:t]
        arr[m] = a
    return Scenes(names, clips, arr["visual"], arr["text"], arr["audio"], np.stack(ys), lengths)


def split_scenes(n: int, train_fraction: float = 0.78, seed: int = 0) -> tuple[list[int], list[int]]:
    """``random_split(data, [int(f * n), n - int(f * n)], generator=manual_seed(seed))``."""
    import torch

    k = int(train_fraction * n)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    return perm[:k], perm[k:]


# ---------------------------------------------------------------- features of a clip file


def _stat(p: str | None) -> str:
    if not p:
        return "-"
    try:
        st = Path(p).stat()
    except OSError:
        return f"{p}|missing"
    return f"{Path(p).resolve()}|{st.st_size}|{st.st_mtime_ns}"


def clip_inputs(item: ClipItem, extractors: Any) -> Any:
    """Subtitle lines, 16 kHz mono audio (as long as the audio extractor keeps) and the
    visual extractor's sampled, prepared frames of one clip file."""
    from hhikit.video.decode import iter_audio, iter_frames
    from hhikit.video.features import ClipInputs, read_srt_lines
    from hhikit.video.vivit import sample_indices

    lines = read_srt_lines(item.subtitle) if item.subtitle else []
    cap = getattr(extractors.audio, "max_seconds", None)
    blocks, got = [], 0
    try:
        for _, b in iter_audio(item.audio or item.video):
            blocks.append(b)
            got += len(b)
            if cap and got >= cap * 16000:
                break
    except InputError:
        if item.audio:  # a named audio file must be readable; a clip without a track gets silence
            raise
    audio = np.concatenate(blocks)[: int(cap * 16000) if cap else None] if blocks else None
    vis = extractors.visual
    # two decodes (count, then convert only the sampled frames) keep memory at num_frames
    # frames whatever the clip's length, instead of every frame of a long video
    total = sum(1 for _ in iter_frames(item.video))
    if not total:
        raise InputError(f"{item.video}: no decodable frame")
    idx = sample_indices(total, vis.num_frames)
    want = set(idx.tolist())
    picked = {f.index: vis.prepare(f.rgb()) for f in iter_frames(item.video) if f.index in want}
    if len(picked) < len(want):
        raise InputError(f"{item.video}: the second decode gave fewer frames than the first")
    return ClipInputs(lines=lines, audio=audio, frames=[picked[i] for i in idx.tolist()])


def clip_features(item: ClipItem, extractors: Any, cache: Path | None = None) -> dict[str, np.ndarray]:
    """The three feature vectors of a clip, cached in ``cache`` under a key of the clip's
    files (path, size, mtime) and the extractors' card, so a second run reads them."""
    card = json.dumps(extractors.card(), sort_keys=True)
    key = hashlib.sha1("|".join([_stat(item.video), _stat(item.subtitle), _stat(item.audio), card]).encode())
    f = cache / f"{item.name[:40]}-{key.hexdigest()[:16]}.npz" if cache else None
    if f is not None and f.is_file():
        try:
            with np.load(f) as z:
                return {m: z[m] for m in MODALITIES}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass  # a damaged cache entry (empty, truncated, foreign) is recomputed
    try:
        out = extractors.encode(clip_inputs(item, extractors))
    except InputError:
        raise
    except Exception as exc:  # a strange file a decoder or model chokes on: this clip only
        raise InputError(f"{item.video}: no features ({type(exc).__name__}: {exc})") from None
    if f is not None:
        from hhikit.io.atomic import atomic_path

        with atomic_path(f) as tmp:
            np.savez(tmp, **out)
    return out
