"""Qt widgets, models and the bridge from core/server events to Qt signals."""
