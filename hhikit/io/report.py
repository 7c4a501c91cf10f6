"""A self-contained HTML report for many results: annotated thumbnails inlined as data URIs,
their top interactions, a filter by interaction text, and a summary table. No external URL:
the page opens from disk and works offline."""

from __future__ import annotations

import base64
import html
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from hhikit.errors import HHIError
from hhikit.io.draw import annotate
from hhikit.io.images import read_image
from hhikit.types import ImageResult, Record, VideoResult

THUMB = 360

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem;background:#fafafa;color:#222}
h1{font-size:1.4rem} table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left;font-size:.9rem}
#filter{font-size:1rem;padding:.4rem;width:24rem;max-width:90%}
.grid{display:flex;flex-wrap:wrap;gap:12px;margin-top:1rem}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px;width:372px}
.card img{max-width:100%;display:block;margin-bottom:6px}
.card .path{font-size:.75rem;color:#666;word-break:break-all}
.card ol{margin:.3rem 0 0 1.2rem;padding:0;font-size:.85rem}
.err{color:#b00020;font-size:.85rem} .hidden{display:none}
"""

_JS = """
const f=document.getElementById('filter');const cnt=document.getElementById('shown');
function apply(){const q=f.value.trim().toLowerCase();let n=0;
document.querySelectorAll('.card').forEach(c=>{const ok=!q||c.dataset.text.includes(q);
c.classList.toggle('hidden',!ok);if(ok)n++;});cnt.textContent=n;}
f.addEventListener('input',apply);apply();
"""


def _thumb_data_uri(record: ImageResult) -> str | None:
    try:
        image = read_image(record.path)
    except HHIError:
        return None
    img = annotate(image, record)
    h, w = img.shape[:2]
    s = THUMB / max(h, w)
    if s < 1:
        img = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(
        ".jpg", cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85]
    )
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii") if ok else None


def _texts(record: Record) -> list[tuple[str, float]]:
    if isinstance(record, ImageResult):
        return [(i.text, i.score) for i in record.interactions]
    labels: dict[str, float] = {}
    for clip in record.clips:
        for lab in clip.labels:
            labels[lab.label] = max(labels.get(lab.label, 0.0), lab.score)
    return sorted(labels.items(), key=lambda kv: -kv[1])


def render_report(records: Iterable[Record], title: str = "hhikit report") -> str:
    """The report page as one HTML string."""
    cards: list[str] = []
    counts: Counter[str] = Counter()
    errors: list[tuple[str, str]] = []
    n = 0
    for rec in records:
        n += 1
        esc_path = html.escape(rec.path)
        if rec.error:
            errors.append((rec.path, f"{rec.error.get('type')}: {rec.error.get('message')}"))
            cards.append(
                f'<div class="card" data-text="error"><div class="path">{esc_path}</div>'
                f'<div class="err">{html.escape(rec.error.get("message", ""))}</div></div>'
            )
            continue
        texts = _texts(rec)
        if texts:
            counts[texts[0][0]] += 1
        items = "".join(f"<li>{html.escape(t)} <small>({s:.2f})</small></li>" for t, s in texts[:5])
        if isinstance(rec, ImageResult):
            uri = _thumb_data_uri(rec)
            img = f'<img alt="{esc_path}" src="{uri}">' if uri else '<div class="err">image not readable here</div>'
            meta = f"{len(rec.people)} people, {sum(not p.suppressed for p in rec.pairs)} interacting pairs"
        else:
            assert isinstance(rec, VideoResult)
            img = ""
            meta = f"video, {rec.duration:.1f} s, {len(rec.shots)} shots, {len(rec.clips)} clips"
        data_text = html.escape(" | ".join(t for t, _ in texts).lower() or "none")
        cards.append(
            f'<div class="card" data-text="{data_text}">{img}<div class="path">{esc_path}</div>'
            f"<div>{meta}</div><ol>{items or '<li><em>no interaction found</em></li>'}</ol></div>"
        )
    rows = "".join(f"<tr><td>{html.escape(t)}</td><td>{c}</td></tr>" for t, c in counts.most_common())
    err_rows = "".join(f"<tr><td>{html.escape(p)}</td><td>{html.escape(m)}</td></tr>" for p, m in errors)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{_CSS}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>{n} results, {len(errors)} with errors. Showing <span id="shown">{n}</span>.</p>
<h2>Top interaction per result</h2>
<table id="summary"><tr><th>interaction</th><th>results</th></tr>{rows or '<tr><td colspan="2">none</td></tr>'}</table>
<h2>Errors</h2>
<table id="errors"><tr><th>file</th><th>error</th></tr>{err_rows or '<tr><td colspan="2">none</td></tr>'}</table>
<input id="filter" type="search" placeholder="filter by interaction text, e.g. shaking hands">
<div class="grid">{"".join(cards)}</div>
<script>{_JS}</script></body></html>
"""


def write_report(records: Iterable[Record], out: str | Path, title: str = "hhikit report") -> Path:
    from hhikit.io.atomic import atomic_write_text

    out = Path(out)
    atomic_write_text(out, render_report(records, title))
    return out
