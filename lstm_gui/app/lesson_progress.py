"""A learner's progress through the lessons, kept between launches in QSettings.

One JSON value under ``lessons/progress``: ``{name: {"prediction": str, "done": bool}}``.
It is read defensively (a settings file may hold anything another version or a crash left):
whatever cannot be read is ignored, entry by entry, and the lessons start over from there.
"""
from __future__ import annotations

import json

KEY = "lessons/progress"
MAX_PREDICTION = 200   # characters: a short answer, not an essay


class LessonProgress:
    """Predictions committed and lessons done, by lesson name."""

    def __init__(self, settings):
        self.settings = settings
        self._data: dict[str, dict] = self._read()

    def _read(self) -> dict[str, dict]:
        if self.settings is None:
            return {}
        try:
            raw = self.settings.value(KEY)
            data = json.loads(raw) if isinstance(raw, str) else {}
        except Exception:   # noqa: BLE001 - unreadable progress is no progress, not a crash
            return {}
        if not isinstance(data, dict):
            return {}
        clean = {}
        for name, entry in data.items():
            if not isinstance(name, str) or not isinstance(entry, dict):
                continue
            prediction = entry.get("prediction")
            clean[name] = {
                "prediction": prediction[:MAX_PREDICTION] if isinstance(prediction, str) else "",
                "done": entry.get("done") is True,
            }
        return clean

    def _write(self) -> None:
        if self.settings is None:
            return
        try:
            self.settings.setValue(KEY, json.dumps(self._data))
        except Exception:   # noqa: BLE001 - progress not kept is no reason to stop a lesson
            pass

    def prediction(self, name: str) -> str:
        return self._data.get(name, {}).get("prediction", "")

    def done(self, name: str) -> bool:
        return bool(self._data.get(name, {}).get("done", False))

    def commit(self, name: str, prediction: str) -> None:
        entry = self._data.setdefault(name, {"prediction": "", "done": False})
        entry["prediction"] = prediction.strip()[:MAX_PREDICTION]
        self._write()

    def mark_done(self, name: str) -> None:
        entry = self._data.setdefault(name, {"prediction": "", "done": False})
        if not entry["done"]:
            entry["done"] = True
            self._write()

    def forget(self, name: str) -> None:
        """Start the lesson over: its prediction and its tick go."""
        if self._data.pop(name, None) is not None:
            self._write()
