"""Render resources/icon.svg to playground/assets/icon.png: python packaging/render_icon.py resources/icon.svg playground/assets/icon.png"""
import sys
from PySide6.QtGui import QGuiApplication, QImage, QPainter, QColor
from PySide6.QtSvg import QSvgRenderer
app = QGuiApplication(sys.argv)
r = QSvgRenderer(sys.argv[1])
for size, out in [(256, sys.argv[2])]:
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(QColor(0, 0, 0, 0))
    p = QPainter(img); r.render(p); p.end()
    assert img.save(out)
