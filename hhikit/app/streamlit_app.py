"""The hhikit web demo. Run with ``hhi app`` (binds to 127.0.0.1 unless told otherwise).

Upload an image or a video (or pick a bundled example), watch each step run, see the
annotated result with people, pairs and interactions and their cues, and download the JSON
record: the same record `hhi analyze --json` prints.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import streamlit as st

from hhikit.app.uploads import DEFAULT_MAX_MB, UploadStore, analyze_upload, as_text, sniff

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "images"
MAX_MB = float(os.environ.get("HHIKIT_APP_MAX_MB", DEFAULT_MAX_MB))


@st.cache_resource(show_spinner="Loading models (once)...")
def image_pipeline() -> Any:
    from hhikit.app import settings
    from hhikit.pipeline import Pipeline

    settings.load_plugins()
    return Pipeline(settings.pipeline_config())  # the options `hhi app` was given


@st.cache_resource(show_spinner="Loading video models (once)...")
def video_pipeline() -> Any:
    try:
        from hhikit.video import VideoPipeline  # type: ignore[attr-defined]
    except ImportError:
        return None
    from hhikit.app import settings

    settings.load_plugins()
    return VideoPipeline(settings.video_config())  # `hhi app --video-weights RUN/last.pt`: the trained model


def show_image_result(path: Path, result: Any) -> None:
    from hhikit.io.draw import annotate
    from hhikit.io.images import read_image

    if result.error:
        st.error(f"Could not analyse this image: {as_text(result.error['message'])}")
        return
    left, right = st.columns([3, 2])
    with left:
        shown = annotate(read_image(path), result)
        if max(shown.shape[:2]) < 640:  # small photos: enlarge for the eye (drawing stays in original pixels)
            import cv2

            f = 640 / max(shown.shape[:2])
            shown = cv2.resize(shown, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
        st.image(shown, caption="people, skeletons, pairs and interactions")
    with right:
        st.markdown(f"**People found: {len(result.people)}**")
        active = [p for p in result.pairs if not p.suppressed]
        st.markdown(
            f"Pairs: {len(result.pairs)} ({len(active)} interacting, {len(result.pairs) - len(active)} suppressed)"
        )
        if result.interactions:
            st.markdown("**Interactions (most salient pair)**")
            for it in result.interactions:
                st.markdown(f"- `{it.text}` {it.score:.2f}")
                st.caption(as_text("; ".join(it.cues)))  # cues may quote scene text: shown as text
        else:
            st.markdown("No interaction described for this image.")
        for pr in result.pairs:
            state = "suppressed" if pr.suppressed else "interacting"
            with st.expander(f"pair #{pr.a} - #{pr.b}: interactiveness {pr.interactiveness:.2f} ({state})"):
                for it in pr.interactions:
                    st.markdown(f"- `{it.text}` {it.score:.2f} ({as_text('; '.join(it.cues))})")
                if pr.geometry:
                    st.json(pr.geometry, expanded=False)
        st.caption("time: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.timings.items()))


def show_video_result(result: Any, sheet: Any = None) -> None:
    if result.error:
        st.error(f"Could not analyse this video: {as_text(result.error['message'])}")
        return
    st.markdown(
        f"**Video:** {result.duration:.1f} s at {result.fps:.1f} fps, {len(result.shots)} shots, {len(result.clips)} clips"
    )
    if "scene_labels" in result.extra:  # a trained ICCCI model: the video is one scene
        scene = sorted(result.extra["scene_labels"].items(), key=lambda kv: -kv[1])
        found = ", ".join(result.extra.get("scene_predicted", [])) or "nothing above the threshold"
        st.markdown(f"**Scene (ICCCI model):** {found}")
        st.caption(" · ".join(f"{k} {v:.2f}" for k, v in scene))
    st.markdown(f"**Labeller:** {result.extra.get('labeller', 'zero-shot')}")
    st.markdown("**Timeline of clips**")
    rows = [
        {
            "clip": i,
            "start s": round(c.start, 2),
            "end s": round(c.end, 2),
            "shots": ", ".join(map(str, c.shots)),
            "labels": "; ".join(f"{lab.label} {lab.score:.2f}" for lab in c.labels),
            "cues": " | ".join("; ".join(lab.cues) for lab in c.labels[:2]),
        }
        for i, c in enumerate(result.clips)
    ]
    st.dataframe(rows, hide_index=True)
    for i, c in enumerate(result.clips):  # labels and their cues as text, readable in full
        labs = " · ".join(f"{lab.label} {lab.score:.2f}" for lab in c.labels) or "no label"
        st.markdown(f"Clip {i} ({c.start:.1f}-{c.end:.1f} s): {labs}")
        cues = [f"{lab.label}: {cue}" for lab in c.labels for cue in lab.cues]
        if cues:
            st.caption(as_text("; ".join(cues)))
    st.markdown("**Shots**")
    st.dataframe([s.to_dict() for s in result.shots], hide_index=True)
    st.markdown("**Transcript**")
    for seg in result.transcript:
        st.markdown(f"`{seg.start:6.1f}-{seg.end:6.1f}` {as_text(seg.text)}")
    if sheet is not None:
        st.markdown("**Keyframes**")
        st.image(sheet, caption="keyframes with people, pairs and labels")


def main() -> None:
    st.set_page_config(page_title="hhikit demo", layout="wide")
    st.title("hhikit: who is interacting with whom")
    choice = st.radio("Input", ["Upload a file", "Bundled example"], horizontal=True)
    # the store's folder goes on every exit path: here, at process exit, and with `hhi app`
    with UploadStore(max_mb=MAX_MB) as store:
        if choice == "Upload a file":
            up = st.file_uploader(f"An image or a video (at most {MAX_MB:g} MB)", accept_multiple_files=False)
            if up is None:
                return
            data = up.getvalue()
            kind = (sniff(data[:64]) or ("image", ""))[0]
            vp = video_pipeline() if kind == "video" else None
            if kind == "video" and vp is None:
                st.error("Video analysis is not available in this installation.")
                return
            label = (
                "Analysing the image..." if kind == "image" else "Analysing the video (decode, shots, speech, clips)..."
            )
            with st.status(label, expanded=True) as status:
                result, sheet, saved = analyze_upload(
                    store, data, up.name, image_pipeline(), vp, on_stage=lambda s: status.write(f"step: {s}")
                )
                status.update(label="Done", state="complete" if result.error is None else "error", expanded=False)
            if result.error:
                st.error(as_text(result.error["message"]))  # names the user's file, shown as text
                return
            if kind == "image":
                show_image_result(saved.path, result)
            else:
                show_video_result(result, sheet)
        else:
            examples = sorted(EXAMPLES.glob("*.jpg"))
            name = st.selectbox("Example", [p.name for p in examples])
            path = EXAMPLES / name
            with st.status("Analysing the image...", expanded=True) as status:
                pipe = image_pipeline()
                result = pipe.analyze(path, on_stage=lambda s: status.write(f"step: {s}"))
                status.update(label="Done", state="complete" if result.error is None else "error", expanded=False)
            show_image_result(path, result)
        record = result.to_dict()  # for an upload, `path` is the user's file name, never a server path
        st.download_button("Download the JSON record", json.dumps(record, indent=1), file_name="hhikit_result.json",
                           mime="application/json")  # fmt: skip


main()
