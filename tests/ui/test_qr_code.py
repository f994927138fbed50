"""The QR code widget: the matrix has the standard's shape, and what it paints decodes."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from playground.ui.qr_code import QUIET_ZONE, QrCode, qr_matrix
from tests.ui.test_device import decoded

URI = "http://127.0.0.1:54321/device?user_code=WDJB-MJHT"
FINDER = ("1111111", "1000001", "1011101", "1011101", "1011101", "1000001", "1111111")


def _block(matrix: tuple[tuple[bool, ...], ...], top: int, left: int) -> tuple[str, ...]:
    return tuple("".join("1" if matrix[top + y][left + x] else "0" for x in range(7))
                 for y in range(7))


def test_the_matrix_is_a_version_with_three_finder_patterns() -> None:
    matrix = qr_matrix(URI)
    size = len(matrix)
    assert all(len(row) == size for row in matrix)
    assert size >= 21 and (size - 17) % 4 == 0  # version v is 17 + 4v modules a side
    for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):
        assert _block(matrix, top, left) == FINDER
    assert _block(matrix, size - 7, size - 7) != FINDER  # the fourth corner has none
    timing = [matrix[6][x] for x in range(8, size - 8)]
    assert timing == [x % 2 == 0 for x in range(8, size - 8)]  # dark, light, dark, …


def test_longer_text_needs_a_bigger_version() -> None:
    assert len(qr_matrix(URI + "&x=" + "a" * 200)) > len(qr_matrix(URI))


@pytest.mark.parametrize("side", [120, 205, 333])
def test_what_the_widget_paints_decodes_at_any_size(qtbot: QtBot, side: int) -> None:
    qr = QrCode()
    qtbot.addWidget(qr)
    qr.set_text(URI)
    qr.resize(side, side)
    assert qr.modules == len(qr_matrix(URI)) + 2 * QUIET_ZONE
    assert decoded(qr) == [URI]
    assert qr.toolTip() == URI


def test_no_text_paints_nothing(qtbot: QtBot) -> None:
    qr = QrCode()
    qtbot.addWidget(qr)
    qr.set_text(URI)
    qr.set_text("")
    qr.resize(200, 200)
    assert qr.matrix == () and decoded(qr) == []
