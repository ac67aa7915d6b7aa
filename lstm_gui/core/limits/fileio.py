"""Reading and replacing files safely: regular files only, bounded reads, atomic saves.

Reading opens without blocking and checks the type and size of what was opened before
reading a byte, so a FIFO, a device (``/dev/zero``) or a folder gets one line at once instead
of a hang or an endless read.

Saving writes a temporary file beside the target, then renames it over the target:

- through a symlink, the link's target is replaced and the link kept;
- an existing file keeps its permission bits; a new one gets the umask's (0666 & ~umask);
- a device, a FIFO or a folder is refused, never replaced by a regular file;
- temporary names are short (``.lstm-gui-<pid>-<8 hex>.tmp``, under 40 bytes), so any name
  the file system accepts can be saved;
- temporaries left by a killed save (their process is gone) are deleted by the next save
  into that folder.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

TEMP_PREFIX = ".lstm-gui-"
_TEMP_RE = re.compile(r"^\.lstm-gui-(\d+)-[0-9a-f]{8}(\.[A-Za-z0-9]{1,8})?$")
# Temporaries of earlier versions: tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp").
_OLD_TEMP_RE = re.compile(r"^\.(.+)\.[a-z0-9_]{8}\.tmp$")
_OLD_AGE_S = 3600


class FileAccessError(OSError):
    """A path that cannot be read or written as asked; str() is one line naming the path.

    An OSError, so that whoever already handles a failed write handles this too.
    """

    def __init__(self, path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


# What a failed read or write means, in the user's terms ("File exists" from a rename or a
# mkdir once reached the user as it was).
_REASONS = {
    errno.ENOENT: "no such file or folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EEXIST: "a file or folder of that name is in the way",
    errno.ENOTEMPTY: "a folder of that name is in the way",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EISDIR: "it is a folder",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EIO: "the disk reported an input/output error",
}


def os_reason(exc: OSError) -> str:
    """Why an OSError happened, in a few words of the user's terms, lower case."""
    if isinstance(exc, FileAccessError):
        return exc.reason
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return (exc.strerror or "cannot be accessed").lower()



# ---------------------------------------------------------------- reading

def read_regular(path, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `max_bytes`, or FileAccessError.

    Opens with O_NONBLOCK so that a FIFO without a writer cannot block the open, then checks
    with fstat what was actually opened (no race between a check and the open).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise FileAccessError(path, f"is a folder, not a {what}") from None
    except OSError as exc:
        raise FileAccessError(path, os_reason(exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileAccessError(path, f"is {_kind(st.st_mode)}, not a {what}")
        if st.st_size > max_bytes:
            raise FileAccessError(path, f"is {_size(st.st_size)}; a {what} is at most {_size(max_bytes)}")
        chunks = []
        left = max_bytes + 1       # one more than allowed: a file growing while read is caught
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except FileAccessError:
        raise
    except OSError as exc:
        raise FileAccessError(path, os_reason(exc)) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise FileAccessError(path, f"grew beyond {_size(max_bytes)} while being read")
    return data


def _size(n: int) -> str:
    return f"{n / 2**20:.3g} MB" if n >= 2**20 else f"{n:,} bytes"


# ---------------------------------------------------------------- writing

def save_target(path) -> Path:
    """The file a save to `path` replaces (symlinks followed), checked before any work.

    Raises FileAccessError if it is not a regular file or the folder is missing or not
    writable.  Call it before training so that a bad `--out` costs nothing.
    """
    target = Path(os.path.realpath(path))
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise FileAccessError(path, os_reason(exc)) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise FileAccessError(path, f"is {_kind(st.st_mode)}; give a file name to save to")
    folder = target.parent
    if not folder.is_dir():
        raise FileAccessError(path, f"the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileAccessError(path, f"the folder {folder} is not writable; choose another place")
    return target


def _umask_mode() -> int:
    """0o666 & ~umask, read without changing the umask where /proc tells it (thread-safe)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stray_temporaries(folder, now: float | None = None) -> int:
    """Delete this app's temporaries in `folder` whose save was killed; returns how many.

    Ours carry the saving process's id: one whose process is gone is stray.  Temporaries of
    earlier versions (``.NAME.xxxxxxxx.tmp``) are deleted when over an hour old.
    """
    import time

    now = time.time() if now is None else now
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        try:
            if m:
                pid = int(m.group(1))
                if pid == os.getpid() or _pid_alive(pid):
                    continue
            elif _OLD_TEMP_RE.match(entry.name):
                if now - entry.stat(follow_symlinks=False).st_mtime < _OLD_AGE_S:
                    continue
            else:
                continue
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


@contextlib.contextmanager
def replacing(path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside the file `path` names; on success rename it over that file.

    The caller writes the whole new content to the yielded path (any writer: Python, Qt).
    If the body raises, the temporary is deleted and the old file is untouched.  `suffix`
    lets writers that choose a format by extension (Qt's image writers) see the right one.
    """
    target = save_target(path)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = _umask_mode()
    clean_stray_temporaries(target.parent)
    tmp = target.parent / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{suffix}"
    try:
        yield tmp
        if not tmp.is_file():
            raise OSError("the writer produced no file")
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(path, data: str | bytes) -> None:
    """Replace the file `path` names with `data` (str as UTF-8) in one rename.

    A crash or a full disk leaves the old file whole: the rename happens only after the new
    content is completely on disk (fsync).  Raises FileAccessError for a bad path, OSError for
    a failed write.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with replacing(path) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())


def with_default_suffix(path, suffix: str, known: tuple[str, ...]) -> Path:
    """`path`, with `suffix` appended when its name has none of the `known` extensions."""
    path = Path(path)
    if path.suffix.lower() in known:
        return path
    return path.with_name(path.name + suffix)
