"""The view layout: a dock per view, the default arrangement, and the saved one.

Controls on the left; Signal, Gates and the cell across the top; MSE and Parameters below;
every other view tabbed with Parameters, hidden until asked for.
"""
from __future__ import annotations

from .qt import Qt, QtCore, QtWidgets

MIN_SIZE = (930, 600)
SIDE_MIN_WIDTH = 316
SIDE_EXTRA_WIDTH = 160    # the controls may be dragged this much wider than their minimum
# A view needing more than this scrolls inside its dock.  Height: a tab group is as tall as
# its tallest member's minimum; the gradient view's 342 px, tabbed with Parameters, left the
# top row 180 px of the smallest window (Gates' rows ~30 px, their labels running together).
MAX_DOCK_MIN = (420, 300)
CELL_MIN_WIDTH = 330      # below this the cell diagram's numbers are too small to read
ROOM = (460, 320)          # the least a view opened from the View menu is given (w, h)
LESSON_WIDTH = 440
ROWS = (("signalView", "gatesView", "cellView"), ("mseView", "paramsView"))  # side by side
LAYOUT_VERSION = 3        # bump when the default dock layout changes: old saved states are ignored


class TallViewScroll(QtWidgets.QScrollArea):
    """A view taller than MAX_DOCK_MIN: it fills its dock, and scrolls only when the dock is
    below the view's minimum size.  (A resizable QScrollArea sizes a view whose layout has a
    height-for-width, a word-wrapped label, to its preferred height: the gradient view
    scrolled at 1400 x 900.)"""

    def __init__(self, view: QtWidgets.QWidget):
        super().__init__()
        self.setWidget(view)
        self.setWidgetResizable(False)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        view.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.widget() and event.type() == QtCore.QEvent.Type.LayoutRequest:
            self._fit()
        return False

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        view = self.widget()
        if view is None:
            return
        least = view.minimumSizeHint().expandedTo(view.minimumSize())
        room = self.maximumViewportSize()        # the viewport without scroll bars
        w, h = room.width(), room.height()
        if least.height() > h:                   # a vertical scroll bar takes its width
            w -= self.verticalScrollBar().sizeHint().width()
        if least.width() > w:
            h -= self.horizontalScrollBar().sizeHint().height()
        size = QtCore.QSize(max(w, least.width()), max(h, least.height()))
        if view.size() != size:
            view.resize(size)


