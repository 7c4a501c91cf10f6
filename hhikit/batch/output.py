"""The one JSON Lines results file of a batch run: append-only, single writer, resumable.

Guarantees (see docs/batch.md, "Resume and durability"):

* Only the parent process writes, holding an exclusive ``flock`` on the file, so two runs
  can never interleave lines in one file.
* Each record is one line, written with a single ``os.write`` on an ``O_APPEND``
  descriptor (a short write is completed by further appends before anything else is
  written). A killed process therefore leaves at most one torn line, always the last, and a
  torn line never ends in ``\\n`` (JSON text has no raw newlines).
* ``fsync`` runs every ``fsync_every`` seconds (default 1 s; 0 = after every record) and at
  the end. A SIGKILL loses nothing already written (the page cache outlives the process);
  an OS crash or power loss can lose at most the last unsynced interval, whose inputs
  the next run simply processes again.
* On open, complete lines are read to know which inputs are done; a torn tail (bytes
  after the last ``\\n``) is cut off with ``ftruncate`` at that offset. Complete records are
  never rewritten, moved or reordered.

Beside the results file, ``<name>.config.json`` records the options its records were made
with (``record_config``); a resume with other options is refused, so one file never mixes
two configurations unnoticed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from hhikit.batch.inputs import key_hash
from hhikit.errors import ConfigError, OutputError
from hhikit.io.atomic import atomic_write_text
from hhikit.io.outputs import utf8_json
from hhikit.io.safeopen import RECORD_LINE_MAX, kind_of_mode

CONFIG_SCHEMA = "hhikit-batch-config/1"
# The parts of the recorded configuration that change what a record says; the rest
# (hhikit version, time) is information only.
CONFIG_KEYS = ("pipeline", "plugins", "video_options")


@dataclass
class ResumeState:
    """What an existing results file already holds."""

    done: set[int] = field(default_factory=set)
    records: int = 0
    torn_bytes: int = 0
    bad_lines: int = 0


def encode_line(line: str) -> bytes:
    """A record line as UTF-8 bytes ending in one newline.

    A path with undecodable bytes (lone surrogates, PEP 383) cannot be UTF-8: such a record
    is re-serialised with ASCII escapes (``"\\udcff"``), which any JSON reader turns back into
    the same string, and ``os.fsencode`` into the original bytes."""
    return (utf8_json(line) + "\n").encode("utf-8")


def output_reason(exc: OSError) -> str:
    """Why a results file cannot be written, in a few words."""
    reasons = {
        errno.ENOSPC: "no space left on the device",
        errno.EDQUOT: "disk quota exceeded",
        errno.EROFS: "read-only file system",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EPIPE: "broken pipe",
        errno.EISDIR: "is a directory",
        errno.ENOTDIR: "a part of the path is not a folder",
        errno.EIO: "input/output error",
        errno.EFBIG: "file too large",
    }
    return reasons.get(exc.errno or 0, exc.strerror or str(exc))


def _refuse_special(path: Path) -> None:
    """A results file must be a regular file: it is locked, scanned, truncated and fsynced."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"{path}: cannot use as the results file ({output_reason(exc)})") from None
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(
            f"{path}: is {kind_of_mode(st.st_mode)}; --out must be a regular file (it is locked, resumed and fsynced)"
        )


