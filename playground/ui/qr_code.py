"""A QR code widget: the matrix from `segno` (ISO/IEC 18004), painted with QPainter.

The device grant shows `verification_uri_complete` as a QR code (RFC 8628 §3.3.1: "the client
MAY present the verification_uri_complete as a QR code"), so a phone can open the page with the
code filled in. Error correction level M (15 %), the smallest version that fits. The widget
paints each module as a whole number of pixels, dark on white whatever the theme (a scanner
needs the contrast), inside the 4-module quiet zone the standard asks for (§6.3.8), at the top
of its area and centred across it.
"""

from __future__ import annotations

import segno
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

QUIET_ZONE = 4
Matrix = tuple[tuple[bool, ...], ...]


def qr_matrix(text: str) -> Matrix:
    """The modules of `text`'s QR code, row by row (True: dark), without the quiet zone."""
    code = segno.make(text, error="m", micro=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)


class QrCode(QWidget):
    """Shows one QR code; `set_text("")` shows nothing."""

    def __init__(self, module: int = 4, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.module = module  # the preferred pixels per module
        self.text = ""
        self.matrix: Matrix = ()
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_text(self, text: str) -> None:
        if text == self.text:
            return
        self.text = text
        self.matrix = qr_matrix(text) if text else ()
        self.setToolTip(text)
        self.updateGeometry()
        self.update()

    @property
    def modules(self) -> int:
        """Modules per side, quiet zone included."""
        return len(self.matrix) + 2 * QUIET_ZONE if self.matrix else 0

    def sizeHint(self) -> QSize:
        side = max(self.modules, 29) * self.module
        return QSize(side, side)

    def minimumSizeHint(self) -> QSize:
        side = max(self.modules, 29) * 2
        return QSize(side, side)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.matrix:
            return
        scale = max(1, min(self.width(), self.height()) // self.modules)
        side = scale * self.modules
        left, top = (self.width() - side) // 2, 0
        painter = QPainter(self)
        painter.fillRect(QRect(left, top, side, side), QColor("white"))
        painter.setPen(Qt.PenStyle.NoPen)
        dark = QColor("black")
        for y, row in enumerate(self.matrix):
            for x, on in enumerate(row):
                if on:
                    painter.fillRect(QRect(left + (x + QUIET_ZONE) * scale,
                                           top + (y + QUIET_ZONE) * scale, scale, scale), dark)
        painter.end()
