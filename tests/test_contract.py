"""One contract over every registered backend of each kind (as timm tests every registered
model): build it (skip, with the reason, when its model is unavailable), run it on a real
shared image or clip, check the output types. A new backend is covered by registering it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hhikit import registry
from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.io.images import read_image
from hhikit.keypoints import KeypointLayout
from hhikit.types import DetectedObject, ImageResult, Interaction, Person, TranscriptSegment
from tests.conftest import shared_path


def _names(kind: str) -> list[str]:
    return [e.name for e in registry.entries(kind)]


def _build(kind: str, name: str, *args):
    entry = registry.lookup(kind, name)
    try:
        return entry.factory(*args)
    except ModelUnavailable as exc:
        pytest.skip(f"{kind} {name!r}: model unavailable: {exc}")
    except ConfigError as exc:  # e.g. a captioner that needs a model directory
        pytest.skip(f"{kind} {name!r} cannot be built without options: {exc}")


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    images = sorted(shared_path("waldo_and_wenda", "images").glob("*.jpg"))
    return read_image(images[0])


@pytest.fixture(scope="module")
def clip():
    return shared_path("videos", "multiperson", "demo_spatiotemporal_det.mp4")


@pytest.mark.parametrize("name", _names("detector"))
def test_detector_contract(name, photo):
    det = _build("detector", name)
    if callable(getattr(det, "detect_hands", None)):  # a hand detector: hands, and no people (says so)
        hands = det.detect_hands(photo)
        assert all(h.landmarks.shape == (21, 3) and h.box.shape == (4,) for h in hands)
        with pytest.raises(ConfigError, match="not a person detector"):
            det.detect(photo)
        det.close()
        return
    people = det.detect(photo)
    assert people, f"{name} found nobody in a photo of people: the checks below would be vacuous"
    assert isinstance(det.name, str) and isinstance(people, list)
    assert [p.id for p in people] == list(range(len(people)))  # ids 0..n-1 ...
    assert all(a.score >= b.score for a, b in itertools.pairwise(people))  # ... by descending score
    h, w = photo.shape[:2]
    for p in people:
        assert isinstance(p, Person) and p.box.shape == (4,) and p.box.dtype == np.float32
        assert -1 <= p.box[0] <= p.box[2] <= w + 1 and -1 <= p.box[1] <= p.box[3] <= h + 1
        if p.keypoints is not None:
            assert p.keypoints.shape[1] == 3 and isinstance(p.keypoint_format, KeypointLayout | None)
    if callable(getattr(det, "detect_objects", None)):
        assert all(isinstance(o, DetectedObject) for o in det.detect_objects(photo))
    if callable(getattr(det, "close", None)):
        det.close()


@pytest.mark.parametrize("name", _names("interactiveness"))
def test_interactiveness_contract(name):
    model = _build("interactiveness", name)
    a = np.array([[10, 10, 60, 120], [200, 20, 260, 140]], np.float32)
    b = np.array([[50, 15, 110, 125], [400, 300, 420, 330]], np.float32)
    scores = np.asarray(model.score(a, b))
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))
    assert 0.0 <= float(model.threshold) <= 1.0


@pytest.mark.parametrize("name", _names("describer"))
def test_describer_contract(name, photo):
    describer = _build("describer", name, None)
    h, w = photo.shape[:2]
    people = [
        Person(0, [0.1 * w, 0.2 * h, 0.5 * w, 0.95 * h], 0.9),
        Person(1, [0.45 * w, 0.2 * h, 0.9 * w, 0.95 * h], 0.8),
    ]
    from hhikit.pairs import build_pairs

    result = ImageResult(path="x.jpg", width=w, height=h, people=people, pairs=build_pairs(people))
    describer.describe(photo, result)
    assert result.interactions or any(p.interactions for p in result.pairs), f"{name} described nothing"
    assert all(isinstance(i, Interaction) and isinstance(i.text, str) for i in result.interactions)
    assert all(isinstance(i, Interaction) for p in result.pairs for i in p.interactions)


@pytest.mark.parametrize("name", _names("shot_detector"))
def test_shot_detector_contract(name, clip):
    from hhikit.video.decode import iter_frames

    det = _build("shot_detector", name)
    det.reset()
    n = 0
    for frame in itertools.islice(iter_frames(clip), 150):
        det.update(frame)
        n += 1
    cuts = det.finish()
    assert isinstance(cuts, list) and all(isinstance(c, int) and 0 < c < n for c in cuts) and cuts == sorted(cuts)


@pytest.mark.slow
@pytest.mark.parametrize("name", _names("asr"))
def test_asr_contract(name):
    from hhikit.video.decode import iter_audio

    engine = _build("asr", name)
    start, samples = next(iter_audio(shared_path("videos", "scenes", "sophie-7.webm"), block_seconds=6.0))
    segments = engine.transcribe(samples, offset=start)
    assert isinstance(segments, list) and all(isinstance(s, TranscriptSegment) for s in segments)
    assert all(0 <= s.start <= s.end for s in segments)


@pytest.mark.slow
@pytest.mark.parametrize("name", [e.name for e in registry.entries("model") if e.factory is not None])
def test_model_contract(name):
    """Every model card with a factory: resolve its files, build it, run its smoke test."""
    from hhikit.models.store import resolve

    entry = registry.lookup("model", name)
    try:
        resolved = resolve(entry.card)
    except ModelUnavailable as exc:
        pytest.skip(f"model {name!r} unavailable: {exc}")
    model = entry.factory(resolved)
    if entry.smoke is not None:
        assert isinstance(entry.smoke(model), str)


@pytest.mark.slow
@pytest.mark.parametrize("name", _names("clip_feature"))
def test_clip_feature_contract(name, clip):
    from hhikit.video.decode import iter_audio, iter_frames
    from hhikit.video.features import ClipInputs

    feature = _build("clip_feature", name)
    inputs = ClipInputs(lines=["Hello there.", "Shall we dance?"])
    if feature.modality == "audio":
        inputs.audio = next(iter_audio(shared_path("videos", "scenes", "sophie-7.webm"), block_seconds=4.0))[1]
    if feature.modality == "visual":
        prepare = getattr(feature, "prepare", lambda rgb: rgb)
        inputs.frames = [prepare(f.rgb()) for f in itertools.islice(iter_frames(clip), 16)]
    vec = np.asarray(feature.encode(inputs))
    assert feature.modality in ("text", "audio", "visual") and vec.shape == (feature.dim,)
    assert np.isfinite(vec).all() and isinstance(feature.card(), dict)


@pytest.mark.parametrize("name", _names("export"))
def test_export_contract(name, photo, tmp_path):
    from hhikit.io.export import ExportOptions, open_writer
    from hhikit.io.export.base import NotSupported
    from hhikit.pairs import build_pairs

    images = sorted(shared_path("waldo_and_wenda", "images").glob("*.jpg"))
    h, w = photo.shape[:2]
    people = [
        Person(0, [0.1 * w, 0.2 * h, 0.5 * w, 0.95 * h], 0.9),
        Person(1, [0.45 * w, 0.2 * h, 0.9 * w, 0.95 * h], 0.8),
    ]
    record = ImageResult(path=str(images[0]), width=w, height=h, people=people, pairs=build_pairs(people),
                         interactions=[Interaction("_ talking with _", 0.7)])  # fmt: skip
    writer = open_writer(name, tmp_path / f"out.{name}", ExportOptions())
    try:
        writer.write(record)
    except NotSupported as exc:
        writer.abort()
        pytest.skip(f"export {name!r} takes no image records: {exc}")
    paths = writer.close()
    assert paths and all(isinstance(p, type(tmp_path)) and p.exists() for p in paths)


@pytest.mark.parametrize("name", _names("hoi"))
def test_hoi_contract(name):
    """An HOI model scores every person x object pair of a real photo into typed triplets."""
    from hhikit.hoi.image import detect_hois
    from hhikit.types import HOI

    model = _build("hoi", name)
    image = read_image(shared_path("examples", "ski.jpg"))
    h, w = image.shape[:2]
    people = [Person(0, [0.3 * w, 0.1 * h, 0.6 * w, 0.9 * h], 0.9)]
    objects = [DetectedObject("skis", [0.2 * w, 0.8 * h, 0.7 * w, 0.95 * h], 0.7),
               DetectedObject("person", [0.6 * w, 0.1 * h, 0.9 * w, 0.9 * h], 0.8)]  # fmt: skip
    hois = detect_hois(people, objects, model, image=image)
    assert hois and all(isinstance(x, HOI) and x.person == 0 and x.object == 0 for x in hois)  # people are no objects
    assert all(0.0 <= x.interactiveness <= 1.0 and isinstance(x.suppressed, bool) and x.cues for x in hois)
    assert all(x.label == model.classes[x.hoi] and x.object_name == "skis" for x in hois)


def test_every_kind_has_a_contract():
    kinds = {e.kind for e in registry.entries()} - {"setup"}  # set-up steps run in hhi models setup
    covered = {
        "detector",
        "interactiveness",
        "describer",
        "shot_detector",
        "asr",
        "model",
        "clip_feature",
        "export",
        "hoi",
    }
    assert kinds <= covered, f"no contract test for kinds {kinds - covered}"
