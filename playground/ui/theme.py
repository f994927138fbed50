"""The theme follows the system: Fusion with the platform's light or dark palette.

Qt 6.5+ reports the desktop's colour scheme in `QStyleHints.colorScheme()` and signals changes;
Fusion then draws with a matching palette. Status colours (pass, fail, warning, stale) are picked
for contrast against the current window colour, so they read well in both schemes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QComboBox, QTableView


@dataclass(frozen=True, slots=True)
class StatusColors:
    ok: QColor
    failed: QColor
    warning: QColor
    muted: QColor
    running: QColor


LIGHT = StatusColors(
    QColor("#1a7f37"), QColor("#c62828"), QColor("#9a6700"), QColor("#6e7781"), QColor("#0969da")
)
DARK = StatusColors(
    QColor("#57d364"), QColor("#ff7b72"), QColor("#e3b341"), QColor("#9ea7b3"), QColor("#58a6ff")
)


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def colors() -> StatusColors:
    return DARK if is_dark() else LIGHT


def monospace() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def compact(view: QAbstractItemView) -> QAbstractItemView:
    """Rows one text line high (Fusion's default leaves room for two)."""
    height = view.fontMetrics().height() + 6
    if isinstance(view, QTableView):
        view.verticalHeader().setMinimumSectionSize(height)
        view.verticalHeader().setDefaultSectionSize(height)
    return view


def narrow(combo: QComboBox, characters: int = 24) -> QComboBox:
    """A combo box whose long items do not set the panel's minimum width."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    return combo


def apply(app: QApplication) -> None:
    """Use Fusion and follow the system's light/dark scheme, now and when it changes."""
    app.setStyle("Fusion")
    _apply_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: _apply_scheme(app))


def _apply_scheme(app: QApplication) -> None:
    scheme = app.styleHints().colorScheme()
    dark = scheme == Qt.ColorScheme.Dark
    app.setPalette(_dark_palette() if dark else app.style().standardPalette())


def _dark_palette() -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    for r, color in (
        (role.Window, "#202124"), (role.WindowText, "#e8eaed"), (role.Base, "#17181a"),
        (role.AlternateBase, "#25272a"), (role.Text, "#e8eaed"), (role.Button, "#2b2d30"),
        (role.ButtonText, "#e8eaed"), (role.Highlight, "#2f6fca"),
        (role.HighlightedText, "#ffffff"), (role.ToolTipBase, "#2b2d30"),
        (role.ToolTipText, "#e8eaed"), (role.PlaceholderText, "#9aa0a6"), (role.Link, "#8ab4f8"),
        (role.Mid, "#3c4043"), (role.Dark, "#111214"), (role.Light, "#3c4043"),
    ):
        palette.setColor(r, QColor(color))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(disabled, r, QColor("#80868b"))
    return palette
