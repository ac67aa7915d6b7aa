"""A one-line label cut to its width with "…" (the whole text in its tooltip), re-cut when
resized: a line that sets a dock's minimum width (a page count, a model's description)
squeezed or covered the parts beside it at the window's smallest size."""
from __future__ import annotations

from ..qt import Qt, QtWidgets


class ElidedLabel(QtWidgets.QLabel):
    def __init__(self, bold: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.setTextFormat(Qt.TextFormat.PlainText)
        if bold:
            font = self.font()
            font.setBold(True)
            self.setFont(font)
        # Its width is the layout's, never its text's.
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self._full = ""

    def set_full_text(self, text: str) -> None:
        if text == self._full:
            return
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                                   max(self.width(), 20)))
