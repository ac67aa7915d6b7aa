"""Regression check of docs/stack.md: PySide6 6.12.0 on Python 3.11 drops a reference to None
on every binding call that returns nothing, and a live-plotting window then aborts."""
import sys

import pytest


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal on Python 3.12+")
def test_void_binding_calls_do_not_leak_references_to_none(qapp):
    from PySide6 import QtWidgets

    w = QtWidgets.QWidget()
    before = sys.getrefcount(None)
    for _ in range(1000):
        w.setObjectName("x")
    assert sys.getrefcount(None) - before > -50
