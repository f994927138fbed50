"""Qt widgets, models and the bridge from core/server events to Qt signals.

Importing the package first protects the interpreter from PySide6 6.12's reference-counting
bug on CPython < 3.12 (see qtfix.py); every entry into the UI comes through here.
"""

from playground.ui import qtfix

qtfix.immortalize()
