"""What every export format shares: the writer protocol, streamed atomic output files,
image references (never copied unless asked) and the HOI triplets of a record."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable
from urllib.parse import quote, unquote

from hhikit.errors import ConfigError, InputError
from hhikit.options import opt
from hhikit.registry import Registry
from hhikit.types import ImageResult, Record, VideoResult

LOCAL_FILES = "/data/local-files/?d="  # Label Studio's URL of a file under its document root
COCO17_NAMES: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip


@dataclass
class ExportOptions:
    """Options every writer understands (each uses the ones that apply to its format); the
    single source of ``hhi export``'s options."""

    document_root: Path | None = opt(None, metavar="DIR", help="write image paths relative to this folder "
                                     "(Label Studio: its local-files document root)")  # fmt: skip
    image_root: str | None = opt(None, metavar="PREFIX", help="Label Studio: image URL = PREFIX + relative path "
                                 "(e.g. https://host/images/ or s3://bucket/) instead of /data/local-files/?d=")  # fmt: skip
    copy_images: Path | None = opt(None, metavar="DIR", help="copy the images into DIR and reference the copies "
                                   "(default: reference, never copy)")  # fmt: skip
    keypoint_threshold: float = opt(0.3, bounds=(0.0, 1.0), metavar="T",
                                    help="a keypoint is visible (COCO v=2, a Label Studio keypoint) at this score or more")  # fmt: skip
    include_suppressed: bool = opt(False, help="Label Studio relations and HOI detections: keep pairs and "
                                   "triplets that non-interaction suppression removed")  # fmt: skip
    keypoints: bool = opt(False, help="Label Studio: keypointlabels regions for each person")
    config: Path | None = opt(None, metavar="PATH", help="Label Studio: labelling config path (default OUT.config.xml)")
    all_interactions: bool = opt(False, help="Label Studio: every interaction of the HHI vocabulary in <Relations>, "
                                 "so a reviewer can pick any, not only those predicted")  # fmt: skip
    hoi_relations: bool = opt(False, help="Label Studio: also a person -> object relation per HOI triplet "
                              "(labelled 'verb object')")  # fmt: skip

    def __post_init__(self) -> None:
        for name in ("document_root", "copy_images", "config"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                setattr(self, name, Path(value))

    def check(self) -> None:
        from hhikit.options import check_fields

        check_fields(self)
        if self.document_root is not None and not self.document_root.is_dir():
            raise ConfigError(f"{self.document_root}: document root is not a folder")


@runtime_checkable
class Writer(Protocol):
    """One export format: ``write`` each record as it comes, ``close`` finishes the files
    (atomically) and returns their paths; ``abort`` removes what was started."""

    def write(self, record: Record) -> None: ...

    def close(self) -> list[Path]: ...

    def abort(self) -> None: ...


WriterFactory = Callable[[Path, ExportOptions], Writer]
# Export formats are entries of kind "export" of the one registry; a plugin adds one with
# ``@register_writer("name")`` on a class or factory ``(out, options) -> Writer``.
FORMATS = Registry("export", "export format")


def register_writer(name: str) -> Callable[[WriterFactory], WriterFactory]:
    """Register a writer factory under a format name (``hhi export --to NAME``); its
    docstring's first line is the format's help."""
    return FORMATS.register(name)


def format_help(name: str) -> str:
    """The first docstring line of a format's writer."""
    from hhikit.registry import lookup

    doc = getattr(lookup("export", name, "export format").factory, "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


class NotSupported(InputError):
    """A record kind that a format has no form for (e.g. a video in HOI detection files)."""


class AtomicFile:
    """A text file written in a temp file beside ``path`` and renamed onto it by ``commit``
    (so a crash or an error never leaves half a file under the final name)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        self.tmp = Path(tmp)
        # a file name with bytes the file system could not decode (PEP 383 lone surrogates)
        # is written as a \udcXX escape: valid JSON for the same string, readable in CSV / XML
        self.fh: IO[str] = os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="")

    def write(self, text: str) -> None:
        self.fh.write(text)

    def commit(self) -> Path:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.chmod(self.tmp, 0o666 & ~_umask())  # mkstemp makes 0600; an export is an ordinary file
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        self.tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class Scratch:
    """An anonymous temp file beside the output, for the parts of a format that must come
    after the records (COCO's annotation list): written once, copied into the output."""

    def __init__(self, beside: Path) -> None:
        beside.parent.mkdir(parents=True, exist_ok=True)
        self.fh: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", errors="backslashreplace", dir=beside.parent)  # noqa: SIM115 (lives as long as the writer)
        self.count = 0

    def add(self, text: str) -> None:
        self.fh.write(("," if self.count else "") + text)
        self.count += 1

    def copy_to(self, out: AtomicFile) -> None:
        self.fh.seek(0)
        shutil.copyfileobj(self.fh, out.fh, 1 << 20)

    def close(self) -> None:
        self.fh.close()


@dataclass
class ImageRefs:
    """How a record's path is referenced in an export: copied (only when asked), then made
    relative to the document root."""

    options: ExportOptions
    _copied: dict[str, Path] = field(default_factory=dict)

    def local(self, path: str) -> str:
        """The path as written in the export (POSIX separators)."""
        p = Path(path)
        if self.options.copy_images is not None:
            p = self._copy(p)
        root = self.options.document_root
        if root is not None:
            try:
                return Path(os.path.abspath(p)).relative_to(os.path.abspath(root)).as_posix()
            except ValueError:
                pass
        return p.as_posix()

    def url(self, path: str) -> str:
        """A Label Studio URL: ``IMAGE_ROOT + relative path`` (as it is), else the local-files
        URL with the path percent-encoded."""
        rel = self.local(path).lstrip("/")
        if self.options.image_root is not None:
            return self.options.image_root + rel
        # a query value: spaces, '&', '#', '%' escaped; an undecodable name as the file's bytes
        return LOCAL_FILES + quote(rel, safe="/", errors="surrogateescape")

    def _copy(self, p: Path) -> Path:
        key = os.path.abspath(p)
        if key in self._copied:
            return self._copied[key]
        dest_dir = Path(self.options.copy_images or ".")
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / p.name
        if dest.exists() and not _same_file(dest, p):
            dest = dest_dir / f"{p.stem}_{hashlib.sha1(key.encode()).hexdigest()[:8]}{p.suffix}"
        if not dest.exists():
            try:
                shutil.copy2(p, dest)
            except OSError as exc:
                raise InputError(f"{p}: cannot copy the image ({exc.strerror or exc})") from None
        self._copied[key] = dest
        return dest


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def image_root_to_path(url: str, options: ExportOptions) -> str:
    """The inverse of ``ImageRefs.url`` (for importers): strip the image-root or local-files
    prefix and join the document root (``/`` when none); another URL is kept as it is."""
    prefixes = ([options.image_root] if options.image_root else []) + [LOCAL_FILES]
    for prefix in prefixes:
        if url.startswith(prefix):
            rel = url[len(prefix) :].lstrip("/")
            rel = unquote(rel, errors="surrogateescape") if prefix == LOCAL_FILES else rel
            root = options.document_root
            return (Path(root) / rel).as_posix() if root is not None else "/" + rel
    return url


@dataclass
class HOI:
    """One human-object interaction triplet of an image record, as the exporters see it."""

    person: int
    object: int | None
    hoi: int | None
    verb: str
    object_name: str
    score: float
    interactiveness: float | None = None
    suppressed: bool = False
    cues: list[str] = field(default_factory=list)
    label: str = ""


def _first(d: dict[str, Any], *keys: str, default: Any = None) -> Any:
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return default


def record_hois(record: ImageResult) -> Iterator[HOI]:
    """The HOI triplets a record holds: its ``hois`` records (``types.HOI``, when the record
    type has them), else a ``hois`` list of dicts kept in ``extra``. For dicts the few
    spellings of the fields are accepted (``person``/``person_id``, ``object``/
    ``object_index``, ``hoi``/``class``, ``object_name``/``object_label``). A negative object
    index or class id means none."""
    typed = getattr(record, "hois", None)
    items = typed if typed else record.extra.get("hois") or []
    if not isinstance(items, list):
        raise InputError(f"{record.path}: 'hois' is not a list")
    for n, h in enumerate(items):
        if not isinstance(h, dict):
            h = h.to_dict() if hasattr(h, "to_dict") else None
        if not isinstance(h, dict):
            raise InputError(f"{record.path}: HOI triplet {n} is not an object")
        try:
            obj = _first(h, "object", "object_index", "obj")
            cls = _first(h, "hoi", "class", "hoi_class", "class_id")
            inter = _first(h, "interactiveness")
            yield HOI(
                person=int(_first(h, "person", "person_id", "human", "subject")),
                object=None if obj is None or int(obj) < 0 else int(obj),
                hoi=None if cls is None or int(cls) < 0 else int(cls),
                verb=str(_first(h, "verb", "verb_name", default="")),
                object_name=str(_first(h, "object_name", "object_label", "object_category", default="")),
                score=float(_first(h, "score", default=0.0)),
                interactiveness=None if inter is None else float(inter),
                suppressed=bool(h.get("suppressed", False)),
                cues=[str(c) for c in h.get("cues", [])],
                label=str(h.get("label", "")),
            )
        except (TypeError, ValueError) as exc:
            raise InputError(f"{record.path}: HOI triplet {n} is malformed ({exc})") from None


def is_video(record: Record) -> bool:
    return isinstance(record, VideoResult)
