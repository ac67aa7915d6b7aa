"""A one-line label drawn cut to its width with "…" (the whole text in its tooltip);
its text() stays whole.  A line that set a dock's minimum width (a page count, a model's
description) squeezed or covered the parts beside it at the window's smallest size, and a
QLabel clipped at the dock's edge (the heat map's hint read "... click to select t": a learner
could not tell a word was gone)."""
from __future__ import annotations

from ..qt import Qt, QtGui, QtWidgets


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

    def set_full_text(self, text: str) -> None:
        self.setText(text)

    def full_text(self) -> str:
        return self.text()

    def shown_text(self) -> str:
        """What is drawn: the text, cut with "…" to the label's width."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             max(self.contentsRect().width(), 20))

    def setText(self, text: str) -> None:   # noqa: N802 - Qt's name
        if text != self.text():
            super().setText(text)
            self.setToolTip(text)

    def paintEvent(self, event) -> None:    # noqa: N802 - Qt's name
        painter = QtGui.QPainter(self)
        painter.setPen(self.palette().color(QtGui.QPalette.ColorRole.WindowText))
        painter.drawText(self.contentsRect(), int(self.alignment()), self.shown_text())