class ResultWriter:
    """Append records to ``path``; ``state`` says which inputs an earlier run already recorded.

    Any OS error (no space, read-only, ...) raises ``OutputError`` with one line; a record
    whose write failed half way is cut off again, so the file holds whole lines only."""

    def __init__(self, path: str | os.PathLike[str], fsync_every: float = 1.0) -> None:
        self.path = Path(path)
        self.fsync_every = float(fsync_every)
        self._fd = -1
        _refuse_special(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
            self._fd = os.open(self.path, flags, 0o644)
            st = os.fstat(self._fd)
            if not stat.S_ISREG(st.st_mode):  # replaced by a special file since the check above
                os.close(self._fd)
                self._fd = -1
                _refuse_special(self.path)
            os.set_blocking(self._fd, True)
        except OSError as exc:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
            raise OutputError(f"{self.path}: cannot open the results file ({output_reason(exc)})") from None
        if created:  # make the new file's name durable too
            with contextlib.suppress(OSError):
                dfd = os.open(self.path.parent, os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = -1
            raise ConfigError(f"{self.path}: another batch run is writing to this file") from None
        self._last_sync = time.monotonic()
        self._dirty = False
        self.written = 0
        try:
            self.state = self._scan()
            self._size = os.fstat(self._fd).st_size
        except OSError as exc:
            self.close()
            raise OutputError(f"{self.path}: cannot resume from the results file ({output_reason(exc)})") from None

    def _scan(self) -> ResumeState:
        """Read complete lines; cut a torn tail. Streams the file with a cap per line: memory
        is the done-set only."""
        state = ResumeState()
        end_of_complete = 0
        with open(self._fd, "rb", closefd=False) as fh:
            fh.seek(0)
            while True:
                raw = fh.readline(RECORD_LINE_MAX + 1)
                if not raw:
                    break
                if not raw.endswith(b"\n"):
                    if len(raw) <= RECORD_LINE_MAX:  # the last bytes: a torn line
                        state.torn_bytes = len(raw)
                        break
                    while raw and not raw.endswith(b"\n"):  # an over-long line: skipped unread
                        raw = fh.readline(1 << 20)
                    if not raw:  # the long line was the torn tail: cut it like a short one
                        state.torn_bytes = fh.tell() - end_of_complete
                        break
                    state.bad_lines += 1
                    end_of_complete = fh.tell()
                    continue
                end_of_complete = fh.tell()
                if not raw.strip():
                    continue
                try:
                    d = json.loads(raw)
                    state.done.add(key_hash(d["path"]))
                    state.records += 1
                except (ValueError, KeyError, TypeError):
                    state.bad_lines += 1  # never written by us; left as it is, ignored
        if state.torn_bytes:
            os.ftruncate(self._fd, end_of_complete)
            os.fsync(self._fd)
        return state

    def write(self, line: str) -> None:
        data = encode_line(line)
        view = memoryview(data)
        try:
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
        except BaseException as exc:  # OSError, or Ctrl-C / SIGTERM between two partial writes
            if len(view) < len(data):  # nothing torn: cut the part of this record that got out
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, self._size)
            if isinstance(exc, OSError):
                raise self._failed(exc) from None
            raise
        self._size += len(data)
        self.written += 1
        self._dirty = True
        if self.fsync_every <= 0 or time.monotonic() - self._last_sync >= self.fsync_every:
            self.sync()

    def _failed(self, exc: OSError) -> OutputError:
        return OutputError(
            f"{self.path}: cannot write results ({output_reason(exc)}); {self.written} records written "
            "in this run are kept, rerun the same command to resume"
        )

    def sync(self) -> None:
        if self._dirty:
            try:
                os.fsync(self._fd)
            except OSError as exc:
                raise self._failed(exc) from None
            self._dirty = False
        self._last_sync = time.monotonic()

    def close(self) -> None:
        if self._fd < 0:
            return
        with contextlib.suppress(OSError, OutputError):
            self.sync()
        os.close(self._fd)  # releases the lock
        self._fd = -1

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def config_path(out: str | os.PathLike[str]) -> Path:
    """Where the configuration of a results file is recorded: ``<out>.config.json``."""
    out = Path(out)
    return out.with_name(out.name + ".config.json")


def _differences(old: dict, new: dict, prefix: str = "") -> list[str]:
    keys = sorted(set(old) | set(new))
    out: list[str] = []
    for k in keys:
        a, b = old.get(k), new.get(k)
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, f"{prefix}{k}.")
        elif a != b:
            out.append(f"{prefix}{k}: {json.dumps(a)} -> {json.dumps(b)}")
    return out


def record_config(out: str | os.PathLike[str], config: dict, records: int) -> Path:
    """Record ``config`` beside the results file ``out`` (which already holds ``records``
    records), or refuse with ``ConfigError`` when those records were made with other options.

    A file without records takes the new configuration. A file with records but no config
    file (written by an hhikit without it) is adopted: the config file is written now."""
    path = config_path(out)
    if records:
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(old, dict):
                raise ValueError("not a JSON object")
        except FileNotFoundError:
            old = None
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read the recorded batch configuration ({exc})") from None
        if old is not None:
            diff = _differences({k: old.get(k) for k in CONFIG_KEYS}, {k: config.get(k) for k in CONFIG_KEYS})
            if diff:
                raise ConfigError(
                    f"{out}: its {records} records were made with other options ({'; '.join(diff)}); "
                    f"rerun with the same options, use another --out, or delete {path} to mix them"
                )
            return path
    try:
        atomic_write_text(path, json.dumps({"schema": CONFIG_SCHEMA, **config}, indent=2, sort_keys=True) + "\n")
    except OSError as exc:
        raise OutputError(f"{path}: cannot record the batch configuration ({output_reason(exc)})") from None
    return path
