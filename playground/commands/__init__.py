"""Headless entry points. Each module exposes `configure(parser)` and `run(args) -> int`."""
