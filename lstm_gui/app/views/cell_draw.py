"""The drawing primitives of the cell diagrams (the unit's in cell.py, any family's in
cell_diagram.py): fonts, pens, edges that can be hovered and double-clicked, antialiased
round items, and :class:`Drawing`, a group of items in one cell's own coordinates whose
texts are placed by an anchor and only retexted when they change."""
from __future__ import annotations

import math

from ..qt import Qt, QtCore, QtGui, QtWidgets

NODE_R = 11
FONT_PX = {"label": 15, "weight": 14, "value": 16, "formula": 15, "title": 16}


def _font(kind: str, bold: bool = False, scale: float = 1.0) -> QtGui.QFont:
    f = QtGui.QFont()
    f.setPixelSize(round(FONT_PX[kind] * scale))
    f.setBold(bold)
    return f


def _pen(colour: str, width: float = 2.0, style=Qt.PenStyle.SolidLine) -> QtGui.QPen:
    pen = QtGui.QPen(QtGui.QColor(colour), width)
    pen.setStyle(style)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


def weight_width(value: float) -> float:
    """Edge thickness for a weight: 1 at 0, 3 at ±1, about 8 at ±12 (the square root keeps
    small weights visible next to the large recurrent ones a trained unit grows)."""
    return min(1.0 + 2.0 * math.sqrt(abs(value)), 9.0)


def _path(*points) -> QtGui.QPainterPath:
    p = QtGui.QPainterPath(QtCore.QPointF(*points[0]))
    for pt in points[1:]:
        p.lineTo(QtCore.QPointF(*pt))
    return p


class _Editable:
    """Mixin for the items that stand for a parameter: a double click asks to edit it."""

    unit = 0
    index = 0
    on_edit = None

    def mouseDoubleClickEvent(self, event):
        if self.on_edit is not None:
            self.on_edit(self.unit, self.index)
        event.accept()


class WeightEdge(_Editable, QtWidgets.QGraphicsPathItem):
    """A weight's edge.  Its shape is widened so that a thin edge is still easy to hover."""

    def shape(self):
        stroker = QtGui.QPainterPathStroker()
        stroker.setWidth(max(12.0, self.pen().widthF()))
        return stroker.createStroke(self.path())


class WeightLabel(_Editable, QtWidgets.QGraphicsSimpleTextItem):
    """The value written beside a weight's edge."""


class _Smooth:
    """Mixin: the item paints itself antialiased.  The view draws without antialiasing:
    with it, a repaint of one cell took 8 times as long (paired medians, 11.1 ms against
    1.3 ms on a loaded machine), and the lines are all horizontal or vertical anyway; only
    the round nodes and the arrowheads need it."""

    def paint(self, painter, option, widget=None):
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        super().paint(painter, option, widget)


class SmoothEllipse(_Smooth, QtWidgets.QGraphicsEllipseItem):
    pass


class SmoothPolygon(_Smooth, QtWidgets.QGraphicsPolygonItem):
    pass


class _Parented:
    """The scene's add* methods, each item made a child of `root` (cell coordinates)."""

    def __init__(self, scene, root):
        self._scene, self._root = scene, root

    def __getattr__(self, name):
        add = getattr(self._scene, name)

        def adding(*args):
            item = add(*args)
            item = args[0] if item is None else item    # addItem returns nothing
            item.setParentItem(self._root)
            return item
        return adding


class Drawing:
    """Items of one drawing, children of ``root``, in its own coordinates (``root.setPos``
    places it in the scene).  Its texts are FONT_PX times ``font_scale``."""

    font_scale = 1.0

    def __init__(self, scene: QtWidgets.QGraphicsScene):
        self.root = QtWidgets.QGraphicsRectItem()
        self.root.setPen(QtGui.QPen(Qt.PenStyle.NoPen))
        self.root.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        scene.addItem(self.root)
        self.scene = _Parented(scene, self.root)
        self._text: dict[int, str] = {}        # id(text item) -> what it shows now
        self._items: list = []                  # keeps every text item's wrapper (and id) alive
        self.labels: dict[str, QtWidgets.QGraphicsSimpleTextItem] = {}

    # ------------------------------------------------------------ building

    def _line(self, colour, *points, width=2.0, z=0.0, arrow=False):
        item = self.scene.addPath(_path(*points), _pen(colour, width))
        item.setZValue(z)
        if arrow:
            self._arrow(colour, points[-2], points[-1])
        return item

    def _arrow(self, colour, a, b):
        ax, ay = a
        bx, by = b
        ang = math.atan2(by - ay, bx - ax)
        tip = QtCore.QPointF(bx, by)
        pts = [tip] + [QtCore.QPointF(bx - 9 * math.cos(ang + s), by - 9 * math.sin(ang + s))
                       for s in (0.45, -0.45)]
        item = self._shape(SmoothPolygon(QtGui.QPolygonF(pts)), _pen(colour, 1), QtGui.QColor(colour))
        item.setZValue(2)

    def _shape(self, item, pen, brush):
        item.setPen(pen)
        item.setBrush(brush)
        self.scene.addItem(item)
        return item

    def _ellipse(self, x, y, w, h, pen, brush):
        return self._shape(SmoothEllipse(x, y, w, h), pen, brush)

    def _text_item(self, key, x, y, kind="label", colour="#000000", bold=False, anchor="left",
                   tooltip=""):
        item = QtWidgets.QGraphicsSimpleTextItem()
        item.setFont(_font(kind, bold, self.font_scale))
        item.setBrush(QtGui.QBrush(QtGui.QColor(colour)))
        item.setZValue(5)
        item.setToolTip(tooltip)
        self.scene.addItem(item)
        item.setData(0, (x, y, anchor))
        self._items.append(item)
        if key:
            self.labels[key] = item
        return item

    def _node(self, x, y, symbol, colour="#333333", tooltip="", wide=False):
        cx, cy = x, y
        rx = NODE_R * (1.6 if wide else 1.0)       # wide: two characters ("1−")
        e = self._ellipse(cx - rx, cy - NODE_R, 2 * rx, 2 * NODE_R, _pen(colour, 1.5),
                          QtGui.QColor("#ffffff"))
        e.setZValue(3)
        e.setToolTip(tooltip)
        t = self._text_item(None, x, y - 1, "label", colour, bold=True, anchor="center")
        t.setZValue(4)
        self.set_text(t, symbol)
        return e

    def set_text(self, item, text: str) -> None:
        """Set an item's text and place it by its anchor; nothing if the text is unchanged."""
        key = id(item)
        if self._text.get(key) == text:
            return
        self._text[key] = text
        item.setText(text)
        x, y, anchor = item.data(0)
        w = item.boundingRect().width()
        h = item.boundingRect().height()
        if anchor == "center":
            item.setPos(x - w / 2, y - h / 2)
        elif anchor == "right":
            item.setPos(x - w, y)
        else:
            item.setPos(x, y)


def _alpha(colour: str, alpha: int) -> QtGui.QColor:
    c = QtGui.QColor(colour)
    c.setAlpha(alpha)
    return c
