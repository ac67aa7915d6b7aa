"""Reading the user's settings defensively: the window always starts.

A settings file is data the user (or another version, or a crash) may have left in any state.
Every value is read through one function that checks its type and range and falls back to the
default, collecting one line per problem for the status bar.
"""
from __future__ import annotations

import atexit
import json
import math
import os
import shutil
import stat
import tempfile
from pathlib import Path

from ..core.files import modelcheck
from ..core.training.run import RunConfig
from .qt import QtCore

# A settings file is a few KB; one larger than this is not ours (and QSettings reads it whole).
MAX_SETTINGS_BYTES = 16 * 2**20


def user_settings_path() -> Path:
    """Where the user's settings live: the config folder's lstm-gui/lstm-gui.conf (on Linux
    the file QSettings' native format used, so earlier settings are kept)."""
    base = QtCore.QStandardPaths.writableLocation(
        QtCore.QStandardPaths.StandardLocation.GenericConfigLocation) or str(Path.home() / ".config")
    return Path(base) / "lstm-gui" / "lstm-gui.conf"


def _problem(path: Path) -> str | None:
    """Why the file at path must be neither read nor written, or None if it may be (a regular
    file, or none yet).  os.stat follows a symlink and never blocks, even on a FIFO."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"settings file {path} cannot be read ({(exc.strerror or 'error').lower()})"
    if not stat.S_ISREG(st.st_mode):
        kind = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a folder" if stat.S_ISDIR(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "a socket")
        return (f"settings file {path} is not a regular file ({kind}); settings are neither read nor "
                "saved this time")
    if st.st_size > MAX_SETTINGS_BYTES:
        return (f"settings file {path} is {st.st_size / 2**20:.0f} MB, not lstm-gui's; settings are "
                "neither read nor saved this time")
    return None


def open_settings(path) -> tuple[QtCore.QSettings, str | None]:
    """(settings, problem): QSettings on the INI file at path if it is a regular file (or
    absent); otherwise settings kept in a private temporary folder, never touching path, and
    one line saying why.  QSettings reads its file when made and writes it by replacing it:
    a FIFO hung the start, a symlink to a device got the device replaced."""
    path = Path(path)
    problem = _problem(path)
    if problem is not None:
        scratch = tempfile.mkdtemp(prefix="lstm-gui-settings-")
        atexit.register(shutil.rmtree, scratch, True)
        path = Path(scratch) / "settings.ini"
    return QtCore.QSettings(str(path), QtCore.QSettings.Format.IniFormat), problem


def open_user_settings() -> tuple[QtCore.QSettings, str | None]:
    return open_settings(user_settings_path())


def may_write(settings: QtCore.QSettings) -> bool:
    """True if the settings' file is still a regular file (or absent): checked again before
    storing, since it may have been replaced while the window was open."""
    name = settings.fileName()
    return not name or _problem(Path(name)) is None


class SettingsReader:
    """Typed reads from a QSettings; ``problems`` lists what was ignored and why."""

    def __init__(self, settings: QtCore.QSettings):
        self.settings = settings
        self.problems: list[str] = []

    def _raw(self, key: str):
        try:
            return self.settings.value(key)
        except Exception:   # noqa: BLE001 - a value Qt cannot even decode
            self.problems.append(f"setting {key!r} could not be read; using the default")
            return None

    def _bad(self, key: str, value) -> None:
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        self.problems.append(f"setting {key!r} = {shown} is not valid; using the default")

    def boolean(self, key: str, default: bool) -> bool:
        value = self._raw(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self._bad(key, value)
        return default

    def integer(self, key: str, default: int, lo: int, hi: int) -> int:
        value = self._raw(key)
        if value is None:
            return default
        try:
            number = int(str(value), 10) if not isinstance(value, int) else value
        except ValueError:
            number = None
        if number is None or isinstance(value, bool) or not lo <= number <= hi:
            self._bad(key, value)
            return default
        return number

    def number(self, key: str, default: float, lo: float, hi: float) -> float:
        value = self._raw(key)
        if value is None:
            return default
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not (math.isfinite(number) and lo <= number <= hi):
            self._bad(key, value)
            return default
        return number

    def byte_array(self, key: str) -> QtCore.QByteArray | None:
        value = self._raw(key)
        if value is None:
            return None
        if isinstance(value, QtCore.QByteArray):
            return value
        if isinstance(value, (bytes, bytearray)):
            return QtCore.QByteArray(bytes(value))
        self._bad(key, value)
        return None

    def config(self, key: str = "config") -> RunConfig:
        value = self._raw(key)
        if value is None:
            return RunConfig()
        try:
            d = json.loads(value) if isinstance(value, str) else None
            if not isinstance(d, dict):
                raise TypeError("not a JSON object")
            # The checks a model file's config gets (one table, core/limits): a running-sum
            # with cycles 5e-324 or a 2**64 plateau is refused here, not by an OverflowError.
            modelcheck.check_config(d)
            return RunConfig.from_dict(d)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
            self._bad(key, value)
            return RunConfig()

    def string_list(self, key: str) -> list[str]:
        value = self._raw(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            self._bad(key, value)
            return []
        return list(value)
