"""The view layout: a dock per view, the default arrangement, and the saved one.

Controls on the left; Signal, Gates and the cell across the top; MSE and Parameters below;
every other view tabbed with the MSE, hidden until asked for.
"""
from __future__ import annotations

from .qt import Qt, QtWidgets

MIN_SIZE = (930, 600)
SIDE_MIN_WIDTH = 316
MAX_DOCK_MIN = (420, 340)  # a view needing more than this scrolls inside its dock
CELL_MIN_WIDTH = 330      # below this the cell diagram's numbers are too small to read
LAYOUT_VERSION = 2        # bump when the default dock layout changes: old saved states are ignored


class DockLayout:
    """Owns ``docks`` (objectName -> QDockWidget) of the window's views and the controls."""

    def __init__(self, window: QtWidgets.QMainWindow, side: QtWidgets.QWidget, views: dict,
                 on_shown):
        self.w = window
        self.views = views
        self.docks: dict[str, QtWidgets.QDockWidget] = {}
        self.sidePanel = self._side_scroll(side)
        controls = QtWidgets.QDockWidget("Controls", window, objectName="controlsDock")
        controls.setWidget(self.sidePanel)
        controls.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.docks["controlsDock"] = controls
        for name, view in views.items():
            dock = QtWidgets.QDockWidget(view.title, window, objectName=name)
            hint = view.minimumSizeHint()
            if hint.width() > MAX_DOCK_MIN[0] or hint.height() > MAX_DOCK_MIN[1]:
                # A dock wider than its place is drawn over its neighbours (the ensemble's
                # controls need 871 px, the lesson's 505): such a view scrolls in its dock.
                scroll = QtWidgets.QScrollArea()
                scroll.setWidget(view)
                scroll.setWidgetResizable(True)
                scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
                dock.setWidget(scroll)
            else:
                dock.setWidget(view)
            dock.visibilityChanged.connect(lambda shown, v=view: on_shown(v) if shown else None)
            self.docks[name] = dock
        self.default_layout()
        self.default_state = window.saveState(LAYOUT_VERSION)
        self.restored = False

    @staticmethod
    def _side_scroll(side: QtWidgets.QWidget) -> QtWidgets.QScrollArea:
        scroll = QtWidgets.QScrollArea(objectName="sidePanel")
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(max(SIDE_MIN_WIDTH, side.minimumSizeHint().width()
                                   + scroll.verticalScrollBar().sizeHint().width() + 4))
        # The window's minimum is the docks' (QMainWindow's layout sets it; a fixed one would
        # let Qt draw docks over each other when many are open): these two keep it at least
        # MIN_SIZE, below which the plots stop being readable.
        scroll.setMinimumHeight(MIN_SIZE[1] - 62)
        return scroll

    def default_layout(self) -> None:
        """Controls on the left; Signal and Gates above MSE and Parameters; the cell view
        beside them; every other view tabbed with the MSE, hidden until asked for."""
        w, d = self.w, self.docks
        for dock in d.values():
            dock.setFloating(False)
        w.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, d["controlsDock"])
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d["signalView"])
        w.splitDockWidget(d["signalView"], d["mseView"], Qt.Orientation.Vertical)
        w.splitDockWidget(d["signalView"], d["gatesView"], Qt.Orientation.Horizontal)
        w.splitDockWidget(d["mseView"], d["paramsView"], Qt.Orientation.Horizontal)
        placed = {"signalView", "gatesView", "mseView", "paramsView"}
        if "cellView" in d:
            w.splitDockWidget(d["gatesView"], d["cellView"], Qt.Orientation.Horizontal)
            placed.add("cellView")
        if "lessonView" in d:   # the lesson's text between the controls and the plots
            w.splitDockWidget(d["controlsDock"], d["lessonView"], Qt.Orientation.Horizontal)
        for name, view in self.views.items():
            if name not in placed | {"lessonView"}:
                w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d[name])
                w.tabifyDockWidget(d["mseView"], d[name])
            d[name].setVisible(view.shown_by_default)
        for dock in d.values():
            dock.show() if dock.objectName() in placed | {"controlsDock"} else None
        d["mseView"].raise_()

    def balance(self) -> None:
        """The default sizes: the controls as narrow as they allow, Signal, Gates and the cell
        across the top, MSE and Parameters side by side below."""
        w, d = self.w, self.docks
        rest = max(600, w.width() - self.sidePanel.minimumWidth())
        if rest < 3 * CELL_MIN_WIDTH and "cellView" in d and not d["cellView"].isFloating():
            # Too narrow for three across: the cell shares the Gates place, as a tab in front.
            w.tabifyDockWidget(d["gatesView"], d["cellView"])
            d["cellView"].raise_()
        w.resizeDocks([d["controlsDock"]], [self.sidePanel.minimumWidth()], Qt.Orientation.Horizontal)
        top = [d[n] for n in ("signalView", "gatesView", "cellView") if n in d and d[n].isVisible()]
        # The cell diagram reads well from ~440 px; the two plots share the rest.
        weights = [4 if dock.objectName() == "cellView" else 3 for dock in top]
        w.resizeDocks(top, [rest * k // sum(weights) for k in weights], Qt.Orientation.Horizontal)
        w.resizeDocks([d["mseView"], d["paramsView"]], [rest * 4 // 9, rest * 5 // 9],
                      Qt.Orientation.Horizontal)

    def first_show(self) -> None:
        if not self.restored:
            self.restored = True
            self.balance()

    def reset(self) -> None:
        self.w.restoreState(self.default_state, LAYOUT_VERSION)
        for name, view in self.views.items():
            self.docks[name].setVisible(view.shown_by_default)
        self.balance()

    def show_dock(self, name: str):
        dock = self.docks[name]
        dock.show()
        dock.raise_()
        return self.views[name]

    def show_lesson(self) -> None:
        self.show_dock("lessonView")
        # A screen's worth of text, not half the window: the plots it talks about stay wide.
        self.w.resizeDocks([self.docks["lessonView"]], [440], Qt.Orientation.Horizontal)

    # ------------------------------------------------------------ saved

    def restore(self, reader) -> None:
        """Geometry and dock state from the settings (the default layout if they do not fit)."""
        w = self.w
        geometry = reader.byte_array("geometry")
        if geometry is None or not w.restoreGeometry(geometry):
            w.resize(1400, 900)
        state = reader.byte_array("windowState")
        self.restored = state is not None and w.restoreState(state, LAYOUT_VERSION)
        if state is not None and not self.restored:
            reader.problems.append("the saved dock layout is from another version; using the default")

    def store(self, settings) -> None:
        settings.setValue("geometry", self.w.saveGeometry())
        settings.setValue("windowState", self.w.saveState(LAYOUT_VERSION))