class DockLayout(QtCore.QObject):
    """Owns ``docks`` (objectName -> QDockWidget) of the window's views and the controls."""

    def __init__(self, window: QtWidgets.QMainWindow, side: QtWidgets.QWidget, views: dict,
                 on_shown):
        super().__init__(window)
        self.w = window
        self.views = views
        self.docks: dict[str, QtWidgets.QDockWidget] = {}
        self.sidePanel = self._side_scroll(side)
        controls = QtWidgets.QDockWidget("Controls", window, objectName="controlsDock")
        controls.setWidget(self.sidePanel)
        controls.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.docks["controlsDock"] = controls
        # The controls keep the width they were given (by the layout or a drag of their edge)
        # when the window grows or shrinks: Qt shared every change of the window's width
        # among all dock columns, and 1400 -> 1920 px gave the controls 957 px (issue 24).
        self.controls_width = self.sidePanel.minimumWidth()
        self._window_width = -1
        self.shares: dict[str, float] = {}    # a view's share of its row, kept over resizes
        self.cell_tabbed_for_width = False    # the cell is behind Gates for want of width
        for dock in self.docks.values():
            dock.installEventFilter(self)
        for name, view in views.items():
            dock = QtWidgets.QDockWidget(view.title, window, objectName=name)
            hint = view.minimumSizeHint()
            if hint.width() <= MAX_DOCK_MIN[0] and hint.height() > MAX_DOCK_MIN[1]:
                dock.setWidget(TallViewScroll(view))
            elif hint.width() > MAX_DOCK_MIN[0] or hint.height() > MAX_DOCK_MIN[1]:
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
            # Opened from the View menu: in front of its tab group, with room (it stayed a
            # tab behind the MSE, issue 24).
            dock.toggleViewAction().triggered.connect(
                lambda on, n=name: self.present(n) if on else None)
            self.docks[name] = dock
        self.default_layout()
        self.default_state = window.saveState(LAYOUT_VERSION)
        self.restored = False

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QtCore.QEvent.Type.Resize and isinstance(obj, QtWidgets.QDockWidget):
            if self.w.width() == self._window_width and self.restored:
                # A drag of an edge, not the window: the user's widths are kept from now on.
                if obj is self.docks["controlsDock"]:
                    self.controls_width = obj.width()
                else:
                    self._measure_shares()
            self._window_width = self.w.width()
        return False

    def _rows(self) -> list[list[tuple[str, QtWidgets.QDockWidget]]]:
        """Per default row, (place, dock shown there): a place's dock, or the front one of
        the docks tabbed with it."""
        rows = []
        for names in ROWS:
            shown: list[tuple[str, QtWidgets.QDockWidget]] = []
            for name in names:
                if name not in self.docks:
                    continue
                group = [self.docks[name], *self.w.tabifiedDockWidgets(self.docks[name])]
                front = [d for d in group if d.isVisible() and not d.isFloating()
                         and not d.visibleRegion().isEmpty()]
                if front and all(front[0] is not d for _, d in shown):
                    shown.append((name, front[0]))
            rows.append(shown)
        return rows

    def _measure_shares(self) -> None:
        for row in self._rows():
            total = sum(d.width() for _, d in row)
            for name, d in row:
                if total:
                    self.shares[name] = d.width() / total

    def _keep_shares(self) -> None:
        for row in self._rows():
            shares = [self.shares.get(name) for name, _ in row]
            if len(row) < 2 or None in shares:
                continue
            total = sum(d.width() for _, d in row)
            norm = sum(x for x in shares if x is not None)
            self.w.resizeDocks([d for _, d in row], [int(total * (x or 0) / norm) for x in shares],
                               Qt.Orientation.Horizontal)

    def window_resized(self) -> None:
        """Give the controls back their width once the window's layout has settled."""
        QtCore.QTimer.singleShot(0, self._keep_controls_width)

    def _keep_controls_width(self) -> None:
        controls = self.docks["controlsDock"]
        self._window_width = self.w.width()
        self._fit_top_row()
        if self._untab_cell():
            return
        self._keep_shares()
        if not controls.isVisible() or controls.isFloating() or controls.width() == self.controls_width:
            return
        # With a neighbour whose width changes by as much: the controls alone at their
        # maximum width did not move (measured, Qt 6.11).
        right = [d for d in self.docks.values() if d is not controls and d.isVisible()
                 and not d.isFloating() and self.w.dockWidgetArea(d) != Qt.DockWidgetArea.LeftDockWidgetArea]
        docks, sizes = [controls], [self.controls_width]
        if right:
            docks.append(right[0])
            sizes.append(right[0].width() + controls.width() - self.controls_width)
        self.w.resizeDocks(docks, sizes, Qt.Orientation.Horizontal)

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
        # Fields wider than this only stretch: the views need the room.
        scroll.setMaximumWidth(scroll.minimumWidth() + SIDE_EXTRA_WIDTH)
        return scroll

    def default_layout(self) -> None:
        """Controls on the left; Signal and Gates above MSE and Parameters; the cell view
        beside them; every other view tabbed with Parameters, hidden until asked for."""
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
                # With Parameters, the wider place of the row: tabbed with the MSE, the
                # row's least width was the ensemble's and the table's together (817 px),
                # and the lesson beside it was squeezed to 272 px.
                w.tabifyDockWidget(d["paramsView"], d[name])
            d[name].setVisible(view.shown_by_default)
        for dock in d.values():
            dock.show() if dock.objectName() in placed | {"controlsDock"} else None
        d["paramsView"].raise_()

    def balance(self) -> None:
        """The default sizes: the controls as narrow as they allow, Signal, Gates and the cell
        across the top, MSE and Parameters side by side below."""
        w, d = self.w, self.docks
        rest = max(600, w.width() - self.sidePanel.minimumWidth())
        if rest < 3 * CELL_MIN_WIDTH and "cellView" in d and not d["cellView"].isFloating():
            # Too narrow for three across: the cell shares the Gates place, as a tab in front.
            w.tabifyDockWidget(d["gatesView"], d["cellView"])
            d["cellView"].raise_()
            self.cell_tabbed_for_width = True
        self.controls_width = self.sidePanel.minimumWidth()
        w.resizeDocks([d["controlsDock"]], [self.controls_width], Qt.Orientation.Horizontal)
        top = [d[n] for n in ("signalView", "gatesView", "cellView") if n in d and d[n].isVisible()]
        # The cell diagram reads well from ~440 px; the two plots share the rest.
        weights = [4 if dock.objectName() == "cellView" else 3 for dock in top]
        w.resizeDocks(top, [rest * k // sum(weights) for k in weights], Qt.Orientation.Horizontal)
        w.resizeDocks([d["mseView"], d["paramsView"]], [rest * 4 // 9, rest * 5 // 9],
                      Qt.Orientation.Horizontal)
        self.shares = {dock.objectName(): k / sum(weights) for dock, k in zip(top, weights)}
        self.shares.update(mseView=4 / 9, paramsView=5 / 9)

    def _fit_top_row(self) -> None:
        """Too narrow for Signal, Gates and the cell side by side (a lesson open on a laptop
        screen clipped the cell): the cell shares the Gates place, as a tab in front."""
        d = self.docks
        if "cellView" not in d or d["cellView"].isFloating() or not d["cellView"].isVisible():
            return
        if d["cellView"] in self.w.tabifiedDockWidgets(d["gatesView"]):
            return
        top = [d[n] for n in ("signalView", "gatesView", "cellView") if d[n].isVisible()]
        if d["cellView"].width() < CELL_MIN_WIDTH and sum(x.width() for x in top) < 3 * CELL_MIN_WIDTH:
            # Also when the window is made small: at 870 px the cell was a 143-pixel strip.
            self.w.tabifyDockWidget(d["gatesView"], d["cellView"])
            d["cellView"].raise_()
            self.cell_tabbed_for_width = True

    def _untab_cell(self) -> bool:
        """The window grew back: the cell the narrow window put behind Gates goes beside it
        again (a learner who made the window small once kept a tab for good)."""
        d = self.docks
        if not self.cell_tabbed_for_width or "cellView" not in d:
            return False
        cell, gates = d["cellView"], d["gatesView"]
        if cell not in self.w.tabifiedDockWidgets(gates):
            self.cell_tabbed_for_width = False
            return False
        # The row's width once the controls have their own back (they take Qt's share of a
        # window's growth until then).
        controls = d["controlsDock"]
        give_back = controls.width() - self.controls_width if not controls.isFloating() else 0
        # The tab group's width is its front dock's (the one behind keeps a stale size).
        width = d["signalView"].width() + max(gates.width(), cell.width()) + max(give_back, 0)
        if width < 3 * CELL_MIN_WIDTH + 60 or cell.isFloating() or not cell.isVisible():
            return False
        self.cell_tabbed_for_width = False
        # Both out of their tab group, then placed as the default layout places them: split
        # from a dock in a tab group, Qt adds a tab (measured, Qt 6.11).
        for dock in (cell, gates):
            self.w.removeDockWidget(dock)
        self.w.splitDockWidget(d["signalView"], gates, Qt.Orientation.Horizontal)
        self.w.splitDockWidget(gates, cell, Qt.Orientation.Horizontal)
        gates.show()
        cell.show()
        # The controls and the row in one call: resized one after the other before the split
        # had settled, the controls kept 351 px instead of their 317.
        rest = max(self.w.width() - self.controls_width - 16, 3 * CELL_MIN_WIDTH)
        weights = [3, 3, 4]
        self.w.resizeDocks([controls, d["signalView"], gates, cell],
                           [self.controls_width] + [rest * k // sum(weights) for k in weights],
                           Qt.Orientation.Horizontal)
        self.shares.update({"signalView": 0.3, "gatesView": 0.3, "cellView": 0.4})
        return True

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
        self.present(name)
        return self.views[name]

    def show_lesson(self) -> None:
        self.present("lessonView")

    def present(self, name: str) -> None:
        """Show the dock in front of any it is tabbed with, and give it room to be read."""
        dock = self.docks[name]
        dock.show()
        dock.raise_()
        self._give_room(name)
        # Once more when the layout has placed a dock just shown (its size was still 0 x 0).
        QtCore.QTimer.singleShot(0, lambda: self._give_room(name))

    def _give_room(self, name: str) -> None:
        dock = self.docks[name]
        if dock.isFloating() or not dock.isVisible():
            return
        if name == "lessonView":
            # A screen's worth of text, not half the window: the plots it talks about stay wide.
            want = (LESSON_WIDTH, 0)
        else:
            hint = self.views[name].minimumSizeHint()
            want = (max(ROOM[0], hint.width()), max(ROOM[1], hint.height()))
        if dock.width() < want[0]:
            self.w.resizeDocks([dock], [want[0]], Qt.Orientation.Horizontal)
        if name == "lessonView":
            self._fit_top_row()
        if dock.height() < want[1]:
            self.w.resizeDocks([dock], [want[1]], Qt.Orientation.Vertical)

    # ------------------------------------------------------------ saved

    def restore(self, reader) -> None:
        """Geometry and dock state from the settings (the default layout if they do not fit)."""
        w = self.w
        geometry = reader.byte_array("geometry")
        if geometry is None or not w.restoreGeometry(geometry):
            w.resize(1400, 900)
        state = reader.byte_array("windowState")
        self.restored = state is not None and w.restoreState(state, LAYOUT_VERSION)
        if self.restored:
            self.controls_width = max(self.sidePanel.minimumWidth(),
                                      reader.integer("controlsWidth", self.controls_width, 0, 10_000))
        if state is not None and not self.restored:
            reader.problems.append("the saved dock layout is from another version; using the default")

    def store(self, settings) -> None:
        settings.setValue("geometry", self.w.saveGeometry())
        settings.setValue("windowState", self.w.saveState(LAYOUT_VERSION))
        settings.setValue("controlsWidth", self.controls_width)
