"""Reading the user's settings defensively: the window always starts.

A settings file is data the user (or another version, or a crash) may have left in any state.
Every value is read through one function that checks its type and range and falls back to the
default, collecting one line per problem for the status bar.
"""
from __future__ import annotations

import json
import math

from ..core.training.run import RunConfig
from .qt import QtCore


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
            return RunConfig.from_dict(d)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
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
