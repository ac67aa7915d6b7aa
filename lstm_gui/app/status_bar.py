"""The window's status bar: its message ends with "…" a gap before the permanent labels.

QStatusBar draws a message up to 2 px before the first permanent widget and cuts it there
mid-word: at the smallest window "Stopped at epoch 1,627: reac" ran straight into
"epoch 1,627", reading as one overprinted line.  Here the message is cut with "…" GAP_PX
pixels before the leftmost permanent widget shown, and the whole message is the bar's
tooltip.  Any message (showMessage, an action's status tip) is drawn so.
"""
from __future__ import annotations

import math

from .qt import Qt, QtCore, QtGui, QtWidgets

GAP_PX = 12       # between the message and the first permanent label  # not a parameter count


class StatusBar(QtWidgets.QStatusBar):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.messageChanged.connect(lambda text: self.setToolTip(text))

    def message_rect(self) -> QtCore.QRect:
        """Where the message is drawn: from the left edge to GAP_PX before the leftmost
        widget shown in the bar (the permanent labels; the size grip)."""
        right = self.width() - GAP_PX
        for child in self.findChildren(QtWidgets.QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if child.isVisible() and child.width() > 0:
                right = min(right, child.x() - GAP_PX)
        return QtCore.QRect(6, 0, max(right - 6, 0), self.height())

    def shown_message(self) -> str:
        """The message as drawn: cut with "…" to message_rect's width."""
        return self.fontMetrics().elidedText(self.currentMessage(), Qt.TextElideMode.ElideRight,
                                             self.message_rect().width())

    def paintEvent(self, event):
        # QStatusBar::paintEvent without its message (drawn cut with "…" below); the panel
        # and the items' frames as the style draws them.
        painter = QtGui.QPainter(self)
        option = QtWidgets.QStyleOption()
        option.initFrom(self)
        style = self.style()
        style.drawPrimitive(QtWidgets.QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter, self)
        text = self.currentMessage()
        for child in self.findChildren(QtWidgets.QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if child.isVisible() and not isinstance(child, QtWidgets.QSizeGrip):
                frame = QtWidgets.QStyleOption()
                frame.rect = child.geometry().adjusted(-2, -1, 2, 1)
                frame.palette = self.palette()
                style.drawPrimitive(QtWidgets.QStyle.PrimitiveElement.PE_FrameStatusBarItem, frame,
                                    painter, child)
        if text:
            painter.setPen(self.palette().windowText().color())
            painter.drawText(self.message_rect(), Qt.AlignmentFlag.AlignLeading
                             | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine,
                             self.shown_message())
        painter.end()


def mse_status(snap) -> tuple[str, str]:
    """(text, tooltip) of the status bar's MSE for a snapshot.  At epoch 0 it is the model's
    MSE on its training data at its initial (or opened) parameters: where its MSE curve
    starts (epoch 1 records the loss before its update), so a learner reads one quantity
    from the first moment on.  The MSE on the task's held-out part, when there is one, is in
    the tooltip (an opened model read "MSE –" once).  A non-finite MSE is said in words,
    never "nan"."""
    mse = snap.mse
    test = getattr(snap, "test_mse", None)
    held_out = ""
    if test is not None and math.isfinite(test):
        held_out = (f" On the part of its task it never trains on (held-out sequences, or "
                    f"the steps after the trained ones): {test:.6g}.")
    if mse is None or not math.isfinite(mse):
        return "MSE —", ("No finite MSE at these parameters: the model's output overflows "
                         "(training keeps the last finite parameters; try a lower learning "
                         "rate)." + held_out)
    if snap.epoch == 0:
        return f"MSE {mse:.4g}", ("Not trained yet (epoch 0): the model's MSE on its training "
                                  "data at these parameters, where training starts from."
                                  + held_out)
    return f"MSE {mse:.4g}", "Training MSE: the loss on the training data at this epoch."
