"""``@heavy``: run a CPU-heavy route on a small pool of its own, so cheap routes stay fast.

A plain ``def`` route runs in Starlette's thread pool (40 threads): 25 concurrent CPU-bound requests
become 25 threads fighting the event loop for the GIL, and ``/api/health`` takes hundreds of
milliseconds. A route marked ``@heavy`` becomes an ``async`` route that queues its work for a pool of
``HEAVY_WORKERS`` threads (one); the event loop stays free to answer pages and cheap endpoints. A request
whose client leaves while it waits in the queue is dropped without running. When more than
``HEAVY_QUEUE`` heavy requests are waiting or running, new ones answer 503 at once.

    @router.get("/frontier")
    @heavy
    def frontier(gpu: GpuName = "h100", context: int = 4096) -> dict:
        ...

Put ``@heavy`` below the route decorator, on a plain ``def`` (FastAPI reads the original signature).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.exceptions import HTTPException

# One worker: Python runs one thread at a time (the GIL), so a second CPU-bound worker adds almost no
# throughput but makes the event loop wait for the GIL behind two threads instead of one (measured: with
# 20 queued 20 ms requests, /api/health's median is ~1-20 ms with one worker, 50-400 ms with two).
HEAVY_WORKERS = 1
HEAVY_QUEUE = 64

_pool = ThreadPoolExecutor(max_workers=HEAVY_WORKERS, thread_name_prefix="llmlab-heavy")
_lock = threading.Lock()
_waiting = 0

F = TypeVar("F", bound=Callable[..., Any])


def heavy(function: F) -> F:
    """Mark a route's (synchronous) work as CPU-heavy: at most ``HEAVY_WORKERS`` run at once."""
    if inspect.iscoroutinefunction(function):
        raise TypeError(f"@heavy takes a plain def route, not async def {function.__name__}: "
                        "its work must be able to run in a worker thread")

    @functools.wraps(function)
    async def run_heavy(*args: Any, **kwargs: Any) -> Any:
        global _waiting
        with _lock:
            if _waiting >= HEAVY_QUEUE:
                raise HTTPException(503, f"the lab is busy with {_waiting} heavy requests: try again shortly",
                                    headers={"Retry-After": "1"})
            _waiting += 1
        try:
            work = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
            return await asyncio.get_running_loop().run_in_executor(_pool, work)
        finally:
            with _lock:
                _waiting -= 1

    run_heavy.heavy = True  # type: ignore[attr-defined]
    return run_heavy  # type: ignore[return-value]
