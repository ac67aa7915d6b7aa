"""Bare-key shortcuts that never steal a key from the focused control.

The window's bare keys (Space: train, Right: step, Backspace: reset) are window shortcuts, and
Qt offers a key to its shortcuts before the focused widget sees it.  So Space on a focused
check box started training instead of ticking it, and arrows on a slider stepped the run.
Qt asks the focused widget first with a ShortcutOverride event: accepting it hands the key to
the widget.  This filter accepts it for the widgets that use those keys themselves.
"""
from __future__ import annotations

from .qt import Qt, QtCore, QtWidgets

BARE_KEYS = {Qt.Key.Key_Space, Qt.Key.Key_Backspace, Qt.Key.Key_Left, Qt.Key.Key_Right,
             Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Delete}

# Widgets that use the bare keys themselves.  Push buttons are not among them: Space on a
# focused Train button and the Space shortcut do the same thing.
KEY_USERS = (QtWidgets.QLineEdit, QtWidgets.QAbstractSpinBox, QtWidgets.QAbstractSlider,
             QtWidgets.QComboBox, QtWidgets.QAbstractItemView, QtWidgets.QTextEdit,
             QtWidgets.QPlainTextEdit, QtWidgets.QCheckBox, QtWidgets.QRadioButton,
             QtWidgets.QGraphicsView, QtWidgets.QTabBar)


class KeyGuard(QtCore.QObject):
    """Installed on the application: gives bare keys to the focused control that uses them."""

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QtCore.QEvent.Type.ShortcutOverride:
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if (mods == Qt.KeyboardModifier.NoModifier and event.key() in BARE_KEYS
                    and isinstance(obj, KEY_USERS)):
                event.accept()
        return False
