"""The live sequence diagram: one lane per party, one arrow per exchange as it happens.

Lanes and arrows come from playground.core.record.sequence (RFC 6749 §1.1's roles). Each arrow
is labelled with the method and path, its answer (status or error) at the arrowhead; a failed one
is drawn in the failure colour; the authorization response's redirect back to the client is
dashed. A click on an arrow emits `exchange_clicked(seq)` so the inspector opens it. Painted with
QPainter only (no web view); each row has a fixed height, so 100 exchanges are a diagram to
scroll, as readable as five. `render_svg` and `render_png` write the same drawing to a file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from playground.core.record import sequence
from playground.core.record.exchange import Exchange
from playground.ui import theme

ROW = 30  # pixels per arrow
HEADER = 40  # the lane titles (in an export; on screen LaneTitles holds them)
SCREEN_TOP = 8
MARGIN = 16
MIN_LANE = 190  # the narrowest lane that still fits a label


class SequenceDiagram(QWidget):
    """The diagram itself; lives in a scroll area (SequencePane)."""

    exchange_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._exchanges: list[Exchange] = []
        self.arrows: list[sequence.Arrow] = []
        self.top = SCREEN_TOP  # the titles are above the scroll area on screen, HEADER in exports
        self.setMouseTracking(True)
        self.setMinimumWidth(MIN_LANE * len(sequence.LANES) + 2 * MARGIN)

    def add_exchange(self, exchange: Exchange) -> None:
        self._exchanges.append(exchange)
        self.arrows = sequence.arrows(self._exchanges)
        self.updateGeometry()
        self.adjustSize()
        self.update()

    def clear(self) -> None:
        self._exchanges, self.arrows = [], []
        self.adjustSize()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self.minimumWidth(), self.top + ROW * (len(self.arrows) + 1))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    # -- geometry -------------------------------------------------------------------------------
    def lane_x(self, lane: int, width: float | None = None) -> float:
        usable = (width if width is not None else self.width()) - 2 * MARGIN
        return MARGIN + usable * (lane + 0.5) / len(sequence.LANES)

    def row_y(self, row: int) -> float:
        return self.top + ROW * row + ROW * 0.75

    def arrow_at(self, y: float) -> sequence.Arrow | None:
        """The arrow drawn at height `y` (its row), if any."""
        row = int((y - self.top) // ROW)
        return self.arrows[row] if 0 <= row < len(self.arrows) else None

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        first = max(0, int((event.rect().top() - self.top) // ROW) - 1)
        last = int((event.rect().bottom() - self.top) // ROW) + 1
        self.paint(painter, float(self.width()), float(self.height()), range(first, last + 1),
                   titles=False)  # on screen the titles stay put above (LaneTitles)
        painter.end()

    def paint(self, painter: QPainter, width: float, height: float,
              rows: range | None = None, *, titles: bool = True) -> None:
        """Lanes, titles and the arrows of `rows` (all when None) onto `painter`."""
        palette = self.palette()
        painter.fillRect(QRectF(0, 0, width, height), palette.color(QPalette.ColorRole.Base))
        self._lanes(painter, width, height, palette)
        if titles:
            self.paint_titles(painter, width, 6)
        shown = rows if rows is not None else range(len(self.arrows))
        for row in shown:
            if 0 <= row < len(self.arrows):
                self._arrow(painter, width, row, self.arrows[row], palette)

    def _lanes(self, painter: QPainter, width: float, height: float, palette: QPalette) -> None:
        painter.setPen(QPen(theme.colors().muted, 1, Qt.PenStyle.DashLine))
        for lane in range(len(sequence.LANES)):
            x = self.lane_x(lane, width)
            painter.drawLine(QPointF(x, self.top - 6 if self.top > SCREEN_TOP else 0),
                             QPointF(x, height - 4))

    def paint_titles(self, painter: QPainter, width: float, top: float) -> None:
        """The lane titles (RFC 6749 §1.1's roles), centred over each lane."""
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        for lane, title in enumerate(sequence.LANES):
            x = self.lane_x(lane, width)
            box = QRectF(x - MIN_LANE / 2, top, MIN_LANE, HEADER - 14)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, title)
        painter.setFont(self.font())

    def _arrow(self, painter: QPainter, width: float, row: int, arrow: sequence.Arrow,
               palette: QPalette) -> None:
        colors = theme.colors()
        color = colors.failed if arrow.failed else palette.color(QPalette.ColorRole.Text)
        y = self.row_y(row)
        start, end = self.lane_x(arrow.source, width), self.lane_x(arrow.target, width)
        style = Qt.PenStyle.DashLine if arrow.redirect else Qt.PenStyle.SolidLine
        painter.setPen(QPen(color, 1.6 if arrow.failed else 1.2, style))
        painter.drawLine(QPointF(start, y), QPointF(end, y))
        _head(painter, QPointF(end, y), 1 if end > start else -1, color)
        self._labels(painter, row, arrow, start, end, y, color)

    def _labels(self, painter: QPainter, row: int, arrow: sequence.Arrow, start: float,
                end: float, y: float, color: QColor) -> None:
        metrics = QFontMetrics(self.font())
        left, right = min(start, end), max(start, end)
        label = f"#{arrow.seq}  {arrow.label}"
        room = right - left - 8
        painter.setPen(color)
        painter.drawText(QRectF(left + 4, y - metrics.height() - 1, room, metrics.height()),
                         Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(label, Qt.TextElideMode.ElideMiddle, int(room)))
        answer = arrow.answer if len(arrow.answer) <= 28 else f"{arrow.answer[:27]}…"
        painter.setPen(color if arrow.failed else theme.colors().muted)
        at = right + 6 if end > start else left - 6 - metrics.horizontalAdvance(answer)
        painter.drawText(QPointF(at, y + metrics.ascent() / 2 - 1), answer)

    # -- interaction and export -----------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        arrow = self.arrow_at(event.position().y())
        if arrow is not None and event.button() == Qt.MouseButton.LeftButton:
            self.exchange_clicked.emit(arrow.seq)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        arrow = self.arrow_at(event.position().y())
        self.setCursor(Qt.CursorShape.PointingHandCursor if arrow else Qt.CursorShape.ArrowCursor)
        self.setToolTip(f"#{arrow.seq} {arrow.label} → {arrow.answer}: click to open it in "
                        "the inspector" if arrow else "")
        super().mouseMoveEvent(event)

    def export_size(self) -> QSize:
        return QSize(max(self.width(), self.minimumWidth()), HEADER + ROW * (len(self.arrows) + 1))

    @contextlib.contextmanager
    def _exporting(self) -> Iterator[QSize]:
        """Draw with the titles at the top, as a file needs them; the size to draw."""
        self.top = HEADER
        try:
            yield self.export_size()
        finally:
            self.top = SCREEN_TOP

    def render_svg(self, path: str) -> None:
        with self._exporting() as size:
            self._svg(path, size)

    def _svg(self, path: str, size: QSize) -> None:
        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(size)
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        generator.setTitle("OAuth Playground sequence diagram")
        painter = QPainter(generator)
        self.paint(painter, size.width(), size.height())
        painter.end()

    def render_png(self, path: str) -> bool:
        with self._exporting() as size:
            return self._png(path, size)

    def _png(self, path: str, size: QSize) -> bool:
        ratio = 2.0  # crisp on high-density screens and in bug reports
        image = QImage(int(size.width() * ratio), int(size.height() * ratio),
                       QImage.Format.Format_ARGB32)
        image.setDevicePixelRatio(ratio)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, size.width(), size.height())
        painter.end()
        return bool(image.save(path, "PNG"))  # type: ignore[call-overload]  # str works at run time


