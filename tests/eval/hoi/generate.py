"""Generated annotation files and detections for checking the HOI evaluators against the
reference ports: jitter, misses, duplicates, false positives (also on images without ground
truth and on 'empty' images), wrong classes, tied scores, empty classes, missing roles and
overlapping people."""

from __future__ import annotations

from typing import Any

import numpy as np


def _box(rng: np.random.Generator, x: float, y: float, w: float, h: float) -> list[float]:
    return [float(x), float(y), float(x + w), float(y + h)]


def toy_hicodet(seed: int, n_images: int = 30, n_classes: int = 8) -> dict[str, Any]:
    """A HICO-DET file: two objects, ``n_classes`` classes (the last without ground truth),
    people standing close together, two 'empty' images, a rare list."""
    rng = np.random.default_rng(seed)
    corr = [[c, c % 2, c] for c in range(n_classes)]
    ann = []
    empty = [n_images - 2, n_images - 1]
    for i in range(n_images):
        a: dict[str, list[Any]] = {"boxes_h": [], "boxes_o": [], "hoi": [], "object": [], "verb": []}
        if i not in empty:
            x0 = rng.uniform(10, 200)
            people = [_box(rng, x0 + k * rng.uniform(8, 30), 20, 60, 120) for k in range(int(rng.integers(1, 4)))]
            objects = [_box(rng, rng.uniform(0, 300), rng.uniform(100, 300), rng.uniform(20, 80), 40) for _ in range(2)]
            seen = set()
            for _ in range(int(rng.integers(1, 6))):
                c, p, o = int(rng.integers(0, n_classes - 1)), int(rng.integers(len(people))), int(rng.integers(2))
                if (c, p, o) in seen:  # identical annotations could not both be matched
                    continue
                seen.add((c, p, o))
                a["boxes_h"].append(people[p])
                a["boxes_o"].append(objects[o])
                a["hoi"].append(c)
                a["object"].append(c % 2)
                a["verb"].append(c)
        ann.append(a)
    return {
        "filenames": [f"img_{i:03d}.jpg" for i in range(n_images)],
        "annotation": ann,
        "empty": empty,
        "correspondence": corr,
        "objects": ["o0", "o1"],
        "verbs": [f"v{c}" for c in range(n_classes)],
        "rare": [1, 4, n_classes - 1],
        "non_rare": [c for c in range(n_classes) if c not in (1, 4, n_classes - 1)],
    }


def toy_vcoco(seed: int, n_images: int = 30) -> dict[str, Any]:
    """A V-COCO file: six classes of four actions (``cut`` and ``eat`` have two roles, so a
    person can miss one), overlapping people, pairs without a role object, images without pairs."""
    rng = np.random.default_rng(seed)
    classes = ["hold obj", "cut instr", "cut obj", "eat obj", "eat instr", "look obj"]
    anns = []
    for i in range(n_images):
        a: dict[str, list[Any]] = {"boxes_h": [], "boxes_o": [], "actions": [], "objects": []}
        if i % 7 != 6:
            x0 = rng.uniform(10, 200)
            people = [_box(rng, x0 + k * rng.uniform(5, 25), 20, 60, 120) for k in range(int(rng.integers(1, 4)))]
            objects = [_box(rng, rng.uniform(0, 300), rng.uniform(100, 300), 40, 40) for _ in range(3)]
            seen = set()
            for _ in range(int(rng.integers(1, 6))):
                p, c = int(rng.integers(len(people))), int(rng.integers(len(classes)))
                if (p, c) in seen:
                    continue
                seen.add((p, c))
                a["boxes_h"].append(people[p])
                a["boxes_o"].append(None if rng.random() < 0.15 else objects[int(rng.integers(3))])
                a["actions"].append(c)
                a["objects"].append(1)
        a["file_name"] = f"v_{i:03d}.jpg"
        anns.append(a)
    return {"classes": classes, "annotations": anns}


def _jitter(rng: np.random.Generator, b: list[float] | None, sigma: float) -> list[float] | None:
    if b is None:
        return None
    x1, y1, x2, y2 = (np.asarray(b, float) + rng.normal(0, sigma, 4)).tolist()
    return [round(x1, 1), round(y1, 1), round(max(x2, x1 + 2), 1), round(max(y2, y1 + 2), 1)]


def detections(
    pairs: list[tuple[str, list[float], list[float] | None, int]],
    files: list[str],
    n_classes: int,
    seed: int,
    sigma: float = 5.0,
    p_miss: float = 0.2,
    p_dup: float = 0.25,
    p_wrong: float = 0.1,
    p_no_role: float = 0.0,
    p_invent_role: float = 0.0,
    fp_per_image: float = 1.0,
    decimals: int = 1,
    drop_classes: tuple[int, ...] = (),
) -> list[dict[str, Any]]:
    """Detection rows from ground-truth pairs ``(file, box_h, box_o, class)``; scores rounded to
    ``decimals`` so that many tie; ``drop_classes`` get no detection at all. V-COCO:
    ``p_no_role`` predicts no role box, ``p_invent_role`` a role box where the truth has none."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []

    def add(f: str, bh: list[float] | None, bo: list[float] | None, c: int) -> None:
        if c in drop_classes or bh is None:
            return
        if p_no_role and rng.random() < p_no_role:
            bo = None
        elif bo is None and p_invent_role and rng.random() < p_invent_role:
            bo = [float(v) for v in np.round(_rand_box(rng), 1)]
        rows.append(
            {"image": f, "box_h": bh, "box_o": bo, "hoi": int(c), "score": round(float(rng.random()), decimals)}
        )

    for f, bh, bo, c in pairs:
        if rng.random() < p_miss:
            continue
        add(f, _jitter(rng, bh, sigma), _jitter(rng, bo, sigma), c)
        if rng.random() < p_dup:
            add(f, _jitter(rng, bh, sigma), _jitter(rng, bo, sigma), c)
        if rng.random() < p_wrong:
            add(f, _jitter(rng, bh, sigma), _jitter(rng, bo, sigma), int(rng.integers(n_classes)))
    for _ in range(int(fp_per_image * len(files))):
        f = files[int(rng.integers(len(files)))]
        bh = [float(v) for v in np.round(_rand_box(rng), 1)]
        bo = [float(v) for v in np.round(_rand_box(rng), 1)]
        add(f, bh, bo, int(rng.integers(n_classes)))
    order = rng.permutation(len(rows))
    return [rows[i] for i in order]


def _rand_box(rng: np.random.Generator) -> np.ndarray:
    x, y = rng.uniform(0, 300, 2)
    return np.array([x, y, x + rng.uniform(10, 120), y + rng.uniform(10, 120)])


def hicodet_pairs(ann: dict[str, Any]) -> list[tuple[str, list[float], list[float] | None, int]]:
    return [(ann["filenames"][i], bh, bo, h) for i, a in enumerate(ann["annotation"])
            for bh, bo, h in zip(a["boxes_h"], a["boxes_o"], a["hoi"], strict=True)]  # fmt: skip


def vcoco_pairs(ann: dict[str, Any]) -> list[tuple[str, list[float], list[float] | None, int]]:
    return [(a["file_name"], bh, bo, c) for a in ann["annotations"]
            for bh, bo, c in zip(a["boxes_h"], a["boxes_o"], a["actions"], strict=True)]  # fmt: skip
