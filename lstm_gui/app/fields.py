"""Number fields that show any value the core accepts, exactly, and clamp nothing.

Qt's spin boxes are 32-bit and round to a fixed number of decimals: a loaded seed of 3e9 or a
clip of 0.125 could not be shown, and the next unrelated edit wrote the clamped value back.
These line edits show ``repr`` of the value (the shortest text that reads back to the same
float), parse what the user typed on Enter or focus-out, and leave range checks to the core,
which says in one line what is wrong.
"""
from __future__ import annotations

import math

from .qt import QtWidgets, Signal


class NumberEdit(QtWidgets.QLineEdit):
    """A whole number or a float.  ``special`` is the text shown for ``special_value``
    (e.g. "off" for a clip of None, "never" for a budget of 0); typing it, or clearing the
    field, gives that value.  Emits ``committed(value)`` when the user changed the number and
    ``invalid(message)`` (the text is then put back) when it is not a number."""

    committed = Signal(object)
    invalid = Signal(str)

    def __init__(self, label: str, integer: bool = False, special: str | None = None,
                 special_value=None, name: str = "", parent=None):
        super().__init__(parent)
        self.setObjectName(name)
        self.label = label
        self.integer = integer
        self.special = special
        self.special_value = special_value
        self._value = special_value
        self.setMinimumWidth(60)
        self.editingFinished.connect(self._on_finished)

    def value(self):
        return self._value

    def set_value(self, value) -> None:
        """Show value without emitting anything."""
        self._value = value
        self.setText(self.format(value))

    def format(self, value) -> str:
        if self.special is not None and value == self.special_value:
            return self.special
        if self.integer:
            return str(int(value))
        return repr(float(value))

    def parse(self, text: str):
        """The value text stands for; ValueError with one line if none."""
        text = text.strip()
        if self.special is not None and text.lower() in ("", self.special.lower()):
            return self.special_value
        try:
            if self.integer:
                # "3e9" and "3000000000.0" are whole numbers too; "2.5" is not.
                number = float(text) if any(c in text for c in ".eE") else None
                if number is not None:
                    if not (math.isfinite(number) and number.is_integer()):
                        raise ValueError
                    return int(number)
                return int(text.replace("_", "").replace(",", ""), 10)
            number = float(text)
        except ValueError:
            kind = "a whole number" if self.integer else "a number"
            raise ValueError(f"{self.label}: {text!r} is not {kind}") from None
        if not math.isfinite(number):
            raise ValueError(f"{self.label}: {text!r} is not a finite number")
        return number

    def _on_finished(self) -> None:
        try:
            value = self.parse(self.text())
        except ValueError as exc:
            self.setText(self.format(self._value))
            self.invalid.emit(f"{exc}; kept {self.format(self._value)}")
            return
        if value == self._value:
            self.setText(self.format(value))
            return
        self._value = value
        self.setText(self.format(value))
        self.committed.emit(value)
