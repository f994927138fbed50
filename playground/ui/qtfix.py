"""A work-around for a reference-counting bug of PySide6 6.12 on CPython 3.10/3.11.

PySide6 6.12 hands back None, True and False as borrowed references in places where Python
expects a new one: every call of a void method (`label.setText(...)`), every `emit()` (returns a
bool), every Python `data()` override that returns None when C++ calls it. Each such call takes
one reference from the singleton that nobody gave. CPython 3.12+ made these objects immortal
(PEP 683), so there nothing happens; on 3.11, None starts with about 5,000 references, and a few
thousand Qt calls later the interpreter aborts with "none_dealloc: deallocating None".

`immortalize()` does what PEP 683 does: it gives the three singletons a reference count so large
that no session can walk it down (2**40 calls). It is a no-op on 3.12+, and idempotent.
The real fix is Python >= 3.12 (or a PySide6 without the bug); this keeps 3.11 users safe.
"""

from __future__ import annotations

import ctypes
import sys

HEADROOM = 1 << 40
NEEDED = sys.version_info < (3, 12)


def immortalize() -> None:
    if not NEEDED:
        return
    for singleton in (None, True, False):
        # CPython 3.11 layout: ob_refcnt is the first field of every object (Include/object.h).
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        if refcount.value < HEADROOM // 2:
            refcount.value += HEADROOM
