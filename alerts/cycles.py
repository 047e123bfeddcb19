"""Reading and deciding a ward builds hundreds of thousands of small objects (rows, snapshots, graded histories),
none of them in a reference cycle. Python's cycle collector runs after every few hundred allocations and, every tenth
of those, scans every object the process holds: over a 288-patient sweep that was a quarter of its CPU time, for
nothing (reference counting frees these objects either way). `cycle_collection_paused` holds it off while a ward
is read and decided; it runs as usual afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from threading import Lock

_lock = Lock()
_depth = 0
_was_enabled = False


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """No cycle collection inside the block (nested or on several threads at once: paused until the last one
    leaves, then as it was before the first came in)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