def _head(painter: QPainter, tip: QPointF, direction: int, color: QColor) -> None:
    back = tip.x() - 8 * direction
    painter.setBrush(color)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawPolygon(QPolygonF([tip, QPointF(back, tip.y() - 4), QPointF(back, tip.y() + 4)]))
    painter.setBrush(Qt.BrushStyle.NoBrush)


class LaneTitles(QWidget):
    """The lane titles above the scroll area, so they stay in view at row 100."""

    def __init__(self, diagram: SequenceDiagram, scroll: QScrollArea) -> None:
        super().__init__()
        self._diagram, self._scroll = diagram, scroll
        self.setFixedHeight(HEADER - 12)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.translate(self._scroll.frameWidth() - self._scroll.horizontalScrollBar().value(),
                          0)
        self._diagram.paint_titles(painter, float(self._diagram.width()), 2)
        painter.end()


class SequencePane(QWidget):
    """The diagram in a scroll area that follows the newest arrow, with the export buttons."""

    exchange_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.diagram = SequenceDiagram()
        self.area = QScrollArea()
        self.area.setWidget(self.diagram)
        self.area.setWidgetResizable(True)
        self.count = QLabel()
        self.svg_button = QPushButton("Export SVG…")
        self.png_button = QPushButton("Export PNG…")
        self.svg_button.clicked.connect(lambda: self._export("svg"))
        self.png_button.clicked.connect(lambda: self._export("png"))
        self.diagram.exchange_clicked.connect(self.exchange_clicked)
        bar = QHBoxLayout()
        bar.addWidget(self.count, 1)
        bar.addWidget(self.svg_button)
        bar.addWidget(self.png_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.titles = LaneTitles(self.diagram, self.area)
        self.area.horizontalScrollBar().valueChanged.connect(self.titles.update)
        layout.addLayout(bar)
        layout.addWidget(self.titles)
        layout.addWidget(self.area, 1)
        layout.setSpacing(2)
        self._update_count()

    def add_exchange(self, exchange: Exchange) -> None:
        self.diagram.add_exchange(exchange)
        self._update_count()
        bar = self.area.verticalScrollBar()
        bar.setValue(bar.maximum() + ROW * 2)  # follow the flow as it happens

    def clear(self) -> None:
        self.diagram.clear()
        self._update_count()

    def _update_count(self) -> None:
        failed = sum(1 for a in self.diagram.arrows if a.failed)
        self.count.setText(f"{len(self.diagram.arrows)} arrows, {failed} failed — click an arrow "
                           "to open its exchange" if self.diagram.arrows
                           else "The flow's messages appear here as they happen.")

    def _export(self, kind: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export the diagram as {kind.upper()}",
                                              f"sequence.{kind}", f"{kind.upper()} (*.{kind})")
        if path:
            self.export(path)

    def export(self, path: str) -> None:
        """Write the diagram to `path` (SVG or PNG by its suffix)."""
        if path.lower().endswith(".svg"):
            self.diagram.render_svg(path)
        else:
            self.diagram.render_png(path)
